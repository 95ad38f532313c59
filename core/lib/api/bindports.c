/* hp_bind_ports (hostpriv.h): a published range in one call, the way the
 * active version binds one port, all or nothing.  A plugin with the
 * bind_ports op (ABI 1.3) binds them itself, the helper's share in one
 * request; an older one is called port by port. */
#include <hostpriv/hostpriv.h>
#include <sys/socket.h>
#include <unistd.h>
#include "api.h"
#include "engine/ctx.h"
#include "engine/loader.h"
#include "host/portlist.h"
#include "host/ports.h"

_Static_assert(HP_BIND_PORTS_MAX == HP_PORTS_MAX,
               "hostpriv.h and portlist.h agree on the longest range");

/* An older plugin: its bind_port for each port; on a failure the sockets
 * bound so far are closed. */
static int one_by_one(hp_ctx *ctx, const hp_plugin *d, int socktype,
                      const char *addr, const int *ports, size_t n, int *fds)
{
    for (size_t i = 0; i < n; i++) {
        int rc = d->ops.bind_port(ctx->pstate, socktype, addr, ports[i],
                                  &fds[i]);
        if (rc == HP_OK && fds[i] >= 0)
            continue;
        if (rc == HP_OK)
            rc = hp_err_set(&ctx->err, HP_EINTERNAL, "%s: bind_port of "
                            "port %d returned no socket", d->name, ports[i]);
        for (size_t k = 0; k <= i; k++)
            if (fds[k] >= 0) {
                close(fds[k]);
                fds[k] = -1;
            }
        return rc;
    }
    return HP_OK;
}

/* HP_OK when the arguments make a request (the message names what is
 * wrong otherwise). */
static int args_ok(hp_ctx *ctx, int socktype, const char *addr,
                   const int *ports, size_t n, const int *fds)
{
    struct sockaddr_storage ss;
    unsigned salen = 0;
    hp_err e = HP_ERR_INIT;
    if ((socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP) || !addr ||
        !ports || !fds || hp_addr_parse(addr, &ss, &salen, &e) != HP_OK)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_ports: socktype is "
                          "HP_SOCK_TCP or HP_SOCK_UDP, addr a numeric IPv4 "
                          "or IPv6 address (e.g. 127.0.0.1 or ::1, not a "
                          "name: '%s'), ports and fds not NULL",
                          addr ? addr : "(null)");
    if (hp_portlist_valid(ports, n, &e) != HP_OK)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_ports: %s", e.msg);
    return HP_OK;
}

int hp_bind_ports(hp_ctx *ctx, int socktype, const char *addr,
                  const int *ports, size_t n, int *fds)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    for (size_t i = 0; fds && i < n && i < HP_BIND_PORTS_MAX; i++)
        fds[i] = -1;
    if ((rc = args_ok(ctx, socktype, addr, ports, n, fds)) != HP_OK)
        return rc;
    const hp_ops *ops = hp_api_ops(ctx);
    if (!ops)
        return ctx->err.code;
    const hp_plugin *d = &ctx->active->desc;
    if (d->bind_ports)
        rc = d->bind_ports(ctx->pstate, socktype, addr, ports, n, fds);
    else if (ops->bind_port)
        rc = one_by_one(ctx, d, socktype, addr, ports, n, fds);
    else
        return hp_api_not_in_version(ctx, HP_TASK_PRIVILEGED_PORT, "bind");
    return hp_api_result(ctx, "bind", rc);
}
