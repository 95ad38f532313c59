/* One row of the table `make bench` ends with (scripts/bench): a figure
 * beside its floor or peer, the ratio, and the aim.  The rows go, one a
 * line, tab-separated, to the file HP_BENCH_ROWS names (scripts/bench
 * sets it; unset, nothing is written):
 *   part  figure  value  unit  vs  vs_value  ratio  aim
 * The aim is "<= N", ">= N" or "= N" on the ratio ("" none); the table
 * says whether it was met.  Figures and names are our own text: no tab,
 * no newline. */
#ifndef HP_BENCHROW_H
#define HP_BENCHROW_H
#include <stdio.h>
#include <stdlib.h>

static inline void bench_row(const char *part, const char *figure,
                             double value, const char *unit, const char *vs,
                             double vs_value, double ratio, const char *aim)
{
    const char *path = getenv("HP_BENCH_ROWS");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%.6g\t%s\t%s\t%.6g\t%.4g\t%s\n", part, figure, value,
            unit, vs ? vs : "", vs ? vs_value : 0.0, vs ? ratio : 0.0,
            aim ? aim : "");
    fclose(f);
}
#endif
