/* The context's accessors: configuration shortcuts and the host paths
 * every layer above asks for.  Opening a context is open.c. */
#include "ctx.h"
#include <stdio.h>
#include <string.h>
#include "config.h"

/* ---- config shortcuts ------------------------------------------------ */

const char *hp_conf(const hp_ctx *c, const char *key)
{
    return c ? hp_config_get(c->cfg, key) : NULL;
}

int hp_conf_bool(const hp_ctx *c, const char *key)
{
    return c ? hp_config_get_bool(c->cfg, key) : 0;
}

long hp_conf_int(const hp_ctx *c, const char *key)
{
    return c ? hp_config_get_int(c->cfg, key) : 0;
}

const char *hp_ctx_version(const hp_ctx *c)
{
    if (c && c->version[0])
        return c->version;
    return hp_conf(c, "core.version");
}

/* ---- paths ------------------------------------------------------------ */

int hp_path_user(const hp_ctx *c, const char *rel, char *out, size_t n)
{
    if (!c->user_known)
        return HP_ECONFIG;
    if (!rel || rel[0] == '/' || strstr(rel, ".."))
        return HP_EINTERNAL;
    int k = snprintf(out, n, "%s/%s", strcmp(c->home, "/") ? c->home : "",
                     rel);
    return k < 0 || (size_t)k >= n ? HP_EINTERNAL : HP_OK;
}

const char *hp_path_root_state(const hp_ctx *c)
{
    const char *plat = hp_conf(c, "host.platform");
    return plat && !strcmp(plat, "linux")
               ? "/var/lib/hostpriv"
               : "/Library/Application Support/com.docker.docker/hostpriv";
}

int hp_real_path(const hp_ctx *c, const char *hpath, char *out, size_t n)
{
    if (!hpath || hpath[0] != '/')
        return HP_EINTERNAL;
    int k = snprintf(out, n, "%s%s", c->root, hpath);
    return k < 0 || (size_t)k >= n ? HP_EINTERNAL : HP_OK;
}
