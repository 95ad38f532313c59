/* v4.18-advanced: Docker Desktop for Mac 4.18 and later.
 *
 * The first launch shows the installation window: default settings (one
 * grant of privileged access) or advanced settings (B3, B4).  The user's
 * choice is recorded in their settings file; what it needs from root is
 * asked for once (B5) and applied by elevation; Settings > Advanced
 * (`settings set`) changes it later (B6, B28).  The CLI links go in
 * /usr/local/bin or ~/.docker/bin without a profile edit (B15-B17); the
 * docker.sock link and its startup task only when chosen (B24-B26);
 * privileged port mapping installs the permanent helper, which binds ports
 * and caches the policy (B28, B44).  The hosts file is the user's (B34).
 *
 * This file: the descriptor, the state, and the ops that are one part
 * each; the flows are launch.c, change.c, ports.c, status.c. */
#include "adv.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host services this plugin needs beyond ABI 1.0. */
#define API_NEEDED (offsetof(hp_host_api, conf_locked) + \
                    sizeof(((hp_host_api *)0)->conf_locked))

static int adv_init(const hp_host_api *api, hp_host *h, void **st)
{
    if (api->struct_size < API_NEEDED) {
        api->notice(h, "v4.18-advanced needs the settings host services of "
                    "plugin ABI 1.1; this core has an older table: use a "
                    "core built with this plugin");
        return HP_ECONFIG;
    }
    adv *a = calloc(1, sizeof *a);
    if (!a)
        return HP_EINTERNAL;
    a->api = api;
    a->h = h;
    *st = a;
    return HP_OK;
}

static void adv_fini(void *st) { free(st); }

int adv_is_root(const adv *a)
{
    return a->api->role(a->h) != HP_ROLE_USER;
}

const char *adv_home(const adv *a)
{
    return a->api->conf(a->h, "host.home");
}

void adv_skipped(adv *a, int task, const char *path, const char *why)
{
    a->api->event(a->h, HP_EV_SKIPPED, task, HP_VIA_NONE, path, why);
}

void adv_settings_read(adv *a, adv_settings *s)
{
    const hp_host_api *api = a->api;
    s->user_bin = !strcmp(api->settings_get(a->h, "advanced.cli_location"),
                          "user");
    s->socket = !strcmp(api->settings_get(a->h, "advanced.docker_socket_link"),
                        "true");
    s->ports = !strcmp(api->settings_get(a->h, "advanced.privileged_ports"),
                       "true");
}

/* A part a setting turns off, asked for by name: the setting says no. */
static int off(adv *a, int task, const char *path, const char *key)
{
    adv_skipped(a, task, path, "disabled");
    a->api->notice(a->h, "%s is off in Settings > Advanced: turn it on there "
                   "(hostpriv settings set %s true)", key, key);
    return HP_EDENIED;
}

static int one_part(adv *a, adv_plan *p, int task)
{
    return adv_plan_run(a, p, task, ADV_ALL_OR_NOTHING,
                        "for this change");
}

static int links_install(void *st)
{
    adv *a = st;
    adv_settings s;
    adv_plan p = { .n = 0 };
    adv_settings_read(a, &s);
    adv_links_ensure(a, &s, &p);
    int rc = one_part(a, &p, HP_TASK_CLI_LINKS);
    if (rc == HP_OK && s.user_bin) {
        adv_settings said = { .user_bin = 1, .socket = 1, .ports = 1 };
        adv_say_off(a, &said);
    }
    return rc;
}

static int links_remove(void *st)
{
    adv *a = st;
    adv_plan p = { .n = 0 };
    adv_links_remove(a, 1, &p);
    adv_links_remove(a, 0, &p);
    return one_part(a, &p, HP_TASK_CLI_LINKS);
}

static int socket_install(void *st)
{
    adv *a = st;
    adv_settings s;
    adv_settings_read(a, &s);
    if (!s.socket)
        return off(a, HP_TASK_DOCKER_SOCKET, ADV_SOCK,
                   "advanced.docker_socket_link");
    adv_plan p = { .n = 0 };
    adv_socket_ensure(a, &p);
    return one_part(a, &p, HP_TASK_DOCKER_SOCKET);
}

static int socket_remove(void *st)
{
    adv *a = st;
    adv_plan p = { .n = 0 };
    adv_socket_remove(a, &p);
    return one_part(a, &p, HP_TASK_DOCKER_SOCKET);
}

