/*
 * libhostpriv embedding API (hostpriv(3)).
 *
 * A desktop app opens a handle (which loads the plugin of the configured
 * version), shows its own dialog for prompts, receives events and notices
 * through callbacks, and asks for the app-launch flow, single tasks or a
 * privileged port.  Every function that can fail returns an hp_code (see
 * <hostpriv/plugin.h>): 0 or one of the exit codes of hostpriv(1); the
 * text of the last failure is hp_errmsg().
 *
 * The library runs programs of its own, never the app: elevation and the
 * boot task run the hostpriv CLI (core.cli_program), helper installation
 * copies hostprivd (core.helper_program); both default to where
 * `make install` put them.
 *
 * Threads: calls on one handle must not overlap (one handle per thread,
 * or the app's own lock around each call); distinct handles are
 * independent.  Callbacks run on the thread that made the call, before
 * it returns, and must not call the library with the same handle.
 */
#ifndef HOSTPRIV_HOSTPRIV_H
#define HOSTPRIV_HOSTPRIV_H

#include <stddef.h>
#include <hostpriv/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; hp_version() is the library's.  The soname
 * (libhostpriv.so.N) changes only when the ABI breaks. */
#define HOSTPRIV_VERSION_MAJOR 0
#define HOSTPRIV_VERSION_MINOR 1
#define HOSTPRIV_VERSION_PATCH 0
#define HOSTPRIV_VERSION_STRING "0.1.0"
/* One number that orders versions: 10000 * major + 100 * minor + patch. */
#define HOSTPRIV_VERSION_NUMBER \
    (HOSTPRIV_VERSION_MAJOR * 10000 + HOSTPRIV_VERSION_MINOR * 100 + \
     HOSTPRIV_VERSION_PATCH)

/* What the library exports: exactly the functions declared here. */
#if defined(__GNUC__)
#define HP_API __attribute__((visibility("default")))
#else
#define HP_API
#endif

typedef struct hp_ctx hp_ctx;

/* The library's version ("0.1.0") and its HOSTPRIV_VERSION_NUMBER. */
HP_API const char *hp_version(void);
HP_API int hp_version_number(void);

/* ---- callbacks ------------------------------------------------------ */

/* Prompt: `task` is the event task name ("cli-links"), `message` says what
 * will change, why and which paths.  Return HP_PROMPT_GRANTED (1: C's
 * "true" grants), HP_PROMPT_DECLINED (0), HP_PROMPT_TIMED_OUT, or
 * HP_PROMPT_UNAVAILABLE when the dialog cannot be shown (nothing is
 * recorded, the flow stops with HP_EUNAVAIL).  Any other value counts as
 * declined, with a `warning` event saying so.  prompt.timeout is the
 * app's business. */
typedef int (*hp_prompt_fn)(void *data, const char *task, const char *message);

/* One event of the events contract (hostpriv(1) EVENTS), as fields and as
 * its JSON object.  Everything is valid during the callback only. */
typedef struct hp_event_info {
    int kind;               /* enum hp_event_kind */
    int task;               /* enum hp_task */
    int via;                /* enum hp_via */
    const char *event;      /* "granted": the contract's name of kind */
    const char *task_name;  /* "cli-links" */
    const char *via_name;   /* "elevated"; "" for none */
    const char *path;       /* host path; "" for none */
    const char *detail;     /* "" for none */
    const char *plugin;     /* "v4.15-ondemand" */
    const char *version;    /* the app version emulated */
    const char *ts;         /* RFC 3339, UTC */
    const char *json;       /* the whole event, one JSON object, no newline */
} hp_event_info;
typedef void (*hp_event_fn)(void *data, const hp_event_info *ev);

/* A log line or a notice for the user (level HP_LOG_NOTICE: something
 * the user must act on, e.g. the DOCKER_HOST hint).  message is one line,
 * control characters escaped.  Without a log callback they go to stderr. */
typedef void (*hp_log_fn)(void *data, int level, const char *message);

/* ---- opening -------------------------------------------------------- */

/* hp_options.flags */
#define HP_OPEN_NO_SYSTEM_CONFIG 0x1u /* skip <root>SYSCONFDIR/hostpriv/hostpriv.ini
                                         and conf.d/ (admin.ini locks are
                                         always read) */
#define HP_OPEN_NO_USER_CONFIG   0x2u /* skip ~/.config/hostpriv/hostpriv.ini */

/* Everything that must be known before the plugin loads.  Initialise with
 * HP_OPTIONS_INIT (it sets size, so later versions can append fields);
 * NULL fields keep the configuration's value. */
typedef struct hp_options {
    size_t size;                  /* sizeof(hp_options) */
    const char *root;             /* host.root: absolute directory */
    const char *plugin_dir;       /* core.plugin_dir: absolute directory */
    const char *config_file;      /* read after the system and user files */
    const char *const *settings;  /* "section.key=value" items, NULL-ended,
                                     applied like hp_set before the plugin
                                     loads */
    unsigned flags;               /* HP_OPEN_* */
    hp_prompt_fn prompt;          /* instead of prompt.backend */
    void *prompt_data;
    hp_event_fn event;            /* each event */
    void *event_data;
    hp_log_fn log;                /* log lines and notices, not stderr */
    void *log_data;
} hp_options;
#define HP_OPTIONS_INIT \
    { sizeof(hp_options), NULL, NULL, NULL, NULL, 0u, NULL, NULL, NULL, NULL, \
      NULL, NULL }

/* Open a handle: the configuration layers (built-in defaults, the system
 * files under host.root, the user file, then opts->config_file), then
 * opts->root, plugin_dir and settings, then the plugin they select.  On
 * failure *out is NULL, the return is an hp_code (HP_ECONFIG naming the key
 * to set) and, when errmsg is not NULL, *errmsg is a malloc'd message for
 * the caller to free(); on success *errmsg is NULL.  opts may be NULL. */
HP_API int hp_open_with(hp_ctx **out, const hp_options *opts, char **errmsg);

/* hp_open_with with only config_file set. */
HP_API int hp_open(hp_ctx **out, const char *config_file, char **errmsg);

/* Override one key ("section.key", value) as `--set` does: highest layer,
 * below admin.ini locks (HP_EDENIED for a locked key).  The handle is
 * opened again from its options and every key set so far, so host.root
 * reads that root's system files and a core.* key loads the plugin again.
 * Atomic: on failure nothing changed.  An empty or relative host.root is
 * refused (HP_ECONFIG). */
HP_API int hp_set(hp_ctx *ctx, const char *key, const char *value);

/* The effective value of a configuration key; NULL for an unknown key.
 * Valid until the next call on ctx. */
HP_API const char *hp_get(hp_ctx *ctx, const char *key);

/* Use `fn` for every prompt instead of prompt.backend (NULL: the
 * backend again). */
HP_API int hp_set_prompt(hp_ctx *ctx, hp_prompt_fn fn, void *data);
/* Receive every event (NULL: none). */
HP_API int hp_set_event_callback(hp_ctx *ctx, hp_event_fn fn, void *data);
/* Receive log lines and notices instead of stderr (NULL: stderr). */
HP_API int hp_set_log_callback(hp_ctx *ctx, hp_log_fn fn, void *data);

/* ---- flows and tasks ------------------------------------------------ */

/* The app-launch flow of the active version (`hostpriv start`). */
HP_API int hp_start(hp_ctx *ctx);

/* Get a bound socket the way the active version does.  socktype is
 * HP_SOCK_TCP (bound and listening) or HP_SOCK_UDP (bound); addr is a
 * numeric IPv4/IPv6 address (HP_EUSAGE otherwise).  On HP_OK *fd is owned
 * by the caller. */
HP_API int hp_bind_port(hp_ctx *ctx, int socktype, const char *addr, int port,
                        int *fd);

