/* `hostpriv doctor [--json]`: one run that checks what hostpriv needs and
 * says, per check, ok, warn or fail with a one-line fix, the way `brew
 * doctor` and `flutter doctor` do: the configuration, the plugins, the
 * host, elevation, the helper, where the logs are, each task.  Exit 0
 * when nothing failed, 1 otherwise (the report is the answer: no error
 * object under --json). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "doctor.h"
#include "engine/events.h"
#include "ops.h"

static const char *const names[] = { "ok", "warn", "fail" };

void hp_doc_add(hp_doc *d, int status, const char *check, const char *fix,
                const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 32;
        hp_doc_line *l = realloc(d->line, cap * sizeof *l);
        if (!l)
            return;
        d->line = l;
        d->cap = cap;
    }
    hp_doc_line *l = &d->line[d->n++];
    l->status = status;
    snprintf(l->check, sizeof l->check, "%s", check);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->message, sizeof l->message, fmt, ap);
    va_end(ap);
    snprintf(l->fix, sizeof l->fix, "%s", fix ? fix : "");
}

static void jstr(const char *s)
{
    char buf[4096];
    hp_json_escape(buf, sizeof buf, s);
    printf("\"%s\"", buf);
}

static void print_json(const hp_doc *d, const int count[3])
{
    printf("{\"ok\":%s,\"summary\":{\"ok\":%d,\"warn\":%d,\"fail\":%d},"
           "\"checks\":[", count[HP_DOC_FAIL] ? "false" : "true",
           count[HP_DOC_OK], count[HP_DOC_WARN], count[HP_DOC_FAIL]);
    for (size_t i = 0; i < d->n; i++) {
        printf("%s{\"check\":", i ? "," : "");
        jstr(d->line[i].check);
        printf(",\"status\":\"%s\",\"message\":", names[d->line[i].status]);
        jstr(d->line[i].message);
        printf(",\"fix\":");
        jstr(d->line[i].fix);
        printf("}");
    }
    printf("]}\n");
}

static void print_text(const hp_doc *d, const int count[3])
{
    for (size_t i = 0; i < d->n; i++) {
        const hp_doc_line *l = &d->line[i];
        printf("%-4s  %-10s %s\n", names[l->status], l->check, l->message);
        if (l->fix[0])
            printf("%-4s  %-10s fix: %s\n", "", "", l->fix);
    }
    printf("\n%d ok, %d warn, %d fail\n", count[HP_DOC_OK],
           count[HP_DOC_WARN], count[HP_DOC_FAIL]);
}

/* "sudo SELF --root R -c F" (no sudo when already root), for fixes. */
static void as_root(hp_doc *d)
{
    char self[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l > 0)
        self[l] = '\0';
    else
        snprintf(self, sizeof self, "hostpriv");
    const hp_open_opts *o = &d->cli->opts;
    snprintf(d->as_root, sizeof d->as_root, "%s%s%s%s%s%s",
             geteuid() ? "sudo " : "", self, o->root ? " --root " : "",
             o->root ? o->root : "", o->config_file ? " -c " : "",
             o->config_file ? o->config_file : "");
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_doctor))
        return 0;
    /* `doctor --json` as well as `--json doctor` */
    if (cli->argc == 1 && !strcmp(cli->argv[0], "--json"))
        cli->opts.json = 1;
    else if (cli->argc != 0)
        return hp_cli_usage(&hp_cmd_doctor, "the only option is --json");
    hp_doc d = { NULL, 0, 0, cli, "" };
    as_root(&d);
    hp_ctx *c = hp_doc_config(&d);
    if (c) {
        /* what the checks make the library say goes to stderr and the
         * event log: stdout is the report */
        c->json = 0;
        hp_doc_plugins(&d, c);
        hp_doc_host(&d, c);
        hp_doc_elevation(&d, c);
        hp_doc_helper(&d, c);
        hp_doc_logs(&d, c);
        hp_doc_tasks(&d, c);
        hp_ctx_close(c);
    }
    int count[3] = { 0, 0, 0 };
    for (size_t i = 0; i < d.n; i++)
        count[d.line[i].status]++;
    if (cli->opts.json)
        print_json(&d, count);
    else
        print_text(&d, count);
    free(d.line);
    if (!count[HP_DOC_FAIL])
        return 0;
    hp_cli_answered();
    return 1;
}

const hp_cli_cmd hp_cmd_doctor = {
    "doctor", "doctor [--json]",
    "check configuration, plugins, elevation, helper, logs, tasks; a fix "
    "for each problem", run
};
