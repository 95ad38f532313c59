/* Running the selected scenarios, o->jobs at a time.  Each runs in its own
 * forked process (its own network namespace, a child subreaper) in its own
 * sandbox directory, which the rig makes before the fork and removes after
 * it, whatever happened to the process.  What the scenarios share is only
 * what is the same for all of them: the stage and the sudoers rule of
 * this run, read-only to them.  A scenario's outcome comes back through a
 * memfd (result.c), never through the terminal, so the report is written
 * by the rig alone, in the sorted order, as soon as every scenario before
 * one has completed.  The rig is a child subreaper too: what a scenario's
 * process leaves behind when it dies comes to the rig, which stops it. */
#include "rig.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    size_t idx;               /* the case in s->v */
    int fd;                   /* its result memfd */
    hp_rig_sandbox sb;
    double t0;
} slot;

/* Read by the signal handler: plain arrays, set up before any fork. */
static volatile pid_t *g_pids;
static slot *g_slots;
static size_t g_nslots;
static volatile sig_atomic_t g_sig;

void hp_rig_sched_signal(int sig)
{
    g_sig = sig;
    for (size_t i = 0; g_pids && i < g_nslots; i++)
        if (g_pids[i] > 0)
            kill(g_pids[i], sig);
}

void hp_rig_sched_cleanup(int keep)
{
    for (size_t i = 0; g_pids && i < g_nslots; i++)
        if (g_pids[i] > 0 && !keep)
            hp_rig_rmtree(g_slots[i].sb.dir);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void verdict(hp_rig_case *c, int v, char *fail, const char *why)
{
    memset(&c->res, 0, sizeof c->res);
    c->res.verdict = v;
    c->res.fail = fail;
    c->res.why = hp_rig_strdup(why);
    c->done = 1;
}

static void child_signal(int sig)
{
    /* the step's process group is not in the terminal's foreground group */
    if (hp_rig_current_pgid > 0)
        kill(-hp_rig_current_pgid, SIGKILL);
    _exit(128 + sig);
}

static void signals(int how, sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(how, &set, old);
}

static void child(hp_rig_case *c, slot *sl, const hp_rig_opts *o, int netns,
                  const sigset_t *mask)
{
    signal(SIGINT, child_signal);
    signal(SIGTERM, child_signal);
    signal(SIGHUP, child_signal);
    sigprocmask(SIG_SETMASK, mask, NULL);
    /* stdout is the report, the rig's alone: a stray line goes to stderr */
    dup2(2, 1);
    hp_rig_result res;
    hp_rig_scenario_run(&c->sc, &sl->sb, o, netns, &res);
    if (hp_rig_result_write(sl->fd, &res) != 0)
        _exit(70);
    _exit(res.verdict);
}

/* Start case idx in slot k; 1 when a process was forked, 0 when the case
 * was decided here (it does not parse, it is skipped, no sandbox). */
static int start(hp_rig_suite *s, size_t idx, size_t k,
                 const hp_rig_stage *st, const hp_rig_opts *o, int netns)
{
    hp_rig_case *c = &s->v[idx];
    char why[256], err[512];
    const char *skip;
    if (c->error) {
        verdict(c, HP_RIG_FAIL, hp_rig_fmt("  the scenario does not parse: "
                                           "%s\n", c->error), NULL);
        return 0;
    }
    if ((skip = hp_rig_skip_reason(&c->sc, st, why, sizeof why))) {
        verdict(c, HP_RIG_SKIP, NULL, skip);
        return 0;
    }
    slot *sl = &g_slots[k];
    memset(&sl->sb, 0, sizeof sl->sb);
    sl->sb.st = st;
    sl->idx = idx;
    if (hp_rig_sandbox_dir(&sl->sb, err, sizeof err)) {
        verdict(c, HP_RIG_FAIL, hp_rig_fmt("  %s\n", err), NULL);
        return 0;
    }
    sl->fd = memfd_create("hostpriv-rig-result", MFD_CLOEXEC);
    fflush(NULL);
    sl->t0 = now();
    /* no signal between the fork and the pid being where the handler
     * looks for it */
    sigset_t old;
    signals(SIG_BLOCK, &old);
    pid_t pid = sl->fd < 0 ? -1 : fork();
    if (pid == 0)
        child(c, sl, o, netns, &old);
    if (pid > 0)
        g_pids[k] = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        verdict(c, HP_RIG_FAIL, hp_rig_fmt("  cannot start it: %s\n",
                                           strerror(errno)), NULL);
        if (sl->fd >= 0)
            close(sl->fd);
        if (!o->keep)
            hp_rig_rmtree(sl->sb.dir);
        return 0;
    }
    return 1;
}

