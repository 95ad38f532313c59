/* Logging for the daemon.  Messages go through hp_log (stderr + syslog,
 * control characters escaped, so a client cannot forge lines).  Kinds a
 * client can trigger at will (refusals, protocol errors, accepts under
 * EMFILE) are rate-limited: a burst of HPD_LOG_BURST lines per window,
 * then one line saying how many were suppressed. */
#include <stdarg.h>
#include <stdio.h>
#include "engine/events.h"
#include "hostprivd.h"

#define HPD_LOG_BURST     20
#define HPD_LOG_WINDOW_MS 10000

static struct {
    long long start;
    unsigned count;
    unsigned dropped;
} lim[HPD_LOG__COUNT];

static void vlog(hpd *d, int level, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    hp_log(d ? d->ctx : NULL, level, "%s", msg);
}

void hpd_log(hpd *d, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(d, level, fmt, ap);
    va_end(ap);
}

/* 1 when a line of this kind may be written now (counted), 0 when it is
 * suppressed; callers that build a message first ask before building. */
int hpd_log_allowed(hpd *d, int kind)
{
    if (kind < 0 || kind >= HPD_LOG__COUNT)
        kind = HPD_LOG_PROTO;
    long long now = hpd_now();
    if (now - lim[kind].start >= HPD_LOG_WINDOW_MS) {
        if (lim[kind].dropped)
            hpd_log(d, HP_LOG_WARN, "%u similar messages suppressed in the "
                    "last %d s", lim[kind].dropped, HPD_LOG_WINDOW_MS / 1000);
        lim[kind].start = now;
        lim[kind].count = 0;
        lim[kind].dropped = 0;
    }
    if (lim[kind].count >= HPD_LOG_BURST) {
        lim[kind].dropped++;
        return 0;
    }
    lim[kind].count++;
    return 1;
}

void hpd_log_limited(hpd *d, int kind, int level, const char *fmt, ...)
{
    if (!hpd_log_allowed(d, kind))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(d, level, fmt, ap);
    va_end(ap);
}
