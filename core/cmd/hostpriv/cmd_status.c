/* `hostpriv status`: per task whether it is applied and where, the helper,
 * and the recorded decisions; text or (--json) one JSON document. */
#include <stdio.h>
#include <string.h>

#include "actions/actions.h"
#include "host/decisions.h"
#include "engine/events.h"
#include "helper/hclient.h"
#include "engine/loader.h"
#include "ops.h"

typedef struct task_state {
    const char *task;
    int applied;
    char path[PATH_MAX];
    const char *via;            /* "user" when the user's side did it */
} task_state;

static void links_state(hp_ctx *c, task_state *t)
{
    t->task = "cli-links";
    t->via = "";
    if (hp_action_check(c, HP_ACT_LINKS_SYSTEM, NULL) == 1) {
        t->applied = 1;
        hp_action_path(c, HP_ACT_LINKS_SYSTEM, t->path, sizeof t->path);
    } else if (hp_action_check(c, HP_ACT_LINKS_USER, NULL) == 1) {
        t->applied = 1;
        t->via = "user";
        hp_action_path(c, HP_ACT_LINKS_USER, t->path, sizeof t->path);
    } else {
        hp_action_path(c, HP_ACT_LINKS_SYSTEM, t->path, sizeof t->path);
    }
}

static void one(hp_ctx *c, task_state *t, const char *task, int action)
{
    t->task = task;
    t->via = "";
    t->applied = hp_action_check(c, action, NULL) == 1;
    hp_action_path(c, action, t->path, sizeof t->path);
}

static void jstr(const char *s)
{
    char buf[PATH_MAX * 2];
    hp_json_escape(buf, sizeof buf, s ? s : "");
    printf("\"%s\"", buf);
}

struct dec { int n; int json; };

static void print_decision(void *arg, const char *key, const char *val)
{
    struct dec *d = arg;
    if (d->json) {
        printf("%s", d->n++ ? "," : "");
        jstr(key);
        printf(":");
        jstr(val);
    } else {
        printf("  %s = %s\n", key, val);
        d->n++;
    }
}

static void print_json(hp_ctx *c, task_state *t, int n, int inst, int run,
                       const char *how)
{
    hp_err e = HP_ERR_INIT;
    printf("{\"plugin\":");
    jstr(c->active ? c->active->desc.name : "");
    printf(",\"version\":");
    jstr(hp_ctx_version(c));
    printf(",\"how\":");
    jstr(how);
    printf(",\"context\":\"desktop-linux\",\"helper\":{\"installed\":%s,"
           "\"running\":%s,\"socket\":", inst ? "true" : "false",
           run ? "true" : "false");
    jstr(hp_conf(c, "helper.socket"));
    printf("},\"tasks\":{");
    for (int i = 0; i < n; i++) {
        printf("%s", i ? "," : "");
        jstr(t[i].task);
        printf(":{\"state\":\"%s\",\"path\":",
               t[i].applied ? "applied" : "not-applied");
        jstr(t[i].path);
        printf(",\"via\":");
        jstr(t[i].via);
        printf("}");
    }
    printf("},\"decisions\":{");
    struct dec d = { 0, 1 };
    if (c->user_known)
        hp_decision_each(c->rootfd, c->home, print_decision, &d, &e);
    printf("}}\n");
}

static void print_text(hp_ctx *c, task_state *t, int n, int inst, int run,
                       const char *how)
{
    hp_err e = HP_ERR_INIT;
    printf("plugin:  %s (version %s)\n",
           c->active ? c->active->desc.name : "(none)", hp_ctx_version(c));
    if (*how)
        printf("how:     %s\n", how);
    printf("helper:  %s, %s (%s)\n", inst ? "installed" : "not installed",
           run ? "running" : "not running", hp_conf(c, "helper.socket"));
    printf("context: desktop-linux (the docker CLI's context; DOCKER_HOST "
           "clients use ~/.docker/run/docker.sock)\ntasks:\n");
    for (int i = 0; i < n; i++)
        printf("  %-14s %-12s %s%s%s\n", t[i].task,
               t[i].applied ? "applied" : "not applied", t[i].path,
               *t[i].via ? " via " : "", t[i].via);
    printf("decisions:\n");
    struct dec d = { 0, 0 };
    if (c->user_known)
        hp_decision_each(c->rootfd, c->home, print_decision, &d, &e);
    if (d.n == 0)
        printf("  (none recorded)\n");
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_status))
        return 0;
    if (cli->argc > 0)
        return hp_cli_usage(&hp_cmd_status, "takes no arguments");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    task_state t[4];
    links_state(c, &t[0]);
    one(c, &t[1], "docker-socket", HP_ACT_SOCKET_LINK);
    one(c, &t[2], "hosts", HP_ACT_HOSTS_ENSURE);
    one(c, &t[3], "policy", HP_ACT_POLICY_SET);
    int inst = hp_action_check(c, HP_ACT_HELPER_INSTALL, NULL) == 1;
    int running = hp_helper_alive(c);
    char how[512] = "";
    const hp_ops *ops = hp_cli_ops(c);
    if (ops && ops->status)
        ops->status(c->pstate, how, sizeof how);
    if (cli->opts.json)
        print_json(c, t, 4, inst, running, how);
    else
        print_text(c, t, 4, inst, running, how);
    hp_ctx_close(c);
    return 0;
}

const hp_cli_cmd hp_cmd_status = {
    "status", "status",
    "per task: applied or not, where, via what; the helper; recorded "
    "decisions", run
};
