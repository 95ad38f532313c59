/* The bind path, shared by the native bind_port and bind_ports requests
 * and by vmnetd's: who may bind what (bind_gate, port_gate: host.user
 * still served, the plugin binds, tcp|udp, a numeric address, the port
 * in helper.ports and held by nobody but this uid, grants.c), then the
 * plugin binds, and what it hands back must be the socket the core bound
 * for that very port.  A range is all or nothing: every port passes the
 * gates of a single bind before any is bound, and on a failure every
 * socket bound for it is closed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "engine/dispatch.h"
#include "engine/loader.h"
#include "hostprivd.h"
#include "host/portlist.h"
#include "host/ports.h"

/* Strict port text: digits only, no sign or leading zero, 1..65535. */
static int port_of(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || s[0] == '0' || strspn(s, "0123456789") != n)
        return -1;
    long v = strtol(s, NULL, 10);
    return v <= 65535 ? (int)v : -1;
}

static const char *bound_plugin(hpd *d)
{
    return d->ctx->active ? d->ctx->active->desc.name : "(none)";
}

/* What comes back from a plugin crosses the privilege boundary: it must
 * be the socket the core itself bound for this request (hp_bind_socket:
 * the type and port asked for, close-on-exec, never SO_REUSEPORT), not
 * some other descriptor of this root process.  The core recorded it, so
 * telling costs no system call. */
static int check_socket(hpd *d, int fd, const char *socktype, int port,
                        hp_err *e)
{
    int want = !strcmp(socktype, "udp") ? HP_SOCK_UDP : HP_SOCK_TCP;
    if (fd != d->ctx->bound.fd || d->ctx->bound.socktype != want ||
        d->ctx->bound.port != port)
        return hp_err_set(e, HP_EINTERNAL, "the plugin's bind_port returned "
                          "a descriptor that is not the %s socket the core "
                          "bound for port %d: refused", socktype, port);
    return HP_OK;
}

/* The checks that do not depend on the port: uid still served, the
 * plugin binds, the type and address well-formed.  HP_OK with *st. */
static int bind_gate(hpd *d, uid_t uid, const char *op, const char *socktype,
                     const char *addr, int *st, hp_err *e)
{
    if (!hpd_uid_served(d, uid))        /* host.user changed meanwhile */
        return hp_err_set(e, HP_EDENIED, "uid %u is no longer served: "
                          "host.user changed in the helper's configuration",
                          (unsigned)uid);
    if (!d->ctx->active || !(d->ctx->active->desc.helper_serves &
                             HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT)))
        return hp_err_set(e, HP_ENOTSUP, "this version's helper does not do "
                          "that: %s does not bind ports", bound_plugin(d));
    if (strcmp(socktype, "tcp") && strcmp(socktype, "udp"))
        return hp_err_set(e, HP_EUSAGE, "%s: socket type '%s': only tcp and "
                          "udp", op, socktype);
    struct sockaddr_storage ss;
    unsigned sl;
    int rc = hp_addr_parse(addr, &ss, &sl, e);
    if (rc != HP_OK)
        return rc;
    *st = !strcmp(socktype, "udp") ? HP_SOCK_UDP : HP_SOCK_TCP;
    return HP_OK;
}

static int in_helper_ports(hpd *d, int p, hp_err *e)
{
    const char *allowed = hp_conf(d->ctx, "helper.ports");
    if (!hp_ports_allowed(allowed, p))
        return hp_err_set(e, HP_EDENIED, "port %d is not in helper.ports "
                          "(%s): the helper binds only those", p,
                          allowed ? allowed : "");
    return HP_OK;
}

/* The checks of one port: in helper.ports, held by nobody but uid. */
static int port_gate(hpd *d, uid_t uid, int st, int p, hp_err *e)
{
    int rc = in_helper_ports(d, p, e);
    return rc != HP_OK ? rc : hpd_port_check(d, uid, st, p, e);
}

/* The plugin's bind_port for one port the gates let through: HP_OK with
 * *fd the socket the core bound for it; else *err the errno behind a
 * failed bind. */
