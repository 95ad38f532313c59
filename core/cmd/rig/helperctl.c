/* The rig's own process control: `helper start` / `helper stop` steps,
 * `reboot`, and the sweeps that end every process a scenario left behind.
 * Only processes of the scenario are ever signalled: each scenario runs in
 * its own process, a child subreaper, so everything it starts (daemons
 * included) stays its descendant; and a program started from the
 * scenario's directory (the helper a scenario installs under its root) is
 * the scenario's too, that directory being a fresh mkdtemp.  A program
 * from the stage proves nothing: the scenarios running beside this one
 * run the same staged programs. */
#include "rig.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t g_helpers[32];
static size_t g_nhelpers;

int hp_rig_helper_answers(const hp_rig_sandbox *sb)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s%s", sb->root,
                     sb->socket);
    if (n < 0 || (size_t)n >= sizeof sa.sun_path)
        return 0;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return 0;
    int ok = connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(s);
    return ok;
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void record_pid(const hp_rig_sandbox *sb, pid_t pid)
{
    if (g_nhelpers < sizeof g_helpers / sizeof *g_helpers)
        g_helpers[g_nhelpers++] = pid;
    int fd = open(sb->pids, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%ld\n", (long)pid);
        close(fd);
    }
}

/* Last lines of a helper's log, for a failure message. */
static void log_tail(const char *file, char *out, size_t n)
{
    size_t len;
    char *log = hp_rig_slurp(file, &len);
    const char *t = log ? log : "";
    if (log && len > 600)
        t = log + len - 600;
    snprintf(out, n, "%s", t);
    free(log);
}

/* 1 when pid has ended; *st gets its wait status when it was our child
 * (ours directly, or reparented to the scenario's subreaper), else -1. */
