/* `hostpriv plugins`: every plugin found, its ABI, range and description,
 * the active one marked, and the files the loader rejected with why.  It
 * is the command error messages send people to, so it answers when the
 * selected plugin cannot be used too: the table first, then the error
 * (exit 78).  A configuration that does not load prints no table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/events.h"
#include "engine/loader.h"
#include "ops.h"
#include "plugload.h"

/* What the plugin directory holds (the context's scan: there whether or
 * not the pick and init succeeded) and what the loader rejected. */
typedef struct found {
    hp_loaded *list;
    size_t n;
    char rejected[8192];        /* one loader message per line */
} found;

static void jstr(FILE *f, const char *s)
{
    char buf[2048];
    size_t n = hp_json_escape(buf, sizeof buf, s ? s : "");
    if (n >= sizeof buf)
        buf[0] = '\0';     /* descriptor text that long is not shown */
    fprintf(f, "\"%s\"", buf);
}

static void json_list(FILE *f, const found *fd, const char *active)
{
    fprintf(f, "[");
    for (size_t i = 0; i < fd->n; i++) {
        const hp_plugin *d = &fd->list[i].desc;
        char abi[32];
        snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
        fprintf(f, "%s{\"name\":", i ? "," : "");
        jstr(f, d->name);
        fprintf(f, ",\"abi\":");
        jstr(f, abi);
        fprintf(f, ",\"versions\":");
        jstr(f, d->versions_text);
        fprintf(f, ",\"description\":");
        jstr(f, d->description);
        fprintf(f, ",\"active\":%s}", active && !strcmp(active, d->name)
                                          ? "true" : "false");
    }
    fprintf(f, "]");
}

/* The rejected files as a JSON array of their messages. */
static void json_rejected(FILE *f, const char *w)
{
    fprintf(f, "[");
    for (int first = 1; *w; first = 0) {
        size_t l = strcspn(w, "\n");
        char *line = strndup(w, l);
        fprintf(f, "%s", first ? "" : ",");
        jstr(f, line);
        free(line);
        w += l + (w[l] == '\n');
    }
    fprintf(f, "]");
}

/* The plugin the configuration selects, or -1 (none covers it). */
static int picked(const hp_ctx *c, const found *fd)
{
    size_t idx;
    return fd->n && hp_loader_pick(fd->list, fd->n, hp_conf(c, "core.plugin"),
                                   hp_conf(c, "core.version"), &idx, NULL)
                        == HP_OK ? (int)idx : -1;
}

/* '*' the active plugin; '!' the one selected when it failed to start. */
static void print_text(const hp_ctx *c, const found *fd, const char *active)
{
    int failed = active ? -1 : picked(c, fd);
    printf("  %-18s %-4s %-16s %s\n", "NAME", "ABI", "VERSIONS", "DESCRIPTION");
    for (size_t i = 0; i < fd->n; i++) {
        const hp_plugin *d = &fd->list[i].desc;
        char abi[32];
        snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
        printf("%c %-18s %-4s %-16s %s\n",
               active && !strcmp(active, d->name) ? '*'
               : (int)i == failed ? '!' : ' ', d->name, abi,
               d->versions_text, d->description ? d->description : "");
    }
    if (failed >= 0)
        printf("\n! selected by the configuration, but it failed to start "
               "(below)\n");
    if (fd->rejected[0])
        printf("\nnot loaded:\n");
    for (const char *w = fd->rejected; *w; ) {
        size_t l = strcspn(w, "\n");
        printf("  %.*s\n", (int)l, w);
        w += l + (w[l] == '\n');
    }
    if (active)
        printf("\nactive: %s (version %s%s%s)\n", active, hp_ctx_version(c),
               *hp_conf(c, "core.plugin") ? ", core.plugin " : "",
               hp_conf(c, "core.plugin"));
}

/* Under --json a failure is the error object alone, the list inside it. */
static void error_extra(const found *fd)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    fprintf(f, ",\"plugins\":");
    json_list(f, fd, NULL);
    fprintf(f, ",\"rejected\":");
    json_rejected(f, fd->rejected);
    fclose(f);
    hp_cli_err_extra(buf);
    free(buf);
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_plugins))
        return 0;
    if (cli->argc != 0)
        return hp_cli_usage(&hp_cmd_plugins, "takes no arguments");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 1, &rc);
    if (!c)
        return rc;                  /* the configuration: no table */
    found fd = { NULL, 0, "" };
    hp_err e = HP_ERR_INIT;
    rc = hp_cli_load_plugins(c, fd.rejected, sizeof fd.rejected, &e);
    fd.list = c->plugins;
    fd.n = c->nplugins;
    const char *active = c->active ? c->active->desc.name : NULL;
    if (rc != HP_OK && fd.n + (fd.rejected[0] != '\0') > 0 && cli->opts.json)
        error_extra(&fd);
    else if (cli->opts.json && rc == HP_OK) {
        json_list(stdout, &fd, active);
        printf("\n");
    } else if (fd.n || fd.rejected[0])
        print_text(c, &fd, active);
    if (rc != HP_OK) {
        fflush(stdout);
        hp_log(NULL, HP_LOG_ERR, "%s", e.msg[0] ? e.msg : hp_strerror(rc));
        hp_cli_record(rc, &e);
    }
    hp_ctx_close(c);
    return hp_exit_code(rc);
}

const hp_cli_cmd hp_cmd_plugins = {
    "plugins", "plugins",
    "list the plugins found, their version ranges; * marks the active one",
    run
};
