/* `hostpriv complete WHAT`: the words the shell completion scripts offer
 * (packaging/completion/), one a line, from the program itself so they
 * never fall behind it: commands, global options, configuration keys,
 * task names, privileged tasks, plugin names, ops, the values of a key.  Quiet on failure:
 * a completion has no one to tell. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "actions/actions.h"
#include "auth/elevate.h"
#include "engine/config.h"
#include "engine/dispatch.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "ops.h"

static const char *const globals[] = {
    "-c", "--root", "--set", "--json", "--quiet", "--verbose", "--help",
    "--version", NULL
};

static void commands(void)
{
    const hp_cli_cmd *const *c = hp_cli_commands();
    for (size_t i = 0; c[i]; i++)
        if (c[i] != &hp_cmd_complete)
            printf("%s\n", c[i]->name);
}

static void keys(void)
{
    size_t n;
    const hp_config_key *k = hp_config_schema(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s\n", k[i].key);
}

static void plugins(hp_cli *cli)
{
    int rc;
    hp_ctx *c = hp_cli_open(cli, 1, &rc);
    hp_loaded *list = NULL;
    size_t n = 0;
    hp_err e = HP_ERR_INIT;
    if (c && hp_loader_scan(hp_conf(c, "core.plugin_dir"), geteuid() == 0,
                            &list, &n, NULL, 0, &e) == HP_OK)
        for (size_t i = 0; i < n; i++)
            printf("%s\n", list[i].desc.name);
    hp_loader_free(list, n);
    hp_ctx_close(c);
}

static void privileged_tasks(void)
{
    for (int a = 0; a < HP_ACT__COUNT; a++)
        if (hp_action_name(a))
            printf("%s\n", hp_action_name(a));
}

static void ops(void)
{
    size_t n;
    const hp_opsig *s = hp_dispatch_std(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s\n", s[i].name);
}

/* What KEY takes, when it is one of a few: its choices, true/false, the
 * plugins for core.plugin, TASK= items for prompt.answers. */
static void values(hp_cli *cli, const char *key)
{
    const hp_config_key *k = hp_config_key_find(key);
    if (!k)
        return;
    if (!strcmp(key, "core.plugin")) {
        plugins(cli);
    } else if (!strcmp(key, "prompt.answers")) {
        printf("yes\nno\ntimeout\n");
        for (int t = 0; t < HP_TASK__COUNT; t++)
            printf("%s=\n", hp_task_name(t));
    } else if (k->type == HP_CT_BOOL) {
        printf("true\nfalse\n");
    } else if (k->type == HP_CT_ENUM) {
        for (const char *p = k->choices; *p; p += strspn(p, " ")) {
            size_t l = strcspn(p, " ");
            printf("%.*s\n", (int)l, p);
            p += l;
        }
    }
}

static int run(hp_cli *cli)
{
    if (cli->argc == 2 && !strcmp(cli->argv[0], "values")) {
        values(cli, cli->argv[1]);
        return 0;
    }
    const char *what = cli->argc == 1 ? cli->argv[0] : "";
    if (!strcmp(what, "commands")) {
        commands();
    } else if (!strcmp(what, "options")) {
        for (size_t i = 0; globals[i]; i++)
            printf("%s\n", globals[i]);
    } else if (!strcmp(what, "keys")) {
        keys();
    } else if (!strcmp(what, "tasks")) {
        for (int t = 0; t < HP_TASK__COUNT; t++)
            printf("%s\n", hp_task_name(t));
    } else if (!strcmp(what, "privileged-tasks")) {
        privileged_tasks();
    } else if (!strcmp(what, "ops")) {
        ops();
    } else if (!strcmp(what, "plugins")) {
        plugins(cli);
    } else {
        return hp_cli_usage(&hp_cmd_complete, "say commands, options, keys, "
                            "tasks, privileged-tasks, ops, plugins or values "
                            "KEY");
    }
    return 0;
}

const hp_cli_cmd hp_cmd_complete = {
    "complete", "complete commands|options|keys|tasks|privileged-tasks|"
    "ops|plugins|values KEY",
    "words for the shell completion scripts, one a line",
    run
};
