/* The options of `run`, `list` and `matrix`.  The selection options
 * (--shard, --behaviour, --plugin) are the same for all three, so `list`
 * shows exactly what a `run` with them would run; the rest belong to the
 * command they shape.  Every bad value is a usage error naming the option
 * and what it takes. */
#include "rig.h"
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: hostpriv-rig run [-j N] [--shard K/N] [--behaviour B1[,B2...]]\n"
    "                        [--plugin NAME] [--junit FILE] [--tap]\n"
    "                        [--keep] [--verbose] [--report] PATH...\n"
    "       hostpriv-rig list [--json] [SELECTION] PATH...\n"
    "       hostpriv-rig matrix [--json | --tsv] [SELECTION] PATH...\n"
    "       hostpriv-rig --help | --version\n"
    "\n"
    "Runs hostpriv version-emulation scenarios (INI files; directories are\n"
    "searched recursively for *.ini) each in a fresh sandbox root, the app\n"
    "side as the unprivileged test user, several at a time, and prints one\n"
    "line per scenario in sorted order with its time, and `N passed, N\n"
    "failed`.  `run` must run as root.\n"
    "\n"
    "  -j, --jobs N        scenarios at a time (default: the CPUs, here %d)\n"
    "      --shard K/N     only the K-th of N parts (by a hash of each name):\n"
    "                      N jobs with K = 1..N run every scenario once\n"
    "      --behaviour IDS only scenarios covering one of these behaviours\n"
    "      --plugin NAMES  only scenarios of these generations (plugins)\n"
    "      --junit FILE    also write JUnit XML (one testsuite per directory)\n"
    "      --tap           print TAP version 13 instead of the text report\n"
    "  -k, --keep          leave each sandbox (and the stage), print its path\n"
    "  -v, --verbose       show every step, its exit status, events, stderr\n"
    "  -r, --report        tell each scenario in prose (the demo)\n"
    "      --json          list / matrix: JSON\n"
    "      --tsv           matrix: `BEHAVIOUR<tab>GENERATION<tab>SCENARIO`\n"
    "\n"
    "`list` prints each scenario with its generation, steps and behaviours;\n"
    "`matrix` the behaviour x generation table; neither runs anything.  Their\n"
    "SELECTION is --shard, --behaviour and --plugin, as for `run`.\n"
    "Exit: 0 all passed, 1 a scenario failed (list, matrix: a file does not\n"
    "parse), 64 usage, 77 cannot run here (not root, no test user, no sudo).\n"
    "Format: hostpriv-rig(1), tests/scenarios/README.md.\n";

void hp_rig_usage(FILE *f)
{
    fprintf(f, usage_text, hp_rig_cpus());
}

int hp_rig_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static const char *const cmd_names[] = { "run", "list", "matrix" };

