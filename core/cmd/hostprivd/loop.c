/* The event loop: one poll() over the listeners, a self-pipe for signals
 * and every connection.  Sockets are non-blocking; each connection has its
 * own input and output buffer and one deadline, so a slow or silent client
 * holds only its own slot.  With nothing in flight and helper.idle_exit 0
 * the poll has no timeout at all: an idle helper uses no CPU. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "engine/events.h"
#include "hostprivd.h"
#include "engine/loghold.h"
#include "helper/proto.h"

/* One accept per turn, as nginx does without multi_accept: usually one
 * client waits, and trying again until EAGAIN would cost every new
 * connection a system call; a burst is taken over consecutive turns
 * (the listener stays readable, so poll returns at once). */
#define HPD_ACCEPT_BATCH   1
#define HPD_ACCEPT_PAUSE_MS 100
/* Log lines and events wait until the helper has nothing more to do at
 * once (before it would sleep), each stamped when it happened: a busy
 * helper writes the lines of many requests in one write instead of one
 * per request, a quiet one writes them right after its reply, before it
 * sleeps.  Under a load that never lets it sleep they wait at most this
 * long after the first of them. */
#define HPD_LOG_HOLD_MS    50

static volatile sig_atomic_t got_term, got_hup;
static int sig_wfd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        got_hup = 1;
    else
        got_term = 1;
    if (sig_wfd >= 0)
        (void)!write(sig_wfd, "", 1);
    errno = saved;
}

/* A handler rather than SIG_IGN: writes still fail with EPIPE instead of
 * killing us, but programs the plugins start get the default back at
 * exec, as SIG_IGN would be inherited. */
static void on_sigpipe(int sig) { (void)sig; }

void hpd_signals_setup(hpd *d)
{
    /* Start from a clean slate whatever the spawner left: an inherited
     * SIG_IGN for SIGCHLD would break every waitpid in the plugins. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    if (pipe2(d->sigpipe, O_CLOEXEC | O_NONBLOCK) != 0)
        d->sigpipe[0] = d->sigpipe[1] = -1;
    sig_wfd = d->sigpipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* plugin code need not handle EINTR */
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_sigpipe;
    sigaction(SIGPIPE, &sa, NULL);
}

/* ---- connections ------------------------------------------------------ */

void hpd_close_fds(const int *fds, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && fds[j + 1] == fds[j] + 1)
            j++;
        if (j == i || close_range((unsigned)fds[i], (unsigned)fds[j], 0))
            for (size_t k = i; k <= j; k++)
                close(fds[k]);
        i = j + 1;
    }
}

/* The reply's descriptors are gone (sent, or the peer is): close ours. */
static void outfds_done(hpd_conn *c)
{
    if (c->noutfds > c->outfds_sent)   /* none: outfds may be NULL */
        hpd_close_fds(c->outfds + c->outfds_sent,
                      c->noutfds - c->outfds_sent);
    if (c->outfds != &c->outfd1)
        free(c->outfds);
    c->outfds = NULL;
    c->noutfds = c->outfds_sent = 0;
}

static void conn_free(hpd *d, hpd_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    outfds_done(c);
    free(c->in);
    free(c->out);
    free(c);
    d->last_active = hpd_now();
}

/* Slots are emptied here and compacted once per loop turn, so the index
 * a poll entry was built from stays valid for the whole turn. */
static void conn_drop(hpd *d, size_t i)
{
    conn_free(d, d->conns[i]);
    d->conns[i] = NULL;
}

static void conns_compact(hpd *d)
{
    size_t k = 0;
    for (size_t i = 0; i < d->nconns; i++)
        if (d->conns[i])
            d->conns[k++] = d->conns[i];
    for (size_t i = k; i < d->nconns; i++)
        d->conns[i] = NULL;
    d->nconns = k;
}

/* The descriptors that just left are closed, with the bind's probe
 * (grants.c): after the reply rather than before it, and in one
 * close_range when the two are neighbours. */
