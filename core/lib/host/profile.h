/* Shell-profile PATH editing for the pre-4.18 declined-links fallback:
 * ~/.docker/bin goes on PATH in the login profile of the user's shell,
 * inside markers, idempotent and removable byte-identically.  The file
 * functions must run as the user (identity.h hp_as_user). */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H
#include <stddef.h>
#include "base/err.h"

#define HP_PROFILE_BEGIN "# >>> docker desktop cli (hostpriv) >>>"
#define HP_PROFILE_END   "# <<< docker desktop cli (hostpriv) <<<"

/* Profile file relative to home for shell basename `shell`: zsh
 * ".zprofile"; bash ".bash_profile" when it exists in homefd, else
 * ".profile"; fish ".config/fish/config.fish"; anything else ".profile". */
const char *hp_profile_file(int homefd, const char *shell);
/* The lines (POSIX sh or fish syntax) that put bindir on PATH.  bindir is
 * absolute or "$HOME/..." (kept as a variable, so the home's bytes never
 * reach the file); other bytes are quoted for the shell.  HP_EUSAGE for
 * control bytes, ':' or a relative path, or when n is too small. */
int hp_profile_snippet(const char *shell, const char *bindir, char *out,
                       size_t n);
/* Pure text transforms; *out NULL when there is nothing to change. */
int hp_profile_add(const char *text, size_t len, const char *snippet,
                   char **out, size_t *outlen, hp_err *e);
int hp_profile_remove(const char *text, size_t len, char **out,
                      size_t *outlen, hp_err *e);
/* File level under rootfd: home is the host path of the home directory.
 * *file receives the host path edited.  *changed = 1 when written.  bindir
 * under home is written in $HOME form.  Missing directories (fish's
 * ~/.config/fish) are made 0755 as the caller; nothing is journaled here.
 * As root, a home root does not own is refused (HP_EINTERNAL): run these
 * through hp_as_user.  A profile that is the caller's own symlink
 * (dotfile managers) is followed.  remove_file edits only a file inside
 * home; a missing file or directory is "nothing to remove". */
int hp_profile_ensure_file(int rootfd, const char *home, const char *shell,
                           const char *bindir, char *file, size_t filesz,
                           int *changed, hp_err *e);
int hp_profile_remove_file(int rootfd, const char *home, const char *file,
                           int *changed, hp_err *e);
/* Whether the profile hp_profile_ensure_file would edit already has our
 * block putting bindir on PATH, exactly as it would write it: *has 1 or 0
 * (no file, no block, a block for another directory).  Reads with the
 * caller's rights (run it as the user); markers in a wrong order are an
 * error, as for editing. */
int hp_profile_check_file(int rootfd, const char *home, const char *shell,
                          const char *bindir, int *has, hp_err *e);
#endif
