/* What each hp_action does, and the three routes that carry one out.
 * The per-mechanism work lives in act_*.c; hosts and the policy cache are
 * one call each into their editors, so they stay here. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act.h"
#include "actions.h"
#include "dryrun.h"
#include "engine/config.h"
#include "auth/elevate.h"
#include "engine/events.h"
#include "helper/hclient.h"
#include "host/hostsfile.h"
#include "host/identity.h"
#include "host/policy.h"
#include "host/safepath.h"
#include "engine/programs.h"

/* localhost always; kubernetes.docker.internal when Kubernetes is on. */
static size_t hosts_entries(hp_ctx *c, hp_hosts_entry ents[2])
{
    ents[0] = (hp_hosts_entry){ "127.0.0.1", "localhost" };
    if (!hp_conf_bool(c, "host.kubernetes"))
        return 1;
    ents[1] = (hp_hosts_entry){ "127.0.0.1", "kubernetes.docker.internal" };
    return 2;
}

static int do_hosts(hp_ctx *c, int action, hp_err *e)
{
    const char *file = hp_conf(c, "host.hosts_file");
    hp_hosts_entry ents[2];
    size_t n = hosts_entries(c, ents);
    /* in place already: nothing is written, not even the journal's entry
     * (an ensure that finds nothing to do writes nothing either).  Unless
     * a run killed mid-way left a lock file (and perhaps a temp) by the
     * hosts file or the journal: the full path clears them. */
    if (action == HP_ACT_HOSTS_ENSURE &&
        !hp_hosts_ensure_needed(c->rootfd, file, ents, n) &&
        hp_act_root_journal_idle(c))
        return HP_OK;
    hp_journal *j = NULL;
    int changed = 0, rc = hp_act_root_journal(c, &j, e);
    if (rc != HP_OK)
        return rc;
    if (action == HP_ACT_HOSTS_ENSURE) {
        /* journaled before the edit (write-ahead), then the record of
         * exactly our lines is added to the entry, so removal takes out
         * only those (an entry without a record, after a kill between the
         * two, removes hostpriv's block as a whole) */
        int fresh = 0;
        char *added = NULL;
        rc = hp_journal_intend(j, HP_J_HOSTS, file, NULL, &fresh, e);
        if (rc == HP_OK)
            rc = hp_hosts_ensure_file(c->rootfd, file, ents, n, &changed,
                                      &added, e);
        if (rc == HP_OK && changed)
            rc = hp_journal_add(j, HP_J_HOSTS, file, added, e);
        else
            hp_journal_settle(j, HP_J_HOSTS, file, 0, fresh);
        free(added);
    } else {
        /* only what the journal says we added comes out */
        rc = hp_journal_undo_entry(j, HP_J_HOSTS, file, e);
    }
    hp_journal_close(j);
    return rc;
}

static int do_policy(hp_ctx *c, const char *data, size_t len, hp_err *e)
{
    const char *file = hp_conf(c, "policy.cache_file");
    if (!data)
        return hp_err_set(e, HP_EUSAGE, "no policy given: pass the JSON "
                          "document (hostpriv policy set FILE)");
    hp_journal *j = NULL;
    int rc = hp_act_root_journal(c, &j, e);
    if (rc != HP_OK)
        return rc;
    rc = hp_policy_store(c->rootfd, file, data, len, j, e);  /* journals */
    hp_journal_close(j);
    return rc;
}

void hp_action_path(hp_ctx *c, int action, char *path, size_t n)
{
    const char *p = "";
    char buf[PATH_MAX];
    switch (action) {
    case HP_ACT_LINKS_SYSTEM: case HP_ACT_LINKS_SYSTEM_REMOVE:
        p = HP_SYSTEM_BIN_DIR; break;
    case HP_ACT_LINKS_USER: case HP_ACT_LINKS_USER_REMOVE:
    case HP_ACT_LINKS_USER_BIN:
        if (hp_path_user(c, ".docker/bin", buf, sizeof buf) == 0)
            p = buf;
        break;
    case HP_ACT_SOCKET_LINK: case HP_ACT_SOCKET_LINK_REMOVE: case HP_ACT_BOOT:
        p = HP_DOCKER_SOCK_LINK; break;
    case HP_ACT_HOSTS_ENSURE: case HP_ACT_HOSTS_REMOVE:
        p = hp_conf(c, "host.hosts_file"); break;
    case HP_ACT_POLICY_SET:
        p = hp_conf(c, "policy.cache_file"); break;
    case HP_ACT_HELPER_INSTALL: case HP_ACT_HELPER_START:
    case HP_ACT_HELPER_UNINSTALL:
        p = hp_conf(c, "helper.path"); break;
    default: break;
    }
    snprintf(path, n, "%s", p ? p : "");
}

