/* `hostpriv hosts ensure`: localhost (and kubernetes.docker.internal when
 * host.kubernetes is on) in the hosts file. */
#include <string.h>
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_hosts))
        return 0;
    if (cli->argc != 1 || strcmp(cli->argv[0], "ensure") != 0)
        return hp_cli_usage(&hp_cmd_hosts, "say ensure");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->hosts_ensure ? hp_cli_exit(c, ops->hosts_ensure(c->pstate))
                           : hp_cli_not_in_version(c, HP_TASK_HOSTS, "hosts");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_hosts = {
    "hosts", "hosts ensure",
    "localhost (and kubernetes.docker.internal) in the hosts file", run
};
