/* Opening a context: configuration layers, host.root, host.user, the
 * programs it runs, the event log and the active plugin (again for each
 * hp_set: reopen.c).  A root process trusts only
 * root-owned config files, plugin directory and root.  The host-services
 * table handed to the plugin comes from the caller (the actions layer
 * implements it; the engine only passes it on). */
#include "ctx.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "events.h"
#include "host/identity.h"
#include "loader.h"
#include "programs.h"
#include "host/safepath.h"

/* ---- opening ---------------------------------------------------------- */

static void print_warnings(hp_ctx *c, const char *w)
{
    while (w && *w) {
        size_t l = strcspn(w, "\n");
        hp_log(c, HP_LOG_WARN, "%.*s", (int)l, w);
        w += l + (w[l] == '\n');
    }
}

/* --set S.K=V items; a locked key is ignored with the config's warning. */
static int apply_sets(hp_config *cfg, const char *const *sets,
                      const char *origin, hp_err *e)
{
    for (size_t i = 0; sets && sets[i]; i++) {
        const char *eq = strchr(sets[i], '=');
        char key[128];
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof key)
            return hp_err_set(e, HP_EUSAGE, "%s '%s': write it as "
                              "SECTION.KEY=VALUE", origin, sets[i]);
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        int rc = hp_config_set(cfg, key, eq + 1, HP_LAYER_SET, origin, e);
        if (rc != HP_OK && rc != HP_EDENIED)
            return rc;
    }
    hp_err_clear(e);
    return HP_OK;
}

static int user_file(char *out, size_t n)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
    int k;
    if (x && x[0] == '/')
        k = snprintf(out, n, "%s/hostpriv/hostpriv.ini", x);
    else if (h && h[0] == '/')
        k = snprintf(out, n, "%s/.config/hostpriv/hostpriv.ini", h);
    else
        return -1;
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* host.root: --root, else -c FILE / --set, else "/".  System and user
 * files live under the root, so they cannot move it. */
static int open_root(hp_ctx *c, const char *want, int safe, hp_err *e)
{
    char real[PATH_MAX];
    if (!want || !*want)
        want = "/";
    if (want[0] != '/')
        return hp_err_set(e, HP_ECONFIG, "host.root '%s' is not absolute: "
                          "give the sandbox from /", want);
    if (!realpath(want, real))
        return hp_err_sys(e, HP_ECONFIG, errno, "host.root %s", want);
    if (safe && hp_sp_check_safe_dir(real, e) != HP_OK)
        return HP_ECONFIG;
    int fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "host.root %s", real);
    if (c->rootfd >= 0)
        close(c->rootfd);
    c->rootfd = fd;
    snprintf(c->root, sizeof c->root, "%s", strcmp(real, "/") ? real : "");
    return HP_OK;
}

/* The layers above the files: --set (or the embedder's options), then
 * hp_set(), then --root. */
static int load_sets(hp_ctx *c, const hp_open_opts *o, hp_err *e)
{
    int rc = apply_sets(c->cfg, o->sets,
                        o->sets_origin ? o->sets_origin : "--set", e);
    if (rc == HP_OK)
        rc = apply_sets(c->cfg, o->api_sets, "hp_set", e);
    if (rc == HP_OK && o->root)
        rc = hp_config_set(c->cfg, "host.root", o->root, HP_LAYER_SET,
                           "--root", e);
    return rc;
}

static int load_layers(hp_ctx *c, const hp_open_opts *o, int safe, hp_err *e)
{
    int rc = HP_OK;
    if (o->config_file)
        rc = hp_config_load_file(c->cfg, c->config_arg, HP_LAYER_FILE, 1,
                                 safe, e);
    if (rc == HP_OK)
        rc = load_sets(c, o, e);
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s", hp_conf(c, "host.root"));
    if (rc == HP_OK)
        rc = open_root(c, want, safe, e);
    char sys[PATH_MAX];
    hp_sysconf_path(c, NULL, sys, sizeof sys);
    if (rc == HP_OK)
        rc = o->no_system_layer ? hp_config_load_admin(c->cfg, sys, safe, e)
                                : hp_config_load_system(c->cfg, sys, safe, e);
    char uf[PATH_MAX];
    if (rc == HP_OK && !o->no_user_layer && user_file(uf, sizeof uf) == 0) {
        rc = hp_config_load_file(c->cfg, uf, HP_LAYER_USER, 0, safe, e);
        /* $HOME of another user (sudo, setpriv): that layer is not ours */
        if (rc == HP_ECONFIG && e && e->sys == EACCES) {
            hp_log(c, HP_LOG_WARN, "%s: skipped", e->msg);
            hp_err_clear(e);
            rc = HP_OK;
        }
    }
    const char *now = hp_conf(c, "host.root");
    if (rc == HP_OK && strcmp(now, want) != 0)
        rc = hp_err_set(e, HP_ECONFIG, "%s: host.root is chosen by --root, "
                        "-c FILE or --set only (the files under the root "
                        "cannot move it): remove it there",
                        hp_config_origin(c->cfg, "host.root"));
    return rc;
}

