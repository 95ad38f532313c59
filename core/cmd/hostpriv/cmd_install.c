/* `hostpriv install [--user NAME]`: the installer flow, run as root. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_install))
        return 0;
    const char *user = NULL;
    if (cli->argc == 2 && strcmp(cli->argv[0], "--user") == 0)
        user = cli->argv[1];
    else if (cli->argc != 0)
        return hp_cli_usage(&hp_cmd_install, "the only option is --user NAME");
    if (geteuid() != 0) {
        return hp_cli_failf("install", HP_EDENIED, "the installer flow runs "
                            "as root (from the package's postinstall, or "
                            "sudo)");
    }
    cli->opts.install_user = user;
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->install ? hp_cli_exit(c, ops->install(c->pstate, user))
                      : hp_cli_not_in_version(c, HP_TASK_HELPER, "install");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_install = {
    "install", "install [--user NAME]",
    "installer flow (root); --user: the command-line install", run
};
