/* Check before changing: what the configuration must give an action before
 * a flow makes its first change.  A flow asks for every action it may run,
 * so a configuration error stops it with nothing on disk changed instead of
 * halfway (links made, then the socket refused for want of host.user). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "actions.h"
#include "auth/elevate.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/programs.h"
#include "host/safepath.h"

/* What of the user's home the action works in; NULL: it needs no user. */
static const char *user_part(int action)
{
    switch (action) {
    case HP_ACT_LINKS_USER: case HP_ACT_LINKS_USER_REMOVE:
        return "~/.docker/bin and the shell profile";
    case HP_ACT_SOCKET_LINK: case HP_ACT_SOCKET_LINK_REMOVE: case HP_ACT_BOOT:
        return "~/.docker/run/docker.sock, the link's target";
    default:
        return NULL;
    }
}

static int need_user(hp_ctx *c, int action, hp_err *e)
{
    const char *part = user_part(action);
    if (!part || c->user_known)
        return HP_OK;
    const char *task = hp_task_name(hp_action_task(action));
    return hp_err_set(e, HP_ECONFIG, "host.user is not set: %s works in the "
                      "app user's home (%s), and a root run has no invoking "
                      "user to take it from; nothing was changed.  Name the "
                      "user: `user = NAME` under [host] in "
                      "%s/hostpriv.ini, or --set host.user=NAME",
                      task && *task ? task : "this task", part,
                      hp_sysconf_dir(c));
}

/* The elevated route: elevate.command must split into a command line. */
static int need_elevation(hp_ctx *c, int action, hp_err *e)
{
    const char *task = hp_action_name(action);
    if (!task)
        return HP_OK;               /* never elevated: run says so */
    const char *cmd = hp_conf(c, "elevate.command");
    if (!cmd || !*cmd)
        cmd = hp_elevate_default(hp_conf(c, "host.platform"));
    char **argv = NULL;
    int rc = hp_elevate_argv(cmd, "/hostpriv", task, NULL, NULL, &argv, e);
    hp_argv_free(argv);
    if (rc == HP_OK)       /* what runs as root is the CLI, never the app */
        rc = hp_program_usable(c, "core.cli_program", hp_cli_program(c),
                               "elevation", e);
    return rc;
}

/* Root makes the hostpriv CLI the boot task: only a program root put
 * there. */
static int need_boot_program(hp_ctx *c, int action, int route, hp_err *e)
{
    if (action != HP_ACT_SOCKET_LINK || route != HP_ROUTE_SELF ||
        geteuid() != 0)
        return HP_OK;
    return hp_act_boot_program_ok(c, e);
}

int hp_action_require(hp_ctx *c, int action, int route, hp_err *e)
{
    if (action < 0 || action >= HP_ACT__COUNT)
        return hp_err_set(e, HP_EUSAGE, "unknown action %d", action);
    int rc = need_user(c, action, e);
    if (rc == HP_OK && route == HP_ROUTE_ELEVATE && geteuid() != 0)
        rc = need_elevation(c, action, e);
    if (rc == HP_OK)
        rc = need_boot_program(c, action, route, e);
    return rc;
}
