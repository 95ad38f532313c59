/* libffi dispatch of plugin ops by name.  Every op has a signature (tags
 * after the state pointer); strings from the command line or the wire are
 * converted strictly, and the call goes through a cif prepared once per
 * (plugin, op) and cached for the life of the process, as
 * GObject-Introspection's invoker does. */
#include "dispatch.h"
#include <errno.h>
#include <ffi.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"

#define MAX_ARGS  8           /* tags per op (loader enforces it too) */
#define CACHE_MAX 128

#define STD(member, tags, t, use) \
    { #member, offsetof(hp_ops, member), tags, t, use }

static const hp_opsig std_ops[] = {
    STD(launch, "", HP_TASK_HELPER, ""),
    STD(install, "s", HP_TASK_HELPER, "USER"),
    STD(links_install, "", HP_TASK_CLI_LINKS, ""),
    STD(links_remove, "", HP_TASK_CLI_LINKS, ""),
    STD(socket_link_install, "", HP_TASK_DOCKER_SOCKET, ""),
    STD(socket_link_remove, "", HP_TASK_DOCKER_SOCKET, ""),
    STD(boot, "", HP_TASK_DOCKER_SOCKET, ""),
    STD(bind_port, "tsif", HP_TASK_PRIVILEGED_PORT, "tcp|udp ADDR PORT"),
    STD(hosts_ensure, "", HP_TASK_HOSTS, ""),
    STD(policy_set, "s", HP_TASK_POLICY, "JSON"),
    STD(settings_set, "ss", HP_TASK_SETTINGS, "KEY VALUE"),
    STD(helper_install, "", HP_TASK_HELPER, ""),
    STD(helper_uninstall, "", HP_TASK_HELPER, ""),
    STD(uninstall, "", HP_TASK_UNINSTALL, ""),
    /* status takes a buffer: not callable by name */
};
#define NSTD (sizeof std_ops / sizeof std_ops[0])

const hp_opsig *hp_dispatch_std(size_t *n)
{
    if (n)
        *n = NSTD;
    return std_ops;
}

/* ---- finding an op --------------------------------------------------- */

struct op {
    const char *name;
    const char *args;
    const char *usage;       /* NULL for extra ops: built from tags */
    int task;
    void (*fn)(void);
};

/* 1 found (fn may be NULL: the version does not do it), 0 unknown.
 * "bind-port" names the member bind_port as well. */
static int find_op(const hp_plugin *d, const char *req, struct op *op)
{
    char name[65];
    size_t n = strlen(req);
    if (n >= sizeof name)
        return 0;
    for (size_t i = 0; i <= n; i++)
        name[i] = req[i] == '-' ? '_' : req[i];
    for (size_t i = 0; i < NSTD; i++)
        if (!strcmp(std_ops[i].name, name)) {
            void (*fn)(void);
            memcpy(&fn, (const char *)&d->ops + std_ops[i].offset, sizeof fn);
            *op = (struct op){ std_ops[i].name, std_ops[i].args,
                               std_ops[i].usage, std_ops[i].task, fn };
            return 1;
        }
    for (size_t i = 0; d->extra_ops && i < d->n_extra_ops; i++) {
        const hp_extra_op *x = &d->extra_ops[i];
        if (!strcmp(x->name, name) || !strcmp(x->name, req)) {
            *op = (struct op){ x->name, x->args ? x->args : "", NULL, x->task,
                               (void (*)(void))x->fn };
            return 1;
        }
    }
    return 0;
}

int hp_dispatch_task(hp_ctx *c, const char *name)
{
    struct op op;
    if (!c || !c->active || !name || !find_op(&c->active->desc, name, &op))
        return -1;
    return op.fn ? op.task : -1;
}

/* ---- cif cache ------------------------------------------------------- */

struct cached {
    const void *plugin;        /* descriptor address in the loaded object */
    char name[65];
    char args[MAX_ARGS + 1];   /* an extra op's signature is the plugin's */
    ffi_cif cif;
    ffi_type *types[MAX_ARGS + 1];
};

static struct cached cache[CACHE_MAX];
static size_t ncache;
static size_t nprepared;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static ffi_type *tag_type(char tag)
{
    switch (tag) {
    case HP_ARG_STR:
    case HP_ARG_FD_OUT:
        return &ffi_type_pointer;
    case HP_ARG_INT:
    case HP_ARG_SOCK:
        return &ffi_type_sint;
    default:
        return NULL;
    }
}

static int prepare(struct cached *k, const char *tags, hp_err *e)
{
    size_t n = strlen(tags);
    k->types[0] = &ffi_type_pointer;            /* plugin state */
    for (size_t i = 0; i < n; i++)
        if (!(k->types[i + 1] = tag_type(tags[i])))
            return hp_err_set(e, HP_EINTERNAL, "op %s: unknown argument "
                              "tag '%c'", k->name, tags[i]);
    if (ffi_prep_cif(&k->cif, FFI_DEFAULT_ABI, (unsigned)n + 1,
                     &ffi_type_sint, k->types) != FFI_OK)
        return hp_err_set(e, HP_EINTERNAL, "op %s: ffi_prep_cif failed",
                          k->name);
    nprepared++;
    return HP_OK;
}

/* The cif for (plugin, op), prepared on first use.  Entries are never
 * removed, so the pointer stays valid without the lock. */
static ffi_cif *cif_for(const void *plugin, const struct op *op, hp_err *e)
{
    ffi_cif *cif = NULL;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache && !cif; i++)
        if (cache[i].plugin == plugin && !strcmp(cache[i].name, op->name) &&
            !strcmp(cache[i].args, op->args))
            cif = &cache[i].cif;
    if (!cif && ncache == CACHE_MAX)
        hp_err_set(e, HP_EINTERNAL, "op %s: cif cache full", op->name);
    else if (!cif) {
        struct cached *k = &cache[ncache];
        k->plugin = plugin;
        snprintf(k->name, sizeof k->name, "%s", op->name);
        snprintf(k->args, sizeof k->args, "%s", op->args);
        if (prepare(k, op->args, e) == HP_OK) {
            ncache++;
            cif = &k->cif;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return cif;
}

size_t hp_dispatch_cifs_prepared(void)
{
    pthread_mutex_lock(&cache_lock);
    size_t n = nprepared;
    pthread_mutex_unlock(&cache_lock);
    return n;
}

/* ---- converting arguments -------------------------------------------- */

static void usage_of(const struct op *op, char *out, size_t n)
{
    if (op->usage) {
        snprintf(out, n, "%s%s%s", op->name, *op->usage ? " " : "", op->usage);
        return;
    }
    size_t l = (size_t)snprintf(out, n, "%s", op->name);
    for (const char *t = op->args; *t && l < n; t++) {
        const char *w = *t == HP_ARG_STR ? " STRING" : *t == HP_ARG_INT ?
                        " NUMBER" : *t == HP_ARG_SOCK ? " tcp|udp" : "";
        l += (size_t)snprintf(out + l, n - l, "%s", w);
    }
}

static int to_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    if (!s[0] || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return -1;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

struct call {
    void *values[MAX_ARGS + 1];
    void *ptrs[MAX_ARGS + 1];      /* storage for pointer arguments */
    int ints[MAX_ARGS + 1];
    int fd;
    int *fdp;
};

/* Usage text is built only for an error message, never per call. */
static int usage_err(hp_err *e, const struct op *op, const char *fmt,
                     const char *arg, int got, int want)
{
    char use[256], msg[256];
    usage_of(op, use, sizeof use);
    if (arg)
        snprintf(msg, sizeof msg, fmt, arg);
    else
        snprintf(msg, sizeof msg, fmt, want, want == 1 ? "" : "s", got);
    return hp_err_set(e, HP_EUSAGE, "op %s%s: usage: call %s", op->name, msg,
                      use);
}

static int convert(const struct op *op, int argc, const char *const *argv,
                   struct call *cl, hp_err *e)
{
    int want = 0, a = 0;
    for (const char *t = op->args; *t; t++)
        want += *t != HP_ARG_FD_OUT;
    if (argc != want)
        return usage_err(e, op, " takes %d argument%s, got %d", NULL, argc,
                         want);
    cl->fd = -1;
    cl->fdp = &cl->fd;
    for (size_t i = 0; op->args[i]; i++) {
        void **slot = &cl->values[i + 1];
        switch (op->args[i]) {
        case HP_ARG_STR:
            cl->ptrs[i + 1] = (void *)argv[a++];
            *slot = &cl->ptrs[i + 1];
            break;
        case HP_ARG_INT:
            if (to_int(argv[a], &cl->ints[i + 1]))
                return usage_err(e, op, ": '%s' is not a decimal number",
                                 argv[a], 0, 0);
            a++;
            *slot = &cl->ints[i + 1];
            break;
        case HP_ARG_SOCK:
            if (!strcmp(argv[a], "tcp"))
                cl->ints[i + 1] = HP_SOCK_TCP;
            else if (!strcmp(argv[a], "udp"))
                cl->ints[i + 1] = HP_SOCK_UDP;
            else
                return usage_err(e, op, ": '%s' is not tcp or udp", argv[a],
                                 0, 0);
            a++;
            *slot = &cl->ints[i + 1];
            break;
        case HP_ARG_FD_OUT:
            *slot = &cl->fdp;
            break;
        default:
            return hp_err_set(e, HP_EINTERNAL, "op %s: bad tag", op->name);
        }
    }
    return HP_OK;
}

int hp_dispatch_call(hp_ctx *c, const char *name, int argc,
                     const char *const *argv, int *fd_out, hp_err *e)
{
    struct op op;
    struct call cl;
    if (fd_out)
        *fd_out = -1;
    if (!c || !c->active)
        return hp_err_set(e, HP_ECONFIG, "no plugin is active: check "
                          "core.version / core.plugin (hostpriv plugins)");
    const hp_plugin *d = &c->active->desc;
    if (!name || !find_op(d, name, &op))
        return hp_err_set(e, HP_EUSAGE, "unknown op '%s': `hostpriv call "
                          "--help` lists the ops", name ? name : "");
    if (!op.fn)
        return hp_err_set(e, HP_ENOTSUP, "op %s: %s does not do that "
                          "(not-in-this-version)", op.name, d->name);
    if (argc < 0 || strlen(op.args) > MAX_ARGS)
        return hp_err_set(e, HP_EUSAGE, "op %s: bad argument list", op.name);
    int rc = convert(&op, argc, argv, &cl, e);
    if (rc != HP_OK)
        return rc;
    ffi_cif *cif = cif_for(c->active->dl, &op, e);
    if (!cif)
        return HP_EINTERNAL;
    cl.ptrs[0] = c->pstate;
    cl.values[0] = &cl.ptrs[0];
    ffi_arg ret = 0;
    ffi_call(cif, op.fn, &ret, cl.values);
    if (fd_out)
        *fd_out = cl.fd;
    return (int)ret;
}
