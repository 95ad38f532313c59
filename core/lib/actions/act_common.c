/* What every action file shares: the two journals, acting as the user,
 * and removing or testing a host path under root.  Kept apart from
 * actions.c so the act_*.c files and the dispatcher over them depend on
 * this one way only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act.h"
#include "engine/programs.h"
#include "host/identity.h"
#include "host/safepath.h"

int hp_act_exists(hp_ctx *c, const char *hpath)
{
    hp_err e = HP_ERR_INIT;
    char leaf[256];
    int dfd;
    if (hp_sp_open_parent(c->rootfd, hpath, &dfd, leaf, &e) != HP_OK)
        return 0;
    struct stat st;
    int r = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
    close(dfd);
    return r;
}

int hp_act_remove_file(hp_ctx *c, hp_journal *j, const char *hpath,
                       hp_err *e)
{
    char leaf[256];
    int dfd;
    if (hp_sp_open_parent(c->rootfd, hpath, &dfd, leaf, e) != HP_OK) {
        hp_err_clear(e);        /* its directory is gone: so is the file */
        return HP_OK;
    }
    int r = unlinkat(dfd, leaf, 0), err = errno;
    close(dfd);
    if (r != 0 && err != ENOENT)
        return hp_err_sys(e, HP_EFAIL, err, "cannot remove %s", hpath);
    hp_journal_forget(j, HP_J_SERVICE, hpath, e);
    return hp_journal_forget(j, HP_J_FILE, hpath, e);
}

int hp_act_root_journal(hp_ctx *c, hp_journal **j, hp_err *e)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/journal", hp_path_root_state(c));
    return hp_journal_open(c->rootfd, p, j, e);
}

int hp_act_root_journal_idle(hp_ctx *c)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/journal", hp_path_root_state(c));
    return hp_journal_idle(c->rootfd, p);
}

int hp_act_user_journal(hp_ctx *c, hp_journal **j, hp_err *e)
{
    char p[PATH_MAX];
    if (hp_path_user(c, ".docker/hostpriv/journal", p, sizeof p) != 0)
        return hp_err_set(e, HP_ECONFIG, "host.home is not known: set "
                          "host.user (and host.home) in the configuration");
    return hp_journal_open(c->rootfd, p, j, e);
}

int hp_act_as_user(hp_ctx *c, int (*fn)(void *arg, hp_err *e), void *arg,
                   hp_err *e)
{
    if (!c->user_known)
        return hp_err_set(e, HP_ECONFIG, "host.user is not set: name the "
                          "app's user in the configuration (host.user)");
    return hp_as_user(c->uid, c->gid, fn, arg, e);
}

struct user_state { hp_ctx *c; int (*write)(void *, hp_err *); void *arg; };

static int user_state_fn(void *arg, hp_err *e)
{
    struct user_state *u = arg;
    hp_ctx *c = u->c;
    char dir[2][PATH_MAX];
    int had[2];
    hp_path_user(c, ".docker", dir[0], sizeof dir[0]);
    hp_path_user(c, ".docker/hostpriv", dir[1], sizeof dir[1]);
    for (int i = 0; i < 2; i++)
        had[i] = hp_act_exists(c, dir[i]);
    int rc = u->write(u->arg, e);
    if (rc != HP_OK || (had[0] && had[1]))
        return rc;
    hp_journal *j = NULL;
    rc = hp_act_user_journal(c, &j, e);
    for (int i = 0; i < 2 && rc == HP_OK; i++)
        if (!had[i] && hp_act_exists(c, dir[i]))
            rc = hp_journal_add(j, HP_J_DIR, dir[i], NULL, e);
    hp_journal_close(j);
    return rc;
}

int hp_act_user_state(hp_ctx *c, int (*write)(void *arg, hp_err *e),
                      void *arg, hp_err *e)
{
    struct user_state u = { c, write, arg };
    return hp_act_as_user(c, user_state_fn, &u, e);
}

int hp_act_root_program(hp_ctx *c, const char *key, const char *path,
                        const char *what, const char *refusal, hp_err *e)
{
    int rc = hp_program_usable(c, key, path, what, e);
    if (rc != HP_OK)
        return rc;
    hp_err se = HP_ERR_INIT;
    if (hp_sp_check_safe_file(path, &se) != HP_OK)
        return hp_err_set(e, HP_ECONFIG, "refusing to %s: %s", refusal,
                          se.msg);
    return HP_OK;
}
