/* `hostpriv status`: per task whether it is applied and where, the helper,
 * the recorded decisions and, for a version with Settings > Advanced, the
 * user's settings; text or (--json) one JSON document.  What is reported
 * is collected by the library (actions/status.h), the same data the
 * embedding API's hp_status_get hands an app. */
#include <stdio.h>
#include <stdlib.h>

#include "actions/status.h"
#include "ops.h"

static void print_settings(const hp_stat *st)
{
    if (*st->choice)
        printf("settings: %s (chosen at the installation window)\n",
               st->choice);
    else
        printf("settings: not chosen yet (the installation window comes at "
               "the next start)\n");
    for (size_t i = 0; i < st->nsettings; i++) {
        const hp_stat_setting *s = &st->settings[i];
        printf("  %-28s %-7s (%s%s)\n", s->key, s->value, s->origin,
               s->locked ? ", locked" : "");
    }
}

static void print_text(const hp_stat *st)
{
    printf("plugin:  %s (version %s)\n", *st->plugin ? st->plugin : "(none)",
           st->version);
    if (*st->how)
        printf("how:     %s\n", st->how);
    printf("helper:  %s, %s (%s)\n", st->helper_installed ? "installed"
           : "not installed", st->helper_running ? "running" : "not running",
           st->helper_socket);
    printf("context: desktop-linux (the docker CLI's context; DOCKER_HOST "
           "clients use ~/.docker/run/docker.sock)\n");
    if (st->has_settings)
        print_settings(st);
    printf("tasks:\n");
    for (size_t i = 0; i < st->ntasks; i++) {
        const hp_stat_task *t = &st->tasks[i];
        printf("  %-14s %-19s %s%s%s\n", t->task, t->state, t->path,
               *t->via ? " via " : "", t->via);
    }
    printf("decisions:\n");
    for (size_t i = 0; i < st->ndec; i++)
        printf("  %s = %s\n", st->dec[2 * i], st->dec[2 * i + 1]);
    if (st->ndec == 0)
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
    hp_stat *st = calloc(1, sizeof *st);
    char *json = NULL;
    rc = st ? hp_stat_collect(c, st) : HP_EINTERNAL;
    if (rc == HP_OK && *st->warning)
        fprintf(stderr, "hostpriv status: warning: %s\n", st->warning);
    if (rc == HP_OK && cli->opts.json && !(json = hp_stat_json(st)))
        rc = HP_EINTERNAL;
    if (rc == HP_OK && json)
        fputs(json, stdout);
    else if (rc == HP_OK)
        print_text(st);
    else
        fprintf(stderr, "hostpriv status: out of memory\n");
    free(json);
    hp_stat_free(st);
    free(st);
    hp_ctx_close(c);
    return hp_exit_code(rc);
}

const hp_cli_cmd hp_cmd_status = {
    "status", "status",
    "per task: applied or not, where, via what; the helper; the 4.18 "
    "settings; recorded decisions", run
};
