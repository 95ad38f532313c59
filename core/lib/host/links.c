/* Symlinks hostpriv owns (links.h).  A name is only ever created where
 * nothing is (symlinkat fails on anything there), replaced only when it is
 * a symlink (checked atomically with RENAME_EXCHANGE), and removed only
 * while it still points at our target, so a user's file, directory,
 * another daemon's socket or their own link is never clobbered. */
#include "links.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int hp_link_name_valid(const char *name, hp_err *e)
{
    const char *why = NULL;
    size_t n = name ? strlen(name) : 0;
    if (!n)
        why = "it is empty";
    else if (n > 255)
        why = "it is longer than 255 bytes";
    else if (!strcmp(name, ".") || !strcmp(name, ".."))
        why = "it is . or ..";
    else if (name[0] == '-')
        why = "it starts with '-'";
    for (size_t i = 0; !why && i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/')
            why = "it contains '/'";
        else if (c <= 0x20 || c >= 0x7f)
            why = "it contains a space, control or non-ASCII byte";
    }
    if (!why)
        return HP_OK;
    return hp_err_set(e, HP_ECONFIG,
                      "link name \"%.*s\" is not allowed: %s; fix "
                      "host.cli_tools", (int)(n > 64 ? 64 : n),
                      name ? name : "", why);
}

static int target_ok(const char *target, hp_err *e)
{
    if (!target || !*target || strlen(target) >= PATH_MAX)
        return hp_err_set(e, HP_EINTERNAL, "bad symlink target");
    return HP_OK;
}

/* st receives what is at name; buf its target when a symlink. */
static int state_of(int dirfd, const char *name, const char *target,
                    struct stat *st)
{
    if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? HP_LINK_ABSENT : -HP_EFAIL;
    if (!S_ISLNK(st->st_mode))
        return HP_LINK_NOT_LINK;
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
    if (n < 0)
        return errno == ENOENT ? HP_LINK_ABSENT : -HP_EFAIL;
    return (size_t)n == strlen(target) && !memcmp(buf, target, (size_t)n)
               ? HP_LINK_OURS
               : HP_LINK_FOREIGN;
}

int hp_link_state(int dirfd, const char *name, const char *target)
{
    struct stat st;
    return state_of(dirfd, name, target, &st);
}

static const char *kind_of(mode_t m)
{
    return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory"
         : S_ISSOCK(m) ? "a socket" : S_ISFIFO(m) ? "a FIFO"
         : S_ISLNK(m) ? "a symlink" : "a special file";
}

static int occupied(int dirfd, const char *name, int st, hp_err *e)
{
    struct stat s;
    char buf[PATH_MAX] = "?";
    if (st == HP_LINK_FOREIGN) {
        ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
        return hp_err_set(e, HP_EFAIL, "%s is a symlink to %s, not ours: left "
                          "alone; remove it yourself to let hostpriv link it",
                          name, buf);
    }
    if (st == HP_LINK_NOT_LINK && fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW) == 0)
        return hp_err_set(e, HP_EFAIL, "%s is %s: left alone; move it away to "
                          "let hostpriv link it", name, kind_of(s.st_mode));
    return hp_err_sys(e, HP_EFAIL, errno, "cannot inspect %s", name);
}

static int prepare(int dirfd, const char *name, const char *target, hp_err *e)
{
    int rc = hp_link_name_valid(name, e);
    if (rc == HP_OK)
        rc = target_ok(target, e);
    if (rc == HP_OK)
        rc = hp_sp_root_may_write(dirfd, name, e);
    return rc;
}

int hp_link_install(int dirfd, const char *name, const char *target,
                    int *created, hp_err *e)
{
    if (created)
        *created = 0;
    int rc = prepare(dirfd, name, target, e);
    if (rc != HP_OK)
        return rc;
    int st = hp_link_state(dirfd, name, target);
    if (st == HP_LINK_OURS)
        return HP_OK;
    if (st != HP_LINK_ABSENT)
        return occupied(dirfd, name, st, e);
    /* symlinkat fails with EEXIST on anything that appeared meanwhile */
    if (symlinkat(target, dirfd, name) != 0) {
        int err = errno;
        st = hp_link_state(dirfd, name, target);
        if (st == HP_LINK_OURS)
            return HP_OK;
        if (err == EEXIST)
            return occupied(dirfd, name, st, e);
        return hp_err_sys(e, HP_EFAIL, err, "cannot create symlink %s", name);
    }
    if (created)
        *created = 1;
    return HP_OK;
}