static void closing(hpd *d, const int *fds, size_t nf)
{
    int probe = hpd_reply_sent(d);
    if (probe < 0 || nf != 1) {
        hpd_close_fds(fds, nf);
        if (probe >= 0)
            close(probe);
        return;
    }
    int two[2] = { probe < fds[0] ? probe : fds[0],
                   probe < fds[0] ? fds[0] : probe };
    hpd_close_fds(two, 2);
}

/* What the next send covers: n bytes, and the batch of descriptors
 * riding on its first byte (*nf of them at *fds; 0 none).  Batch k goes
 * with byte outfd_at + k, alone unless it is the last batch, so every
 * batch arrives with a byte of its own. */
static size_t next_piece(const hpd_conn *c, const int **fds, size_t *nf)
{
    size_t n = c->outlen - c->outoff, left = c->noutfds - c->outfds_sent;
    *fds = NULL;
    *nf = 0;
    if (left == 0)
        return n;
    size_t at = c->outfd_at + c->outfds_sent / HP_PROTO_FDS_PER_MSG;
    if (c->outoff < at)
        return at - c->outoff;
    *fds = c->outfds + c->outfds_sent;
    *nf = left < HP_PROTO_FDS_PER_MSG ? left : HP_PROTO_FDS_PER_MSG;
    return left > *nf ? 1 : n;
}

/* Send what is queued; 0 ok (maybe partial), -1 the peer is gone. */
static int conn_flush(hpd *d, hpd_conn *c)
{
    while (c->outoff < c->outlen) {
        /* The descriptors leave with the rest of the batch in one
         * message (one wake-up for the client), and our copies are
         * closed right after, before anything else is read: a rebind
         * through the helper always finds the port free. */
        const int *fds;
        size_t nf, n = next_piece(c, &fds, &nf);
        ssize_t r = hp_sock_send_fds(c->fd, c->out + c->outoff, n, fds, nf);
        if (r == -EAGAIN)
            return 0;
        if (r < 0) {
            hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_INFO, "uid %u pid %d "
                            "went away before its reply: %s",
                            (unsigned)c->uid, (int)c->pid, strerror((int)-r));
            return -1;
        }
        if (nf) {
            closing(d, fds, nf);
            c->outfds_sent += nf;
            if (c->outfds_sent == c->noutfds)
                outfds_done(c);
        }
        c->outoff += (size_t)r;
    }
    c->outoff = c->outlen = 0;
    return 0;
}

/* Queue a reply.  Replies leave together when the input that produced
 * them has been handled (conn_process): a new connection's HELLO and its
 * first answer cost the client one wake-up, not two.  One reply with
 * descriptors per batch: conn_process sends the batch before handling
 * more input. */
int hpd_conn_send_fds(hpd *d, hpd_conn *c, const void *buf, size_t len,
                      int *fds, size_t n)
{
    (void)d;
    size_t batches = (n + HP_PROTO_FDS_PER_MSG - 1) / HP_PROTO_FDS_PER_MSG;
    /* a bug guard: one reply's descriptors per batch, a byte for each */
    int bad = n > 0 && (c->noutfds > 0 || len < batches);
    if (!bad && c->outlen + len > c->outcap) {
        size_t cap = c->outcap ? c->outcap : 256;
        while (cap < c->outlen + len)
            cap *= 2;
        uint8_t *p = realloc(c->out, cap);
        bad = !p;
        if (p) {
            c->out = p;
            c->outcap = cap;
        }
    }
    if (bad) {
        hpd_close_fds(fds, n);
        if (fds != &c->outfd1)
            free(fds);
        return -1;
    }
    memcpy(c->out + c->outlen, buf, len);
    c->outlen += len;
    if (n > 0) {
        c->outfds = fds;
        c->noutfds = n;
        c->outfds_sent = 0;
        /* Native clients keep descriptors until the reply that names
         * them, so they ride on the batch's first bytes and the batch
         * leaves in one piece; a vmnetd client expects its one with the
         * status itself. */
        c->outfd_at = c->proto == HPD_P_NATIVE ? 0 : c->outlen - len;
    } else {
        free(fds);
    }
    return 0;
}

