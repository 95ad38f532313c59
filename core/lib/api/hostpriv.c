/* The embedding API (hostpriv.h): thin calls onto the context, each leaving
 * the text of a failure in ctx->err for hp_errmsg(). */
#include <hostpriv/hostpriv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "actions/hostapi.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "engine/loader.h"

int hp_open(hp_ctx **out, const char *config_file, char **errmsg)
{
    hp_open_opts o = {
        .role = geteuid() == 0 ? HP_ROLE_INSTALLER : HP_ROLE_USER,
        .config_file = config_file,
    };
    hp_err e = HP_ERR_INIT;
    if (errmsg)
        *errmsg = NULL;
    if (!out)
        return HP_EUSAGE;
    int rc = hp_ctx_open(out, &o, &e);
    if (rc != HP_OK && errmsg)
        *errmsg = strdup(e.msg);
    return rc;
}

int hp_set(hp_ctx *ctx, const char *key, const char *value)
{
    if (!ctx)
        return HP_EUSAGE;
    hp_err_clear(&ctx->err);
    int rc = hp_config_set(ctx->cfg, key, value, HP_LAYER_SET, "hp_set",
                           &ctx->err);
    if (rc != HP_OK)
        return rc;
    /* these pick the plugin, its directory, the event log or the root */
    if (!strncmp(key, "core.", 5) || !strcmp(key, "host.root"))
        return hp_ctx_reload_plugin(ctx, &ctx->err);
    return HP_OK;
}

int hp_set_prompt(hp_ctx *ctx, hp_prompt_fn fn, void *data)
{
    if (!ctx)
        return HP_EUSAGE;
    ctx->prompt_fn = fn;
    ctx->prompt_data = data;
    return HP_OK;
}

/* The result of an op, with a message even when the plugin left none. */
static int op_result(hp_ctx *ctx, const char *what, int rc)
{
    if (rc != HP_OK && !ctx->err.msg[0])
        hp_err_set(&ctx->err, rc, "%s: %s", what, hp_strerror(rc));
    else if (rc != HP_OK)
        ctx->err.code = rc;
    return rc;
}

static int no_plugin(hp_ctx *ctx)
{
    if (ctx->err.code != HP_OK)      /* the failed reload says why */
        return ctx->err.code;
    return hp_err_set(&ctx->err, HP_ECONFIG, "no plugin is active: set "
                      "core.version or core.plugin");
}

int hp_start(hp_ctx *ctx)
{
    if (!ctx)
        return HP_EUSAGE;
    if (!ctx->active)
        return no_plugin(ctx);
    hp_err_clear(&ctx->err);
    const hp_plugin *d = &ctx->active->desc;
    if (!d->ops.launch)
        return hp_err_set(&ctx->err, HP_ENOTSUP, "%s does not have an "
                          "app-launch flow (not-in-this-version)", d->name);
    return op_result(ctx, "start", d->ops.launch(ctx->pstate));
}

int hp_bind_port(hp_ctx *ctx, int socktype, const char *addr, int port,
                 int *fd)
{
    if (!ctx)
        return HP_EUSAGE;
    if (fd)
        *fd = -1;
    if (!ctx->active)
        return no_plugin(ctx);
    hp_err_clear(&ctx->err);
    if ((socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP) || !addr ||
        !fd || port < 1 || port > 65535)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_port: socktype is "
                          "HP_SOCK_TCP or HP_SOCK_UDP, addr a numeric "
                          "address, port 1 to 65535, fd not NULL");
    const hp_plugin *d = &ctx->active->desc;
    if (!d->ops.bind_port)
        return hp_err_set(&ctx->err, HP_ENOTSUP, "%s does not bind ports "
                          "(not-in-this-version)", d->name);
    return op_result(ctx, "bind",
                     d->ops.bind_port(ctx->pstate, socktype, addr, port, fd));
}

const char *hp_errmsg(const hp_ctx *ctx)
{
    return ctx ? ctx->err.msg : "";
}

void hp_close(hp_ctx *ctx)
{
    hp_ctx_close(ctx);
}
