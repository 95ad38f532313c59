/* Safe path walking under host.root (systemd's CHASE_SAFE).  Host paths are
 * absolute and written as if host.root were "/"; each component is opened
 * with O_NOFOLLOW (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the
 * kernel has it).  A symlink inside a path is followed only when the link
 * and its directory are root-owned and writable by no one else
 * (/var/run -> /run, /etc -> /private/etc), its target is re-rooted under
 * host.root, and the walk never leaves host.root.  When the process is
 * root it never steps from a directory owned by a non-root user into an
 * inode owned by someone else. */
#ifndef HP_SAFEPATH_H
#define HP_SAFEPATH_H
#include <limits.h>
#include <sys/types.h>
#include "base/err.h"


/* Open host directory hpath (O_DIRECTORY|O_CLOEXEC) under rootfd.  ".."
 * pops back through the directories walked (never above host.root); at
 * most 40 symlinks.  Errors: HP_EFAIL with e->sys ENOENT (missing),
 * ENOTDIR, ELOOP (a link not followed, or too many); HP_EDENIED (EPERM)
 * for the owner rule.  A directory the caller cannot read comes back as
 * an O_PATH fd (usable as a dirfd, not for fsync/flock). */
int hp_sp_open_dir(int rootfd, const char *hpath, int *dirfd, hp_err *e);
/* Open the directory holding hpath's last component; leaf receives that
 * component (checked: not empty, not "." or "..").  The last component
 * itself is not followed. */
int hp_sp_open_parent(int rootfd, const char *hpath, int *dirfd,
                      char leaf[256], hp_err *e);
/* What hp_sp_mkdir_p created, outermost first: directory i is the first
 * len[i] bytes of path (a resolved host path).  The walk only reports;
 * recording it (the journal) is the caller's business. */
#define HP_SP_MAXMADE 64
typedef struct hp_sp_made {
    char path[PATH_MAX];
    size_t len[HP_SP_MAXMADE];
    int n;
} hp_sp_made;
/* mkdir -p of host path hpath with mode/uid/gid for each directory it
 * creates (uid/gid (uid_t)-1 = the caller's; mode exactly, umask aside);
 * each created directory is reported in made (may be NULL), also when a
 * later step fails.  As root inside a directory a user owns, only a
 * directory for that same user is made, by a child running as that user;
 * anything else is HP_EDENIED.  More than HP_SP_MAXMADE new levels with
 * made given: HP_EUSAGE before anything is created below the limit. */
int hp_sp_mkdir_p(int rootfd, const char *hpath, mode_t mode, uid_t uid,
                  gid_t gid, hp_sp_made *made, hp_err *e);

/* Root-process checks (docs/ARCHITECTURE.md, "privilege boundary";
 * HP_ECONFIG when unsafe, the message says how to fix it): `path` (a real path) and every parent
 * root-owned and not group/world-writable (a root-owned sticky directory
 * such as /tmp counts as safe).  Symlinks in the path: only root-owned
 * ones in safe directories.  dir: must be a directory; file: a regular
 * file, not a symlink. */
int hp_sp_check_safe_dir(const char *path, hp_err *e);
int hp_sp_check_safe_file(const char *path, hp_err *e);

/* HP_OK unless this process is root and dirfd is owned by another user:
 * root never writes into a user's directory with its own rights (the step
 * must run as that user, identity.h).  `what` names the file for the
 * message. */
int hp_sp_root_may_write(int dirfd, const char *what, hp_err *e);

/* 1 when uid may create entries in the directory (dirfd): owner/group/other
 * write+search bits of that uid/gid against st_mode (ACLs aside). */
int hp_sp_uid_can_write(int dirfd, uid_t uid, gid_t gid);
#endif
