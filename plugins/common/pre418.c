/* Shared pre-4.18 flows; see pre418.h for why they are shared. */
#include "pre418.h"

#include <stdio.h>
#include <string.h>

#define SYS_BIN "/usr/local/bin"
#define DECISION_LINKS "cli-links"

int pre418_is_root(const pre418 *p)
{
    return p->api->role(p->h) != HP_ROLE_USER;
}

/* The route of a granted step; root roles act themselves. */
static int route(const pre418 *p)
{
    return pre418_is_root(p) ? HP_ROUTE_SELF : p->route;
}

static void skipped(pre418 *p, int task, const char *path, const char *why)
{
    p->api->event(p->h, HP_EV_SKIPPED, task, HP_VIA_NONE, path, why);
}

static const char *home(pre418 *p)
{
    return p->api->conf(p->h, "host.home");
}

int pre418_ask(pre418 *p, int task, const char *msg)
{
    int ans = p->api->prompt(p->h, task, msg);
    if (ans == HP_PROMPT_GRANTED)
        return HP_OK;
    if (ans != HP_PROMPT_UNAVAILABLE)
        return HP_EDENIED;
    p->unanswered = 1;
    return HP_EUNAVAIL;
}

int pre418_require(pre418 *p, int action, int route)
{
    if (!HP_HOST_HAS(p->api, require))
        return HP_OK;           /* an older core: it checks as it acts */
    return p->api->require(p->h, action,
                           pre418_is_root(p) ? HP_ROUTE_SELF : route);
}

/* The links: /usr/local/bin by the version's route, the ~/.docker/bin
 * fallback (the user's side) when not root. */
static int links_require(pre418 *p, int system, int user)
{
    int rc = pre418_require(p, system, p->route);
    if (rc == HP_OK && !pre418_is_root(p))
        rc = pre418_require(p, user, HP_ROUTE_SELF);
    return rc;
}

int pre418_require_launch(pre418 *p)
{
    int rc = links_require(p, HP_ACT_LINKS_SYSTEM, HP_ACT_LINKS_USER);
    if (rc == HP_OK)
        rc = pre418_require(p, HP_ACT_SOCKET_LINK, p->route);
    if (rc == HP_OK)
        rc = pre418_require(p, HP_ACT_HOSTS_ENSURE, p->route);
    return rc;
}

int pre418_launch_tasks(pre418 *p)
{
    int (*const step[3])(pre418 *) = { pre418_links, pre418_socket,
                                       pre418_hosts };
    int codes[3], n = 0;
    while (n < 3 && !p->unanswered) {
        codes[n] = step[n](p);
        n++;
    }
    return p->unanswered ? HP_EUNAVAIL : pre418_fold(codes, n);
}

/* The ~/.docker/bin fallback (B21), and the last resort hint (B23). */
static int links_fallback(pre418 *p)
{
    const hp_host_api *a = p->api;
    int rc = HP_OK;
    if (a->check(p->h, HP_ACT_LINKS_USER) != 1)
        rc = a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_USER,
                    HP_ROUTE_SELF, NULL, 0);
    if (rc == HP_OK) {
        a->notice(p->h, "the Docker CLI tools are linked in %s/.docker/bin, "
                  "which your shell profile now puts on PATH: reload open "
                  "shells (or open a new terminal) to use them", home(p));
        return HP_OK;
    }
    a->notice(p->h, "could not put the Docker CLI tools on your PATH: add %s "
              "to PATH yourself, or use the tools by their full path",
              a->conf(p->h, "host.app_bin_dir"));
    return rc;
}

int pre418_links(pre418 *p)
{
    const hp_host_api *a = p->api;
    int rc = links_require(p, HP_ACT_LINKS_SYSTEM, HP_ACT_LINKS_USER);
    if (rc != HP_OK)
        return rc;
    if (a->check(p->h, HP_ACT_LINKS_SYSTEM) == 1) {       /* B18 */
        skipped(p, HP_TASK_CLI_LINKS, SYS_BIN, "already-applied");
        return HP_OK;
    }
    if (pre418_is_root(p))
        return a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM,
                      HP_ROUTE_SELF, NULL, 0);
    if (a->user_can_write(p->h, SYS_BIN))                 /* B19 */
        return a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM,
                      HP_ROUTE_SELF, NULL, 0);
    const char *rec = a->decision_get(p->h, DECISION_LINKS);
    if (rec && strcmp(rec, "declined") == 0) {            /* B22 */
        skipped(p, HP_TASK_CLI_LINKS, SYS_BIN, "recorded-decline");
        return links_fallback(p);
    }
    char msg[1024];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to create symlinks to its CLI tools (%s) "
             "in %s, which only an administrator can write, so they are on "
             "your PATH. They point to %s. If you decline, they go in "
             "%s/.docker/bin and your shell profile is edited instead.",
             a->conf(p->h, "host.cli_tools"), SYS_BIN,
             a->conf(p->h, "host.app_bin_dir"), home(p));
    rc = pre418_ask(p, HP_TASK_CLI_LINKS, msg);           /* B20 */
    if (rc == HP_EUNAVAIL)      /* nobody answered: nothing to fall back on */
        return rc;
    if (rc == HP_OK) {
        rc = a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM, route(p),
                    NULL, 0);
        if (rc == HP_OK)
            return rc;
        /* granted, but root could not be had (no admin rights, elevation
         * or helper failing): the tools still go on PATH the user's way;
         * nothing is recorded, the user did not say no */
        a->notice(p->h, "could not write %s with administrator rights; "
                  "using %s/.docker/bin instead", SYS_BIN, home(p));
        return links_fallback(p);
    } else if (a->decision_set(p->h, DECISION_LINKS, "declined") != HP_OK) {
        a->log(p->h, HP_LOG_WARN, "could not record the declined prompt");
    }
    return links_fallback(p);                              /* B21 */
}