/* A published range in one call ("-p 8000-8099"): ports[0..n) (1 to
 * HP_BIND_PORTS_MAX, none twice) of one socktype on addr, each obtained
 * as hp_bind_port does; the ones this process may not bind itself go
 * through the helper in one request.  All or nothing: on HP_OK fds[i] is
 * the socket of ports[i], owned by the caller; on a failure every fds[i]
 * is -1 and none stays bound. */
#define HP_BIND_PORTS_MAX 1024
HP_API int hp_bind_ports(hp_ctx *ctx, int socktype, const char *addr,
                         const int *ports, size_t n, int *fds);

/* The single tasks, as `hostpriv links install` and so on: each asks,
 * elevates or goes through the helper as the active version does, and
 * returns HP_ENOTSUP when that version does not do it. */
HP_API int hp_links_install(hp_ctx *ctx);
HP_API int hp_links_remove(hp_ctx *ctx);
HP_API int hp_socket_link_install(hp_ctx *ctx);
HP_API int hp_socket_link_remove(hp_ctx *ctx);
HP_API int hp_hosts_ensure(hp_ctx *ctx);
/* Cache the Registry Access Management policy (a JSON document). */
HP_API int hp_policy_set(hp_ctx *ctx, const char *json);
/* Undo everything hostpriv installed (`hostpriv uninstall`). */
HP_API int hp_uninstall(hp_ctx *ctx);
/* Forget the user's recorded declines (every version, no prompt). */
HP_API int hp_decisions_reset(hp_ctx *ctx);

/* 4.18 Settings > Advanced.  get: the user's effective value of key into
 * buf (an admin.ini lock, else the user's recorded choice, else the
 * configuration; any configuration key can be read).  set: the version's
 * change, asking for authorization when it needs one; HP_EDENIED for a
 * key admin.ini locks, HP_ENOTSUP before 4.18. */
HP_API int hp_settings_get(hp_ctx *ctx, const char *key, char *buf,
                           size_t len);
HP_API int hp_settings_set(hp_ctx *ctx, const char *key, const char *value);

/* ---- status --------------------------------------------------------- */

typedef struct hp_task_info {
    const char *task;       /* "cli-links", "docker-socket", ... */
    const char *state;      /* "applied", "not-applied", "disabled",
                               "user-responsibility" */
    const char *path;       /* host path */
    const char *via;        /* "user", "elevated", ...; "" when unknown */
} hp_task_info;

typedef struct hp_setting_info {
    const char *key;        /* "advanced.cli_location" */
    const char *value;      /* the user's effective value */
    const char *origin;     /* "recorded", "default", "FILE:LINE" */
    int locked;             /* 1: admin.ini locks it */
} hp_setting_info;

typedef struct hp_decision_info {
    const char *key, *value;
} hp_decision_info;

/* `hostpriv status` as data: fields, and `json` the same document as
 * `hostpriv --json status`. */
typedef struct hp_status {
    const char *plugin;     /* "" when no plugin is active */
    const char *version;
    const char *how;        /* one line on how this version works */
    int helper_installed;
    int helper_running;
    const char *helper_socket;
    size_t ntasks;
    const hp_task_info *tasks;
    int has_settings;       /* the version has Settings > Advanced */
    const char *settings_choice;   /* "default", "advanced", "" */
    size_t nsettings;
    const hp_setting_info *settings;
    size_t ndecisions;
    const hp_decision_info *decisions;
    const char *json;
} hp_status;

/* On HP_OK *out is the caller's, freed with hp_status_free(). */
HP_API int hp_status_get(hp_ctx *ctx, hp_status **out);
HP_API void hp_status_free(hp_status *st);

/* ---- errors and closing --------------------------------------------- */

/* Text of the last failure on this handle; "" after a call that
 * succeeded.  Valid until the next call on ctx. */
HP_API const char *hp_errmsg(const hp_ctx *ctx);

/* Short name of an hp_code ("configuration error"). */
HP_API const char *hp_strerror(int code);

/* Unload the plugin and free everything (NULL: nothing). */
HP_API void hp_close(hp_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* HOSTPRIV_HOSTPRIV_H */
