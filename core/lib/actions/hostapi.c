/* The host-services table handed to plugins: thin adapters from the SDK's
 * hp_host view onto the core modules, so a plugin links against nothing of
 * the core and every version reaches the host through the same code. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "hostapi.h"
#include "actions.h"
#include "dryrun.h"
#include "engine/ctx.h"
#include "host/decisions.h"
#include "settings.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "helper/hclient.h"
#include "host/identity.h"
#include "host/portlist.h"
#include "host/ports.h"
#include "auth/prompt.h"
#include "host/safepath.h"
#include "auth/elevate.h"

static void api_log(hp_host *h, int level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hp_log(hp_ctx_of(h), level, "%s", buf);
}

static void api_notice(hp_host *h, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hp_notice(hp_ctx_of(h), "%s", buf);
}

static void api_event(hp_host *h, int kind, int task, int via,
                      const char *path, const char *detail)
{
    hp_event(hp_ctx_of(h), kind, task, via, path, detail);
}

static const char *api_conf(hp_host *h, const char *key)
{
    if (strcmp(key, "host.home") == 0)      /* resolved, never empty */
        return hp_ctx_of(h)->home;
    return hp_conf(hp_ctx_of(h), key);
}

static int api_conf_bool(hp_host *h, const char *key)
{
    return hp_conf_bool(hp_ctx_of(h), key);
}

static long api_conf_int(hp_host *h, const char *key)
{
    return hp_conf_int(hp_ctx_of(h), key);
}

static int api_role(hp_host *h) { return hp_ctx_of(h)->role; }

static const char *api_app_version(hp_host *h)
{
    return hp_ctx_version(hp_ctx_of(h));
}

/* Before plugin ABI 1.2 granted was 0 and declined 1: a plugin built then
 * gets the answer in the values it was compiled with. */
static int api_prompt(hp_host *h, int task, const char *message)
{
    hp_ctx *c = hp_ctx_of(h);
    int r = hp_prompt_ask(c, task, message);
    if (c->active && c->active->desc.abi_minor < 2 &&
        (r == HP_PROMPT_GRANTED || r == HP_PROMPT_DECLINED))
        return r == HP_PROMPT_GRANTED ? 0 : 1;
    return r;
}

/* Decisions are the user's state: read and written with the user's rights
 * (a root role goes through hp_as_user). */
static _Thread_local char decision_buf[256];

static const char *api_decision_get(hp_host *h, const char *key)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    if (!c->user_known)
        return NULL;
    int r = hp_decision_get(c->rootfd, c->home, key, decision_buf,
                            sizeof decision_buf, &e);
    return r == 1 ? decision_buf : NULL;
}

struct dset { hp_ctx *c; const char *key, *value; };

static int dset_fn(void *arg, hp_err *e)
{
    struct dset *d = arg;
    return hp_decision_set(d->c->rootfd, d->c->home, d->key, d->value, e);
}

/* The first decision may create ~/.docker and ~/.docker/hostpriv: they
 * are journaled (hp_act_user_state). */
static int api_decision_set(hp_host *h, const char *key, const char *value)
{
    hp_ctx *c = hp_ctx_of(h);
    /* a prompt nobody saw is no answer: nothing of this run is recorded,
     * whatever a plugin makes of it */
    if (c->prompt_unavailable)
        return hp_err_set(&c->err, HP_EUNAVAIL, "%s not recorded: a prompt "
                          "of this run could not be shown", key);
    if (!c->user_known)
        return hp_err_set(&c->err, HP_ECONFIG, "host.user is not set");
    if (c->dry_run)             /* a root install records no decision */
        return HP_OK;
    struct dset d = { c, key, value };
    return hp_act_user_state(c, dset_fn, &d, &c->err);
}

static int api_check(hp_host *h, int action)
{
    hp_err e = HP_ERR_INIT;
    return hp_action_check(hp_ctx_of(h), action, &e);
}

static int api_user_can_write(hp_host *h, const char *hpath)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    int fd;
    if (!c->user_known || hp_sp_open_dir(c->rootfd, hpath, &fd, &e) != HP_OK)
        return 0;       /* missing: creating it needs root */
    int r = hp_sp_uid_can_write(fd, c->uid, c->gid);
    close(fd);
    return r;
}

static int api_run(hp_host *h, int task, int action, int route,
                   const char *data, size_t len)
{
    return hp_run(hp_ctx_of(h), task, action, route, data, len);
}

static int api_bind_direct(hp_host *h, int socktype, const char *addr,
                           int port, int *fd)
{
    hp_ctx *c = hp_ctx_of(h);
    int rc = hp_bind_socket(socktype, addr, port, fd, &c->err);
    c->bound.fd = rc == 0 ? *fd : -1;
    c->bound.socktype = socktype;
    c->bound.port = port;
    if (rc == 0 && c->nbound_many < c->bound_many_max)
        c->bound_many[c->nbound_many++] = (struct hp_bound){ *fd, socktype,
                                                            port };
    return rc;
}

/* The helper answered and refused (a port in use, outside helper.ports):
 * the user is told why, with a `failed` event; a helper that does not
 * answer is the plugin's to report (the documented "Ports are not
 * available" text). */
static int helper_refused(hp_ctx *c, int rc, int socktype, const char *addr,
                          const char *ports)
{
    if (rc == HP_OK || rc == HP_EUNAVAIL)
        return rc;
    char d[1024];
    int v6 = strchr(addr, ':') != NULL;
    snprintf(d, sizeof d, "%s %s%s%s:%s: the helper refused: %s",
             socktype == HP_SOCK_UDP ? "UDP" : "TCP", v6 ? "[" : "", addr,
             v6 ? "]" : "", ports, c->err.msg);
    hp_event(c, HP_EV_FAILED, HP_TASK_PRIVILEGED_PORT, HP_VIA_HELPER, "", d);
    hp_notice(c, "cannot bind %s", d);
    c->err.code = rc;
    return rc;
}

