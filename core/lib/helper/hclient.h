/* Helper client: what plugins (through hp_host_api) and hp_bind_port use to
 * talk to hostprivd on helper.socket. */
#ifndef HP_HCLIENT_H
#define HP_HCLIENT_H
#include <stddef.h>
#include "engine/ctx.h"

/* Connect (or reuse c->helper_fd) and handshake.  The socket is reached
 * as /proc/self/fd/<parent dirfd>/<leaf> after a safe walk of its
 * directory; the peer must be root (SO_PEERCRED).  HP_EUNAVAIL when
 * nothing answers (message: "dial unix SOCK: connect: <error>" with the
 * host path), HP_EDENIED when the helper hangs up at the hello (this uid
 * is not served). */
int hp_helper_connect(hp_ctx *c, hp_err *e);
/* 1 when the helper answers a ping. */
int hp_helper_alive(hp_ctx *c);
/* One request: op name + string args (+ data, when not NULL, as a last
 * argument: no NUL bytes); the reply code is returned, its message in e;
 * a passed fd in *fd_out (-1 when none; may be NULL: then it is closed).
 * On a new connection the hello and the request go in one write.  A kept
 * connection the helper has closed meanwhile is replaced once. */
int hp_helper_call(hp_ctx *c, const char *op, const char *const *args,
                   size_t nargs, const char *data, size_t datalen,
                   int *fd_out, hp_err *e);
/* A request whose reply carries several descriptors (bind_ports): on HP_OK
 * exactly nfds arrived, in fds[] in the order the helper sent them; any
 * other count is HP_EINTERNAL and whatever came is closed.  On failure
 * every fds[i] is -1. */
int hp_helper_call_fds(hp_ctx *c, const char *op, const char *const *args,
                       size_t nargs, int *fds, size_t nfds, hp_err *e);
void hp_helper_disconnect(hp_ctx *c);
#endif
