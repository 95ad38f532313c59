/* `hostpriv plugins`: every plugin found, its ABI, range and description,
 * the active one marked; rejected files are warned about on stderr. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "engine/events.h"
#include "engine/loader.h"

static void jstr(const char *s)
{
    char buf[2048];
    size_t n = hp_json_escape(buf, sizeof buf, s ? s : "");
    if (n >= sizeof buf)
        buf[0] = '\0';     /* descriptor text that long is not shown */
    printf("\"%s\"", buf);
}

static void print_json(const hp_ctx *c)
{
    printf("[");
    for (size_t i = 0; i < c->nplugins; i++) {
        const hp_plugin *d = &c->plugins[i].desc;
        char abi[32];
        snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
        printf("%s{\"name\":", i ? "," : "");
        jstr(d->name);
        printf(",\"abi\":");
        jstr(abi);
        printf(",\"versions\":");
        jstr(d->versions_text);
        printf(",\"description\":");
        jstr(d->description);
        printf(",\"active\":%s}", &c->plugins[i] == c->active ? "true"
                                                              : "false");
    }
    printf("]\n");
}

static void print_text(const hp_ctx *c)
{
    printf("  %-18s %-4s %-16s %s\n", "NAME", "ABI", "VERSIONS", "DESCRIPTION");
    for (size_t i = 0; i < c->nplugins; i++) {
        const hp_plugin *d = &c->plugins[i].desc;
        char abi[32];
        snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
        printf("%c %-18s %-4s %-16s %s\n", &c->plugins[i] == c->active ? '*'
               : ' ', d->name, abi, d->versions_text,
               d->description ? d->description : "");
    }
    if (c->active)
        printf("\nactive: %s (version %s%s%s)\n", c->active->desc.name,
               hp_ctx_version(c),
               *hp_conf(c, "core.plugin") ? ", core.plugin " : "",
               hp_conf(c, "core.plugin"));
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_plugins))
        return 0;
    if (cli->argc != 0) {
        fprintf(stderr, "hostpriv plugins: takes no arguments\n"
                "usage: hostpriv %s\n", hp_cmd_plugins.usage);
        return HP_EUSAGE;
    }
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    if (cli->opts.json)
        print_json(c);
    else
        print_text(c);
    hp_ctx_close(c);
    return 0;
}

const hp_cli_cmd hp_cmd_plugins = {
    "plugins", "plugins",
    "list the plugins found, their version ranges; * marks the active one",
    run
};
