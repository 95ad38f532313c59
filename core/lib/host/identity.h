/* Acting as the app's user.  A root process never writes into a directory a
 * user owns with root's rights: it runs that step in a child that has
 * dropped to the user's uid/gid (groups cleared), so the kernel checks the
 * user's rights and new files belong to the user. */
#ifndef HP_IDENTITY_H
#define HP_IDENTITY_H
#include <sys/types.h>
#include "base/err.h"

typedef int (*hp_user_fn)(void *arg, hp_err *e);

/* Run fn(arg, e) as uid/gid.  When the process already is that uid it is
 * called directly; when root, in a forked child (setgroups(0), setresgid,
 * setresuid) whose code and message come back over a pipe; otherwise
 * HP_EDENIED.  Returns fn's code. */
int hp_as_user(uid_t uid, gid_t gid, hp_user_fn fn, void *arg, hp_err *e);

/* passwd lookups, copying into caller buffers. */
int hp_user_lookup(const char *name, uid_t *uid, gid_t *gid, char *home,
                   size_t homesz, char *shell, size_t shellsz, hp_err *e);
int hp_user_lookup_uid(uid_t uid, char *name, size_t namesz, hp_err *e);
#endif
