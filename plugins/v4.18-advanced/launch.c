/* The 4.18 launch: the installation window on a user's first launch (B3,
 * B4), then the chosen settings applied with at most one authorization
 * (B5), and the hosts file checked but never edited (B34). */
#include "adv.h"

#include <stdio.h>
#include <string.h>

static const char *const KEYS[3] = { "advanced.cli_location",
                                     "advanced.docker_socket_link",
                                     "advanced.privileged_ports" };

/* One line per choice, the advanced one with the values it would record. */
static void window_message(adv *a, char *msg, size_t n, const char *val[3])
{
    size_t k = (size_t)snprintf(msg, n,
        "Docker Desktop 4.18 installation: choose how it is set up. Default "
        "settings (works for most developers; needs one grant of privileged "
        "access): the CLI tools linked in " ADV_SYS_BIN ", " ADV_SOCK
        " linked to %s/.docker/run/docker.sock with its startup task, and "
        "privileged port mapping (the helper %s). Advanced settings (no "
        "privileged access needed unless they ask for it): CLI tools in %s, "
        "the " ADV_SOCK " link %s, privileged port mapping %s.",
        adv_home(a), a->api->conf(a->h, "helper.label"),
        strcmp(val[0], "user") == 0 ? "~/.docker/bin (you add it to PATH)"
                                    : ADV_SYS_BIN,
        strcmp(val[1], "true") == 0 ? "on" : "off",
        strcmp(val[2], "true") == 0 ? "on" : "off");
    for (int i = 0; i < 3 && k < n; i++)
        if (a->api->conf_locked(a->h, KEYS[i]))
            k += (size_t)snprintf(msg + k, n - k, " Your administrator set "
                                  "%s = %s.", KEYS[i], val[i]);
    if (k < n)
        snprintf(msg + k, n - k, " Yes: default settings. No: advanced "
                 "settings. Both can be changed later in Settings > "
                 "Advanced.");
}

static int window_unanswered(adv *a, int ans)
{
    if (ans == HP_PROMPT_TIMED_OUT) {
        a->api->notice(a->h, "the installation window timed out: nothing was "
                       "recorded or changed; it comes again at the next "
                       "launch");
        return HP_EDENIED;
    }
    a->api->notice(a->h, "the installation window could not be shown: "
                   "nothing was recorded or changed; it comes again at the "
                   "next launch");
    return HP_EUNAVAIL;
}

/* HP_OK once a choice is recorded (now or at an earlier launch). */
static int window(adv *a)
{
    const hp_host_api *api = a->api;
    if (adv_is_root(a) || api->settings_recorded(a->h, "window.choice"))
        return HP_OK;
    char vals[3][16], msg[2048];
    const char *val[3];
    for (int i = 0; i < 3; i++) {
        snprintf(vals[i], sizeof vals[i], "%s",
                 api->settings_get(a->h, KEYS[i]));
        val[i] = vals[i];
    }
    window_message(a, msg, sizeof msg, val);
    int ans = api->prompt(a->h, HP_TASK_SETTINGS, msg);
    if (ans != HP_PROMPT_GRANTED && ans != HP_PROMPT_DECLINED)
        return window_unanswered(a, ans);
    int dflt = ans == HP_PROMPT_GRANTED;
    const char *kv[8] = {
        "window.choice", dflt ? "default" : "advanced",
        KEYS[0], dflt ? "system" : val[0],
        KEYS[1], dflt ? "true" : val[1],
        KEYS[2], dflt ? "true" : val[2],
    };
    int rc = api->settings_record(a->h, kv, 4);
    if (rc != HP_OK)
        return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s" ADV_FILE, adv_home(a));
    api->event(a->h, HP_EV_DONE, HP_TASK_SETTINGS, HP_VIA_USER, path,
               dflt ? "default settings" : "advanced settings");
    return HP_OK;
}

int adv_hosts_check(adv *a)
{
    const hp_host_api *api = a->api;
    if (api->check(a->h, HP_ACT_HOSTS_ENSURE) == 1)
        return 1;
    const char *file = api->conf(a->h, "host.hosts_file");
    int k8s = api->conf_bool(a->h, "host.kubernetes");
    adv_skipped(a, HP_TASK_HOSTS, file, "user-responsibility");
    api->notice(a->h, "warning: %s does not make localhost%s resolve to "
                "127.0.0.1; from 4.18 on that is yours to ensure (Docker "
                "Desktop does not edit it): add \"127.0.0.1 localhost\"%s",
                file, k8s ? " and kubernetes.docker.internal" : "",
                k8s ? " and \"127.0.0.1 kubernetes.docker.internal\"" : "");
    return 0;
}

int adv_launch(void *st)
{
    adv *a = st;
    int rc = window(a);
    if (rc != HP_OK)
        return rc;
    adv_settings s;
    adv_settings_read(a, &s);
    adv_plan p = { .n = 0 };
    adv_links_ensure(a, &s, &p);
    if (s.socket)
        adv_socket_ensure(a, &p);
    if (s.ports)
        adv_helper_ensure(a, &p);
    rc = adv_plan_run(a, &p, HP_TASK_SETTINGS, ADV_PARTIAL,
                      "to apply the settings you chose");
    if (rc == HP_EDENIED)
        a->api->notice(a->h, "the next launch asks again; or change the "
                       "settings in Settings > Advanced (hostpriv settings "
                       "set KEY VALUE) so they need no privileged access");
    if (s.socket && a->api->check(a->h, HP_ACT_SOCKET_LINK) != 1)
        adv_docker_host_hint(a, "it was not authorized");
    adv_say_off(a, &s);
    adv_hosts_check(a);
    return rc;
}
