/* Atomic whole-file replacement (atomicfile.h), after systemd's
 * write_string_file_atomic_at: the new content goes to a temp file in the
 * same directory, gets the old file's owner, mode and xattrs, is written
 * and fsynced, and only then renamed over the name; the directory is
 * fsynced last.  Any failure before the rename unlinks the temp and leaves
 * the old file as it was, so a crash or a full disk shows the file wholly
 * old or wholly new. */
#include "atomicfile.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

void (*hp_af_fault_hook)(int step) = NULL;

#define BAK_SUFFIX ".hostpriv-bak"
#define TMP_TAG ".hp-"

static void fault(int step)
{
    if (hp_af_fault_hook)
        hp_af_fault_hook(step);
}

static int name_ok(const char *name, hp_err *e)
{
    size_t n = name ? strlen(name) : 0;
    if (!n || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
        n > 255 - 1 - strlen(TMP_TAG) - 6 || n > 255 - strlen(BAK_SUFFIX))
        return hp_err_set(e, HP_EINTERNAL, "bad file name \"%s\"",
                          name ? name : "");
    return HP_OK;
}

static int write_all(int fd, const void *buf, size_t n, off_t off)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0)
            return ENOSPC;
        p += w;
        n -= (size_t)w;
        if (off >= 0)
            off += w;
    }
    return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The caller read the file (expect) and computed new content from it: if
 * anyone changed it since, writing would lose their edit. */
static int check_expect(int dirfd, const char *name, const hp_af_opts *o,
                        hp_err *e)
{
    if (!o->expect)
        return HP_OK;
    struct stat st;
    int there = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!there && errno != ENOENT)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat %s", name);
    if (there ? same_file(&st, o->expect) : o->expect->st_ino == 0)
        return HP_OK;
    return hp_err_set(e, HP_EFAIL,
                      "%s changed while we edited it (another editor?); "
                      "nothing was written, run the command again", name);
}

static int temp_create(int dirfd, const char *name, char tmp[256], hp_err *e)
{
    static const char abc[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int tries = 0; tries < 100; tries++) {
        unsigned char r[6];
        if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
            unsigned long x = (unsigned long)getpid() * 2654435761u ^
                              (unsigned long)clock() ^ (unsigned long)tries;
            for (int i = 0; i < 6; i++, x >>= 5)
                r[i] = (unsigned char)x;
        }
        int n = snprintf(tmp, 256, ".%s" TMP_TAG, name);
        for (int i = 0; i < 6; i++)
            tmp[n + i] = abc[r[i] % (sizeof abc - 1)];
        tmp[n + 6] = '\0';
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                        O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) {
            if (fd < 0)
                hp_err_sys(e, HP_EFAIL, errno,
                           "cannot create a temp file next to %s", name);
            return fd;
        }
    }
    hp_err_set(e, HP_EFAIL, "cannot find a free temp name next to %s", name);
    return -1;
}

/* xattrs carry ACLs (system.posix_acl_access), SELinux labels and the like;
 * a file system without them is fine. */
static int copy_xattrs(int src, int dst, const char *name, hp_err *e)
{
    ssize_t n = flistxattr(src, NULL, 0);
    if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
        return HP_OK;
    if (n <= 0)
        return n == 0 ? HP_OK
                      : hp_err_sys(e, HP_EFAIL, errno, "listing xattrs of %s",
                                   name);
    char *list = malloc((size_t)n), *val = NULL;
    int rc = HP_OK;
    n = list ? flistxattr(src, list, (size_t)n) : -1;
    for (ssize_t i = 0; rc == HP_OK && i < n; i += (ssize_t)strlen(list + i) + 1) {
        ssize_t vn = fgetxattr(src, list + i, NULL, 0);
        char *nv = vn >= 0 ? realloc(val, (size_t)vn + 1) : NULL;
        if (nv)
            val = nv;
        if (vn < 0 || !nv || (vn = fgetxattr(src, list + i, val, (size_t)vn)) < 0 ||
            (fsetxattr(dst, list + i, val, (size_t)vn, 0) != 0 &&
             errno != ENOTSUP && errno != EOPNOTSUPP))
            rc = hp_err_sys(e, HP_EFAIL, errno, "copying xattr %s of %s",
                            list + i, name);
    }
    if (n < 0 && rc == HP_OK)
        rc = hp_err_sys(e, HP_EFAIL, list ? errno : ENOMEM,
                        "listing xattrs of %s", name);
    free(list);
    free(val);
    return rc;
}