/* Slot k's process ended with status: take its result, stop what it
 * left, remove its sandbox. */
static void finish(hp_rig_suite *s, size_t k, int status,
                   const hp_rig_opts *o)
{
    slot *sl = &g_slots[k];
    hp_rig_case *c = &s->v[sl->idx];
    double secs = now() - sl->t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code >= 0 && code <= HP_RIG_SKIP &&
        hp_rig_result_read(sl->fd, &c->res) == 0)
        c->done = 1;
    else if (g_sig)
        c->done = -1;                /* interrupted: not a verdict */
    else {
        verdict(c, HP_RIG_FAIL, hp_rig_fmt("  the rig's process for it "
                "died (%s %d)\n", WIFSIGNALED(status) ? "signal" : "status",
                WIFSIGNALED(status) ? WTERMSIG(status) : code), NULL);
        c->res.secs = secs;
    }
    close(sl->fd);
    g_pids[k] = 0;
    pid_t *running = calloc(g_nslots, sizeof *running);
    size_t n = 0;
    for (size_t i = 0; running && i < g_nslots; i++)
        if (g_pids[i] > 0)
            running[n++] = g_pids[i];
    if (running)                /* never stop a scenario still running */
        hp_rig_sweep_ended(sl->sb.dir, running, n);
    free(running);
    if (!o->keep)
        hp_rig_rmtree(sl->sb.dir);
}

static size_t free_slot(void)
{
    for (size_t i = 0; i < g_nslots; i++)
        if (g_pids[i] <= 0)
            return i;
    return g_nslots;
}

static size_t slot_of(pid_t pid)
{
    for (size_t i = 0; i < g_nslots; i++)
        if (g_pids[i] == pid)
            return i;
    return g_nslots;
}

int hp_rig_schedule(hp_rig_suite *s, const size_t *sel, size_t nsel,
                    const hp_rig_stage *st, const hp_rig_opts *o, int netns,
                    hp_rig_emit_fn emit, void *arg)
{
    g_nslots = (size_t)(o->jobs > 0 ? o->jobs : 1);
    g_slots = calloc(g_nslots, sizeof *g_slots);
    g_pids = calloc(g_nslots, sizeof *g_pids);
    if (!g_slots || !g_pids) {
        fputs("hostpriv-rig: out of memory\n", stderr);
        exit(70);
    }
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    size_t next = 0, shown = 0, running = 0;
    while (running > 0 || (next < nsel && !g_sig)) {
        size_t k;
        while (!g_sig && next < nsel && (k = free_slot()) < g_nslots)
            running += (size_t)start(s, sel[next++], k, st, o, netns);
        for (; shown < nsel && s->v[sel[shown]].done; shown++)
            if (s->v[sel[shown]].done > 0)
                emit(&s->v[sel[shown]], shown, arg);
        if (running == 0)
            continue;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno != EINTR)
            break;
        if (pid > 0 && (k = slot_of(pid)) < g_nslots) {
            finish(s, k, status, o);
            running--;
        }                 /* else an orphan handed to us, now reaped */
    }
    for (; shown < nsel; shown++)      /* interrupted: what completed */
        if (s->v[sel[shown]].done > 0)
            emit(&s->v[sel[shown]], shown, arg);
    int sig = g_sig;
    volatile pid_t *pids = g_pids;
    g_nslots = 0;
    g_pids = NULL;
    free((void *)pids);
    free(g_slots);
    g_slots = NULL;
    return sig;
}
