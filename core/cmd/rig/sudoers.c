/* The run's sudoers rule, /etc/sudoers.d/hostpriv-rig-PID:
 *
 *   hptest ALL=(root) NOPASSWD: sha256:HEX STAGE/bin/hostpriv privileged *
 *
 * It lets the test user elevate exactly the staged hostpriv, as `sudo -n`
 * does for the app side.  Three things keep it from ever giving that user
 * more: the path lies in a tree only root can create (hp_root_only,
 * checked by hp_sudoers_rule right before writing), the digest makes sudo
 * refuse any other file at that path, and a rule whose run was killed
 * (SIGKILL leaves no chance to clean up) is swept by the next run, with
 * its stage, as is a stage whose run was killed before it wrote its
 * rule. */
#include "rig.h"
#include "auth/sudoers.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUDOERS_D "/etc/sudoers.d"
#define RULE_PREFIX "hostpriv-rig-"

/* What hp_rig_sudoers_remove unlinks: a plain array, for the signal path. */
static char g_rule[PATH_MAX];

static int run_visudo(const char *file)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                     NULL };
        execle("/usr/sbin/visudo", "visudo", "-cf", file, (char *)NULL, env);
        _exit(127);
    }
    int s;
    while (waitpid(pid, &s, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(s) && WEXITSTATUS(s) == 0 ? 0 : -1;
}

/* The rule text for st, or NULL (err) when its hostpriv may not be named:
 * libhostpriv's rule (the one `hostpriv sudoers` prints), under a comment
 * saying whose it is. */
static char *rule_text(const hp_rig_stage *st, char *err, size_t errn)
{
    char rule[HP_SUDOERS_RULE_MAX];
    hp_err e = HP_ERR_INIT;
    if (hp_sudoers_rule(st->user, st->hostpriv, rule, sizeof rule, &e)) {
        snprintf(err, errn, "%s", e.msg);
        return NULL;
    }
    return hp_rig_fmt("# hostpriv-rig run %ld: removed when it ends, or by "
                      "the next run if this one is killed\n%s",
                      (long)getpid(), rule);
}

/* Written under a name with a dot (sudo skips those), checked with
 * visudo -cf, then renamed into force. */
int hp_rig_sudoers_write(hp_rig_stage *st, char *err, size_t errn)
{
    struct stat sb;
    if (stat(SUDOERS_D, &sb) != 0 || access("/usr/bin/sudo", X_OK)) {
        snprintf(err, errn, "sudo or " SUDOERS_D " is missing: the app side "
                 "elevates with `sudo -n`; run scripts/install-deps");
        return -1;
    }
    char *rule = rule_text(st, err, errn);
    if (!rule)
        return -1;
    snprintf(st->sudoers, sizeof st->sudoers, SUDOERS_D "/" RULE_PREFIX "%ld",
             (long)getpid());
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", st->sudoers);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0440);
    size_t len = strlen(rule);
    int ok = fd >= 0 && write(fd, rule, len) == (ssize_t)len &&
             fchmod(fd, 0440) == 0 && fchown(fd, 0, 0) == 0;
    if (fd >= 0)
        close(fd);
    free(rule);
    if (!ok || run_visudo(tmp) != 0) {
        snprintf(err, errn, "cannot write a valid %s (visudo -cf refused it "
                 "or the write failed)", tmp);
        unlink(tmp);
        return -1;
    }
    snprintf(g_rule, sizeof g_rule, "%s", st->sudoers);
    if (rename(tmp, st->sudoers) != 0) {
        snprintf(err, errn, "rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        g_rule[0] = '\0';
        return -1;
    }
    return 0;
}

void hp_rig_sudoers_remove(void)
{
    if (g_rule[0]) {
        unlink(g_rule);
        g_rule[0] = '\0';
    }
}

/* A run holds an exclusive flock on STAGE/.alive for as long as it lives
 * (the kernel lets go when it dies, however it dies).  That, not its pid,
 * tells a sweep whether a run has ended: a pid means nothing across PID
 * namespaces or after reuse, and another checkout's rig is as alive as
 * this one.  The stage is root-only (rootonly.c), so no other user can
 * hold the lock to keep a rule alive. */
#define ALIVE_NAME ".alive"

int hp_rig_stage_hold(const char *stage, char *err, size_t errn)
{
    char *p = hp_rig_fmt("%s/" ALIVE_NAME, stage);
    int fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errn, "cannot hold %s: %s", p, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(p);
        return -1;
    }
    free(p);
    return 0;                   /* fd kept open for the life of the run */
}

/* 1 when pid runs a hostpriv-rig (any build of it, a replaced one too):
 * for runs of a rig that holds no stage lock (an older build). */
static int rig_alive(long pid)
{
    char link[64], exe[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%ld/exe", pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n < 0)
        return 0;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return !strcmp(base, "hostpriv-rig") ||
           !strcmp(base, "hostpriv-rig (deleted)");
}

/* 1 when a live run holds stage's lock. */
static int stage_held(const char *stage)
{
    char *p = hp_rig_fmt("%s/" ALIVE_NAME, stage);
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(p);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

/* The stage a rule names (its command, less /bin/hostpriv), or NULL. */
static char *rule_stage(const char *text)
{
    const char *p = text ? strstr(text, "NOPASSWD:") : NULL;
    if (!p)
        return NULL;
    p += 9;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!strncmp(p, "sha256:", 7))
        p += 7 + strcspn(p + 7, " \t");
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strcspn(p, " \t\n"), tail = strlen("/bin/hostpriv");
    if (*p != '/' || n <= tail || strncmp(p + n - tail, "/bin/hostpriv", tail))
        return NULL;
    return hp_rig_memdup(p, n - tail);
}

/* One entry of sudoers.d: remove it when its run has ended (nobody holds
 * its stage's lock, and its pid, as this process sees pids, runs no rig)
 * or its stage is gone; the stage of an ended run goes with it. */
static void sweep_one(const char *name, long pid)
{
    char *path = hp_rig_fmt(SUDOERS_D "/%s", name);
    size_t len;
    char *text = hp_rig_slurp(path, &len);
    char *stage = rule_stage(text);
    struct stat sb;
    int staged = stage && lstat(stage, &sb) == 0 && S_ISDIR(sb.st_mode);
    int ended = !staged || (!stage_held(stage) &&
                            (pid == (long)getpid() || !rig_alive(pid)));
    if (ended && unlink(path) == 0)
        fprintf(stderr, "hostpriv-rig: removed the stale sudoers rule %s "
                "(%s)\n", path, staged ? "the run that wrote it has ended"
                                       : "the stage it names is gone");
    if (ended && staged && hp_rig_rmtree(stage) == 0)
        fprintf(stderr, "hostpriv-rig: removed that run's stage %s\n", stage);
    free(stage);
    free(text);
    free(path);
}

/* A stage's run has ended: nobody holds its lock and its pid (as this
 * process sees pids) runs no rig.  A stage without the lock file is a run
 * in its first instant (mkdtemp, then the lock) or an older build's: it
 * must also be a minute old, so a run just starting in another PID
 * namespace keeps its stage. */
static int stage_ended(const char *stage, long pid)
{
    struct stat lb, sb;
    char *lock = hp_rig_fmt("%s/" ALIVE_NAME, stage);
    int has_lock = lstat(lock, &lb) == 0;
    free(lock);
    if (stage_held(stage) || pid == (long)getpid() || rig_alive(pid))
        return 0;
    return has_lock || (lstat(stage, &sb) == 0 &&
                        time(NULL) - sb.st_mtime > 60);
}

/* A stage no rule names, of a run that has ended: one killed while it
 * staged, before its rule was written.  Only under a stage root that is
 * root's alone, only root's own directories, never one kept (--keep). */
static void sweep_stages(void)
{
    char why[256];
    if (hp_rig_root_only(HP_RIG_STAGE_ROOT, why, sizeof why))
        return;
    DIR *d = opendir(HP_RIG_STAGE_ROOT);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        if (strncmp(de->d_name, "run-", 4) || !isdigit((unsigned char)
                                                       de->d_name[4]))
            continue;
        long pid = strtol(de->d_name + 4, &end, 10);
        struct stat sb, kb;
        char *path = hp_rig_fmt(HP_RIG_STAGE_ROOT "/%s", de->d_name);
        char *kept = hp_rig_fmt("%s/" HP_RIG_KEPT, path);
        if (*end == '.' && lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) &&
            sb.st_uid == 0 && lstat(kept, &kb) != 0 &&
            stage_ended(path, pid) && hp_rig_rmtree(path) == 0)
            fprintf(stderr, "hostpriv-rig: removed the stage %s of a run "
                    "that has ended\n", path);
        free(kept);
        free(path);
    }
    if (d)
        closedir(d);
}

void hp_rig_sudoers_sweep(void)
{
    DIR *d = opendir(SUDOERS_D);
    struct dirent *de;
    size_t pl = strlen(RULE_PREFIX);
    while (d && (de = readdir(d))) {
        const char *p = de->d_name;
        if (strncmp(p, RULE_PREFIX, pl) || !isdigit((unsigned char)p[pl]))
            continue;
        char *end;
        long pid = strtol(p + pl, &end, 10);
        if (*end == '\0' || !strcmp(end, ".tmp"))
            sweep_one(p, pid);
    }
    if (d)
        closedir(d);
    sweep_stages();
}
