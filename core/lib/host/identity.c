/* Acting as the app's user (identity.h).  A root process that must touch a
 * place the user owns forks a child that drops to the user's uid/gid with
 * no supplementary groups, so the kernel checks the user's rights and new
 * files belong to the user; the child's result travels back over a pipe. */
#include "identity.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child sends back: code, errno and the message, fixed size so one
 * read loop gets it all and a short read means the child died. */
struct as_reply {
    int code;
    int sys;
    char msg[sizeof(((hp_err *)0)->msg)];
};

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static size_t read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Drop for good: a setuid(0) that succeeds afterwards means the saved uid
 * kept root, and the step must not run. */
static int drop_to(uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0)
        return -1;
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
        return -1;
    if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
        return -1;
    uid_t r, ef, s;
    if (getresuid(&r, &ef, &s) != 0 || r != uid || ef != uid || s != uid)
        return -1;
    return 0;
}

static void child_run(int wfd, uid_t uid, gid_t gid, hp_user_fn fn, void *arg)
{
    struct as_reply rep;
    hp_err ce = HP_ERR_INIT;
    memset(&rep, 0, sizeof rep);
    if (drop_to(uid, gid) != 0) {
        rep.code = hp_err_sys(&ce, HP_EINTERNAL, errno,
                              "cannot switch to uid %u gid %u",
                              (unsigned)uid, (unsigned)gid);
    } else {
        rep.code = fn(arg, &ce);
    }
    rep.sys = ce.sys;
    memcpy(rep.msg, ce.msg, sizeof rep.msg);
    rep.msg[sizeof rep.msg - 1] = '\0';
    (void)write_all(wfd, &rep, sizeof rep);
    _exit(0);
}

int hp_as_user(uid_t uid, gid_t gid, hp_user_fn fn, void *arg, hp_err *e)
{
    if (geteuid() == uid && (getegid() == gid || uid != 0))
        return fn(arg, e);
    if (geteuid() != 0)
        return hp_err_set(e, HP_EDENIED,
                          "cannot act as uid %u: this process runs as uid %u, "
                          "not root", (unsigned)uid, (unsigned)geteuid());
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(p[0]);
        close(p[1]);
        return hp_err_sys(e, HP_EINTERNAL, err, "fork");
    }
    if (pid == 0) {
        close(p[0]);
        child_run(p[1], uid, gid, fn, arg);
    }
    close(p[1]);
    struct as_reply rep;
    size_t got = read_all(p[0], &rep, sizeof rep);
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (got != sizeof rep) {
        if (WIFSIGNALED(st))
            return hp_err_set(e, HP_EINTERNAL,
                              "the step run as uid %u was killed by signal %d",
                              (unsigned)uid, WTERMSIG(st));
        return hp_err_set(e, HP_EINTERNAL,
                          "the step run as uid %u exited without a result",
                          (unsigned)uid);
    }
    if (e) {
        e->code = rep.code;
        e->sys = rep.sys;
        memcpy(e->msg, rep.msg, sizeof e->msg);
        e->msg[sizeof e->msg - 1] = '\0';
    }
    return rep.code;
}

/* getpw*_r with a buffer that grows on ERANGE. */
static int pw_get(const char *name, uid_t uid, struct passwd *pw, char **buf)
{
    long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t n = sz > 0 ? (size_t)sz : 1024;
    for (;;) {
        *buf = malloc(n);
        if (!*buf)
            return ENOMEM;
        struct passwd *res = NULL;
        int rc = name ? getpwnam_r(name, pw, *buf, n, &res)
                      : getpwuid_r(uid, pw, *buf, n, &res);
        if (rc == 0 && res)
            return 0;
        free(*buf);
        *buf = NULL;
        if (rc != ERANGE || n > (1u << 20))
            return rc ? rc : ENOENT;
        n *= 2;
    }
}

/* A home used as a host path and written into profiles: absolute and free
 * of control bytes, so it cannot inject lines anywhere. */
static int home_ok(const char *h)
{
    if (h[0] != '/')
        return 0;
    for (const unsigned char *s = (const unsigned char *)h; *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int copy_out(char *dst, size_t n, const char *src)
{
    if (!dst)
        return 0;
    if (strlen(src) >= n)
        return -1;
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

int hp_user_lookup(const char *name, uid_t *uid, gid_t *gid, char *home,
                   size_t homesz, char *shell, size_t shellsz, hp_err *e)
{
    if (!name || !*name)
        return hp_err_set(e, HP_ECONFIG,
                          "no user name given: set host.user");
    struct passwd pw;
    char *buf = NULL;
    int rc = pw_get(name, 0, &pw, &buf);
    if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
        return hp_err_set(e, HP_ECONFIG,
                          "user \"%s\" has no passwd entry: set host.user "
                          "to an existing user", name);
    if (rc)
        return hp_err_sys(e, HP_EINTERNAL, rc, "looking up user \"%s\"", name);
    int ret = HP_OK;
    if (home && !home_ok(pw.pw_dir))
        ret = hp_err_set(e, HP_ECONFIG,
                         "home directory of \"%s\" is not an absolute path "
                         "free of control characters: set host.home", name);
    else if (copy_out(home, homesz, pw.pw_dir) != 0 ||
             copy_out(shell, shellsz, pw.pw_shell ? pw.pw_shell : "") != 0)
        ret = hp_err_set(e, HP_ECONFIG,
                         "home or shell of \"%s\" is too long", name);
    if (ret == HP_OK) {
        if (uid)
            *uid = pw.pw_uid;
        if (gid)
            *gid = pw.pw_gid;
    }
    free(buf);
    return ret;
}

int hp_user_lookup_uid(uid_t uid, char *name, size_t namesz, hp_err *e)
{
    struct passwd pw;
    char *buf = NULL;
    int rc = pw_get(NULL, uid, &pw, &buf);
    if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
        return hp_err_set(e, HP_EFAIL, "uid %u has no passwd entry",
                          (unsigned)uid);
    if (rc)
        return hp_err_sys(e, HP_EINTERNAL, rc, "looking up uid %u",
                          (unsigned)uid);
    int ret = copy_out(name, namesz, pw.pw_name) == 0
                  ? HP_OK
                  : hp_err_set(e, HP_EFAIL, "user name of uid %u too long",
                               (unsigned)uid);
    free(buf);
    return ret;
}
