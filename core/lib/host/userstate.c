/* A small file of hostpriv's in the user's ~/.docker/hostpriv
 * (userstate.h): where it lives, reading it whole, and changing it as the
 * user under the directory lock.  What the file says is its module's: the
 * callbacks parse and serialise, this file only moves bytes. */
#include "userstate.h"
#include "atomicfile.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* home + "/" + rel, home's trailing slashes dropped. */
static int path_of(const hp_ustate *f, const char *home, char *out, size_t n,
                   hp_err *e)
{
    size_t hl = home ? strlen(home) : 0;
    while (hl > 1 && home[hl - 1] == '/')
        hl--;
    if (hl == 0 || home[0] != '/')
        return hp_err_set(e, HP_EUSAGE, "home directory must be an absolute "
                          "path");
    if (snprintf(out, n, "%.*s/%s", (int)hl, home, f->rel) >= (int)n)
        return hp_err_set(e, HP_EUSAGE, "home directory path too long");
    return HP_OK;
}

/* The file's directory; *dirfd -1 (and HP_OK) when it does not exist. */
static int open_dir(int rootfd, const char *path, int *dirfd, char leaf[256],
                    hp_err *e)
{
    int r = hp_sp_open_parent(rootfd, path, dirfd, leaf, e);
    if (r != HP_OK && e->sys == ENOENT) {
        hp_err_clear(e);
        *dirfd = -1;
        return HP_OK;
    }
    return r;
}

/* Read the file whole; a missing one is *exists 0 and *data NULL. */
static int read_at(const hp_ustate *f, int dirfd, const char *leaf,
                   char **data, size_t *len, struct stat *st, int *exists,
                   hp_err *e)
{
    *exists = 0;
    int r = hp_af_read(dirfd, leaf, f->max, data, len, st, e);
    if (r != HP_OK) {
        *data = NULL;
        *len = 0;
        if (e->sys != ENOENT)
            return r;
        hp_err_clear(e);
        return HP_OK;
    }
    *exists = 1;
    return HP_OK;
}

int hp_ustate_read(const hp_ustate *f, int rootfd, const char *home,
                   hp_ustate_read_fn fn, void *arg, hp_err *e)
{
    char path[PATH_MAX], leaf[256], *data = NULL;
    size_t len = 0;
    struct stat st;
    int dirfd, exists, r;
    if ((r = path_of(f, home, path, sizeof path, e)) ||
        (r = open_dir(rootfd, path, &dirfd, leaf, e)))
        return r;
    if (dirfd >= 0) {
        r = read_at(f, dirfd, leaf, &data, &len, &st, &exists, e);
        close(dirfd);
    }
    if (r == HP_OK)
        r = fn(arg, path, data ? data : "", len, e);
    free(data);
    return r;
}

/* A root process never writes into a home a user owns (identity.h). */
static int root_check(const hp_ustate *f, int rootfd, const char *home,
                      hp_err *e)
{
    int fd, r;
    if (geteuid() != 0)
        return HP_OK;
    if ((r = hp_sp_open_dir(rootfd, home, &fd, e)))
        return r;
    r = f->root_check ? f->root_check(fd, home, e)
                      : hp_sp_root_may_write(fd, f->rel, e);
    close(fd);
    return r;
}

/* 1 when the file is not the one we read (st; exists 0: it was absent). */
static int changed(int dirfd, const char *leaf, const struct stat *st,
                   int exists)
{
    struct stat now;
    int gone = fstatat(dirfd, leaf, &now, AT_SYMLINK_NOFOLLOW) != 0;
    if (!exists)
        return !gone;
    return gone || now.st_ino != st->st_ino || now.st_size != st->st_size ||
           now.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
           now.st_mtim.tv_sec != st->st_mtim.tv_sec;
}

/* Put out in the file's place (removing it, or a whole-file replace that
 * fails if the file is no longer the one we read). */
static int commit(int dirfd, const char *leaf, const char *path,
                  const hp_ustate_new *out, const struct stat *st,
                  int exists, hp_err *e)
{
    if (out->remove) {
        if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", path);
        return HP_OK;
    }
    hp_af_opts o = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1,
                     .create = !exists, .expect = exists ? st : NULL };
    return hp_af_replace(dirfd, leaf, out->text, out->len, &o, e);
}

/* One read-modify-write under the lock; *retry when the file changed
 * between our read and our replace (another writer of the same user). */
static int edit_once(const hp_ustate *f, int dirfd, const char *leaf,
                     const char *path, hp_ustate_edit_fn fn, void *arg,
                     int *retry, hp_err *e)
{
    char *data;
    size_t len;
    struct stat st;
    int exists;
    hp_ustate_new out = { NULL, 0, 0 };
    int r = read_at(f, dirfd, leaf, &data, &len, &st, &exists, e);
    if (r == HP_OK)
        r = fn(arg, path, data ? data : "", len, &out, e);
    free(data);
    if (r == HP_OK && (out.text || out.remove)) {
        r = commit(dirfd, leaf, path, &out, &st, exists, e);
        if (r != HP_OK && !out.remove)
            *retry = changed(dirfd, leaf, &st, exists);
    }
    free(out.text);
    return r;
}

int hp_ustate_edit(const hp_ustate *f, int rootfd, const char *home,
                   int adds, hp_ustate_edit_fn fn, void *arg, hp_err *e)
{
    char path[PATH_MAX], dir[PATH_MAX], leaf[256];
    int dirfd, r;
    if ((r = path_of(f, home, path, sizeof path, e)) ||
        (r = root_check(f, rootfd, home, e)))
        return r;
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
    if (adds && (r = hp_sp_mkdir_p(rootfd, dir, 0755, (uid_t)-1, (gid_t)-1,
                                   NULL, e)))
        return r;
    if ((r = open_dir(rootfd, path, &dirfd, leaf, e)) || dirfd < 0)
        return r;               /* taking away from a missing file: done */
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    /* a second writer once is a race, on every attempt a fight: the
     * last attempt's error is the caller's */
    for (int attempt = 0;; attempt++) {
        int retry = 0;
        r = edit_once(f, dirfd, leaf, path, fn, arg, &retry, e);
        if (r == HP_OK || !retry || attempt == 1)
            break;
        hp_err_clear(e);
    }
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}

int hp_ustate_clear(const hp_ustate *f, int rootfd, const char *home,
                    hp_err *e)
{
    char path[PATH_MAX], leaf[256];
    struct stat st;
    int dirfd, r;
    if ((r = path_of(f, home, path, sizeof path, e)) ||
        (r = root_check(f, rootfd, home, e)) ||
        (r = open_dir(rootfd, path, &dirfd, leaf, e)) || dirfd < 0)
        return r;
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    /* only a regular file of ours goes; anything else is left and named */
    if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(st.st_mode))
            r = hp_err_set(e, HP_EFAIL, "%s is not a regular file; not "
                           "removing it", path);
        else if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT)
            r = hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", path);
    }
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}
