/* Helper client.  The socket is reached through its parent directory,
 * opened with the safe walk (no symlink race under a user-writable path)
 * and addressed as /proc/self/fd/N/LEAF, which also keeps sun_path short
 * however deep a sandbox root is.  The peer must be root: a socket some
 * other user managed to put there is not the helper. */
#include "hclient.h"
#include "engine/config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "engine/events.h"
#include "proto.h"
#include "host/safepath.h"
#include "engine/programs.h"

#define HP_HELLO_TIMEOUT_MS   5000
/* Long enough for a request that stops a service or rewrites a file. */
#define HP_REQUEST_TIMEOUT_MS 120000

static const char *sock_hpath(const hp_ctx *c)
{
    const char *s = hp_conf(c, "helper.socket");
    return s && *s ? s : "/var/run/com.docker.vmnetd.sock";
}

static int unavailable(hp_ctx *c, hp_err *e, int err, const char *why)
{
    if (why)
        return hp_err_set(e, HP_EUNAVAIL, "helper not reachable on %s: %s",
                          sock_hpath(c), why);
    return hp_err_sys(e, HP_EUNAVAIL, err, "helper not reachable on %s",
                      sock_hpath(c));
}

static int dial_error(hp_ctx *c, hp_err *e, int err)
{
    const char *hs = sock_hpath(c);
    return hp_err_sys(e, HP_EUNAVAIL, err, "helper not reachable: dial unix "
                      "%s%s%s%s: connect", hs, c->root[0] ? " (under " : "",
                      c->root, c->root[0] ? ")" : "");
}

static int have_proc_fd(void)
{
    static _Thread_local int known = -1;
    struct stat st;
    if (known < 0)
        known = stat("/proc/self/fd", &st) == 0;
    return known;
}

/* Build the address: /proc/self/fd/N/LEAF, or the real path where /proc
 * is absent. */
static int sock_addr(hp_ctx *c, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    int n;
    if (have_proc_fd())
        n = snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s",
                     c->helper_dirfd, c->helper_leaf);
    else
        n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s%s", c->root,
                     sock_hpath(c));
    return n < 0 || (size_t)n >= sizeof sa->sun_path ? -ENAMETOOLONG : 0;
}

static int open_root(hp_ctx *c, int *owned)
{
    *owned = -1;
    if (c->rootfd >= 0)
        return c->rootfd;
    *owned = open(c->root[0] ? c->root : "/",
                  O_PATH | O_DIRECTORY | O_CLOEXEC);
    return *owned;
}

static void forget_dir(hp_ctx *c)
{
    if (c->helper_dirfd >= 0)
        close(c->helper_dirfd);
    c->helper_dirfd = -1;
}

/* The socket's directory by the safe walk, kept for later connections
 * while helper.socket names the same path.  Keeping it is as safe as the
 * walk was: the directory it reached stays that directory, and the peer
 * must still be root (check_peer_root). */
static int socket_dir(hp_ctx *c, hp_err *e)
{
    const char *hs = sock_hpath(c);
    if (c->helper_dirfd >= 0 && !strcmp(c->helper_hpath, hs))
        return HP_OK;
    forget_dir(c);
    int owned, rootfd = open_root(c, &owned);
    if (rootfd < 0)
        return unavailable(c, e, errno, NULL);
    hp_err pe = HP_ERR_INIT;
    int rc = hp_sp_open_parent(rootfd, hs, &c->helper_dirfd, c->helper_leaf,
                               &pe);
    if (owned >= 0)
        close(owned);
    if (rc != HP_OK) {
        c->helper_dirfd = -1;
        return pe.sys == ENOENT || pe.sys == ENOTDIR ?
               dial_error(c, e, pe.sys) : unavailable(c, e, 0, pe.msg);
    }
    snprintf(c->helper_hpath, sizeof c->helper_hpath, "%s", hs);
    return HP_OK;
}

