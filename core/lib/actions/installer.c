/* `install --user NAME` (installer.h): the checks, the record of the one
 * account served (B41), the removal of a previous helper (B38), then the
 * version's own configuration (its plugin's install op). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "actions.h"
#include "dryrun.h"
#include "installer.h"
#include "engine/config.h"
#include "engine/events.h"
#include "engine/loader.h"
#include "engine/programs.h"
#include "host/atomicfile.h"
#include "host/safepath.h"

static int checks(hp_ctx *c, const char *user, hp_err *e)
{
    if (geteuid() != 0)
        return hp_err_set(e, HP_EDENIED, "install --user runs as root (the "
                          "package's postinstall, or sudo hostpriv install "
                          "--user %s): it applies the privileged "
                          "configuration for that account", user);
    const char *v = hp_ctx_version(c);
    if (hp_version_cmp(v, HP_INSTALL_USER_SINCE) < 0)
        return hp_err_set(e, HP_EUSAGE, "install --user exists from Docker "
                          "Desktop " HP_INSTALL_USER_SINCE " on; the version "
                          "emulated here is %s (core.version, %s), whose "
                          "first launch asks for root itself: nothing was "
                          "changed.  Set core.version to "
                          HP_INSTALL_USER_SINCE " or later, or let the user's "
                          "first launch (hostpriv start) do it", v,
                          hp_config_origin(c->cfg, "core.version"));
    if (!c->user_known || strcmp(c->user, user) != 0)
        return hp_err_set(e, HP_ECONFIG, "install --user %s: host.user is %s "
                          "(%s): the configuration names another account",
                          user, c->user_known ? c->user : "not set",
                          hp_config_origin(c->cfg, "host.user"));
    /* The user's side (4.18's settings, the decisions) is written as NAME
     * into NAME's home: find out now, before anything changed, not midway. */
    if (!hp_act_exists(c, c->home))
        return hp_err_set(e, HP_ECONFIG, "install --user %s: the account's "
                          "home %s does not exist (host.home, %s): create the "
                          "account with its home first, or set host.home; "
                          "nothing was changed", user, c->home,
                          hp_config_origin(c->cfg, "host.home"));
    return HP_OK;
}

/* The file's text: host.user alone, and what it is for. */
static int record_text(const char *user, char *out, size_t n)
{
    int k = snprintf(out, n,
        "# The one account hostpriv serves on this machine, written by\n"
        "# `hostpriv install --user %s`: only this account runs the\n"
        "# app, and the helper answers root and it alone.  `hostpriv uninstall`\n"
        "# removes this file; to serve another account, run it first, then\n"
        "# `hostpriv install --user OTHER`.  Only host.user belongs here.\n"
        "[host]\nuser = %s\n", user, user);
    return k > 0 && (size_t)k < n ? k : -1;
}

/* Write the record (root 0644), journaled before it is made. */
static int record(hp_ctx *c, const char *hpath, const char *user, hp_err *e)
{
    char text[1024], dir[PATH_MAX], leaf[256];
    int len = record_text(user, text, sizeof text), dfd = -1, added = 0;
    if (len < 0)
        return hp_err_set(e, HP_EUSAGE, "install --user: the name is too "
                          "long");
    hp_journal *j = NULL;
    int rc = hp_act_root_journal(c, &j, e);
    snprintf(dir, sizeof dir, "%s", hp_sysconf_dir(c));
    if (rc == HP_OK)
        rc = hp_journal_mkdir_p(j, c->rootfd, dir, 0755, 0, 0, e);
    if (rc == HP_OK)
        rc = hp_sp_open_parent(c->rootfd, hpath, &dfd, leaf, e);
    if (rc == HP_OK)
        rc = hp_journal_intend(j, HP_J_FILE, hpath, NULL, &added, e);
    hp_af_opts o = { .mode = 0644, .uid = 0, .gid = 0, .create = 1 };
    if (rc == HP_OK) {
        rc = hp_af_replace(dfd, leaf, text, (size_t)len, &o, e);
        hp_journal_settle(j, HP_J_FILE, hpath, rc == HP_OK, added);
    }
    if (dfd >= 0)
        close(dfd);
    hp_journal_close(j);
    return rc;
}

/* B41: NAME becomes the one account served.  *had: it already was. */
static int record_user(hp_ctx *c, const char *user, int *had, hp_err *e)
{
    char hpath[PATH_MAX], owner[160];
    snprintf(hpath, sizeof hpath, "%s/" HP_INSTALLED_USER_FILE,
             hp_sysconf_dir(c));
    const char *have = hp_config_layer_value(c->cfg, "host.user",
                                             HP_LAYER_INSTALL, NULL);
    *had = have && !strcmp(have, user);
    if (*had)
        return HP_OK;
    if (hp_act_exists(c, hpath))    /* a file without host.user: not ours */
        return hp_err_set(e, HP_ECONFIG, "%s exists but names no host.user: "
                          "it is not one install --user wrote; remove it, "
                          "then run install --user again", hpath);
    if (c->dry_run) {
        char d[128];
        hp_dry_owner(0, 0, owner, sizeof owner);
        snprintf(d, sizeof d, "host.user = %s, the one account served", user);
        hp_dry_say(c, "write", hpath, owner, "0644", "installer", d);
        return HP_OK;
    }
    int rc = record(c, hpath, user, e);
    if (rc == HP_OK)
        hp_log(c, HP_LOG_INFO, "%s: hostpriv serves %s only", hpath, user);
    return rc;
}

/* B38: the documented removal of a com.docker.vmnetd that is not this
 * install's own (there before NAME was recorded, or another binary). */
static int previous_helper(hp_ctx *c, int had)
{
    if (hp_act_helper_check(c, HP_ACT_HELPER_UNINSTALL) != 1)
        return HP_OK;
    if (had && hp_act_helper_current(c))
        return HP_OK;
    hp_log(c, HP_LOG_NOTICE, "removing the previous %s: stop it, remove %s "
           "and %s", hp_conf(c, "helper.label"),
           hp_conf(c, "helper.service_file"), hp_conf(c, "helper.path"));
    return hp_run(c, HP_TASK_HELPER, HP_ACT_HELPER_UNINSTALL, HP_ROUTE_SELF,
                  NULL, 0);
}

int hp_installer_run(hp_ctx *c, const char *user)
{
    hp_err e = HP_ERR_INIT;
    const hp_ops *ops = c->active ? &c->active->desc.ops : NULL;
    int had = 0, rc = checks(c, user, &e);
    if (rc == HP_OK && (!ops || !ops->install))
        rc = hp_err_set(&e, HP_ENOTSUP, "%s does not perform install --user",
                        c->active ? c->active->desc.name : "no plugin");
    if (rc == HP_OK)
        rc = record_user(c, user, &had, &e);
    if (rc != HP_OK) {
        hp_notice(c, "%s", e.msg);
        c->err = e;
        return rc;
    }
    rc = previous_helper(c, had);
    if (rc != HP_OK)
        return rc;
    rc = ops->install(c->pstate, user);
    if (c->dry_run && rc == HP_OK)
        hp_dry_journal(c);
    return rc;
}
