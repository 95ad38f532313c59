#include "err.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <hostpriv/hostpriv.h>

static int vset(hp_err *e, int code, int errnum, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    e->code = code;
    e->sys = errnum;
    e->line = 0;
    e->key[0] = e->hint[0] = e->file[0] = '\0';
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    if (errnum && n >= 0 && (size_t)n < sizeof e->msg)
        snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
    return code;
}

int hp_err_set(hp_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, 0, fmt, ap);
    va_end(ap);
    return code;
}

int hp_err_sys(hp_err *e, int code, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(e, code, errnum, fmt, ap);
    va_end(ap);
    return code;
}

void hp_err_clear(hp_err *e)
{
    if (e) {
        e->code = HP_OK;
        e->sys = 0;
        e->msg[0] = '\0';
        e->line = 0;
        e->key[0] = e->hint[0] = e->file[0] = '\0';
    }
}

/* A value that does not fit is left out rather than cut: a cut key or
 * file name would name something else. */
static void put(char *dst, size_t n, const char *v)
{
    if (v && strlen(v) < n)
        memcpy(dst, v, strlen(v) + 1);
}

void hp_err_at(hp_err *e, const char *key, const char *hint,
               const char *file, int line)
{
    if (!e)
        return;
    put(e->key, sizeof e->key, key);
    put(e->hint, sizeof e->hint, hint);
    put(e->file, sizeof e->file, file);
    if (line > 0)
        e->line = line;
}

int hp_exit_code(int code)
{
    return code == HP_ENOTSUP ? 1 : code;
}

const char *hp_strerror(int code)
{
    switch (code) {
    case HP_OK:        return "ok";
    case HP_EFAIL:     return "task failed";
    case HP_ENOTSUP:   return "not supported by this version";
    case HP_EUSAGE:    return "usage error";
    case HP_EUNAVAIL:  return "a needed service is unavailable";
    case HP_EINTERNAL: return "internal error";
    case HP_EDENIED:   return "declined, timed out or not permitted";
    case HP_ECONFIG:   return "configuration error";
    default:           return "unknown error";
    }
}