static int dial_once(hp_ctx *c, int *err)
{
    struct sockaddr_un sa;
    if (sock_addr(c, &sa)) {
        *err = ENAMETOOLONG;
        return -1;
    }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        *err = errno;
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

/* Connect the stream socket; -code or the fd.  A kept directory that no
 * longer holds the socket (the helper was reinstalled, its directory
 * made anew) is walked again once. */
static int dial(hp_ctx *c, hp_err *e)
{
    int kept = c->helper_dirfd >= 0 && !strcmp(c->helper_hpath,
                                                sock_hpath(c));
    int rc = socket_dir(c, e), err = 0;
    if (rc != HP_OK)
        return -rc;
    int s = dial_once(c, &err);
    if (s < 0 && kept && err != ENAMETOOLONG) {
        forget_dir(c);
        if ((rc = socket_dir(c, e)) != HP_OK)
            return -rc;
        s = dial_once(c, &err);
    }
    return s >= 0 ? s : -dial_error(c, e, err);
}

/* The helper runs as root; anything else listening there is an impostor. */
static int check_peer_root(hp_ctx *c, int s, hp_err *e)
{
    struct ucred cr;
    socklen_t l = sizeof cr;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l) != 0 ||
        l != sizeof cr)
        return hp_err_sys(e, HP_EUNAVAIL, errno, "helper on %s: cannot read "
                          "its credentials", sock_hpath(c));
    if (cr.uid != 0)
        return hp_err_set(e, HP_EUNAVAIL, "the process on %s (pid %d) runs "
                          "as uid %u, not root: it is not the helper, "
                          "refusing to use it", sock_hpath(c), (int)cr.pid,
                          (unsigned)cr.uid);
    return HP_OK;
}

/* "HPRV" + HELLO, and the first request with it when there is one: the
 * helper answers them in order, so a new connection costs one round trip. */
static int send_opening(int s, const char *const *req, size_t nreq,
                        hp_err *e)
{
    const char *f[] = { HP_PROTO_MAGIC, "1" };
    uint8_t *hello, *rq = NULL, *out;
    size_t hl, rl = 0;
    int rc = hp_msg_encode(HP_MSG_HELLO, f, 2, &hello, &hl, e);
    if (rc == HP_OK && req)
        rc = hp_msg_encode(HP_MSG_REQ, req, nreq, &rq, &rl, e);
    if (rc != HP_OK) {
        free(hello);
        return rc;
    }
    out = malloc(HP_PROTO_MAGIC_LEN + hl + rl);
    if (out) {
        memcpy(out, HP_PROTO_MAGIC, HP_PROTO_MAGIC_LEN);
        memcpy(out + HP_PROTO_MAGIC_LEN, hello, hl);
        if (rq)
            memcpy(out + HP_PROTO_MAGIC_LEN + hl, rq, rl);
    }
    free(hello);
    free(rq);
    if (!out)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "helper hello");
    int r = hp_sock_send_all(s, out, HP_PROTO_MAGIC_LEN + hl + rl, -1,
                             HP_HELLO_TIMEOUT_MS);
    free(out);
    return r < 0 ? hp_err_sys(e, HP_EUNAVAIL, -r, "helper hello") : HP_OK;
}

/* The helper took a request (op) and ended the connection without a
 * reply.  It never does that while it runs (a refused peer is closed
 * before its bytes are read, which the peer sees as ECONNRESET, not as an
 * end of stream): it stopped or crashed doing the request, and the client
 * must know that the request may have been carried out. */
static int ended_mid_request(hp_ctx *c, const char *op, hp_err *e)
{
    return hp_err_set(e, HP_EUNAVAIL, "the helper on %s ended the connection "
                      "before replying to %s: it stopped or crashed while "
                      "handling it.  Whether %s was carried out is not known; "
                      "it is safe to run it again once the helper is back",
                      sock_hpath(c), op, op);
}

