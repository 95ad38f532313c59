/* hostpriv-rig: the commands.  `run` stages once per run (one stage and
 * one sudoers rule for all its scenarios, which only read them), finds
 * each scenario's generation, selects, and hands the scenarios to the
 * scheduler (sched.c), which runs them -j at a time; the report is written
 * here as their results come in, in the sorted order: text, or TAP, and
 * JUnit XML on request.  `list` and `matrix` read the files and run
 * nothing.  Cleanup of the sudoers rule, the stage and the sandboxes of
 * running scenarios happens on every way out: normal end, error,
 * SIGINT/SIGTERM/SIGHUP. */
#include "rig.h"
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef HP_VERSION
#define HP_VERSION "0"
#endif

static pid_t g_owner;                 /* the process that cleans up */
static int g_keep;
static hp_rig_junit g_junit = { .fd = -1 };

static void cleanup(void)
{
    if (getpid() != g_owner)
        return;     /* a forked child must not undo the run */
    hp_rig_sched_cleanup(g_keep);
    hp_rig_stage_cleanup(g_keep);
    hp_rig_junit_abandon(&g_junit);
}

static void on_signal(int sig)
{
    hp_rig_sched_signal(sig);
}

static int netns_works(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct report {
    int tap;
    int counts[3];
} report;

static void emit(hp_rig_case *c, size_t nth, void *arg)
{
    report *r = arg;
    r->counts[c->res.verdict]++;
    if (r->tap)
        hp_rig_tap_case(stdout, c, nth);
    else
        hp_rig_text_case(stdout, c);
}

static void summary(const report *r)
{
    printf("%s%d passed, %d failed", r->tap ? "# " : "",
           r->counts[HP_RIG_PASS], r->counts[HP_RIG_FAIL]);
    if (r->counts[HP_RIG_SKIP])
        printf(", %d skipped", r->counts[HP_RIG_SKIP]);
    putchar('\n');
}

static int not_root(void)
{
    fputs("hostpriv-rig: must run as root: it builds sandbox roots, runs the "
          "helper as root and the app side as the test user, and writes a "
          "sudoers rule for the run (try: sudo hostpriv-rig run ...)\n",
          stderr);
    return 77;
}

/* The scenarios, staged, selected; 0 or the exit code. */
static int prepare(int argc, char **argv, hp_rig_opts *o, hp_rig_suite *s,
                   hp_rig_stage *st, size_t **sel, size_t *nsel)
{
    int first = hp_rig_cli_parse(argc, argv, o);
    if (first < 0)
        return 64;
    if (geteuid() != 0)
        return not_root();
    if (o->tap)
        puts("TAP version 13");
    char err[1024];
    if (hp_rig_suite_collect(s, argv + first, argc - first))
        return 64;
    if (o->junit && hp_rig_junit_open(&g_junit, o->junit, err, sizeof err)) {
        fprintf(stderr, "hostpriv-rig: %s\n", err);
        return 64;
    }
    g_keep = o->keep;
    if (hp_rig_stage_make(st, o->verbose, err, sizeof err)) {
        fprintf(stderr, "hostpriv-rig: %s\n", err);
        return 77;
    }
    hp_rig_suite_generations(s, st->plugins, 1);
    return hp_rig_suite_select(s, o, sel, nsel) ? 64 : 0;
}

static int finish(const hp_rig_opts *o, hp_rig_suite *s, const size_t *sel,
                  size_t nsel, const report *r, int sig, double wall)
{
    char err[1024];
    if (sig) {
        printf(o->tap ? "Bail out! interrupted by signal %d\n"
                      : "# interrupted (signal %d): cleaned up\n", sig);
        hp_rig_junit_abandon(&g_junit);
        return 128 + sig;
    }
    hp_rig_text_times(stdout, s, sel, nsel, wall, o->jobs);
    summary(r);
    int rc = r->counts[HP_RIG_FAIL] ? 1 : 0;
    if (o->junit && hp_rig_junit_write(&g_junit, s, sel, nsel, wall, err,
                                       sizeof err)) {
        fprintf(stderr, "hostpriv-rig: %s\n", err);
        rc = 1;
    }
    return rc;
}

static int run(int argc, char **argv)
{
    hp_rig_opts o = { .cmd = HP_RIG_CMD_RUN };
    hp_rig_suite s = { 0 };
    hp_rig_stage st;
    size_t *sel = NULL, nsel = 0;
    memset(&st, 0, sizeof st);
    int rc = prepare(argc, argv, &o, &s, &st, &sel, &nsel);
    if (rc == 0) {
        int netns = netns_works();
        if (!netns && o.jobs > 1)
            o.jobs = 1;
        if (!netns)
            printf("# network namespaces are not available here: scenarios "
                   "share the machine's loopback (ports are not isolated), "
                   "so they run one at a time\n");
        report r = { .tap = o.tap };
        if (o.tap)
            printf("1..%zu\n", nsel);
        double t0 = now();
        int sig = hp_rig_schedule(&s, sel, nsel, &st, &o, netns, emit, &r);
        if (o.keep)
            printf("# stage kept: %s\n", st.dir);
        rc = finish(&o, &s, sel, nsel, &r, sig, now() - t0);
    }
    free(sel);
    hp_rig_suite_free(&s);
    for (size_t i = 0; i < st.nplugins; i++)
        free(st.plugin_names[i]);
    free(st.plugin_names);
    hp_rig_cli_free(&o);
    return rc;
}

/* list, matrix: the files alone; root only matters for which plugin
 * files the loader accepts (root's: root-owned, as hostpriv has it). */
static int show(int cmd, int argc, char **argv)
{
    hp_rig_opts o = { .cmd = cmd };
    hp_rig_suite s = { 0 };
    size_t *sel = NULL, nsel = 0;
    char dir[PATH_MAX];
    int rc = 64, first = hp_rig_cli_parse(argc, argv, &o);
    if (first >= 0 && hp_rig_suite_collect(&s, argv + first,
                                           argc - first) == 0) {
        hp_rig_plugin_source(dir, sizeof dir);
        hp_rig_suite_generations(&s, dir, geteuid() == 0);
        if (hp_rig_suite_select(&s, &o, &sel, &nsel) == 0)
            rc = cmd == HP_RIG_CMD_LIST
                     ? hp_rig_list(stdout, &s, sel, nsel, o.format)
                     : hp_rig_matrix(stdout, &s, sel, nsel, o.format);
    }
    free(sel);
    hp_rig_suite_free(&s);
    hp_rig_cli_free(&o);
    return rc;
}

int main(int argc, char **argv)
{
    g_owner = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return hp_rig_usage(stdout), 0;
    if (argc >= 2 && !strcmp(argv[1], "--version"))
        return printf("hostpriv-rig %s\n", HP_VERSION), 0;
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && !strcmp(argv[1], "list"))
        return show(HP_RIG_CMD_LIST, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "matrix"))
        return show(HP_RIG_CMD_MATRIX, argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "run"))
        return hp_rig_usage(stderr), 64;
    atexit(cleanup);
    struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int rc = run(argc - 1, argv + 1);
    fflush(stdout);
    return rc;
}