int hp_action_do(hp_ctx *c, int action, const char *data, size_t len,
                 char *path, size_t pathsz, hp_err *e)
{
    char info[512] = "";
    int rc;
    hp_action_path(c, action, path, pathsz);
    switch (action) {
    case HP_ACT_LINKS_SYSTEM: case HP_ACT_LINKS_SYSTEM_REMOVE:
    case HP_ACT_LINKS_USER: case HP_ACT_LINKS_USER_REMOVE:
    case HP_ACT_LINKS_USER_BIN:
        rc = hp_act_links(c, action, info, sizeof info, e); break;
    case HP_ACT_SOCKET_LINK: case HP_ACT_SOCKET_LINK_REMOVE: case HP_ACT_BOOT:
        rc = hp_act_socket(c, action, e); break;
    case HP_ACT_HOSTS_ENSURE: case HP_ACT_HOSTS_REMOVE:
        rc = do_hosts(c, action, e); break;
    case HP_ACT_POLICY_SET:
        rc = do_policy(c, data, len, e); break;
    case HP_ACT_HELPER_INSTALL: case HP_ACT_HELPER_START:
    case HP_ACT_HELPER_UNINSTALL:
        rc = hp_act_helper(c, action, e); break;
    case HP_ACT_UNINSTALL:
        rc = hp_act_uninstall(c, e); break;
    default:
        return hp_err_set(e, HP_EUSAGE, "unknown action %d", action);
    }
    if (rc == HP_OK && e) {         /* success may carry a note */
        hp_err_clear(e);
        snprintf(e->msg, sizeof e->msg, "%s", info);
    }
    return rc;
}

int hp_action_check(hp_ctx *c, int action, hp_err *e)
{
    (void)e;
    switch (action) {
    case HP_ACT_LINKS_SYSTEM: case HP_ACT_LINKS_USER:
    case HP_ACT_LINKS_USER_BIN: case HP_ACT_LINKS_SYSTEM_REMOVE:
    case HP_ACT_LINKS_USER_REMOVE:
        return hp_act_links_check(c, action);
    case HP_ACT_SOCKET_LINK:
        return hp_act_socket_check(c);
    case HP_ACT_SOCKET_LINK_REMOVE:     /* something of ours to remove */
        return hp_act_socket_any(c);
    case HP_ACT_HOSTS_ENSURE: {
        hp_hosts_entry ents[2];
        size_t n = hosts_entries(c, ents);
        hp_err e2 = HP_ERR_INIT;
        return hp_hosts_check_file(c->rootfd, hp_conf(c, "host.hosts_file"),
                                   ents, n, &e2);
    }
    case HP_ACT_POLICY_SET:
        return hp_act_exists(c, hp_conf(c, "policy.cache_file"));
    case HP_ACT_HELPER_INSTALL: case HP_ACT_HELPER_START:
    case HP_ACT_HELPER_UNINSTALL:
        if (c->dry_run && c->dry_helper_gone)
            return 0;
        return hp_act_helper_check(c, action);
    case HP_ACT_UNINSTALL:
        return hp_act_uninstall_check(c);
    default:
        return 0;
    }
}

/* The helper request that carries an action (the plugin op of that name
 * runs inside hostprivd in the HELPER role). */
