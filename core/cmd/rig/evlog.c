/* Reading the events file (core.event_log): JSON lines, one event each,
 * as docs/REFERENCE.md (Events) defines them.  A line that is not such an object
 * is kept aside and fails the step: the contract is what test rigs read. */
#include "rig.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const hp_rig_event_fields[7] = { "event", "task", "via", "path",
                                             "detail", "plugin", "version" };

long hp_rig_events_size(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 ? (long)st.st_size : 0;
}

static int parse_line(const char *line, hp_rig_event *ev)
{
    json_error_t je;
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < 7; i++) {
        json_t *v = json_object_get(o, hp_rig_event_fields[i]);
        if (v && json_is_string(v))
            ev->f[i] = hp_rig_strdup(json_string_value(v));
        else if (v && !json_is_null(v))
            rc = -1;    /* every field of the contract is a string */
        else
            ev->f[i] = hp_rig_strdup("");
    }
    if (!ev->f[0] || !*ev->f[0])
        rc = -1;        /* an event without its name */
    json_decref(o);
    return rc;
}

static void event_free(hp_rig_event *e)
{
    for (int i = 0; i < 7; i++)
        free(e->f[i]);
}

int hp_rig_events_read(const char *file, long from, hp_rig_evlist *l)
{
    memset(l, 0, sizeof *l);
    size_t len;
    char *all = hp_rig_slurp(file, &len);
    if (!all)
        return -1;
    if (from < 0 || (size_t)from > len)
        from = 0;   /* truncated or replaced: read it all */
    int lineno = 0;
    for (char *p = all; p < all + from; p++)
        lineno += *p == '\n';
    for (char *p = all + from, *nl; p < all + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(all + len - p));
        if (!nl)
            nl = all + len;
        *nl = '\0';
        lineno++;
        if (!*p)
            continue;
        hp_rig_event ev = { .lineno = lineno };
        if (parse_line(p, &ev) == 0) {
            *HP_RIG_PUSH(l->v, l->n) = ev;
        } else {
            event_free(&ev);
            *HP_RIG_PUSH(l->bad, l->nbad) = hp_rig_fmt("line %d: %s",
                                                       lineno, p);
        }
    }
    free(all);
    return 0;
}

void hp_rig_events_free(hp_rig_evlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        event_free(&l->v[i]);
    free(l->v);
    for (size_t i = 0; i < l->nbad; i++)
        free(l->bad[i]);
    free(l->bad);
    memset(l, 0, sizeof *l);
}

const char *hp_rig_ev_get(const hp_rig_event *e, const char *field)
{
    for (int i = 0; i < 7; i++)
        if (!strcmp(hp_rig_event_fields[i], field))
            return e->f[i] ? e->f[i] : "";
    return "";
}

void hp_rig_event_print(FILE *f, const hp_rig_event *e, const char *indent)
{
    fprintf(f, "%s%-9s", indent, e->f[0]);
    for (int i = 1; i < 5; i++)
        if (e->f[i] && *e->f[i]) {
            fprintf(f, " %s=", hp_rig_event_fields[i]);
            hp_rig_quote(f, e->f[i], strlen(e->f[i]), 160);
        }
    fputc('\n', f);
}
