/* The native helper protocol: frame codec and blocking send/receive with
 * deadlines.  Everything a peer sends is checked here before any other
 * code sees it (OpenSSH monitor style: strict, length-capped, no partial
 * trust). */
#include "proto.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Room for a few descriptors so that an unexpected bunch is received (and
 * closed) rather than left for the kernel to discard silently. */
#define HP_CMSG_FDS 16

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int hp_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1; cp = c & 0x1F; min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2; cp = c & 0x0F; min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return 0;           /* continuation byte, C0/C1, F5..FF */
        }
        if (n - i - 1 < need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

int hp_frame_len(const uint8_t hdr[4], size_t *len, hp_err *e)
{
    uint32_t v = get_be32(hdr);
    if (v == 0)
        return hp_err_set(e, HP_EUSAGE, "protocol error: empty frame");
    if (v > HP_FRAME_MAX)
        return hp_err_set(e, HP_EUSAGE,
                          "protocol error: frame of %lu bytes is over the "
                          "%u-byte limit", (unsigned long)v, HP_FRAME_MAX);
    *len = v;
    return HP_OK;
}

int hp_msg_encode(int type, const char *const *fields, size_t n,
                  uint8_t **frame, size_t *len, hp_err *e)
{
    *frame = NULL;
    *len = 0;
    if (type < HP_MSG_HELLO || type > HP_MSG_REPLY)
        return hp_err_set(e, HP_EUSAGE, "protocol: bad message type %d", type);
    if (n > HP_MSG_MAXFIELDS)
        return hp_err_set(e, HP_EUSAGE, "protocol: %zu fields, at most %d",
                          n, HP_MSG_MAXFIELDS);
    size_t total = 3;
    for (size_t i = 0; i < n; i++) {
        size_t fl = strlen(fields[i]);
        if (!hp_utf8_valid(fields[i], fl))
            return hp_err_set(e, HP_EUSAGE,
                              "protocol: field %zu is not valid UTF-8", i);
        if (fl > HP_FRAME_MAX || total + 4 + fl > HP_FRAME_MAX)
            return hp_err_set(e, HP_EUSAGE,
                              "protocol: message over the %u-byte limit",
                              HP_FRAME_MAX);
        total += 4 + fl;
    }
    uint8_t *f = malloc(total + 4);
    if (!f)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "protocol: encode");
    put_be32(f, (uint32_t)total);
    f[4] = (uint8_t)type;
    f[5] = (uint8_t)(n >> 8);
    f[6] = (uint8_t)n;
    uint8_t *p = f + 7;
    for (size_t i = 0; i < n; i++) {
        size_t fl = strlen(fields[i]);
        put_be32(p, (uint32_t)fl);
        memcpy(p + 4, fields[i], fl);
        p += 4 + fl;
    }
    *frame = f;
    *len = total + 4;
    return HP_OK;
}

void hp_msg_free(hp_msg *m)
{
    if (m) {
        free(m->buf);
        memset(m, 0, sizeof *m);
    }
}

static int decode_fail(hp_msg *m, hp_err *e, const char *what, size_t i)
{
    hp_msg_free(m);
    return hp_err_set(e, HP_EUSAGE, "protocol error: field %zu: %s", i, what);
}

