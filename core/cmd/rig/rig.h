/* hostpriv-rig: the version-emulation scenario runner.  One scenario file
 * (INI) describes a host, a configuration, steps run as the unprivileged
 * user or as root, and what must hold afterwards; the rig builds a sandbox
 * root for it, drives the hostpriv programs as separate processes exactly as
 * docs/REFERENCE.md says, and reports a verdict.  The format is
 * documented in tests/scenarios/README.md and hostpriv-rig(1). */
#ifndef HP_RIG_H
#define HP_RIG_H
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define HP_RIG_USER        "hptest"   /* scripts/test-user creates it */
#define HP_RIG_TIMEOUT     30         /* default seconds per step */
#define HP_RIG_HELPER_WAIT 10         /* seconds for a helper to answer */
/* Where runs stage their programs: outside every world-writable tree, so
 * that the path the sudoers rule names is one only root can create. */
#define HP_RIG_STAGE_ROOT  "/var/lib/hostpriv-rig"
/* In a stage kept with --keep: the sweep of later runs leaves it. */
#define HP_RIG_KEPT        "kept"

/* ---- growable arrays (util.c) ------------------------------------- */
/* Append one element of size sz to *arr holding *n; aborts on ENOMEM. */
void *hp_rig_push(void *arr, size_t *n, size_t sz);
#define HP_RIG_PUSH(arr, n) \
    ((arr) = hp_rig_push((arr), &(n), sizeof *(arr)), &(arr)[(n) - 1])
char *hp_rig_strdup(const char *s);
char *hp_rig_memdup(const void *p, size_t n);
/* printf into a malloc'd string. */
char *hp_rig_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read a whole file (binary); NULL with errno on failure. */
char *hp_rig_slurp(const char *path, size_t *len);
/* rm -rf --one-file-system PATH (only /tmp/hp-rig*, /tmp/hpr.* and
 * HP_RIG_STAGE_ROOT/run-* paths). */
int hp_rig_rmtree(const char *path);
/* Show bytes readably on one line: \t \r \n \xHH, at most max bytes. */
void hp_rig_quote(FILE *f, const char *p, size_t n, size_t max);
/* Length of the valid UTF-8 character at s (n bytes left), or 0 when the
 * bytes there are not one: XML and YAML take valid text only. */
size_t hp_rig_utf8(const char *s, size_t n);

/* ---- value syntax (words.c) --------------------------------------- */
/* A value is a list of shell-like words: blanks separate words; "..."
 * takes C escapes (\n \t \r \\ \" \; \xHH), '...' is literal, escapes
 * also work outside quotes; a newline (from a continuation line) inside
 * a quoted string is dropped, outside it separates words. */
typedef struct hp_rig_words {
    char **v;
    size_t n;
} hp_rig_words;
int hp_rig_split(const char *s, hp_rig_words *w, char *err, size_t errn);
void hp_rig_words_free(hp_rig_words *w);

/* ---- the command line (cli.c) ------------------------------------- */
enum hp_rig_cmd { HP_RIG_CMD_RUN, HP_RIG_CMD_LIST, HP_RIG_CMD_MATRIX };
enum hp_rig_fmt { HP_RIG_FMT_TEXT, HP_RIG_FMT_JSON, HP_RIG_FMT_TSV };
typedef struct hp_rig_opts {
    int cmd;                  /* enum hp_rig_cmd */
    int keep, verbose, report;
    int jobs;                 /* -j: scenarios at a time (>= 1) */
    int tap;                  /* --tap: TAP version 13 on stdout */
    const char *junit;        /* --junit FILE, or NULL */
    int format;               /* list / matrix: enum hp_rig_fmt */
    unsigned shard_k, shard_n; /* --shard K/N; 0/0 = every scenario */
    char **behaviours;        /* --behaviour ids, any of them */
    size_t nbehaviours;
    char **plugins;           /* --plugin names, any of them */
    size_t nplugins;
} hp_rig_opts;
/* Parse the options of o->cmd (set by the caller); returns the index of
 * the first PATH, or -1 after saying what is wrong on stderr (usage). */
