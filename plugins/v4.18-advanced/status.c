/* `hostpriv status` for 4.18: the way this version works given the user's
 * settings, each part's state (a part the settings turn off is
 * "disabled", the hosts file is the user's responsibility), and the same
 * hosts warning the launch gives. */
#include "adv.h"

#include <stdio.h>
#include <string.h>

int adv_status(void *st, char *buf, size_t len)
{
    adv *a = st;
    adv_settings s;
    adv_settings_read(a, &s);
    const char *choice = a->api->settings_recorded(a->h, "window.choice");
    char c[16];
    snprintf(c, sizeof c, "%s", choice ? choice : "");
    snprintf(buf, len, "%s%s%s; CLI tools in %s, %s, privileged ports %s; "
             "the hosts file is the user's to keep right",
             *c ? c : "installation window not answered yet",
             *c ? " settings chosen at the installation window" : "",
             *c ? "" : " (it comes at the next start)",
             s.user_bin ? "~/.docker/bin (the user puts it on PATH)"
                        : ADV_SYS_BIN,
             s.socket ? "docker.sock linked with a startup task"
                      : "no docker.sock link (DOCKER_HOST)",
             s.ports ? "through the permanent helper" : "off (no helper)");
    if (s.user_bin)
        a->api->notice(a->h, "the CLI tools are in %s/.docker/bin: it must "
                       "be on your PATH (hostpriv does not edit your shell "
                       "profile)", adv_home(a));
    adv_hosts_check(a);
    return HP_OK;
}

static void fill(adv *a, hp_task_status *out, int on, int action,
                 const char *path, const char *applied)
{
    int there = a->api->check(a->h, action) == 1;
    const char *via = a->api->settings_recorded(a->h, applied);
    snprintf(out->state, sizeof out->state, "%s",
             there ? "applied" : on ? "not-applied" : "disabled");
    snprintf(out->path, sizeof out->path, "%s", path);
    snprintf(out->via, sizeof out->via, "%s", there && via ? via : "");
}

int adv_status_task(void *st, int task, hp_task_status *out)
{
    adv *a = st;
    adv_settings s;
    char path[4096];
    adv_settings_read(a, &s);
    switch (task) {
    case HP_TASK_CLI_LINKS:
        if (s.user_bin) {
            snprintf(path, sizeof path, "%s/.docker/bin", adv_home(a));
            fill(a, out, 1, HP_ACT_LINKS_USER_BIN, path, "applied.cli-links");
        } else {
            fill(a, out, 1, HP_ACT_LINKS_SYSTEM, ADV_SYS_BIN,
                 "applied.cli-links");
        }
        return HP_OK;
    case HP_TASK_DOCKER_SOCKET:
        fill(a, out, s.socket, HP_ACT_SOCKET_LINK, ADV_SOCK,
             "applied.docker-socket");
        return HP_OK;
    case HP_TASK_HELPER:
        fill(a, out, s.ports, HP_ACT_HELPER_INSTALL,
             a->api->conf(a->h, "helper.path"), "applied.helper");
        return HP_OK;
    case HP_TASK_HOSTS:
        snprintf(out->state, sizeof out->state, "user-responsibility");
        snprintf(out->path, sizeof out->path, "%s",
                 a->api->conf(a->h, "host.hosts_file"));
        out->via[0] = '\0';
        return HP_OK;
    default:
        return HP_ENOTSUP;
    }
}
