/* Undo journal (journal.h).  A text file, one entry a line,
 * KIND<TAB>HOSTPATH[<TAB>EXTRA], paths with a tab, CR or newline refused.
 * Every change locks the journal's directory, re-reads the file, applies
 * itself and rewrites it atomically, so two writers (the helper and a
 * `hostpriv privileged` run) lose nothing.  Opening creates nothing; the
 * directories the journal had to create for itself are recorded as JDIR
 * lines and removed, with the file, once no entry is left, so an install
 * followed by an uninstall leaves the tree as it was. */
#include "journal.h"
#include "atomicfile.h"
#include "dirlock.h"
#include "hostsfile.h"
#include "identity.h"
#include "links.h"
#include "profile.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define J_MAX (4u * 1024 * 1024)
#define J_HEADER "# hostpriv undo journal v1: KIND<TAB>HOSTPATH[<TAB>EXTRA]\n"
#define J_SELF (-1)          /* a directory the journal made for itself */

static const char *const kinds[] = { "DIR", "FILE", "LINK", "HOSTS",
                                     "PROFILE", "SERVICE" };
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

struct jent {
    int kind;                /* enum hp_jkind, or J_SELF */
    char *hpath;
    char *extra;             /* NULL when none */
};

struct hp_journal {
    int rootfd;
    char hpath[PATH_MAX];    /* the journal file */
    char dir[PATH_MAX];      /* its directory */
    char leaf[256];
    struct jent *ent;        /* oldest first */
    size_t n, cap;
    int selfmk;              /* inside our own mkdir_p */
    char **pending;          /* JDIRs made by it, not yet written */
    size_t npending;
    int last_added;          /* the last OP_ADD made a new entry */
};

void (*hp_journal_fault_hook)(int step) = NULL;

static void fault(int step)
{
    if (hp_journal_fault_hook)
        hp_journal_fault_hook(step);
}

static void ents_free(hp_journal *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->ent[i].hpath);
        free(j->ent[i].extra);
    }
    j->n = 0;
}

static int ent_push(hp_journal *j, int kind, const char *hpath,
                    const char *extra)
{
    if (j->n == j->cap) {
        size_t nc = j->cap ? j->cap * 2 : 16;
        struct jent *ne = realloc(j->ent, nc * sizeof *ne);
        if (!ne)
            return -1;
        j->ent = ne;
        j->cap = nc;
    }
    struct jent *x = &j->ent[j->n];
    x->kind = kind;
    x->hpath = strdup(hpath);
    x->extra = extra && *extra ? strdup(extra) : NULL;
    if (!x->hpath || (extra && *extra && !x->extra)) {
        free(x->hpath);
        free(x->extra);
        return -1;
    }
    j->n++;
    return 0;
}

static void ent_del(hp_journal *j, size_t i)
{
    free(j->ent[i].hpath);
    free(j->ent[i].extra);
    memmove(&j->ent[i], &j->ent[i + 1], (j->n - i - 1) * sizeof j->ent[0]);
    j->n--;
}

static long ent_find(const hp_journal *j, int kind, const char *hpath)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->ent[i].kind == kind && !strcmp(j->ent[i].hpath, hpath))
            return (long)i;
    return -1;
}

/* Fields are written raw: refuse what would break the line format. */
static int field_ok(const char *s)
{
    return !s || !strpbrk(s, "\t\r\n");
}

static int parse_line(hp_journal *j, char *line, size_t lineno, hp_err *e)
{
    if (!*line || *line == '#')
        return HP_OK;
    char *hp = strchr(line, '\t'), *ex = NULL;
    if (hp) {
        *hp++ = '\0';
        if ((ex = strchr(hp, '\t')))
            *ex++ = '\0';
    }
    int kind = -2;
    for (int k = 0; k < NKINDS; k++)
        if (!strcmp(line, kinds[k]))
            kind = k;
    if (!strcmp(line, "JDIR"))
        kind = J_SELF;
    if (kind == -2 || !hp || hp[0] != '/' || (ex && strchr(ex, '\t')))
        return hp_err_set(e, HP_EFAIL, "journal %s line %zu is malformed; "
                          "fix or remove that line", j->hpath, lineno);
    if (ent_push(j, kind, hp, ex) != 0)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
    return HP_OK;
}

static int parse(hp_journal *j, char *text, hp_err *e)
{
    ents_free(j);
    size_t lineno = 0;
    for (char *s = text; s && *s;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        int rc = parse_line(j, s, ++lineno, e);
        if (rc != HP_OK)
            return rc;
        s = nl ? nl + 1 : NULL;
    }
    return HP_OK;
}

/* (Re)load from dfd, or from scratch when dfd < 0 (directory missing). */
static int load(hp_journal *j, int dfd, hp_err *e)
{
    char *text = NULL;
    size_t len = 0;
    hp_err le = HP_ERR_INIT;
    if (dfd < 0) {
        ents_free(j);
        return HP_OK;
    }
    int rc = hp_af_read(dfd, j->leaf, J_MAX, &text, &len, NULL, &le);
    if (rc != HP_OK && le.sys == ENOENT) {
        ents_free(j);
        return HP_OK;
    }
    if (rc != HP_OK) {
        if (e)
            *e = le;
        return rc;
    }
    if (memchr(text, '\0', len))
        rc = hp_err_set(e, HP_EFAIL, "journal %s holds a NUL byte", j->hpath);
    else
        rc = parse(j, text, e);
    free(text);
    return rc;
}

static size_t live_count(const hp_journal *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n; i++)
        n += j->ent[i].kind != J_SELF;
    return n;
}

static char *serialize(const hp_journal *j, size_t *len)
{
    size_t cap = sizeof J_HEADER;
    for (size_t i = 0; i < j->n; i++)
        cap += strlen(j->ent[i].hpath) +
               (j->ent[i].extra ? strlen(j->ent[i].extra) : 0) + 16;
    char *buf = malloc(cap), *p = buf;
    if (!buf)
        return NULL;
    p += sprintf(p, "%s", J_HEADER);
    for (size_t i = 0; i < j->n; i++) {
        const struct jent *x = &j->ent[i];
        p += sprintf(p, "%s\t%s", x->kind == J_SELF ? "JDIR" : kinds[x->kind],
                     x->hpath);
        if (x->extra)
            p += sprintf(p, "\t%s", x->extra);
        *p++ = '\n';
    }
    *len = (size_t)(p - buf);
    return buf;
}

/* Remove the directories the journal made for itself, newest first; only
 * empty ones go, anything someone else put there keeps its directory. */
static void remove_self_dirs(hp_journal *j)
{
    for (size_t i = j->n; i-- > 0;) {
        if (j->ent[i].kind != J_SELF)
            continue;
        char leaf[256];
        int dfd;
        if (hp_sp_open_parent(j->rootfd, j->ent[i].hpath, &dfd, leaf, NULL) ==
            HP_OK) {
            (void)unlinkat(dfd, leaf, AT_REMOVEDIR);
            close(dfd);
        }
    }
    ents_free(j);
}

static int store(hp_journal *j, int dfd, int lk, hp_err *e)
{
    if (live_count(j) == 0) {
        if (unlinkat(dfd, j->leaf, 0) != 0 && errno != ENOENT)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot remove journal %s",
                              j->hpath);
        fault(4);
        hp_af_lock_drop_name(lk);   /* else its directory is not empty */
        remove_self_dirs(j);
        fault(5);
        return HP_OK;
    }
    size_t len;
    char *text = serialize(j, &len);
    if (!text)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
    hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 1, NULL };
    int rc = hp_af_replace(dfd, j->leaf, text, len, &o, e);
    free(text);
    if (rc == HP_OK)
        fault(3);
    return rc;
}

/* Create the journal's directory; what mkdir_p makes lands in pending. */
static int make_own_dir(hp_journal *j, hp_err *e)
{
    j->selfmk = 1;
    int rc = hp_journal_mkdir_p(j, j->rootfd, j->dir, 0755, (uid_t)-1,
                                (gid_t)-1, e);
    j->selfmk = 0;
    return rc;
}

enum { OP_ADD, OP_FORGET };

/* A hosts file is edited more than once (localhost now, Kubernetes's name
 * later), each edit adding lines: its entry's EXTRA is the record of all
 * of them, so each edit's record is appended, under the journal's lock so
 * two writers lose none.  An add without a record adds nothing to it. */
static int hosts_record_more(hp_journal *j, size_t at, const char *extra,
                             int *changed, hp_err *e)
{
    char *old = j->ent[at].extra, *nx;
    if (!extra || !*extra)
        return HP_OK;
    *changed = 1;
    if (!old)
        nx = strdup(extra);
    else if ((nx = malloc(strlen(old) + strlen(extra) + 2)))
        sprintf(nx, "%s%s%s", old, HP_HOSTS_REC_SEP, extra);
    if (!nx)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
    free(old);
    j->ent[at].extra = nx;
    return HP_OK;
}

/* *changed: the entries differ from what was loaded (else nothing needs
 * writing: what the caller asks for is on disk already). */
static int apply(hp_journal *j, int op, int kind, const char *hpath,
                 const char *extra, int *changed, hp_err *e)
{
    *changed = j->npending > 0;
    for (size_t i = 0; i < j->npending; i++) {
        if (ent_find(j, J_SELF, j->pending[i]) < 0 &&
            ent_push(j, J_SELF, j->pending[i], NULL) != 0)
            return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
        free(j->pending[i]);
    }
    j->npending = 0;
    long at = ent_find(j, kind, hpath);
    j->last_added = op == OP_ADD && at < 0;
    if (op == OP_FORGET) {
        if (at >= 0) {
            ent_del(j, (size_t)at);
            *changed = 1;
        }
        return HP_OK;
    }
    if (at >= 0 && kind == HP_J_HOSTS)
        return hosts_record_more(j, (size_t)at, extra, changed, e);
    if (at >= 0) {               /* already recorded: refresh EXTRA only */
        const char *was = j->ent[at].extra;
        if ((!extra || !*extra) ? !was : was && !strcmp(was, extra))
            return HP_OK;
        char *nx = extra && *extra ? strdup(extra) : NULL;
        free(j->ent[at].extra);
        j->ent[at].extra = nx;
        *changed = 1;
        return HP_OK;
    }
    *changed = 1;
    return ent_push(j, kind, hpath, extra) == 0
               ? HP_OK
               : hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
}

/* Lock, re-read, change, write.  Retried when the directory vanished under
 * us (another process emptied the journal and removed it meanwhile). */
static int mutate(hp_journal *j, int op, int kind, const char *hpath,
                  const char *extra, hp_err *e)
{
    int rc = HP_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        hp_err le = HP_ERR_INIT;
        int dfd = -1;
        rc = hp_sp_open_dir(j->rootfd, j->dir, &dfd, &le);
        if (rc != HP_OK && le.sys == ENOENT) {
            if (op == OP_FORGET) {
                load(j, -1, NULL);
                return HP_OK;
            }
            if ((rc = make_own_dir(j, e)) != HP_OK)
                return rc;
            fault(1);
            continue;
        }
        if (rc != HP_OK) {
            if (e)
                *e = le;
            return rc;
        }
        int lk = hp_af_lock_dir(dfd, &le);
        if (lk < 0) {
            close(dfd);
            if (le.sys == ENOENT)   /* emptied and removed meanwhile */
                continue;
            if (e)
                *e = le;
            return HP_EFAIL;
        }
        int changed = 0;
        rc = load(j, dfd, e);
        if (rc == HP_OK)
            fault(2);
        if (rc == HP_OK)
            rc = apply(j, op, kind, hpath, extra, &changed, e);
        /* unchanged: not rewritten (two fsyncs saved, e.g. an intent
         * already on disk); a temp a killed writer left still goes, as a
         * rewrite would take it */
        if (rc == HP_OK && changed)
            rc = store(j, dfd, lk, &le);
        else if (rc == HP_OK)
            hp_af_clean_temps(dfd, j->leaf);
        hp_af_unlock(lk);
        close(dfd);
        if (rc == HP_OK || le.sys != ENOENT) {
            if (rc != HP_OK && e)
                *e = le;
            return rc;
        }
    }
    return rc;
}

