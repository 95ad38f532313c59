/* legacy-vmnetd: Docker Desktop for Mac before 4.15.
 *
 * Root is granted once, at first run, by installing the com.docker.vmnetd
 * privileged helper service (B11); later runs need no root (B12); every
 * privileged operation then goes through that permanent helper (B13). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hostpriv/plugin.h>
#include "../common/pre418.h"

static int legacy_init(const hp_host_api *api, hp_host *h, void **st)
{
    pre418 *p = calloc(1, sizeof *p);
    if (!p)
        return HP_EINTERNAL;
    p->api = api;
    p->h = h;
    p->route = HP_ROUTE_HELPER;
    p->helper_on_demand = 0;
    *st = p;
    return HP_OK;
}

static void legacy_fini(void *st) { free(st); }

/* B11: one admin prompt to install the helper service.  *declined: the
 * user said no (as opposed to root not being had). */
static int helper_install(pre418 *p, int *declined)
{
    const hp_host_api *a = p->api;
    *declined = 0;
    int rc = pre418_require(p, HP_ACT_HELPER_INSTALL, HP_ROUTE_ELEVATE);
    if (rc != HP_OK)
        return rc;
    if (a->check(p->h, HP_ACT_HELPER_INSTALL) == 1) {
        a->event(p->h, HP_EV_SKIPPED, HP_TASK_HELPER, HP_VIA_NONE,
                 a->conf(p->h, "helper.path"), "already-applied");
        return HP_OK;
    }
    if (pre418_is_root(p))
        return a->run(p->h, HP_TASK_HELPER, HP_ACT_HELPER_INSTALL,
                      HP_ROUTE_SELF, NULL, 0);
    char msg[1024];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to install its privileged helper service "
             "%s: the program %s, run by the service manager from %s. It "
             "performs the few tasks that need root (CLI links in "
             "/usr/local/bin, the /var/run/docker.sock link, /etc/hosts "
             "entries, privileged ports, the registry policy cache), so you "
             "are not asked for root again.",
             a->conf(p->h, "helper.label"), a->conf(p->h, "helper.path"),
             a->conf(p->h, "helper.service_file"));
    rc = pre418_ask(p, HP_TASK_HELPER, msg);
    *declined = rc == HP_EDENIED;
    if (rc == HP_OK)
        rc = a->run(p->h, HP_TASK_HELPER, HP_ACT_HELPER_INSTALL,
                    HP_ROUTE_ELEVATE, NULL, 0);
    if (rc != HP_OK && !p->unanswered)
        a->notice(p->h, "the privileged helper was not installed: "
                  "privileged tasks are unavailable (CLI links in "
                  "/usr/local/bin, /var/run/docker.sock, /etc/hosts, "
                  "privileged ports)");
    return rc;
}

static int legacy_helper_install(void *st)
{
    int declined;
    return helper_install(st, &declined);
}

static int legacy_launch(void *st)
{
    pre418 *p = st;
    int declined, rc = pre418_require(p, HP_ACT_HELPER_INSTALL,
                                      HP_ROUTE_ELEVATE);
    if (rc == HP_OK)
        rc = pre418_require_launch(p);
    if (rc != HP_OK)            /* checked before changing anything */
        return rc;
    rc = helper_install(p, &declined);
    if (rc == HP_OK)
        return pre418_launch_tasks(p);
    if (p->unanswered || pre418_is_root(p))
        return rc;
    /* declined, or granted without admin rights (the elevation failed):
     * nothing is installed as root, the CLI tools still go on PATH the
     * unprivileged way (B21; the decline alone is recorded, B22; B23 when
     * even that fails), and clients are told how to reach the socket
     * (B26).  The exit code is the helper's: declined 77, failed 1. */
    pre418_links_unprivileged(p, declined);
    pre418_socket_hint(p);
    return rc;
}

static int legacy_links_install(void *st) { return pre418_links(st); }
static int legacy_links_remove(void *st) { return pre418_links_remove(st); }
static int legacy_socket_install(void *st) { return pre418_socket(st); }
static int legacy_socket_remove(void *st) { return pre418_socket_remove(st); }
static int install_helper(pre418 *p)
{
    int declined;
    return helper_install(p, &declined);
}

static int legacy_install(void *st, const char *user)
{
    return pre418_install(st, user, install_helper);
}
static int legacy_boot(void *st) { return pre418_boot(st); }
static int legacy_hosts(void *st) { return pre418_hosts(st); }
static int legacy_uninstall(void *st) { return pre418_uninstall(st); }
static int legacy_helper_uninstall(void *st)
{
    return pre418_helper_uninstall(st);
}
static int legacy_policy(void *st, const char *json)
{
    return pre418_policy(st, json);
}
static int legacy_bind(void *st, int socktype, const char *addr, int port,
                       int *fd)
{
    return pre418_bind(st, socktype, addr, port, fd);
}

static int legacy_bind_ports(void *st, int socktype, const char *addr,
                             const int *ports, size_t n, int *fds)
{
    return pre418_bind_ports(st, socktype, addr, ports, n, fds);
}

static int legacy_status(void *st, char *buf, size_t len)
{
    (void)st;
    snprintf(buf, len, "root granted at first run by installing the "
             "permanent helper; every privileged operation goes through it");
    return HP_OK;
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "legacy-vmnetd",
    .description = "Docker Desktop for Mac before 4.15: the com.docker.vmnetd "
                   "helper is installed at first run and does all privileged "
                   "work",
    .version_min = NULL,
    .version_max = "4.15",
    .versions_text = "< 4.15",
    .helper_serves = HP_TASK_BIT(HP_TASK_HELPER) |
                     HP_TASK_BIT(HP_TASK_CLI_LINKS) |
                     HP_TASK_BIT(HP_TASK_DOCKER_SOCKET) |
                     HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT) |
                     HP_TASK_BIT(HP_TASK_HOSTS) | HP_TASK_BIT(HP_TASK_POLICY) |
                     HP_TASK_BIT(HP_TASK_UNINSTALL),
    .init = legacy_init,
    .fini = legacy_fini,
    .ops = {
        .launch = legacy_launch,
        .install = legacy_install,
        .links_install = legacy_links_install,
        .links_remove = legacy_links_remove,
        .socket_link_install = legacy_socket_install,
        .socket_link_remove = legacy_socket_remove,
        .boot = legacy_boot,
        .bind_port = legacy_bind,
        .hosts_ensure = legacy_hosts,
        .policy_set = legacy_policy,
        .settings_set = NULL,
        .helper_install = legacy_helper_install,
        .helper_uninstall = legacy_helper_uninstall,
        .uninstall = legacy_uninstall,
        .status = legacy_status,
    },
    .bind_ports = legacy_bind_ports,
};
