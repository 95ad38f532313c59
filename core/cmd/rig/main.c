/* hostpriv-rig: command line, the list of scenario files, staging once per
 * run, one forked child per scenario (own network namespace where the
 * kernel allows it), the summary line.  Cleanup of the sudoers rule, the
 * stage and the current sandbox happens on every way out: normal end,
 * error, SIGINT/SIGTERM/SIGHUP. */
#include "rig.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HP_VERSION
#define HP_VERSION "0"
#endif

static const char usage_text[] =
    "usage: hostpriv-rig run [--keep] [--verbose] [--report] PATH...\n"
    "       hostpriv-rig --help | --version\n"
    "\n"
    "Runs hostpriv version-emulation scenarios (INI files; directories are\n"
    "searched recursively for *.ini) each in a fresh sandbox root, the app\n"
    "side as the unprivileged test user, and prints one line per scenario\n"
    "and `N passed, N failed`.  Must run as root.\n"
    "\n"
    "  -k, --keep      leave each sandbox (and the stage) and print its path\n"
    "  -v, --verbose   show every step, its exit status, events and stderr\n"
    "  -r, --report    tell each scenario in prose: prompts, answers, what\n"
    "                  changed where (the demo)\n"
    "\n"
    "Exit: 0 all passed, 1 a scenario failed, 64 usage, 77 cannot run here\n"
    "(not root, no test user, no sudo).  Format: hostpriv-rig(1),\n"
    "tests/scenarios/README.md.\n";

typedef struct scen {
    char *path, *display;
} scen;

static pid_t g_owner;                 /* the process that cleans up */
static volatile sig_atomic_t g_sig;
static volatile pid_t g_child;
static char g_sandbox[PATH_MAX];      /* the current scenario's directory */
static int g_keep;

static void cleanup(void)
{
    if (getpid() != g_owner)
        return;     /* a forked child must not undo the run */
    if (g_sandbox[0] && !g_keep)
        hp_rig_rmtree(g_sandbox);
    g_sandbox[0] = '\0';
    hp_rig_stage_cleanup(g_keep);
}

static void on_signal(int sig)
{
    g_sig = sig;
    if (g_child > 0)
        kill(g_child, sig);
}

static void child_signal(int sig)
{
    /* the step's process group is not in the terminal's foreground group */
    if (hp_rig_current_pgid > 0)
        kill(-hp_rig_current_pgid, SIGKILL);
    _exit(128 + sig);
}

static int by_display(const void *a, const void *b)
{
    return strcmp(((const scen *)a)->path, ((const scen *)b)->path);
}

static void walk(const char *dir, const char *rel, scen **v, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = hp_rig_fmt("%s/%s", dir, de->d_name);
        char *r = *rel ? hp_rig_fmt("%s/%s", rel, de->d_name)
                       : hp_rig_strdup(de->d_name);
        struct stat st;
        size_t l = strlen(de->d_name);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(p, r, v, n);
        } else if (l > 4 && !strcmp(de->d_name + l - 4, ".ini") &&
                   S_ISREG(st.st_mode)) {
            scen *s = HP_RIG_PUSH(*v, *n);
            s->path = p;
            s->display = r;
            continue;
        }
        free(p);
        free(r);
    }
    closedir(d);
}

static int collect(char **args, int n, scen **v, size_t *nv)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            fprintf(stderr, "hostpriv-rig: %s: %s\n", args[i],
                    strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            size_t from = *nv;
            char *dir = hp_rig_strdup(args[i]);
            size_t l = strlen(dir);
            while (l > 1 && dir[l - 1] == '/')
                dir[--l] = '\0';
            walk(dir, "", v, nv);
            qsort(*v + from, *nv - from, sizeof **v, by_display);
            free(dir);
        } else {
            scen *s = HP_RIG_PUSH(*v, *nv);
            s->path = hp_rig_strdup(args[i]);
            s->display = hp_rig_strdup(args[i]);
        }
    }
    return 0;
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

/* One scenario: the parent makes its directory (so it can always clean
 * it), the child runs it, the parent sweeps whatever is left. */