static int tmp_link(int dirfd, const char *name, const char *target,
                    char tmp[300], hp_err *e)
{
    for (int i = 0; i < 100; i++) {
        unsigned r = 0;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = (unsigned)getpid() ^ (unsigned)clock() ^ (unsigned)i << 20;
        snprintf(tmp, 300, ".%.200s.hp-link-%08x", name, r);
        if (symlinkat(target, dirfd, tmp) == 0)
            return HP_OK;
        if (errno != EEXIST)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot create a temp link "
                              "next to %s", name);
    }
    return hp_err_set(e, HP_EFAIL, "no free temp name next to %s", name);
}

/* Swap our new link with whatever is at name; keep the swap only when
 * what came out is a symlink, else swap back.  No window where a file
 * that appeared after we looked gets overwritten. */
static int swap_in(int dirfd, const char *name, const char *tmp, hp_err *e)
{
    if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) != 0) {
        int err = errno;
        unlinkat(dirfd, tmp, 0);
        return hp_err_sys(e, HP_EFAIL, err, "cannot replace symlink %s", name);
    }
    struct stat s;
    if (fstatat(dirfd, tmp, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(s.st_mode)) {
        unlinkat(dirfd, tmp, 0);
        return HP_OK;
    }
    int err = renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0 ? 0 : errno;
    if (!err)
        unlinkat(dirfd, tmp, 0);
    return hp_err_set(e, HP_EFAIL, "%s stopped being a symlink while we "
                      "replaced it: left alone%s%s", name,
                      err ? "; it is now at " : "", err ? tmp : "");
}

int hp_link_force(int dirfd, const char *name, const char *target, hp_err *e)
{
    int rc = prepare(dirfd, name, target, e);
    if (rc != HP_OK)
        return rc;
    for (int tries = 0; tries < 3; tries++) {
        int st = hp_link_state(dirfd, name, target);
        if (st == HP_LINK_OURS)
            return HP_OK;
        if (st == HP_LINK_ABSENT) {
            if (symlinkat(target, dirfd, name) == 0)
                return HP_OK;
            if (errno == EEXIST)
                continue;
            return hp_err_sys(e, HP_EFAIL, errno, "cannot create symlink %s",
                              name);
        }
        if (st != HP_LINK_FOREIGN)
            return occupied(dirfd, name, st, e);
        char tmp[300];
        if ((rc = tmp_link(dirfd, name, target, tmp, e)) != HP_OK)
            return rc;
        return swap_in(dirfd, name, tmp, e);
    }
    return hp_err_set(e, HP_EFAIL, "%s keeps changing; try again", name);
}

int hp_link_remove(int dirfd, const char *name, const char *target, hp_err *e)
{
    int rc = hp_link_name_valid(name, e);
    if (rc == HP_OK)
        rc = target_ok(target, e);
    if (rc != HP_OK)
        return rc;
    int st = hp_link_state(dirfd, name, target);
    if (st == HP_LINK_ABSENT)
        return HP_OK;
    if (st != HP_LINK_OURS)
        return occupied(dirfd, name, st, e);
    if ((rc = hp_sp_root_may_write(dirfd, name, e)) != HP_OK)
        return rc;
    /* Move it aside first and look again: only our link is deleted, even if
     * the name was replaced between the check and the unlink. */
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".%.200s.hp-rm-%d", name, (int)getpid());
    if (renameat2(dirfd, name, dirfd, tmp, RENAME_NOREPLACE) != 0)
        return errno == ENOENT ? HP_OK
                               : hp_err_sys(e, HP_EFAIL, errno,
                                            "cannot remove symlink %s", name);
    if (hp_link_state(dirfd, tmp, target) == HP_LINK_OURS) {
        if (unlinkat(dirfd, tmp, 0) != 0)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", name);
        return HP_OK;
    }
    if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "%s changed while we removed "
                          "it; what was there is now %s", name, tmp);
    return hp_err_set(e, HP_EFAIL, "%s changed while we removed it: left alone",
                      name);
}
