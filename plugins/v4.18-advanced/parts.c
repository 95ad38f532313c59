/* The three parts the 4.18 settings govern, each as plan steps: the CLI
 * links (in /usr/local/bin or ~/.docker/bin), the /var/run/docker.sock
 * link with its startup task, and the privileged helper.  What a part
 * needs is read from the host (check), so a part already as the settings
 * want it costs nothing and asks nothing. */
#include "adv.h"

#include <stdio.h>

static int check(adv *a, int action)
{
    return a->api->check(a->h, action) == 1;
}

static const char *conf(adv *a, const char *key)
{
    return a->api->conf(a->h, key);
}

/* Root may write /usr/local/bin itself; the user when it is theirs. */
static int sys_bin_writable(adv *a)
{
    return adv_is_root(a) || a->api->user_can_write(a->h, ADV_SYS_BIN);
}

void adv_links_ensure(adv *a, const adv_settings *s, adv_plan *p)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/.docker/bin", adv_home(a));
    if (s->user_bin) {                                      /* B17 */
        if (check(a, HP_ACT_LINKS_USER_BIN))
            adv_skipped(a, HP_TASK_CLI_LINKS, dir, "already-applied");
        else
            adv_plan_add(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_USER_BIN,
                         HP_ROUTE_SELF, 0, 1, "link the CLI tools in %s",
                         dir);
        return;
    }
    if (check(a, HP_ACT_LINKS_SYSTEM))
        adv_skipped(a, HP_TASK_CLI_LINKS, ADV_SYS_BIN, "already-applied");
    else if (sys_bin_writable(a))
        adv_plan_add(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM, HP_ROUTE_SELF,
                     0, 1, "link the CLI tools in " ADV_SYS_BIN);
    else                                                    /* B16 */
        adv_plan_add(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM,
                     HP_ROUTE_ELEVATE, 1, 1, "create symlinks to the Docker "
                     "CLI tools (%s) in " ADV_SYS_BIN ", which only an "
                     "administrator can write; they point to %s",
                     conf(a, "host.cli_tools"), conf(a, "host.app_bin_dir"));
}

void adv_links_remove(adv *a, int user_bin, adv_plan *p)
{
    if (user_bin) {
        if (check(a, HP_ACT_LINKS_USER_REMOVE))
            adv_plan_add(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_USER_REMOVE,
                         HP_ROUTE_SELF, 0, 0, "remove the CLI links from "
                         "%s/.docker/bin", adv_home(a));
        return;
    }
    if (!check(a, HP_ACT_LINKS_SYSTEM_REMOVE))
        return;
    int w = sys_bin_writable(a);
    adv_plan_add(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM_REMOVE,
                 w ? HP_ROUTE_SELF : HP_ROUTE_ELEVATE, !w, 0, "remove the "
                 "CLI symlinks Docker Desktop made in " ADV_SYS_BIN " (links "
                 "it did not make are left)");
}

void adv_socket_ensure(adv *a, adv_plan *p)
{
    if (check(a, HP_ACT_SOCKET_LINK)) {
        adv_skipped(a, HP_TASK_DOCKER_SOCKET, ADV_SOCK, "already-applied");
        return;
    }
    adv_plan_add(p, HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK,
                 HP_ROUTE_ELEVATE, 1, 1, "link " ADV_SOCK " to "
                 "%s/.docker/run/docker.sock and set up the startup task %s "
                 "(%s) that recreates the link after a restart, since "
                 "/var/run is wiped then", adv_home(a), conf(a, "boot.label"),
                 conf(a, "boot.service_file"));
}

void adv_socket_remove(adv *a, adv_plan *p)
{
    if (check(a, HP_ACT_SOCKET_LINK_REMOVE))
        adv_plan_add(p, HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK_REMOVE,
                     HP_ROUTE_ELEVATE, 1, 0, "remove the " ADV_SOCK " link "
                     "and its startup task %s (%s)", conf(a, "boot.label"),
                     conf(a, "boot.service_file"));
}

void adv_helper_ensure(adv *a, adv_plan *p)
{
    if (check(a, HP_ACT_HELPER_INSTALL)) {
        adv_skipped(a, HP_TASK_HELPER, conf(a, "helper.path"),
                    "already-applied");
        return;
    }
    adv_plan_add(p, HP_TASK_HELPER, HP_ACT_HELPER_INSTALL, HP_ROUTE_ELEVATE,
                 1, 1, "install the privileged helper %s (%s, run by the "
                 "service manager from %s): it stays running, binds ports "
                 "below 1024 for containers and caches the Registry Access "
                 "Management policy", conf(a, "helper.label"),
                 conf(a, "helper.path"), conf(a, "helper.service_file"));
}

void adv_helper_remove(adv *a, adv_plan *p)
{
    if (!check(a, HP_ACT_HELPER_UNINSTALL))
        return;
    if (!adv_is_root(a) && check(a, HP_ACT_HELPER_START))  /* B44 */
        adv_plan_add(p, HP_TASK_HELPER, HP_ACT_HELPER_UNINSTALL,
                     HP_ROUTE_HELPER, 0, 0, "the privileged helper %s "
                     "uninstalls itself", conf(a, "helper.label"));
    else                                                    /* B45 */
        adv_plan_add(p, HP_TASK_HELPER, HP_ACT_HELPER_UNINSTALL,
                     HP_ROUTE_ELEVATE, 1, 0, "remove the privileged helper "
                     "%s: unload it, delete %s and %s",
                     conf(a, "helper.label"), conf(a, "helper.service_file"),
                     conf(a, "helper.path"));
}

void adv_docker_host_hint(adv *a, const char *why)      /* B26, B27 */
{
    a->api->notice(a->h, ADV_SOCK " is not linked (%s): set "
                   "DOCKER_HOST=unix://%s/.docker/run/docker.sock in the "
                   "clients that need it (the docker CLI itself uses its "
                   "current context, desktop-linux, set when Docker Desktop "
                   "starts)", why, adv_home(a));
}

void adv_say_off(adv *a, const adv_settings *s)
{
    const char *home = adv_home(a);
    if (s->user_bin)                                        /* B17 */
        a->api->notice(a->h, "the Docker CLI tools are linked in "
                       "%s/.docker/bin (advanced.cli_location = user): add it "
                       "to your PATH yourself, e.g. export "
                       "PATH=\"$HOME/.docker/bin:$PATH\" in your shell "
                       "profile; hostpriv does not edit it", home);
    if (!s->socket) {
        adv_skipped(a, HP_TASK_DOCKER_SOCKET, ADV_SOCK, "disabled");
        adv_docker_host_hint(a, "advanced.docker_socket_link = false");
    }
    if (!s->ports) {
        adv_skipped(a, HP_TASK_HELPER, conf(a, "helper.path"), "disabled");
        a->api->notice(a->h, "privileged port mapping is off "
                       "(advanced.privileged_ports = false): containers "
                       "cannot publish ports below 1024; turn it on in "
                       "Settings > Advanced");
    }
}
