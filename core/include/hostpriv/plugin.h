/*
 * hostpriv plugin SDK: the privileged-operation table every behaviour
 * generation implements, and the host-services table the core hands it.
 *
 * Modelled on SQLite's VFS and nginx's module descriptor: a plugin exports
 * exactly one symbol, HP_PLUGIN_SYMBOL, a const struct hp_plugin stamped by
 * HP_PLUGIN_HEADER.  The table only grows by appending; a plugin built
 * against an older minor has a smaller struct_size and the core zero-fills
 * the rest (a NULL op = "this version does not do that").
 *
 * A plugin links against nothing of the core: everything it needs arrives in
 * the hp_host_api table given to init().  This header includes only
 * <stddef.h> and <stdint.h>.
 */
#ifndef HOSTPRIV_PLUGIN_H
#define HOSTPRIV_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HP_PLUGIN_ABI_MAJOR 1
#define HP_PLUGIN_ABI_MINOR 3
#define HP_PLUGIN_SYMBOL    "hp_plugin_descriptor"

/* Result codes.  Values are the process exit codes of docs/REFERENCE.md, except
 * HP_ENOTSUP, which the CLI reports as exit 1 with a `skipped
 * not-in-this-version` event. */
enum hp_code {
    HP_OK        = 0,
    HP_EFAIL     = 1,   /* the task failed */
    HP_ENOTSUP   = 2,   /* the active version does not do that */
    HP_EUSAGE    = 64,
    HP_EUNAVAIL  = 69,  /* a needed service is unavailable: the helper,
                           or a way to show a prompt */
    HP_EINTERNAL = 70,
    HP_EDENIED   = 77,  /* declined, timed out or not permitted */
    HP_ECONFIG   = 78
};

/* Event task names (contract: docs/REFERENCE.md "Events"). */
enum hp_task {
    HP_TASK_HELPER = 0,
    HP_TASK_CLI_LINKS,
    HP_TASK_DOCKER_SOCKET,
    HP_TASK_PRIVILEGED_PORT,
    HP_TASK_HOSTS,
    HP_TASK_POLICY,
    HP_TASK_SETTINGS,
    HP_TASK_UNINSTALL,
    HP_TASK__COUNT
};
#define HP_TASK_BIT(t) (1u << (t))

enum hp_event_kind {
    HP_EV_PROMPT = 0, HP_EV_GRANTED, HP_EV_DECLINED, HP_EV_TIMED_OUT,
    HP_EV_DONE, HP_EV_SKIPPED, HP_EV_FAILED, HP_EV_WARNING
};

enum hp_via {
    HP_VIA_NONE = 0, HP_VIA_USER, HP_VIA_HELPER, HP_VIA_ELEVATED,
    HP_VIA_INSTALLER
};

/* Who this process is.  Plugins branch on it: a root role acts directly and
 * never prompts or elevates. */
enum hp_role {
    HP_ROLE_USER = 0,      /* the app side, unprivileged */
    HP_ROLE_INSTALLER,     /* a hostpriv command run by root */
    HP_ROLE_HELPER,        /* inside hostprivd, serving a client */
    HP_ROLE_PRIVILEGED     /* `hostpriv privileged TASK` (one-shot) */
};

/* HP_PROMPT_UNAVAILABLE: the prompt could not be shown at all (no
 * terminal, no dialog configured): nobody answered, so it is not a "no".
 * A plugin records nothing, applies no decline fallback and stops the
 * flow with HP_EUNAVAIL; the core has already told the user how to
 * answer (another prompt.backend, or a terminal).  A plugin that treats it
 * as any other "not granted" stays safe: after it, the core refuses to
 * record decisions for the rest of the run. */
/* Granted is 1, so an embedder's dialog that returns C's "true" grants and
 * one that returns "false" declines (ABI 1.2; a plugin built against an
 * older plugin.h, where granted was 0 and declined 1, is handed the values
 * it knows). */
enum hp_prompt_result {
    HP_PROMPT_DECLINED = 0, HP_PROMPT_GRANTED = 1, HP_PROMPT_TIMED_OUT = 2,
    HP_PROMPT_UNAVAILABLE = 3
};

/* The host mechanisms.  A plugin decides *whether* and *how* (which route);
 * the core owns *what* each action does to the host, so every version gets
 * the same safe primitives.  The privileged task names accepted by
 * `hostpriv privileged` map 1:1 onto these (see hp_action_name()). */
