/* The plugin directory is scanned once, by the context as for every
 * command; the files it rejects reach the program only as warnings, so
 * they are taken from the log as they pass (every loader rejection is a
 * warning starting "plugin "). */
#include "plugload.h"
#include <stdio.h>
#include <string.h>
#include "clierr.h"
#include "engine/events.h"

static struct { char *buf; size_t n; } keep;

static void collect(int level, const char *msg)
{
    if (level == HP_LOG_WARN && !strncmp(msg, "plugin ", 7) && keep.buf) {
        size_t l = strlen(keep.buf);
        snprintf(keep.buf + l, keep.n - l, "%s\n", msg);
    }
    hp_cli_log_tap(level, msg);
}

int hp_cli_load_plugins(hp_ctx *c, char *rejected, size_t n, hp_err *e)
{
    rejected[0] = '\0';
    keep.buf = rejected;
    keep.n = n;
    hp_log_set_tap(collect);
    int rc = hp_ctx_reload_plugin(c, e);
    hp_log_set_tap(hp_cli_log_tap);
    keep.buf = NULL;
    return rc;
}
