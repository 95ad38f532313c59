/* Shared by the action commands: the op table and the not-in-this-version
 * report, so every command says it the same way. */
#include <stdio.h>

#include "engine/events.h"
#include "engine/loader.h"
#include "ops.h"

const hp_ops *hp_cli_ops(hp_ctx *c)
{
    return c->active ? &c->active->desc.ops : NULL;
}

int hp_cli_not_in_version(hp_ctx *c, int task, const char *what)
{
    const char *name = c->active ? c->active->desc.name : "(none)";
    hp_cli_failf(NULL, 1, "%s: the active version (%s, %s) does not do "
                 "that", what, name, hp_ctx_version(c));
    hp_event(c, HP_EV_SKIPPED, task, HP_VIA_NONE, "", "not-in-this-version");
    return 1;
}

int hp_cli_exit(hp_ctx *c, int rc)
{
    (void)c;
    return hp_exit_code(rc);
}

int hp_cli_usage(const hp_cli_cmd *cmd, const char *why)
{
    hp_cli_failf(cmd->name, HP_EUSAGE, "%s", why);
    fprintf(stderr, "usage: hostpriv %s\n", cmd->usage);
    return HP_EUSAGE;
}
