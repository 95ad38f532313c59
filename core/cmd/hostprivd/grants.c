/* Which ports the helper handed to whom, so that a client can never
 * shadow somebody else's service: a bind is refused when its port is
 * already held, in either address family, by any socket the helper did not
 * hand to this same uid.  (The kernel alone would let an IPv6-only socket
 * sit beside an IPv4 listener of root's, [::1]:22 beside 0.0.0.0:22, or a
 * second address beside a stub resolver's.)  The user's own dual-stack
 * publish, IPv4 then IPv6 of one port (or of a range), stays possible.
 *
 * Common case, a free port: one probe bind and close on the request's path
 * (the probe socket itself is made between requests, hpd_probes_ready),
 * and an fstat of the socket handed out; the table of grants is not even
 * looked at unless that port has one (granted_any).  Only when the port is
 * held and this uid was handed a socket on it are the kernel's socket
 * tables read (hp_port_holders_in: once for all such ports of a range),
 * to compare every holder's inode with what this uid was given. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/events.h"
#include "hostprivd.h"
#include "host/portscan.h"
#include "host/ports.h"

/* Holders compared at most per port: more on one port is not a user's
 * publish. */
#define HPD_HOLDERS_MAX 64

static const char *proto_name(int socktype)
{
    return socktype == HP_SOCK_UDP ? "UDP" : "TCP";
}

/* ---- the table and its index ------------------------------------------- */

static uint64_t *any_word(hpd *d, int socktype, int port)
{
    return &d->granted_any[socktype == HP_SOCK_UDP][port >> 6];
}

static int any_granted(hpd *d, int socktype, int port)
{
    return (int)(*any_word(d, socktype, port) >> (port & 63)) & 1;
}

/* Keep the index true for (socktype, port) after entries went. */
static void any_recount(hpd *d, int socktype, int port)
{
    uint64_t bit = (uint64_t)1 << (port & 63);
    for (size_t i = 0; i < d->ngrants; i++)
        if (d->grants[i].socktype == socktype && d->grants[i].port == port)
            return;
    *any_word(d, socktype, port) &= ~bit;
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
    if (!any_granted(d, socktype, port))
        return;
    for (size_t i = d->ngrants; i-- > 0;) {
        const hpd_grant *g = &d->grants[i];
        if (g->socktype != socktype || g->port != port)
            continue;
        size_t k = 0;
        while (k < nh && (h[k].ino != g->ino || h[k].port != port))
            k++;
        if (k == nh)
            drop_at(d, i);
    }
    any_recount(d, socktype, port);
}

static const hpd_grant *granted(hpd *d, uid_t uid, int socktype, int port,
                                unsigned long ino)
{
    if (!any_granted(d, socktype, port))
        return NULL;
    for (size_t i = 0; i < d->ngrants; i++) {
        const hpd_grant *g = &d->grants[i];
        if (g->uid == uid && g->socktype == socktype && g->port == port &&
            (ino == 0 || g->ino == ino))
            return g;
    }
    return NULL;
}

int hpd_reply_sent(hpd *d)
{
    int probe = d->probe_held;
    d->probe_held = -1;
    return probe;
}

void hpd_reply_done(hpd *d)
{
    if (d->probe_held >= 0)
        close(d->probe_held);
    d->probe_held = -1;
}

void hpd_port_granted(hpd *d, uid_t uid, int socktype, int port, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;     /* not remembered: the user's other-family bind fails */
    if (d->ngrants == HPD_MAX_GRANTS) {
        hpd_grant old = d->grants[0];   /* forgetting only refuses more */
        drop_at(d, 0);
        any_recount(d, old.socktype, old.port);
    }
    d->grants[d->ngrants++] = (hpd_grant){ uid, socktype, port,
                                           (unsigned long)st.st_ino };
    *any_word(d, socktype, port) |= (uint64_t)1 << (port & 63);
}

/* ---- the rule ------------------------------------------------------------ */

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

/* Every holder of port (among h[0..nh), the holders of a set of ports)
 * must be a socket the helper gave uid. */
static int own_holders(hpd *d, uid_t uid, int socktype, int port,
                       const hp_port_holder *h, size_t nh, hp_err *e)
{
    size_t mine = 0;
    for (size_t k = 0; k < nh; k++)
        mine += h[k].port == port;
    if (mine > HPD_HOLDERS_MAX)
        return in_use(socktype, port, uid, "more sockets than one user's "
                      "publish", e);
    forget_gone(d, socktype, port, h, nh);
    for (size_t k = 0; k < nh; k++)
        if (h[k].port == port && !granted(d, uid, socktype, port, h[k].ino))
            return in_use(socktype, port, uid, h[k].family == AF_INET6 ?
                          "an IPv6 socket" : "an IPv4 socket", e);
    return HP_OK;
}

