/* `install --dry-run`: instead of changing the host, each action says
 * what it would change, one line per path: the change, the host path, its
 * owner and mode, and the route (via).  Nothing is written, not even a
 * journal entry.  Lines go to stdout: text, or with --json one object
 * {"dry_run":{"change","path","owner","mode","via","detail"}} a line. */
#ifndef HP_DRYRUN_H
#define HP_DRYRUN_H
#include <sys/types.h>
#include "engine/ctx.h"

/* One line.  owner/mode may be NULL (not applicable: a removal); detail
 * may be NULL. */
void hp_dry_say(hp_ctx *c, const char *change, const char *path,
                const char *owner, const char *mode, const char *via,
                const char *detail);
/* "root:root" (names from passwd/group; numbers when unknown). */
void hp_dry_owner(uid_t uid, gid_t gid, char *out, size_t n);
/* What `action` by `route` would change (hp_run in dry-run). */
void hp_dry_action(hp_ctx *c, int action, int route);
/* The user's settings file a record would write (4.18): the pairs. */
void hp_dry_settings(hp_ctx *c, const char *const *kv, size_t npairs);
/* Root's undo journal, where each root change would be recorded. */
void hp_dry_journal(hp_ctx *c);
#endif
