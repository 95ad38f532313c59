/* Undo journal.  Every change hostpriv makes to the host is recorded so
 * `uninstall` reverts exactly that and nothing else, idempotently.  Root's
 * journal lives where only root writes (hp_path_root_state()/journal); the
 * user side's in ~/.docker/hostpriv/journal, written as the user.
 * Text format, one entry a line: KIND<TAB>HOSTPATH[<TAB>EXTRA], rewritten
 * atomically on every change under hp_af_lock_dir of its directory (the
 * file is re-read first, so concurrent writers lose nothing).  Paths or
 * EXTRA with a tab, CR or newline are refused (HP_EINTERNAL).  Opening
 * creates nothing; the first add creates the journal's directories and
 * records them as JDIR lines; once the journal has no entries it removes
 * its file and those directories (when empty), so install + uninstall
 * leaves the tree byte-identical.  Root's journal must be in a root-owned
 * directory (root never writes into a user's). */
#ifndef HP_JOURNAL_H
#define HP_JOURNAL_H
#include <sys/types.h>
#include "base/err.h"

enum hp_jkind {
    HP_J_DIR = 0,        /* a directory we created: rmdir when empty   */
    HP_J_FILE,           /* a file we created: unlink                   */
    HP_J_LINK,           /* a symlink to EXTRA: unlink while still ours */
    HP_J_HOSTS,          /* lines we added to a hosts file; EXTRA = the
                            record of them (hostsfile.h), each add's
                            appended; none: the whole managed block
                            (entries written before records were)     */
    HP_J_PROFILE,        /* our managed block in a shell profile;
                            EXTRA = the home (optional: the file's own
                            directory is used without it)              */
    HP_J_SERVICE         /* a service we installed, EXTRA = label: the
                            caller stops it before the files go         */
};

typedef struct hp_journal hp_journal;

int hp_journal_open(int rootfd, const char *hpath, hp_journal **out,
                    hp_err *e);
/* 1 when no writer's lock file is in the journal's directory (or there
 * is no directory): nobody is writing the journal and nobody was killed
 * writing it.  0 otherwise: the next hp_journal_add waits for a live
 * writer or clears what a killed one left.  Reads only. */
int hp_journal_idle(int rootfd, const char *hpath);
/* Record (deduplicated; an entry already present is not added twice). */
int hp_journal_add(hp_journal *j, int kind, const char *hpath,
                   const char *extra, hp_err *e);
int hp_journal_forget(hp_journal *j, int kind, const char *hpath, hp_err *e);
/* Write-ahead: record what is about to be made before making it, so no
 * change is ever on disk without its entry (a change whose entry cannot be
 * written is not made).  *added: 1 when the entry is new, 0 when it was
 * recorded already.  After the change, hp_journal_settle forgets a new
 * entry again when nothing was made (made 0).  An entry whose change never
 * happened (a kill between the two) costs nothing: undo leaves a link that
 * does not point where ours did and removes only our managed blocks; a
 * FILE entry removes the regular file at its path, so callers intend one
 * only for a path that was absent. */
int hp_journal_intend(hp_journal *j, int kind, const char *hpath,
                      const char *extra, int *added, hp_err *e);
int hp_journal_settle(hp_journal *j, int kind, const char *hpath, int made,
                      int added);
/* mkdir -p (hp_sp_mkdir_p) and record each directory it created, so
 * uninstall removes it; j NULL: nothing recorded.  A directory that could
 * not be recorded is removed again (it is new, hence empty). */
int hp_journal_mkdir_p(hp_journal *j, int rootfd, const char *hpath,
                       mode_t mode, uid_t uid, gid_t gid, hp_err *e);
/* Iterate newest first (the journal's own JDIR lines are not shown);
 * a non-zero return from fn stops and is returned. */
int hp_journal_each(hp_journal *j,
                    int (*fn)(void *arg, int kind, const char *hpath,
                              const char *extra),
                    void *arg);
/* Revert every entry newest first; each reverted entry is forgotten; a
 * thing no longer ours is left alone (warning in e, not an error).
 * HP_J_SERVICE entries are passed to stop_fn first (may be NULL).
 * Returns HP_OK with e->msg holding the warnings ("" when none).  A failed
 * stop_fn or revert stops the undo there (HP_EFAIL, what remains stays
 * journaled).  As root, an entry in a directory a user owns is reverted
 * with that user's rights (identity.h).  DIR entries that hold the journal
 * itself go after it.  Undo of an empty journal is a no-op. */
int hp_journal_undo(hp_journal *j,
                    int (*stop_fn)(void *arg, const char *label,
                                   const char *hpath),
                    void *arg, hp_err *e);
/* Revert and forget the one entry KIND HOSTPATH (as undo does); not
 * journaled: nothing to do, HP_OK.  A thing no longer ours is left alone
 * (warning in e). */
int hp_journal_undo_entry(hp_journal *j, int kind, const char *hpath,
                          hp_err *e);
/* Test builds: called at each step of a journal change besides those of
 * its atomic rewrite (hp_af_fault_hook): 1 its own directories made, not
 * yet recorded; 2 locked and read again; 3 written; 4 emptied: the file
 * removed; 5 its own directories removed; 6 hp_journal_mkdir_p's
 * directories made, not yet recorded.  Tests kill -9 there.  NULL in
 * production.
 * What a kill costs: at 1 (and 4) the journal's own directories stay,
 * empty (at 4 with the lock file), and nothing records them any more: a
 * record kept inside them cannot outlive them, and one written before
 * them has nowhere to go.  At 6 likewise the new directories, empty.
 * Every entry and every file is whole at every step. */
extern void (*hp_journal_fault_hook)(int step);
/* Whether it has entries; the journal file is removed once empty. */
int hp_journal_empty(const hp_journal *j);
void hp_journal_close(hp_journal *j);
#endif
