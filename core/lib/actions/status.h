/* `hostpriv status` as data: per task whether it is applied, where and
 * how, the helper, the 4.18 settings and the recorded decisions; the CLI
 * prints it, the embedding API hands it over (hp_status_get), and both
 * render the same JSON document. */
#ifndef HP_STATUS_H
#define HP_STATUS_H
#include <limits.h>
#include <stddef.h>
#include "engine/ctx.h"

#define HP_STAT_TASKS 5
#define HP_STAT_SETTINGS 3

typedef struct hp_stat_task {
    const char *task;           /* "cli-links" (static) */
    char state[32];             /* "applied", "not-applied", ... */
    char path[PATH_MAX];
    char via[16];               /* "user" when the user's side did it */
} hp_stat_task;

typedef struct hp_stat_setting {
    const char *key;            /* "advanced.cli_location" (static) */
    char value[64];
    char origin[PATH_MAX + 32];
    int locked;
} hp_stat_setting;

typedef struct hp_stat {
    char plugin[64];            /* "" when none is active */
    char version[32];
    char how[512];
    int helper_installed, helper_running;
    char helper_socket[PATH_MAX];
    hp_stat_task tasks[HP_STAT_TASKS];
    size_t ntasks;
    int has_settings;           /* the version has Settings > Advanced */
    char choice[32];            /* the installation window's, "" none */
    hp_stat_setting settings[HP_STAT_SETTINGS];
    size_t nsettings;
    char **dec;                 /* key, value, key, value ... (malloc'd) */
    size_t ndec;
    char warning[768];          /* a settings file that could not be read */
} hp_stat;

/* Collect everything into st (heap it: it is large).  What the version
 * says while it looks (events, log lines) goes where c sends them, never
 * to stdout.  HP_OK, or HP_EINTERNAL when out of memory. */
int hp_stat_collect(hp_ctx *c, hp_stat *st);
void hp_stat_free(hp_stat *st);
/* The JSON document of `hostpriv --json status` (malloc'd, with a final
 * newline), NULL when out of memory. */
char *hp_stat_json(const hp_stat *st);
#endif