/* Owner first (chown clears set-id bits), then mode, then xattrs (an ACL
 * xattr agrees with the mode it came with). */
static int set_meta(int dirfd, int tfd, const char *name,
                    const struct stat *old, const hp_af_opts *o, hp_err *e)
{
    struct stat ts;
    if (fstat(tfd, &ts) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "stat of temp for %s", name);
    uid_t u = old ? old->st_uid : o->uid;
    gid_t g = old ? old->st_gid : o->gid;
    mode_t m = (old ? old->st_mode : o->mode) & 07777;
    if ((u != (uid_t)-1 && u != ts.st_uid) || (g != (gid_t)-1 && g != ts.st_gid))
        if (fchown(tfd, u, g) != 0)
            return hp_err_sys(e, HP_EFAIL, errno,
                              "cannot give the new %s its owner %u:%u", name,
                              (unsigned)u, (unsigned)g);
    if (fchmod(tfd, m) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot set mode %04o on %s",
                          (unsigned)m, name);
    if (!old)
        return HP_OK;
    int sfd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (sfd < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot open %s", name);
    int rc = copy_xattrs(sfd, tfd, name, e);
    close(sfd);
    return rc;
}

/* After the new content is in place: sync the directory so the new
 * name lasts.  The file is replaced whatever this gives, so a failure is
 * no failure of the replacement (a caller told "failed" would take it
 * that nothing changed, and forget the change it journaled): HP_OK, with
 * the failure noted in e (code HP_OK, e->sys set) for a caller who wants
 * to report it.  A crash before the sync shows the file wholly old or
 * wholly new, as at any other step. */
static int sync_dir(int dirfd, const char *name, hp_err *e)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : fsync(fd);
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        hp_err_sys(e, HP_OK, err, "%s was replaced but its directory could "
                   "not be synced", name);
    return HP_OK;
}

char *hp_af_buffer(size_t cap)
{
    char *buf = malloc(cap + 1);
    long pg = sysconf(_SC_PAGESIZE);
    if (buf && cap >= 16 * 4096 && pg > 0) {
        uintptr_t a = ((uintptr_t)buf + (uintptr_t)pg - 1) &
                      ~((uintptr_t)pg - 1);
        uintptr_t end = ((uintptr_t)buf + cap + 1) & ~((uintptr_t)pg - 1);
        if (end > a)
            (void)madvise((void *)a, end - a, MADV_POPULATE_WRITE);
    }
    return buf;
}

/* The whole file: one read when it is the size fstat said (size_hint),
 * then one that sees its end; a file that grows meanwhile is still read
 * whole, the buffer doubling. */
static int read_fd(int fd, size_t max, size_t size_hint, char **data,
                   size_t *len)
{
    size_t cap = size_hint < 4096 ? 4096 : size_hint + 1, n = 0;
    if (cap > max && max > 4096)
        cap = max + 1;
    char *buf = hp_af_buffer(cap);
    if (!buf)
        return ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return EFBIG;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                return ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = errno;
            free(buf);
            return err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return EFBIG;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* Write `data` to a temp, fsync it and rename it to `final`. */
static int put_atomic(int dirfd, const char *tmpfor, const char *final,
                      const void *data, size_t len, hp_err *e)
{
    char tmp[256];
    int fd = temp_create(dirfd, tmpfor, tmp, e);
    if (fd < 0)
        return HP_EFAIL;
    int err = write_all(fd, data, len, -1);
    if (!err && fsync(fd) != 0)
        err = errno;
    close(fd);
    if (!err && renameat(dirfd, tmp, dirfd, final) != 0)
        err = errno;
    if (err) {
        unlinkat(dirfd, tmp, 0);
        return hp_err_sys(e, HP_EFAIL, err, "cannot write %s", final);
    }
    return sync_dir(dirfd, final, e);
}

/* rename(2) cannot replace a bind-mounted file (EBUSY: /etc/hosts in a
 * container) or one on another mount (EXDEV).  Then: save the old content
 * as NAME.hostpriv-bak (atomically, fsynced), overwrite the file in place
 * and truncate it only after the new bytes are written, fsync, and drop
 * the backup.  A crash in between leaves the backup, and the next replace
 * refuses until someone looked at it. */
static int replace_in_place(int dirfd, const char *name, const void *data,
                            size_t len, const hp_af_opts *o, hp_err *e)
{
    char bak[256], *old = NULL;
    size_t oldlen = 0;
    snprintf(bak, sizeof bak, "%s" BAK_SUFFIX, name);
    int fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot open %s to rewrite it "
                          "in place", name);
    int rc = HP_OK, err;
    if (!S_ISREG(st.st_mode))
        rc = hp_err_set(e, HP_EFAIL, "%s is not a regular file", name);
    else if (o->expect && !same_file(&st, o->expect))
        rc = hp_err_set(e, HP_EFAIL, "%s changed while we edited it; nothing "
                        "was written, run the command again", name);
    else if ((err = read_fd(fd, (size_t)-2, (size_t)st.st_size, &old,
                            &oldlen)) != 0)
        rc = hp_err_sys(e, HP_EFAIL, err, "cannot read %s", name);
    else
        rc = put_atomic(dirfd, name, bak, old, oldlen, e);
    if (rc != HP_OK) {
        close(fd);
        free(old);
        return rc;
    }
    err = write_all(fd, data, len, 0);
    if (!err && ftruncate(fd, (off_t)len) != 0)
        err = errno;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (err) {
        /* put the old bytes back; the backup stays if even that fails */
        int back = write_all(fd, old, oldlen, 0) == 0 &&
                   ftruncate(fd, (off_t)oldlen) == 0 && fsync(fd) == 0;
        if (back)
            unlinkat(dirfd, bak, 0);
        rc = hp_err_sys(e, HP_EFAIL, err, "in-place rewrite of %s failed%s",
                        name, back ? " (old content restored)"
                                   : "; the old content is in " BAK_SUFFIX);
    } else if (unlinkat(dirfd, bak, 0) != 0) {
        rc = hp_err_sys(e, HP_EFAIL, errno, "%s was rewritten in place but "
                        "its backup %s could not be removed", name, bak);
    } else {
        rc = sync_dir(dirfd, name, e);
    }
    close(fd);
    free(old);
    return rc;
}