int hp_msg_decode(const uint8_t *in, size_t len, hp_msg *m, hp_err *e)
{
    memset(m, 0, sizeof *m);
    if (len < 3 || len > HP_FRAME_MAX)
        return hp_err_set(e, HP_EUSAGE,
                          "protocol error: message of %zu bytes (3 to %u)",
                          len, HP_FRAME_MAX);
    if (in[0] < HP_MSG_HELLO || in[0] > HP_MSG_REPLY)
        return hp_err_set(e, HP_EUSAGE,
                          "protocol error: unknown message type %u", in[0]);
    size_t n = (size_t)in[1] << 8 | in[2];
    if (n > HP_MSG_MAXFIELDS)
        return hp_err_set(e, HP_EUSAGE,
                          "protocol error: %zu fields, at most %d", n,
                          HP_MSG_MAXFIELDS);
    /* Field bytes never exceed len, so len + n + 1 always holds them. */
    m->buf = malloc(len + n + 1);
    if (!m->buf)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "protocol: decode");
    m->type = in[0];
    size_t off = 3, out = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - off < 4)
            return decode_fail(m, e, "length cut short", i);
        size_t fl = get_be32(in + off);
        off += 4;
        if (fl > len - off)
            return decode_fail(m, e, "length past the end of the message", i);
        if (!hp_utf8_valid((const char *)in + off, fl))
            return decode_fail(m, e, "NUL byte or invalid UTF-8", i);
        memcpy(m->buf + out, in + off, fl);
        m->buf[out + fl] = '\0';
        m->field[i] = m->buf + out;
        m->flen[i] = fl;
        out += fl + 1;
        off += fl;
    }
    if (off != len) {
        size_t extra = len - off;
        hp_msg_free(m);
        return hp_err_set(e, HP_EUSAGE,
                          "protocol error: %zu trailing bytes after the "
                          "last field", extra);
    }
    m->nfields = n;
    return HP_OK;
}

/* ---- socket I/O -------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for `events` until deadline (<0: none).  0 ready, -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        int tmo = -1;
        if (deadline >= 0) {
            long long left = deadline - now_ms();
            if (left <= 0)
                return -ETIMEDOUT;
            tmo = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, tmo);
        if (r > 0)
            return 0;       /* errors and hangups surface in the I/O call */
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

ssize_t hp_sock_send_fds(int sock, const void *buf, size_t len,
                         const int *fds, size_t nfds)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    union {
        char b[CMSG_SPACE(sizeof(int) * HP_PROTO_FDS_PER_MSG)];
        struct cmsghdr a;
    } cm;
    if (nfds > HP_PROTO_FDS_PER_MSG)
        return -EINVAL;
    if (nfds > 0) {
        /* the padding CMSG_SPACE adds goes to the kernel too: zeroed */
        memset(cm.b, 0, CMSG_SPACE(sizeof(int) * nfds));
        mh.msg_control = cm.b;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t r;
    do
        r = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return r;
}

ssize_t hp_sock_send_some(int sock, const void *buf, size_t len, int passfd)
{
    return hp_sock_send_fds(sock, buf, len, &passfd, passfd >= 0 ? 1 : 0);
}

int hp_sock_send_all(int sock, const void *buf, size_t len, int passfd,
                     int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    const uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t r = hp_sock_send_some(sock, p + done, len - done,
                                      done == 0 ? passfd : -1);
        if (r == -EAGAIN) {
            int w = wait_fd(sock, POLLOUT, deadline);
            if (w < 0)
                return w;
            continue;
        }
        if (r < 0)
            return (int)r;
        done += (size_t)r;
    }
    return 0;
}

/* Take the descriptors out of one received message: keep one where the
 * caller wants it, close the rest. */
static void take_fds(struct msghdr *mh, int *fd_out, int *stray)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (fd_out && *fd_out < 0 && nfd == 1) {
                *fd_out = fd;
                continue;
            }
            close(fd);
            if (stray)
                *stray = 1;
        }
    }
}

/* One recvmsg into buf with room for `room` descriptors in cbuf: bytes
 * read or -errno; a message whose descriptors did not fit has them all
 * closed (a stray) and is -EPROTO. */
static ssize_t recv_one(int sock, void *buf, size_t len, int flags,
                        struct msghdr *mh, void *cbuf, size_t clen, int *stray)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    *mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
                           .msg_control = cbuf, .msg_controllen = clen };
    ssize_t r;
    do
        r = recvmsg(sock, mh, MSG_CMSG_CLOEXEC | flags);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    if (mh->msg_flags & MSG_CTRUNC) {
        take_fds(mh, NULL, stray);
        if (stray)
            *stray = 1;
        return -EPROTO;
    }
    mh->msg_iov = NULL;     /* iov was this frame's; only the control is read */
    mh->msg_iovlen = 0;
    return r;
}

ssize_t hp_sock_recv(int sock, void *buf, size_t len, int flags, int *fd_out,
                     int *stray)
{
    union {
        char b[CMSG_SPACE(sizeof(int) * HP_CMSG_FDS)];
        struct cmsghdr a;
    } cm;
    struct msghdr mh;
    ssize_t r = recv_one(sock, buf, len, flags, &mh, cm.b, sizeof cm.b, stray);
    if (r >= 0 && mh.msg_controllen > 0)
        take_fds(&mh, fd_out, stray);
    return r;
}