enum hp_action {
    HP_ACT_LINKS_SYSTEM = 0,    /* CLI links in /usr/local/bin       "cli-links" */
    HP_ACT_LINKS_SYSTEM_REMOVE, /*                         "cli-links-remove" */
    HP_ACT_LINKS_USER,          /* ~/.docker/bin + shell profile PATH (user) */
    HP_ACT_LINKS_USER_REMOVE,
    HP_ACT_SOCKET_LINK,         /* /var/run/docker.sock + boot task "docker-socket" */
    HP_ACT_SOCKET_LINK_REMOVE,  /*                     "docker-socket-remove" */
    HP_ACT_BOOT,                /* the boot task's body: ln -s -f            */
    HP_ACT_HOSTS_ENSURE,        /* localhost (+kubernetes.docker.internal) "hosts" */
    HP_ACT_HOSTS_REMOVE,        /*                              "hosts-remove" */
    HP_ACT_POLICY_SET,          /* data = policy JSON                 "policy" */
    HP_ACT_HELPER_INSTALL,      /* binary + service file, loaded "helper-install" */
    HP_ACT_HELPER_START,        /* on demand: install if needed, start "helper-start" */
    HP_ACT_HELPER_UNINSTALL,    /* unload, rm service file + binary "helper-uninstall" */
    HP_ACT_UNINSTALL,           /* revert every root-made change  "uninstall" */
    /* ABI 1.1 */
    HP_ACT_LINKS_USER_BIN,      /* ~/.docker/bin only, no profile edit (4.18:
                                   the user puts it on PATH); removed by
                                   HP_ACT_LINKS_USER_REMOVE */
    HP_ACT__COUNT
};

/* How an action is carried out. */
enum hp_route {
    HP_ROUTE_SELF = 0,  /* in this process with its own rights (via user or
                           via the root role's own name) */
    HP_ROUTE_HELPER,    /* a request to the running hostprivd (via helper) */
    HP_ROUTE_ELEVATE    /* elevate.command + hostpriv privileged TASK
                           (via elevated) */
};

enum hp_log_level { HP_LOG_DEBUG = 0, HP_LOG_INFO, HP_LOG_NOTICE, HP_LOG_WARN, HP_LOG_ERR };

/* Socket types for bind_port: the values of SOCK_STREAM / SOCK_DGRAM are
 * not used so the SDK needs no system header. */
enum hp_socktype { HP_SOCK_TCP = 1, HP_SOCK_UDP = 2 };

typedef struct hp_host hp_host;   /* opaque: the core's context */

/*
 * Host services.  Version 3 of the table; it only grows by appending (ABI
 * 1.1 appended require and the settings services, ABI 1.3
 * helper_bind_ports; ABI 1.2 left the table as it was: a plugin checks
 * HP_HOST_HAS before using them).
 * Every function takes the host first.  Strings are borrowed for the call.
 */