/* Checks before anything is created: a sane name, no write into a user's
 * directory as root, no interrupted in-place rewrite, a regular file. */
static int preflight(int dirfd, const char *name, const hp_af_opts *o,
                     struct stat *st, int *exists, hp_err *e)
{
    int rc = name_ok(name, e);
    if (rc == HP_OK)
        rc = hp_sp_root_may_write(dirfd, name, e);
    if (rc != HP_OK)
        return rc;
    char bak[256];
    struct stat bs;
    snprintf(bak, sizeof bak, "%s" BAK_SUFFIX, name);
    if (fstatat(dirfd, bak, &bs, AT_SYMLINK_NOFOLLOW) == 0)
        return hp_err_set(e, HP_EFAIL,
                          "an earlier in-place rewrite of %s was interrupted: "
                          "%s holds its previous content. Check %s, restore "
                          "it from %s if it is damaged, then remove %s",
                          name, bak, name, bak, bak);
    *exists = fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!*exists && errno != ENOENT)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat %s", name);
    if (!*exists && !o->create)
        return hp_err_sys(e, HP_EFAIL, ENOENT, "%s does not exist", name);
    if (*exists && !S_ISREG(st->st_mode))
        return hp_err_set(e, HP_EFAIL,
                          "%s is %s, not a regular file: left alone", name,
                          S_ISLNK(st->st_mode) ? "a symlink" : "special");
    return check_expect(dirfd, name, o, e);
}

static int replace_locked(int dirfd, const char *name, const void *data,
                          size_t len, const hp_af_opts *o, hp_err *e)
{
    struct stat st;
    int exists = 0;
    int rc = preflight(dirfd, name, o, &st, &exists, e);
    if (rc != HP_OK)
        return rc;
    char tmp[256];
    int fd = temp_create(dirfd, name, tmp, e);
    if (fd < 0)
        return HP_EFAIL;
    fault(1);
    int err = write_all(fd, data, len, -1);
    if (err)
        rc = hp_err_sys(e, HP_EFAIL, err, "cannot write new %s", name);
    else
        fault(2);
    if (rc == HP_OK)
        rc = set_meta(dirfd, fd, name, exists ? &st : NULL, o, e);
    if (rc == HP_OK && fsync(fd) != 0)
        rc = hp_err_sys(e, HP_EFAIL, errno, "cannot sync new %s", name);
    close(fd);
    if (rc == HP_OK)
        fault(3);
    if (rc == HP_OK)
        rc = check_expect(dirfd, name, o, e);
    if (rc == HP_OK && renameat(dirfd, tmp, dirfd, name) != 0) {
        err = errno;
        if (exists && (err == EBUSY || err == EXDEV)) {
            unlinkat(dirfd, tmp, 0);
            return replace_in_place(dirfd, name, data, len, o, e);
        }
        rc = hp_err_sys(e, HP_EFAIL, err, "cannot rename the new %s into "
                        "place", name);
    }
    if (rc != HP_OK) {
        unlinkat(dirfd, tmp, 0);
        return rc;
    }
    fault(4);
    rc = sync_dir(dirfd, name, e);
    fault(5);
    return rc;
}

