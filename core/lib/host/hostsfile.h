/* /etc/hosts editing.  Entries hostpriv adds live in a managed block between
 * the markers Docker Desktop uses.  Everything outside the block is kept
 * byte for byte (CRLF, no final newline, comments, tabs, junk); removing the
 * block restores the file byte-identical.  Text transforms are pure
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

/* 1 when `addr name` is mapped by an active (uncommented) line anywhere in
 * text (any white space, extra aliases, CRLF), else 0. */
int hp_hosts_has(const char *text, size_t len, const hp_hosts_entry *ent);
/* New text with the missing entries added inside the managed block
 * (created at the end if absent, in the file's line-ending style).  *out is
 * NULL when nothing is missing (nothing to write).  Malformed markers
 * (duplicated, reversed, nested, unterminated): HP_EFAIL, text untouched. */
int hp_hosts_add(const char *text, size_t len, const hp_hosts_entry *ents,
                 size_t n, char **out, size_t *outlen, hp_err *e);
/* New text without the managed block (and the separator hp_hosts_add put
 * before it), so add-then-remove is byte-identical.  *out NULL when there
 * is no block.  How the separator is remembered: when add had to put a
 * newline before the block (the file did not end in one) it writes the end
 * marker without a newline, as the file's last bytes; a block at EOF with
 * an unterminated end marker therefore tells remove to drop the newline
 * before the begin marker too. */
int hp_hosts_remove(const char *text, size_t len, char **out, size_t *outlen,
                    hp_err *e);

/* File level, under rootfd: lock the directory, read, transform, atomic
 * replace (keeping owner, mode, xattrs); *changed = 1 when written.  A
 * missing hosts file is created (root:root 0644).  A symlink at hpath is
 * followed only when root-owned in a root-owned directory writable by no
 * one else (then its target is edited and the link stays).  Someone else
 * changing the file between our read and our rename is detected: one
 * re-read and retry, then HP_EFAIL.  Nothing is journaled here. */
int hp_hosts_ensure_file(int rootfd, const char *hpath,
                         const hp_hosts_entry *ents, size_t n, int *changed,
                         hp_err *e);
int hp_hosts_remove_file(int rootfd, const char *hpath, int *changed,
                         hp_err *e);
/* 1 when every entry is present, 0 when not, <0 -code on error. */
int hp_hosts_check_file(int rootfd, const char *hpath,
                        const hp_hosts_entry *ents, size_t n, hp_err *e);
#endif
