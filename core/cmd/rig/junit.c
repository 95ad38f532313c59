/* --junit FILE: JUnit XML as Jenkins, GitLab and the GitHub test
 * reporters read it: <testsuites> (the run: totals, wall time), one
 * <testsuite> per directory (name, tests, failures, errors, skipped, time,
 * timestamp, hostname), one <testcase> per scenario (classname = the
 * directory, name = the file, time) holding <properties> (each behaviour,
 * the generation), then <failure message type> with the expected-vs-actual
 * lines, or <skipped message>, and --verbose lines as <system-out>.
 *
 * The file is created before the run (a path that cannot be written fails
 * at once, not after the suite ran) as a fresh mkostemp beside FILE and
 * renamed over it when complete: a reader never sees half a report, and a
 * link planted at FILE is replaced, never written through. */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int hp_rig_junit_open(hp_rig_junit *j, const char *path, char *err,
                      size_t errn)
{
    j->fd = -1;
    if (snprintf(j->path, sizeof j->path, "%s", path) >= (int)sizeof j->path
        || snprintf(j->tmp, sizeof j->tmp, "%s.XXXXXX", path) >=
           (int)sizeof j->tmp) {
        snprintf(err, errn, "--junit %s: name too long", path);
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errn, "--junit %s is a directory: name a file in it, "
                 "as %s/junit.xml", path, path);
        return -1;
    }
    j->fd = mkostemp(j->tmp, O_CLOEXEC);
    if (j->fd < 0 || fchmod(j->fd, 0644) != 0) {
        snprintf(err, errn, "--junit %s: cannot create a file beside it: %s "
                 "(does its directory exist?)", path, strerror(errno));
        hp_rig_junit_abandon(j);
        return -1;
    }
    return 0;
}

void hp_rig_junit_abandon(hp_rig_junit *j)
{
    if (j->fd >= 0) {
        close(j->fd);
        unlink(j->tmp);
    }
    j->fd = -1;
}

/* Text for XML 1.0 (attr: also the blanks that attribute values fold). */
static void xml(FILE *f, const char *s, int attr)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t l = hp_rig_utf8(s + i, n - i);
        switch (l == 1 ? ch : 0) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\n': fputs(attr ? "&#10;" : "\n", f); break;
        case '\t': fputs(attr ? "&#9;" : "\t", f); break;
        case '\r': fputs("&#13;", f); break;
        default:
            if (l == 0 || ch < 0x20 || ch == 0x7f)
                fprintf(f, "\\x%02x", ch);     /* not allowed in XML 1.0 */
            else
                fwrite(s + i, 1, l, f);
        }
        i += l ? l : 1;
    }
}

typedef struct tally {
    size_t tests, failures, skipped;
    double time;
} tally;

static void count(const hp_rig_case *c, tally *t)
{
    t->tests++;
    t->failures += c->res.verdict == HP_RIG_FAIL;
    t->skipped += c->res.verdict == HP_RIG_SKIP;
    t->time += c->res.secs;
}

static void testcase(FILE *f, const hp_rig_case *c)
{
    const char *base = strrchr(c->name, '/');
    fputs("    <testcase classname=\"", f);
    xml(f, c->suite, 1);
    fputs("\" name=\"", f);
    xml(f, base ? base + 1 : c->name, 1);
    fprintf(f, "\" time=\"%.3f\" file=\"", c->res.secs);
    xml(f, c->path, 1);
    fputs("\">\n      <properties>\n", f);
    for (size_t i = 0; i < c->sc.nbehaviours; i++) {
        fputs("        <property name=\"behaviour\" value=\"", f);
        xml(f, c->sc.behaviours[i], 1);
        fputs("\"/>\n", f);
    }
    fputs("        <property name=\"generation\" value=\"", f);
    xml(f, c->generation ? c->generation : "", 1);
    fputs("\"/>\n      </properties>\n", f);
    if (c->res.verdict == HP_RIG_SKIP) {
        fputs("      <skipped message=\"", f);
        xml(f, c->res.why, 1);
        fputs("\"/>\n", f);
    } else if (c->res.verdict == HP_RIG_FAIL) {
        char *m = hp_rig_result_headline(&c->res);
        fputs("      <failure type=\"expectation\" message=\"", f);
        xml(f, m, 1);
        fputs("\">", f);
        xml(f, c->res.fail, 0);
        fputs("</failure>\n", f);
        free(m);
    }
    if (c->res.trace || c->res.kept) {
        fputs("      <system-out>", f);
        xml(f, c->res.trace, 0);
        xml(f, c->res.kept, 0);
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static void suite(FILE *f, const hp_rig_suite *s, const size_t *sel,
                  size_t nsel, size_t first, const char *stamp,
                  const char *host)
{
    const char *name = s->v[sel[first]].suite;
    tally t = { 0 };
    for (size_t i = first; i < nsel; i++)
        if (s->v[sel[i]].done > 0 && !strcmp(s->v[sel[i]].suite, name))
            count(&s->v[sel[i]], &t);
    fputs("  <testsuite name=\"", f);
    xml(f, name, 1);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\""
            " time=\"%.3f\" timestamp=\"%s\" hostname=\"", t.tests,
            t.failures, t.skipped, t.time, stamp);
    xml(f, host, 1);
    fputs("\">\n", f);
    for (size_t i = first; i < nsel; i++)
        if (s->v[sel[i]].done > 0 && !strcmp(s->v[sel[i]].suite, name))
            testcase(f, &s->v[sel[i]]);
    fputs("  </testsuite>\n", f);
}

/* 1 when an earlier selected case has the same suite (already written). */
static int seen(const hp_rig_suite *s, const size_t *sel, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (s->v[sel[k]].done > 0 &&
            !strcmp(s->v[sel[k]].suite, s->v[sel[i]].suite))
            return 1;
    return 0;
}

static void document(FILE *f, const hp_rig_suite *s, const size_t *sel,
                     size_t nsel, double wall)
{
    char stamp[32], host[256] = "";
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
    gethostname(host, sizeof host - 1);
    tally t = { 0 };
    for (size_t i = 0; i < nsel; i++)
        if (s->v[sel[i]].done > 0)
            count(&s->v[sel[i]], &t);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"hostpriv-rig\" tests=\"%zu\" failures=\"%zu\""
            " errors=\"0\" skipped=\"%zu\" time=\"%.3f\" timestamp=\"%s\">\n",
            t.tests, t.failures, t.skipped, wall, stamp);
    for (size_t i = 0; i < nsel; i++)
        if (s->v[sel[i]].done > 0 && !seen(s, sel, i))
            suite(f, s, sel, nsel, i, stamp, host);
    fputs("</testsuites>\n", f);
}

int hp_rig_junit_write(hp_rig_junit *j, const hp_rig_suite *s,
                       const size_t *sel, size_t nsel, double wall,
                       char *err, size_t errn)
{
    FILE *f = fdopen(j->fd, "w");
    if (!f) {
        snprintf(err, errn, "--junit %s: %s", j->path, strerror(errno));
        hp_rig_junit_abandon(j);
        return -1;
    }
    document(f, s, sel, nsel, wall);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    fclose(f);
    j->fd = -1;
    if (bad || rename(j->tmp, j->path) != 0) {
        e = bad ? e : errno;
        unlink(j->tmp);
        snprintf(err, errn, "--junit %s: cannot write it: %s", j->path,
                 strerror(e));
        return -1;
    }
    return 0;
}
