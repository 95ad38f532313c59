/* Which ports the helper handed to whom, so that a client can never
 * shadow somebody else's service: a bind is refused when its port is
 * already held, in either address family, by any socket the helper did not
 * hand to this same uid.  (The kernel alone would let an IPv6-only socket
 * sit beside an IPv4 listener of root's, [::1]:22 beside 0.0.0.0:22, or a
 * second address beside a stub resolver's.)  The user's own dual-stack
 * publish, IPv4 then IPv6 of one port, stays possible.
 *
 * Common case, a free port: one probe bind and close on the request's path
 * (the probe socket itself is made between requests, hpd_probes_ready),
 * and an fstat of the socket handed out.  Only when the port is held and
 * this uid was handed a socket on it are the kernel's socket tables read
 * (hp_port_holders), to compare every holder's inode with what this uid
 * was given. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/events.h"
#include "hostprivd.h"
#include "host/portscan.h"
#include "host/ports.h"

/* Holders compared at most: more on one port is not a user's publish. */
#define HPD_HOLDERS_MAX 64

static const char *proto_name(int socktype)
{
    return socktype == HP_SOCK_UDP ? "UDP" : "TCP";
}

static void drop_at(hpd *d, size_t i)
{
    memmove(&d->grants[i], &d->grants[i + 1],
            (d->ngrants - i - 1) * sizeof d->grants[0]);
    d->ngrants--;
}

/* Forget what was handed out on a port no longer held by it: keep only
 * entries whose socket is among the holders (none: forget them all). */
static void forget_gone(hpd *d, int socktype, int port,
                        const hp_port_holder *h, size_t nh)
{
    for (size_t i = d->ngrants; i-- > 0;) {
        const hpd_grant *g = &d->grants[i];
        if (g->socktype != socktype || g->port != port)
            continue;
        size_t k = 0;
        while (k < nh && h[k].ino != g->ino)
            k++;
        if (k == nh)
            drop_at(d, i);
    }
}

static const hpd_grant *granted(const hpd *d, uid_t uid, int socktype,
                                int port, unsigned long ino)
{
    for (size_t i = 0; i < d->ngrants; i++) {
        const hpd_grant *g = &d->grants[i];
        if (g->uid == uid && g->socktype == socktype && g->port == port &&
            (ino == 0 || g->ino == ino))
            return g;
    }
    return NULL;
}

static int in_use(int socktype, int port, uid_t uid, const char *held_by,
                  hp_err *e)
{
    return hp_err_sys(e, HP_EFAIL, EADDRINUSE, "port %d (%s) is already in "
                      "use on this host by %s, not one the helper gave uid "
                      "%u: the helper does not bind beside it, in either "
                      "address family; stop that service or publish "
                      "another port", port, proto_name(socktype), held_by,
                      (unsigned)uid);
}

/* The port is held and uid was handed a socket on it: every holder must
 * be one of uid's. */
static int all_holders_own(hpd *d, uid_t uid, int socktype, int port,
                           hp_err *e)
{
    hp_port_holder h[HPD_HOLDERS_MAX];
    size_t nh = 0;
    hp_err se = HP_ERR_INIT;
    if (hp_port_holders(socktype, port, h, HPD_HOLDERS_MAX, &nh, &se) !=
        HP_OK)
        return hp_err_sys(e, HP_EFAIL, EADDRINUSE, "port %d (%s) is in use "
                          "and its holders cannot be told apart (%s): "
                          "refused", port, proto_name(socktype), se.msg);
    if (nh > HPD_HOLDERS_MAX)
        return in_use(socktype, port, uid, "more sockets than one user's "
                      "publish", e);
    forget_gone(d, socktype, port, h, nh);
    for (size_t k = 0; k < nh; k++)
        if (!granted(d, uid, socktype, port, h[k].ino))
            return in_use(socktype, port, uid, h[k].family == AF_INET6 ?
                          "an IPv6 socket" : "an IPv4 socket", e);
    return HP_OK;
}

void hpd_probes_ready(hpd *d)
{
    for (int k = 0; k < 2; k++)
        if (d->probe_fd[k] < 0)
            d->probe_fd[k] = hp_port_probe_new(k ? HP_SOCK_UDP : HP_SOCK_TCP,
                                               &d->probe_family[k]);
}

void hpd_probes_close(hpd *d)
{
    for (int k = 0; k < 2; k++) {
        if (d->probe_fd[k] >= 0)
            close(d->probe_fd[k]);
        d->probe_fd[k] = -1;
    }
}

/* hp_port_in_use with the probe made ahead (or now, when none is ready) */
static int probe(hpd *d, int socktype, int port)
{
    int k = socktype == HP_SOCK_UDP, fd = d->probe_fd[k];
    int family = d->probe_family[k];
    d->probe_fd[k] = -1;
    if (fd < 0 && (fd = hp_port_probe_new(socktype, &family)) < 0)
        return fd;
    return hp_port_probe(fd, family, port);
}

int hpd_port_check(hpd *d, uid_t uid, int socktype, int port, hp_err *e)
{
    int r = probe(d, socktype, port);
    if (r < 0)
        return hp_err_sys(e, HP_EFAIL, -r, "cannot tell whether port %d "
                          "(%s) is in use: refused", port,
                          proto_name(socktype));
    if (r == 0) {
        forget_gone(d, socktype, port, NULL, 0);
        return HP_OK;
    }
    if (!granted(d, uid, socktype, port, 0))
        return in_use(socktype, port, uid, "another socket", e);
    return all_holders_own(d, uid, socktype, port, e);
}

void hpd_port_granted(hpd *d, uid_t uid, int socktype, int port, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;     /* not remembered: the user's other-family bind fails */
    if (d->ngrants == HPD_MAX_GRANTS)
        drop_at(d, 0);          /* the oldest: forgetting only refuses more */
    d->grants[d->ngrants++] = (hpd_grant){ uid, socktype, port,
                                           (unsigned long)st.st_ino };
}
