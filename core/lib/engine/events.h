/* Events (contract: docs/REFERENCE.md "Events"): one JSON object per line. */
#ifndef HP_EVENTS_H
#define HP_EVENTS_H
#include <stddef.h>
#include <time.h>
#include "ctx.h"

const char *hp_task_name(int task);      /* "cli-links" */
int hp_task_from_name(const char *name); /* -1 when unknown */
const char *hp_event_name(int kind);     /* "timed-out" */
const char *hp_via_name(int via);        /* "elevated", "" for NONE */

/* Format one event line (with '\n') into out; returns the length, or the
 * needed length when n is too small (snprintf-like). */
size_t hp_event_format(char *out, size_t n, const char *ts, const char *plugin,
                       const char *version, int kind, int task, int via,
                       const char *path, const char *detail);
/* JSON string escaping of s into out (without quotes), snprintf-like:
 * \" \\ \b \f \n \r \t, other controls as \u00XX, invalid UTF-8 bytes as
 * \ufffd so the line is always valid JSON. */
size_t hp_json_escape(char *out, size_t n, const char *s);

/* The one function everything uses: stamps ts/plugin/version, writes to
 * core.event_log and (json mode) stdout and hands it to the embedder's
 * event callback, and in root roles (helper, privileged) writes it to the
 * log instead. */
void hp_event(hp_ctx *c, int kind, int task, int via, const char *path,
              const char *detail);
/* The same, stamped with a given time and never held (loghold.c). */
void hp_event_at(hp_ctx *c, time_t when, int kind, int task, int via,
                 const char *path, const char *detail);

/* Logging: stderr (and syslog in the helper), or the embedder's log
 * callback when c has one; messages are sanitised (control characters
 * escaped) so a client cannot forge log lines. */
void hp_log(hp_ctx *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One message, as hp_log. */
void hp_log_to(hp_ctx *c, int level, const char *msg);
void hp_log_open_syslog(const char *ident);
/* 1: gather what hp_log_line writes to stderr; 0: write it, in one
 * write (the helper's held lines, loghold.c). */
void hp_log_batch(int on);
/* One formatted message to stderr/syslog (held while hp_log_hold is on). */
void hp_log_line(int level, const char *msg);
/* How much the log says, for the whole process: -1 only notices and
 * errors (--quiet), 0 all but debug lines, 1 also debug lines and every
 * event as a line on stderr (--verbose).  HOSTPRIV_DEBUG shows debug
 * lines at 0 too. */
void hp_log_set_verbosity(int v);
/* 1 when a line of level would be written (so a caller can skip building
 * a debug line nobody sees). */
int hp_log_enabled(int level);
/* fn sees every log line (level, the message as given) before it is
 * filtered or written; NULL: nobody. */
typedef void (*hp_log_tap_fn)(int level, const char *msg);
void hp_log_set_tap(hp_log_tap_fn fn);
/* Messages for the user (the embedder sees them through hp_errmsg too). */
void hp_notice(hp_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif
