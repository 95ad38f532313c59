/* /etc/hosts editing.  Entries hostpriv adds live in a managed block between
 * the markers Docker Desktop uses (a block that is there already is used;
 * it may hold lines of others).  Everything else is kept byte for byte
 * (CRLF, no final newline, comments, tabs, junk); removing what hostpriv
 * added restores the file byte-identical.  Text transforms are pure
 * functions so they are tested alone; the file functions add locking,
 * change detection and the atomic rewrite. */
#ifndef HP_HOSTSFILE_H
#define HP_HOSTSFILE_H
#include <stddef.h>
#include "base/err.h"

#define HP_HOSTS_BEGIN "# Added by Docker Desktop"
#define HP_HOSTS_END   "# End of section"
#define HP_HOSTS_MAX   (64u * 1024 * 1024)

typedef struct hp_hosts_entry {
    const char *addr;      /* "127.0.0.1" */
    const char *name;      /* "kubernetes.docker.internal" */
} hp_hosts_entry;

/* RFC 1123 host name: labels [A-Za-z0-9-], not starting/ending with '-',
 * 1..63 bytes, name <= 253, no trailing dot, no '*', no whitespace, '#' or
 * control bytes.  Errors name the offending byte or label. */
int hp_hosts_name_valid(const char *name, hp_err *e);
/* Strict numeric address (inet_pton only: no "127.1", no octal, no scope
 * "%en0", no IPv4-mapped IPv6); loopback only. */
int hp_hosts_addr_valid(const char *addr, hp_err *e);

/* Invalid names or addresses (above, and localhost mapped to anything but
 * 127.0.0.1 or ::1): HP_EUSAGE from every function below, nothing
 * written. */

/* What a name resolves to is decided the way a first-match lookup does it
 * (glibc's files backend, macOS's): the first active line that names it
 * with an address of the entry's family.  An entry is present when that
 * line carries its address.  A line of that family with another address
 * (10.0.0.9 for an IPv4 entry; an IPv4-mapped IPv6 address too, which
 * glibc maps for IPv4 lookups) is a conflict: the lookup stops there.
 * Lines of the other family (::1 for an IPv4 entry) neither count nor
 * conflict. */

/* 1 when a first-match lookup of ent->name returns ent->addr (any white
 * space, extra aliases, CRLF, case of the name), else 0. */
int hp_hosts_has(const char *text, size_t len, const hp_hosts_entry *ent);

/* The record of what hostpriv wrote into a hosts file, kept by the journal
 * (the EXTRA of its HP_J_HOSTS entry) so that removal takes out exactly
 * that, even after the user edited the file: fields separated by
 * HP_HOSTS_REC_SEP, each HP_HOSTS_REC_MARKERS (hostpriv wrote the block's
 * two markers) or one line's content exactly as written ("ADDR NAME").
 * The record of a later edit is appended with the separator. */
#define HP_HOSTS_REC_SEP     ";"
#define HP_HOSTS_REC_MARKERS "markers"

/* New text in which every entry resolves: the missing ones are added
 * inside the managed block, in the file's line-ending style.  Where: just
 * before the first line that maps one of them elsewhere (a conflict), else
 * just before the block's end marker; without a block, a new one goes
 * before that conflicting line, else at the end.  The user's lines are
 * never changed.  *out is NULL when every entry resolves (nothing to
 * write).  rec (may be NULL) receives the record of what was added
 * (malloc'd; NULL when nothing was).  Refused with the text untouched:
 * malformed markers (duplicated, reversed, nested, unterminated) and a
 * conflict above an existing block (an entry inside it could not win)
 * with HP_EFAIL; one name asked for with two addresses of a family with
 * HP_EUSAGE. */
int hp_hosts_add(const char *text, size_t len, const hp_hosts_entry *ents,
                 size_t n, char **out, size_t *outlen, char **rec,
                 hp_err *e);
/* New text without what rec says hostpriv added: each recorded line takes
 * out the first line inside the block with exactly that content (one a
 * line; gone or edited lines are the user's now and stay), the markers go
 * when recorded.  When the block is then empty it goes whole, with the
 * separator hp_hosts_add put before it, so add-then-remove is
 * byte-identical.  rec NULL (a journal entry written before hostpriv
 * recorded its lines): the whole block.  *out NULL when nothing is to be
 * taken out.  How the separator is remembered: when add had to put a
 * newline before the block (the file did not end in one) it writes the end
 * marker without a newline, as the file's last bytes; a block at EOF with
 * an unterminated end marker therefore tells remove to drop the newline
 * before the begin marker too.  A malformed rec: HP_EFAIL. */
int hp_hosts_remove(const char *text, size_t len, const char *rec,
                    char **out, size_t *outlen, hp_err *e);

/* File level, under rootfd: lock the directory, read, transform, atomic
 * replace (keeping owner, mode, xattrs); *changed = 1 when written.  A
 * missing hosts file is created (root:root 0644).  A symlink at hpath is
 * followed only when root-owned in a root-owned directory writable by no
 * one else (then its target is edited and the link stays).  Someone else
 * changing the file between our read and our rename is detected: one
 * re-read and retry, then HP_EFAIL.  Nothing is journaled here: ensure
 * hands back the record (*rec, NULL unless written) for the caller to
 * journal, remove takes it. */
int hp_hosts_ensure_file(int rootfd, const char *hpath,
                         const hp_hosts_entry *ents, size_t n, int *changed,
                         char **rec, hp_err *e);
int hp_hosts_remove_file(int rootfd, const char *hpath, const char *rec,
                         int *changed, hp_err *e);
/* 1 when every entry resolves, 0 when not, <0 -code on error.  One read,
 * one pass, nothing written. */
int hp_hosts_check_file(int rootfd, const char *hpath,
                        const hp_hosts_entry *ents, size_t n, hp_err *e);
/* 0 when hp_hosts_ensure_file would find nothing to write (every entry
 * resolves, the markers are sound) and no editor's lock file is in the
 * directory: read only, no lock, so a caller can skip what it does
 * before an edit (the journal's write-ahead entry).  1 otherwise, errors
 * included: the edit itself reports them, and clears what a killed
 * editor left. */
int hp_hosts_ensure_needed(int rootfd, const char *hpath,
                           const hp_hosts_entry *ents, size_t n);
#endif
