/* libffi dispatch of plugin ops by name (`hostpriv call`, the helper's
 * request table).  Each op has a signature descriptor; the cif is prepared
 * once and cached (GObject-Introspection invoker style). */
#ifndef HP_DISPATCH_H
#define HP_DISPATCH_H
#include <stddef.h>
#include "ctx.h"

typedef struct hp_opsig {
    const char *name;     /* "bind_port" */
    size_t offset;        /* offsetof(hp_ops, member), or (size_t)-1 extra */
    const char *args;     /* tags after the state pointer, e.g. "tsif" */
    int task;             /* enum hp_task it belongs to */
    const char *usage;    /* "SOCKTYPE ADDR PORT" for --help */
} hp_opsig;

/* The standard ops table signatures. */
const hp_opsig *hp_dispatch_std(size_t *n);

/* Call op `name` of the active plugin with string arguments converted by
 * the signature (int: strict strtol with range; socktype: tcp/udp).  A
 * wrong count or type is HP_EUSAGE with a message, never a crash; a NULL op
 * is HP_ENOTSUP.  An HP_ARG_FD_OUT argument is returned in *fd_out (-1 when
 * none).  Returns the op's code. */
int hp_dispatch_call(hp_ctx *c, const char *name, int argc,
                     const char *const *argv, int *fd_out, hp_err *e);
/* How many cifs this process has prepared so far (each (plugin, op) pair
 * once): lets tests and benchmarks see the cache work. */
size_t hp_dispatch_cifs_prepared(void);
/* The task an op belongs to, -1 when the active plugin has no such op. */
int hp_dispatch_task(hp_ctx *c, const char *name);
#endif
