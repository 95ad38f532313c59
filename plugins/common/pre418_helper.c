/* Shared pre-4.18 flows that go through the privileged helper: privileged
 * ports, the policy cache, and removal. */
#include "pre418.h"
#include "portrange.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bound(pre418 *p, int via, int socktype, const char *addr,
                 const int *ports, size_t n)
{
    char d[160];
    prange_text(d, sizeof d, socktype, addr, ports, n);
    p->api->event(p->h, HP_EV_DONE, HP_TASK_PRIVILEGED_PORT, via, "", d);
    return HP_OK;
}

static int bind_failed(pre418 *p, int err, int socktype, const char *addr,
                       int port)
{
    char d[256];
    prange_text(d, sizeof d, socktype, addr, &port, 1);
    size_t l = strlen(d);
    snprintf(d + l, sizeof d - l, ": %s", strerror(err));
    p->api->event(p->h, HP_EV_FAILED, HP_TASK_PRIVILEGED_PORT, HP_VIA_NONE,
                  "", d);
    p->api->notice(p->h, "cannot bind %s", d);
    return HP_EFAIL;
}

/* The ports need[0..m) through the helper, which the caller knows is
 * not answering (4.15): ask to run it under the service manager, then
 * bind through it (B31).  Declined or timed out: the documented error
 * (B32, B33). */
static int bind_on_demand(pre418 *p, int socktype, const char *addr,
                          const int *ports, int *fds, const size_t *need,
                          size_t m)
{
    const hp_host_api *a = p->api;
    int first = ports[need[0]];
    char msg[1024], list[160] = "";
    if (m > 1)
        prange_text_of(list, sizeof list, socktype, addr, ports, need, m);
    char *colon = strrchr(list, ':');
    if (m > 1 && colon)
        snprintf(msg, sizeof msg, "Binding %s ports %s on %s needs",
                 socktype == HP_SOCK_UDP ? "UDP" : "TCP", colon + 1, addr);
    else
        snprintf(msg, sizeof msg, "Binding %s port %d on %s needs",
                 socktype == HP_SOCK_UDP ? "UDP" : "TCP", first, addr);
    size_t l = strlen(msg);
    snprintf(msg + l, sizeof msg - l,
             " the privileged helper %s (%s). "
             "Docker Desktop will run it as root under the service manager "
             "(%s); it then stays running and only binds privileged ports "
             "and caches the Registry Access Management policy.",
             a->conf(p->h, "helper.label"), a->conf(p->h, "helper.path"),
             a->conf(p->h, "helper.service_file"));
    int rc = pre418_ask(p, HP_TASK_HELPER, msg);
    if (rc != HP_OK)            /* declined, or nobody could be asked */
        return a->port_unavailable(p->h, socktype, addr, first, rc);
    rc = a->run(p->h, HP_TASK_HELPER, HP_ACT_HELPER_START, HP_ROUTE_ELEVATE,
                NULL, 0);
    if (rc != HP_OK)
        return a->port_unavailable(p->h, socktype, addr, first,
                                   rc == HP_EDENIED ? HP_EDENIED : HP_EUNAVAIL);
    rc = prange_helper(a, p->h, socktype, addr, ports, fds, need, m);
    if (rc == HP_EUNAVAIL)
        return a->port_unavailable(p->h, socktype, addr, first, HP_EUNAVAIL);
    return rc;
}

/* The ports this process could not bind (need[0..m), a user's EACCES)
 * through the helper (B30), started on demand in 4.15 (B31). */
static int through_helper(pre418 *p, int socktype, const char *addr,
                          const int *ports, int *fds, const size_t *need,
                          size_t m)
{
    const hp_host_api *a = p->api;
    int rc = prange_helper(a, p->h, socktype, addr, ports, fds, need, m);
    if (rc != HP_EUNAVAIL)
        return rc;
    if (p->helper_on_demand)
        return bind_on_demand(p, socktype, addr, ports, fds, need, m);
    /* legacy: the helper should be there since the first launch */
    return a->port_unavailable(p->h, socktype, addr, ports[need[0]],
                               HP_EUNAVAIL);
}

/* done: one event for the ports bound directly, one for those the helper
 * bound (each run folded: "TCP 127.0.0.1:8000-8099"). */
static void bound_all(pre418 *p, int socktype, const char *addr,
                      const int *ports, size_t n, const size_t *need,
                      size_t m)
{
    int *mine = malloc(n * sizeof *mine), *helped = malloc(n * sizeof *helped);
    size_t nm = 0, nh = 0;
    for (size_t i = 0, k = 0; mine && helped && i < n; i++) {
        if (k < m && need[k] == i) {
            helped[nh++] = ports[i];
            k++;
        } else {
            mine[nm++] = ports[i];
        }
    }
    if (nm)
        bound(p, pre418_is_root(p) ? HP_VIA_INSTALLER : HP_VIA_USER,
              socktype, addr, mine, nm);
    if (nh)
        bound(p, HP_VIA_HELPER, socktype, addr, helped, nh);
    free(mine);
    free(helped);
}

int pre418_bind_ports(pre418 *p, int socktype, const char *addr,
                      const int *ports, size_t n, int *fds)
{
    size_t *need = malloc(n * sizeof *need), m = 0, bad = 0;
    if (!need)
        return HP_EINTERNAL;
    int rc = prange_direct(p->api, p->h, pre418_is_root(p), socktype, addr,
                           ports, n, fds, need, &m, &bad);      /* B29 */
    if (rc != 0) {
        free(need);
        return bind_failed(p, -rc, socktype, addr, ports[bad]);
    }
    rc = m ? through_helper(p, socktype, addr, ports, fds, need, m) : HP_OK;
    if (rc == HP_OK)
        bound_all(p, socktype, addr, ports, n, need, m);
    else
        prange_close(fds, n);       /* all or nothing */
    free(need);
    return rc;
}

int pre418_bind(pre418 *p, int socktype, const char *addr, int port, int *fd)
{
    return pre418_bind_ports(p, socktype, addr, &port, 1, fd);
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