int hp_rig_cli_parse(int argc, char **argv, hp_rig_opts *o);
void hp_rig_cli_free(hp_rig_opts *o);
void hp_rig_usage(FILE *f);
/* CPUs this process may run on (its affinity mask), at least 1. */
int hp_rig_cpus(void);

/* ---- the scenario (scenario.c) ------------------------------------ */
enum hp_rig_hostop_kind { HP_RIG_DIR, HP_RIG_FILE, HP_RIG_LINK, HP_RIG_REMOVE };
typedef struct hp_rig_hostop {
    int kind, line;
    char *path;          /* host path, "~/" = host.home */
    char *owner;         /* "user[:group]" or uid[:gid]; NULL = root */
    int mode;            /* -1 = default (dir 0755, file 0644) */
    char *data;          /* file contents */
    size_t len;
    char *target;        /* link target */
} hp_rig_hostop;

enum hp_rig_ex_kind {
    HP_RIG_EX_EXIT, HP_RIG_EX_STDOUT, HP_RIG_EX_STDERR, HP_RIG_EX_FILE,
    HP_RIG_EX_DIR, HP_RIG_EX_LINK, HP_RIG_EX_EXISTS, HP_RIG_EX_ABSENT,
    HP_RIG_EX_MODE, HP_RIG_EX_OWNER, HP_RIG_EX_EVENT, HP_RIG_EX_HELPER,
    HP_RIG_EX_UNCHANGED
};
enum hp_rig_op { HP_RIG_OP_NONE, HP_RIG_OP_CONTAINS, HP_RIG_OP_LACKS,
                 HP_RIG_OP_EQUALS };
#define HP_RIG_ANY_EXIT (-1)
#define HP_RIG_AT_LEAST_ONE (-1)

typedef struct hp_rig_evfield {
    char *field;         /* event task via path detail plugin version */
    int contains;        /* 1 for FIELD~TEXT, 0 for FIELD=TEXT */
    char *value;
} hp_rig_evfield;

typedef struct hp_rig_expect {
    int kind, line;
    int op;              /* enum hp_rig_op for stdout/stderr/file */
    char *path;
    char *text;          /* op text, link target, owner, snapshot name,
                            helper state */
    size_t len;
    long num;            /* exit code, mode, event count */
    hp_rig_evfield *ev;  /* event filters */
    size_t nev;
    char **paths;        /* unchanged: restrict to these subtrees */
    size_t npaths;
    char **ignore;       /* unchanged: glob patterns left out */
    size_t nignore;
    char *src;           /* the value as written, for messages */
} hp_rig_expect;

enum hp_rig_step_kind {
    HP_RIG_ST_NONE,       /* only host changes / a snapshot */
    HP_RIG_ST_HOSTPRIV,   /* run = hostpriv ARGS */
    HP_RIG_ST_SH,         /* run = sh SCRIPT */
    HP_RIG_ST_HELPER_START, HP_RIG_ST_HELPER_STOP, HP_RIG_ST_REBOOT,
    HP_RIG_ST_SLEEP
};

typedef struct hp_rig_step {
    long num;
    int line;
    int kind;
    hp_rig_words run;     /* the words after `hostpriv`, or the script */
    char *run_src;        /* as written */
    int as_root;
    char *answers;        /* --set prompt.answers=..., NULL = none */
    char *in;             /* stdin bytes, NULL = /dev/null */
    size_t inlen;
    int timeout;
    double sleep;
    char *snapshot;       /* snapshot name taken before the step */
    char *title;          /* `say` text for --report */
    hp_rig_hostop *host;
    size_t nhost;
    hp_rig_expect *ex;
    size_t nex;
    int has_exit;         /* an expect.exit was given */
} hp_rig_step;

