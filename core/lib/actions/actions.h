/* The host mechanisms behind enum hp_action, and the routes that carry them
 * out (this process, the helper, elevation).  Plugins decide whether and
 * by which route; this file decides what each action does, through the
 * primitives, so every version gets the same safe mechanics. */
#ifndef HP_ACTIONS_H
#define HP_ACTIONS_H
#include <stddef.h>
#include "engine/ctx.h"

/* Perform `action` in this process with its own rights, journaled.  As
 * root, user-owned places are written through hp_as_user.  *path receives
 * the event path (host path) of what was changed. */
int hp_action_do(hp_ctx *c, int action, const char *data, size_t len,
                 char *path, size_t pathsz, hp_err *e);
/* Check before changing (act_require.c, see hp_host_api.require): what
 * the configuration must give `action` run by `route`.  Changes nothing;
 * HP_OK or HP_ECONFIG with the reason and how to fix it in e. */
int hp_action_require(hp_ctx *c, int action, int route, hp_err *e);
/* State check of an action (see hp_host_api.check). */
int hp_action_check(hp_ctx *c, int action, hp_err *e);
/* The event path of an action, without doing it. */
void hp_action_path(hp_ctx *c, int action, char *path, size_t n);
/* Route dispatch + events: the hp_host_api.run implementation. */
int hp_run(hp_ctx *c, int task, int action, int route, const char *data,
           size_t len);
#endif
