/* `uninstall`: revert exactly what hostpriv made, from its journals, and
 * nothing else.  Root's journal from a root role (services stopped before
 * their files go); the user's journal with the user's rights; recorded
 * decisions and the 4.18 settings file are forgotten too. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "host/decisions.h"
#include "host/usersettings.h"
#include "host/safepath.h"
#include "helper/service.h"

#define MAX_DIRS 64

/* Directories in a journal, kept to retry once the journal's own state
 * directory is gone (a directory we made can hold the journal itself). */
typedef struct dirlist { size_t n; char dir[MAX_DIRS][PATH_MAX]; } dirlist;

static int collect_dirs(void *arg, int kind, const char *hpath,
                        const char *extra)
{
    dirlist *d = arg;
    (void)extra;
    if (kind == HP_J_DIR && d->n < MAX_DIRS)
        snprintf(d->dir[d->n++], PATH_MAX, "%s", hpath);
    return 0;
}

static void retry_dirs(hp_ctx *c, const dirlist *d)
{
    for (size_t i = 0; i < d->n; i++) {
        char leaf[256];
        int dfd;
        hp_err e = HP_ERR_INIT;
        if (hp_sp_open_parent(c->rootfd, d->dir[i], &dfd, leaf, &e) != HP_OK)
            continue;
        (void)unlinkat(dfd, leaf, AT_REMOVEDIR);   /* only when empty */
        close(dfd);
    }
}

static int stop_service(void *arg, const char *label, const char *hpath)
{
    hp_err e = HP_ERR_INIT;
    hp_service_stop(arg, label, hpath, &e);
    return 0;
}

static int undo(hp_ctx *c, hp_journal *j, int root, hp_err *e)
{
    /* on the heap, not static: two handles may uninstall at once */
    dirlist *dirs = calloc(1, sizeof *dirs);
    if (dirs)
        hp_journal_each(j, collect_dirs, dirs);
    int rc = hp_journal_undo(j, root ? stop_service : NULL, c, e);
    hp_journal_close(j);
    if (dirs)
        retry_dirs(c, dirs);
    free(dirs);
    return rc;
}

static int user_undo(void *arg, hp_err *e)
{
    hp_ctx *c = arg;
    hp_journal *j = NULL;
    int rc = hp_act_user_journal(c, &j, e);
    if (rc == HP_OK)
        rc = hp_decision_clear(c->rootfd, c->home, e);
    if (rc == HP_OK)
        rc = hp_usersettings_clear(c->rootfd, c->home, e);
    if (rc == HP_OK)
        rc = undo(c, j, 0, e);
    else
        hp_journal_close(j);
    return rc;
}

int hp_act_uninstall(hp_ctx *c, hp_err *e)
{
    if (geteuid() != 0)
        return user_undo(c, e);
    hp_journal *j = NULL;
    int rc = hp_act_root_journal(c, &j, e);
    if (rc == HP_OK)
        rc = undo(c, j, 1, e);
    /* a root run of `uninstall` also reverts the user's side */
    if (rc == HP_OK && c->user_known && c->role == HP_ROLE_INSTALLER)
        rc = hp_act_as_user(c, user_undo, c, e);
    return rc;
}

static int count(void *arg, int kind, const char *hpath, const char *extra)
{
    (void)kind, (void)hpath, (void)extra;
    ++*(int *)arg;
    return 0;
}

/* 1 when root's journal records anything to revert. */
int hp_act_uninstall_check(hp_ctx *c)
{
    hp_journal *j = NULL;
    hp_err e = HP_ERR_INIT;
    int n = 0;
    if (hp_act_root_journal(c, &j, &e) != HP_OK)
        return 0;
    hp_journal_each(j, count, &n);
    hp_journal_close(j);
    return n > 0;
}