int hp_journal_open(int rootfd, const char *hpath, hp_journal **out,
                    hp_err *e)
{
    *out = NULL;
    hp_journal *j = calloc(1, sizeof *j);
    if (!j)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
    j->rootfd = rootfd;
    int dfd = -1;
    hp_err le = HP_ERR_INIT;
    int rc = field_ok(hpath) ? HP_OK
                             : hp_err_set(e, HP_EINTERNAL, "bad journal path");
    if (rc == HP_OK && (!hpath || strlen(hpath) >= PATH_MAX))
        rc = hp_err_set(e, HP_EINTERNAL, "bad journal path");
    if (rc == HP_OK) {
        snprintf(j->hpath, sizeof j->hpath, "%s", hpath);
        rc = hp_sp_open_parent(rootfd, hpath, &dfd, j->leaf, &le);
        size_t dl = strlen(hpath) - strlen(j->leaf);
        while (dl > 1 && hpath[dl - 1] == '/')
            dl--;
        snprintf(j->dir, sizeof j->dir, "%.*s", (int)dl, hpath);
        if (rc != HP_OK && le.sys == ENOENT)
            rc = load(j, -1, e);      /* nothing there yet: nothing made */
        else if (rc != HP_OK && e)
            *e = le;
        else
            rc = load(j, dfd, e);
    }
    if (dfd >= 0)
        close(dfd);
    if (rc != HP_OK) {
        hp_journal_close(j);
        return rc;
    }
    *out = j;
    return HP_OK;
}

