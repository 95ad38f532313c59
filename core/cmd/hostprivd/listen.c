/* The helper's listening socket: helper.socket under host.root, in a
 * root-owned directory nobody else may write, or the sockets a service
 * manager handed over (LISTEN_FDS).  A socket already at the name is
 * replaced only when it is a root-owned socket nobody answers on: a live
 * helper means we are the second instance and leave (SECURITY.md 46). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "engine/events.h"
#include "hostprivd.h"
#include "host/safepath.h"

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Sockets from the activator: fds 3.. (LISTEN_FDS); each must be a
 * listening AF_UNIX stream socket. */
static int take_activated(hpd *d, int n, hp_err *e)
{
    for (int fd = 3; fd < 3 + n; fd++) {
        int type = 0, acc = 0;
        socklen_t l1 = sizeof type, l2 = sizeof acc;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) != 0 ||
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l2) != 0 ||
            getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
            type != SOCK_STREAM || !acc || ss.ss_family != AF_UNIX ||
            d->nlfd == HPD_MAX_LISTEN) {
            hpd_log(d, HP_LOG_WARN, "activation fd %d is not a listening "
                    "UNIX stream socket: closed", fd);
            close(fd);
            continue;
        }
        set_nonblock(fd);
        d->lfd[d->nlfd++] = fd;
    }
    if (d->nlfd == 0)
        return hp_err_set(e, HP_ECONFIG, "socket activation: none of the %d "
                          "descriptors passed is a listening UNIX stream "
                          "socket; check the service's socket unit", n);
    d->activated = 1;
    return HP_OK;
}

static int sock_address(hpd *d, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s",
                     d->sock_dirfd, d->sock_leaf);
    return n > 0 && (size_t)n < sizeof sa->sun_path ? 0 : -1;
}

/* The directory must be root's alone: whoever can write it can replace
 * the socket.  A root-owned sticky directory is tolerated (nobody can
 * remove our entry). */
static int check_dir(hpd *d, hp_err *e)
{
    struct stat st;
    if (fstat(d->sock_dirfd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat the directory of "
                          "%s", d->sock_hpath);
    if (st.st_uid != 0 || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
        return hp_err_set(e, HP_ECONFIG, "the directory of %s is not "
                          "root-owned or is writable by others (owner uid "
                          "%u, mode %04o): only root may be able to replace "
                          "the helper's socket; fix its owner and mode",
                          d->sock_hpath, (unsigned)st.st_uid,
                          (unsigned)(st.st_mode & 07777));
    return HP_OK;
}

/* Something is at the name already: a live helper -> leave; a stale
 * root-owned socket -> remove; anything else -> refuse to touch it. */
static int clear_stale(hpd *d, hp_err *e)
{
    struct stat st;
    if (fstatat(d->sock_dirfd, d->sock_leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? HP_OK
               : hp_err_sys(e, HP_EFAIL, errno, "cannot stat %s",
                            d->sock_hpath);
    if (!S_ISSOCK(st.st_mode) || st.st_uid != 0)
        return hp_err_set(e, HP_EFAIL, "%s exists and is not a root-owned "
                          "socket (owner uid %u, mode %06o): not removing it; "
                          "find out what created it, then remove it",
                          d->sock_hpath, (unsigned)st.st_uid,
                          (unsigned)st.st_mode);
    struct sockaddr_un sa;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sock_address(d, &sa) != 0) {
        if (s >= 0)
            close(s);
        return hp_err_sys(e, HP_EFAIL, errno, "probing %s", d->sock_hpath);
    }
    int live = connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
    int err = errno;
    struct ucred cr = { .pid = -1 };
    socklen_t l = sizeof cr;
    if (live)
        getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l);
    close(s);
    if (live)
        return hp_err_set(e, HP_EFAIL, "another helper is already serving on "
                          "%s (pid %d): not starting a second one",
                          d->sock_hpath, (int)cr.pid);
    if (err != ECONNREFUSED)
        return hp_err_sys(e, HP_EFAIL, err, "probing %s", d->sock_hpath);
    if (unlinkat(d->sock_dirfd, d->sock_leaf, 0) != 0 && errno != ENOENT)
        return hp_err_sys(e, HP_EFAIL, errno, "removing the stale socket %s",
                          d->sock_hpath);
    hpd_log(d, HP_LOG_NOTICE, "removed a stale socket at %s", d->sock_hpath);
    return HP_OK;
}

static int bind_own(hpd *d, hp_err *e)
{
    struct sockaddr_un sa;
    if (sock_address(d, &sa) != 0)
        return hp_err_set(e, HP_ECONFIG, "helper.socket name too long");
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "socket");
    struct stat st;
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int err = errno;
        close(s);
        return hp_err_sys(e, HP_EFAIL, err, "cannot bind %s", d->sock_hpath);
    }
    /* Mode 0666: who may talk is decided by SO_PEERCRED, not the mode,
     * and the user must be able to connect. */
    if (fchmodat(d->sock_dirfd, d->sock_leaf, 0666, 0) != 0 ||
        fstatat(d->sock_dirfd, d->sock_leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        listen(s, SOMAXCONN) != 0) {
        int err = errno;
        unlinkat(d->sock_dirfd, d->sock_leaf, 0);
        close(s);
        return hp_err_sys(e, HP_EFAIL, err, "cannot listen on %s",
                          d->sock_hpath);
    }
    d->sock_dev = st.st_dev;
    d->sock_ino = st.st_ino;
    d->lfd[d->nlfd++] = s;
    return HP_OK;
}

static int own_socket(hpd *d, hp_err *e)
{
    const char *hs = hp_conf(d->ctx, "helper.socket");
    snprintf(d->sock_hpath, sizeof d->sock_hpath, "%s", hs ? hs : "");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", d->sock_hpath);
    char *slash = strrchr(dir, '/');
    if (!slash || dir[0] != '/')
        return hp_err_set(e, HP_ECONFIG, "helper.socket \"%s\" is not an "
                          "absolute host path", d->sock_hpath);
    if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    int rc = hp_sp_mkdir_p(d->ctx->rootfd, dir, 0755, 0, 0, NULL, e);
    if (rc == HP_OK)
        rc = hp_sp_open_parent(d->ctx->rootfd, d->sock_hpath, &d->sock_dirfd,
                               d->sock_leaf, e);
    if (rc == HP_OK)
        rc = check_dir(d, e);
    if (rc == HP_OK)
        rc = clear_stale(d, e);
    if (rc == HP_OK)
        rc = bind_own(d, e);
    return rc;
}

int hpd_listen_setup(hpd *d, int nactivated, hp_err *e)
{
    d->nlfd = 0;
    d->sock_dirfd = -1;
    if (nactivated > 0)
        return take_activated(d, nactivated, e);
    return own_socket(d, e);
}

/* Remove our socket, and only ours: the inode must be the one we made. */
void hpd_listen_cleanup(hpd *d)
{
    for (size_t i = 0; i < d->nlfd; i++)
        close(d->lfd[i]);
    d->nlfd = 0;
    if (d->activated || d->sock_dirfd < 0)
        return;
    struct stat st;
    if (fstatat(d->sock_dirfd, d->sock_leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISSOCK(st.st_mode) && st.st_dev == d->sock_dev &&
        st.st_ino == d->sock_ino)
        unlinkat(d->sock_dirfd, d->sock_leaf, 0);
    close(d->sock_dirfd);
    d->sock_dirfd = -1;
}
