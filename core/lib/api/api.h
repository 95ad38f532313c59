/* Shared by the embedding API's files: the checks every call makes and
 * how a result becomes hp_errmsg(). */
#ifndef HP_API_H
#define HP_API_H
#include <hostpriv/hostpriv.h>
#include "engine/ctx.h"

/* A call on ctx begins: HP_OK with the last failure cleared, or
 * HP_EUSAGE for a NULL handle. */
int hp_api_begin(hp_ctx *ctx);
/* The active plugin's op table; NULL (and ctx->err saying how to pick
 * one) when no plugin is active. */
const hp_ops *hp_api_ops(hp_ctx *ctx);
/* The result of a call: "" in hp_errmsg() after HP_OK; after a failure a
 * message even when the plugin left none. */
int hp_api_result(hp_ctx *ctx, const char *what, int rc);
/* The active version does not do `what`: the `skipped
 * not-in-this-version` event the CLI emits too, HP_ENOTSUP. */
int hp_api_not_in_version(hp_ctx *ctx, int task, const char *what);
#endif
