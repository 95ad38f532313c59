/* Running one step's program: its own process group (so a timeout takes
 * the whole tree: sudo, `hostpriv privileged`, anything it spawned),
 * the unprivileged user's real uid/gid with no supplementary groups,
 * a clean environment, stdin from a memfd, stdout/stderr into memfds (no
 * pipe to fill up, no EOF to wait for if a daemon keeps them open). */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile pid_t hp_rig_current_pgid;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static char *read_memfd(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        st.st_size = 0;
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t r = st.st_size ? pread(fd, buf, (size_t)st.st_size, 0) : 0;
    if (r < 0)
        r = 0;
    buf[r] = '\0';
    *len = (size_t)r;
    return buf;
}

static void child(const char *const *argv, const char *const *envp, int drop,
                  uid_t uid, gid_t gid, const char *cwd, int in, int out,
                  int err)
{
    setpgid(0, 0);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(126);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (drop && (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
                 setresuid(uid, uid, uid) != 0)) {
        dprintf(2, "hostpriv-rig: cannot become uid %d: %s\n", (int)uid,
                strerror(errno));
        _exit(126);
    }
    if (chdir(cwd ? cwd : "/") != 0) {
        dprintf(2, "hostpriv-rig: chdir %s: %s\n", cwd, strerror(errno));
        _exit(126);
    }
    execve(argv[0], (char *const *)argv, (char *const *)envp);
    dprintf(2, "hostpriv-rig: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int hp_rig_run(const char *const *argv, const char *const *envp, int drop,
               uid_t uid, gid_t gid, const char *cwd, const char *in,
               size_t inlen, int timeout, hp_rig_proc *r)
{
    memset(r, 0, sizeof *r);
    int fin = memfd_create("rig-stdin", MFD_CLOEXEC);
    int fout = memfd_create("rig-stdout", MFD_CLOEXEC);
    int ferr = memfd_create("rig-stderr", MFD_CLOEXEC);
    if (fin < 0 || fout < 0 || ferr < 0)
        return -1;
    if (in && inlen && pwrite(fin, in, inlen, 0) != (ssize_t)inlen)
        return -1;
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(argv, envp, drop, uid, gid, cwd, fin, fout, ferr);
    setpgid(pid, pid);   /* both sides: no race with the kill below */
    hp_rig_current_pgid = pid;
    int st = 0;
    double delay = 0.001;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            break;
        if (now() - t0 > timeout) {
            r->timed_out = 1;
            kill(-pid, SIGTERM);
            nap(0.5);
            kill(-pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        nap(delay);
        if (delay < 0.02)
            delay *= 2;
    }
    /* whatever the step left in its group (not daemons: they setsid) */
    kill(-pid, SIGKILL);
    hp_rig_current_pgid = 0;
    r->secs = now() - t0;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = read_memfd(fout, &r->outlen);
    r->err = read_memfd(ferr, &r->errlen);
    close(fin);
    close(fout);
    close(ferr);
    return 0;
}

void hp_rig_proc_free(hp_rig_proc *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int hp_rig_pid_exe_under(pid_t pid, const char *dir)
{
    char link[64], exe[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%ld/exe", (long)pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n < 0)
        return 0;
    exe[n] = '\0';
    size_t dl = strlen(dir);
    return !strncmp(exe, dir, dl) && exe[dl] == '/';
}

/* Gone: reaped (when ours), or no such process, or a zombie. */
static int gone(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid)
        return 1;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 1;
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] == 'Z';
}

void hp_rig_stop_pid(pid_t pid, double grace)
{
    if (pid <= 1 || gone(pid))
        return;
    kill(pid, SIGTERM);
    for (double t = 0; t < grace; t += 0.01) {
        if (gone(pid))
            return;
        nap(0.01);
    }
    kill(pid, SIGKILL);
    for (int i = 0; i < 200 && !gone(pid); i++)
        nap(0.01);
}
