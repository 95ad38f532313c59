/* hostprivd native protocol.
 *
 * A native connection starts with the 4 raw bytes "HPRV" (HP_PROTO_MAGIC),
 * so the helper's socket tells it from vmnetd's "VMN3T" by the first bytes;
 * then frames follow.  Frame: 4-byte big-endian length (1..HP_FRAME_MAX),
 * then that many bytes of payload.  Payload: 1-byte type, 2-byte big-endian
 * field count (<= HP_MSG_MAXFIELDS), then fields, each a 4-byte big-endian
 * length and bytes (no NUL inside; valid UTF-8).  The first frame is a
 * HELLO whose first field is again "HPRV".
 *
 *   client "HPRV" HELLO [ "HPRV", version ]   server HELLO [ version, plugin, core version ]
 *   client REQ    [ op, arg... ]              server REPLY [ code, message ] (+ fd by SCM_RIGHTS)
 *
 * Codes are hp_code numbers in decimal.  A client may send many REQs on one
 * connection; each gets exactly one REPLY, in order.
 */
#ifndef HP_PROTO_H
#define HP_PROTO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"

#define HP_PROTO_MAGIC    "HPRV"
#define HP_PROTO_MAGIC_LEN 4
#define HP_PROTO_VERSION  1
#define HP_FRAME_MAX      (256u * 1024)
#define HP_MSG_MAXFIELDS  16
/* The deadline hp_msg_send uses for a whole frame. */
#define HP_PROTO_SEND_TIMEOUT_MS 30000

enum hp_msg_type { HP_MSG_HELLO = 1, HP_MSG_REQ = 2, HP_MSG_REPLY = 3 };

typedef struct hp_msg {
    int type;
    size_t nfields;
    const char *field[HP_MSG_MAXFIELDS];   /* NUL-terminated views */
    size_t flen[HP_MSG_MAXFIELDS];
    char *buf;                              /* owned storage */
} hp_msg;

/* Encode into a malloc'd frame (length prefix included).  Fields are
 * checked as decode checks them (UTF-8, size), so nothing the peer would
 * reject leaves.  HP_EUSAGE on a bad field or an oversize frame. */
int hp_msg_encode(int type, const char *const *fields, size_t n,
                  uint8_t **frame, size_t *len, hp_err *e);
/* Decode one payload (without the length prefix), strictly: bad type,
 * count, field length, trailing bytes, embedded NUL, invalid UTF-8 are
 * HP_EUSAGE.  m->buf must be freed with hp_msg_free (also after a failed
 * decode: it is then NULL). */
int hp_msg_decode(const uint8_t *payload, size_t len, hp_msg *m, hp_err *e);
void hp_msg_free(hp_msg *m);
/* The 4-byte length prefix -> payload length; 0 or > HP_FRAME_MAX is
 * HP_EUSAGE (no len+4 arithmetic that could wrap). */
int hp_frame_len(const uint8_t hdr[4], size_t *len, hp_err *e);
/* 1 when s[0..n) is valid UTF-8 without NUL (no overlongs, surrogates or
 * code points above U+10FFFF). */
int hp_utf8_valid(const char *s, size_t n);

/* Blocking helpers with a deadline (ms, <0 none) for the client side and
 * tests; EINTR and short reads/writes handled; SIGPIPE never raised
 * (MSG_NOSIGNAL).  send may attach one fd (passfd >= 0).  recv: a
 * descriptor is accepted only when fd_out is not NULL and exactly one
 * arrives; any other is closed and the message refused (HP_EUSAGE);
 * MSG_CTRUNC is an error.  EOF before a whole frame: HP_EUNAVAIL with
 * e->sys = EPIPE when nothing at all was read, else HP_EUSAGE. */
int hp_msg_send(int sock, int type, const char *const *fields, size_t n,
                int passfd, hp_err *e);
int hp_msg_recv(int sock, hp_msg *m, int *fd_out, int timeout_ms, hp_err *e);

/* Receive side of a strict request/reply client (hclient): few syscalls.
 * The socket is blocking and its SO_RCVTIMEO is the deadline (expiry:
 * HP_EFAIL with ETIMEDOUT).  Bytes read past one message stay in rb for
 * the next call; a descriptor that arrives is parked in rb->fd (a second
 * one is refused, HP_EUSAGE).  The caller takes rb->fd and must close it
 * when it does not want it; hp_rbuf_reset does that. */
typedef struct hp_rbuf {
    uint8_t b[4096];
    size_t len;
    int fd;             /* -1 when none */
    /* A reply that carries several descriptors (bind_ports): with maxfds
     * set, every descriptor that arrives is appended to fds[] (more than
     * maxfds is refused, HP_EUSAGE) and fd stays -1. */
    int *fds;
    size_t nfds, maxfds;
} hp_rbuf;
void hp_rbuf_init(hp_rbuf *rb);
/* Collect up to max descriptors into fds[] (hp_rbuf_reset closes those
 * nobody took: set nfds to 0 after taking them). */
void hp_rbuf_want_fds(hp_rbuf *rb, int *fds, size_t max);
void hp_rbuf_reset(hp_rbuf *rb);
int hp_msg_recv_buf(int sock, hp_rbuf *rb, hp_msg *m, hp_err *e);

/* Lowest level, shared with the daemon's non-blocking loop.
 * hp_sock_send_all: all of buf with MSG_NOSIGNAL, passfd (>= 0) attached
 * to the first byte, waiting with poll() up to timeout_ms (<0 none).
 * 0 or -errno (-ETIMEDOUT at the deadline). */
int hp_sock_send_all(int sock, const void *buf, size_t len, int passfd,
                     int timeout_ms);
/* One sendmsg(MSG_NOSIGNAL|MSG_DONTWAIT) with passfd (>= 0) attached:
 * bytes sent or -errno (-EAGAIN when it would block). */
ssize_t hp_sock_send_some(int sock, const void *buf, size_t len, int passfd);
/* The most descriptors one message carries (the kernel's SCM_MAX_FD): a
 * reply with more is sent as several, each riding on its own byte of the
 * reply (hostprivd(8), bind_ports). */
#define HP_PROTO_FDS_PER_MSG 253
/* One sendmsg(MSG_NOSIGNAL|MSG_DONTWAIT) with fds[0..nfds) attached
 * (nfds <= HP_PROTO_FDS_PER_MSG): bytes sent or -errno. */
ssize_t hp_sock_send_fds(int sock, const void *buf, size_t len,
                         const int *fds, size_t nfds);
/* One recvmsg(MSG_CMSG_CLOEXEC | flags) that keeps up to max - *nfds
 * descriptors, appended to fds[] (*nfds counts them); any beyond are
 * closed and *stray set.  MSG_CTRUNC: -EPROTO, as hp_sock_recv. */
ssize_t hp_sock_recv_fds(int sock, void *buf, size_t len, int flags,
                         int *fds, size_t max, size_t *nfds, int *stray);
/* One recvmsg(MSG_CMSG_CLOEXEC | flags): bytes, 0 at EOF, or -errno.
 * Descriptors that arrive are stored in *fd_out when fd_out is not NULL,
 * *fd_out is -1 and exactly one came; every other one is closed and
 * *stray (if not NULL) set to 1.  MSG_CTRUNC: the fds are closed and
 * -EPROTO returned. */
ssize_t hp_sock_recv(int sock, void *buf, size_t len, int flags, int *fd_out,
                     int *stray);
#endif