static int refused_at_hello(hp_ctx *c, hp_err *e)
{
    return hp_err_set(e, HP_EDENIED, "the helper on %s closed the connection "
                      "at the handshake: it serves only root and the user "
                      "named by host.user in its configuration (this process "
                      "is uid %u), or it is shutting down", sock_hpath(c),
                      (unsigned)getuid());
}

/* Strict decimal reply code (an hp_code: 0..255). */
static int reply_code(const char *s)
{
    if (!*s || strlen(s) > 3)
        return -1;
    int v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v <= 255 ? v : -1;
}

/* The helper's answer to our hello: its HELLO, or a reply saying why it
 * will not serve this connection (too many connections from this uid, a
 * protocol version it does not speak): then that code and reason, and
 * *said set (when not NULL). */
static int read_hello(hp_ctx *c, int s, const char *op, hp_rbuf *rb,
                      int *said, hp_err *e)
{
    hp_msg m;
    hp_err le = HP_ERR_INIT;
    int rc = hp_msg_recv_buf(s, rb, &m, &le);
    if (op && rc == HP_EUNAVAIL && le.sys == EPIPE)     /* read, then EOF */
        return ended_mid_request(c, op, e);
    if (rc == HP_EUNAVAIL || le.sys == ECONNRESET)
        return refused_at_hello(c, e);
    if (rc != HP_OK) {
        if (e)
            *e = le;
        return rc;
    }
    int code = m.type == HP_MSG_REPLY && m.nfields == 2 ?
               reply_code(m.field[0]) : -1;
    if (code > 0) {
        if (said)
            *said = 1;
        rc = hp_err_set(e, code, "the helper on %s refused the connection: "
                        "%s", sock_hpath(c), m.field[1]);
        hp_msg_free(&m);
        return rc;
    }
    if (m.type != HP_MSG_HELLO || m.nfields < 1 || strcmp(m.field[0], "1"))
        rc = hp_err_set(e, HP_EUNAVAIL, "the helper on %s speaks another "
                        "protocol version (%s%s%s); reinstall it with this "
                        "hostpriv", sock_hpath(c),
                        m.nfields ? m.field[0] : "?",
                        m.nfields > 1 ? ": " : "",
                        m.nfields > 1 ? m.field[1] : "");
    hp_msg_free(&m);
    return rc;
}

/* Send the opening and read the helper's hello.  A helper that refuses
 * the connection may have answered and closed before our opening was
 * written (EPIPE): its reason is still there to read. */
static int opening(hp_ctx *c, int s, const char *const *req, size_t nreq,
                   hp_rbuf *rb, hp_err *e)
{
    hp_err se = HP_ERR_INIT;
    const char *op = req ? req[0] : NULL;
    int rc = send_opening(s, req, nreq, &se);
    if (rc == HP_EUNAVAIL && (se.sys == EPIPE || se.sys == ECONNRESET)) {
        int said = 0, why = read_hello(c, s, NULL, rb, &said, &se);
        /* closed without a word before taking our request: this peer is
         * not served */
        return said ? hp_err_set(e, why, "%s", se.msg)
                    : refused_at_hello(c, e);
    }
    if (rc != HP_OK) {
        if (e)
            *e = se;
        return rc;
    }
    return read_hello(c, s, op, rb, NULL, e);
}

