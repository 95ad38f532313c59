/* CLI links: /usr/local/bin (system) or ~/.docker/bin plus the shell
 * profile (the pre-4.18 fallback), or ~/.docker/bin alone (4.18: the user
 * puts it on PATH).  Each link points at
 * host.app_bin_dir/NAME as it would on the real host; only names from
 * host.cli_tools are ever used (never a client's). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act.h"
#include "engine/config.h"
#include "engine/events.h"
#include "host/links.h"
#include "host/profile.h"
#include "host/safepath.h"

#define MAX_TOOLS HP_CLI_TOOLS_MAX

typedef struct links_job {
    hp_ctx *c;
    int action;
    char dir[PATH_MAX];         /* host path of the link directory */
    int user_journal;           /* journal in the user's state */
    char *info;
    size_t infosz;
} links_job;

static size_t tools(hp_ctx *c, char *buf, size_t n, const char **out)
{
    /* config validation keeps a value within these bounds; an over-long
     * one would come back as (size_t)-1, counted as no tools */
    size_t k = hp_config_list(hp_conf(c, "host.cli_tools"), buf, n, out,
                              MAX_TOOLS);
    return k == (size_t)-1 ? 0 : k;
}

static int is_install(int action)
{
    return action == HP_ACT_LINKS_SYSTEM || action == HP_ACT_LINKS_USER ||
           action == HP_ACT_LINKS_USER_BIN;
}

static void target_of(hp_ctx *c, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", hp_conf(c, "host.app_bin_dir"), name);
}

/* Create (or remove) every link in dirfd; a thing that is not ours is left
 * alone and reported as a warning.  Fails only when no link is ours. */
static int links_each(links_job *jb, int dirfd, hp_journal *j, hp_err *e)
{
    char buf[HP_CLI_TOOLS_BUF], target[PATH_MAX], hp[PATH_MAX];
    const char *names[MAX_TOOLS];
    size_t n = tools(jb->c, buf, sizeof buf, names), ours = 0;
    int install = is_install(jb->action);
    for (size_t i = 0; i < n; i++) {
        hp_err le = HP_ERR_INIT;
        int created = 0, added = 0, rc = hp_link_name_valid(names[i], &le);
        target_of(jb->c, names[i], target, sizeof target);
        snprintf(hp, sizeof hp, "%s/%s", jb->dir, names[i]);
        /* journaled before it is made: no link without its entry */
        if (rc == HP_OK && install)
            rc = hp_journal_intend(j, HP_J_LINK, hp, target, &added, &le);
        if (rc == HP_OK)
            rc = install ? hp_link_install(dirfd, names[i], target, &created, &le)
                         : hp_link_remove(dirfd, names[i], target, &le);
        if (install)
            hp_journal_settle(j, HP_J_LINK, hp, rc == HP_OK && created, added);
        else if (rc == HP_OK)
            rc = hp_journal_forget(j, HP_J_LINK, hp, &le);
        if (rc == HP_OK) {
            ours++;
            continue;
        }
        hp_event(jb->c, HP_EV_WARNING, HP_TASK_CLI_LINKS, HP_VIA_NONE, hp,
                 le.msg);
        *e = le;
    }
    if (n > 0 && ours == 0)
        return e->code != HP_OK ? e->code : HP_EFAIL;
    hp_err_clear(e);
    return HP_OK;
}

/* What the profile edit may create: the file itself and, for fish, its
 * config directories.  Recorded so uninstall removes them again. */
typedef struct profile_new { int n; char path[4][PATH_MAX]; int dir[4]; } profile_new;

static void profile_missing(hp_ctx *c, profile_new *pn)
{
    char rel[PATH_MAX], hp[PATH_MAX];
    hp_err e = HP_ERR_INIT;
    int homefd;
    pn->n = 0;
    if (hp_sp_open_dir(c->rootfd, c->home, &homefd, &e) != HP_OK)
        return;
    snprintf(rel, sizeof rel, "%s", hp_profile_file(homefd, c->shell));
    close(homefd);
    /* each parent inside home, then the file, shallowest first */
    for (char *s = rel; ; s++) {
        int end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        char save = *s;
        *s = '\0';
        snprintf(hp, sizeof hp, "%s/%s", c->home, rel);
        if (!hp_act_exists(c, hp) && pn->n < 4) {
            snprintf(pn->path[pn->n], PATH_MAX, "%s", hp);
            pn->dir[pn->n++] = !end;
        }
        *s = save;
        if (end)
            break;
    }
}

