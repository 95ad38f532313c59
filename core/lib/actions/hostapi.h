/* The host-services table plugins call, and opening a context with it:
 * what every program (CLI, helper, rig, embedding API) uses to get a
 * context whose plugin can act on the host. */
#ifndef HP_HOSTAPI_H
#define HP_HOSTAPI_H
#include "engine/ctx.h"

const hp_host_api *hp_host_api_get(void);
/* hp_engine_open with this table (engine/ctx.h says what opening does). */
int hp_ctx_open(hp_ctx **out, const hp_open_opts *opts, hp_err *e);
#endif