static int plugin_bind(hpd *d, const char *socktype, const char *addr,
                       const char *port, int p, int *fd, int *err, hp_err *e)
{
    const char *argv[3] = { socktype, addr, port };
    hp_err_clear(&d->ctx->err);
    d->ctx->bound.fd = -1;
    int rc = hp_dispatch_call(d->ctx, "bind_port", 3, argv, fd, e);
    if (rc == HP_OK && *fd < 0)
        rc = hp_err_set(e, HP_EINTERNAL, "the plugin's bind_port returned "
                        "no socket");
    if (rc == HP_OK && (rc = check_socket(d, *fd, socktype, p, e)) != HP_OK) {
        close(*fd);
        *fd = -1;
    }
    if (rc == HP_OK)
        return HP_OK;
    *err = d->ctx->err.sys;
    if (e && e->code == HP_OK)
        *e = d->ctx->err;
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

int hpd_bind(hpd *d, uid_t uid, const char *socktype, const char *addr,
             const char *port, int *fd, int *err, hp_err *e)
{
    *fd = -1;
    *err = 0;
    int st = HP_SOCK_TCP, p = port_of(port);
    int rc = bind_gate(d, uid, "bind_port", socktype, addr, &st, e);
    if (rc == HP_OK && p < 1)
        rc = hp_err_set(e, HP_EUSAGE, "bind_port: port '%s': must be a "
                        "number from 1 to 65535", port);
    if (rc == HP_OK)
        rc = port_gate(d, uid, st, p, e);
    if (rc != HP_OK) {
        *err = e && e->sys == EADDRINUSE ? EADDRINUSE : 0;
        return rc;
    }
    rc = plugin_bind(d, socktype, addr, port, p, fd, err, e);
    if (rc == HP_OK)
        hpd_port_granted(d, uid, st, p, *fd);
    return rc;
}

/* ---- a range ------------------------------------------------------------ */

/* Older plugins (no bind_ports): their bind_port, port by port. */
static int one_by_one(hpd *d, const char *socktype, const char *addr,
                      const int *ports, size_t n, int *fds, hp_err *e)
{
    for (size_t i = 0; i < n; i++) {
        char pt[8];
        int err;
        snprintf(pt, sizeof pt, "%d", ports[i]);
        int rc = plugin_bind(d, socktype, addr, pt, ports[i], &fds[i], &err,
                             e);
        if (rc != HP_OK) {
            hpd_close_fds(fds, i);
            return rc;
        }
    }
    return HP_OK;
}

/* Which record of what the core bound is fds[i], for ports[i]: -1 none.
 * A plugin binds in the order asked, so record i is looked at first. */
static long record_of(const struct hp_bound *rec, size_t nrec, int st,
                      int fd, int port, size_t i)
{
    if (i < nrec && rec[i].fd == fd && rec[i].socktype == st &&
        rec[i].port == port)
        return (long)i;
    for (size_t k = 0; k < nrec; k++)
        if (rec[k].fd == fd && rec[k].socktype == st && rec[k].port == port)
            return (long)k;
    return -1;
}

/* Every fds[i] is the socket the core bound for ports[i] in this call,
 * each at most once; taken[k] marks the records handed out. */
static int check_many(const struct hp_bound *rec, size_t nrec, int st,
                      const char *socktype, const int *ports, size_t n,
                      const int *fds, char *taken, hp_err *e)
{
    for (size_t i = 0; i < n; i++) {
        long k = fds[i] < 0 ? -1 : record_of(rec, nrec, st, fds[i], ports[i],
                                             i);
        if (k < 0 || taken[k])
            return hp_err_set(e, HP_EINTERNAL, "the plugin's bind_ports "
                              "returned for port %d a descriptor that is "
                              "not the %s socket the core bound for it: "
                              "refused", ports[i], socktype);
        taken[k] = 1;
    }
    return HP_OK;
}

/* What a refused or failed bind_ports handed back is closed (each
 * descriptor once), as bind_port's is; a socket the core bound for a
 * successful call that was not handed out is logged (the plugin may have
 * closed it and its number been reused: not closed here). */
static void stray_sockets(hpd *d, int rc, const struct hp_bound *rec,
                          size_t nrec, const char *taken, const int *fds,
                          size_t n)
{
    if (rc != HP_OK) {
        for (size_t i = 0; i < n; i++) {
            int again = 0;
            for (size_t k = 0; k < i && !again; k++)
                again = fds[k] == fds[i];
            if (fds[i] >= 0 && !again)
                close(fds[i]);
        }
        return;
    }
    for (size_t k = 0; k < nrec; k++)
        if (!taken[k])
            hpd_log(d, HP_LOG_WARN, "the plugin %s bound port %d for "
                    "bind_ports and did not hand it out", bound_plugin(d),
                    rec[k].port);
}

/* The plugin's bind_ports (ABI 1.3), with every socket the core binds
 * for it recorded: what comes back must be those.  On a failure the
 * plugin has closed what it bound (its contract). */
static int all_at_once(hpd *d, int st, const char *socktype,
                       const char *addr, const int *ports, size_t n,
                       int *fds, hp_err *e)
{
    hp_ctx *c = d->ctx;
    size_t max = n + 16;
    struct hp_bound *rec = malloc(max * sizeof *rec);
    char *taken = calloc(max, 1);
    if (!rec || !taken) {
        free(rec);
        free(taken);
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "bind_ports");
    }
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    hp_err_clear(&c->err);
    c->bound_many = rec;
    c->nbound_many = 0;
    c->bound_many_max = max;
    int rc = c->active->desc.bind_ports(c->pstate, st, addr, ports, n, fds);
    size_t nrec = c->nbound_many;
    c->bound_many = NULL;
    c->nbound_many = c->bound_many_max = 0;
    if (rc == HP_OK)
        rc = check_many(rec, nrec, st, socktype, ports, n, fds, taken, e);
    else if (e && e->code == HP_OK)
        *e = c->err;
    if (e && rc != HP_OK && !e->msg[0])
        hp_err_set(e, rc, "the plugin's bind_ports failed");
    stray_sockets(d, rc, rec, nrec, taken, fds, n);
    if (rc != HP_OK)
        for (size_t i = 0; i < n; i++)
            fds[i] = -1;
    free(rec);
    free(taken);
    return rc;
}