static int profile_step(links_job *jb, hp_journal *j, hp_err *e)
{
    hp_ctx *c = jb->c;
    char file[PATH_MAX];
    int changed = 0, rc;
    if (jb->action != HP_ACT_LINKS_USER)
        return HP_OK;   /* removal: the journal's PROFILE entry undoes it */
    profile_new pn;
    profile_missing(c, &pn);
    rc = hp_profile_ensure_file(c->rootfd, c->home, c->shell, jb->dir, file,
                                sizeof file, &changed, e);
    for (int i = 0; rc == HP_OK && i < pn.n; i++)
        if (hp_act_exists(c, pn.path[i]))
            rc = hp_journal_add(j, pn.dir[i] ? HP_J_DIR : HP_J_FILE,
                                pn.path[i], NULL, e);
    if (rc == HP_OK && changed)
        rc = hp_journal_add(j, HP_J_PROFILE, file, c->home, e);
    if (rc == HP_OK)
        snprintf(jb->info, jb->infosz, "PATH set in %s", file);
    return rc;
}

static int collect_profile(void *arg, int kind, const char *hpath,
                           const char *extra)
{
    (void)extra;
    if (kind == HP_J_PROFILE)
        snprintf(arg, PATH_MAX, "%s", hpath);
    return 0;
}

/* Take our PATH block out of the profile the journal says we edited. */
static int profile_remove(hp_ctx *c, hp_journal *j, hp_err *e)
{
    char file[PATH_MAX] = "";
    int changed = 0;
    hp_journal_each(j, collect_profile, file);
    if (!*file)
        return HP_OK;
    int rc = hp_profile_remove_file(c->rootfd, c->home, file, &changed, e);
    return rc == HP_OK ? hp_journal_forget(j, HP_J_PROFILE, file, e) : rc;
}

/* The job body; runs with the rights of whoever owns the directory. */
static int links_job_run(void *arg, hp_err *e)
{
    links_job *jb = arg;
    hp_ctx *c = jb->c;
    hp_journal *j = NULL;
    int install = is_install(jb->action);
    int rc = jb->user_journal ? hp_act_user_journal(c, &j, e)
                              : hp_act_root_journal(c, &j, e);
    if (rc != HP_OK)
        return rc;
    int dirfd = -1;
    rc = hp_sp_open_dir(c->rootfd, jb->dir, &dirfd, e);
    if (rc != HP_OK && install && e->sys == ENOENT) {
        hp_err_clear(e);
        rc = hp_journal_mkdir_p(j, c->rootfd, jb->dir, 0755, (uid_t)-1, (gid_t)-1, e);
        if (rc == HP_OK)
            rc = hp_sp_open_dir(c->rootfd, jb->dir, &dirfd, e);
    } else if (rc != HP_OK && !install && e->sys == ENOENT) {
        hp_err_clear(e);
        rc = HP_OK;     /* nothing there to remove */
    }
    if (rc == HP_OK && dirfd >= 0)
        rc = links_each(jb, dirfd, j, e);
    if (rc == HP_OK)
        rc = profile_step(jb, j, e);
    if (rc == HP_OK && jb->action == HP_ACT_LINKS_USER_REMOVE)
        rc = profile_remove(c, j, e);
    if (dirfd >= 0)
        close(dirfd);
    hp_journal_close(j);
    return rc;
}

/* As root, never write into a directory a user owns: hand the job to the
 * user (the Homebrew-owned /usr/local/bin case). */
static int dir_owner(hp_ctx *c, const char *hpath, uid_t *uid)
{
    hp_err e = HP_ERR_INIT;
    int fd;
    struct stat st;
    if (hp_sp_open_dir(c->rootfd, hpath, &fd, &e) != HP_OK)
        return -1;
    int r = fstat(fd, &st);
    close(fd);
    if (r != 0)
        return -1;
    *uid = st.st_uid;
    return 0;
}

