/* A small file of hostpriv's in the user's ~/.docker/hostpriv (the
 * recorded decisions, the 4.18 settings): the mechanics such a file
 * shares, its format left to its own module.  The file is host.home + rel,
 * reached under host.root with safepath (never through $HOME); a missing
 * file or directory reads as empty.  Changes run as the user: a root
 * process refuses to write into a home a user owns (identity.h).  The
 * directory is made on demand (0755), the file rewritten whole (0644,
 * hp_af_replace) under the directory lock, and a read-modify-write starts
 * over once when another writer replaced the file between our read and
 * our rename.  An edit that leaves nothing removes the file, as a clear
 * does. */
#ifndef HP_USERSTATE_H
#define HP_USERSTATE_H
#include <stddef.h>
#include "base/err.h"

typedef struct hp_ustate {
    const char *rel;    /* under the home: ".docker/hostpriv/NAME" */
    size_t max;         /* largest file read; a larger one is an error */
    /* Called as root with the home directory open: HP_OK when root may
     * write there.  NULL: hp_sp_root_may_write (HP_EDENIED for a home a
     * user owns). */
    int (*root_check)(int homefd, const char *home, hp_err *e);
} hp_ustate;

/* The file's whole text (NUL-terminated; "" and 0 when there is none) and
 * its host path, for messages. */
typedef int (*hp_ustate_read_fn)(void *arg, const char *path,
                                 const char *text, size_t len, hp_err *e);
/* Calls fn once with the file as it is; returns fn's code or the read's.
 * HP_EUSAGE for a home that is not an absolute path. */
int hp_ustate_read(const hp_ustate *f, int rootfd, const char *home,
                   hp_ustate_read_fn fn, void *arg, hp_err *e);

/* What an edit makes of the file: text NULL and remove 0 (as given to the
 * edit) leave it as it is; remove 1 takes it away; otherwise text (len
 * bytes, malloc'd, freed by hp_ustate_edit) replaces it. */
typedef struct hp_ustate_new {
    char *text;
    size_t len;
    int remove;
} hp_ustate_new;
/* Computes the new file from old (as hp_ustate_read_fn's text).  Called
 * again, with the other writer's text, when the file changed under the
 * first attempt: it must keep no state between calls.  An error code
 * leaves the file as it is. */
typedef int (*hp_ustate_edit_fn)(void *arg, const char *path,
                                 const char *old, size_t len,
                                 hp_ustate_new *out, hp_err *e);
/* One locked read-modify-write as described above.  adds 0 (the edit can
 * only take away): the directory is not made, and a missing one means
 * there is nothing to do. */
int hp_ustate_edit(const hp_ustate *f, int rootfd, const char *home,
                   int adds, hp_ustate_edit_fn fn, void *arg, hp_err *e);
/* Remove the file under the lock; only a regular file goes (anything else
 * is named and left).  No file: HP_OK. */
int hp_ustate_clear(const hp_ustate *f, int rootfd, const char *home,
                    hp_err *e);
#endif
