/* One scenario, run in a forked child of the rig (its own network
 * namespace, child subreaper so daemons cannot slip away): build the host,
 * run the steps in order, check each step's expectations, stop at the
 * first step that fails (later steps would only report its fallout), check
 * [expect], stop every process, and hand back the verdict with the texts
 * the report needs (the rig writes the report, sched.c). */
#include "rig.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static const char *const pass_env[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                        "LSAN_OPTIONS", NULL };

/* PATH, HOME (nowhere: no user config layer applies) and the sanitizer
 * options of an asan run; sh steps also get ROOT, HOSTPRIV and EVENTS. */
static char **step_env(const hp_rig_sandbox *sb, int sh)
{
    char **env = NULL;
    size_t n = 0;
    *HP_RIG_PUSH(env, n) = hp_rig_strdup("PATH=/usr/bin:/bin");
    *HP_RIG_PUSH(env, n) = hp_rig_strdup("HOME=/nonexistent");
    for (const char *const *k = pass_env; *k; k++)
        if (getenv(*k))
            *HP_RIG_PUSH(env, n) = hp_rig_fmt("%s=%s", *k, getenv(*k));
    if (sh) {
        *HP_RIG_PUSH(env, n) = hp_rig_fmt("ROOT=%s", sb->root);
        *HP_RIG_PUSH(env, n) = hp_rig_fmt("HOSTPRIV=%s", sb->st->hostpriv);
        *HP_RIG_PUSH(env, n) = hp_rig_fmt("EVENTS=%s", sb->events);
    }
    *HP_RIG_PUSH(env, n) = NULL;
    return env;
}

/* Like a service manager: what the reboot step starts in-process
 * (hp_service_boot) inherits nothing from whoever ran the rig. */
static void clean_environment(void)
{
    char *keep[3] = { NULL, NULL, NULL };
    for (int i = 0; pass_env[i]; i++)
        keep[i] = getenv(pass_env[i]) ? hp_rig_strdup(getenv(pass_env[i]))
                                      : NULL;
    clearenv();
    setenv("PATH", "/usr/bin:/bin", 1);
    setenv("HOME", "/nonexistent", 1);
    for (int i = 0; pass_env[i]; i++) {
        if (keep[i])
            setenv(pass_env[i], keep[i], 1);
        free(keep[i]);
    }
}

