/* The sudoers rule line for one user and one hostpriv.  Every check is
 * made before the digest is taken: the rule must never name a path that
 * another user could fill, nor be read by sudo as something else. */
#include "sudoers.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/sha256.h"
#include "host/rootonly.h"

/* A user name sudoers reads as a plain name: no alias, %group, #uid, +
 * netgroup or quoting needed. */
static int plain_user(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n > 32 || u[0] == '-' || u[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)u[i]) && !strchr("._-", u[i]))
            return 0;
    return 1;
}

/* sudoers gives white space , : = \ " ' and the glob characters a
 * meaning in a command; a path without them needs no escaping. */
static int plain_path(const char *p)
{
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/._+-@%~", *p))
            return 0;
    return 1;
}

static int digest(const char *path, char hex[65], hp_err *e)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "%s", path);
    struct stat st;
    int rc = HP_OK;
    if (fstat(fd, &st) != 0)
        rc = hp_err_sys(e, HP_ECONFIG, errno, "%s", path);
    else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        rc = hp_err_set(e, HP_ECONFIG, "%s is not an executable file", path);
    else if (hp_sha256_fd_hex(fd, hex) != 0)
        rc = hp_err_sys(e, HP_ECONFIG, errno, "reading %s", path);
    close(fd);
    return rc;
}

int hp_sudoers_rule(const char *user, const char *path, char *out, size_t n,
                    hp_err *e)
{
    if (!user || !plain_user(user))
        return hp_err_set(e, HP_EUSAGE, "user '%s': sudoers names a user by "
                          "letters, digits, '.', '_' and '-' (not starting "
                          "with '-' or '.'); give the login name",
                          user ? user : "");
    if (!path || path[0] != '/')
        return hp_err_set(e, HP_ECONFIG, "%s: not an absolute path",
                          path ? path : "");
    if (!plain_path(path))
        return hp_err_set(e, HP_ECONFIG, "%s: the path has characters "
                          "sudoers gives a meaning (white space , : = \\ "
                          "quotes * ? [ and the like): install hostpriv at a "
                          "plain path", path);
    hp_err re = HP_ERR_INIT;
    if (hp_root_only(path, &re) != HP_OK)
        return hp_err_set(e, HP_ECONFIG, "a sudoers rule may only name a "
                          "program no other user can replace: %s; install "
                          "hostpriv under a root-owned directory (make "
                          "install puts it in /usr/local/bin)", re.msg);
    char hex[65];
    int rc = digest(path, hex, e);
    if (rc != HP_OK)
        return rc;
    int k = snprintf(out, n, "%s ALL=(root) NOPASSWD: sha256:%s %s "
                     "privileged *\n", user, hex, path);
    if (k < 0 || (size_t)k >= n)
        return hp_err_set(e, HP_EINTERNAL, "sudoers rule: buffer too small");
    return HP_OK;
}
