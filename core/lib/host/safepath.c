/* Safe path walking under host.root (safepath.h), after systemd's chase()
 * with CHASE_SAFE.  Every component is opened on its own with O_PATH |
 * O_NOFOLLOW from the directory before it, so no name we pass the kernel
 * ever contains a '/' or "..": the walk cannot leave the directories it
 * has already checked.  ".." pops a stack of the directories we came
 * through (never above host.root, and immune to a directory being moved
 * meanwhile); a symlink is read through its own fd and its target walked
 * again from host.root (absolute) or from the link's directory (relative). */
#include "safepath.h"
#include "identity.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SP_MAXLINKS 40      /* as the kernel's own MAXSYMLINKS */
#define SP_MAXDEPTH 256

enum { W_SAFE = 1, W_CREATE = 2 };

struct walk {
    int flags;
    int depth;                   /* fd[0] is the borrowed root */
    int fd[SP_MAXDEPTH];
    uid_t uid[SP_MAXDEPTH];
    gid_t gid[SP_MAXDEPTH];
    mode_t mode[SP_MAXDEPTH];
    size_t plen[SP_MAXDEPTH];    /* length of path at each depth */
    char path[PATH_MAX];         /* resolved host path, "" = root */
    char todo[2 * PATH_MAX];     /* what is left to walk */
    size_t pos;
    int links;
    /* W_CREATE */
    mode_t cmode;
    uid_t cuid;
    gid_t cgid;
    hp_sp_made *made;
};

static const char *owner(uid_t uid, char *buf, size_t n)
{
    char name[64];
    if (hp_user_lookup_uid(uid, name, sizeof name, NULL) == HP_OK)
        snprintf(buf, n, "%s (uid %u)", name, (unsigned)uid);
    else
        snprintf(buf, n, "uid %u", (unsigned)uid);
    return buf;
}

static const char *shown(const struct walk *w)
{
    return w->path[0] ? w->path : "/";
}

