/* Each task's state, as `status` shows it: the version's own view where
 * it has one (hp_plugin.status_task: a part its settings turn off, a task
 * that is the user's responsibility), else whether the action's change is
 * on disk. */
#include <stdio.h>
#include <string.h>
#include "actions/actions.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "taskstate.h"

static void set_state(task_state *t, int applied)
{
    snprintf(t->state, sizeof t->state, "%s",
             applied ? "applied" : "not-applied");
}

static void links_state(hp_ctx *c, task_state *t)
{
    t->via[0] = '\0';
    if (hp_action_check(c, HP_ACT_LINKS_SYSTEM, NULL) == 1) {
        set_state(t, 1);
        hp_action_path(c, HP_ACT_LINKS_SYSTEM, t->path, sizeof t->path);
    } else if (hp_action_check(c, HP_ACT_LINKS_USER, NULL) == 1) {
        set_state(t, 1);
        snprintf(t->via, sizeof t->via, "user");
        hp_action_path(c, HP_ACT_LINKS_USER, t->path, sizeof t->path);
    } else {
        set_state(t, 0);
        hp_action_path(c, HP_ACT_LINKS_SYSTEM, t->path, sizeof t->path);
    }
}

/* The version's own view of a task; 0 when it has none. */
static int plugin_state(hp_ctx *c, task_state *t, int task)
{
    hp_task_status ts;
    memset(&ts, 0, sizeof ts);
    if (!c->active || !c->active->desc.status_task ||
        c->active->desc.status_task(c->pstate, task, &ts) != HP_OK)
        return 0;
    snprintf(t->state, sizeof t->state, "%s", ts.state);
    snprintf(t->path, sizeof t->path, "%s", ts.path);
    snprintf(t->via, sizeof t->via, "%s", ts.via);
    return 1;
}

/* Task `task` into t; the helper only when the version describes it (the
 * helper line covers it otherwise).  Returns 1 when t was filled. */
static int one(hp_ctx *c, task_state *t, int task, int action)
{
    t->task = hp_task_name(task);
    if (plugin_state(c, t, task))
        return 1;
    if (task == HP_TASK_HELPER)
        return 0;
    if (task == HP_TASK_CLI_LINKS) {
        links_state(c, t);
        return 1;
    }
    t->via[0] = '\0';
    set_state(t, hp_action_check(c, action, NULL) == 1);
    hp_action_path(c, action, t->path, sizeof t->path);
    return 1;
}

int hp_cli_task_states(hp_ctx *c, task_state t[HP_CLI_TASKS])
{
    static const struct { int task, action; } want[HP_CLI_TASKS] = {
        { HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM },
        { HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK },
        { HP_TASK_HELPER, HP_ACT_HELPER_INSTALL },
        { HP_TASK_HOSTS, HP_ACT_HOSTS_ENSURE },
        { HP_TASK_POLICY, HP_ACT_POLICY_SET },
    };
    int n = 0;
    for (size_t i = 0; i < HP_CLI_TASKS; i++)
        n += one(c, &t[n], want[i].task, want[i].action);
    return n;
}