int hpd_conn_send(hpd *d, hpd_conn *c, const void *buf, size_t len,
                  int passfd)
{
    if (passfd < 0)
        return hpd_conn_send_fds(d, c, buf, len, NULL, 0);
    if (c->noutfds > 0) {
        close(passfd);      /* one descriptor per batch: a bug guard */
        return -1;
    }
    c->outfd1 = passfd;
    return hpd_conn_send_fds(d, c, buf, len, &c->outfd1, 1);
}

static void conn_consume(hpd_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->inlen - n);
    c->inlen -= n;
}

/* Tell the protocols apart by their first bytes. */
static int detect(hpd *d, hpd_conn *c)
{
    static const char native[] = HP_PROTO_MAGIC, vmn[] = "VMN3T";
    size_t n = c->inlen;
    int is_native = memcmp(c->in, native, n < 4 ? n : 4) == 0;
    int is_vmn = memcmp(c->in, vmn, n < 5 ? n : 5) == 0;
    if (!is_native && !is_vmn) {
        hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_WARN, "uid %u pid %d: "
                        "unknown protocol (first byte 0x%02x): dropped",
                        (unsigned)c->uid, (int)c->pid, c->in[0]);
        return -1;
    }
    if (is_native && n >= 4) {
        conn_consume(c, 4);
        c->proto = HPD_P_NATIVE;
        c->stage = HPD_S_HELLO;
        return 1;
    }
    if (is_vmn && n >= 5) {
        c->proto = HPD_P_VMNET;
        c->stage = HPD_S_HELLO;
        return 1;
    }
    return 0;
}

/* Handle one batch: the complete messages buffered, until a reply carries
 * a descriptor (one per batch) or HPD_OUT_BATCH bytes wait. */
static int conn_batch(hpd *d, hpd_conn *c)
{
    while (!c->close_after && c->inlen > 0 && c->noutfds == 0 &&
           c->outlen < HPD_OUT_BATCH) {
        int r = c->proto == HPD_P_NATIVE ? hpd_native_input(d, c)
              : c->proto == HPD_P_VMNET  ? hpd_vmnet_input(d, c)
              : detect(d, c);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        d->last_active = hpd_now();
        /* the next frame's clock starts with its first byte, which is
         * here already or comes later (then the idle clock runs) */
        c->deadline = d->last_active +
            (c->inlen > 0 || c->stage != HPD_S_READY ? HPD_FRAME_MS
                                                     : HPD_IDLE_CONN_MS);
    }
    return 0;
}

/* Run the protocol over what is buffered and send the answers, batch by
 * batch, while the client keeps reading (replies stay in order, and a
 * client that does not read stops being read: its output waits for
 * POLLOUT under the write deadline). */
static int conn_process(hpd *d, hpd_conn *c)
{
    while (c->outlen == 0) {
        if (conn_batch(d, c) < 0)
            return -1;
        if (c->outlen == 0)
            break;
        int fr = conn_flush(d, c);
        hpd_reply_done(d);
        if (fr < 0)
            return -1;
        if (c->outlen > 0) {
            c->deadline = hpd_now() + HPD_WRITE_MS;
            return 0;
        }
        if (c->close_after)
            break;
    }
    if (c->close_after && c->outlen == 0)
        return -1;
    return 0;
}

/* Room for the next read: the buffer grows to one whole frame at most. */
static int conn_room(hpd_conn *c)
{
    if (c->inlen < c->incap)
        return 0;
    size_t cap = c->incap ? c->incap * 2 : HPD_INBUF_START;
    if (cap > HP_FRAME_MAX + 4)
        cap = HP_FRAME_MAX + 4;
    if (cap <= c->inlen)
        return -1;
    uint8_t *n = realloc(c->in, cap);
    if (!n)
        return -1;
    c->in = n;
    c->incap = cap;
    return 0;
}