static void strv_free(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static int run_command(hp_rig_sandbox *sb, const hp_rig_step *st,
                       hp_rig_proc *r)
{
    char **argv = NULL, **env = step_env(sb, st->kind == HP_RIG_ST_SH);
    size_t n = 0;
    if (st->kind == HP_RIG_ST_SH) {
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup("/bin/sh");
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup("-c");
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup(st->run.v[0]);
    } else {
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup(sb->st->hostpriv);
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup("--root");
        *HP_RIG_PUSH(argv, n) = hp_rig_strdup(sb->root);
        if (st->answers) {
            *HP_RIG_PUSH(argv, n) = hp_rig_strdup("--set");
            *HP_RIG_PUSH(argv, n) = hp_rig_fmt("prompt.answers=%s",
                                               st->answers);
        }
        for (size_t i = 0; i < st->run.n; i++)
            *HP_RIG_PUSH(argv, n) = hp_rig_strdup(st->run.v[i]);
    }
    *HP_RIG_PUSH(argv, n) = NULL;
    int rc = hp_rig_run((const char *const *)argv, (const char *const *)env,
                        !st->as_root, sb->st->uid, sb->st->gid,
                        st->kind == HP_RIG_ST_SH ? sb->root : "/", st->in,
                        st->inlen, st->timeout, r);
    strv_free(argv);
    strv_free(env);
    return rc;
}

void hp_rig_step_describe(FILE *f, const hp_rig_sandbox *sb,
                          const hp_rig_step *st)
{
    switch (st->kind) {
    case HP_RIG_ST_HOSTPRIV:
    case HP_RIG_ST_SH:
        fprintf(f, "%s (as %s", st->run_src, st->as_root ? "root"
                                                          : sb->st->user);
        if (st->answers)
            fprintf(f, ", answers: %s", st->answers);
        fputc(')', f);
        return;
    case HP_RIG_ST_NONE:
        fputs(st->snapshot ? "snapshot" : "host changes", f);
        return;
    default:
        fputs(st->run_src, f);
    }
}

static void keep_snapshot(hp_rig_ctx *c, const char *name)
{
    hp_rig_snap *s = NULL;
    for (size_t i = 0; i < c->nsnaps; i++)
        if (!strcmp(c->snaps[i].name, name))
            s = &c->snaps[i];
    if (s)
        hp_rig_snap_free(s);
    else
        s = HP_RIG_PUSH(c->snaps, c->nsnaps);
    hp_rig_snap_take(c->sb->root, name, s);
}

static void step_fail(hp_rig_ctx *c, const char *what, const char *msg)
{
    fprintf(c->fail, "  %s\n    %s\n", what, msg);
    c->nfail++;
}

/* Everything but checking: returns -1 when the step itself could not run. */
static int do_step(hp_rig_ctx *c, const hp_rig_step *st, hp_rig_proc *r,
                   const char *what, FILE *log)
{
    hp_rig_sandbox *sb = c->sb;
    char err[1024];
    if (hp_rig_hostops(sb, st->host, st->nhost, err, sizeof err)) {
        step_fail(c, what, err);
        return -1;
    }
    switch (st->kind) {
    case HP_RIG_ST_HOSTPRIV:
    case HP_RIG_ST_SH:
        if (run_command(sb, st, r) != 0) {
            snprintf(err, sizeof err, "could not run it: %s", strerror(errno));
            step_fail(c, what, err);
            return -1;
        }
        return 0;
    case HP_RIG_ST_HELPER_START:
        if (hp_rig_helper_start(sb, log, err, sizeof err)) {
            step_fail(c, what, err);
            return -1;
        }
        return 0;
    case HP_RIG_ST_HELPER_STOP:
        return hp_rig_helper_stop(sb, log);
    case HP_RIG_ST_REBOOT:
        if (hp_rig_reboot(sb, log, err, sizeof err)) {
            step_fail(c, what, err);
            return -1;
        }
        return 0;
    case HP_RIG_ST_SLEEP: {
        struct timespec ts = { (time_t)st->sleep,
                               (long)((st->sleep - (double)(time_t)st->sleep)
                                      * 1e9) };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        return 0;
    }
    default:
        return 0;
    }
}

/* Run one step and check it; -1 when it failed. */
static int step(hp_rig_ctx *c, const hp_rig_step *st)
{
    hp_rig_sandbox *sb = c->sb;
    char *what = NULL;
    size_t wl = 0;
    FILE *w = open_memstream(&what, &wl);
    fprintf(w, "step %ld (line %d): ", st->num, st->line);
    hp_rig_step_describe(w, sb, st);
    fclose(w);

    if (st->snapshot)
        keep_snapshot(c, st->snapshot);
    hp_rig_snap before = { 0 }, after = { 0 };
    if (c->o->report)
        hp_rig_snap_take(sb->root, "before", &before);
    long from = hp_rig_events_size(sb->events);
    hp_rig_proc r = { 0 };
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    int rc = do_step(c, st, &r, what, log);
    fclose(log);
    hp_rig_evlist ev = { 0 };
    hp_rig_events_read(sb->events, from, &ev);
    int runs = st->kind == HP_RIG_ST_HOSTPRIV || st->kind == HP_RIG_ST_SH;
    if (rc == 0)
        rc = hp_rig_check(c, st, st->ex, st->nex, runs ? &r : NULL, &ev, what);
    if (c->o->verbose) {
        fprintf(c->trace, "  %s", what);
        if (runs)
            fprintf(c->trace, " -> exit %d in %.2f s%s", r.status, r.secs,
                    r.timed_out ? " (timed out)" : "");
        fprintf(c->trace, "%s\n", rc ? "  FAILED" : "");
        for (size_t i = 0; i < ev.n; i++)
            hp_rig_event_print(c->trace, &ev.v[i], "      event ");
        if (runs && r.errlen)
            fprintf(c->trace, "      stderr: %.*s%s", (int)r.errlen, r.err,
                    r.err[r.errlen - 1] == '\n' ? "" : "\n");
        for (const char *p = loglen ? logbuf : ""; *p;) {
            size_t l = strcspn(p, "\n");       /* each rig log line */
            fprintf(c->trace, "      %.*s\n", (int)l, p);
            p += l + (p[l] == '\n');
        }
    }
    if (c->o->report) {
        hp_rig_snap_take(sb->root, "after", &after);
        hp_rig_report_step(c, st, runs ? &r : NULL, &ev, &before, &after,
                           logbuf);
        hp_rig_snap_free(&before);
        hp_rig_snap_free(&after);
    }
    hp_rig_events_free(&ev);
    hp_rig_proc_free(&r);
    free(logbuf);
    free(what);
    return rc;
}

const char *hp_rig_skip_reason(const hp_rig_scenario *sc,
                               const hp_rig_stage *st, char *buf, size_t n)
{
    if (sc->skip)
        return sc->skip;
    if (sc->plugin && !hp_rig_stage_has_plugin(st, sc->plugin)) {
        snprintf(buf, n, "plugin %s not built", sc->plugin);
        return buf;
    }
    for (size_t i = 0; i < sc->nrequires; i++)
        if (!hp_rig_stage_has_plugin(st, sc->requires[i])) {
            snprintf(buf, n, "plugin %s not built", sc->requires[i]);
            return buf;
        }
    return NULL;
}

static void ctx_open(hp_rig_ctx *c, hp_rig_sandbox *sb, const hp_rig_opts *o)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->sb = sb;
    c->fail = open_memstream(&c->failbuf, &c->faillen);
    c->trace = open_memstream(&c->tracebuf, &c->tracelen);
}