typedef struct hp_rig_kv {
    char *key;            /* "section.key" */
    char *val;
    int line;
} hp_rig_kv;

typedef struct hp_rig_scenario {
    char *file;           /* path as found */
    char *dir;            /* its directory, for from= */
    char *name, *description, *version, *plugin, *platform;
    char **behaviours;    /* ids it covers: "B11", "B12" */
    size_t nbehaviours;
    char *skip;
    char **requires;
    size_t nrequires;
    int timeout;
    char *shell, *home;
    int skeleton, app;
    hp_rig_hostop *host;
    size_t nhost;
    hp_rig_kv *config, *admin;
    size_t nconfig, nadmin;
    hp_rig_step *steps;
    size_t nsteps;
    hp_rig_expect *final;
    size_t nfinal;
} hp_rig_scenario;

/* Parse; on a format error returns -1 with "file:line: what" in err. */
int hp_rig_scenario_load(const char *file, hp_rig_scenario *sc, char *err,
                         size_t errn);
void hp_rig_scenario_free(hp_rig_scenario *sc);

/* ---- staging and the sudoers rule (stage.c) ----------------------- */
typedef struct hp_rig_stage {
    char dir[PATH_MAX];       /* HP_RIG_STAGE_ROOT/run-PID.XXXXXX */
    char hostpriv[PATH_MAX];  /* <dir>/bin/hostpriv */
    char hostprivd[PATH_MAX];
    char plugins[PATH_MAX];   /* <dir>/plugins */
    char sudoers[PATH_MAX];   /* /etc/sudoers.d/hostpriv-rig-PID */
    char **plugin_names;      /* staged plugin names (file stems) */
    size_t nplugins;
    uid_t uid;                /* the test user */
    gid_t gid;
    char user[64];
} hp_rig_stage;
/* Sweep what killed runs left (hp_rig_sudoers_sweep), then stage and write
 * the run's rule. */
int hp_rig_stage_make(hp_rig_stage *st, int verbose, char *err, size_t errn);
/* Where the plugins to stage are: build/bin/../plugins beside the rig, or
 * the installed plugin directory. */
void hp_rig_plugin_source(char *out, size_t n);
/* Remove the sudoers rule and (unless keep) the stage.  Async-signal-safe
 * enough for the signal handlers: unlink, fork and exec only. */
void hp_rig_stage_cleanup(int keep_stage);
int hp_rig_stage_has_plugin(const hp_rig_stage *st, const char *name);
/* Hold the run's lock in its stage for as long as the process lives: what
 * tells another run's sweep that this one is alive (sudoers.c). */
int hp_rig_stage_hold(const char *stage, char *err, size_t errn);

/* ---- the sudoers rule (sudoers.c, rootonly.c) ---------------------- */
/* 0 when every component of the absolute path is root-owned, writable by
 * root alone and no symbolic link; else -1 with the component and why. */
int hp_rig_root_only(const char *path, char *err, size_t errn);
/* Write /etc/sudoers.d/hostpriv-rig-PID naming st->hostpriv with its
 * sha256 digest, after hp_rig_root_only and visudo -cf accepted it. */
int hp_rig_sudoers_write(hp_rig_stage *st, char *err, size_t errn);
/* Unlink the rule written (signal-safe). */
void hp_rig_sudoers_remove(void);
/* Remove every hostpriv-rig-PID rule whose PID no longer runs a
 * hostpriv-rig, or whose stage is gone, saying so on stderr; the stage of
 * an ended run goes with its rule, and so does a stage of an ended run
 * that has no rule (killed while staging), unless it was kept (--keep). */
void hp_rig_sudoers_sweep(void);