static int bad(const hp_rig_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad(const hp_rig_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hostpriv-rig %s: ", cmd_names[o->cmd]);
    vfprintf(stderr, fmt, ap);
    fputs(" (hostpriv-rig --help)\n", stderr);
    va_end(ap);
    return -1;
}

/* A whole number in [lo, hi] */
static int number(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int shard(hp_rig_opts *o, const char *v)
{
    const char *slash = strchr(v, '/');
    char k[16];
    long kk, nn;
    if (!slash || (size_t)(slash - v) >= sizeof k)
        return bad(o, "--shard takes K/N, as 2/4, not '%s'", v);
    snprintf(k, sizeof k, "%.*s", (int)(slash - v), v);
    if (number(k, 1, 100000, &kk) || number(slash + 1, 1, 100000, &nn) ||
        kk > nn)
        return bad(o, "--shard %s: K/N with 1 <= K <= N", v);
    o->shard_k = (unsigned)kk;
    o->shard_n = (unsigned)nn;
    return 0;
}

/* "B21,B22" (the option may repeat): each an id as scenarios write it. */
static int ids(hp_rig_opts *o, const char *v, int behaviour)
{
    char *copy = hp_rig_strdup(v), *save = NULL;
    int rc = 0, any = 0;
    for (char *t = strtok_r(copy, ", ", &save); t && rc == 0;
         t = strtok_r(NULL, ", ", &save)) {
        any = 1;
        if (behaviour && (t[0] != 'B' || !t[1] || t[1] == '0' ||
                          strspn(t + 1, "0123456789") != strlen(t + 1)))
            rc = bad(o, "--behaviour: '%s' is not a behaviour id (B1 to "
                     "B46, as in tests/scenarios/README.md)", t);
        else if (behaviour)
            *HP_RIG_PUSH(o->behaviours, o->nbehaviours) = hp_rig_strdup(t);
        else
            *HP_RIG_PUSH(o->plugins, o->nplugins) = hp_rig_strdup(t);
    }
    if (!any && rc == 0)
        rc = bad(o, "--%s needs a value", behaviour ? "behaviour" : "plugin");
    free(copy);
    return rc;
}

/* The options only some commands take: 0 when o->cmd takes c. */
static int allowed(const hp_rig_opts *o, int c)
{
    static const char run_only[] = "jkvrJT", matrix_only[] = "S";
    if (strchr(run_only, c))
        return o->cmd == HP_RIG_CMD_RUN ? 0 : -1;
    if (strchr(matrix_only, c))
        return o->cmd == HP_RIG_CMD_MATRIX ? 0 : -1;
    if (c == 'O')
        return o->cmd == HP_RIG_CMD_RUN ? -1 : 0;
    return 0;
}

static int one(hp_rig_opts *o, int c, const char *arg, const char *as)
{
    long n;
    if (allowed(o, c))
        return bad(o, "%s is not an option of this command", as);
    switch (c) {
    case 'j':
        if (number(arg, 1, 1024, &n))
            return bad(o, "-j takes a number of scenarios at a time, 1 to "
                       "1024, not '%s'", arg);
        o->jobs = (int)n;
        return 0;
    case 'k': o->keep = 1; return 0;
    case 'v': o->verbose = 1; return 0;
    case 'r': o->report = 1; return 0;
    case 'T': o->tap = 1; return 0;
    case 'J':
        if (!*arg)
            return bad(o, "--junit needs a file name");
        o->junit = arg;
        return 0;
    case 'O': o->format = HP_RIG_FMT_JSON; return 0;
    case 'S': o->format = HP_RIG_FMT_TSV; return 0;
    case 's': return shard(o, arg);
    case 'b': return ids(o, arg, 1);
    case 'p': return ids(o, arg, 0);
    }
    return bad(o, "unknown option '%s'", as);
}

int hp_rig_cli_parse(int argc, char **argv, hp_rig_opts *o)
{
    static const struct option lo[] = {
        { "jobs", required_argument, 0, 'j' },
        { "keep", no_argument, 0, 'k' }, { "verbose", no_argument, 0, 'v' },
        { "report", no_argument, 0, 'r' }, { "tap", no_argument, 0, 'T' },
        { "junit", required_argument, 0, 'J' },
        { "json", no_argument, 0, 'O' }, { "tsv", no_argument, 0, 'S' },
        { "shard", required_argument, 0, 's' },
        { "behaviour", required_argument, 0, 'b' },
        { "behavior", required_argument, 0, 'b' },
        { "plugin", required_argument, 0, 'p' }, { 0, 0, 0, 0 } };
    int c;
    o->jobs = hp_rig_cpus();
    optind = 1;
    opterr = 0;
    int li = -1;
    while ((c = getopt_long(argc, argv, "+:j:kvr", lo, &li)) != -1) {
        char as[32];                  /* the option as the user wrote it */
        if (li >= 0)
            snprintf(as, sizeof as, "--%s", lo[li].name);
        else
            snprintf(as, sizeof as, "-%c", c == '?' || c == ':' ? optopt : c);
        li = -1;
        if (c == ':')                  /* the option was the last word */
            return bad(o, "%s needs a value", argv[optind - 1]);
        if (c == '?')
            return bad(o, "unknown option '%s'",
                       optopt ? as : argv[optind - 1]);
        if (one(o, c, optarg, as))
            return -1;
    }
    if (o->tap && o->report)
        return bad(o, "--tap and --report do not go together: the report "
                   "is prose, TAP is for a harness");
    if (optind == argc)
        return bad(o, "name scenario files or directories");
    return optind;
}

void hp_rig_cli_free(hp_rig_opts *o)
{
    for (size_t i = 0; i < o->nbehaviours; i++)
        free(o->behaviours[i]);
    free(o->behaviours);
    for (size_t i = 0; i < o->nplugins; i++)
        free(o->plugins[i]);
    free(o->plugins);
    o->behaviours = o->plugins = NULL;
    o->nbehaviours = o->nplugins = 0;
}
