/* Atomic whole-file replacement (systemd write_string_file_atomic_at):
 * temp file in the same directory, owner/mode/xattrs copied, write, fsync,
 * renameat, fsync the directory.  Never renames after a failed write or
 * fsync.  When rename is impossible (EBUSY: a bind-mounted /etc/hosts in a
 * container; EXDEV) it falls back to an in-place rewrite that first writes
 * a backup NAME.hostpriv-bak (fsynced) and removes it after success. */
#ifndef HP_ATOMICFILE_H
#define HP_ATOMICFILE_H
#include <stddef.h>
#include <sys/stat.h>
#include "base/err.h"
#include "dirlock.h"

typedef struct hp_af_opts {
    mode_t mode;        /* for a new file; an existing file keeps its own */
    uid_t uid;          /* for a new file ((uid_t)-1: the caller's) */
    gid_t gid;
    int create;         /* 1: the file may not exist yet */
    /* When not NULL: fail (HP_EFAIL, "changed while we edited it") if the
     * file's st_dev/st_ino/st_size/st_mtim no longer match (checked before
     * the temp is made and again right before the rename); guards a
     * read-modify-write against a concurrent editor.  expect->st_ino == 0
     * means "it was absent when we looked". */
    const struct stat *expect;
} hp_af_opts;

/* Temp names are ".NAME.hp-XXXXXX"; only those are ever cleaned.  The
 * directory's lock (dirlock.h) is held for the replacement, taken here
 * when the caller does not hold it already; with it held, a temp of NAME
 * left by a writer killed mid-way is removed first.
 * o == NULL: an existing file, nothing else (create 0).  The name must be
 * a regular file (a symlink, FIFO or directory there is refused and left
 * alone).  As root in a directory a user owns: HP_EDENIED (run it as the
 * user, identity.h).  A leftover NAME.hostpriv-bak (an interrupted
 * in-place rewrite) makes it refuse until someone has looked at it. */
/* HP_OK means the new content is in place.  A failing fsync of the
 * directory after the rename (only the new name's durability in doubt)
 * is HP_OK too, noted in e with e->sys set. */
int hp_af_replace(int dirfd, const char *name, const void *data, size_t len,
                  const hp_af_opts *o, hp_err *e);
/* Read a regular file (O_NOFOLLOW|O_NONBLOCK, S_ISREG) of at most max
 * bytes into a malloc'd NUL-terminated buffer.  Missing: HP_EFAIL with
 * e->sys == ENOENT. */
int hp_af_read(int dirfd, const char *name, size_t max, char **data,
               size_t *len, struct stat *st, hp_err *e);
/* The same checks, the file left open for the caller to read in pieces
 * (*fd, close-on-exec; *st its fstat when st is not NULL). */
int hp_af_open_read(int dirfd, const char *name, size_t max, int *fd,
                    struct stat *st, hp_err *e);
/* malloc(cap + 1) for a file's content, read or about to be written.  A
 * large one is faulted in by one madvise rather than page by page as it
 * is filled (in a VM each fault is an exit: a 3 MB hosts file is 800 of
 * them, most of an edit's time).  free() it. */
char *hp_af_buffer(size_t cap);
/* Remove leftover temp files of ours for NAME in dirfd (".NAME.hp-*" that
 * are regular files owned by the caller); returns how many. */
int hp_af_clean_temps(int dirfd, const char *name);
/* Serialising editors of one directory: dirlock.h. */

/* Test builds: called at each step (1 temp created, 2 written, 3 fsynced,
 * 4 renamed, 5 directory fsynced) so tests can kill -9 there.  NULL in
 * production. */
extern void (*hp_af_fault_hook)(int step);
#endif