static const char *helper_op(int action)
{
    switch (action) {
    case HP_ACT_LINKS_SYSTEM:        return "links_install";
    case HP_ACT_LINKS_SYSTEM_REMOVE: return "links_remove";
    case HP_ACT_SOCKET_LINK:         return "socket_link_install";
    case HP_ACT_SOCKET_LINK_REMOVE:  return "socket_link_remove";
    case HP_ACT_HOSTS_ENSURE:        return "hosts_ensure";
    case HP_ACT_POLICY_SET:          return "policy_set";
    case HP_ACT_HELPER_UNINSTALL:    return "helper_uninstall";
    case HP_ACT_UNINSTALL:           return "uninstall";
    default:                         return NULL;
    }
}

static int via_of_role(int role)
{
    switch (role) {
    case HP_ROLE_INSTALLER:  return HP_VIA_INSTALLER;
    case HP_ROLE_HELPER:     return HP_VIA_HELPER;
    case HP_ROLE_PRIVILEGED: return HP_VIA_ELEVATED;
    default:                 return HP_VIA_USER;
    }
}

static int run_helper(hp_ctx *c, int action, const char *data, hp_err *e)
{
    const char *op = helper_op(action);
    if (!op)
        return hp_err_set(e, HP_ENOTSUP, "the helper has no request for %s",
                          hp_action_name(action));
    const char *args[1] = { data };
    return hp_helper_call(c, op, args, data ? 1 : 0, NULL, 0, NULL, e);
}

static int run_elevated(hp_ctx *c, int action, const char *data, size_t len,
                        hp_err *e)
{
    /* helper.start_command replaces the default elevation only when the
     * user configured one */
    if (action == HP_ACT_HELPER_START) {
        const char *cmd = hp_conf(c, "helper.start_command");
        const char *origin = hp_config_origin(c->cfg, "helper.start_command");
        if (cmd && *cmd && origin && strcmp(origin, "default") != 0)
            return hp_elevate_shell(c, cmd, e);
    }
    return hp_elevate_run(c, action, data, len, e);
}

/* Another process (the helper, an elevated run) reported success, acting
 * on its own root-owned configuration: the event says done only when what
 * this run needs is on disk now.  For the actions this user can check. */
static int confirmed(hp_ctx *c, int action, int route, const char *path,
                     hp_err *e)
{
    if (action != HP_ACT_HOSTS_ENSURE && action != HP_ACT_LINKS_SYSTEM &&
        action != HP_ACT_SOCKET_LINK)
        return HP_OK;
    hp_err ce = HP_ERR_INIT;
    if (hp_action_check(c, action, &ce) == 1)
        return HP_OK;
    return hp_err_set(e, HP_EFAIL, "%s answered %s done, but %s is still "
                      "not as this run needs it: root acts on the root-owned "
                      "configuration, which differs from this run's (a "
                      "setting given only with --set or in a user's "
                      "configuration); put it in %s/conf.d/ and try again",
                      route == HP_ROUTE_HELPER ? "the helper"
                                               : "the elevated run",
                      hp_action_name(action), path, hp_sysconf_dir(c));
}

int hp_run(hp_ctx *c, int task, int action, int route, const char *data,
           size_t len)
{
    hp_err e = HP_ERR_INIT;
    char path[PATH_MAX];
    int rc, via;
    if (c->dry_run) {           /* say it, change nothing, no event */
        (void)task, (void)data, (void)len;
        hp_dry_action(c, action, route);
        return HP_OK;
    }
    hp_action_path(c, action, path, sizeof path);
    switch (route) {
    case HP_ROUTE_HELPER:
        via = HP_VIA_HELPER;
        rc = run_helper(c, action, data, &e);
        break;
    case HP_ROUTE_ELEVATE:
        via = HP_VIA_ELEVATED;
        rc = run_elevated(c, action, data, len, &e);
        break;
    default:
        via = via_of_role(c->role);
        rc = hp_action_do(c, action, data, len, path, sizeof path, &e);
        break;
    }
    if (rc == HP_OK && route != HP_ROUTE_SELF)
        rc = confirmed(c, action, route, path, &e);
    if (rc == HP_OK) {
        hp_event(c, HP_EV_DONE, task, via, path, e.msg);
        return HP_OK;
    }
    hp_event(c, HP_EV_FAILED, task, via, path, e.msg);
    hp_notice(c, "%s", e.msg);
    c->err = e;
    return rc;
}
