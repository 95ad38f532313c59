/* The failure a command reports.  It is said on stderr as it happens; with
 * --json, main() also prints it once on stdout when the command exits
 * non-zero, as one object:
 *
 *   {"error":{"code":78,"kind":"config","message":"...","key":"...",
 *             "suggestion":"...","file":"...","line":2}}
 *
 * (fields not known are left out).  What is recorded: the last failure a
 * command reported (hp_cli_fail), else the last error line the library
 * logged, else the first notice; else the code's own text. */
#ifndef HP_CLIERR_H
#define HP_CLIERR_H
#include "base/err.h"

/* Say e (code and text; its key, file and line kept) on stderr as
 * "hostpriv[ CMD]: MSG" and record it.  Returns the exit code. */
int hp_cli_fail(const char *cmd, int code, const hp_err *e);
int hp_cli_failf(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record without saying (the text is already on stderr). */
void hp_cli_record(int code, const hp_err *e);
/* More members for the error object, as JSON text starting with ','
 * (`plugins` puts the plugins it found there).  Copied. */
void hp_cli_err_extra(const char *json);
/* This run's non-zero exit is an answer, not a failure (`policy allows`
 * saying no, `doctor` finding a fail): no error object. */
void hp_cli_answered(void);
/* Library log lines, seen before they are written (hp_log_set_tap). */
void hp_cli_log_tap(int level, const char *msg);
/* main(): print the error object for exit code rc when one is due. */
void hp_cli_err_json(int rc);
/* "config", "usage", ... for an exit code. */
const char *hp_cli_err_kind(int code);
#endif