int hp_af_replace(int dirfd, const char *name, const void *data, size_t len,
                  const hp_af_opts *o, hp_err *e)
{
    static const hp_af_opts defaults = { 0644, (uid_t)-1, (gid_t)-1, 0, NULL };
    if (!o)
        o = &defaults;
    int rc = name_ok(name, e);
    if (rc != HP_OK)
        return rc;
    /* One writer of the directory at a time (shared with a caller that
     * holds it already).  With the lock held no writer of ours is half
     * way, so a temp of this name still there is a killed writer's: it
     * goes, or a crash would leave it for good (and the directory could
     * never be removed again). */
    hp_err le = HP_ERR_INIT;
    int lk = hp_af_lock_dir(dirfd, &le);
    if (lk < 0) {
        if (e)
            *e = le;
        return le.code ? le.code : HP_EFAIL;
    }
    hp_af_clean_temps(dirfd, name);
    rc = replace_locked(dirfd, name, data, len, o, e);
    hp_af_unlock(lk);
    return rc;
}

int hp_af_open_read(int dirfd, const char *name, size_t max, int *fdp,
                    struct stat *st, hp_err *e)
{
    struct stat pre, s;
    *fdp = -1;
    /* look before opening: opening a device or FIFO can have effects */
    if (fstatat(dirfd, name, &pre, AT_SYMLINK_NOFOLLOW) != 0)
        return hp_err_sys(e, HP_EFAIL, errno,
                          errno == ENOENT ? "%s does not exist"
                                          : "cannot stat %s", name);
    if (!S_ISREG(pre.st_mode))
        return hp_err_set(e, HP_EFAIL, "%s is %s, not a regular file: refusing "
                          "to read it", name,
                          S_ISLNK(pre.st_mode) ? "a symlink"
                          : S_ISFIFO(pre.st_mode) ? "a FIFO" : "special");
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot open %s", name);
    int rc = HP_OK;
    if (fstat(fd, &s) != 0)
        rc = hp_err_sys(e, HP_EFAIL, errno, "cannot stat %s", name);
    else if (!S_ISREG(s.st_mode))
        rc = hp_err_set(e, HP_EFAIL, "%s is not a regular file", name);
    else if ((size_t)s.st_size > max)
        rc = hp_err_set(e, HP_EFAIL, "%s is %lld bytes, more than the %zu "
                        "allowed", name, (long long)s.st_size, max);
    if (rc != HP_OK) {
        close(fd);
        return rc;
    }
    *fdp = fd;
    if (st)
        *st = s;
    return HP_OK;
}

int hp_af_read(int dirfd, const char *name, size_t max, char **data,
               size_t *len, struct stat *st, hp_err *e)
{
    struct stat s;
    int fd, err;
    *data = NULL;
    *len = 0;
    int rc = hp_af_open_read(dirfd, name, max, &fd, &s, e);
    if (rc != HP_OK)
        return rc;
    if ((err = read_fd(fd, max, (size_t)s.st_size, data, len)) != 0)
        rc = hp_err_sys(e, HP_EFAIL, err, "cannot read %s", name);
    close(fd);
    if (rc == HP_OK && st)
        *st = s;
    return rc;
}

/* ".NAME.hp-XXXXXX" with six alphanumerics, nothing else. */
static int is_our_temp(const char *ent, const char *name)
{
    size_t n = strlen(name);
    if (ent[0] != '.' || strncmp(ent + 1, name, n) ||
        strncmp(ent + 1 + n, TMP_TAG, strlen(TMP_TAG)))
        return 0;
    const char *r = ent + 1 + n + strlen(TMP_TAG);
    if (strlen(r) != 6)
        return 0;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') ||
              (*r >= '0' && *r <= '9')))
            return 0;
    return 1;
}

int hp_af_clean_temps(int dirfd, const char *name)
{
    if (name_ok(name, NULL) != HP_OK)
        return 0;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!is_our_temp(de->d_name, name) ||
            fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            unlinkat(dirfd, de->d_name, 0) == 0)
            count++;
    }
    closedir(d);
    return count;
}
