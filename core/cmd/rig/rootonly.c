/* A path only root can create or change: every component from / down to
 * the last one is owned by root, writable by neither group nor others
 * (no sticky-bit exception: /tmp is exactly what must fail), and none is a
 * symbolic link.  The sudoers rule names the staged hostpriv by path, so
 * that path must be one no other user can ever recreate, also after the
 * rig was killed and the stage wiped. */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int judge(const struct stat *sb, const char *shown, char *err,
                 size_t errn)
{
    if (S_ISLNK(sb->st_mode)) {
        snprintf(err, errn, "%s is a symbolic link: name the real path",
                 shown);
        return -1;
    }
    if (sb->st_uid != 0 || (sb->st_mode & 022)) {
        snprintf(err, errn, "%s is %s (uid %ld, mode %04o): another user "
                 "could create what lies below it; it must be root-owned "
                 "and writable by root alone (chown root; chmod go-w)",
                 shown, sb->st_uid != 0 ? "not owned by root"
                                        : "writable by group or others",
                 (long)sb->st_uid, (unsigned)(sb->st_mode & 07777));
        return -1;
    }
    return 0;
}

int hp_rig_root_only(const char *path, char *err, size_t errn)
{
    if (path[0] != '/' || strlen(path) >= PATH_MAX) {
        snprintf(err, errn, "%s: not an absolute path", path);
        return -1;
    }
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat sb;
    int rc = fd >= 0 && fstat(fd, &sb) == 0 ? judge(&sb, "/", err, errn) : -1;
    if (fd < 0)
        snprintf(err, errn, "open /: %s", strerror(errno));
    /* component by component, each opened below the previous one */
    for (char *p = buf + 1, *slash; rc == 0 && p && *p; p = slash) {
        slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (!strcmp(p, ".") || !strcmp(p, "..")) {
            snprintf(err, errn, "%s: name the path without . or ..", path);
            rc = -1;
        } else if (*p) {
            int next = openat(fd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0 || fstat(next, &sb) != 0) {
                snprintf(err, errn, "%s: %s", buf, strerror(errno));
                rc = -1;
            } else {
                rc = judge(&sb, buf, err, errn);
            }
            close(fd);
            fd = next;
        }
        if (slash)
            *slash++ = '/';
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
