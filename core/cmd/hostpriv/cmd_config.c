/* `hostpriv config [--check]`: the effective configuration, each value with
 * its origin and lock; --check validates (plugins included) and says ok. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "engine/config.h"
#include "engine/events.h"

static void jstr(const char *s)
{
    static char buf[4 * 4096];
    hp_json_escape(buf, sizeof buf, s ? s : "");
    printf("\"%s\"", buf);
}

static size_t section_len(const char *key)
{
    return strcspn(key, ".");
}

static void print_json(const hp_ctx *c)
{
    size_t n;
    const hp_config_key *k = hp_config_schema(&n);
    printf("{");
    for (size_t i = 0; i < n; i++) {
        size_t sl = section_len(k[i].key);
        int first = i == 0 || strncmp(k[i - 1].key, k[i].key, sl + 1) != 0;
        if (first)
            printf("%s\"%.*s\":{", i ? "}," : "", (int)sl, k[i].key);
        else
            printf(",");
        jstr(k[i].key + sl + 1);
        printf(":{\"value\":");
        jstr(hp_config_get(c->cfg, k[i].key));
        printf(",\"origin\":");
        jstr(hp_config_origin(c->cfg, k[i].key));
        printf(",\"locked\":%s}",
               hp_config_locked(c->cfg, k[i].key) ? "true" : "false");
    }
    printf("%s}\n", n ? "}" : "");
}

static void print_text(const hp_ctx *c)
{
    size_t n;
    const hp_config_key *k = hp_config_schema(&n);
    for (size_t i = 0; i < n; i++) {
        size_t sl = section_len(k[i].key);
        if (i == 0 || strncmp(k[i - 1].key, k[i].key, sl + 1) != 0)
            printf("%s[%.*s]\n", i ? "\n" : "", (int)sl, k[i].key);
        char line[8192];
        snprintf(line, sizeof line, "%s = %s", k[i].key + sl + 1,
                 hp_config_get(c->cfg, k[i].key));
        printf("%-60s ; %s%s\n", line, hp_config_origin(c->cfg, k[i].key),
               hp_config_locked(c->cfg, k[i].key) ? " (locked)" : "");
    }
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_config))
        return 0;
    int check = cli->argc == 1 && !strcmp(cli->argv[0], "--check");
    if (cli->argc > 1 || (cli->argc == 1 && !check)) {
        hp_cli_failf("config", HP_EUSAGE, "unknown argument '%s'",
                     cli->argv[0]);
        fprintf(stderr, "usage: hostpriv %s\n", hp_cmd_config.usage);
        return HP_EUSAGE;
    }
    int rc;
    /* --check also loads the plugins: a version none covers is an error */
    hp_ctx *c = hp_cli_open(cli, !check, &rc);
    if (!c)
        return rc;
    if (check)
        printf(cli->opts.json ? "{\"ok\":true}\n" : "ok\n");
    else if (cli->opts.json)
        print_json(c);
    else
        print_text(c);
    hp_ctx_close(c);
    return 0;
}

const hp_cli_cmd hp_cmd_config = {
    "config", "config [--check]",
    "effective configuration with origins and locks; --check validates it",
    run
};