int hp_journal_idle(int rootfd, const char *hpath)
{
    char leaf[256];
    int dfd = -1;
    hp_err e = HP_ERR_INIT;
    if (!hpath || strlen(hpath) >= PATH_MAX)
        return 0;
    if (hp_sp_open_parent(rootfd, hpath, &dfd, leaf, &e) != HP_OK)
        return e.sys == ENOENT;
    struct stat st;
    int idle = fstatat(dfd, HP_DIRLOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0;
    close(dfd);
    return idle;
}

int hp_journal_add(hp_journal *j, int kind, const char *hpath,
                   const char *extra, hp_err *e)
{
    if (kind < 0 || kind >= NKINDS || !hpath || hpath[0] != '/' ||
        !field_ok(hpath) || !field_ok(extra) || strlen(hpath) >= PATH_MAX)
        return hp_err_set(e, HP_EINTERNAL,
                          "cannot journal \"%s\": not an absolute path free of "
                          "tabs and newlines", hpath ? hpath : "");
    if (j->selfmk && kind == HP_J_DIR) {
        char **np = realloc(j->pending, (j->npending + 1) * sizeof *np);
        if (!np || !(np[j->npending] = strdup(hpath)))
            return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
        j->pending = np;
        j->npending++;
        return HP_OK;
    }
    return mutate(j, OP_ADD, kind, hpath, extra, e);
}

int hp_journal_forget(hp_journal *j, int kind, const char *hpath, hp_err *e)
{
    if (!hpath)
        return HP_OK;
    return mutate(j, OP_FORGET, kind, hpath, NULL, e);
}

int hp_journal_intend(hp_journal *j, int kind, const char *hpath,
                      const char *extra, int *added, hp_err *e)
{
    *added = 0;
    int rc = hp_journal_add(j, kind, hpath, extra, e);
    *added = rc == HP_OK && j->last_added;
    return rc;
}

int hp_journal_settle(hp_journal *j, int kind, const char *hpath, int made,
                      int added)
{
    if (made || !added)
        return HP_OK;
    /* nothing was made: the entry would only make uninstall look for it
     * (harmless, undo is idempotent), so a failure here is not an error */
    hp_err ig = HP_ERR_INIT;
    return hp_journal_forget(j, kind, hpath, &ig);
}

int hp_journal_each(hp_journal *j,
                    int (*fn)(void *arg, int kind, const char *hpath,
                              const char *extra),
                    void *arg)
{
    for (size_t i = j->n; i-- > 0;) {
        if (j->ent[i].kind == J_SELF)
            continue;
        int rc = fn(arg, j->ent[i].kind, j->ent[i].hpath, j->ent[i].extra);
        if (rc)
            return rc;
    }
    return 0;
}

int hp_journal_empty(const hp_journal *j)
{
    return live_count(j) == 0;
}

void hp_journal_close(hp_journal *j)
{
    if (!j)
        return;
    ents_free(j);
    free(j->ent);
    for (size_t i = 0; i < j->npending; i++)
        free(j->pending[i]);
    free(j->pending);
    free(j);
}

/* ---- undo ---- */

/* A thing no longer ours is left alone: a warning, not an error. */
static int warn(hp_err *e, const char *fmt, const char *path)
{
    if (e) {
        snprintf(e->msg, sizeof e->msg, fmt, path);
        e->code = HP_OK;
        e->sys = 0;
    }
    return HP_OK;
}

struct rv {
    hp_journal *j;
    const struct jent *x;
};

static int revert_in(int dfd, const char *leaf, const struct jent *x,
                     hp_err *e)
{
    struct stat st;
    switch (x->kind) {
    case HP_J_DIR:
        if (unlinkat(dfd, leaf, AT_REMOVEDIR) == 0 || errno == ENOENT)
            return HP_OK;
        if (errno == ENOTEMPTY || errno == EEXIST)
            return warn(e, "left directory %s: it is not empty", x->hpath);
        if (errno == ENOTDIR)
            return warn(e, "left %s: no longer the directory we made",
                        x->hpath);
        return hp_err_sys(e, HP_EFAIL, errno, "cannot remove directory %s",
                          x->hpath);
    case HP_J_FILE:
        if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOENT ? HP_OK
                                   : hp_err_sys(e, HP_EFAIL, errno,
                                                "cannot stat %s", x->hpath);
        if (!S_ISREG(st.st_mode))
            return warn(e, "left %s: no longer the file we made", x->hpath);
        if (unlinkat(dfd, leaf, 0) != 0 && errno != ENOENT)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", x->hpath);
        return HP_OK;
    default: /* HP_J_LINK */
        if (!x->extra)
            return warn(e, "left %s: no link target recorded", x->hpath);
        switch (hp_link_state(dfd, leaf, x->extra)) {
        case HP_LINK_ABSENT:
            return HP_OK;
        case HP_LINK_OURS:
            return hp_link_remove(dfd, leaf, x->extra, e) == HP_OK
                       ? HP_OK
                       : warn(e, "left %s: it changed while we removed it",
                              x->hpath);
        default:
            return warn(e, "left %s: it no longer points where we made it "
                        "point", x->hpath);
        }
    }
}

static int revert_fn(void *arg, hp_err *e)
{
    struct rv *r = arg;
    const struct jent *x = r->x;
    hp_err le = HP_ERR_INIT;
    int changed = 0, rc;
    if (x->kind == HP_J_HOSTS || x->kind == HP_J_PROFILE) {
        char home[PATH_MAX];
        if (x->kind == HP_J_HOSTS) {
            rc = hp_hosts_remove_file(r->j->rootfd, x->hpath, x->extra,
                                      &changed, &le);
        } else {
            /* EXTRA is the home; without it the file's own directory
             * serves, as the profile editor only checks containment */
            const char *sl = strrchr(x->hpath, '/');
            snprintf(home, sizeof home, "%.*s", (int)(sl - x->hpath),
                     x->hpath);
            rc = hp_profile_remove_file(r->j->rootfd,
                                        x->extra ? x->extra : home, x->hpath,
                                        &changed, &le);
        }
        if (rc != HP_OK && le.sys == ENOENT)
            return HP_OK;
        if (rc != HP_OK && e)
            *e = le;
        return rc;
    }
    char leaf[256];
    int dfd;
    rc = hp_sp_open_parent(r->j->rootfd, x->hpath, &dfd, leaf, &le);
    if (rc != HP_OK) {
        if (le.sys == ENOENT)
            return HP_OK;
        if (e)
            *e = le;
        return rc;
    }
    rc = revert_in(dfd, leaf, x, e);
    close(dfd);
    return rc;
}

/* Revert one entry with the rights of whoever owns its directory: root
 * never removes things in a user's directory as root. */
static int revert(hp_journal *j, const struct jent *x, hp_err *e)
{
    char leaf[256];
    int dfd;
    struct stat st;
    hp_err le = HP_ERR_INIT;
    int rc = hp_sp_open_parent(j->rootfd, x->hpath, &dfd, leaf, &le);
    if (rc != HP_OK) {
        if (le.sys == ENOENT)
            return HP_OK;       /* already gone */
        if (e)
            *e = le;
        return rc;
    }
    int ok = fstat(dfd, &st) == 0;
    close(dfd);
    if (!ok)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat the directory of "
                          "%s", x->hpath);
    struct rv r = { j, x };
    if (geteuid() != 0 || st.st_uid == 0)
        return revert_fn(&r, e);
    char name[64];
    uid_t u = st.st_uid;
    gid_t g = st.st_gid;
    if (hp_user_lookup_uid(st.st_uid, name, sizeof name, NULL) == HP_OK)
        hp_user_lookup(name, &u, &g, NULL, 0, NULL, 0, NULL);
    return hp_as_user(st.st_uid, g, revert_fn, &r, e);
}