/* Readable: 0 keep, -1 drop. */
static int conn_read(hpd *d, hpd_conn *c)
{
    if (conn_room(c) != 0)
        return -1;
    int stray = 0;
    ssize_t r = hp_sock_recv(c->fd, c->in + c->inlen, c->incap - c->inlen,
                             MSG_DONTWAIT, NULL, &stray);
    if (r == -EAGAIN)
        return 0;
    if (stray || r == -EPROTO) {
        hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_WARN, "uid %u pid %d sent "
                        "file descriptors: they were closed and the "
                        "connection dropped", (unsigned)c->uid, (int)c->pid);
        return -1;
    }
    if (r <= 0)
        return -1;          /* EOF or error: nothing more will come */
    if (c->inlen == 0)
        c->deadline = hpd_now() + HPD_FRAME_MS;
    c->inlen += (size_t)r;
    return conn_process(d, c);
}

static void conn_event(hpd *d, size_t i, short rev)
{
    hpd_conn *c = d->conns[i];
    int r = 0;
    if (rev & POLLOUT) {
        r = conn_flush(d, c);
        if (r == 0 && c->outlen == 0)
            r = conn_process(d, c);
    }
    if (r == 0 && (rev & POLLIN) && c->outlen == 0)
        r = conn_read(d, c);
    else if (r == 0 && (rev & (POLLERR | POLLHUP | POLLNVAL)) &&
             !(rev & (POLLIN | POLLOUT)))
        r = -1;
    if (r < 0)
        conn_drop(d, i);
}

/* ---- accepting --------------------------------------------------------- */

static long long accept_paused_until;

/* Out of descriptors: the classic reserve-fd trick.  Give up the spare,
 * accept and close the waiting client (it sees EOF instead of hanging),
 * take the spare back.  1 when a client was shed, 0 when none waited. */
static int shed(hpd *d, int lfd)
{
    hpd_log_limited(d, HPD_LOG_ACCEPT, HP_LOG_WARN, "out of file "
                    "descriptors (%s): refusing new connections until some "
                    "close", strerror(errno));
    if (d->reserve_fd >= 0)
        close(d->reserve_fd);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || d->reserve_fd < 0) {
        /* even that failed (ENFILE, system-wide): wait a moment rather
         * than spin on a listener that stays readable */
        accept_paused_until = hpd_now() + HPD_ACCEPT_PAUSE_MS;
        return 0;
    }
    return 1;
}

/* The new connection, appended last; NULL (fd closed) without memory. */
static hpd_conn *conn_new(hpd *d, int fd, uid_t uid, pid_t pid)
{
    hpd_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->outfd1 = -1;
    c->uid = uid;
    c->pid = pid;
    c->deadline = hpd_now() + HPD_FRAME_MS;
    d->conns[d->nconns++] = c;
    d->last_active = hpd_now();
    return c;
}

/* A client usually writes its opening right after connect, and waking
 * this process took longer than that: read the new connection at once
 * rather than after another poll (TCP_DEFER_ACCEPT, done by hand: one
 * wake-up less per new connection, one EAGAIN when nothing came yet). */
static void first_read(hpd *d, hpd_conn *c)
{
    size_t i = d->nconns - 1;   /* conn_new appended it */
    if (conn_read(d, c) < 0) {
        conn_free(d, c);        /* the last slot: no hole to compact */
        d->conns[i] = NULL;
        d->nconns = i;
    }
}

/* Connections a non-root uid may still open: its own limit
 * (helper.user_connections) and the slots not kept for root.  Counted
 * over the table, no system call.  NULL when there is room, else why not. */
static const char *no_slot(hpd *d, uid_t uid, char *why, size_t n)
{
    size_t mine = 0, users = 0;
    for (size_t i = 0; i < d->nconns; i++) {
        if (!d->conns[i] || d->conns[i]->uid == 0)
            continue;
        users++;
        mine += d->conns[i]->uid == uid;
    }
    if (mine >= d->user_conns)
        snprintf(why, n, "uid %u already has %zu connections to the helper, "
                 "its limit (helper.user_connections): close some, then "
                 "try again", (unsigned)uid, mine);
    else if (users >= HPD_MAX_CONNS - HPD_ROOT_SLOTS)
        snprintf(why, n, "every connection slot the helper has for users is "
                 "taken (%d; %d more are kept for root): try again shortly",
                 HPD_MAX_CONNS - HPD_ROOT_SLOTS, HPD_ROOT_SLOTS);
    else
        return NULL;
    return why;
}

