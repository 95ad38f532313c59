/* `hostpriv start`: the app-launch flow of the active version. */
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_start))
        return 0;
    if (cli->argc > 0)
        return hp_cli_usage(&hp_cmd_start, "takes no arguments");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->launch ? hp_cli_exit(c, ops->launch(c->pstate))
                     : hp_cli_not_in_version(c, HP_TASK_HELPER, "start");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_start = {
    "start", "start",
    "app launch: the active version's first-run flow, prompting as it did",
    run
};