/* ---- sandbox (sandbox.c) ------------------------------------------ */
typedef struct hp_rig_sandbox {
    char dir[PATH_MAX];       /* /tmp/hpr.XXXXXX: root-owned 0755 */
    char root[PATH_MAX];      /* <dir>/root: host.root */
    char events[PATH_MAX];    /* <dir>/events.jsonl, owned by the user */
    char helperlog[PATH_MAX]; /* <dir>/helper.log */
    char pids[PATH_MAX];      /* <dir>/rig.pids: helpers the rig started */
    char home[PATH_MAX];      /* host path of host.home */
    char socket[PATH_MAX];    /* host path of helper.socket */
    char label[128];          /* helper.label */
    const hp_rig_stage *st;
    const hp_rig_scenario *sc;
} hp_rig_sandbox;
/* mkdtemp the scenario directory (the parent does it so it can clean up
 * whatever happens to the child). */
int hp_rig_sandbox_dir(hp_rig_sandbox *sb, char *err, size_t errn);
/* Build the host before the run: skeleton, [host] items, config files. */
int hp_rig_sandbox_build(hp_rig_sandbox *sb, char *err, size_t errn);
/* Apply host items (set-up or a step's host.* keys), as root. */
int hp_rig_hostops(hp_rig_sandbox *sb, const hp_rig_hostop *ops, size_t n,
                   char *err, size_t errn);
/* root + host path ("~/" expanded) into out. */
int hp_rig_real(const hp_rig_sandbox *sb, const char *hpath, char *out,
                size_t n);
/* Open the directory holding host path hpath (copied into buf) without
 * following a link on the way; *base is its last component ("." for /).
 * Returns the directory fd, or -1 with errno. */
int hp_rig_locate(const hp_rig_sandbox *sb, const char *hpath, char *buf,
                  size_t n, const char **base);
/* Remove a host path (recursively), never through a link on the way; an
 * absent path is fine.  0 or -1 with errno. */
int hp_rig_remove(const hp_rig_sandbox *sb, const char *hpath);
/* Expand "~/" in a host path (no root prefix). */
int hp_rig_hpath(const hp_rig_sandbox *sb, const char *hpath, char *out,
                 size_t n);
/* Effective value of a config key as the scenario sets it, or dflt. */
const char *hp_rig_conf(const hp_rig_scenario *sc, const char *key,
                        const char *dflt);
/* Resolve "user[:group]" / "uid[:gid]"; -1 when unknown. */
int hp_rig_owner(const char *spec, uid_t *uid, gid_t *gid);
/* Own network namespace with lo up; 0 ok, -1 (errno) when unavailable. */
int hp_rig_netns(void);

/* ---- processes (proc.c) ------------------------------------------- */
typedef struct hp_rig_proc {
    int status;           /* exit code, 128+sig when killed */
    int timed_out;
    char *out, *err;
    size_t outlen, errlen;
    double secs;
} hp_rig_proc;
/* Run argv (argv[0] absolute) in its own process group, as uid/gid when
 * drop, with envp, cwd, stdin bytes; kill the group at timeout. */
int hp_rig_run(const char *const *argv, const char *const *envp, int drop,
               uid_t uid, gid_t gid, const char *cwd, const char *in,
               size_t inlen, int timeout, hp_rig_proc *r);
void hp_rig_proc_free(hp_rig_proc *r);
/* Process group of the step running now (0 when none): a signal handler
 * kills it, since it is not in the terminal's foreground group. */
extern volatile pid_t hp_rig_current_pgid;
/* Stop pid: TERM, up to `grace` seconds, then KILL; reaps when ours. */
void hp_rig_stop_pid(pid_t pid, double grace);
/* 1 when /proc/PID/exe lies under dir. */
int hp_rig_pid_exe_under(pid_t pid, const char *dir);

/* ---- helper control (helperctl.c) --------------------------------- */
int hp_rig_helper_start(hp_rig_sandbox *sb, FILE *log, char *err, size_t errn);
/* Stop what the rig started and what the direct backend's pidfile names. */
int hp_rig_helper_stop(hp_rig_sandbox *sb, FILE *log);
/* A process of the scenario this process runs: a descendant of it (the
 * child subreaper every daemon of the scenario ends up under) or one
 * running a program from the scenario's directory dir.  Never "a program
 * from the stage": the scenarios running beside it share the stage. */
