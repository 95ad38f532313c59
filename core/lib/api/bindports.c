/* hp_bind_ports (hostpriv.h): a published range in one call, the way the
 * active version binds one port, all or nothing.  A plugin with the
 * bind_ports op (ABI 1.2) binds them itself, the helper's share in one
 * request; an older one is called port by port. */
#include <hostpriv/hostpriv.h>
#include <unistd.h>
#include "engine/ctx.h"
#include "engine/loader.h"
#include "host/portlist.h"

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

int hp_bind_ports(hp_ctx *ctx, int socktype, const char *addr,
                  const int *ports, size_t n, int *fds)
{
    if (!ctx)
        return HP_EUSAGE;
    for (size_t i = 0; fds && i < n && i < HP_BIND_PORTS_MAX; i++)
        fds[i] = -1;
    if (!ctx->active)
        return ctx->err.code != HP_OK ? ctx->err.code
               : hp_err_set(&ctx->err, HP_ECONFIG, "no plugin is active: "
                            "set core.version or core.plugin");
    hp_err_clear(&ctx->err);
    if ((socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP) || !addr ||
        !ports || !fds)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_ports: socktype is "
                          "HP_SOCK_TCP or HP_SOCK_UDP, addr a numeric "
                          "address, ports and fds not NULL");
    hp_err e = HP_ERR_INIT;
    if (hp_portlist_valid(ports, n, &e) != HP_OK)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_bind_ports: %s", e.msg);
    const hp_plugin *d = &ctx->active->desc;
    int rc;
    if (d->bind_ports)
        rc = d->bind_ports(ctx->pstate, socktype, addr, ports, n, fds);
    else if (d->ops.bind_port)
        rc = one_by_one(ctx, d, socktype, addr, ports, n, fds);
    else
        return hp_err_set(&ctx->err, HP_ENOTSUP, "%s does not bind ports "
                          "(not-in-this-version)", d->name);
    if (rc != HP_OK && !ctx->err.msg[0])
        hp_err_set(&ctx->err, rc, "bind: %s", hp_strerror(rc));
    else if (rc != HP_OK)
        ctx->err.code = rc;
    return rc;
}