/* A connected, checked socket (peer is root, deadlines set), or -code. */
static int open_conn(hp_ctx *c, hp_err *e)
{
    int s = dial(c, e);
    if (s < 0)
        return s;
    struct timeval tv = { HP_REQUEST_TIMEOUT_MS / 1000, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc = check_peer_root(c, s, e);
    if (rc != HP_OK) {
        close(s);
        return -rc;
    }
    return s;
}

int hp_helper_connect(hp_ctx *c, hp_err *e)
{
    if (c->helper_fd >= 0)
        return HP_OK;
    int s = open_conn(c, e);
    if (s < 0)
        return -s;
    hp_rbuf rb;
    hp_rbuf_init(&rb);
    int rc = opening(c, s, NULL, 0, &rb, e);
    if (rc == HP_OK && (rb.len || rb.fd >= 0))
        rc = hp_err_set(e, HP_EINTERNAL, "the helper on %s sent more than "
                        "its hello", sock_hpath(c));
    hp_rbuf_reset(&rb);
    if (rc != HP_OK) {
        close(s);
        return rc;
    }
    c->helper_fd = s;
    return HP_OK;
}

void hp_helper_disconnect(hp_ctx *c)
{
    if (c->helper_fd >= 0) {
        close(c->helper_fd);
        c->helper_fd = -1;
    }
}

int hp_helper_alive(hp_ctx *c)
{
    hp_err e = HP_ERR_INIT;
    return hp_helper_call(c, "ping", NULL, 0, NULL, 0, NULL, &e) == HP_OK;
}

/* Where a reply's descriptors go: one (*fd, may be NULL: none wanted) or
 * exactly nfds of them (fds not NULL). */
typedef struct fds_out {
    int *fd;
    int *fds;
    size_t nfds;
} fds_out;

/* The descriptors of a successful reply, to the caller: exactly the
 * number asked for, or none at all. */
static int take_fds(hp_ctx *c, hp_rbuf *rb, const fds_out *o, hp_err *e)
{
    if (!o->fds) {
        if (o->fd) {
            *o->fd = rb->fd;
            rb->fd = -1;
        }
        return HP_OK;
    }
    if (rb->nfds != o->nfds)
        return hp_err_set(e, HP_EINTERNAL, "the helper on %s answered with "
                          "%zu sockets for %zu ports", sock_hpath(c),
                          rb->nfds, o->nfds);
    rb->nfds = 0;               /* the caller's now */
    return HP_OK;
}

/* *replied is set once a well-formed reply arrived and nothing followed
 * it: the connection is then still in step and may be kept. */
static int read_reply(hp_ctx *c, hp_rbuf *rb, const fds_out *o, int *replied,
                      hp_err *e)
{
    hp_msg m;
    int rc = hp_msg_recv_buf(c->helper_fd, rb, &m, e);
    if (rc != HP_OK)
        return rc;
    int code = m.type == HP_MSG_REPLY && m.nfields == 2 ?
               reply_code(m.field[0]) : -1;
    if (code < 0 || rb->len) {
        rc = hp_err_set(e, HP_EINTERNAL, "the helper on %s sent a malformed "
                        "reply", sock_hpath(c));
    } else {
        *replied = 1;
        rc = code;
        hp_err_set(e, code, "%s", m.field[1]);
    }
    hp_msg_free(&m);
    if (rc == HP_OK)
        rc = take_fds(c, rb, o, e);
    return rc;
}

/* Send the request (with the opening on a new connection), read the
 * reply once. */
static int exchange(hp_ctx *c, const char *const *f, size_t n,
                    const fds_out *o, int *replied, hp_err *e)
{
    *replied = 0;
    hp_rbuf rb;
    hp_rbuf_init(&rb);
    if (o->fds)
        hp_rbuf_want_fds(&rb, o->fds, o->nfds);
    int rc;
    if (c->helper_fd < 0) {
        int s = open_conn(c, e);
        if (s < 0)
            return -s;
        c->helper_fd = s;
        /* connected, then closed on us before or while we wrote: the
         * helper refused this peer (an outsider is closed without a word,
         * one over its connection limit is told why) */
        rc = opening(c, s, f, n, &rb, e);
    } else {
        rc = hp_msg_send(c->helper_fd, HP_MSG_REQ, f, n, -1, e);
        /* the end of the stream after our request was read (not a reset:
         * unread) means the helper took it and died */
        if (rc == HP_OK &&
            (rc = read_reply(c, &rb, o, replied, e)) == HP_EUNAVAIL &&
            e->sys == EPIPE)
            rc = ended_mid_request(c, f[0], e);
        hp_rbuf_reset(&rb);
        if (!*replied)
            hp_helper_disconnect(c);
        return rc;
    }
    if (rc == HP_OK)
        rc = read_reply(c, &rb, o, replied, e);
    hp_rbuf_reset(&rb);         /* an fd nobody took is closed */
    if (!*replied)
        hp_helper_disconnect(c);
    return rc;
}

/* The helper refused a request its version does not serve: it runs the
 * version of its own root-owned configuration, which this side may have
 * overridden (--set, hp_set, a user file).  Say which key to change. */
static void version_hint(hp_ctx *c, hp_err *e)
{
    const char *origin = hp_config_origin(c->cfg, "core.version");
    size_t l = strlen(e->msg);
    snprintf(e->msg + l, sizeof e->msg - l, ".  The helper runs the "
             "core.version of the root-owned configuration (%s%s/"
             "hostpriv.ini, read again when it changes); this side emulates "
             "%s (core.version from %s): set core.version there, for both, "
             "or do not override it here", c->root, hp_sysconf_dir(c),
             hp_ctx_version(c),
             origin ? origin : "default");
}

/* The request's fields (op, args, data as a last argument); one retry on
 * a new connection when a kept one turns out closed. */
static int call(hp_ctx *c, const char *op, const char *const *args,
                size_t nargs, const char *data, size_t datalen,
                const fds_out *o, hp_err *e)
{
    const char *f[HP_MSG_MAXFIELDS];
    char *dcopy = NULL;
    size_t n = 0;
    if (nargs + 2 > HP_MSG_MAXFIELDS)
        return hp_err_set(e, HP_EUSAGE, "helper request %s: too many "
                          "arguments", op);
    f[n++] = op;
    for (size_t i = 0; i < nargs; i++)
        f[n++] = args[i];
    if (data) {
        if (memchr(data, '\0', datalen) || !(dcopy = strndup(data, datalen)))
            return hp_err_set(e, HP_EUSAGE, "helper request %s: the data "
                              "contains a NUL byte", op);
        f[n++] = dcopy;
    }
    hp_err le = HP_ERR_INIT;
    int replied, reused = c->helper_fd >= 0;
    if (hp_log_enabled(HP_LOG_DEBUG))
        hp_log(c, HP_LOG_DEBUG, "helper request %s on %s", op, sock_hpath(c));
    int rc = exchange(c, f, n, o, &replied, &le);
    /* A kept connection the helper has since closed (idle exit, restart)
     * fails before any reply byte: the helper never closes a connection
     * with a request unanswered, so one retry on a new one is safe (one
     * that died doing the request is told apart in exchange). */
    if (!replied && reused && rc == HP_EUNAVAIL &&
        (le.sys == EPIPE || le.sys == ECONNRESET))
        rc = exchange(c, f, n, o, &replied, &le);
    free(dcopy);
    if (replied && rc == HP_ENOTSUP)
        version_hint(c, &le);
    if (e)
        *e = le;
    return rc;
}

int hp_helper_call(hp_ctx *c, const char *op, const char *const *args,
                   size_t nargs, const char *data, size_t datalen,
                   int *fd_out, hp_err *e)
{
    if (fd_out)
        *fd_out = -1;
    fds_out o = { fd_out, NULL, 0 };
    return call(c, op, args, nargs, data, datalen, &o, e);
}

int hp_helper_call_fds(hp_ctx *c, const char *op, const char *const *args,
                       size_t nargs, int *fds, size_t nfds, hp_err *e)
{
    for (size_t i = 0; i < nfds; i++)
        fds[i] = -1;
    if (nfds == 0)
        return hp_err_set(e, HP_EUSAGE, "helper request %s: no descriptor "
                          "asked for", op);
    fds_out o = { NULL, fds, nfds };
    int rc = call(c, op, args, nargs, NULL, 0, &o, e);
    if (rc != HP_OK)
        for (size_t i = 0; i < nfds; i++)
            fds[i] = -1;
    return rc;
}
