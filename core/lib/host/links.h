/* Symlinks hostpriv owns.  Install creates, or atomically replaces (temp
 * name + renameat), only a link that is absent or already ours; a regular
 * file, directory, socket or link pointing elsewhere is left alone and
 * reported.  Remove deletes a link only while readlinkat still shows our
 * target. */
#ifndef HP_LINKS_H
#define HP_LINKS_H
#include "base/err.h"

enum hp_link_state {
    HP_LINK_ABSENT = 0,
    HP_LINK_OURS,          /* a symlink to exactly `target` */
    HP_LINK_FOREIGN,       /* a symlink elsewhere */
    HP_LINK_NOT_LINK       /* file, directory, socket, fifo, ... */
};

/* enum hp_link_state, or -HP_EFAIL when name cannot be inspected. */
int hp_link_state(int dirfd, const char *name, const char *target);
/* HP_OK (also when already ours; *created = 1 only when made now),
 * HP_EFAIL when something else is there (message names it), HP_ECONFIG
 * for a name hp_link_name_valid refuses, HP_EDENIED as root in a
 * directory a user owns (run it as the user: the link is then theirs). */
int hp_link_install(int dirfd, const char *name, const char *target,
                    int *created, hp_err *e);
/* `ln -s -f` for the boot task: like install, but a foreign *symlink* is
 * replaced too (never a file, directory or socket): renameat2
 * RENAME_EXCHANGE swaps our new link in and swaps back if what came out
 * is not a symlink. */
int hp_link_force(int dirfd, const char *name, const char *target, hp_err *e);
/* HP_OK when removed or absent; HP_EFAIL (left alone) when not ours.  The
 * link is moved aside and checked again before it is deleted, so a name
 * replaced meanwhile is put back, not removed. */
int hp_link_remove(int dirfd, const char *name, const char *target, hp_err *e);
/* A link name from host.cli_tools: not empty, no '/', not "." or "..", no
 * leading '-', printable ASCII, at most 255 bytes. */
int hp_link_name_valid(const char *name, hp_err *e);
#endif