static int refuse(hp_err *e, int code, int sys, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(hp_err *e, int code, int sys, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    e->sys = sys;
    return code;
}

static void walk_close(struct walk *w)
{
    for (; w->depth > 0; w->depth--)
        close(w->fd[w->depth]);
}

/* A directory others may trust as a parent: root-owned and writable by no
 * one else, or root-owned and sticky (/tmp: nobody can rename what is not
 * theirs). */
static int parent_safe(uid_t uid, mode_t mode)
{
    return uid == 0 && (!(mode & (S_IWGRP | S_IWOTH)) || (mode & S_ISVTX));
}

static int push(struct walk *w, int fd, const struct stat *st,
                const char *name, hp_err *e)
{
    size_t pl = w->plen[w->depth], nl = strlen(name);
    if (w->depth + 1 >= SP_MAXDEPTH || pl + 1 + nl >= sizeof w->path) {
        close(fd);
        return refuse(e, HP_EFAIL, ENAMETOOLONG,
                      "path %s/%s is too deep or too long", shown(w), name);
    }
    w->path[pl] = '/';
    memcpy(w->path + pl + 1, name, nl + 1);
    w->depth++;
    w->fd[w->depth] = fd;
    w->uid[w->depth] = st->st_uid;
    w->gid[w->depth] = st->st_gid;
    w->mode[w->depth] = st->st_mode;
    w->plen[w->depth] = pl + 1 + nl;
    return HP_OK;
}

static void pop(struct walk *w)
{
    if (w->depth > 0) {
        close(w->fd[w->depth]);
        w->depth--;
    }
    w->path[w->plen[w->depth]] = '\0';
}

/* Follow the symlink open as lfd: allowed only when root-owned in a
 * directory root-owned and writable by no one else (only root could have
 * put it there), then its target is queued in front of what is left. */
static int follow(struct walk *w, int lfd, const struct stat *st,
                  const char *name, hp_err *e)
{
    int d = w->depth;
    if (st->st_uid != 0 || w->uid[d] != 0 ||
        (w->mode[d] & (S_IWGRP | S_IWOTH))) {
        char a[96], b[96];
        close(lfd);
        return refuse(e, HP_EFAIL, ELOOP,
                      "refusing to follow symlink %s/%s (owned by %s) in "
                      "directory %s (owned by %s, mode %04o): only a "
                      "root-owned link in a root-owned directory writable by "
                      "no one else is followed; replace the link by the real "
                      "directory", w->path, name, owner(st->st_uid, a, sizeof a),
                      shown(w), owner(w->uid[d], b, sizeof b),
                      (unsigned)(w->mode[d] & 07777));
    }
    if (++w->links > SP_MAXLINKS) {
        close(lfd);
        return refuse(e, HP_EFAIL, ELOOP,
                      "too many symlinks (more than %d) resolving %s/%s",
                      SP_MAXLINKS, w->path, name);
    }
    char target[PATH_MAX];
    ssize_t n = readlinkat(lfd, "", target, sizeof target - 1);
    int err = errno;
    close(lfd);
    if (n <= 0)
        return refuse(e, HP_EFAIL, n < 0 ? err : ENOENT,
                      "cannot read symlink %s/%s", w->path, name);
    target[n] = '\0';
    const char *rest = w->todo + w->pos;
    char next[sizeof w->todo];
    if ((size_t)n + 1 + strlen(rest) >= sizeof next)
        return refuse(e, HP_EFAIL, ENAMETOOLONG,
                      "path through symlink %s/%s is too long", w->path, name);
    snprintf(next, sizeof next, "%s/%s", target, rest);
    memcpy(w->todo, next, strlen(next) + 1);
    w->pos = 0;
    if (target[0] == '/')        /* re-rooted under host.root */
        while (w->depth > 0)
            pop(w);
    return HP_OK;
}

struct mk {
    int dirfd;
    const char *name;
    mode_t mode;
    uid_t uid;
    gid_t gid;
};

/* mkdir with the exact mode (umask aside), then owner; 1 = made, 0 = it
 * appeared meanwhile. */
static int mk_here(void *arg, hp_err *e)
{
    struct mk *m = arg;
    if (mkdirat(m->dirfd, m->name, 0700) != 0)
        return errno == EEXIST ? 0
                               : -hp_err_sys(e, HP_EFAIL, errno,
                                             "cannot create directory %s",
                                             m->name);
    int fd = openat(m->dirfd, m->name,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && (m->uid != (uid_t)-1 || m->gid != (gid_t)-1))
        rc = fchown(fd, m->uid, m->gid);
    if (rc == 0)
        rc = fchmod(fd, m->mode);
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        unlinkat(m->dirfd, m->name, AT_REMOVEDIR);
        return -hp_err_sys(e, HP_EFAIL, err,
                           "cannot set owner/mode of new directory %s",
                           m->name);
    }
    return 1;
}

#define MK_EXISTED 200      /* the child's "it appeared meanwhile" */

static int as_user_mk(void *arg, hp_err *e)
{
    int rc = mk_here(arg, e);
    return rc < 0 ? -rc : rc == 1 ? HP_OK : MK_EXISTED;
}

/* Create name in the top directory.  As root in a directory a user owns,
 * the mkdir runs as that user (never root's rights there), and only for a
 * directory that user is to own. */
static int make_dir(struct walk *w, const char *name, hp_err *e)
{
    int d = w->depth;
    struct mk m = { w->fd[d], name, w->cmode, w->cuid, w->cgid };
    int made;
    if (w->made && w->made->n == HP_SP_MAXMADE)
        return refuse(e, HP_EUSAGE, ENAMETOOLONG, "refusing to create more "
                      "than %d directory levels at %s/%s", HP_SP_MAXMADE,
                      shown(w), name);
    if (geteuid() == 0 && w->uid[d] != 0) {
        uid_t want = w->cuid == (uid_t)-1 ? 0 : w->cuid;
        if (want != w->uid[d]) {
            char a[96], b[96];
            return refuse(e, HP_EDENIED, EPERM,
                          "refusing to create %s/%s owned by %s inside %s "
                          "owned by %s: root does not write into a "
                          "user's directory", w->path, name,
                          owner(want, a, sizeof a), shown(w),
                          owner(w->uid[d], b, sizeof b));
        }
        gid_t g = w->cgid != (gid_t)-1 ? w->cgid : w->gid[d];
        m.uid = m.gid = (uid_t)-1;
        int rc = hp_as_user(want, g, as_user_mk, &m, e);
        if (rc != HP_OK && rc != MK_EXISTED)
            return rc;
        made = rc == HP_OK;
        hp_err_clear(e);
    } else {
        made = mk_here(&m, e);
        if (made < 0)
            return -made;
    }
    if (made && w->made) {
        hp_sp_made *r = w->made;
        int k = snprintf(r->path, sizeof r->path, "%s/%s", w->path, name);
        r->len[r->n++] = k > 0 && (size_t)k < sizeof r->path ? (size_t)k : 0;
    }
    return HP_OK;
}

