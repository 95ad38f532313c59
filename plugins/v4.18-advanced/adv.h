/* v4.18-advanced, shared between its files: the plugin's state, the
 * user's effective settings, and plans (the steps a launch or a settings
 * change takes, asked for with one authorization). */
#ifndef HP_PLUGIN_ADV_H
#define HP_PLUGIN_ADV_H
#include <stddef.h>
#include <hostpriv/plugin.h>

#define ADV_SYS_BIN "/usr/local/bin"
#define ADV_SOCK    "/var/run/docker.sock"
#define ADV_FILE    "/.docker/hostpriv/settings.ini"   /* under host.home */

typedef struct adv {
    const hp_host_api *api;
    hp_host *h;
} adv;

/* The three Settings > Advanced values, as they apply now. */
typedef struct adv_settings {
    int user_bin;       /* advanced.cli_location = user (~/.docker/bin) */
    int socket;         /* advanced.docker_socket_link */
    int ports;          /* advanced.privileged_ports (the helper) */
} adv_settings;

/* One step: run `action` for `task` by `route`.  priv: it needs the
 * user's authorization (root is reached by elevation).  made: 1 it sets a
 * part up (its `applied.TASK` is recorded), 0 it takes one away (the
 * record is forgotten).  what: the step in words, for the prompt and for
 * saying what did not happen. */
typedef struct adv_step {
    int task, action, route, priv, made;
    char what[512];
} adv_step;

#define ADV_MAX_STEPS 6
typedef struct adv_plan {
    adv_step s[ADV_MAX_STEPS];
    int n;
    /* settings to record with the outcome (pairs), e.g. the changed key */
    const char *kv[12];
    size_t nkv;
} adv_plan;

/* How a plan treats a declined authorization. */
enum {
    ADV_PARTIAL,        /* launch: the unprivileged steps still run */
    ADV_ALL_OR_NOTHING  /* a settings change: nothing runs, nothing recorded */
};

int adv_is_root(const adv *a);
const char *adv_home(const adv *a);
void adv_skipped(adv *a, int task, const char *path, const char *why);
void adv_settings_read(adv *a, adv_settings *s);

/* plan.c */
void adv_plan_add(adv_plan *p, int task, int action, int route, int priv,
                  int made, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Ask once (task prompt_task) for the privileged steps, run them, record
 * the plan's settings and what each step applied.  Returns an hp_code:
 * HP_EDENIED when the authorization was declined or timed out. */
int adv_plan_run(adv *a, adv_plan *p, int prompt_task, int mode,
                 const char *why);

/* parts.c: add to p what makes a part match the settings (ensure) or
 * takes it away (remove); a part already so is reported as skipped. */
void adv_links_ensure(adv *a, const adv_settings *s, adv_plan *p);
void adv_links_remove(adv *a, int user_bin, adv_plan *p);
void adv_socket_ensure(adv *a, adv_plan *p);
void adv_socket_remove(adv *a, adv_plan *p);
void adv_helper_ensure(adv *a, adv_plan *p);
void adv_helper_remove(adv *a, adv_plan *p);
/* What a part that is off means for the user (B17, B26): said, and a
 * `skipped disabled` event. */
void adv_say_off(adv *a, const adv_settings *s);
/* Clients that use the default socket need DOCKER_HOST (why: the reason
 * the link is not there). */
void adv_docker_host_hint(adv *a, const char *why);

/* launch.c */
int adv_launch(void *st);
/* 1 when localhost (and kubernetes.docker.internal with host.kubernetes)
 * resolve to 127.0.0.1; otherwise a `skipped user-responsibility` event
 * and a warning line (B34).  Never edits anything. */
int adv_hosts_check(adv *a);

/* install.c: `install --user NAME`, as root (see install.c). */
int adv_install(void *st, const char *user);

/* change.c */
int adv_settings_set(void *st, const char *key, const char *value);

/* ports.c */
int adv_bind(void *st, int socktype, const char *addr, int port, int *fd);
/* A range, all or nothing: each port directly, those refused to the user
 * through the helper in one request (privileged port mapping on). */
int adv_bind_ports(void *st, int socktype, const char *addr,
                   const int *ports, size_t n, int *fds);
int adv_policy(void *st, const char *json);

/* status.c */
int adv_status(void *st, char *buf, size_t len);
int adv_status_task(void *st, int task, hp_task_status *out);
#endif