static int api_helper_bind(hp_host *h, int socktype, const char *addr,
                           int port, int *fd)
{
    hp_ctx *c = hp_ctx_of(h);
    char pbuf[16];
    snprintf(pbuf, sizeof pbuf, "%d", port);
    const char *args[3] = { socktype == HP_SOCK_UDP ? "udp" : "tcp", addr,
                            pbuf };
    int rc = hp_helper_call(c, "bind_port", args, 3, NULL, 0, fd, &c->err);
    if (rc == HP_OK && *fd < 0)
        rc = hp_err_set(&c->err, HP_EINTERNAL,
                        "the helper answered bind_port without a socket");
    return helper_refused(c, rc, socktype, addr, pbuf);
}

static int api_helper_bind_ports(hp_host *h, int socktype, const char *addr,
                                 const int *ports, size_t n, int *fds)
{
    hp_ctx *c = hp_ctx_of(h);
    char list[HP_PORTS_MAX * 7];
    hp_err e = HP_ERR_INIT;
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    if (socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP)
        return hp_err_set(&c->err, HP_EUSAGE, "helper_bind_ports: socket "
                          "type %d: only HP_SOCK_TCP and HP_SOCK_UDP",
                          socktype);
    if (hp_portlist_valid(ports, n, &e) != HP_OK ||
        hp_portlist_text(ports, n, list, sizeof list) != 0)
        return hp_err_set(&c->err, HP_EUSAGE, "helper_bind_ports: %s", e.msg);
    const char *args[3] = { socktype == HP_SOCK_UDP ? "udp" : "tcp", addr,
                            list };
    int rc = hp_helper_call_fds(c, "bind_ports", args, 3, fds, n, &c->err);
    return helper_refused(c, rc, socktype, addr, list);
}

static int api_port_unavailable(hp_host *h, int socktype, const char *addr,
                                int port, int code)
{
    hp_ctx *c = hp_ctx_of(h);
    char msg[1024];
    hp_port_unavailable_msg(msg, sizeof msg, socktype, addr, port,
                            hp_conf(c, "helper.socket"));
    hp_event(c, HP_EV_FAILED, HP_TASK_PRIVILEGED_PORT, HP_VIA_NONE, "", msg);
    hp_notice(c, "%s", msg);
    hp_err_set(&c->err, code, "%s", msg);
    return code;
}

static int api_require(hp_host *h, int action, int route)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    int rc = hp_action_require(c, action, route, &e);
    if (rc == HP_OK)
        return HP_OK;
    char path[PATH_MAX];
    hp_action_path(c, action, path, sizeof path);
    hp_event(c, HP_EV_FAILED, hp_action_task(action), HP_VIA_NONE, path,
             e.msg);
    hp_notice(c, "%s", e.msg);
    c->err = e;
    return rc;
}

/* The 4.18 settings (settings.h).  One buffer per getter: a plugin copies
 * what it keeps. */
static _Thread_local char setting_buf[2][32];

static const char *api_settings_recorded(hp_host *h, const char *key)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    int r = hp_settings_recorded(c, key, setting_buf[0],
                                 sizeof setting_buf[0], &e);
    if (r < 0)
        hp_log(c, HP_LOG_WARN, "%s", e.msg);
    return r == 1 ? setting_buf[0] : NULL;
}

static const char *api_settings_get(hp_host *h, const char *key)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    hp_settings_effective(c, key, setting_buf[1], sizeof setting_buf[1], NULL,
                          &e);
    if (e.code != HP_OK)
        hp_log(c, HP_LOG_WARN, "%s", e.msg);
    return setting_buf[1];
}

static int api_settings_record(hp_host *h, const char *const *kv,
                               size_t npairs)
{
    hp_ctx *c = hp_ctx_of(h);
    hp_err e = HP_ERR_INIT;
    if (c->dry_run) {
        hp_dry_settings(c, kv, npairs);
        return HP_OK;
    }
    int rc = hp_settings_record(c, kv, npairs, &e);
    if (rc != HP_OK) {
        hp_notice(c, "%s", e.msg);
        c->err = e;
    }
    return rc;
}

static int api_conf_locked(hp_host *h, const char *key)
{
    return hp_config_locked(hp_ctx_of(h)->cfg, key);
}

static const hp_host_api api = {
    .version = HP_HOST_API_VERSION,
    .struct_size = sizeof(hp_host_api),
    .log = api_log,
    .notice = api_notice,
    .event = api_event,
    .conf = api_conf,
    .conf_bool = api_conf_bool,
    .conf_int = api_conf_int,
    .role = api_role,
    .app_version = api_app_version,
    .prompt = api_prompt,
    .decision_get = api_decision_get,
    .decision_set = api_decision_set,
    .check = api_check,
    .user_can_write = api_user_can_write,
    .run = api_run,
    .bind_direct = api_bind_direct,
    .helper_bind = api_helper_bind,
    .port_unavailable = api_port_unavailable,
    .require = api_require,
    .settings_recorded = api_settings_recorded,
    .settings_get = api_settings_get,
    .settings_record = api_settings_record,
    .conf_locked = api_conf_locked,
    .helper_bind_ports = api_helper_bind_ports,
};

const hp_host_api *hp_host_api_get(void) { return &api; }

int hp_ctx_open(hp_ctx **out, const hp_open_opts *opts, hp_err *e)
{
    return hp_engine_open(out, opts, &api, e);
}
