/* `hostpriv uninstall`: undo everything hostpriv installed. */
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_uninstall))
        return 0;
    if (cli->argc > 0)
        return hp_cli_usage(&hp_cmd_uninstall, "takes no arguments");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->uninstall ? hp_cli_exit(c, ops->uninstall(c->pstate))
                        : hp_cli_not_in_version(c, HP_TASK_UNINSTALL,
                                                "uninstall");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_uninstall = {
    "uninstall", "uninstall",
    "undo everything hostpriv installed: helper, service files, links, "
    "boot task, managed blocks", run
};