static int chase_check(struct walk *w, const struct stat *st,
                       const char *name, hp_err *e)
{
    int d = w->depth;
    if (geteuid() != 0 || w->uid[d] == 0 || st->st_uid == w->uid[d])
        return HP_OK;
    char a[96], b[96];
    return refuse(e, HP_EDENIED, EPERM,
                  "unsafe path: directory %s is owned by %s but %s/%s in it "
                  "is owned by %s; as root hostpriv never steps from a "
                  "user's directory into another owner's file. Fix the "
                  "owners (chown) or remove %s/%s", shown(w),
                  owner(w->uid[d], a, sizeof a), w->path, name,
                  owner(st->st_uid, b, sizeof b), w->path, name);
}

static int step(struct walk *w, const char *name, hp_err *e)
{
    int top = w->fd[w->depth];
    int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && (w->flags & W_CREATE)) {
        int rc = make_dir(w, name, e);
        if (rc != HP_OK)
            return rc;
        fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot open %s/%s", w->path,
                          name);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return hp_err_sys(e, HP_EFAIL, err, "cannot stat %s/%s", w->path,
                          name);
    }
    if (S_ISLNK(st.st_mode))
        return follow(w, fd, &st, name, e);
    int rc = chase_check(w, &st, name, e);
    if (rc == HP_OK && !S_ISDIR(st.st_mode))
        rc = refuse(e, HP_EFAIL, ENOTDIR, "%s/%s is not a directory",
                    w->path, name);
    if (rc == HP_OK && (w->flags & W_SAFE) &&
        !parent_safe(st.st_uid, st.st_mode)) {
        char a[96];
        rc = refuse(e, HP_ECONFIG, EPERM,
                    "unsafe directory %s/%s (owned by %s, mode %04o): it "
                    "must be root-owned and not group/world-writable; fix "
                    "with chown root and chmod go-w", w->path, name,
                    owner(st.st_uid, a, sizeof a),
                    (unsigned)(st.st_mode & 07777));
    }
    if (rc != HP_OK) {
        close(fd);
        return rc;
    }
    return push(w, fd, &st, name, e);
}

/* Next component of todo into name; 0 when none is left. */
static int next_comp(struct walk *w, char name[256], hp_err *e, int *rc)
{
    *rc = HP_OK;
    while (w->todo[w->pos] == '/')
        w->pos++;
    if (!w->todo[w->pos])
        return 0;
    size_t n = strcspn(w->todo + w->pos, "/");
    if (n > 255) {
        *rc = refuse(e, HP_EFAIL, ENAMETOOLONG, "path component too long "
                     "after %s", shown(w));
        return 0;
    }
    memcpy(name, w->todo + w->pos, n);
    name[n] = '\0';
    w->pos += n;
    return 1;
}

