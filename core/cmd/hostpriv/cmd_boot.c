/* `hostpriv boot`: the boot-time task (recreate /var/run/docker.sock),
 * run as root by the service manager. */
#include <stdio.h>
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_boot))
        return 0;
    if (cli->argc > 0)
        return hp_cli_usage(&hp_cmd_boot, "takes no arguments");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    /* Run by the service manager at boot, not by the app: what it did goes
     * to its own log (stderr), not into the app's event log. */
    if (c->role != HP_ROLE_USER && c->evlog && !c->evlog_is_stdout) {
        fclose(c->evlog);
        c->evlog = NULL;
    }
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->boot ? hp_cli_exit(c, ops->boot(c->pstate))
                   : hp_cli_not_in_version(c, HP_TASK_DOCKER_SOCKET, "boot");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_boot = {
    "boot", "boot",
    "the boot task: recreate the /var/run/docker.sock link (root)", run
};