static int one(const scen *s, const hp_rig_stage *st, const hp_rig_opts *o,
               int netns)
{
    hp_rig_sandbox sb;
    char err[512];
    memset(&sb, 0, sizeof sb);
    sb.st = st;
    fflush(stdout);
    if (hp_rig_sandbox_dir(&sb, err, sizeof err)) {
        printf("FAIL %s\n  %s\n", s->display, err);
        return HP_RIG_FAIL;
    }
    snprintf(g_sandbox, sizeof g_sandbox, "%s", sb.dir);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, child_signal);
        signal(SIGTERM, child_signal);
        signal(SIGHUP, child_signal);
        int v = hp_rig_scenario_run(s->path, s->display, &sb, o, netns);
        fflush(stdout);
        _exit(v);
    }
    int status = 0, v = HP_RIG_FAIL;
    g_child = pid;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_child = 0;
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) <= HP_RIG_SKIP)
        v = WEXITSTATUS(status);
    else if (!g_sig)
        printf("FAIL %s\n  the rig's child for it died (%s %d)\n", s->display,
               pid < 0 ? "fork" : WIFSIGNALED(status) ? "signal" : "status",
               pid < 0 ? errno : WIFSIGNALED(status) ? WTERMSIG(status)
                                                     : WEXITSTATUS(status));
    hp_rig_sweep(sb.dir, sb.root, st->dir, 0);
    if (!o->keep)
        hp_rig_rmtree(sb.dir);
    g_sandbox[0] = '\0';
    return v;
}

/* Options of `run`; returns the index of the first PATH, or -1 (usage). */
static int parse_opts(int argc, char **argv, hp_rig_opts *o)
{
    static const struct option lo[] = {
        { "keep", no_argument, 0, 'k' }, { "verbose", no_argument, 0, 'v' },
        { "report", no_argument, 0, 'r' }, { 0, 0, 0, 0 } };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+kvr", lo, NULL)) != -1) {
        if (c == 'k')
            o->keep = 1;
        else if (c == 'v')
            o->verbose = 1;
        else if (c == 'r')
            o->report = 1;
        else {
            fprintf(stderr, "hostpriv-rig run: unknown option '%s'\n\n",
                    argv[optind - 1]);
            fputs(usage_text, stderr);
            return -1;
        }
    }
    if (optind == argc) {
        fputs("hostpriv-rig run: name scenario files or directories\n",
              stderr);
        return -1;
    }
    return optind;
}

static void summary(const int counts[3])
{
    printf("%d passed, %d failed", counts[HP_RIG_PASS], counts[HP_RIG_FAIL]);
    if (counts[HP_RIG_SKIP])
        printf(", %d skipped", counts[HP_RIG_SKIP]);
    putchar('\n');
}

static void release(scen *v, size_t n, hp_rig_stage *st)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].display);
    }
    free(v);
    for (size_t i = 0; i < st->nplugins; i++)
        free(st->plugin_names[i]);
    free(st->plugin_names);
}

static int run(int argc, char **argv)
{
    hp_rig_opts o = { 0 };
    int first = parse_opts(argc, argv, &o);
    if (first < 0)
        return 64;
    if (geteuid() != 0) {
        fputs("hostpriv-rig: must run as root: it builds sandbox roots, runs "
              "the helper as root and the app side as the test user, and "
              "writes a sudoers rule for the run (try: sudo hostpriv-rig "
              "run ...)\n", stderr);
        return 77;
    }
    scen *v = NULL;
    size_t n = 0;
    if (collect(argv + first, argc - first, &v, &n))
        return 64;
    if (n == 0) {
        puts("0 passed, 0 failed");
        return 0;
    }
    g_keep = o.keep;
    hp_rig_stage st;
    memset(&st, 0, sizeof st);
    char err[1024];
    if (hp_rig_stage_make(&st, o.verbose, err, sizeof err)) {
        fprintf(stderr, "hostpriv-rig: %s\n", err);
        release(v, n, &st);
        return 77;
    }
    int netns = netns_works();
    if (!netns)
        printf("# network namespaces are not available here: scenarios "
               "share the machine's loopback (ports are not isolated)\n");
    int counts[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n && !g_sig; i++)
        counts[one(&v[i], &st, &o, netns)]++;
    if (o.keep)
        printf("# stage kept: %s\n", st.dir);
    int rc;
    if (g_sig) {
        printf("# interrupted (signal %d): cleaned up\n", (int)g_sig);
        rc = 128 + g_sig;
    } else {
        summary(counts);
        rc = counts[HP_RIG_FAIL] ? 1 : 0;
    }
    release(v, n, &st);
    return rc;
}

int main(int argc, char **argv)
{
    g_owner = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return fputs(usage_text, stdout), 0;
    if (argc >= 2 && !strcmp(argv[1], "--version"))
        return printf("hostpriv-rig %s\n", HP_VERSION), 0;
    if (argc < 2 || strcmp(argv[1], "run"))
        return fputs(usage_text, stderr), 64;
    atexit(cleanup);
    struct sigaction sa = { .sa_handler = on_signal };   /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = run(argc - 1, argv + 1);
    fflush(stdout);
    return rc;
}