typedef struct hp_host_api {
    uint32_t version;           /* HP_HOST_API_VERSION */
    uint32_t struct_size;

    /* --- logging, events, config ---------------------------------- */
    void (*log)(hp_host *h, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /* Tell the user something they must act on (stderr, or the embedder). */
    void (*notice)(hp_host *h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
    void (*event)(hp_host *h, int kind, int task, int via,
                  const char *path, const char *detail);
    const char *(*conf)(hp_host *h, const char *key);      /* "host.user" */
    int (*conf_bool)(hp_host *h, const char *key);
    long (*conf_int)(hp_host *h, const char *key);
    int (*role)(hp_host *h);                                /* enum hp_role */
    const char *(*app_version)(hp_host *h);                 /* core.version */

    /* --- authorization --------------------------------------------- */
    /* Ask the user; emits prompt + granted/declined/timed-out events, or
     * `failed` with detail "prompt-unavailable: WHY" when the prompt could
     * not be shown.  Returns enum hp_prompt_result. */
    int (*prompt)(hp_host *h, int task, const char *message);
    /* Per-user recorded decisions (pre-4.18 declines).  get returns NULL
     * when nothing is recorded. */
    const char *(*decision_get)(hp_host *h, const char *key);
    int (*decision_set)(hp_host *h, const char *key, const char *value);

    /* --- state checks ---------------------------------------------- */
    /* 1 applied, 0 not applied, < 0 -hp_code on error.  For LINKS_SYSTEM:
     * every link exists (ours or not: "links exist already: nothing").
     * LINKS_USER: every link ours in ~/.docker/bin and the shell profile
     * puts that directory on PATH (our block is there).
     * HOSTS_ENSURE: every needed mapping present.  SOCKET_LINK: link and
     * boot task present.  HELPER_INSTALL: service file and binary present.
     * HELPER_START: the helper answers on helper.socket.  (ABI 1.1) The
     * removals: something of ours is there to remove (LINKS_USER_REMOVE: a
     * link in ~/.docker/bin or the profile block; LINKS_SYSTEM_REMOVE: a
     * link pointing where ours do; SOCKET_LINK_REMOVE: our link or the
     * boot task; HELPER_UNINSTALL: the binary or its service file). */
    int (*check)(hp_host *h, int action);
    /* 1 if the app's user may create entries in host directory `hpath`. */
    int (*user_can_write)(hp_host *h, const char *hpath);

    /* --- acting ---------------------------------------------------- */
    /* Carry out `action` for `task` by `route`; data (may be NULL) is the
     * action's input (policy JSON).  Emits done (with via) or failed.
     * Returns an hp_code. */
    int (*run)(hp_host *h, int task, int action, int route,
               const char *data, size_t len);

    /* --- ports ----------------------------------------------------- */
    /* Bind in this process.  0 and *fd set, or -errno (-EACCES when the
     * OS refuses a privileged port). */
    int (*bind_direct)(hp_host *h, int socktype, const char *addr, int port,
                       int *fd);
    /* Bind through hostprivd.  HP_OK and *fd, HP_EUNAVAIL when it does not
     * answer, HP_EFAIL with a message when it refused. */
    int (*helper_bind)(hp_host *h, int socktype, const char *addr, int port,
                       int *fd);
    /* Print the documented "Ports are not available ..." message for this
     * request with the configured socket, emit `failed`, return `code`. */
    int (*port_unavailable)(hp_host *h, int socktype, const char *addr,
                            int port, int code);

    /* --- ABI 1.1 (table version 2): check HP_HOST_HAS before use ---- */
    /* Check before changing: whether the configuration lets `action` run
     * by `route` (the app's user known where the action works in that
     * user's home or state, elevate.command usable for the elevate route,
     * the boot task's program root's own).  Changes nothing.  HP_OK, or
     * the hp_code (HP_ECONFIG) after telling the user what is missing and
     * how to set it, with a `failed` event.  A flow checks every action
     * it may run before its first change. */
    int (*require)(hp_host *h, int action, int route);
    /* The user's 4.18 settings (~/.docker/hostpriv/settings.ini under
     * host.home; keys window.choice, advanced.*, applied.*: see
     * docs/REFERENCE.md).  Strings are valid until the next call of
     * either getter. */
    /* The value recorded for key; NULL when none is (a file that cannot
     * be read is logged and counts as nothing recorded). */
    const char *(*settings_recorded)(hp_host *h, const char *key);
    /* The user's effective value of an advanced.* key: an admin.ini lock,
     * else the recorded value, else the other configuration layers. */
    const char *(*settings_get)(hp_host *h, const char *key);
    /* Record npairs key/value pairs (kv[2i], kv[2i+1]; a NULL value
     * forgets the key) in one atomic write, with the user's rights.
     * Returns an hp_code (HP_EUSAGE/HP_ECONFIG for a bad key/value). */
    int (*settings_record)(hp_host *h, const char *const *kv, size_t npairs);
    /* 1 when admin.ini locks the configuration key. */
    int (*conf_locked)(hp_host *h, const char *key);

    /* --- ABI 1.3 (table version 3) --------------------------------- */
    /* Bind ports[0..n) (1 to HP_PORTS_PER_CALL, none twice) of one type
     * on addr through hostprivd in one request: all or nothing.  HP_OK
     * and fds[i] the socket of ports[i]; else every fds[i] is -1 and
     * nothing stays bound: HP_EUNAVAIL when it does not answer, HP_EFAIL
     * (or HP_EDENIED) with a message naming the port when it refused. */
    int (*helper_bind_ports)(hp_host *h, int socktype, const char *addr,
                             const int *ports, size_t n, int *fds);
} hp_host_api;

#define HP_HOST_API_VERSION 3
/* The most ports one bind_ports call takes (a published range). */
#define HP_PORTS_PER_CALL 1024
/* 1 when the core's table has `member` (a plugin built against a newer
 * plugin.h, loaded by an older core, sees a shorter table). */
#define HP_HOST_HAS(api, member) \
    ((api)->struct_size >= offsetof(hp_host_api, member) + \
                           sizeof((api)->member))

/*
 * The operation table.  Every op takes the plugin's state first and returns
 * an hp_code.  NULL = the version does not do it (reported as
 * not-in-this-version, never a crash).  Append only.
 */
typedef struct hp_ops {
    int (*launch)(void *st);                         /* `hostpriv start` */
    int (*install)(void *st, const char *user);      /* installer; user NULL or --user NAME */
    int (*links_install)(void *st);
    int (*links_remove)(void *st);
    int (*socket_link_install)(void *st);
    int (*socket_link_remove)(void *st);
    int (*boot)(void *st);                           /* boot task */
    int (*bind_port)(void *st, int socktype, const char *addr, int port,
                     int *fd);
    int (*hosts_ensure)(void *st);
    int (*policy_set)(void *st, const char *json);
    int (*settings_set)(void *st, const char *key, const char *value);
    int (*helper_install)(void *st);
    int (*helper_uninstall)(void *st);
    int (*uninstall)(void *st);
    /* One line on how this version works ("helper: permanent, serves all
     * requests"), shown by `hostpriv status`. */
    int (*status)(void *st, char *buf, size_t len);
    /* Methods above are valid for ABI 1.0.  hp_ops is embedded in
     * hp_plugin, so it never grows: later ops go at the end of hp_plugin. */
} hp_ops;

/* One task as a version sees it, for `hostpriv status` (ABI 1.1). */
typedef struct hp_task_status {
    char state[32];     /* "applied", "not-applied", "disabled" (the
                           version's settings turn it off),
                           "user-responsibility" */
    char path[4096];    /* host path, as in events */
    char via[16];       /* how it was applied ("user", "elevated", ...),
                           "" when unknown or not applied */
} hp_task_status;

/* Argument type tags of an op signature (libffi dispatch, helper wire). */
#define HP_ARG_STR     's'  /* const char *                        */
#define HP_ARG_INT     'i'  /* int                                 */
#define HP_ARG_SOCK    't'  /* int, "tcp"/"udp" -> enum hp_socktype */
#define HP_ARG_FD_OUT  'f'  /* int * : a descriptor comes back      */

/* An op a plugin exports beyond hp_ops: name, function, argument tags
 * (after the state pointer), and the task it belongs to (for the helper's
 * allow-list and events). */
typedef struct hp_extra_op {
    const char *name;
    int (*fn)(void);            /* cast to the real signature by the core */
    const char *args;           /* e.g. "si" */
    int task;
} hp_extra_op;

typedef struct hp_plugin {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t struct_size;       /* sizeof(struct hp_plugin) when built */
    const char *name;           /* "legacy-vmnetd" */
    const char *description;
    /* Range of app versions emulated: min inclusive, max exclusive; NULL =
     * unbounded.  versions_text is the human form ("< 4.15"). */
    const char *version_min;
    const char *version_max;
    const char *versions_text;
    /* Which tasks a helper running this version serves (HP_TASK_BIT). */
    uint32_t helper_serves;

    int  (*init)(const hp_host_api *api, hp_host *h, void **st);
    void (*fini)(void *st);
    hp_ops ops;
    const hp_extra_op *extra_ops;
    size_t n_extra_ops;
    /* Fields above are valid for ABI 1.0. */
    /* `status` asks the version about each task (enum hp_task): HP_OK and
     * *out filled, or HP_ENOTSUP (or a NULL op) for the core's own check.
     * Not callable by name (it takes a buffer). */
    int (*status_task)(void *st, int task, hp_task_status *out);
    /* Fields above are valid for ABI 1.1. */
    /* Several ports of one type on one address (a published range:
     * ports[0..n), 1 to HP_PORTS_PER_CALL, none twice), the way the
     * version binds one, all or nothing: HP_OK and fds[i] the socket of
     * ports[i], else none stays bound.  NULL: the core binds them one by
     * one with bind_port.  Not callable by name (it takes arrays). */
    int (*bind_ports)(void *st, int socktype, const char *addr,
                      const int *ports, size_t n, int *fds);
    /* Fields above are valid for ABI 1.3 (1.2 added no field). */
} hp_plugin;

/* Stamps the ABI of the header the plugin was built with. */
#define HP_PLUGIN_HEADER \
    .abi_major = HP_PLUGIN_ABI_MAJOR, .abi_minor = HP_PLUGIN_ABI_MINOR, \
    .struct_size = (uint32_t)sizeof(struct hp_plugin)

#if defined(__GNUC__)
#define HP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HP_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
}
#endif
#endif /* HOSTPRIV_PLUGIN_H */
