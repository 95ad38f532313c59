/* The holders of a port from /proc/self/net/{tcp,tcp6,udp,udp6}.  Each
 * line after the header is one socket:
 *   sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
 * with the local address as HEX:PORT (port in hex, host order). */
#include "portscan.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TCP_LISTEN 0x0A
/* A table is read whole; beyond this the namespace has more sockets than
 * a check may wait for, and the caller is told it failed (fail closed). */
#define TABLE_MAX  (8u << 20)

/* One line: 1 when it is a holder of a port in the set (*ino, *port
 * set), else 0. */
static int holder_line(const char *line, const hp_port_set *ports, int tcp,
                       unsigned long *ino, int *port)
{
    unsigned lport, st;
    unsigned long inode;
    if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x "
               "%*x:%*x %*x %*u %*u %lu", &lport, &st, &inode) != 3)
        return 0;
    if (!hp_port_set_has(ports, (int)lport) || inode == 0 ||
        (tcp && st != TCP_LISTEN))
        return 0;
    *ino = inode;
    *port = (int)lport;
    return 1;
}

/* The whole table in *out (NULL: an IPv6 table the kernel does not have;
 * the IPv4 one must be there, or /proc is missing and nothing is known). */
static int read_table(const char *path, int v6, char **out, hp_err *e)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT && v6 ? HP_OK
               : hp_err_sys(e, HP_EFAIL, errno, "cannot read %s", path);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int rc = buf ? HP_OK : hp_err_sys(e, HP_EFAIL, ENOMEM, "%s", path);
    while (rc == HP_OK) {
        if (cap - len < 4096) {
            char *n = cap < TABLE_MAX ? realloc(buf, cap * 2) : NULL;
            if (!n) {
                rc = hp_err_set(e, HP_EFAIL, "%s: larger than %u MiB", path,
                                TABLE_MAX >> 20);
                break;
            }
            buf = n;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = hp_err_sys(e, HP_EFAIL, errno, "cannot read %s", path);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (rc != HP_OK) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    return HP_OK;
}

static int scan(const char *path, int family, const hp_port_set *ports,
                int tcp, hp_port_holder *out, size_t max, size_t *n,
                hp_err *e)
{
    char *text;
    int rc = read_table(path, family == AF_INET6, &text, e);
    if (rc != HP_OK || !text)
        return rc;
    char *line = strchr(text, '\n');        /* past the header */
    while (line && *++line) {
        unsigned long ino;
        int port;
        if (holder_line(line, ports, tcp, &ino, &port)) {
            if (*n < max)
                out[*n] = (hp_port_holder){ ino, family, port };
            (*n)++;
        }
        line = strchr(line, '\n');
    }
    free(text);
    return HP_OK;
}

int hp_port_holders_in(int socktype, const hp_port_set *ports,
                       hp_port_holder *out, size_t max, size_t *n,
                       hp_err *e)
{
    *n = 0;
    int tcp = socktype == HP_SOCK_TCP;
    if (!tcp && socktype != HP_SOCK_UDP)
        return hp_err_set(e, HP_EUSAGE, "hp_port_holders: socket type %d",
                          socktype);
    int rc = scan(tcp ? "/proc/self/net/tcp" : "/proc/self/net/udp", AF_INET,
                  ports, tcp, out, max, n, e);
    if (rc == HP_OK)
        rc = scan(tcp ? "/proc/self/net/tcp6" : "/proc/self/net/udp6",
                  AF_INET6, ports, tcp, out, max, n, e);
    return rc;
}

int hp_port_holders(int socktype, int port, hp_port_holder *out, size_t max,
                    size_t *n, hp_err *e)
{
    *n = 0;
    if (port < 1 || port > 65535)
        return hp_err_set(e, HP_EUSAGE, "hp_port_holders: socket type %d "
                          "port %d", socktype, port);
    hp_port_set *set = calloc(1, sizeof *set);
    if (!set)
        return hp_err_sys(e, HP_EFAIL, ENOMEM, "hp_port_holders");
    hp_port_set_add(set, port);
    int rc = hp_port_holders_in(socktype, set, out, max, n, e);
    free(set);
    return rc;
}
