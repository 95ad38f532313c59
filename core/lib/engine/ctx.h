/* The core context: one per process (CLI run, helper, embedder's hp_open).
 * Plugins see it only as the opaque hp_host; the embedder as hp_ctx. */
#ifndef HP_CTX_H
#define HP_CTX_H
#include <limits.h>
#include <stdio.h>
#include <sys/types.h>
#include <hostpriv/hostpriv.h>
#include "base/err.h"

struct hp_config;
struct hp_loaded;

/* Which of hostpriv's programs the running process is (hp_open_opts). */
enum hp_program_kind {
    HP_PROGRAM_OTHER = 0,      /* an embedding app, a test, the rig */
    HP_PROGRAM_CLI,            /* hostpriv */
    HP_PROGRAM_HELPER          /* hostprivd */
};

/* How the context is opened (CLI flags, helper start-up, embedder). */
typedef struct hp_open_opts {
    int role;                  /* enum hp_role */
    const char *root;          /* --root DIR, or NULL: host.root of config */
    const char *config_file;   /* -c FILE, or NULL */
    const char *const *sets;   /* --set S.K=V items, NULL-terminated or NULL */
    const char *sets_origin;   /* what `config` names as their origin
                                  (NULL: "--set") */
    const char *const *api_sets; /* hp_set() items, after sets, origin
                                  "hp_set" */
    int no_user_layer;         /* privileged/helper: skip ~/.config layer */
    int no_system_layer;       /* skip the system hostpriv.ini and
                                  conf.d (admin.ini is read all the same) */
    int json;                  /* --json: action events also to stdout */
    const char *install_user;  /* install --user NAME (overrides host.user) */
    int no_plugin;             /* config-only commands: do not load plugins */
    int dry_run;               /* install --dry-run: actions say what they
                                  would change instead (actions/dryrun.h) */
    /* The running program, when it is one of hostpriv's (the programs say
     * so; the library never guesses from /proc/self/exe): its absolute
     * path, beside which the others are found (programs.h). */
    const char *program;
    int program_kind;          /* enum hp_program_kind */
    /* the embedder's callbacks, in place before anything is logged */
    hp_prompt_fn prompt_fn;
    void *prompt_data;
    hp_event_fn event_fn;
    void *event_data;
    hp_log_fn log_fn;
    void *log_data;
} hp_open_opts;

struct hp_opened;

struct hp_ctx {
    struct hp_config *cfg;
    struct hp_loaded *plugins;   /* every plugin found (loader.h) */
    size_t nplugins;
    struct hp_loaded *active;    /* the selected one, NULL when none */
    struct hp_loaded *picked;    /* selected, its init still to come */
    void *pstate;                /* the active plugin's state */
    int role;                    /* enum hp_role */
    /* The app version emulated: core.version, or when core.plugin names a
     * plugin whose range does not hold it, that plugin's own version
     * (hp_version_emulated); "" before a plugin is picked. */
    char version[32];

    /* host.root as an absolute real path, "" when it is "/" */
    char root[PATH_MAX];
    int rootfd;                  /* O_PATH|O_DIRECTORY on root, -1 if none */
    /* host.user resolved from passwd */
    char user[64];
    uid_t uid;
    gid_t gid;
    char home[PATH_MAX];         /* host path of host.home ("/Users/NAME") */
    char shell[64];              /* basename of host.shell ("zsh") */
    int user_known;              /* 1 once user/uid/gid/home are set */

    /* events */
    FILE *evlog;                 /* core.event_log, NULL when none */
    int evlog_is_stdout;
    int json;                    /* --json */
    int dry_run;                 /* opts.dry_run */
    int dry_helper_gone;         /* a dry run "removed" the helper: later
                                    checks see it absent */

    /* the embedder's callbacks (hostpriv.h); NULL: the backend, none,
     * stderr */
    hp_prompt_fn prompt_fn;
    void *prompt_data;
    hp_event_fn event_fn;
    void *event_data;
    hp_log_fn log_fn;
    void *log_data;

    /* prompts */
    size_t answers_used;         /* bare answers consumed so far */
    int prompts_asked;
    int prompt_unavailable;      /* a prompt could not be shown: this run
                                    records no decision (prompt.c) */

    /* The running program as it said (opts.program, "" for none) and
     * which one it is; the programs the context runs are the keys
     * core.cli_program and core.helper_program (programs.h). */
    char program[PATH_MAX];
    int program_kind;            /* enum hp_program_kind */
    /* The system configuration directory under host.root
     * ("/etc/hostpriv"; hp_sysconf_dir, programs.h). */
    char sysconf[PATH_MAX];
    /* what an elevated or boot-time run is pinned to */
    char config_arg[PATH_MAX];   /* -c FILE made absolute, "" when none */

