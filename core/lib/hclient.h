/* Helper client: what plugins (through hp_host_api) and hp_bind_port use to
 * talk to hostprivd on helper.socket. */
#ifndef HP_HCLIENT_H
#define HP_HCLIENT_H
#include <stddef.h>
#include "ctx.h"

/* Connect (or reuse c->helper_fd) and handshake.  HP_EUNAVAIL when nothing
 * answers (message: the connect error and the socket path). */
int hp_helper_connect(hp_ctx *c, hp_err *e);
/* 1 when the helper answers a ping. */
int hp_helper_alive(hp_ctx *c);
/* One request: op name + string args; the reply code is returned, its
 * message in e; a passed fd in *fd_out (-1 when none; may be NULL). */
int hp_helper_call(hp_ctx *c, const char *op, const char *const *args,
                   size_t nargs, const char *data, size_t datalen,
                   int *fd_out, hp_err *e);
void hp_helper_disconnect(hp_ctx *c);
#endif