static int set_default(hp_ctx *c, const char *key, const char *v,
                       const char *origin, hp_err *e)
{
    const char *cur = hp_conf(c, key);
    if (cur && *cur)
        return HP_OK;
    return hp_config_set(c->cfg, key, v, HP_LAYER_DEFAULT, origin, e);
}

/* B41: hostpriv serves one account per machine once `install --user`
 * named it.  A second install for another name is refused until the
 * first is uninstalled. */
static int one_user(const hp_ctx *c, const char *want, hp_err *e)
{
    const char *origin = NULL;
    const char *have = hp_config_layer_value(c->cfg, "host.user",
                                             HP_LAYER_INSTALL, &origin);
    if (!have || !strcmp(have, want))
        return HP_OK;
    return hp_err_set(e, HP_EDENIED, "hostpriv serves one account per "
                      "machine, and it is installed for %s (%s): install "
                      "--user %s is refused.  To serve %s instead, run "
                      "hostpriv uninstall first, then hostpriv install "
                      "--user %s, as root", have, origin, want, want, want);
}

/* B41: a process of another account may not act for the installed user
 * (config-only commands may still look). */
static int installed_only(const hp_ctx *c, const hp_open_opts *o, hp_err *e)
{
    const char *origin = NULL;
    const char *have = hp_config_layer_value(c->cfg, "host.user",
                                             HP_LAYER_INSTALL, &origin);
    if (!have || o->no_plugin || c->role != HP_ROLE_USER ||
        (c->user_known && geteuid() == c->uid))
        return HP_OK;
    char me[64] = "";
    hp_err ig = HP_ERR_INIT;
    if (hp_user_lookup_uid(geteuid(), me, sizeof me, &ig) != HP_OK)
        snprintf(me, sizeof me, "uid %u", (unsigned)geteuid());
    return hp_err_set(e, HP_EDENIED, "hostpriv is installed for %s only (%s, "
                      "written by hostpriv install --user %s): it does not "
                      "run as %s.  One account per machine: to hand it to "
                      "another, an administrator runs hostpriv uninstall, "
                      "then hostpriv install --user OTHER", have, origin,
                      have, me);
}

/* host.user: --user (install), else the config, else the invoking user;
 * root with nothing configured has no user (commands that need one say
 * "set host.user"). */
static int resolve_user(hp_ctx *c, const hp_open_opts *o, hp_err *e)
{
    char name[64] = "", pwhome[PATH_MAX] = "", pwshell[PATH_MAX] = "";
    int rc = HP_OK;
    if (o->install_user && *o->install_user) {
        rc = one_user(c, o->install_user, e);
        if (rc == HP_OK && !hp_config_layer_value(c->cfg, "host.user",
                                                  HP_LAYER_INSTALL, NULL))
            rc = hp_config_set(c->cfg, "host.user", o->install_user,
                               HP_LAYER_SET, "install --user", e);
    }
    if (rc != HP_OK)
        return rc;
    const char *u = hp_conf(c, "host.user");
    if (u && *u)
        snprintf(name, sizeof name, "%s", u);
    else if (getuid() != 0 && hp_user_lookup_uid(getuid(), name, sizeof name,
                                                 e) != HP_OK)
        return HP_ECONFIG;
    if (!*name)
        return installed_only(c, o, e);
    if (hp_user_lookup(name, &c->uid, &c->gid, pwhome, sizeof pwhome, pwshell,
                       sizeof pwshell, e) != HP_OK)
        return HP_ECONFIG;
    rc = set_default(c, "host.user", name, "default (invoking user)", e);
    if (rc == HP_OK)
        rc = set_default(c, "host.home", pwhome, "default (passwd)", e);
    if (rc == HP_OK)
        rc = set_default(c, "host.shell", pwshell, "default (passwd)", e);
    if (rc != HP_OK)
        return rc;
    const char *sh = hp_conf(c, "host.shell"), *base = strrchr(sh, '/');
    snprintf(c->user, sizeof c->user, "%s", name);
    snprintf(c->home, sizeof c->home, "%s", hp_conf(c, "host.home"));
    snprintf(c->shell, sizeof c->shell, "%s", base ? base + 1 : sh);
    c->user_known = 1;
    return installed_only(c, o, e);
}

