/* `list` and `matrix`: what the scenario files say, nothing run.
 *
 *   list:    NAME  GENERATION  N steps  B1 B2 ...   (--json: an array)
 *   matrix:  one row per behaviour, one column per generation, the number
 *            of scenarios covering it there (--json: the scenarios
 *            themselves; --tsv: BEHAVIOUR<tab>GENERATION<tab>NAME lines,
 *            what scripts/scenario-table builds tests/scenarios/README.md's
 *            table from). */
#include "rig.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *case_json(const hp_rig_case *c)
{
    json_t *o = json_object(), *b = json_array();
    for (size_t i = 0; i < c->sc.nbehaviours; i++)
        json_array_append_new(b, json_string(c->sc.behaviours[i]));
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "file", json_string(c->path));
    json_object_set_new(o, "suite", json_string(c->suite));
    json_object_set_new(o, "title", str_or_null(c->sc.name));
    json_object_set_new(o, "generation", str_or_null(c->generation));
    json_object_set_new(o, "version", str_or_null(c->sc.version));
    json_object_set_new(o, "plugin", str_or_null(c->sc.plugin));
    json_object_set_new(o, "behaviours", b);
    json_object_set_new(o, "steps", json_integer((json_int_t)c->sc.nsteps));
    json_object_set_new(o, "skip", str_or_null(c->sc.skip));
    json_object_set_new(o, "error", str_or_null(c->error));
    return o;
}

static void dump(FILE *f, json_t *j)
{
    json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(j);
}

int hp_rig_list(FILE *f, const hp_rig_suite *s, const size_t *sel,
                size_t nsel, int format)
{
    int bad = 0;
    size_t w = 0;
    for (size_t i = 0; i < nsel; i++)
        if (strlen(s->v[sel[i]].name) > w)
            w = strlen(s->v[sel[i]].name);
    json_t *arr = format == HP_RIG_FMT_JSON ? json_array() : NULL;
    for (size_t i = 0; i < nsel; i++) {
        const hp_rig_case *c = &s->v[sel[i]];
        bad |= c->error != NULL;
        if (arr) {
            json_array_append_new(arr, case_json(c));
            continue;
        }
        if (c->error) {
            fprintf(f, "%-*s  does not parse: %s\n", (int)w, c->name,
                    c->error);
            continue;
        }
        fprintf(f, "%-*s  %-15s %3zu step%s ", (int)w, c->name,
                c->generation ? c->generation : "-", c->sc.nsteps,
                c->sc.nsteps == 1 ? " " : "s");
        for (size_t k = 0; k < c->sc.nbehaviours; k++)
            fprintf(f, " %s", c->sc.behaviours[k]);
        if (!c->sc.nbehaviours)
            fputs(" -", f);
        if (c->sc.skip)
            fprintf(f, "  (skip: %s)", c->sc.skip);
        fputc('\n', f);
    }
    if (arr)
        dump(f, arr);
    return bad;
}

/* ---- matrix ------------------------------------------------------- */
typedef struct table {
    char **ids;               /* behaviours, by number */
    size_t nids;
    char **gens;              /* the plugins found by range, then others */
    size_t ngens;
} table;

static void add_unique(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], s))
            return;
    *HP_RIG_PUSH(*v, *n) = (char *)s;
}

static int by_number(const void *a, const void *b)
{
    long x = atol(*(char *const *)a + 1), y = atol(*(char *const *)b + 1);
    return x < y ? -1 : x > y;
}

static const char *gen_of(const hp_rig_case *c)
{
    return c->generation ? c->generation : "(none)";
}

static void table_make(table *t, const hp_rig_suite *s, const size_t *sel,
                       size_t nsel)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < s->ngens; i++)
        add_unique(&t->gens, &t->ngens, s->gens[i].name);
    for (size_t i = 0; i < nsel; i++) {
        const hp_rig_case *c = &s->v[sel[i]];
        for (size_t k = 0; k < c->sc.nbehaviours; k++)
            add_unique(&t->ids, &t->nids, c->sc.behaviours[k]);
        if (c->sc.nbehaviours)
            add_unique(&t->gens, &t->ngens, gen_of(c));
    }
    qsort(t->ids, t->nids, sizeof *t->ids, by_number);
}

static int covers(const hp_rig_case *c, const char *id, const char *gen)
{
    if (strcmp(gen_of(c), gen))
        return 0;
    for (size_t k = 0; k < c->sc.nbehaviours; k++)
        if (!strcmp(c->sc.behaviours[k], id))
            return 1;
    return 0;
}

static void matrix_text(FILE *f, const table *t, const hp_rig_suite *s,
                        const size_t *sel, size_t nsel)
{
    fputs("behaviour", f);
    for (size_t g = 0; g < t->ngens; g++)
        fprintf(f, "  %s", t->gens[g]);
    fputc('\n', f);
    for (size_t b = 0; b < t->nids; b++) {
        fprintf(f, "%-9s", t->ids[b]);
        for (size_t g = 0; g < t->ngens; g++) {
            size_t n = 0;
            for (size_t i = 0; i < nsel; i++)
                n += (size_t)covers(&s->v[sel[i]], t->ids[b], t->gens[g]);
            char cell[24] = ".";
            if (n)
                snprintf(cell, sizeof cell, "%zu", n);
            fprintf(f, "  %*s", (int)strlen(t->gens[g]), cell);
        }
        fputc('\n', f);
    }
}

static void matrix_rows(FILE *f, json_t *arr, const table *t,
                        const hp_rig_suite *s, const size_t *sel, size_t nsel)
{
    for (size_t b = 0; b < t->nids; b++) {
        json_t *row = json_object(), *by = json_object();
        for (size_t g = 0; g < t->ngens; g++) {
            json_t *names = json_array();
            for (size_t i = 0; i < nsel; i++) {
                const hp_rig_case *c = &s->v[sel[i]];
                if (!covers(c, t->ids[b], t->gens[g]))
                    continue;
                json_array_append_new(names, json_string(c->name));
                if (!arr)
                    fprintf(f, "%s\t%s\t%s\n", t->ids[b], t->gens[g],
                            c->name);
            }
            json_object_set_new(by, t->gens[g], names);
        }
        json_object_set_new(row, "id", json_string(t->ids[b]));
        json_object_set_new(row, "scenarios", by);
        if (arr)
            json_array_append_new(arr, row);
        else
            json_decref(row);
    }
}

int hp_rig_matrix(FILE *f, const hp_rig_suite *s, const size_t *sel,
                  size_t nsel, int format)
{
    table t;
    int bad = 0;
    table_make(&t, s, sel, nsel);
    for (size_t i = 0; i < nsel; i++)
        if (s->v[sel[i]].error) {
            fprintf(stderr, "hostpriv-rig: %s does not parse: %s\n",
                    s->v[sel[i]].name, s->v[sel[i]].error);
            bad = 1;
        }
    if (format == HP_RIG_FMT_TEXT)
        matrix_text(f, &t, s, sel, nsel);
    else if (format == HP_RIG_FMT_TSV)
        matrix_rows(f, NULL, &t, s, sel, nsel);
    else {
        json_t *o = json_object(), *gens = json_array(), *rows = json_array();
        for (size_t g = 0; g < t.ngens; g++)
            json_array_append_new(gens, json_string(t.gens[g]));
        matrix_rows(f, rows, &t, s, sel, nsel);
        json_object_set_new(o, "generations", gens);
        json_object_set_new(o, "behaviours", rows);
        dump(f, o);
    }
    free(t.ids);
    free(t.gens);
    return bad;
}