static int ended(pid_t pid, int *st)
{
    *st = -1;
    if (waitpid(pid, st, WNOHANG) == pid)
        return 1;
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* The one wait for a helper to come up, for `helper start` and `reboot`
 * alike: poll its socket every 10 ms for at most HP_RIG_HELPER_WAIT s,
 * giving up early when the process ends; the message then quotes the end
 * of its log. */
static int await_answer(hp_rig_sandbox *sb, pid_t pid, const char *logfile,
                        FILE *log, char *err, size_t errn)
{
    for (long waited = 0; waited < HP_RIG_HELPER_WAIT * 1000L; waited += 10) {
        if (hp_rig_helper_answers(sb)) {
            if (log)
                fprintf(log, "hostprivd (pid %ld) answers on %s\n",
                        (long)pid, sb->socket);
            return 0;
        }
        int st;
        if (ended(pid, &st)) {
            char tail[640];
            log_tail(logfile, tail, sizeof tail);
            if (st == -1)
                snprintf(err, errn, "hostprivd (pid %ld) exited before "
                         "answering on %s; its log %s ends:\n%s", (long)pid,
                         sb->socket, logfile, tail);
            else
                snprintf(err, errn, "hostprivd exited (%s %d) before "
                         "answering on %s; its log %s ends:\n%s",
                         WIFEXITED(st) ? "status" : "signal",
                         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                         sb->socket, logfile, tail);
            return -1;
        }
        nap_ms(10);
    }
    snprintf(err, errn, "hostprivd (pid %ld) did not answer on %s within "
             "%d s", (long)pid, sb->socket, HP_RIG_HELPER_WAIT);
    return -1;
}

int hp_rig_helper_start(hp_rig_sandbox *sb, FILE *log, char *err, size_t errn)
{
    int fd = open(sb->helperlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        snprintf(err, errn, "open %s: %s", sb->helperlog, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        setsid();
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        const char *argv[] = { sb->st->hostprivd, "--root", sb->root,
                               "--plugin-dir", sb->st->plugins,
                               "--foreground", NULL };
        const char *envp[] = { "PATH=/usr/bin:/bin", "HOME=/nonexistent",
                               NULL };
        execve(argv[0], (char *const *)argv, (char *const *)envp);
        dprintf(2, "hostpriv-rig: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    if (pid < 0) {
        snprintf(err, errn, "fork: %s", strerror(errno));
        return -1;
    }
    record_pid(sb, pid);
    return await_answer(sb, pid, sb->helperlog, log, err, errn);
}

static pid_t read_pidfile(const char *path)
{
    size_t len;
    char *s = hp_rig_slurp(path, &len);
    if (!s)
        return -1;
    char *end;
    long v = strtol(s, &end, 10);
    int ok = end != s && (*end == '\n' || *end == '\0') && v > 1;
    free(s);
    return ok ? (pid_t)v : -1;
}

int hp_rig_helper_await_boot(hp_rig_sandbox *sb, FILE *log, char *err,
                             size_t errn)
{
    char *pf = hp_rig_fmt("%s/var/run/%s.pid", sb->root, sb->label);
    char *lf = hp_rig_fmt("%s/var/log/hostpriv/%s.log", sb->root, sb->label);
    pid_t pid = read_pidfile(pf);
    int rc = 0;
    if (pid > 0 && hp_rig_ours(pid, sb->dir))
        rc = await_answer(sb, pid, lf, log, err, errn);
    free(pf);
    free(lf);
    return rc;
}

int hp_rig_helper_stop(hp_rig_sandbox *sb, FILE *log)
{
    int stopped = 0;
    for (size_t i = 0; i < g_nhelpers; i++) {
        hp_rig_stop_pid(g_helpers[i], 3.0);
        stopped++;
    }
    g_nhelpers = 0;
    char *pf = hp_rig_fmt("%s/var/run/%s.pid", sb->root, sb->label);
    pid_t pid = read_pidfile(pf);
    if (pid > 0 && hp_rig_ours(pid, sb->dir)) {
        hp_rig_stop_pid(pid, 3.0);
        stopped++;
    }
    if (log)
        fprintf(log, "stopped %d helper process(es)\n", stopped);
    free(pf);
    return 0;
}

/* The parent of pid from /proc/PID/stat, or -1. */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (r <= 0)
        return -1;
    buf[r] = '\0';
    char *rp = strrchr(buf, ')');
    char state;
    long ppid;
    if (!rp || sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
        return -1;
    return (pid_t)ppid;
}

static int descends_from(pid_t pid, pid_t ancestor)
{
    for (int depth = 0; pid > 1 && depth < 64; depth++) {
        pid = parent_of(pid);
        if (pid == ancestor)
            return 1;
    }
    return 0;
}

int hp_rig_ours(pid_t pid, const char *dir)
{
    return pid > 1 && pid != getpid() &&
           (descends_from(pid, getpid()) || hp_rig_pid_exe_under(pid, dir));
}

static void stop_if_ours(pid_t pid, const char *dir)
{
    if (hp_rig_ours(pid, dir))
        hp_rig_stop_pid(pid, 2.0);
}

static void sweep_pidfiles(const char *rundir, const char *dir)
{
    DIR *d = opendir(rundir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".pid"))
            continue;
        char *p = hp_rig_fmt("%s/%s", rundir, de->d_name);
        stop_if_ours(read_pidfile(p), dir);
        free(p);
    }
    closedir(d);
}

static int listed(pid_t pid, const pid_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == pid)
            return 1;
    return 0;
}

/* One pass over /proc: stop what ran from dir and our children (orphans
 * handed to us as subreaper) but those in `keep`; returns how many.
 * Stopping a process hands its children to us: the caller repeats. */
static int sweep_proc(const char *dir, const pid_t *keep, size_t nkeep)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *de;
    pid_t me = getpid();
    int n = 0;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)atol(de->d_name);
        if (pid == me || listed(pid, keep, nkeep))
            continue;
        if (hp_rig_pid_exe_under(pid, dir) || parent_of(pid) == me) {
            hp_rig_stop_pid(pid, 2.0);
            n++;
        }
    }
    closedir(d);
    return n;
}

void hp_rig_sweep(const char *dir, const char *root)
{
    char *pids = hp_rig_fmt("%s/rig.pids", dir);
    size_t len;
    char *s = hp_rig_slurp(pids, &len);
    for (char *p = s, *nl; p && *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        stop_if_ours((pid_t)atol(p), dir);
    }
    free(s);
    free(pids);
    char *run = hp_rig_fmt("%s/var/run", root);
    sweep_pidfiles(run, dir);
    free(run);
    for (int round = 0; round < 16 && sweep_proc(dir, NULL, 0); round++)
        ;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    g_nhelpers = 0;
}

void hp_rig_sweep_ended(const char *dir, const pid_t *running, size_t n)
{
    for (int round = 0; round < 16 && sweep_proc(dir, running, n); round++)
        ;
}