static int open_event_log(hp_ctx *c, hp_err *e)
{
    const char *p = hp_conf(c, "core.event_log");
    /* root roles log their events; the app's log is the app's to create */
    if (!p || !*p || c->role == HP_ROLE_HELPER ||
        c->role == HP_ROLE_PRIVILEGED)
        return HP_OK;
    if (!strcmp(p, "-")) {
        c->evlog = stdout;
        c->evlog_is_stdout = 1;
        return HP_OK;
    }
    /* O_NOFOLLOW: a root process must not append through a planted link */
    int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
                  O_NOCTTY, 0644);
    if (fd < 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "core.event_log %s", p);
    if (!(c->evlog = fdopen(fd, "a"))) {
        close(fd);
        return hp_err_sys(e, HP_EINTERNAL, errno, "core.event_log %s", p);
    }
    return HP_OK;
}

static void unload_plugins(hp_ctx *c)
{
    c->version[0] = '\0';
    if (c->active && c->active->desc.fini)
        c->active->desc.fini(c->pstate);
    c->active = NULL;
    c->picked = NULL;
    c->pstate = NULL;
    hp_loader_free(c->plugins, c->nplugins);
    c->plugins = NULL;
    c->nplugins = 0;
}

/* A plugin named by core.plugin whose range does not hold core.version
 * emulates a version of its own, and says so: events must not claim a
 * version that plugin never was. */
static void pick_version(hp_ctx *c, const hp_loaded *p)
{
    const char *want = hp_conf(c, "core.version");
    char own[sizeof c->version];
    int r = hp_version_emulated(want, p->desc.version_min,
                                p->desc.version_max, own, sizeof own);
    snprintf(c->version, sizeof c->version, "%s", r == 1 ? own : want);
    if (r != 1)
        return;
    hp_log(c, HP_LOG_WARN, "core.plugin %s emulates %s, which does not "
           "hold core.version %s (%s): emulating %s.  Set core.version to a "
           "version in that range, or leave core.plugin empty so "
           "core.version picks the plugin", p->desc.name,
           p->desc.versions_text, want,
           hp_config_origin(c->cfg, "core.version"), own);
}

/* Scan core.plugin_dir and pick the plugin; its init comes later
 * (hp_ctx_start_plugin), once the context is where it will stay. */
static int pick_plugin(hp_ctx *c, hp_err *e)
{
    char warn[8192];
    size_t idx;
    int safe = geteuid() == 0;
    int rc = hp_loader_scan(hp_conf(c, "core.plugin_dir"), safe, &c->plugins,
                            &c->nplugins, warn, sizeof warn, e);
    if (rc != HP_OK) {
        hp_programs_explain_dir(c, e);
        return rc;
    }
    print_warnings(c, warn);
    rc = hp_loader_pick(c->plugins, c->nplugins, hp_conf(c, "core.plugin"),
                        hp_conf(c, "core.version"), &idx, e);
    if (rc != HP_OK)
        return rc;
    c->picked = &c->plugins[idx];
    pick_version(c, c->picked);
    return HP_OK;
}

