/* The handle: opening with options before the plugin loads, settings that
 * reopen it atomically, the embedder's callbacks, the last failure. */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "actions/hostapi.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/loader.h"

/* The options an app compiled against another hostpriv.h sent: the fields
 * both know; a size that cannot be one is a forgotten HP_OPTIONS_INIT. */
static int take_options(const hp_options *in, hp_options *o, hp_err *e)
{
    hp_options none = HP_OPTIONS_INIT;
    *o = none;
    if (!in)
        return HP_OK;
    if (in->size < offsetof(hp_options, log_data) + sizeof(void *) ||
        in->size > 65536)
        return hp_err_set(e, HP_EUSAGE, "hp_open_with: hp_options.size is "
                          "%zu: initialise the options with HP_OPTIONS_INIT",
                          in->size);
    memcpy(o, in, in->size < sizeof *o ? in->size : sizeof *o);
    o->size = sizeof *o;
    return HP_OK;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int push(char **v, size_t *k, const char *key, const char *val)
{
    if (asprintf(&v[*k], "%s=%s", key, val) < 0) {
        v[*k] = NULL;
        return -1;
    }
    (*k)++;
    return 0;
}

/* "key=value" items: root and plugin_dir first, then the app's settings,
 * each checked for its '='.  NULL with e set on failure. */
static char **settings_of(const hp_options *o, hp_err *e)
{
    size_t n = 2;
    for (size_t i = 0; o->settings && o->settings[i]; i++)
        n++;
    char **v = calloc(n + 1, sizeof *v);
    size_t k = 0;
    if (!v || (o->root && push(v, &k, "host.root", o->root)) ||
        (o->plugin_dir && push(v, &k, "core.plugin_dir", o->plugin_dir)))
        goto nomem;
    for (size_t i = 0; o->settings && o->settings[i]; i++) {
        const char *it = o->settings[i], *eq = strchr(it, '=');
        if (!eq || eq == it) {
            free_strv(v);
            hp_err_set(e, HP_EUSAGE, "hp_options.settings: '%s': write each "
                       "item as section.key=value", it);
            return NULL;
        }
        if (!(v[k++] = strdup(it)))
            goto nomem;
    }
    return v;
nomem:
    free_strv(v);
    hp_err_set(e, HP_EINTERNAL, "out of memory");
    return NULL;
}

static int open_ctx(hp_ctx **out, const hp_options *opts, hp_err *e)
{
    hp_options o;
    int rc = take_options(opts, &o, e);
    char **sets = rc == HP_OK ? settings_of(&o, e) : NULL;
    if (!sets)
        return e->code;
    hp_open_opts oo = {
        .role = geteuid() == 0 ? HP_ROLE_INSTALLER : HP_ROLE_USER,
        .config_file = o.config_file,
        .sets = (const char *const *)sets,
        .sets_origin = "hp_open_with",
        .no_user_layer = !!(o.flags & HP_OPEN_NO_USER_CONFIG),
        .no_system_layer = !!(o.flags & HP_OPEN_NO_SYSTEM_CONFIG),
        .prompt_fn = o.prompt, .prompt_data = o.prompt_data,
        .event_fn = o.event, .event_data = o.event_data,
        .log_fn = o.log, .log_data = o.log_data,
    };
    rc = hp_ctx_open(out, &oo, e);
    free_strv(sets);
    return rc;
}

int hp_open_with(hp_ctx **out, const hp_options *opts, char **errmsg)
{
    hp_err e = HP_ERR_INIT;
    if (errmsg)
        *errmsg = NULL;
    if (!out)
        return HP_EUSAGE;
    *out = NULL;
    int rc = open_ctx(out, opts, &e);
    if (rc != HP_OK && errmsg)
        *errmsg = strdup(e.msg[0] ? e.msg : hp_strerror(rc));
    return rc;
}

int hp_open(hp_ctx **out, const char *config_file, char **errmsg)
{
    hp_options o = HP_OPTIONS_INIT;
    o.config_file = config_file;
    return hp_open_with(out, &o, errmsg);
}

int hp_set(hp_ctx *ctx, const char *key, const char *value)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    return hp_api_result(ctx, "hp_set", hp_ctx_set(ctx, key, value,
                                                   &ctx->err));
}

const char *hp_get(hp_ctx *ctx, const char *key)
{
    if (hp_api_begin(ctx) != HP_OK || !key || !hp_config_key_find(key))
        return NULL;
    return hp_conf(ctx, key);
}

int hp_set_prompt(hp_ctx *ctx, hp_prompt_fn fn, void *data)
{
    int rc = hp_api_begin(ctx);
    if (rc == HP_OK) {
        ctx->prompt_fn = fn;
        ctx->prompt_data = data;
    }
    return rc;
}

int hp_set_event_callback(hp_ctx *ctx, hp_event_fn fn, void *data)
{
    int rc = hp_api_begin(ctx);
    if (rc == HP_OK) {
        ctx->event_fn = fn;
        ctx->event_data = data;
    }
    return rc;
}

int hp_set_log_callback(hp_ctx *ctx, hp_log_fn fn, void *data)
{
    int rc = hp_api_begin(ctx);
    if (rc == HP_OK) {
        ctx->log_fn = fn;
        ctx->log_data = data;
    }
    return rc;
}

const char *hp_errmsg(const hp_ctx *ctx)
{
    return ctx ? ctx->err.msg : "";
}

void hp_close(hp_ctx *ctx)
{
    hp_ctx_close(ctx);
}

const char *hp_version(void)
{
    return HOSTPRIV_VERSION_STRING;
}

int hp_version_number(void)
{
    return HOSTPRIV_VERSION_NUMBER;
}

/* ---- shared by the calls (api.h) ---------------------------------------- */

int hp_api_begin(hp_ctx *ctx)
{
    if (!ctx)
        return HP_EUSAGE;
    hp_err_clear(&ctx->err);
    return HP_OK;
}

const hp_ops *hp_api_ops(hp_ctx *ctx)
{
    if (ctx->active)
        return &ctx->active->desc.ops;
    hp_err_set(&ctx->err, HP_ECONFIG, "no plugin is active: set "
               "core.version or core.plugin");
    return NULL;
}

int hp_api_result(hp_ctx *ctx, const char *what, int rc)
{
    if (rc == HP_OK)
        hp_err_clear(&ctx->err);
    else if (!ctx->err.msg[0])
        hp_err_set(&ctx->err, rc, "%s: %s", what, hp_strerror(rc));
    else
        ctx->err.code = rc;
    return rc;
}

int hp_api_not_in_version(hp_ctx *ctx, int task, const char *what)
{
    hp_event(ctx, HP_EV_SKIPPED, task, HP_VIA_NONE, "",
             "not-in-this-version");
    return hp_err_set(&ctx->err, HP_ENOTSUP, "%s: the active version (%s, "
                      "%s) does not do that (not-in-this-version)", what,
                      ctx->active->desc.name, hp_ctx_version(ctx));
}
