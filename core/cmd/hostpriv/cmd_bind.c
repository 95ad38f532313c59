/* `hostpriv bind tcp|udp ADDR:PORT [-- CMD ARG...]`: get a bound socket the
 * way the active version does; with CMD, exec it holding the socket as fd
 * 3 with LISTEN_FDS=1 and LISTEN_PID (the systemd activation protocol), so
 * any socket-activated server can use a privileged port. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "host/ports.h"

static int exec_with(int fd, char **argv)
{
    if (fd != 3) {
        if (dup2(fd, 3) < 0) {
            perror("hostpriv bind: dup2");
            return 70;
        }
        close(fd);
    } else if (fcntl(3, F_SETFD, 0) != 0) {     /* keep it across exec */
        perror("hostpriv bind: fcntl");
        return 70;
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", pid, 1);
    unsetenv("LISTEN_FDNAMES");
    execvp(argv[0], argv);
    fprintf(stderr, "hostpriv bind: cannot run %s: %s\n", argv[0],
            strerror(errno));
    return 127;
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_bind))
        return 0;
    int socktype = 0, port = 0, dash = -1;
    for (int i = 0; i < cli->argc; i++)
        if (strcmp(cli->argv[i], "--") == 0) {
            dash = i;
            break;
        }
    int nargs = dash >= 0 ? dash : cli->argc;
    if (nargs != 2 || (dash >= 0 && dash + 1 >= cli->argc))
        return hp_cli_usage(&hp_cmd_bind, "give tcp|udp and ADDR:PORT "
                            "(and a command after --)");
    if (strcmp(cli->argv[0], "tcp") == 0)
        socktype = HP_SOCK_TCP;
    else if (strcmp(cli->argv[0], "udp") == 0)
        socktype = HP_SOCK_UDP;
    else
        return hp_cli_usage(&hp_cmd_bind, "the protocol is tcp or udp");
    char addr[64];
    hp_err e = HP_ERR_INIT;
    if (hp_port_parse(cli->argv[1], addr, sizeof addr, &port, &e) != HP_OK)
        return hp_cli_usage(&hp_cmd_bind, e.msg);
    int rc, fd = -1;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    if (!ops->bind_port) {
        rc = hp_cli_not_in_version(c, HP_TASK_PRIVILEGED_PORT, "bind");
    } else {
        rc = hp_cli_exit(c, ops->bind_port(c->pstate, socktype, addr, port,
                                           &fd));
        if (rc == 0 && dash < 0)
            printf("bound %s %s:%d\n", socktype == HP_SOCK_UDP ? "UDP" : "TCP",
                   addr, port);
    }
    hp_ctx_close(c);
    if (rc == 0 && dash >= 0)
        return exec_with(fd, cli->argv + dash + 1);
    if (fd >= 0)
        close(fd);
    return rc;
}

const hp_cli_cmd hp_cmd_bind = {
    "bind", "bind tcp|udp ADDR:PORT [-- CMD ARG...]",
    "get a bound socket (privileged ports through the version's route); "
    "with CMD, run it with the socket as fd 3", run
};