static int reload(hp_journal *j, hp_err *e)
{
    int dfd = -1;
    hp_err le = HP_ERR_INIT;
    int rc = hp_sp_open_dir(j->rootfd, j->dir, &dfd, &le);
    if (rc != HP_OK && le.sys == ENOENT)
        return load(j, -1, e);
    if (rc != HP_OK) {
        if (e)
            *e = le;
        return rc;
    }
    rc = load(j, dfd, e);
    close(dfd);
    return rc;
}

/* 1 when dir a holds the journal (so it can only go once the journal has). */
static int holds_journal(const char *a, const char *dir)
{
    size_t n = strlen(a);
    if (n == 1)
        return 1;
    return !strncmp(a, dir, n) && (dir[n] == '\0' || dir[n] == '/');
}

static void note(char *acc, size_t n, const char *msg)
{
    size_t l = strlen(acc);
    if (*msg && l + 3 < n)
        snprintf(acc + l, n - l, "%s%s", l ? "; " : "", msg);
}

static int undo_services(hp_journal *j, struct jent *s, size_t n,
                         int (*stop_fn)(void *, const char *, const char *),
                         void *arg, hp_err *e)
{
    for (size_t i = n; i-- > 0;) {
        if (s[i].kind != HP_J_SERVICE)
            continue;
        if (stop_fn && stop_fn(arg, s[i].extra ? s[i].extra : "", s[i].hpath))
            return hp_err_set(e, HP_EFAIL, "cannot stop service %s (%s); its "
                              "files were left in place, try again",
                              s[i].extra ? s[i].extra : "?", s[i].hpath);
        int rc = hp_journal_forget(j, HP_J_SERVICE, s[i].hpath, e);
        if (rc != HP_OK)
            return rc;
    }
    return HP_OK;
}

static int undo_rest(hp_journal *j, struct jent *s, size_t n, char *warns,
                     size_t wn, hp_err *e)
{
    for (size_t i = n; i-- > 0;) {
        if (s[i].kind == J_SELF || s[i].kind == HP_J_SERVICE)
            continue;
        hp_err le = HP_ERR_INIT;
        int rc = HP_OK;
        if (!(s[i].kind == HP_J_DIR && holds_journal(s[i].hpath, j->dir)))
            rc = revert(j, &s[i], &le);
        if (rc != HP_OK) {
            if (e)
                *e = le;
            return rc;
        }
        note(warns, wn, le.msg);
        if ((rc = hp_journal_forget(j, s[i].kind, s[i].hpath, e)) != HP_OK)
            return rc;
    }
    /* directories that held the journal go after it, deepest first */
    for (size_t i = n; i-- > 0;)
        if (s[i].kind == HP_J_DIR && holds_journal(s[i].hpath, j->dir)) {
            hp_err le = HP_ERR_INIT;
            revert(j, &s[i], &le);
            note(warns, wn, le.msg);
        }
    return HP_OK;
}

