/* `hostpriv bind tcp|udp ADDR:PORTS [-- CMD ARG...]`: get bound sockets
 * the way the active version does (PORTS one port, a range 8000-8099 or
 * a list 80,443, all or nothing); with CMD, exec it holding them as fds 3
 * and up, with LISTEN_FDS=N and LISTEN_PID (the systemd activation
 * protocol), so any socket-activated server can use privileged ports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "host/portlist.h"
#include "host/ports.h"

/* fds[0..n) become 3..3+n-1, kept across exec.  Each is first moved
 * above that block, so moving one never lands on another still to come. */
static int place_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fds[i] >= 3 && (size_t)fds[i] < 3 + n) {
            int hi = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)(3 + n));
            if (hi < 0)
                return -1;
            close(fds[i]);
            fds[i] = hi;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int to = (int)(3 + i);
        if (dup2(fds[i], to) < 0)       /* dup2 leaves it open at exec */
            return -1;
        close(fds[i]);
        fds[i] = to;
    }
    return 0;
}

static int exec_with(int *fds, size_t n, char **argv)
{
    if (place_fds(fds, n) != 0) {
        perror("hostpriv bind: placing the sockets at descriptor 3");
        return 70;
    }
    char pid[32], count[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    snprintf(count, sizeof count, "%zu", n);
    setenv("LISTEN_FDS", count, 1);
    setenv("LISTEN_PID", pid, 1);
    unsetenv("LISTEN_FDNAMES");
    execvp(argv[0], argv);
    fprintf(stderr, "hostpriv bind: cannot run %s: %s\n", argv[0],
            strerror(errno));
    return 127;
}

/* The sockets: one port through the op itself, several through
 * hp_bind_ports (the version's bind_ports, all or nothing). */
static int get(hp_ctx *c, int socktype, const char *addr, const int *ports,
               size_t n, int *fds)
{
    const hp_ops *ops = hp_cli_ops(c);
    if (!ops->bind_port)
        return hp_cli_not_in_version(c, HP_TASK_PRIVILEGED_PORT, "bind");
    if (n == 1)
        return hp_cli_exit(c, ops->bind_port(c->pstate, socktype, addr,
                                             ports[0], &fds[0]));
    /* the version says what went wrong, as for one port */
    return hp_cli_exit(c, hp_bind_ports(c, socktype, addr, ports, n, fds));
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_bind))
        return 0;
    int socktype = 0, dash = -1;
    for (int i = 0; i < cli->argc; i++)
        if (strcmp(cli->argv[i], "--") == 0) {
            dash = i;
            break;
        }
    int nargs = dash >= 0 ? dash : cli->argc;
    if (nargs != 2 || (dash >= 0 && dash + 1 >= cli->argc))
        return hp_cli_usage(&hp_cmd_bind, "give tcp|udp and ADDR:PORTS "
                            "(and a command after --)");
    if (strcmp(cli->argv[0], "tcp") == 0)
        socktype = HP_SOCK_TCP;
    else if (strcmp(cli->argv[0], "udp") == 0)
        socktype = HP_SOCK_UDP;
    else
        return hp_cli_usage(&hp_cmd_bind, "the protocol is tcp or udp");
    char addr[64];
    static int ports[HP_PORTS_MAX], fds[HP_PORTS_MAX];
    size_t n;
    hp_err e = HP_ERR_INIT;
    if (hp_portspec_parse(cli->argv[1], addr, sizeof addr, ports,
                          HP_PORTS_MAX, &n, &e) != HP_OK)
        return hp_cli_usage(&hp_cmd_bind, e.msg);
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    rc = get(c, socktype, addr, ports, n, fds);
    if (rc == 0 && dash < 0) {
        char list[HP_PORTS_MAX * 7];
        hp_portlist_text(ports, n, list, sizeof list);
        int v6 = strchr(addr, ':') != NULL;
        printf("bound %s %s%s%s:%s", socktype == HP_SOCK_UDP ? "UDP" : "TCP",
               v6 ? "[" : "", addr, v6 ? "]" : "", list);
        if (n > 1)
            printf(" (%zu sockets)", n);
        putchar('\n');
    }
    hp_ctx_close(c);
    if (rc == 0 && dash >= 0)
        return exec_with(fds, n, cli->argv + dash + 1);
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

const hp_cli_cmd hp_cmd_bind = {
    "bind", "bind tcp|udp ADDR:PORTS [-- CMD ARG...]",
    "get bound sockets (privileged ports through the version's route; "
    "PORTS: 80, 8000-8099 or 80,443); with CMD, run it with them as fds 3 "
    "and up", run
};
