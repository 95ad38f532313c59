/* `hostpriv status`: per task whether it is applied and where, the helper,
 * the recorded decisions and, for a version with Settings > Advanced, the
 * user's settings; text or (--json) one JSON document.  A version may
 * describe a task itself (hp_plugin.status_task): a part its settings
 * turn off, a task that is the user's responsibility. */
#include <stdio.h>
#include <string.h>

#include "actions/actions.h"
#include "actions/settings.h"
#include "host/decisions.h"
#include "engine/config.h"
#include "engine/events.h"
#include "helper/hclient.h"
#include "engine/loader.h"
#include "ops.h"
#include "taskstate.h"

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

static const char *const ADVANCED[3] = { "advanced.cli_location",
                                         "advanced.docker_socket_link",
                                         "advanced.privileged_ports" };

/* The user's 4.18 settings: the window's choice, each advanced.* value
 * with where it comes from.  Only for a version with Settings > Advanced. */
static void print_settings(hp_ctx *c, int json)
{
    char choice[32] = "", val[64];
    hp_err e = HP_ERR_INIT;
    if (hp_settings_recorded(c, "window.choice", choice, sizeof choice,
                             &e) < 0)
        fprintf(stderr, "hostpriv status: warning: %s\n", e.msg);
    if (json) {
        printf(",\"settings\":{\"choice\":");
        jstr(choice);
    } else if (*choice) {
        printf("settings: %s (chosen at the installation window)\n", choice);
    } else {
        printf("settings: not chosen yet (the installation window comes at "
               "the next start)\n");
    }
    for (int i = 0; i < 3; i++) {
        const char *origin = "";
        int locked = hp_config_locked(c->cfg, ADVANCED[i]);
        hp_settings_effective(c, ADVANCED[i], val, sizeof val, &origin, NULL);
        if (json) {
            printf(",");
            jstr(ADVANCED[i]);
            printf(":{\"value\":");
            jstr(val);
            printf(",\"origin\":");
            jstr(origin);
            printf(",\"locked\":%s}", locked ? "true" : "false");
        } else {
            printf("  %-28s %-7s (%s%s)\n", ADVANCED[i], val, origin,
                   locked ? ", locked" : "");
        }
    }
    if (json)
        printf("}");
}

static int has_settings(hp_ctx *c)
{
    const hp_ops *ops = hp_cli_ops(c);
    return ops && ops->settings_set;
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
        printf(":{\"state\":");
        jstr(t[i].state);
        printf(",\"path\":");
        jstr(t[i].path);
        printf(",\"via\":");
        jstr(t[i].via);
        printf("}");
    }
    printf("}");
    if (has_settings(c))
        print_settings(c, 1);
    printf(",\"decisions\":{");
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
           "clients use ~/.docker/run/docker.sock)\n");
    if (has_settings(c))
        print_settings(c, 0);
    printf("tasks:\n");
    for (int i = 0; i < n; i++)
        printf("  %-14s %-19s %s%s%s\n", t[i].task, t[i].state, t[i].path,
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
    /* what the version says while it looks (events, warnings) goes to
     * the event log and stderr: stdout is the one JSON document */
    int json = c->json;
    c->json = 0;
    task_state t[HP_CLI_TASKS];
    int n = hp_cli_task_states(c, t);
    int inst = hp_action_check(c, HP_ACT_HELPER_INSTALL, NULL) == 1;
    int running = hp_helper_alive(c);
    char how[512] = "";
    const hp_ops *ops = hp_cli_ops(c);
    if (ops && ops->status)
        ops->status(c->pstate, how, sizeof how);
    c->json = json;
    if (cli->opts.json)
        print_json(c, t, n, inst, running, how);
    else
        print_text(c, t, n, inst, running, how);
    hp_ctx_close(c);
    return 0;
}

const hp_cli_cmd hp_cmd_status = {
    "status", "status",
    "per task: applied or not, where, via what; the helper; the 4.18 "
    "settings; recorded decisions", run
};
