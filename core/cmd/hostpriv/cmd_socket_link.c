/* `hostpriv socket-link install|remove`: /var/run/docker.sock and its boot
 * task. */
#include <string.h>
#include "ops.h"

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_socket_link))
        return 0;
    if (cli->argc != 1 || (strcmp(cli->argv[0], "install") != 0 &&
                           strcmp(cli->argv[0], "remove") != 0))
        return hp_cli_usage(&hp_cmd_socket_link, "say install or remove");
    int rc, install = strcmp(cli->argv[0], "install") == 0;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    int (*op)(void *) = install ? ops->socket_link_install
                                : ops->socket_link_remove;
    rc = op ? hp_cli_exit(c, op(c->pstate))
            : hp_cli_not_in_version(c, HP_TASK_DOCKER_SOCKET, "socket-link");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_socket_link = {
    "socket-link", "socket-link install|remove",
    "the /var/run/docker.sock link and its boot task", run
};