/* The holders of every port in *held (nheld of ports[0..n)), read once;
 * each such port then checked against them. */
static int own_all(hpd *d, uid_t uid, int socktype, const hp_port_set *held,
                   const int *ports, size_t n, size_t nheld, hp_err *e)
{
    size_t max = nheld * HPD_HOLDERS_MAX + 1, nh = 0;
    int first = 0;
    for (size_t i = 0; i < n && !first; i++)
        if (hp_port_set_has(held, ports[i]))
            first = ports[i];
    hp_port_holder *h = malloc(max * sizeof *h);
    hp_err se = HP_ERR_INIT;
    int rc = h ? hp_port_holders_in(socktype, held, h, max, &nh, &se)
               : hp_err_sys(&se, HP_EFAIL, ENOMEM, "reading the socket "
                            "tables");
    if (rc != HP_OK)
        rc = hp_err_sys(e, HP_EFAIL, EADDRINUSE, "port %d (%s) is in use "
                        "and its holders cannot be told apart (%s): refused",
                        first, proto_name(socktype), se.msg);
    else if (nh > max)
        rc = in_use(socktype, first, uid, "more sockets than one user's "
                    "publish", e);
    for (size_t i = 0; rc == HP_OK && i < n; i++)
        if (hp_port_set_has(held, ports[i]))
            rc = own_holders(d, uid, socktype, ports[i], h, nh, e);
    free(h);
    return rc;
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
    hpd_reply_done(d);
    for (int k = 0; k < 2; k++) {
        if (d->probe_fd[k] >= 0)
            close(d->probe_fd[k]);
        d->probe_fd[k] = -1;
    }
}

/* hp_port_in_use with the probe made ahead (or now, when none is ready).
 * keep: a TCP probe that found the port free stays bound (d->probe_held)
 * until the reply is out (its close is then off the client's clock), and
 * goes with the socket handed out; it does not stand in the way of that
 * socket's bind and listen (both have SO_REUSEADDR, the probe never
 * listens).  A UDP probe
 * would: it is closed at once. */
static int probe(hpd *d, int socktype, int port, int keep)
{
    int k = socktype == HP_SOCK_UDP, fd = d->probe_fd[k];
    int family = d->probe_family[k];
    d->probe_fd[k] = -1;
    if (fd < 0 && (fd = hp_port_probe_new(socktype, &family)) < 0)
        return fd;
    if (!keep || socktype != HP_SOCK_TCP || d->probe_held >= 0)
        return hp_port_probe(fd, family, port);
    int r = hp_port_probe_bind(fd, family, port);
    if (r == 0)
        d->probe_held = fd;
    else
        close(fd);
    return r;
}

/* One port's probe: HP_OK free (what was given on it forgotten), 1 held
 * by something and uid was given a socket on it (the holders decide),
 * else refused. */
static int probe_one(hpd *d, uid_t uid, int socktype, int port, int keep,
                     hp_err *e)
{
    int r = probe(d, socktype, port, keep);
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
    return 1;
}

static int check_ports(hpd *d, uid_t uid, int socktype, const int *ports,
                       size_t n, int keep, hp_err *e);

int hpd_port_check(hpd *d, uid_t uid, int socktype, int port, hp_err *e)
{
    return check_ports(d, uid, socktype, &port, 1, 1, e);
}

int hpd_ports_check(hpd *d, uid_t uid, int socktype, const int *ports,
                    size_t n, hp_err *e)
{
    return check_ports(d, uid, socktype, ports, n, 0, e);
}

/* keep: the single bind's probe may stay bound until its reply is out */
static int check_ports(hpd *d, uid_t uid, int socktype, const int *ports,
                       size_t n, int keep, hp_err *e)
{
    hp_port_set *held = NULL;
    size_t nheld = 0;
    int rc = HP_OK;
    for (size_t i = 0; rc == HP_OK && i < n; i++) {
        int r = probe_one(d, uid, socktype, ports[i], keep, e);
        if (r != 1) {
            rc = r;
            continue;
        }
        if (!held && !(held = calloc(1, sizeof *held))) {
            rc = hp_err_sys(e, HP_EFAIL, ENOMEM, "port check");
            continue;
        }
        hp_port_set_add(held, ports[i]);
        nheld++;
    }
    if (rc == HP_OK && nheld)
        rc = own_all(d, uid, socktype, held, ports, n, nheld, e);
    free(held);
    return rc;
}
