/* Which sockets hold a port: read from the kernel's socket tables
 * (/proc/self/net), so a root helper can tell its own hand-outs from a
 * system service's socket by inode. */
#ifndef HP_PORTSCAN_H
#define HP_PORTSCAN_H
#include <stddef.h>
#include "base/err.h"

typedef struct hp_port_holder {
    unsigned long ino;      /* the socket's inode (fstat st_ino of its fd) */
    int family;             /* AF_INET or AF_INET6 */
    int port;
} hp_port_holder;

/* A set of ports, one bit each. */
typedef struct hp_port_set {
    unsigned char bit[65536 / 8];
} hp_port_set;

static inline void hp_port_set_add(hp_port_set *s, int port)
{
    s->bit[port >> 3] |= (unsigned char)(1u << (port & 7));
}

static inline int hp_port_set_has(const hp_port_set *s, int port)
{
    return port >= 0 && port < 65536 && (s->bit[port >> 3] >> (port & 7)) & 1;
}

/* The sockets of this network namespace that hold `port`: for HP_SOCK_TCP
 * the listening ones (connections accepted from a listener and TIME_WAIT
 * leftovers are not holders), for HP_SOCK_UDP every bound one; both
 * families (a kernel without IPv6 has no tcp6/udp6 table: none there).
 * Fills out[0..max) and sets *n to the number found, which may exceed max.
 * HP_OK, or HP_EFAIL when a table cannot be read.  Costs an open, reads
 * and a close per table: meant for the rare case, not every bind. */
int hp_port_holders(int socktype, int port, hp_port_holder *out, size_t max,
                    size_t *n, hp_err *e);
/* The same for every port in *ports at once (each table read once, for a
 * range): holders in the order the tables list them, out[k].port saying
 * whose. */
int hp_port_holders_in(int socktype, const hp_port_set *ports,
                       hp_port_holder *out, size_t max, size_t *n,
                       hp_err *e);
#endif
