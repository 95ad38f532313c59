/* The text report: one result line per scenario, `ok   NAME (B1, B2)
 * 1.23s`, `FAIL NAME ...` with the indented details after it, `skip NAME
 * (why) 0.00s`; the time always last, so the slow ones are easy to find
 * (and to sort: `sort -k NF`).  After the run, `#` lines with the totals
 * and the slowest scenarios. */
#include "rig.h"
#include <stdlib.h>
#include <string.h>

static const char *const verdicts[] = { "ok", "FAIL", "skip" };

void hp_rig_text_case(FILE *f, const hp_rig_case *c)
{
    const hp_rig_result *r = &c->res;
    if (r->head)
        fputs(r->head, f);
    fprintf(f, "%-4s %s", verdicts[r->verdict], c->name);
    for (size_t i = 0; i < c->sc.nbehaviours; i++)
        fprintf(f, "%s%s", i ? ", " : " (", c->sc.behaviours[i]);
    if (c->sc.nbehaviours)
        fputc(')', f);
    if (r->why)
        fprintf(f, " (%s)", r->why);
    fprintf(f, " %.2fs\n", r->secs);
    if (r->trace)
        fputs(r->trace, f);
    if (r->fail)
        fputs(r->fail, f);
    if (r->kept)
        fputs(r->kept, f);
    fflush(f);
}

static int slower(const void *a, const void *b)
{
    double x = (*(const hp_rig_case *const *)a)->res.secs;
    double y = (*(const hp_rig_case *const *)b)->res.secs;
    return x < y ? 1 : x > y ? -1 : 0;
}

void hp_rig_text_times(FILE *f, hp_rig_suite *s, const size_t *sel,
                       size_t nsel, double wall, int jobs)
{
    const hp_rig_case **v = calloc(nsel ? nsel : 1, sizeof *v);
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; v && i < nsel; i++)
        if (s->v[sel[i]].done > 0) {
            v[n++] = &s->v[sel[i]];
            sum += s->v[sel[i]].res.secs;
        }
    if (!v)
        return;
    fprintf(f, "# %zu scenario%s in %.2fs with -j %d (%.2fs of scenario "
            "time)", n, n == 1 ? "" : "s", wall, jobs, sum);
    qsort(v, n, sizeof *v, slower);
    for (size_t i = 0; i < n && i < 3 && v[i]->res.secs >= 0.01; i++)
        fprintf(f, "%s %s %.2fs", i ? "," : "; slowest:", v[i]->name,
                v[i]->res.secs);
    fputc('\n', f);
    free(v);
}
