/* A path only root can create or change.  A sudoers rule names a program
 * by path; when another user could ever recreate that path (a directory
 * of theirs, a world-writable tree once the directory is gone) the rule
 * would be theirs to use.  Stricter than the safe walk of safepath.c,
 * which accepts root-owned sticky directories: those are fine to read
 * through, not to be named by a rule that outlives what is there. */
#include "rootonly.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int judge(const struct stat *sb, const char *shown, hp_err *e)
{
    if (S_ISLNK(sb->st_mode))
        return hp_err_set(e, HP_ECONFIG, "%s is a symbolic link: name the "
                          "real path", shown);
    if (sb->st_uid != 0 || (sb->st_mode & 022))
        return hp_err_set(e, HP_ECONFIG, "%s is %s (uid %ld, mode %04o): "
                          "another user could create what lies below it; it "
                          "must be root-owned and writable by root alone "
                          "(chown root; chmod go-w)", shown,
                          sb->st_uid != 0 ? "not owned by root"
                                          : "writable by group or others",
                          (long)sb->st_uid, (unsigned)(sb->st_mode & 07777));
    return HP_OK;
}

/* One component below fd (which is replaced by it), judged. */
static int step(int *fd, const char *name, const char *shown, hp_err *e)
{
    struct stat sb;
    int next = openat(*fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int rc = next < 0 || fstat(next, &sb) != 0
                 ? hp_err_sys(e, HP_ECONFIG, errno, "%s", shown)
                 : judge(&sb, shown, e);
    close(*fd);
    *fd = next;
    return rc;
}

int hp_root_only(const char *path, hp_err *e)
{
    if (!path || path[0] != '/' || strlen(path) >= PATH_MAX)
        return hp_err_set(e, HP_ECONFIG, "%s: not an absolute path",
                          path ? path : "");
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    struct stat sb;
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return hp_err_sys(e, HP_ECONFIG, err, "open /");
    }
    int rc = judge(&sb, "/", e);
    for (char *p = buf + 1, *slash; rc == HP_OK && p && *p; p = slash) {
        slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (!strcmp(p, ".") || !strcmp(p, ".."))
            rc = hp_err_set(e, HP_ECONFIG, "%s: name the path without . or "
                            "..", path);
        else if (*p)
            rc = step(&fd, p, buf, e);
        if (slash)
            *slash++ = '/';
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