int hp_rig_ours(pid_t pid, const char *dir);
/* In the scenario's process: stop every process of the scenario (the
 * rig's helpers, what pidfiles under <root>/var/run name, descendants). */
void hp_rig_sweep(const char *dir, const char *root);
/* In the rig's process (a child subreaper too) once a scenario's process
 * has ended: stop what ran from its directory and every orphan handed to
 * the rig, except the `running` scenario processes. */
void hp_rig_sweep_ended(const char *dir, const pid_t *running, size_t n);
/* After a boot: when the helper's pidfile names a process of ours (it was
 * started at load), wait for it as `helper start` does; 0 when it answers
 * or nothing was started, -1 (err) when it exits or stays silent. */
int hp_rig_helper_await_boot(hp_rig_sandbox *sb, FILE *log, char *err,
                             size_t errn);
int hp_rig_reboot(hp_rig_sandbox *sb, FILE *log, char *err, size_t errn);
/* 1 when something accepts on the helper socket. */
int hp_rig_helper_answers(const hp_rig_sandbox *sb);

/* ---- events (evlog.c) --------------------------------------------- */
typedef struct hp_rig_event {
    char *f[7];           /* event task via path detail plugin version */
    int lineno;
} hp_rig_event;
extern const char *const hp_rig_event_fields[7];
typedef struct hp_rig_evlist {
    hp_rig_event *v;
    size_t n;
    char **bad;           /* lines that were not valid event JSON */
    size_t nbad;
} hp_rig_evlist;
/* Events appended to file since byte offset `from`. */
int hp_rig_events_read(const char *file, long from, hp_rig_evlist *l);
void hp_rig_events_free(hp_rig_evlist *l);
long hp_rig_events_size(const char *file);
const char *hp_rig_ev_get(const hp_rig_event *e, const char *field);
void hp_rig_event_print(FILE *f, const hp_rig_event *e, const char *indent);

/* ---- snapshots (snapshot.c) --------------------------------------- */
typedef struct hp_rig_entry {
    char *path;           /* host path */
    char type;            /* f d l s p c b */
    mode_t mode;
    uid_t uid;
    gid_t gid;
    char *data;           /* file contents or link target */
    size_t len;
    int hashed;           /* data holds only a digest (large file) */
} hp_rig_entry;
typedef struct hp_rig_snap {
    char *name;
    hp_rig_entry *e;
    size_t n;
} hp_rig_snap;
int hp_rig_snap_take(const char *root, const char *name, hp_rig_snap *s);
void hp_rig_snap_free(hp_rig_snap *s);
typedef struct hp_rig_change {
    char kind;                /* '+' added, '-' removed, '~' changed */
    const hp_rig_entry *a;    /* before (NULL when added) */
    const hp_rig_entry *b;    /* after (NULL when removed) */
} hp_rig_change;
/* The differences from a to b in path order, restricted to the subtrees
 * `paths` (all when none) minus paths matching an `ignore` glob (or under
 * one); *out is malloc'd, entries point into a and b. */
size_t hp_rig_snap_changes(const hp_rig_snap *a, const hp_rig_snap *b,
                           char *const *paths, size_t npaths,
                           char *const *ignore, size_t nignore,
                           hp_rig_change **out);
/* One change: "+ PATH: ..." (prose: "new file PATH (...)"); a changed text
 * file gets a diff. */
void hp_rig_change_print(FILE *f, const hp_rig_change *ch, int prose,
                         const char *indent);
/* Print every change from a to b; returns how many. */
size_t hp_rig_snap_diff(FILE *f, const hp_rig_snap *a, const hp_rig_snap *b,
                        char *const *paths, size_t npaths,
                        char *const *ignore, size_t nignore,
                        const char *indent);

