/* One row of the table `make bench` ends with (scripts/bench): a figure
 * beside its floor or peer, the ratio, and the aim.  With HP_BENCH_TABLE
 * set (scripts/bench sets it) or bench_rows_on set, a row is a line on
 * stdout that scripts/bench takes out of the part's output:
 *   @row  part  figure  value  unit  vs  vs_value  ratio  aim
 * tab-separated.  The aim is "<= N", ">= N" or "= N" on the ratio (""
 * none); the table says whether it was met.  Figures and names are our
 * own text: no tab, no newline. */
#ifndef HP_BENCHROW_H
#define HP_BENCHROW_H
#include <stdio.h>
#include <stdlib.h>

static int bench_rows_on;

static inline void bench_row(const char *part, const char *figure,
                             double value, const char *unit, const char *vs,
                             double vs_value, double ratio, const char *aim)
{
    const char *on = getenv("HP_BENCH_TABLE");
    if (!bench_rows_on && !(on && *on && *on != '0'))
        return;
    printf("@row\t%s\t%s\t%.6g\t%s\t%s\t%.6g\t%.4g\t%s\n", part, figure,
           value, unit, vs ? vs : "", vs ? vs_value : 0.0, vs ? ratio : 0.0,
           aim ? aim : "");
    fflush(stdout);
}
#endif
