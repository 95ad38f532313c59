/* The sudoers rule that lets a user elevate through `sudo -n`:
 *
 *   USER ALL=(root) NOPASSWD: sha256:HEX PATH privileged *
 *
 * PATH is the hostpriv that elevation runs (elevate.c: elevate.command,
 * then the absolute path, then `privileged TASK ...`), HEX its SHA-256, so
 * sudo refuses any other file put at that path.  `hostpriv sudoers`
 * prints it and checks the installed one; the rig writes it for its runs. */
#ifndef HP_SUDOERS_H
#define HP_SUDOERS_H
#include <limits.h>
#include <stddef.h>
#include "base/err.h"

/* Where sudo reads its rules (@includedir in the main file). */
#define HP_SUDOERS_FILE "/etc/sudoers"
#define HP_SUDOERS_DIR  "/etc/sudoers.d"

/* Room for one rule line. */
#define HP_SUDOERS_RULE_MAX (PATH_MAX + 256)

/* The rule line (with its '\n') for user and the program at path.
 * HP_EUSAGE: a user name sudoers would read as something else.
 * HP_ECONFIG: path not absolute, with characters sudoers treats as
 * special, not a path only root can create (host/rootonly.h), or not a
 * regular executable file.  The digest is of the file as it is now. */
int hp_sudoers_rule(const char *user, const char *path, char *out, size_t n,
                    hp_err *e);

/* One line of the installed sudoers naming path for user. */
typedef struct hp_sudoers_hit {
    char file[PATH_MAX];
    int line;                   /* where the (logical) line starts */
    char text[1024];            /* white space folded, comment removed */
    int exact;                  /* the same as the wanted rule */
    char ignored[256];          /* "": sudo reads the file; else why not */
} hp_sudoers_hit;

/* The lines of main (a sudoers file) and of the files sudo reads from dir
 * (@includedir: no '.' in the name, not ending in '~') whose user is user
 * and that name path as a command.  want is the rule line to compare with
 * (hp_sudoers_rule), white space aside.  Fills at most max hits and
 * returns how many there are; -1 with e when a file cannot be read (the
 * files are root's: HP_EDENIED for anyone else).  A missing main or dir
 * is no error. */
int hp_sudoers_find(const char *main, const char *dir, const char *user,
                    const char *path, const char *want,
                    hp_sudoers_hit *hits, size_t max, hp_err *e);
#endif