int hp_ctx_start_plugin(hp_ctx *c, hp_err *e)
{
    hp_loaded *p = c->picked;
    if (!p)
        return HP_OK;
    void *st = NULL;
    c->active = p;         /* events from init carry the plugin's name */
    int rc = p->desc.init(c->host_api, hp_host_of(c), &st);
    if (rc != HP_OK) {
        c->active = NULL;
        return hp_err_set(e, rc == HP_ECONFIG ? HP_ECONFIG : HP_EINTERNAL,
                          "plugin %s failed to start (init: %s)%s%s",
                          p->desc.name, hp_strerror(rc), c->err.msg[0] ?
                          ": " : "", c->err.msg);
    }
    c->pstate = st;
    return HP_OK;
}

int hp_ctx_load_plugins(hp_ctx *c, hp_err *e)
{
    unload_plugins(c);
    int rc = pick_plugin(c, e);
    return rc == HP_OK ? hp_ctx_start_plugin(c, e) : rc;
}

static void close_event_log(hp_ctx *c)
{
    if (c->evlog && !c->evlog_is_stdout)
        fclose(c->evlog);
    c->evlog = NULL;
    c->evlog_is_stdout = 0;
}

hp_ctx *hp_ctx_new(const hp_open_opts *o, const hp_host_api *api)
{
    hp_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rootfd = -1;
    c->helper_fd = -1;
    c->helper_dirfd = -1;
    c->bound.fd = -1;
    c->role = o->role;
    c->json = o->json;
    c->dry_run = o->dry_run;
    c->host_api = api;
    if (!(c->cfg = hp_config_new())) {
        free(c);
        return NULL;
    }
    /* -c FILE made absolute: checked as a whole path when root, and handed
     * on unchanged to an elevated or boot-time run in another directory */
    char cwd[PATH_MAX];
    const char *cf = o->config_file ? o->config_file : "";
    if (*cf && *cf != '/' && getcwd(cwd, sizeof cwd))
        snprintf(c->config_arg, sizeof c->config_arg, "%s/%s", cwd, cf);
    else
        snprintf(c->config_arg, sizeof c->config_arg, "%s", cf);
    c->prompt_fn = o->prompt_fn;
    c->prompt_data = o->prompt_data;
    c->event_fn = o->event_fn;
    c->event_data = o->event_data;
    c->log_fn = o->log_fn;
    c->log_data = o->log_data;
    if (o->program && o->program[0] == '/') {
        snprintf(c->program, sizeof c->program, "%s", o->program);
        c->program_kind = o->program_kind;
    }
    hp_programs_sysconf(c);
    return c;
}

int hp_ctx_build(hp_ctx *c, const hp_open_opts *o, hp_err *e)
{
    int safe = geteuid() == 0;
    int rc = load_layers(c, o, safe, e);
    print_warnings(c, hp_config_warnings(c->cfg));
    if (rc == HP_OK)
        rc = resolve_user(c, o, e);
    if (rc == HP_OK)
        rc = hp_programs_resolve(c, e);
    if (rc == HP_OK)
        rc = open_event_log(c, e);
    if (rc == HP_OK && !o->no_plugin)
        rc = pick_plugin(c, e);
    return rc;
}

int hp_engine_open(hp_ctx **out, const hp_open_opts *opts,
                   const hp_host_api *api, hp_err *e)
{
    hp_open_opts none = { 0 };
    const hp_open_opts *o = opts ? opts : &none;
    *out = NULL;
    hp_ctx *c = hp_ctx_new(o, api);
    if (c && !(c->opened = hp_opened_save(o))) {
        hp_ctx_close(c);
        c = NULL;
    }
    if (!c)
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    int rc = hp_ctx_build(c, o, e);
    if (rc == HP_OK)
        rc = hp_ctx_start_plugin(c, e);
    if (rc != HP_OK) {
        hp_ctx_close(c);
        return rc;
    }
    *out = c;
    return HP_OK;
}

void hp_ctx_release(hp_ctx *c)
{
    unload_plugins(c);
    close_event_log(c);
    if (c->rootfd >= 0)
        close(c->rootfd);
    if (c->helper_fd >= 0)
        close(c->helper_fd);
    if (c->helper_dirfd >= 0)
        close(c->helper_dirfd);
    c->rootfd = c->helper_fd = c->helper_dirfd = -1;
    hp_config_free(c->cfg);
    c->cfg = NULL;
    hp_opened_free(c->opened);
    c->opened = NULL;
}

void hp_ctx_close(hp_ctx *c)
{
    if (!c)
        return;
    hp_ctx_release(c);
    free(c);
}
