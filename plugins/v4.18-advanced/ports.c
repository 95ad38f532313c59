/* Privileged ports and the policy cache in 4.18.  With privileged port
 * mapping on, the helper was installed at the authorization and stays:
 * a bind is tried directly first, then through it, and it caches the
 * policy.  With it off there is no helper: a port the OS refuses is not
 * available (no prompt), and the policy is cached by elevation after a
 * `policy` prompt. */
#include "adv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void port_text(char *out, size_t n, int socktype, const char *addr,
                      int port)
{
    snprintf(out, n, "%s %s:%d", socktype == HP_SOCK_UDP ? "UDP" : "TCP",
             addr, port);
}

static int bound(adv *a, int via, int socktype, const char *addr, int port)
{
    char d[128];
    port_text(d, sizeof d, socktype, addr, port);
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
static int mapping_off(adv *a, int socktype, const char *addr, int port)
{
    char p[128], msg[512];
    port_text(p, sizeof p, socktype, addr, port);
    snprintf(msg, sizeof msg, "Ports are not available: exposing port %s -> "
             "0.0.0.0:0: privileged port mapping is off "
             "(advanced.privileged_ports = false): turn it on in Settings > "
             "Advanced (hostpriv settings set advanced.privileged_ports "
             "true)", p);
    return failed(a, HP_EDENIED, msg);
}

int adv_bind(void *st, int socktype, const char *addr, int port, int *fd)
{
    adv *a = st;
    const hp_host_api *api = a->api;
    int rc = api->bind_direct(a->h, socktype, addr, port, fd);
    if (rc == 0)
        return bound(a, adv_is_root(a) ? HP_VIA_INSTALLER : HP_VIA_USER,
                     socktype, addr, port);
    if (rc != -EACCES || adv_is_root(a)) {
        char p[128], msg[256];
        port_text(p, sizeof p, socktype, addr, port);
        snprintf(msg, sizeof msg, "cannot bind %s: %s", p, strerror(-rc));
        return failed(a, HP_EFAIL, msg);
    }
    if (strcmp(api->settings_get(a->h, "advanced.privileged_ports"), "true"))
        return mapping_off(a, socktype, addr, port);
    rc = api->helper_bind(a->h, socktype, addr, port, fd);
    if (rc == HP_OK)
        return bound(a, HP_VIA_HELPER, socktype, addr, port);
    if (rc != HP_EUNAVAIL)
        return rc;
    if (api->check(a->h, HP_ACT_HELPER_INSTALL) != 1) {
        /* the authorization was declined or failed: start asks again */
        api->notice(a->h, "the privileged helper %s is not installed: the "
                    "next `hostpriv start` asks for the authorization again",
                    api->conf(a->h, "helper.label"));
        return api->port_unavailable(a->h, socktype, addr, port, HP_EDENIED);
    }
    return api->port_unavailable(a->h, socktype, addr, port, HP_EUNAVAIL);
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
