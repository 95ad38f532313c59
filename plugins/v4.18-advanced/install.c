/* `install --user NAME` for 4.18 (B37-B40), run as root after the core's
 * part (the record of the one account served, a previous helper removed):
 * the installation window's answer is given for the user (their own
 * recorded choice stands; else default settings, or advanced settings
 * when root's configuration sets advanced.* values that differ from the
 * defaults), written into their settings file with their rights; then
 * what those settings need is applied as root, and localhost is made to
 * resolve (the command-line install does that in every version from
 * 4.11), so the user's first launch shows no window and asks nothing. */
#include "adv.h"

#include <stdio.h>
#include <string.h>

static const char *const KEYS[3] = { "advanced.cli_location",
                                     "advanced.docker_socket_link",
                                     "advanced.privileged_ports" };
static const char *const DEFAULTS[3] = { "system", "true", "true" };

static int install_bare(adv *a)
{
    a->api->notice(a->h, "install without --user does not perform the "
                   "privileged configuration; nothing was changed.  The "
                   "user's first launch (hostpriv start) shows the "
                   "installation window; hostpriv install --user NAME "
                   "applies it now for that account");
    adv_skipped(a, HP_TASK_HELPER, "", "not-in-this-version");
    return HP_ENOTSUP;
}

/* The window's answer, unless the user gave one already. */
static int choose(adv *a)
{
    const hp_host_api *api = a->api;
    if (api->settings_recorded(a->h, "window.choice"))
        return HP_OK;
    char vals[3][16];
    int dflt = 1;
    for (int i = 0; i < 3; i++) {
        snprintf(vals[i], sizeof vals[i], "%s",
                 api->settings_get(a->h, KEYS[i]));
        dflt &= strcmp(vals[i], DEFAULTS[i]) == 0;
    }
    const char *kv[8] = {
        "window.choice", dflt ? "default" : "advanced",
        KEYS[0], vals[0], KEYS[1], vals[1], KEYS[2], vals[2],
    };
    return api->settings_record(a->h, kv, 4);
}

/* B40: root may edit the hosts file (the app itself never does, B34). */
static int hosts(adv *a)
{
    const hp_host_api *api = a->api;
    if (api->check(a->h, HP_ACT_HOSTS_ENSURE) == 1) {
        adv_skipped(a, HP_TASK_HOSTS, api->conf(a->h, "host.hosts_file"),
                    "already-applied");
        return HP_OK;
    }
    return api->run(a->h, HP_TASK_HOSTS, HP_ACT_HOSTS_ENSURE, HP_ROUTE_SELF,
                    NULL, 0);
}

int adv_install(void *st, const char *user)
{
    adv *a = st;
    if (!user)
        return install_bare(a);
    if (!adv_is_root(a)) {
        a->api->notice(a->h, "install --user runs as root");
        return HP_EDENIED;
    }
    int rc = choose(a);
    if (rc != HP_OK)
        return rc;
    adv_settings s;
    adv_settings_read(a, &s);
    adv_plan p = { .n = 0 };
    adv_links_ensure(a, &s, &p);                            /* B39 */
    if (s.socket)
        adv_socket_ensure(a, &p);
    if (s.ports)
        adv_helper_ensure(a, &p);
    rc = adv_plan_run(a, &p, HP_TASK_SETTINGS, ADV_PARTIAL,
                      "to apply the settings");
    int rc2 = hosts(a);
    return rc != HP_OK ? rc : rc2;
}
