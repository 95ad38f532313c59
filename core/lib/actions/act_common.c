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
