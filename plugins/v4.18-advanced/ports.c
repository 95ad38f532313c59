/* Privileged ports and the policy cache in 4.18.  With privileged port
 * mapping on, the helper was installed at the authorization and stays:
 * a bind is tried directly first, then through it, and it caches the
 * policy.  With it off there is no helper: a port the OS refuses is not
 * available (no prompt), and the policy is cached by elevation after a
 * `policy` prompt. */
#include "adv.h"
#include "../common/portrange.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bound(adv *a, int via, int socktype, const char *addr,
                 const int *ports, const size_t *idx, size_t n)
{
    char d[160];
    prange_text_of(d, sizeof d, socktype, addr, ports, idx, n);
    a->api->event(a->h, HP_EV_DONE, HP_TASK_PRIVILEGED_PORT, via, "", d);
    return HP_OK;
}

static int failed(adv *a, int code, const char *msg)
{
    a->api->event(a->h, HP_EV_FAILED, HP_TASK_PRIVILEGED_PORT, HP_VIA_NONE,
                  "", msg);
    a->api->notice(a->h, "%s", msg);
    return code;
}

/* advanced.privileged_ports = false: no prompt, the setting named. */
static int mapping_off(adv *a, int socktype, const char *addr,
                       const int *ports, const size_t *need, size_t m)
{
    char p[160], msg[512];
    prange_text_of(p, sizeof p, socktype, addr, ports, need, m);
    snprintf(msg, sizeof msg, "Ports are not available: exposing port %s -> "
             "0.0.0.0:0: privileged port mapping is off "
             "(advanced.privileged_ports = false): turn it on in Settings > "
             "Advanced (hostpriv settings set advanced.privileged_ports "
             "true)", p);
    return failed(a, HP_EDENIED, msg);
}

/* done: one event for the ports bound directly, one for the helper's. */
static void bound_all(adv *a, int socktype, const char *addr,
                      const int *ports, size_t n, const size_t *need,
                      size_t m)
{
    size_t *mine = malloc(n * sizeof *mine), nm = 0;
    for (size_t i = 0, k = 0; mine && i < n; i++) {
        if (k < m && need[k] == i)
            k++;
        else
            mine[nm++] = i;
    }
    if (nm)
        bound(a, adv_is_root(a) ? HP_VIA_INSTALLER : HP_VIA_USER, socktype,
              addr, ports, mine, nm);
    if (m)
        bound(a, HP_VIA_HELPER, socktype, addr, ports, need, m);
    free(mine);
}

/* The ports refused to this user (need[0..m)) through the permanent
 * helper of privileged port mapping. */
static int through_helper(adv *a, int socktype, const char *addr,
                          const int *ports, int *fds, const size_t *need,
                          size_t m)
{
    const hp_host_api *api = a->api;
    if (strcmp(api->settings_get(a->h, "advanced.privileged_ports"), "true"))
        return mapping_off(a, socktype, addr, ports, need, m);
    int rc = prange_helper(api, a->h, socktype, addr, ports, fds, need, m);
    if (rc != HP_EUNAVAIL)
        return rc;
    int first = ports[need[0]];
    if (api->check(a->h, HP_ACT_HELPER_INSTALL) != 1) {
        /* the authorization was declined or failed: start asks again */
        api->notice(a->h, "the privileged helper %s is not installed: the "
                    "next `hostpriv start` asks for the authorization again",
                    api->conf(a->h, "helper.label"));
        return api->port_unavailable(a->h, socktype, addr, first,
                                     HP_EDENIED);
    }
    return api->port_unavailable(a->h, socktype, addr, first, HP_EUNAVAIL);
}

int adv_bind_ports(void *st, int socktype, const char *addr,
                   const int *ports, size_t n, int *fds)
{
    adv *a = st;
    size_t *need = malloc(n * sizeof *need), m = 0, bad = 0;
    if (!need)
        return HP_EINTERNAL;
    int rc = prange_direct(a->api, a->h, adv_is_root(a), socktype, addr,
                           ports, n, fds, need, &m, &bad);
    if (rc != 0) {
        char p[160], msg[256];
        prange_text(p, sizeof p, socktype, addr, &ports[bad], 1);
        snprintf(msg, sizeof msg, "cannot bind %s: %s", p, strerror(-rc));
        free(need);
        return failed(a, HP_EFAIL, msg);
    }
    rc = m ? through_helper(a, socktype, addr, ports, fds, need, m) : HP_OK;
    if (rc == HP_OK)
        bound_all(a, socktype, addr, ports, n, need, m);
    else
        prange_close(fds, n);       /* all or nothing */
    free(need);
    return rc;
}

int adv_bind(void *st, int socktype, const char *addr, int port, int *fd)
{
    return adv_bind_ports(st, socktype, addr, &port, 1, fd);
}

int adv_policy(void *st, const char *json)
{
    adv *a = st;
    const hp_host_api *api = a->api;
    size_t len = strlen(json);
    if (adv_is_root(a))
        return api->run(a->h, HP_TASK_POLICY, HP_ACT_POLICY_SET,
                        HP_ROUTE_SELF, json, len);
    if (api->check(a->h, HP_ACT_HELPER_START) == 1)         /* B44 */
        return api->run(a->h, HP_TASK_POLICY, HP_ACT_POLICY_SET,
                        HP_ROUTE_HELPER, json, len);
    char msg[512];
    snprintf(msg, sizeof msg, "Docker Desktop needs to cache the Registry "
             "Access Management policy in %s, owned by root and read-only "
             "for you (there is no privileged helper to do it: privileged "
             "port mapping is off or its helper is not running).",
             api->conf(a->h, "policy.cache_file"));
    if (api->prompt(a->h, HP_TASK_POLICY, msg) != HP_PROMPT_GRANTED)
        return HP_EDENIED;
    return api->run(a->h, HP_TASK_POLICY, HP_ACT_POLICY_SET,
                    HP_ROUTE_ELEVATE, json, len);
}
