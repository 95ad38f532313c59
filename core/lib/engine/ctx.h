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

/* How the context is opened (CLI flags, helper start-up, embedder). */
typedef struct hp_open_opts {
    int role;                  /* enum hp_role */
    const char *root;          /* --root DIR, or NULL: host.root of config */
    const char *config_file;   /* -c FILE, or NULL */
    const char *const *sets;   /* --set S.K=V items, NULL-terminated or NULL */
    int no_user_layer;         /* privileged/helper: skip ~/.config layer */
    int json;                  /* --json: action events also to stdout */
    const char *install_user;  /* install --user NAME (overrides host.user) */
    int no_plugin;             /* config-only commands: do not load plugins */
} hp_open_opts;

struct hp_ctx {
    struct hp_config *cfg;
    struct hp_loaded *plugins;   /* every plugin found (loader.h) */
    size_t nplugins;
    struct hp_loaded *active;    /* the selected one, NULL when none */
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

    /* prompts */
    hp_prompt_fn prompt_fn;      /* embedder's callback, NULL: backend */
    void *prompt_data;
    size_t answers_used;         /* bare answers consumed so far */
    int prompts_asked;
    int prompt_unavailable;      /* a prompt could not be shown: this run
                                    records no decision (prompt.c) */

    /* how to re-run ourselves as root (elevation, boot task) */
    char self_exe[PATH_MAX];     /* absolute path of the hostpriv CLI */
    char config_arg[PATH_MAX];   /* -c FILE made absolute, "" when none */
    char root_arg[PATH_MAX];     /* --root DIR as given, "" when none */

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
};

/* Open (open.c): load config layers, resolve host.root and host.user, open
 * the event log, load plugins and select the active one (unless
 * opts->no_plugin), and init it with api.  Root roles check config,
 * plugins and root for safety.  Programs call hp_ctx_open
 * (actions/hostapi.h), which passes the core's host-services table. */
int hp_engine_open(hp_ctx **out, const hp_open_opts *opts,
                   const hp_host_api *api, hp_err *e);
/* Re-select and re-init the plugin after hp_set changed core.* keys. */
int hp_ctx_reload_plugin(hp_ctx *c, hp_err *e);
void hp_ctx_close(hp_ctx *c);

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