/* Over its limit: told at once, without taking a slot.  A native client
 * gets the reason as the reply to its hello (it wrote the hello right
 * after connecting; what it sent is read and dropped); a vmnetd client has
 * no way to receive a reason and is closed. */
static void refuse_busy(hpd *d, int fd, uid_t uid, pid_t pid, const char *why)
{
    uint8_t in[64];
    ssize_t n = recv(fd, in, sizeof in, MSG_DONTWAIT);
    hpd_log_limited(d, HPD_LOG_REFUSED, HP_LOG_WARN, "uid %u pid %d: %s: "
                    "connection refused", (unsigned)uid, (int)pid, why);
    if (!(n >= 5 && memcmp(in, "VMN3T", 5) == 0)) {
        char code[8];
        snprintf(code, sizeof code, "%d", HP_EFAIL);
        const char *f[2] = { code, why };
        uint8_t *frame;
        size_t len;
        if (hp_msg_encode(HP_MSG_REPLY, f, 2, &frame, &len, NULL) == HP_OK) {
            (void)!send(fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
            free(frame);
        }
    }
    close(fd);
}

static void accept_some(hpd *d, int lfd)
{
    for (int i = 0; i < HPD_ACCEPT_BATCH && d->nconns < HPD_MAX_CONNS; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && shed(d, lfd))
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EMFILE &&
                errno != ENFILE) {
                hpd_log_limited(d, HPD_LOG_ACCEPT, HP_LOG_WARN, "accept: %s",
                                strerror(errno));
                accept_paused_until = hpd_now() + HPD_ACCEPT_PAUSE_MS;
            }
            return;
        }
        uid_t uid;
        pid_t pid;
        if (!hpd_auth_peer(d, fd, &uid, &pid)) {
            close(fd);      /* refused: nothing read, nothing done */
            continue;
        }
        char why[256];
        if (uid != 0 && no_slot(d, uid, why, sizeof why)) {
            refuse_busy(d, fd, uid, pid, why);
            continue;
        }
        hpd_conn *c = conn_new(d, fd, uid, pid);
        if (c)
            first_read(d, c);
    }
}

/* ---- the loop ----------------------------------------------------------- */

static void expire(hpd *d, long long now)
{
    for (size_t i = 0; i < d->nconns; i++) {
        hpd_conn *c = d->conns[i];
        if (!hpd_uid_served(d, c->uid)) {   /* host.user changed since */
            conn_drop(d, i);
            continue;
        }
        if (c->deadline > now)
            continue;
        if (c->inlen > 0 || c->outlen > 0 || c->stage != HPD_S_READY)
            hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_INFO, "uid %u pid %d: "
                            "too slow, connection closed", (unsigned)c->uid,
                            (int)c->pid);
        conn_drop(d, i);
    }
    conns_compact(d);
}

/* Poll timeout: the nearest deadline, or -1 (none at all). */
static int next_timeout(hpd *d, long long now, long idle_ms)
{
    long long t = -1, held = hp_log_held_since();
    if (held)
        t = held + HPD_LOG_HOLD_MS;
    for (size_t i = 0; i < d->nconns; i++)
        if (t < 0 || d->conns[i]->deadline < t)
            t = d->conns[i]->deadline;
    if (idle_ms > 0 && d->nconns == 0) {
        long long ie = d->last_active + idle_ms;
        if (t < 0 || ie < t)
            t = ie;
    }
    if (accept_paused_until > now && (t < 0 || accept_paused_until < t))
        t = accept_paused_until;
    if (t < 0)
        return -1;
    long long left = t - now;
    return left <= 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
}

