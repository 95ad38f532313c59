/* What `hostpriv status` reports, collected once for the CLI and the
 * embedding API (status.h).  A version may describe a task itself
 * (hp_plugin.status_task): a part its settings turn off, a task that is the
 * user's responsibility; otherwise the core's own check says. */
#include "status.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "settings.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "helper/hclient.h"
#include "host/decisions.h"

static void set_state(hp_stat_task *t, int applied)
{
    snprintf(t->state, sizeof t->state, "%s",
             applied ? "applied" : "not-applied");
}

static void links_state(hp_ctx *c, hp_stat_task *t)
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
static int plugin_state(hp_ctx *c, hp_stat_task *t, int task)
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
 * helper fields cover it otherwise).  Returns 1 when t was filled. */
static int one(hp_ctx *c, hp_stat_task *t, int task, int action)
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

static const char *const ADVANCED[HP_STAT_SETTINGS] = {
    "advanced.cli_location", "advanced.docker_socket_link",
    "advanced.privileged_ports"
};

/* The user's 4.18 settings: the window's choice, each advanced.* value
 * with where it comes from. */
static void settings(hp_ctx *c, hp_stat *st)
{
    hp_err e = HP_ERR_INIT;
    if (hp_settings_recorded(c, "window.choice", st->choice,
                             sizeof st->choice, &e) < 0) {
        st->choice[0] = '\0';
        snprintf(st->warning, sizeof st->warning, "%s", e.msg);
    }
    for (size_t i = 0; i < HP_STAT_SETTINGS; i++) {
        hp_stat_setting *s = &st->settings[i];
        const char *origin = "";
        s->key = ADVANCED[i];
        s->locked = hp_config_locked(c->cfg, ADVANCED[i]);
        hp_settings_effective(c, ADVANCED[i], s->value, sizeof s->value,
                              &origin, NULL);
        snprintf(s->origin, sizeof s->origin, "%s", origin ? origin : "");
    }
    st->nsettings = HP_STAT_SETTINGS;
}

struct dec { hp_stat *st; size_t cap; int failed; };

static void add_decision(void *arg, const char *key, const char *val)
{
    struct dec *d = arg;
    hp_stat *st = d->st;
    if (d->failed)
        return;
    if (2 * st->ndec + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char **v = realloc(st->dec, cap * sizeof *v);
        if (!v) {
            d->failed = 1;
            return;
        }
        st->dec = v;
        d->cap = cap;
    }
    char *k = strdup(key), *v = strdup(val);
    if (!k || !v) {
        free(k);
        free(v);
        d->failed = 1;
        return;
    }
    st->dec[2 * st->ndec] = k;
    st->dec[2 * st->ndec + 1] = v;
    st->ndec++;
}

int hp_stat_collect(hp_ctx *c, hp_stat *st)
{
    static const struct { int task, action; } want[HP_STAT_TASKS] = {
        { HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM },
        { HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK },
        { HP_TASK_HELPER, HP_ACT_HELPER_INSTALL },
        { HP_TASK_HOSTS, HP_ACT_HOSTS_ENSURE },
        { HP_TASK_POLICY, HP_ACT_POLICY_SET },
    };
    memset(st, 0, sizeof *st);
    /* what the version says while it looks is not the status document */
    int json = c->json;
    c->json = 0;
    snprintf(st->plugin, sizeof st->plugin, "%s",
             c->active ? c->active->desc.name : "");
    snprintf(st->version, sizeof st->version, "%s", hp_ctx_version(c));
    for (size_t i = 0; i < HP_STAT_TASKS; i++)
        st->ntasks += one(c, &st->tasks[st->ntasks], want[i].task,
                          want[i].action);
    st->helper_installed = hp_action_check(c, HP_ACT_HELPER_INSTALL,
                                           NULL) == 1;
    st->helper_running = hp_helper_alive(c);
    snprintf(st->helper_socket, sizeof st->helper_socket, "%s",
             hp_conf(c, "helper.socket"));
    if (c->active && c->active->desc.ops.status)
        c->active->desc.ops.status(c->pstate, st->how, sizeof st->how);
    st->has_settings = c->active && c->active->desc.ops.settings_set;
    if (st->has_settings)
        settings(c, st);
    c->json = json;
    struct dec d = { st, 0, 0 };
    hp_err e = HP_ERR_INIT;
    if (c->user_known)
        hp_decision_each(c->rootfd, c->home, add_decision, &d, &e);
    return d.failed ? HP_EINTERNAL : HP_OK;
}

void hp_stat_free(hp_stat *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < 2 * st->ndec; i++)
        free(st->dec[i]);
    free(st->dec);
    st->dec = NULL;
    st->ndec = 0;
}

/* ---- JSON -------------------------------------------------------------- */

static void jstr(FILE *f, const char *s)
{
    char buf[PATH_MAX * 2];
    hp_json_escape(buf, sizeof buf, s ? s : "");
    fprintf(f, "\"%s\"", buf);
}

static void json_settings(FILE *f, const hp_stat *st)
{
    fprintf(f, ",\"settings\":{\"choice\":");
    jstr(f, st->choice);
    for (size_t i = 0; i < st->nsettings; i++) {
        const hp_stat_setting *s = &st->settings[i];
        fprintf(f, ",");
        jstr(f, s->key);
        fprintf(f, ":{\"value\":");
        jstr(f, s->value);
        fprintf(f, ",\"origin\":");
        jstr(f, s->origin);
        fprintf(f, ",\"locked\":%s}", s->locked ? "true" : "false");
    }
    fprintf(f, "}");
}

char *hp_stat_json(const hp_stat *st)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fprintf(f, "{\"plugin\":");
    jstr(f, st->plugin);
    fprintf(f, ",\"version\":");
    jstr(f, st->version);
    fprintf(f, ",\"how\":");
    jstr(f, st->how);
    fprintf(f, ",\"context\":\"desktop-linux\",\"helper\":{\"installed\":%s,"
            "\"running\":%s,\"socket\":", st->helper_installed ? "true"
            : "false", st->helper_running ? "true" : "false");
    jstr(f, st->helper_socket);
    fprintf(f, "},\"tasks\":{");
    for (size_t i = 0; i < st->ntasks; i++) {
        const hp_stat_task *t = &st->tasks[i];
        fprintf(f, "%s", i ? "," : "");
        jstr(f, t->task);
        fprintf(f, ":{\"state\":");
        jstr(f, t->state);
        fprintf(f, ",\"path\":");
        jstr(f, t->path);
        fprintf(f, ",\"via\":");
        jstr(f, t->via);
        fprintf(f, "}");
    }
    fprintf(f, "}");
    if (st->has_settings)
        json_settings(f, st);
    fprintf(f, ",\"decisions\":{");
    for (size_t i = 0; i < st->ndec; i++) {
        fprintf(f, "%s", i ? "," : "");
        jstr(f, st->dec[2 * i]);
        fprintf(f, ":");
        jstr(f, st->dec[2 * i + 1]);
    }
    fprintf(f, "}}\n");
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