int hp_act_links(hp_ctx *c, int action, char *info, size_t n, hp_err *e)
{
    links_job jb = { .c = c, .action = action, .info = info, .infosz = n };
    int user_side = action == HP_ACT_LINKS_USER ||
                    action == HP_ACT_LINKS_USER_BIN ||
                    action == HP_ACT_LINKS_USER_REMOVE;
    if (user_side) {
        if (hp_path_user(c, ".docker/bin", jb.dir, sizeof jb.dir) != 0)
            return hp_err_set(e, HP_ECONFIG, "host.home is not known: set "
                              "host.user in the configuration");
        jb.user_journal = 1;
        return hp_act_as_user(c, links_job_run, &jb, e);
    }
    snprintf(jb.dir, sizeof jb.dir, "%s", HP_SYSTEM_BIN_DIR);
    if (geteuid() != 0) {           /* the user may write it (B19) */
        jb.user_journal = 1;
        return links_job_run(&jb, e);
    }
    uid_t owner;
    if (dir_owner(c, jb.dir, &owner) == 0 && owner != 0) {
        if (!c->user_known || owner != c->uid)
            return hp_err_set(e, HP_EFAIL, "%s belongs to uid %u, not to root "
                              "or the app's user: fix its owner first",
                              jb.dir, (unsigned)owner);
        jb.user_journal = 1;
        return hp_act_as_user(c, links_job_run, &jb, e);
    }
    return links_job_run(&jb, e);
}

struct profile_q { hp_ctx *c; const char *dir; };

/* Runs as the user: HP_OK when the profile has our PATH block for dir. */
static int profile_has(void *arg, hp_err *e)
{
    struct profile_q *q = arg;
    int has = 0;
    int rc = hp_profile_check_file(q->c->rootfd, q->c->home, q->c->shell,
                                   q->dir, &has, e);
    return rc != HP_OK ? rc : has ? HP_OK
                                  : hp_err_set(e, HP_EFAIL, "not on PATH");
}

/* System: every name present (ours or not: "links exist already").
 * User: every link ours in ~/.docker/bin, and (LINKS_USER) the profile
 * puts it on PATH, so "linked and on PATH" is only ever said when both are
 * true.  The removals: at least one link of ours is there to remove, or
 * (LINKS_USER_REMOVE) the profile block. */
int hp_act_links_check(hp_ctx *c, int action)
{
    char dir[PATH_MAX], buf[HP_CLI_TOOLS_BUF], target[PATH_MAX];
    const char *names[MAX_TOOLS];
    hp_err e = HP_ERR_INIT;
    int fd;
    int user = action == HP_ACT_LINKS_USER || action == HP_ACT_LINKS_USER_BIN ||
               action == HP_ACT_LINKS_USER_REMOVE;
    int any = action == HP_ACT_LINKS_SYSTEM_REMOVE ||
              action == HP_ACT_LINKS_USER_REMOVE;
    if (user) {
        if (hp_path_user(c, ".docker/bin", dir, sizeof dir) != 0)
            return 0;
    } else {
        snprintf(dir, sizeof dir, "%s", HP_SYSTEM_BIN_DIR);
    }
    struct profile_q q = { c, dir };
    int removal = action == HP_ACT_LINKS_USER_REMOVE;
    if (hp_sp_open_dir(c->rootfd, dir, &fd, &e) != HP_OK)
        return removal && hp_act_as_user(c, profile_has, &q, &e) == HP_OK;
    size_t n = tools(c, buf, sizeof buf, names);
    int all = n > 0, some = 0;
    for (size_t i = 0; i < n; i++) {
        target_of(c, names[i], target, sizeof target);
        int st = hp_link_state(fd, names[i], target);
        some |= st == HP_LINK_OURS;
        all &= st == HP_LINK_OURS || (!user && st == HP_LINK_FOREIGN);
    }
    close(fd);
    if (removal)
        return some || hp_act_as_user(c, profile_has, &q, &e) == HP_OK;
    if (any)
        return some;
    if (action == HP_ACT_LINKS_USER)
        return all && hp_act_as_user(c, profile_has, &q, &e) == HP_OK;
    return all;
}