static size_t fill_poll(hpd *d, struct pollfd *p, long long now)
{
    size_t n = 0;
    p[n++] = (struct pollfd){ .fd = d->sigpipe[0], .events = POLLIN };
    int accepting = d->state == HPD_ST_SERVING &&
                    d->nconns < HPD_MAX_CONNS && accept_paused_until <= now;
    for (size_t i = 0; i < d->nlfd; i++)
        p[n++] = (struct pollfd){ .fd = accepting ? d->lfd[i] : -1,
                                  .events = POLLIN };
    p[n++] = (struct pollfd){ .fd = d->cfg_ifd, .events = POLLIN };
    for (size_t i = 0; i < d->nconns; i++) {
        hpd_conn *c = d->conns[i];
        p[n++] = (struct pollfd){ .fd = c->fd,
                                  .events = c->outlen ? POLLOUT : POLLIN };
    }
    return n;
}

static void drain_sigpipe(hpd *d)
{
    char b[64];
    while (read(d->sigpipe[0], b, sizeof b) > 0)
        ;
}

/* After a once-only request (uninstall) the helper stops accepting and
 * leaves as soon as every reply is out. */
static int replies_pending(hpd *d)
{
    for (size_t i = 0; i < d->nconns; i++)
        if (d->conns[i]->outlen > 0)
            return 1;
    return 0;
}

/* poll(); held log lines are written when nothing is ready, before the
 * helper sleeps: someone who reads the log once a reply came finds the
 * request's line there. */
static int wait_events(hpd *d, struct pollfd *p, size_t n, long long now,
                       long idle_ms)
{
    if (hp_log_held_since()) {
        int r = poll(p, n, 0);
        if (r != 0)
            return r;
        hp_log_release();
    }
    return poll(p, n, next_timeout(d, now, idle_ms));
}

int hpd_loop(hpd *d)
{
    struct pollfd p[2 + HPD_MAX_LISTEN + HPD_MAX_CONNS];
    d->last_active = hpd_now();
    hp_log_hold(1);
    while (!d->stop) {
        long long held = hp_log_held_since();
        if (held && hpd_now() - held >= HPD_LOG_HOLD_MS)
            hp_log_release();
        if (got_term) {
            hpd_log(d, HP_LOG_NOTICE, "terminating on a signal");
            break;
        }
        if (d->state == HPD_ST_EXITING && !replies_pending(d))
            break;
        if (got_hup) {
            got_hup = 0;
            hpd_reload(d);      /* between requests: none is in flight */
        }
        long long now = hpd_now();
        expire(d, now);
        long idle_ms = d->idle_ms;
        if (idle_ms > 0 && d->nconns == 0 && now - d->last_active >= idle_ms) {
            hpd_log(d, HP_LOG_NOTICE, "idle for %ld s: exiting",
                    idle_ms / 1000);
            break;
        }
        hpd_probes_ready(d);    /* the replies are out: off their path */
        size_t n = fill_poll(d, p, now), nc = d->nconns;
        int r = wait_events(d, p, n, now, idle_ms);
        if (r < 0 && errno != EINTR) {
            hpd_log(d, HP_LOG_ERR, "poll: %s", strerror(errno));
            d->exit_code = HP_EINTERNAL;
            break;
        }
        if (r <= 0)
            continue;
        if (p[0].revents)
            drain_sigpipe(d);
        /* the configuration changed on disk: load it before any request
         * of this turn (a bind included) is handled */
        if (p[1 + d->nlfd].revents)
            hpd_conf_fresh(d);
        /* connections first: accepting appends after index nc */
        for (size_t k = 0; k < nc; k++) {
            short rev = p[2 + d->nlfd + k].revents;
            if (rev && d->conns[k])
                conn_event(d, k, rev);
        }
        conns_compact(d);
        for (size_t i = 0; i < d->nlfd; i++)
            if (p[1 + i].revents & POLLIN)
                accept_some(d, d->lfd[i]);
    }
    for (size_t i = 0; i < d->nconns; i++)
        conn_drop(d, i);
    conns_compact(d);
    hpd_probes_close(d);
    hp_log_hold(0);
    return d->exit_code;
}