/* A failed range says so after the reason: nothing of it is bound. */
static int none_bound(hp_err *e, int rc, const char *socktype,
                      const char *list)
{
    if (e) {
        size_t l = strlen(e->msg);
        snprintf(e->msg + l, sizeof e->msg - l, " (bind_ports %s %.60s: "
                 "none of the ports was bound)", socktype, list);
        e->code = rc;
    }
    return rc;
}

int hpd_bind_ports(hpd *d, uid_t uid, const char *socktype, const char *addr,
                   const char *list, int **fds, size_t *n, hp_err *e)
{
    static int ports[HP_PORTS_MAX];     /* the loop is single-threaded */
    int st = HP_SOCK_TCP;
    *fds = NULL;
    *n = 0;
    int rc = bind_gate(d, uid, "bind_ports", socktype, addr, &st, e);
    size_t np = 0;
    if (rc == HP_OK)
        rc = hp_portlist_parse(list, ports, HP_PORTS_MAX, &np, e);
    for (size_t i = 0; rc == HP_OK && i < np; i++)
        rc = in_helper_ports(d, ports[i], e);
    if (rc == HP_OK)            /* held by nobody else: read once for all */
        rc = hpd_ports_check(d, uid, st, ports, np, e);
    int *v = rc == HP_OK ? malloc(np * sizeof *v) : NULL;
    if (rc == HP_OK && !v)
        rc = hp_err_sys(e, HP_EINTERNAL, ENOMEM, "bind_ports");
    if (rc == HP_OK)
        rc = d->ctx->active->desc.bind_ports
                 ? all_at_once(d, st, socktype, addr, ports, np, v, e)
                 : one_by_one(d, socktype, addr, ports, np, v, e);
    if (rc != HP_OK) {
        free(v);
        return none_bound(e, rc, socktype, list);
    }
    for (size_t i = 0; i < np; i++)
        hpd_port_granted(d, uid, st, ports[i], v[i]);
    *fds = v;
    *n = np;
    return HP_OK;
}