static int ask_and_run(pre418 *p, int task, int action, const char *msg);

int pre418_links_unprivileged(pre418 *p, int declined)
{
    const hp_host_api *a = p->api;
    int rc = pre418_require(p, HP_ACT_LINKS_USER, HP_ROUTE_SELF);
    if (rc != HP_OK)
        return rc;
    if (a->check(p->h, HP_ACT_LINKS_SYSTEM) == 1) {
        skipped(p, HP_TASK_CLI_LINKS, SYS_BIN, "already-applied");
        return HP_OK;
    }
    if (a->user_can_write(p->h, SYS_BIN))
        return a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM,
                      HP_ROUTE_SELF, NULL, 0);
    const char *rec = a->decision_get(p->h, DECISION_LINKS);
    if (rec && strcmp(rec, "declined") == 0)
        skipped(p, HP_TASK_CLI_LINKS, SYS_BIN, "recorded-decline");
    else if (declined &&
             a->decision_set(p->h, DECISION_LINKS, "declined") != HP_OK)
        a->log(p->h, HP_LOG_WARN, "could not record the declined prompt");
    return links_fallback(p);
}

int pre418_links_remove(pre418 *p)
{
    const hp_host_api *a = p->api;
    int rc = links_require(p, HP_ACT_LINKS_SYSTEM_REMOVE,
                           HP_ACT_LINKS_USER_REMOVE);
    if (rc != HP_OK)
        return rc;
    if (a->check(p->h, HP_ACT_LINKS_USER_REMOVE) == 1)
        rc = a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_USER_REMOVE,
                    HP_ROUTE_SELF, NULL, 0);
    int rc2;
    if (pre418_is_root(p) || a->user_can_write(p->h, SYS_BIN))
        rc2 = a->run(p->h, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM_REMOVE,
                     HP_ROUTE_SELF, NULL, 0);
    else    /* root is asked for, as for making them */
        rc2 = ask_and_run(p, HP_TASK_CLI_LINKS, HP_ACT_LINKS_SYSTEM_REMOVE,
                          "Docker Desktop needs to remove its CLI symlinks "
                          "from " SYS_BIN ", which only an administrator "
                          "can write; links it did not make are left.");
    return rc != HP_OK ? rc : rc2;
}

/* Ask for a root-only task, then run it by the version's route.  Declined
 * or timed out: HP_EDENIED, the task is not applied; the prompt could not
 * be shown: HP_EUNAVAIL. */
static int ask_and_run(pre418 *p, int task, int action, const char *msg)
{
    const hp_host_api *a = p->api;
    int rc = pre418_require(p, action, p->route);
    if (rc != HP_OK)
        return rc;
    if (pre418_is_root(p))
        return a->run(p->h, task, action, HP_ROUTE_SELF, NULL, 0);
    rc = pre418_ask(p, task, msg);
    return rc != HP_OK ? rc : a->run(p->h, task, action, route(p), NULL, 0);
}

static void sock_path(pre418 *p, char *out, size_t n)
{
    snprintf(out, n, "%s/.docker/run/docker.sock", home(p));
}

void pre418_socket_hint(pre418 *p)
{
    char sock[1024];
    if (p->api->check(p->h, HP_ACT_SOCKET_LINK) == 1)
        return;
    sock_path(p, sock, sizeof sock);
    p->api->notice(p->h, "/var/run/docker.sock was not linked: set "
                   "DOCKER_HOST=unix://%s in the clients that need it (the "
                   "docker CLI itself uses its current context, "
                   "desktop-linux, set when Docker Desktop starts)", sock);
}

