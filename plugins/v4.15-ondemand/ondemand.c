/* v4.15-ondemand: Docker Desktop for Mac 4.15 to 4.17.
 *
 * No privileged process runs permanently (B7).  Each configuration that
 * needs root is prompted for with what it will do (B8), applied once by
 * elevation and not asked again (B9).  The helper is started, under the
 * service manager, only to bind privileged ports (B10, B31) and then also
 * caches the registry policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hostpriv/plugin.h>
#include "../common/pre418.h"

static int od_init(const hp_host_api *api, hp_host *h, void **st)
{
    pre418 *p = calloc(1, sizeof *p);
    if (!p)
        return HP_EINTERNAL;
    p->api = api;
    p->h = h;
    p->route = HP_ROUTE_ELEVATE;
    p->helper_on_demand = 1;
    *st = p;
    return HP_OK;
}

static void od_fini(void *st) { free(st); }

static int od_launch(void *st)
{
    pre418 *p = st;
    int rc = pre418_require_launch(p);
    return rc != HP_OK ? rc : pre418_launch_tasks(p);
}

/* `helper install` in this version means: run it under the service manager
 * now, as the port flow would. */
static int od_helper_install(void *st)
{
    pre418 *p = st;
    const hp_host_api *a = p->api;
    int rc = pre418_require(p, HP_ACT_HELPER_START, HP_ROUTE_ELEVATE);
    if (rc != HP_OK)
        return rc;
    if (a->check(p->h, HP_ACT_HELPER_START) == 1) {
        a->event(p->h, HP_EV_SKIPPED, HP_TASK_HELPER, HP_VIA_NONE,
                 a->conf(p->h, "helper.path"), "already-applied");
        return HP_OK;
    }
    if (pre418_is_root(p))
        return a->run(p->h, HP_TASK_HELPER, HP_ACT_HELPER_START,
                      HP_ROUTE_SELF, NULL, 0);
    char msg[512];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to run its privileged helper %s (%s) "
             "under the service manager; it only binds privileged ports and "
             "caches the registry policy.", a->conf(p->h, "helper.label"),
             a->conf(p->h, "helper.path"));
    rc = pre418_ask(p, HP_TASK_HELPER, msg);
    return rc != HP_OK ? rc : a->run(p->h, HP_TASK_HELPER,
                                     HP_ACT_HELPER_START, HP_ROUTE_ELEVATE,
                                     NULL, 0);
}

static int od_links_install(void *st) { return pre418_links(st); }
static int od_links_remove(void *st) { return pre418_links_remove(st); }
static int od_socket_install(void *st) { return pre418_socket(st); }
static int od_socket_remove(void *st) { return pre418_socket_remove(st); }
static int od_install(void *st, const char *user)
{
    /* no helper: 4.15 starts it only when a port needs it (B7, B10) */
    return pre418_install(st, user, NULL);
}
static int od_boot(void *st) { return pre418_boot(st); }
static int od_hosts(void *st) { return pre418_hosts(st); }
static int od_uninstall(void *st) { return pre418_uninstall(st); }
static int od_helper_uninstall(void *st) { return pre418_helper_uninstall(st); }
static int od_policy(void *st, const char *json)
{
    return pre418_policy(st, json);
}
static int od_bind(void *st, int socktype, const char *addr, int port, int *fd)
{
    return pre418_bind(st, socktype, addr, port, fd);
}

static int od_bind_ports(void *st, int socktype, const char *addr,
                         const int *ports, size_t n, int *fds)
{
    return pre418_bind_ports(st, socktype, addr, ports, n, fds);
}

static int od_status(void *st, char *buf, size_t len)
{
    (void)st;
    snprintf(buf, len, "no permanent privileged process: each task is "
             "prompted for and applied once by elevation; the helper is "
             "started only for privileged ports (and then caches the policy)");
    return HP_OK;
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "v4.15-ondemand",
    .description = "Docker Desktop for Mac 4.15 to 4.17: privileges asked "
                   "for per task when needed; helper only for ports",
    .version_min = "4.15",
    .version_max = "4.18",
    .versions_text = "4.15 - 4.17.x",
    .helper_serves = HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT) |
                     HP_TASK_BIT(HP_TASK_POLICY),
    .init = od_init,
    .fini = od_fini,
    .ops = {
        .launch = od_launch,
        .install = od_install,
        .links_install = od_links_install,
        .links_remove = od_links_remove,
        .socket_link_install = od_socket_install,
        .socket_link_remove = od_socket_remove,
        .boot = od_boot,
        .bind_port = od_bind,
        .hosts_ensure = od_hosts,
        .policy_set = od_policy,
        .settings_set = NULL,
        .helper_install = od_helper_install,
        .helper_uninstall = od_helper_uninstall,
        .uninstall = od_uninstall,
        .status = od_status,
    },
    .bind_ports = od_bind_ports,
};
