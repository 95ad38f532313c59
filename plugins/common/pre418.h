/* The flows every pre-4.18 version shares ("Version 4.17 and earlier" in
 * the spec): CLI links with the ~/.docker/bin fallback and a recorded
 * decline, the docker.sock link with its boot task, the hosts check, and the
 * privileged port sequence.  The versions differ in how a granted step
 * reaches root (legacy: the permanent helper; 4.15: elevation, helper only
 * for ports), so each flow takes that route. */
#ifndef HP_PLUGIN_PRE418_H
#define HP_PLUGIN_PRE418_H
#include <hostpriv/plugin.h>

typedef struct pre418 {
    const hp_host_api *api;
    hp_host *h;
    int route;              /* how a granted privileged step runs */
    int helper_on_demand;   /* 4.15: start the helper only for ports */
    int unanswered;         /* a prompt could not be shown: flows stop */
} pre418;

/* Outcome of one task, folded into the launch's exit code. */
enum { PRE418_DONE = 0, PRE418_NOT_APPLIED = 1, PRE418_FAILED = 2 };

/* Ask the user: HP_OK granted, HP_EDENIED declined or timed out,
 * HP_EUNAVAIL when the prompt could not be shown (p->unanswered is set:
 * nothing may be recorded or fall back, the flow stops; the core told the
 * user how to answer). */
int pre418_ask(pre418 *p, int task, const char *msg);
/* Check before changing: the configuration lets `action` run by `route`
 * (SELF in a root role).  HP_ECONFIG, already reported, stops a flow
 * before its first change. */
int pre418_require(pre418 *p, int action, int route);
/* Everything the launch's tasks (links, socket, hosts) may need. */
int pre418_require_launch(pre418 *p);
/* The launch's tasks in order: links, socket, hosts, folded; a prompt
 * that could not be shown stops them (HP_EUNAVAIL). */
int pre418_launch_tasks(pre418 *p);

int pre418_links(pre418 *p);
/* The links when root is not to be had at all (legacy: the helper was
 * declined or could not be installed): /usr/local/bin only if the user
 * can write it, else the ~/.docker/bin fallback (B21).  declined: the user
 * said no, and the rejection is recorded (B22); otherwise (no admin
 * rights, elevation failing) nothing is recorded. */
int pre418_links_unprivileged(pre418 *p, int declined);
int pre418_links_remove(pre418 *p);
int pre418_socket(pre418 *p);
/* B26, B27: /var/run/docker.sock is not linked (declined, root not to be
 * had, a link or socket of someone else left alone): how clients reach
 * the user's socket instead.  Said only when the link is not in place. */
void pre418_socket_hint(pre418 *p);
int pre418_socket_remove(pre418 *p);
int pre418_hosts(pre418 *p);
int pre418_policy(pre418 *p, const char *json);
int pre418_bind(pre418 *p, int socktype, const char *addr, int port, int *fd);
/* A range, all or nothing (bind_ports): each port directly (B29), those
 * refused as a user through the helper in one request (B30, B31). */
int pre418_bind_ports(pre418 *p, int socktype, const char *addr,
                      const int *ports, size_t n, int *fds);
int pre418_boot(pre418 *p);
/* `install --user NAME`, as root, after the core's part (installer.h):
 * the links (B39), localhost in the hosts file (B40), the docker.sock link
 * and its boot task, then helper(p) when the version keeps a helper
 * running (legacy; NULL for 4.15), each skipped when already applied, so
 * NAME's first launch asks nothing.  Without --user (user NULL): nothing
 * is changed, HP_ENOTSUP says so. */
int pre418_install(pre418 *p, const char *user, int (*helper)(pre418 *));
int pre418_uninstall(pre418 *p);
int pre418_helper_uninstall(pre418 *p);
/* Fold task outcomes into a `start` exit code: failed 1 (or the failing
 * code), not applied 77, else 0. */
int pre418_fold(const int *codes, int n);
/* 1 when this process is one of the root roles (acts directly). */
int pre418_is_root(const pre418 *p);
#endif