int pre418_socket(pre418 *p)
{
    const hp_host_api *a = p->api;
    char sock[1024];
    int rc = pre418_require(p, HP_ACT_SOCKET_LINK, p->route);
    if (rc != HP_OK)
        return rc;
    sock_path(p, sock, sizeof sock);
    if (a->check(p->h, HP_ACT_SOCKET_LINK) == 1) {
        skipped(p, HP_TASK_DOCKER_SOCKET, "/var/run/docker.sock",
                "already-applied");
        return HP_OK;
    }
    char msg[1024];
    snprintf(msg, sizeof msg,
             "Docker Desktop needs to link /var/run/docker.sock to %s so "
             "clients that use the default Docker socket work, and to set "
             "up the startup task %s (%s) that recreates the link after a "
             "restart, since /var/run is wiped then.", sock,
             a->conf(p->h, "boot.label"), a->conf(p->h, "boot.service_file"));
    rc = ask_and_run(p, HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK, msg);
    if (rc != HP_OK)        /* declined, no root, a link not ours: B26 */
        pre418_socket_hint(p);
    return rc;
}

int pre418_socket_remove(pre418 *p)
{
    return ask_and_run(p, HP_TASK_DOCKER_SOCKET, HP_ACT_SOCKET_LINK_REMOVE,
                       "Docker Desktop needs to remove the "
                       "/var/run/docker.sock link and its startup task.");
}

int pre418_hosts(pre418 *p)
{
    const hp_host_api *a = p->api;
    const char *file = a->conf(p->h, "host.hosts_file");
    if (a->check(p->h, HP_ACT_HOSTS_ENSURE) == 1) {        /* B35, B36 */
        skipped(p, HP_TASK_HOSTS, file, "already-applied");
        return HP_OK;
    }
    int k8s = a->conf_bool(p->h, "host.kubernetes");
    char msg[1024];
    snprintf(msg, sizeof msg,
             "%s does not make %s resolve to 127.0.0.1, which Docker "
             "Desktop needs%s. It will add the mapping%s to %s, between "
             "\"# Added by Docker Desktop\" and \"# End of section\"; the "
             "rest of the file is kept as it is.",
             file, k8s ? "localhost and kubernetes.docker.internal"
                       : "localhost",
             k8s ? " (kubernetes.docker.internal lets containers share the "
                   "Kubernetes context)" : "",
             k8s ? "s" : "", file);
    int rc = ask_and_run(p, HP_TASK_HOSTS, HP_ACT_HOSTS_ENSURE, msg);
    if (rc == HP_EDENIED)
        a->notice(p->h, "%s was left unchanged: make localhost%s resolve to "
                  "127.0.0.1 yourself", file,
                  k8s ? " and kubernetes.docker.internal" : "");
    return rc;
}

int pre418_boot(pre418 *p)
{
    if (!pre418_is_root(p)) {
        p->api->notice(p->h, "the boot task runs as root, from the service "
                       "manager; run it as root");
        return HP_EDENIED;
    }
    int rc = pre418_require(p, HP_ACT_BOOT, HP_ROUTE_SELF);
    if (rc != HP_OK)
        return rc;
    return p->api->run(p->h, HP_TASK_DOCKER_SOCKET, HP_ACT_BOOT,
                       HP_ROUTE_SELF, NULL, 0);
}

/* Without --user the installer changes nothing privileged: the first
 * launch asks for each step, as these versions did. */
static int install_bare(pre418 *p)
{
    p->api->notice(p->h, "install without --user does not perform the "
                   "privileged configuration; nothing was changed.  The "
                   "user's first launch (hostpriv start) asks for each "
                   "step; hostpriv install --user NAME applies it now for "
                   "that account");
    p->api->event(p->h, HP_EV_SKIPPED, HP_TASK_HELPER, HP_VIA_NONE, "",
                  "not-in-this-version");
    return HP_ENOTSUP;
}

int pre418_install(pre418 *p, const char *user, int (*helper)(pre418 *))
{
    if (!user)
        return install_bare(p);
    if (!pre418_is_root(p)) {
        p->api->notice(p->h, "install --user runs as root");
        return HP_EDENIED;
    }
    /* everything it may run, checked before the first change */
    int rc = pre418_require_launch(p);
    if (rc == HP_OK && helper)
        rc = pre418_require(p, HP_ACT_HELPER_INSTALL, HP_ROUTE_SELF);
    if (rc != HP_OK)
        return rc;
    /* B39 the links, B40 localhost, then the rest of the version's
     * configuration: the docker.sock link with its boot task, and the
     * helper where the version keeps one running */
    int codes[4], n = 0;
    codes[n++] = pre418_links(p);
    codes[n++] = pre418_hosts(p);
    codes[n++] = pre418_socket(p);
    if (helper)
        codes[n++] = helper(p);
    return pre418_fold(codes, n);
}

int pre418_fold(const int *codes, int n)
{
    int denied = 0, failed = HP_OK;
    for (int i = 0; i < n; i++) {
        if (codes[i] == HP_EDENIED)
            denied = 1;
        else if (codes[i] != HP_OK && failed == HP_OK)
            failed = codes[i] == HP_ENOTSUP ? HP_EFAIL : codes[i];
    }
    if (failed != HP_OK)
        return failed;
    return denied ? HP_EDENIED : HP_OK;
}