/* ---- diff (diff.c) ------------------------------------------------ */
/* Line diff of a vs b, unified-ish: a header `--- la` / `+++ lb` (none
 * when la is NULL), then `-` lines of a, `+` lines of b, with context. */
void hp_rig_diff(FILE *f, const char *a, size_t alen, const char *b,
                 size_t blen, const char *indent, const char *la,
                 const char *lb);

/* ---- one scenario's outcome (result.c) ---------------------------- */
typedef struct hp_rig_result {
    int verdict;          /* enum hp_rig_verdict */
    double secs;          /* the scenario's own time */
    char *why;            /* why it was skipped */
    char *head;           /* --report prose: before the result line */
    char *trace;          /* --verbose lines: after it */
    char *fail;           /* expected against actual, indented */
    char *kept;           /* --keep: where its sandbox is */
} hp_rig_result;
/* The scenario's process hands its result to the rig through fd. */
int hp_rig_result_write(int fd, const hp_rig_result *r);
/* Read it back from the start of fd; -1 when it is not a whole result. */
int hp_rig_result_read(int fd, hp_rig_result *r);
void hp_rig_result_free(hp_rig_result *r);
/* The first line of r->fail without its indent (malloc'd; "" when none). */
char *hp_rig_result_headline(const hp_rig_result *r);

/* ---- the scenarios of a command (suite.c, gens.c, select.c) ------- */
typedef struct hp_rig_case {
    char *path;           /* the file */
    char *name;           /* as printed: relative to the directory named */
    char *suite;          /* its directory: the JUnit testsuite */
    hp_rig_scenario sc;
    char *error;          /* it does not parse: "file:line: what" */
    char *generation;     /* the plugin that emulates it; NULL: none found */
    int done;             /* res holds its outcome */
    hp_rig_result res;
} hp_rig_case;
typedef struct hp_rig_gen {
    char *name, *min, *max;   /* a plugin found: min <= version < max */
} hp_rig_gen;
typedef struct hp_rig_suite {
    hp_rig_case *v;       /* sorted as printed, per PATH given */
    size_t n;
    hp_rig_gen *gens;     /* by range, oldest first */
    size_t ngens;
} hp_rig_suite;
/* Every *.ini under the PATHs (directories recursively, sorted), each
 * parsed; -1 (said on stderr) when a PATH does not exist. */
int hp_rig_suite_collect(hp_rig_suite *s, char **paths, int n);
void hp_rig_suite_free(hp_rig_suite *s);
/* Each case's generation, from the plugins in dir (loaded only to read
 * their names and ranges; require_safe as the loader has it): the
 * scenario's core.plugin, else the plugin whose range holds its
 * core.version.  Rejected plugin files are said on stderr. */
void hp_rig_suite_generations(hp_rig_suite *s, const char *dir,
                              int require_safe);
/* The cases o selects (--behaviour, --plugin, --shard), in order; -1
 * (said on stderr) when a filter names what no scenario has, or selects
 * nothing. */
int hp_rig_suite_select(const hp_rig_suite *s, const hp_rig_opts *o,
                        size_t **sel, size_t *nsel);
/* Which of n shards (1..n) a scenario printed as `name` belongs to: by a
 * hash of the name alone, so adding a file never moves another. */
unsigned hp_rig_shard_of(const char *name, unsigned n);

/* ---- running them (sched.c) --------------------------------------- */
/* Called in order (sorted, whatever the timing) as results complete. */
typedef void (*hp_rig_emit_fn)(hp_rig_case *c, size_t nth, void *arg);
/* Run the selected cases, o->jobs at a time, each in a forked process
 * with its own sandbox; returns the signal that interrupted the run, or
 * 0.  Skipped and unparsable cases never fork. */
int hp_rig_schedule(hp_rig_suite *s, const size_t *sel, size_t nsel,
                    const hp_rig_stage *st, const hp_rig_opts *o, int netns,
                    hp_rig_emit_fn emit, void *arg);
