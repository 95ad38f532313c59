/* Each task's state as `status` shows it (and `doctor` checks it):
 * applied or not and where, or what the version says of it. */
#ifndef HP_CLI_TASKSTATE_H
#define HP_CLI_TASKSTATE_H
#include <limits.h>
#include "engine/ctx.h"

/* How many task_state hp_cli_task_states may fill. */
#define HP_CLI_TASKS 5

typedef struct task_state {
    const char *task;
    char state[32];             /* "applied", "not-applied", ... */
    char path[PATH_MAX];
    char via[16];               /* "user" when the user's side did it */
} task_state;

/* cli-links, docker-socket, the helper (when the version describes it),
 * hosts and policy, in that order; returns how many were filled. */
int hp_cli_task_states(hp_ctx *c, task_state t[HP_CLI_TASKS]);
#endif