/* Keep what fits in fds[*nfds..max), close the rest. */
static void keep_fds(struct msghdr *mh, int *fds, size_t max, size_t *nfds,
                     int *stray)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (*nfds < max) {
                fds[(*nfds)++] = fd;
                continue;
            }
            close(fd);
            if (stray)
                *stray = 1;
        }
    }
}

ssize_t hp_sock_recv_fds(int sock, void *buf, size_t len, int flags,
                         int *fds, size_t max, size_t *nfds, int *stray)
{
    union {
        char b[CMSG_SPACE(sizeof(int) * HP_PROTO_FDS_PER_MSG)];
        struct cmsghdr a;
    } cm;
    struct msghdr mh;
    ssize_t r = recv_one(sock, buf, len, flags, &mh, cm.b, sizeof cm.b, stray);
    if (r >= 0 && mh.msg_controllen > 0)
        keep_fds(&mh, fds, max, nfds, stray);
    return r;
}

int hp_msg_send(int sock, int type, const char *const *fields, size_t n,
                int passfd, hp_err *e)
{
    uint8_t *frame;
    size_t len;
    int rc = hp_msg_encode(type, fields, n, &frame, &len, e);
    if (rc != HP_OK)
        return rc;
    int r = hp_sock_send_all(sock, frame, len, passfd,
                             HP_PROTO_SEND_TIMEOUT_MS);
    free(frame);
    if (r < 0)
        return hp_err_sys(e, r == -EPIPE || r == -ECONNRESET ? HP_EUNAVAIL
                                                              : HP_EFAIL,
                          -r, "protocol: send");
    return HP_OK;
}

/* Read exactly len bytes before the deadline; fds as hp_sock_recv. */
static int read_full(int sock, uint8_t *buf, size_t len, long long deadline,
                     int *fd_out, int *stray, size_t *got)
{
    while (*got < len) {
        ssize_t r = hp_sock_recv(sock, buf + *got, len - *got, MSG_DONTWAIT,
                                 fd_out, stray);
        if (r == -EAGAIN) {
            int w = wait_fd(sock, POLLIN, deadline);
            if (w < 0)
                return w;
            continue;
        }
        if (r < 0)
            return (int)r;
        if (r == 0)
            return -EPIPE;
        *got += (size_t)r;
    }
    return 0;
}

static int recv_fail(int *fd, hp_err *e, int code, int err, const char *what)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return hp_err_sys(e, code, err, "protocol: %s", what);
}

int hp_msg_recv(int sock, hp_msg *m, int *fd_out, int timeout_ms, hp_err *e)
{
    memset(m, 0, sizeof *m);
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    int fd = -1, stray = 0;
    int *want = fd_out ? &fd : NULL;
    if (fd_out)
        *fd_out = -1;
    uint8_t hdr[4];
    size_t got = 0, plen;
    int r = read_full(sock, hdr, 4, deadline, want, &stray, &got);
    if ((r == -EPIPE || r == -ECONNRESET) && got == 0)
        return recv_fail(&fd, e, HP_EUNAVAIL, -r,
                         "the peer closed the connection");
    if (r < 0)
        return recv_fail(&fd, e, r == -ETIMEDOUT ? HP_EFAIL : HP_EUSAGE, -r,
                         "reading the frame header");
    int rc = hp_frame_len(hdr, &plen, e);
    if (rc != HP_OK)
        return recv_fail(&fd, NULL, rc, 0, "");
    uint8_t *payload = malloc(plen);
    if (!payload)
        return recv_fail(&fd, e, HP_EINTERNAL, ENOMEM, "receive");
    got = 0;
    r = read_full(sock, payload, plen, deadline, want, &stray, &got);
    if (r == 0 && stray)
        r = -EBADMSG;
    if (r < 0) {
        free(payload);
        return recv_fail(&fd, e, r == -ETIMEDOUT ? HP_EFAIL : HP_EUSAGE, -r,
                         r == -EBADMSG ? "unexpected descriptors attached"
                                       : "reading the frame");
    }
    rc = hp_msg_decode(payload, plen, m, e);
    free(payload);
    if (rc != HP_OK)
        return recv_fail(&fd, NULL, rc, 0, "");
    if (fd_out)
        *fd_out = fd;
    return HP_OK;
}