static void ctx_close(hp_rig_ctx *c)
{
    for (size_t i = 0; i < c->nsnaps; i++)
        hp_rig_snap_free(&c->snaps[i]);
    free(c->snaps);
    free(c->failbuf);
    free(c->tracebuf);
}

static void steps_and_checks(hp_rig_ctx *c, const hp_rig_scenario *sc)
{
    for (size_t i = 0; i < sc->nsteps; i++)
        if (step(c, &sc->steps[i]) != 0) {
            if (i + 1 < sc->nsteps)
                fprintf(c->fail, "  (steps after step %ld not run)\n",
                        sc->steps[i].num);
            return;
        }
    hp_rig_evlist ev = { 0 };
    hp_rig_events_read(c->sb->events, 0, &ev);
    hp_rig_check(c, NULL, sc->final, sc->nfinal, NULL, &ev,
                 "at the end ([expect])");
    hp_rig_events_free(&ev);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The text, or NULL when there is none. */
static char *taken(const char *buf, size_t len)
{
    return len ? hp_rig_memdup(buf, len) : NULL;
}

void hp_rig_scenario_run(const hp_rig_scenario *sc, hp_rig_sandbox *sb,
                         const hp_rig_opts *o, int netns, hp_rig_result *res)
{
    double t0 = now();
    char err[1024];
    /* orphaned daemons come back to us, so the sweep finds them */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    clean_environment();
    sb->sc = sc;
    hp_rig_ctx c;
    ctx_open(&c, sb, o);
    if (netns && hp_rig_netns() != 0)
        step_fail(&c, "set-up", "could not enter a network namespace");
    else if (hp_rig_sandbox_build(sb, err, sizeof err))
        step_fail(&c, "setting up the host before the run", err);
    else {
        if (o->report)
            hp_rig_report_intro(&c, sc);
        steps_and_checks(&c, sc);
        if (o->report)
            hp_rig_report_outro(&c);
    }
    hp_rig_sweep(sb->dir, sb->root);
    fclose(c.fail);
    fclose(c.trace);
    memset(res, 0, sizeof *res);
    res->verdict = c.nfail ? HP_RIG_FAIL : HP_RIG_PASS;
    if (o->report)
        res->head = taken(c.tracebuf, c.tracelen);
    else
        res->trace = taken(c.tracebuf, c.tracelen);
    res->fail = taken(c.failbuf, c.faillen);
    if (o->keep)
        res->kept = hp_rig_fmt("  kept: %s (host root %s, events %s)\n",
                               sb->dir, sb->root, sb->events);
    ctx_close(&c);
    res->secs = now() - t0;
}
