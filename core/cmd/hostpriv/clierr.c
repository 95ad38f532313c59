/* One failure per run, kept for the --json error object (clierr.h).  The
 * CLI is one process running one command, so the record is a static. */
#include "clierr.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/events.h"

static struct {
    hp_err e;
    int set;            /* 2: a command's own report; 1: a logged line */
    int answered;
    char *extra;
} rec;

void hp_cli_record(int code, const hp_err *e)
{
    rec.e = *e;
    rec.e.code = code;
    rec.set = 2;
}

int hp_cli_fail(const char *cmd, int code, const hp_err *e)
{
    const char *msg = e->msg[0] ? e->msg : hp_strerror(code);
    fprintf(stderr, "hostpriv%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "",
            msg);
    hp_cli_record(code, e);
    if (!rec.e.msg[0])
        snprintf(rec.e.msg, sizeof rec.e.msg, "%s", msg);
    return hp_exit_code(code);
}

int hp_cli_failf(const char *cmd, int code, const char *fmt, ...)
{
    hp_err e = HP_ERR_INIT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    return hp_cli_fail(cmd, code, &e);
}

void hp_cli_err_extra(const char *json)
{
    free(rec.extra);
    rec.extra = json ? strdup(json) : NULL;
}

void hp_cli_answered(void)
{
    rec.answered = 1;
}

void hp_cli_log_tap(int level, const char *msg)
{
    if (rec.set == 2 || !(level == HP_LOG_ERR ||
                          (level == HP_LOG_NOTICE && !rec.set)))
        return;
    hp_err_clear(&rec.e);
    snprintf(rec.e.msg, sizeof rec.e.msg, "%s", msg);
    rec.set = 1;
}

const char *hp_cli_err_kind(int code)
{
    switch (code) {
    case HP_ECONFIG:   return "config";
    case HP_EUSAGE:    return "usage";
    case HP_EDENIED:   return "declined";
    case HP_EUNAVAIL:  return "unavailable";
    case HP_EINTERNAL: return "internal";
    default:           return "failed";
    }
}

static void member(const char *name, const char *v)
{
    char buf[4 * sizeof rec.e.msg];
    if (!v || !*v)
        return;
    hp_json_escape(buf, sizeof buf, v);
    printf(",\"%s\":\"%s\"", name, buf);
}

void hp_cli_err_json(int rc)
{
    if (rc == 0 || rec.answered)
        return;
    const hp_err *e = &rec.e;
    printf("{\"error\":{\"code\":%d,\"kind\":\"%s\"", rc,
           hp_cli_err_kind(rc));
    member("message", e->msg[0] ? e->msg : hp_strerror(rc));
    member("key", e->key);
    member("suggestion", e->hint);
    member("file", e->file);
    if (e->line > 0)
        printf(",\"line\":%d", e->line);
    printf("%s}}\n", rec.extra ? rec.extra : "");
    free(rec.extra);
    rec.extra = NULL;
}