static int walk_init(struct walk *w, int rootfd, const char *hpath, int flags,
                     hp_err *e)
{
    memset(w, 0, sizeof *w);
    w->flags = flags;
    w->fd[0] = rootfd;
    w->cuid = (uid_t)-1;
    w->cgid = (gid_t)-1;
    if (!hpath || hpath[0] != '/')
        return hp_err_set(e, HP_EINTERNAL,
                          "host path \"%s\" is not absolute", hpath ? hpath : "");
    if (strlen(hpath) >= PATH_MAX)
        return refuse(e, HP_EFAIL, ENAMETOOLONG, "host path too long");
    snprintf(w->todo, sizeof w->todo, "%s", hpath);
    struct stat st;
    if (fstat(rootfd, &st) != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot stat host.root");
    w->uid[0] = st.st_uid;
    w->gid[0] = st.st_gid;
    w->mode[0] = st.st_mode;
    if ((flags & W_SAFE) && !parent_safe(st.st_uid, st.st_mode))
        return refuse(e, HP_ECONFIG, EPERM,
                      "unsafe directory / (owned by uid %u, mode %04o)",
                      (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
    return HP_OK;
}

static int walk_run(struct walk *w, hp_err *e)
{
    char name[256];
    int rc;
    while (next_comp(w, name, e, &rc)) {
        if (!strcmp(name, "."))
            continue;
        if (!strcmp(name, "..")) {   /* never above host.root */
            pop(w);
            continue;
        }
        if ((rc = step(w, name, e)) != HP_OK)
            return rc;
    }
    return rc;
}

/* The top of the stack as a real (not O_PATH) directory fd, so callers can
 * fsync, flock and read it; O_PATH stays when the dir is unreadable. */
static int walk_result(struct walk *w, int *dirfd, hp_err *e)
{
    int fd = openat(w->fd[w->depth], ".",
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == EACCES && w->depth > 0) {
        fd = w->fd[w->depth];
        w->depth--;
    }
    if (fd < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot open %s", shown(w));
    *dirfd = fd;
    return HP_OK;
}

/* openat2 resolves in one call what the walk does step by step, but cannot
 * check owners: only for a process that is not root, where CHASE_SAFE does
 * not apply.  Any failure (a symlink, ".." at the root, an old kernel)
 * falls back to the walk, which also writes the precise message. */
static int fast_open(int rootfd, const char *hpath)
{
    static int no_openat2;
    if (no_openat2 || geteuid() == 0)
        return -1;
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                   RESOLVE_NO_MAGICLINKS,
    };
    const char *rel = hpath + strspn(hpath, "/");
    long fd = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof how);
    if (fd < 0 && (errno == ENOSYS || errno == E2BIG))
        no_openat2 = 1;
    return (int)fd;
}

int hp_sp_open_dir(int rootfd, const char *hpath, int *dirfd, hp_err *e)
{
    *dirfd = -1;
    if (hpath && hpath[0] == '/') {
        int fd = fast_open(rootfd, hpath);
        if (fd >= 0) {
            *dirfd = fd;
            return HP_OK;
        }
    }
    struct walk w;
    int rc = walk_init(&w, rootfd, hpath, 0, e);
    if (rc == HP_OK)
        rc = walk_run(&w, e);
    if (rc == HP_OK)
        rc = walk_result(&w, dirfd, e);
    walk_close(&w);
    return rc;
}

/* Split hpath into its directory and last component. */
static int split(const char *hpath, char *dir, char leaf[256], hp_err *e)
{
    if (!hpath || hpath[0] != '/')
        return hp_err_set(e, HP_EINTERNAL, "host path \"%s\" is not absolute",
                          hpath ? hpath : "");
    size_t n = strlen(hpath);
    if (n >= PATH_MAX)
        return refuse(e, HP_EFAIL, ENAMETOOLONG, "host path too long");
    memcpy(dir, hpath, n + 1);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    char *slash = strrchr(dir, '/');
    const char *l = slash + 1;
    if (!*l || !strcmp(l, ".") || !strcmp(l, "..") || strlen(l) > 255)
        return hp_err_set(e, HP_EINTERNAL,
                          "host path \"%s\" does not end in a file name",
                          hpath);
    memcpy(leaf, l, strlen(l) + 1);
    if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return HP_OK;
}

int hp_sp_open_parent(int rootfd, const char *hpath, int *dirfd,
                      char leaf[256], hp_err *e)
{
    char dir[PATH_MAX];
    *dirfd = -1;
    int rc = split(hpath, dir, leaf, e);
    return rc != HP_OK ? rc : hp_sp_open_dir(rootfd, dir, dirfd, e);
}

int hp_sp_mkdir_p(int rootfd, const char *hpath, mode_t mode, uid_t uid,
                  gid_t gid, hp_sp_made *made, hp_err *e)
{
    struct walk w;
    int rc = walk_init(&w, rootfd, hpath, W_CREATE, e);
    w.cmode = mode & 07777;
    w.cuid = uid;
    w.cgid = gid;
    w.made = made;
    if (made)
        made->n = 0;
    if (rc == HP_OK)
        rc = walk_run(&w, e);
    walk_close(&w);
    return rc;
}

int hp_sp_root_may_write(int dirfd, const char *what, hp_err *e)
{
    struct stat st;
    if (geteuid() != 0)
        return HP_OK;
    if (fstat(dirfd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat the directory of %s",
                          what);
    if (st.st_uid == 0)
        return HP_OK;
    char a[96];
    return refuse(e, HP_EDENIED, EPERM,
                  "refusing to write %s as root: its directory is owned by "
                  "%s; hostpriv writes there only with that user's rights "
                  "(run the step as the user)", what,
                  owner(st.st_uid, a, sizeof a));
}

/* Walk a real path from "/" with every directory checked as a parent. */
static int safe_walk(const char *path, struct walk *w, int *rootfd,
                     hp_err *e)
{
    w->depth = 0;
    *rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*rootfd < 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot open /");
    int rc = walk_init(w, *rootfd, path, W_SAFE, e);
    return rc == HP_OK ? walk_run(w, e) : rc;
}

int hp_sp_check_safe_dir(const char *path, hp_err *e)
{
    struct walk w;
    int rootfd;
    int rc = safe_walk(path, &w, &rootfd, e);
    int d = w.depth;
    if (rc == HP_OK && (w.uid[d] != 0 || (w.mode[d] & (S_IWGRP | S_IWOTH)))) {
        char a[96];
        rc = refuse(e, HP_ECONFIG, EPERM,
                    "unsafe directory %s (owned by %s, mode %04o): it must be "
                    "root-owned and not group/world-writable; fix with "
                    "chown root %s && chmod go-w %s", path,
                    owner(w.uid[d], a, sizeof a),
                    (unsigned)(w.mode[d] & 07777), path, path);
    }
    walk_close(&w);
    close(rootfd);
    return rc;
}

int hp_sp_check_safe_file(const char *path, hp_err *e)
{
    char dir[PATH_MAX], leaf[256];
    int rc = split(path, dir, leaf, e);
    if (rc != HP_OK)
        return rc;
    struct walk w;
    int rootfd;
    rc = safe_walk(dir, &w, &rootfd, e);
    struct stat st;
    if (rc == HP_OK &&
        fstatat(w.fd[w.depth], leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = hp_err_sys(e, HP_ECONFIG, errno, "cannot stat %s", path);
    else if (rc == HP_OK && !S_ISREG(st.st_mode))
        rc = refuse(e, HP_ECONFIG, EINVAL,
                    "%s is %s, not a regular file; point the setting at the "
                    "real file", path,
                    S_ISLNK(st.st_mode) ? "a symlink" : "not a regular file");
    else if (rc == HP_OK &&
             (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
        char a[96];
        rc = refuse(e, HP_ECONFIG, EPERM,
                    "unsafe file %s (owned by %s, mode %04o): it must be "
                    "root-owned and not group/world-writable; fix with "
                    "chown root %s && chmod go-w %s", path,
                    owner(st.st_uid, a, sizeof a),
                    (unsigned)(st.st_mode & 07777), path, path);
    }
    walk_close(&w);
    close(rootfd);
    return rc;
}

int hp_sp_uid_can_write(int dirfd, uid_t uid, gid_t gid)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    if (uid == 0)
        return 1;
    mode_t need;
    if (uid == st.st_uid)
        need = S_IWUSR | S_IXUSR;
    else if (gid == st.st_gid)
        need = S_IWGRP | S_IXGRP;
    else
        need = S_IWOTH | S_IXOTH;
    return (st.st_mode & need) == need;
}