/* For the rig's signal handler: pass sig to every running scenario and
 * start no more.  Async-signal-safe. */
void hp_rig_sched_signal(int sig);
/* At exit: remove the sandboxes of scenarios still listed as running. */
void hp_rig_sched_cleanup(int keep);

/* ---- reports (textout.c, tap.c, junit.c, listing.c) --------------- */
/* `ok   NAME (B1, B2) 1.23s` and what follows it. */
void hp_rig_text_case(FILE *f, const hp_rig_case *c);
/* The totals and the slowest scenarios, as `#` lines. */
void hp_rig_text_times(FILE *f, hp_rig_suite *s, const size_t *sel,
                       size_t nsel, double wall, int jobs);
void hp_rig_tap_case(FILE *f, const hp_rig_case *c, size_t nth);
/* JUnit XML: created (mode 0644, never through a link) before the run so
 * a bad path fails first, renamed into place when written. */
typedef struct hp_rig_junit {
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    int fd;
} hp_rig_junit;
int hp_rig_junit_open(hp_rig_junit *j, const char *path, char *err,
                      size_t errn);
int hp_rig_junit_write(hp_rig_junit *j, const hp_rig_suite *s,
                       const size_t *sel, size_t nsel, double wall,
                       char *err, size_t errn);
void hp_rig_junit_abandon(hp_rig_junit *j);
/* `list` and `matrix` in o->format; 0, or 1 when a file does not parse. */
int hp_rig_list(FILE *f, const hp_rig_suite *s, const size_t *sel,
                size_t nsel, int format);
int hp_rig_matrix(FILE *f, const hp_rig_suite *s, const size_t *sel,
                  size_t nsel, int format);

/* ---- running a scenario (run.c, expect.c, report.c) --------------- */
enum hp_rig_verdict { HP_RIG_PASS = 0, HP_RIG_FAIL = 1, HP_RIG_SKIP = 2 };

typedef struct hp_rig_ctx {
    const hp_rig_opts *o;
    hp_rig_sandbox *sb;
    hp_rig_snap *snaps;
    size_t nsnaps;
    FILE *fail;           /* failure details (memstream) */
    char *failbuf;
    size_t faillen;
    FILE *trace;          /* --verbose / --report text (memstream) */
    char *tracebuf;
    size_t tracelen;
    int nfail;
} hp_rig_ctx;

/* Run one parsed scenario in this (child) process into res (the caller
 * has decided it is not skipped). */
void hp_rig_scenario_run(const hp_rig_scenario *sc, hp_rig_sandbox *sb,
                         const hp_rig_opts *o, int netns, hp_rig_result *res);
/* Why sc is skipped with this stage (buf may hold it), or NULL. */
const char *hp_rig_skip_reason(const hp_rig_scenario *sc,
                               const hp_rig_stage *st, char *buf, size_t n);
/* Check a step's (or the final) expectations; 0 when all hold. */
int hp_rig_check(hp_rig_ctx *c, const hp_rig_step *st, const hp_rig_expect *ex,
                 size_t nex, const hp_rig_proc *r, const hp_rig_evlist *ev,
                 const char *what);
/* --report: a step's events and host changes in prose. */
void hp_rig_report_step(hp_rig_ctx *c, const hp_rig_step *st,
                        const hp_rig_proc *r, const hp_rig_evlist *ev,
                        const hp_rig_snap *before, const hp_rig_snap *after,
                        const char *riglog);
void hp_rig_report_intro(hp_rig_ctx *c, const hp_rig_scenario *sc);
void hp_rig_report_outro(hp_rig_ctx *c);
/* The step as a person reads it: "hostpriv start (as hptest)". */
void hp_rig_step_describe(FILE *f, const hp_rig_sandbox *sb,
                          const hp_rig_step *st);
#endif