/* ---- buffered receive (strict request/reply clients) ------------------- */

void hp_rbuf_init(hp_rbuf *rb)
{
    rb->len = 0;
    rb->fd = -1;
    rb->fds = NULL;
    rb->nfds = rb->maxfds = 0;
}

void hp_rbuf_want_fds(hp_rbuf *rb, int *fds, size_t max)
{
    rb->fds = fds;
    rb->nfds = 0;
    rb->maxfds = max;
}

void hp_rbuf_reset(hp_rbuf *rb)
{
    if (rb->fd >= 0)
        close(rb->fd);
    for (size_t i = 0; i < rb->nfds; i++)
        close(rb->fds[i]);
    hp_rbuf_init(rb);
}

/* One blocking read into rb (or dst when given); fds parked in rb->fd. */
static int rb_read(int sock, hp_rbuf *rb, uint8_t *dst, size_t room,
                   size_t *got, hp_err *e)
{
    int stray = 0;
    ssize_t r = rb->maxfds ? hp_sock_recv_fds(sock, dst, room, 0, rb->fds,
                                              rb->maxfds, &rb->nfds, &stray)
                           : hp_sock_recv(sock, dst, room, 0, &rb->fd,
                                          &stray);
    if (stray || r == -EPROTO)
        return hp_err_set(e, HP_EUSAGE, "protocol: unexpected descriptors "
                          "attached");
    if (r == -EAGAIN)
        return hp_err_sys(e, HP_EFAIL, ETIMEDOUT, "protocol: waiting for "
                          "the reply");
    if (r < 0)
        return hp_err_sys(e, r == -ECONNRESET && *got == 0 ? HP_EUNAVAIL
                                                           : HP_EUSAGE,
                          (int)-r, "protocol: receive");
    if (r == 0)
        return *got == 0 ? hp_err_sys(e, HP_EUNAVAIL, EPIPE, "protocol: the "
                                      "peer closed the connection")
                         : hp_err_set(e, HP_EUSAGE, "protocol: the peer "
                                      "closed the connection mid-message");
    *got += (size_t)r;
    return HP_OK;
}

/* A frame larger than rb: the rest goes straight into its own buffer. */
static int recv_big(int sock, hp_rbuf *rb, size_t plen, hp_msg *m,
                    hp_err *e)
{
    uint8_t *p = malloc(plen);
    if (!p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "protocol: receive");
    size_t have = rb->len - 4;
    memcpy(p, rb->b + 4, have);
    rb->len = 0;
    int rc = HP_OK;
    while (rc == HP_OK && have < plen) {
        size_t got = 1;         /* EOF now is mid-message */
        rc = rb_read(sock, rb, p + have, plen - have, &got, e);
        have += got - 1;
    }
    if (rc == HP_OK)
        rc = hp_msg_decode(p, plen, m, e);
    free(p);
    return rc;
}

int hp_msg_recv_buf(int sock, hp_rbuf *rb, hp_msg *m, hp_err *e)
{
    memset(m, 0, sizeof *m);
    size_t got = rb->len;
    for (;;) {
        size_t plen;
        if (rb->len >= 4) {
            int rc = hp_frame_len(rb->b, &plen, e);
            if (rc != HP_OK)
                return rc;
            if (4 + plen > sizeof rb->b)
                return recv_big(sock, rb, plen, m, e);
            if (rb->len >= 4 + plen) {
                rc = hp_msg_decode(rb->b + 4, plen, m, e);
                memmove(rb->b, rb->b + 4 + plen, rb->len - 4 - plen);
                rb->len -= 4 + plen;
                return rc;
            }
        }
        int rc = rb_read(sock, rb, rb->b + rb->len, sizeof rb->b - rb->len,
                         &got, e);
        if (rc != HP_OK)
            return rc;
        rb->len = got;
    }
}
