/* The run's sudoers rule, /etc/sudoers.d/hostpriv-rig-PID:
 *
 *   hptest ALL=(root) NOPASSWD: sha256:HEX STAGE/bin/hostpriv privileged *
 *
 * It lets the test user elevate exactly the staged hostpriv, as `sudo -n`
 * does for the app side.  Three things keep it from ever giving that user
 * more: the path lies in a tree only root can create (hp_rig_root_only,
 * checked right before writing), the digest makes sudo refuse any other
 * file at that path, and a rule whose run was killed (SIGKILL leaves no
 * chance to clean up) is swept by the next run, with its stage, as is a
 * stage whose run was killed before it wrote its rule. */
#include "rig.h"
#include "sha256.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* The rule text for st, or NULL (err) when its hostpriv may not be named. */
static char *rule_text(const hp_rig_stage *st, char *err, size_t errn)
{
    if (hp_rig_root_only(st->hostpriv, err, errn))
        return NULL;
    size_t len;
    char *bin = hp_rig_slurp(st->hostpriv, &len), hex[65];
    if (!bin) {
        snprintf(err, errn, "cannot read %s: %s", st->hostpriv,
                 strerror(errno));
        return NULL;
    }
    hp_rig_sha256_hex(bin, len, hex);
    free(bin);
    return hp_rig_fmt("# hostpriv-rig run %ld: removed when it ends, or by "
                      "the next run if this one is killed\n"
                      "%s ALL=(root) NOPASSWD: sha256:%s %s privileged *\n",
                      (long)getpid(), st->user, hex, st->hostpriv);
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

/* 1 when pid runs a hostpriv-rig (any build of it, a replaced one too). */
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

/* One entry of sudoers.d: remove it when its run has ended or its stage
 * is gone; the stage of an ended run goes with it. */
static void sweep_one(const char *name, long pid)
{
    char *path = hp_rig_fmt(SUDOERS_D "/%s", name);
    size_t len;
    char *text = hp_rig_slurp(path, &len);
    char *stage = rule_stage(text);
    struct stat sb;
    int ended = pid == (long)getpid() || !rig_alive(pid);
    int staged = stage && lstat(stage, &sb) == 0 && S_ISDIR(sb.st_mode);
    if ((ended || (stage && !staged)) && unlink(path) == 0)
        fprintf(stderr, "hostpriv-rig: removed the stale sudoers rule %s "
                "(%s)\n", path, ended ? "the run that wrote it has ended"
                                      : "the stage it names is gone");
    if (ended && staged && hp_rig_rmtree(stage) == 0)
        fprintf(stderr, "hostpriv-rig: removed that run's stage %s\n", stage);
    free(stage);
    free(text);
    free(path);
}

/* A stage no rule names, of a run no longer running: one killed while it
 * staged, before its rule was written.  Only under a stage root that is
 * root's alone, only root's own directories. */
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
        if (*end == '.' && pid != (long)getpid() && !rig_alive(pid) &&
            lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == 0 &&
            lstat(kept, &kb) != 0 && hp_rig_rmtree(path) == 0)
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