int hp_journal_undo(hp_journal *j,
                    int (*stop_fn)(void *arg, const char *label,
                                   const char *hpath),
                    void *arg, hp_err *e)
{
    int rc = reload(j, e);
    if (rc != HP_OK)
        return rc;
    /* work from a copy: forgetting rewrites j's own list */
    size_t n = j->n;
    struct jent *s = calloc(n ? n : 1, sizeof *s);
    if (!s)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "journal");
    for (size_t i = 0; i < n; i++) {
        s[i].kind = j->ent[i].kind;
        s[i].hpath = strdup(j->ent[i].hpath);
        s[i].extra = j->ent[i].extra ? strdup(j->ent[i].extra) : NULL;
    }
    char warns[sizeof(((hp_err *)0)->msg)] = "";
    hp_err_clear(e);
    rc = undo_services(j, s, n, stop_fn, arg, e);
    if (rc == HP_OK)
        rc = undo_rest(j, s, n, warns, sizeof warns, e);
    if (rc == HP_OK && e)
        snprintf(e->msg, sizeof e->msg, "%s", warns);
    for (size_t i = 0; i < n; i++) {
        free(s[i].hpath);
        free(s[i].extra);
    }
    free(s);
    return rc;
}

int hp_journal_undo_entry(hp_journal *j, int kind, const char *hpath,
                          hp_err *e)
{
    int rc = reload(j, e);
    long at = rc == HP_OK ? ent_find(j, kind, hpath) : -1;
    if (rc != HP_OK || at < 0)
        return rc;              /* not journaled: nothing there is ours */
    struct jent x = { kind, strdup(hpath), j->ent[at].extra ?
                      strdup(j->ent[at].extra) : NULL };
    hp_err le = HP_ERR_INIT;
    if (!x.hpath || (j->ent[at].extra && !x.extra))
        rc = hp_err_sys(&le, HP_EINTERNAL, ENOMEM, "journal");
    else
        rc = revert(j, &x, &le);
    if (rc == HP_OK)
        rc = hp_journal_forget(j, kind, hpath, e);
    else if (e)
        *e = le;
    free(x.hpath);
    free(x.extra);
    return rc;
}

/* Remove new (empty) directories m->path[0..len[from..]], deepest first. */
static void unmake(int rootfd, const hp_sp_made *m, int from)
{
    for (int i = m->n - 1; i >= from; i--) {
        char p[PATH_MAX], leaf[256];
        int dfd;
        hp_err ig = HP_ERR_INIT;
        snprintf(p, sizeof p, "%.*s", (int)m->len[i], m->path);
        if (hp_sp_open_parent(rootfd, p, &dfd, leaf, &ig) != HP_OK)
            continue;
        unlinkat(dfd, leaf, AT_REMOVEDIR);
        close(dfd);
    }
}

int hp_journal_mkdir_p(hp_journal *j, int rootfd, const char *hpath,
                       mode_t mode, uid_t uid, gid_t gid, hp_err *e)
{
    if (!j)
        return hp_sp_mkdir_p(rootfd, hpath, mode, uid, gid, NULL, e);
    hp_sp_made m;
    int rc = hp_sp_mkdir_p(rootfd, hpath, mode, uid, gid, &m, e);
    if (m.n > 0 && !j->selfmk)
        fault(6);
    /* what was made before a failure is recorded too: it is on disk */
    hp_err tmp = HP_ERR_INIT, *je = rc == HP_OK ? e : &tmp;
    for (int i = 0; i < m.n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%.*s", (int)m.len[i], m.path);
        int jr = hp_journal_add(j, HP_J_DIR, p, NULL, je);
        if (jr != HP_OK) {
            unmake(rootfd, &m, i);
            return rc != HP_OK ? rc : jr;
        }
    }
    return rc;
}