static int helper_install(void *st)
{
    adv *a = st;
    adv_settings s;
    adv_settings_read(a, &s);
    if (!s.ports && !adv_is_root(a))
        return off(a, HP_TASK_HELPER, a->api->conf(a->h, "helper.path"),
                   "advanced.privileged_ports");
    adv_plan p = { .n = 0 };
    adv_helper_ensure(a, &p);
    return one_part(a, &p, HP_TASK_HELPER);
}

static int helper_uninstall(void *st)
{
    adv *a = st;
    if (adv_is_root(a))     /* also the helper removing itself (B44) */
        return a->api->run(a->h, HP_TASK_HELPER, HP_ACT_HELPER_UNINSTALL,
                           HP_ROUTE_SELF, NULL, 0);
    adv_plan p = { .n = 0 };
    adv_helper_remove(a, &p);
    return one_part(a, &p, HP_TASK_HELPER);
}

static int boot(void *st)
{
    adv *a = st;
    if (!adv_is_root(a)) {
        a->api->notice(a->h, "the boot task runs as root, from the service "
                       "manager; run it as root");
        return HP_EDENIED;
    }
    return a->api->run(a->h, HP_TASK_DOCKER_SOCKET, HP_ACT_BOOT,
                       HP_ROUTE_SELF, NULL, 0);
}

/* B34: the app never edits the hosts file; root (an installer) may. */
static int hosts_ensure(void *st)
{
    adv *a = st;
    if (adv_is_root(a))
        return a->api->run(a->h, HP_TASK_HOSTS, HP_ACT_HOSTS_ENSURE,
                           HP_ROUTE_SELF, NULL, 0);
    if (adv_hosts_check(a)) {
        adv_skipped(a, HP_TASK_HOSTS, a->api->conf(a->h, "host.hosts_file"),
                    "already-applied");
        return HP_OK;
    }
    return HP_EFAIL;
}

/* Everything this version made: root's journal (helper, system links,
 * socket link and startup task) by elevation after one prompt, then the
 * user's (links in ~/.docker/bin, the settings file). */
static int uninstall(void *st)
{
    adv *a = st;
    const hp_host_api *api = a->api;
    if (adv_is_root(a))
        return api->run(a->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL,
                        HP_ROUTE_SELF, NULL, 0);
    int rc = HP_OK;
    if (api->check(a->h, HP_ACT_UNINSTALL) == 1) {
        const char *msg = "Docker Desktop needs your password to undo what "
                          "it set up as root: the privileged helper and its "
                          "service file, the CLI links in /usr/local/bin, the "
                          "/var/run/docker.sock link and its startup task, "
                          "the policy cache.";
        rc = api->prompt(a->h, HP_TASK_UNINSTALL, msg) == HP_PROMPT_GRANTED
                 ? api->run(a->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL,
                            HP_ROUTE_ELEVATE, NULL, 0)
                 : HP_EDENIED;
    }
    if (rc != HP_OK)        /* the user's side stays with root's */
        return rc;
    return api->run(a->h, HP_TASK_UNINSTALL, HP_ACT_UNINSTALL, HP_ROUTE_SELF,
                    NULL, 0);
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "v4.18-advanced",
    .description = "Docker Desktop for Mac 4.18 and later: installation "
                   "window (default or advanced settings), one "
                   "authorization, Settings > Advanced (CLI location, "
                   "socket link, privileged ports)",
    .version_min = "4.18",
    .version_max = NULL,
    .versions_text = ">= 4.18",
    /* the permanent helper of privileged port mapping: ports, the policy
     * cache, and its own removal */
    .helper_serves = HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT) |
                     HP_TASK_BIT(HP_TASK_POLICY) |
                     HP_TASK_BIT(HP_TASK_HELPER),
    .init = adv_init,
    .fini = adv_fini,
    .ops = {
        .launch = adv_launch,
        .install = adv_install,
        .links_install = links_install,
        .links_remove = links_remove,
        .socket_link_install = socket_install,
        .socket_link_remove = socket_remove,
        .boot = boot,
        .bind_port = adv_bind,
        .hosts_ensure = hosts_ensure,
        .policy_set = adv_policy,
        .settings_set = adv_settings_set,
        .helper_install = helper_install,
        .helper_uninstall = helper_uninstall,
        .uninstall = uninstall,
        .status = adv_status,
    },
    .status_task = adv_status_task,
    .bind_ports = adv_bind_ports,
};