    const hp_host_api *host_api; /* what the plugin is given (open.c) */
    int helper_fd;               /* kept helper connection, -1 if none */
    /* The helper socket's directory, opened once by the safe walk and
     * kept (O_PATH) for later connections; the leaf and the host path it
     * was opened for (a changed helper.socket walks again). */
    int helper_dirfd;
    char helper_leaf[256];
    char helper_hpath[PATH_MAX];
    /* The socket the core bound last for a plugin (bind_direct), so the
     * helper can tell it is what a plugin hands back (no system call). */
    struct { int fd, socktype, port; } bound;
    /* While the helper runs a plugin's bind_ports: every socket the core
     * binds for it (bound_many[0..nbound_many), room for bound_many_max;
     * 0: not recording), so it can tell what comes back and close what
     * does not. */
    struct hp_bound { int fd, socktype, port; } *bound_many;
    size_t nbound_many, bound_many_max;
    hp_err err;                  /* last failure, for hp_errmsg() */
    /* the options it was opened with, for hp_ctx_set (reopen.c) */
    struct hp_opened *opened;
};

/* Open (open.c): load config layers, resolve host.root and host.user, open
 * the event log, load plugins and select the active one (unless
 * opts->no_plugin), and init it with api.  Root roles check config,
 * plugins and root for safety.  Programs call hp_ctx_open
 * (actions/hostapi.h), which passes the core's host-services table. */
int hp_engine_open(hp_ctx **out, const hp_open_opts *opts,
                   const hp_host_api *api, hp_err *e);
void hp_ctx_close(hp_ctx *c);
/* hp_set (reopen.c): key=value appended to the settings the context was
 * opened with, and the context opened again from them (configuration
 * files read again, host.root, host.user, the programs, the event log,
 * the plugin).  Atomic: on failure c is as it was and e says why;
 * HP_EDENIED for a key admin.ini locks. */
int hp_ctx_set(hp_ctx *c, const char *key, const char *value, hp_err *e);

/* Opening in two steps, for reopen.c: everything but the plugin's init
 * (the plugin is picked: c->picked), then its init (c->active). */
hp_ctx *hp_ctx_new(const hp_open_opts *o, const hp_host_api *api);
int hp_ctx_build(hp_ctx *c, const hp_open_opts *o, hp_err *e);
int hp_ctx_start_plugin(hp_ctx *c, hp_err *e);
/* Scan the plugin directory, pick and init the plugin now (a context
 * opened with no_plugin: `hostpriv plugins` lists what it found even when
 * the pick or the init fails). */
int hp_ctx_load_plugins(hp_ctx *c, hp_err *e);
/* Free what opening made (plugins, config, descriptors, event log), not
 * the struct itself. */
void hp_ctx_release(hp_ctx *c);
/* A deep copy of the options (reopen.c), NULL when out of memory. */
struct hp_opened *hp_opened_save(const hp_open_opts *o);
void hp_opened_free(struct hp_opened *o);

static inline hp_ctx *hp_ctx_of(hp_host *h) { return (hp_ctx *)(void *)h; }
static inline hp_host *hp_host_of(hp_ctx *c) { return (hp_host *)(void *)c; }

/* The emulated version (c->version), core.version before a plugin is
 * picked: what events, status and the plugin's app_version() say. */
const char *hp_ctx_version(const hp_ctx *c);
/* Shortcuts over the config (config.h) used everywhere. */
const char *hp_conf(const hp_ctx *c, const char *key);
int hp_conf_bool(const hp_ctx *c, const char *key);
long hp_conf_int(const hp_ctx *c, const char *key);

/* Host path of well-known places for this context's platform and user. */
/* ~/.docker/bin, ~/.docker/run/docker.sock, ~/.docker/hostpriv (user state) */
int hp_path_user(const hp_ctx *c, const char *rel, char *out, size_t n);
/* Where root keeps its state (journal): /Library/Application Support/
 * com.docker.docker/hostpriv on macos, /var/lib/hostpriv on linux. */
const char *hp_path_root_state(const hp_ctx *c);
/* The system CLI links directory, /usr/local/bin. */
#define HP_SYSTEM_BIN_DIR "/usr/local/bin"
#define HP_DOCKER_SOCK_LINK "/var/run/docker.sock"

/* Real path of a host path: root + hpath (for messages, spawning). */
int hp_real_path(const hp_ctx *c, const char *hpath, char *out, size_t n);
#endif
