/* What the privileged helper keeps of root, per version: the capabilities
 * the tasks its plugin's helper serves need, and the host directories those
 * tasks write.  One table, read by hostprivd (it drops everything else at
 * start-up, hostprivd(8)) and by the service renderer (the unit's
 * CapabilityBoundingSet=, AmbientCapabilities= and ReadWritePaths=), so the
 * service file and the running process cannot disagree. */
#ifndef HP_PRIVS_H
#define HP_PRIVS_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/ctx.h"

/* A capability as a bit of the mask below (linux/capability.h numbers). */
#define HP_CAPBIT(n) (1ull << (n))

/* The capabilities a helper serving the tasks in `serves` (HP_TASK_BIT)
 * keeps; 0 for none. */
uint64_t hp_helper_caps(uint32_t serves);
/* The tasks the active plugin's helper serves (0 without a plugin). */
uint32_t hp_helper_serves(const hp_ctx *c);
/* 1 when a helper serving `serves` acts as the app's user (forks a child
 * that switches uid: CAP_SETUID, CAP_SETGID and the set*id calls). */
int hp_helper_acts_as_user(uint32_t serves);
/* "CAP_A CAP_B", in capability order; "" for none. */
void hp_caps_text(uint64_t caps, char *out, size_t n);

#define HP_WRITE_DIRS_MAX 16
typedef struct hp_write_dirs {
    size_t n;
    char dir[HP_WRITE_DIRS_MAX][PATH_MAX];  /* real paths, sorted */
} hp_write_dirs;

/* The directories a helper serving `serves` writes in (real paths under
 * host.root), each the directory itself when it exists, else its nearest
 * existing ancestor (the task creates it); none nested in another.
 * boot: the docker.sock boot task's instead. */
void hp_helper_write_dirs(const hp_ctx *c, uint32_t serves, int boot,
                          hp_write_dirs *out);
#endif
