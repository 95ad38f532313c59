/* One editor at a time per directory, through a lock no other user can
 * take.  flock(2) on the directory itself would let anyone who can read
 * /etc stall root's edits; instead the lock is a file ".hostpriv.lock"
 * created in the directory by the locking process, owned by it and mode
 * 0600, so only a process of the same user (for root's directories: only
 * root) can open it.  The file exists only while the lock is held: the
 * last unlock removes it before releasing, and a waiter that finds it
 * removed takes the new one (the usual lock-file-with-unlink protocol),
 * so the host is left as it was. */
#ifndef HP_DIRLOCK_H
#define HP_DIRLOCK_H
#include "base/err.h"

#define HP_DIRLOCK_NAME ".hostpriv.lock"

/* Lock dirfd's directory (the caller must be able to create files there,
 * as it does to edit them).  Returns an fd for hp_af_unlock, or -1 with e
 * set: e->sys EBUSY after the wait bound, ENOENT when the directory was
 * removed meanwhile (the caller may look again).  A directory this
 * process holds already is shared (nested: the journal written while the
 * hosts editor holds /etc), never waited for.  A lock file that is not a
 * regular file of the caller's with mode 0600 is refused and left alone. */
int hp_af_lock_dir(int dirfd, hp_err *e);
/* Remove the lock file now, keeping the lock until hp_af_unlock (for an
 * editor about to remove the directory itself). */
void hp_af_lock_drop_name(int lockfd);
void hp_af_unlock(int lockfd);
/* In a child after fork(): the locks the parent held are not this
 * process's (its descriptors may be closed or reused here); forget them
 * without touching the files. */
void hp_af_locks_forget(void);
/* How long hp_af_lock_dir waits for another process of the same user
 * (default 20000 ms).  The helper sets a short bound: its one loop serves
 * every client and must not stall behind another root process. */
void hp_af_set_lock_wait(int ms);
#endif
