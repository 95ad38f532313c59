/* Shared pre-4.18 flows that go through the privileged helper: privileged
 * ports, the policy cache, and removal. */
#include "pre418.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void port_detail(char *out, size_t n, int socktype, const char *addr,
                        int port)
{
    snprintf(out, n, "%s %s:%d", socktype == HP_SOCK_UDP ? "UDP" : "TCP",
             addr, port);
}

static int bound(pre418 *p, int via, int socktype, const char *addr, int port)
{
    char d[128];
    port_detail(d, sizeof d, socktype, addr, port);
    p->api->event(p->h, HP_EV_DONE, HP_TASK_PRIVILEGED_PORT, via, "", d);
    return HP_OK;
}

static int bind_failed(pre418 *p, int err, int socktype, const char *addr,
                       int port)
{
    char d[256];
    port_detail(d, sizeof d, socktype, addr, port);
    size_t l = strlen(d);
    snprintf(d + l, sizeof d - l, ": %s", strerror(err));
    p->api->event(p->h, HP_EV_FAILED, HP_TASK_PRIVILEGED_PORT, HP_VIA_NONE,
                  "", d);
    p->api->notice(p->h, "cannot bind %s", d);
    return HP_EFAIL;
}

/* 4.15: the helper is not running; ask to run it under the service
 * manager, then bind through it (B31).  Declined or timed out: the
 * documented error (B32, B33). */
static int bind_on_demand(pre418 *p, int socktype, const char *addr, int port,
                          int *fd)
{
    const hp_host_api *a = p->api;
    char msg[1024];
    snprintf(msg, sizeof msg,
             "Binding %s port %d on %s needs the privileged helper %s (%s). "
             "Docker Desktop will run it as root under the service manager "
             "(%s); it then stays running and only binds privileged ports "
             "and caches the Registry Access Management policy.",
             socktype == HP_SOCK_UDP ? "UDP" : "TCP", port, addr,
             a->conf(p->h, "helper.label"), a->conf(p->h, "helper.path"),
             a->conf(p->h, "helper.service_file"));
    int rc = pre418_ask(p, HP_TASK_HELPER, msg);
    if (rc != HP_OK)            /* declined, or nobody could be asked */
        return a->port_unavailable(p->h, socktype, addr, port, rc);
    rc = a->run(p->h, HP_TASK_HELPER, HP_ACT_HELPER_START, HP_ROUTE_ELEVATE,
                NULL, 0);
    if (rc != HP_OK)
        return a->port_unavailable(p->h, socktype, addr, port,
                                   rc == HP_EDENIED ? HP_EDENIED : HP_EUNAVAIL);
    rc = a->helper_bind(p->h, socktype, addr, port, fd);
    if (rc == HP_OK)
        return bound(p, HP_VIA_HELPER, socktype, addr, port);
    if (rc == HP_EUNAVAIL)
        return a->port_unavailable(p->h, socktype, addr, port, HP_EUNAVAIL);
    return rc;
}

int pre418_bind(pre418 *p, int socktype, const char *addr, int port, int *fd)
{
    const hp_host_api *a = p->api;
    int rc = a->bind_direct(p->h, socktype, addr, port, fd);   /* B29 */
    if (rc == 0)
        return bound(p, pre418_is_root(p) ? HP_VIA_INSTALLER : HP_VIA_USER,
                     socktype, addr, port);
    if (rc != -EACCES || pre418_is_root(p))
        return bind_failed(p, -rc, socktype, addr, port);
    rc = a->helper_bind(p->h, socktype, addr, port, fd);        /* B30 */
    if (rc == HP_OK)
        return bound(p, HP_VIA_HELPER, socktype, addr, port);
    if (rc != HP_EUNAVAIL)
        return rc;
    if (p->helper_on_demand)
        return bind_on_demand(p, socktype, addr, port, fd);
    /* legacy: the helper should be there since the first launch */
    return a->port_unavailable(p->h, socktype, addr, port, HP_EUNAVAIL);
}

/* Route for a root-only request: the helper where it runs and serves it,
 * else elevation after a prompt (4.15), else the helper (legacy). */
static int helper_or_elevate(pre418 *p, int task, int action,
                             const char *msg, const char *data, size_t len)
{
    const hp_host_api *a = p->api;
    if (pre418_is_root(p))
        return a->run(p->h, task, action, HP_ROUTE_SELF, data, len);
    if (!p->helper_on_demand || a->check(p->h, HP_ACT_HELPER_START) == 1)
        return a->run(p->h, task, action, HP_ROUTE_HELPER, data, len);
    int rc = pre418_require(p, action, HP_ROUTE_ELEVATE);
    if (rc == HP_OK)
        rc = pre418_ask(p, task, msg);
    return rc != HP_OK ? rc
                       : a->run(p->h, task, action, HP_ROUTE_ELEVATE, data,
                                len);
}

int pre418_policy(pre418 *p, const char *json)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to cache the Registry Access Management "
             "policy in %s, owned by root and read-only for you.",
             p->api->conf(p->h, "policy.cache_file"));
    return helper_or_elevate(p, HP_TASK_POLICY, HP_ACT_POLICY_SET, msg, json,
                             strlen(json));
}

int pre418_helper_uninstall(pre418 *p)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to remove the privileged helper: unload "
             "%s, then delete %s and %s.", p->api->conf(p->h, "helper.label"),
             p->api->conf(p->h, "helper.service_file"),
             p->api->conf(p->h, "helper.path"));
    return helper_or_elevate(p, HP_TASK_HELPER, HP_ACT_HELPER_UNINSTALL, msg,
                             NULL, 0);
}

int pre418_uninstall(pre418 *p)
{
    const hp_host_api *a = p->api;
    if (pre418_is_root(p))          /* root's and the user's changes */
        return a->run(p->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL,
                      HP_ROUTE_SELF, NULL, 0);
    int rc = HP_OK;
    if (a->check(p->h, HP_ACT_UNINSTALL) == 1) {    /* root made changes */
        const char *msg = "Docker Desktop needs to undo what it set up as "
                          "root: the privileged helper and its service file, "
                          "CLI links, the docker.sock link and its startup "
                          "task, its /etc/hosts block, the policy cache.";
        if (!p->helper_on_demand && a->check(p->h, HP_ACT_HELPER_START) == 1)
            rc = a->run(p->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL,
                        HP_ROUTE_HELPER, NULL, 0);
        else if ((rc = pre418_ask(p, HP_TASK_UNINSTALL, msg)) == HP_OK)
            rc = a->run(p->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL,
                        HP_ROUTE_ELEVATE, NULL, 0);
        if (p->unanswered)      /* nobody answered: the user's side waits */
            return rc;
    }
    int rc2 = a->run(p->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL, HP_ROUTE_SELF,
                     NULL, 0);
    return rc != HP_OK ? rc : rc2;
}
