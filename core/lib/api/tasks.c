/* The flows and single tasks an app asks for, each the active version's op
 * as the matching hostpriv command calls it. */
#include "api.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "actions/settings.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "host/decisions.h"
#include "host/identity.h"
#include "host/ports.h"

/* One op taking only the plugin's state. */
static int simple(hp_ctx *ctx, size_t off, int task, const char *what)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    const hp_ops *ops = hp_api_ops(ctx);
    if (!ops)
        return ctx->err.code;
    int (*op)(void *);
    memcpy(&op, (const char *)ops + off, sizeof op);
    if (!op)
        return hp_api_not_in_version(ctx, task, what);
    return hp_api_result(ctx, what, op(ctx->pstate));
}

#define SIMPLE(name, task, what) \
    simple(ctx, offsetof(hp_ops, name), task, what)

int hp_start(hp_ctx *ctx)
{
    return SIMPLE(launch, HP_TASK_HELPER, "start");
}

int hp_links_install(hp_ctx *ctx)
{
    return SIMPLE(links_install, HP_TASK_CLI_LINKS, "links install");
}

int hp_links_remove(hp_ctx *ctx)
{
    return SIMPLE(links_remove, HP_TASK_CLI_LINKS, "links remove");
}

int hp_socket_link_install(hp_ctx *ctx)
{
    return SIMPLE(socket_link_install, HP_TASK_DOCKER_SOCKET,
                  "socket-link install");
}

int hp_socket_link_remove(hp_ctx *ctx)
{
    return SIMPLE(socket_link_remove, HP_TASK_DOCKER_SOCKET,
                  "socket-link remove");
}

int hp_hosts_ensure(hp_ctx *ctx)
{
    return SIMPLE(hosts_ensure, HP_TASK_HOSTS, "hosts");
}

int hp_uninstall(hp_ctx *ctx)
{
    return SIMPLE(uninstall, HP_TASK_UNINSTALL, "uninstall");
}

int hp_policy_set(hp_ctx *ctx, const char *json)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (!json)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_policy_set: json is "
                          "NULL: give the policy document");
    const hp_ops *ops = hp_api_ops(ctx);
    if (!ops)
        return ctx->err.code;
    if (!ops->policy_set)
        return hp_api_not_in_version(ctx, HP_TASK_POLICY, "policy");
    return hp_api_result(ctx, "policy", ops->policy_set(ctx->pstate, json));
}

int hp_bind_port(hp_ctx *ctx, int socktype, const char *addr, int port,
                 int *fd)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (fd)
        *fd = -1;
    struct sockaddr_storage ss;
    unsigned salen = 0;
    hp_err ae = HP_ERR_INIT;
    if ((socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP) || !fd ||
        port < 1 || port > 65535 || !addr ||
        hp_addr_parse(addr, &ss, &salen, &ae) != HP_OK)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_port: socktype is "
                          "HP_SOCK_TCP or HP_SOCK_UDP, addr a numeric IPv4 "
                          "or IPv6 address (e.g. 127.0.0.1 or ::1, not a "
                          "name: '%s'), port 1 to 65535 (%d), fd not NULL",
                          addr ? addr : "(null)", port);
    const hp_ops *ops = hp_api_ops(ctx);
    if (!ops)
        return ctx->err.code;
    if (!ops->bind_port)
        return hp_api_not_in_version(ctx, HP_TASK_PRIVILEGED_PORT, "bind");
    return hp_api_result(ctx, "bind", ops->bind_port(ctx->pstate, socktype,
                                                     addr, port, fd));
}

int hp_settings_get(hp_ctx *ctx, const char *key, char *buf, size_t len)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (!key || !hp_config_key_find(key) || !buf || !len)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_settings_get: '%s' is "
                          "not a key (the Settings > Advanced keys are "
                          "advanced.cli_location, advanced.docker_socket_link "
                          "and advanced.privileged_ports), or buf is empty",
                          key ? key : "(null)");
    char val[1024];
    hp_err e = HP_ERR_INIT;
    hp_settings_effective(ctx, key, val, sizeof val, NULL, &e);
    if (e.code != HP_OK)        /* an unreadable file is nothing recorded */
        hp_log(ctx, HP_LOG_WARN, "%s", e.msg);
    if (strlen(val) >= len)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_settings_get: %s is %zu "
                          "bytes, buf only %zu", key, strlen(val) + 1, len);
    snprintf(buf, len, "%s", val);
    return HP_OK;
}

int hp_settings_set(hp_ctx *ctx, const char *key, const char *value)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (!key || !value || !hp_config_key_find(key))
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_settings_set: '%s' is "
                          "not a key: the Settings > Advanced keys are "
                          "advanced.cli_location, advanced.docker_socket_link "
                          "and advanced.privileged_ports", key ? key : "");
    if (hp_config_locked(ctx->cfg, key))
        return hp_err_set(&ctx->err, HP_EDENIED, "%s is locked by the "
                          "administrator (%s)", key,
                          hp_config_origin(ctx->cfg, key));
    const hp_ops *ops = hp_api_ops(ctx);
    if (!ops)
        return ctx->err.code;
    if (!ops->settings_set)
        return hp_api_not_in_version(ctx, HP_TASK_SETTINGS, "settings set");
    return hp_api_result(ctx, "settings set",
                         ops->settings_set(ctx->pstate, key, value));
}

static int reset_fn(void *arg, hp_err *e)
{
    hp_ctx *c = arg;
    return hp_decision_clear(c->rootfd, c->home, e);
}

int hp_decisions_reset(hp_ctx *ctx)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (!ctx->user_known)
        return hp_err_set(&ctx->err, HP_ECONFIG, "host.user is not set: "
                          "name the app's user in the configuration");
    /* the user's own file, written with the user's rights */
    rc = hp_as_user(ctx->uid, ctx->gid, reset_fn, ctx, &ctx->err);
    return hp_api_result(ctx, "decisions reset", rc);
}
