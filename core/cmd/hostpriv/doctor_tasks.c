/* doctor: each task's state, as `status` sees it. */
#include <stdlib.h>
#include <string.h>
#include "actions/status.h"
#include "doctor.h"
#include "engine/events.h"

/* The command that applies a task, for a task not applied. */
static const char *apply_fix(const char *task)
{
    static const struct { const char *task, *fix; } fixes[] = {
        { "cli-links", "hostpriv links install (or hostpriv start); a "
                       "recorded no: hostpriv settings reset-decisions" },
        { "docker-socket", "hostpriv socket-link install (or hostpriv "
                           "start); a recorded no: hostpriv settings "
                           "reset-decisions" },
        { "hosts", "hostpriv hosts ensure (or hostpriv start)" },
    };
    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
        if (!strcmp(fixes[i].task, task))
            return fixes[i].fix;
    return NULL;
}

void hp_doc_tasks(hp_doc *d, hp_ctx *c)
{
    /* the same collector as `status` and the embedding API */
    hp_stat *st = calloc(1, sizeof *st);
    if (!st || hp_stat_collect(c, st) != HP_OK) {
        hp_doc_add(d, HP_DOC_FAIL, "tasks", "see hostpriv status",
                   "the tasks' state could not be read");
        free(st);
        return;
    }
    const hp_stat_task *t = st->tasks;
    for (size_t i = 0; i < st->ntasks; i++) {
        const char *fix = NULL;
        int status = HP_DOC_OK;
        if (!strcmp(t[i].state, "not-applied") && apply_fix(t[i].task)) {
            status = HP_DOC_WARN;
            fix = apply_fix(t[i].task);
        } else if (!strcmp(t[i].state, "user-responsibility")) {
            status = HP_DOC_WARN;
            fix = "make localhost resolve to 127.0.0.1 in the hosts file: "
                  "add \"127.0.0.1 localhost\"";
        }
        hp_doc_add(d, status, "tasks", fix, "%s %s %s%s%s", t[i].task,
                   t[i].state, t[i].path, *t[i].via ? " via " : "",
                   t[i].via);
    }
    free(st);
}
