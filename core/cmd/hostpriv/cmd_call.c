/* `hostpriv call OP [ARG...]`: any op of the active plugin by name, through
 * the libffi dispatcher.  A descriptor an op returns stays open and its
 * number is printed ("fd N"), for a caller that execs on with it. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "engine/dispatch.h"
#include "engine/events.h"
#include "engine/loader.h"

static void list_ops(const hp_ctx *c)
{
    size_t n;
    const hp_opsig *s = hp_dispatch_std(&n);
    printf("ops:\n");
    for (size_t i = 0; i < n; i++) {
        int has = 1;
        if (c && c->active) {
            void (*fn)(void);
            memcpy(&fn, (const char *)&c->active->desc.ops + s[i].offset,
                   sizeof fn);
            has = fn != NULL;
        }
        printf("  %-20s %-20s %s\n", s[i].name, s[i].usage,
               has ? "" : "(not in this version)");
    }
    for (size_t i = 0; c && c->active && i < c->active->desc.n_extra_ops; i++)
        printf("  %-20s tags \"%s\" (extra op of %s)\n",
               c->active->desc.extra_ops[i].name,
               c->active->desc.extra_ops[i].args ?
               c->active->desc.extra_ops[i].args : "", c->active->desc.name);
}

static int task_of(const char *op)
{
    size_t n;
    const hp_opsig *s = hp_dispatch_std(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].name, op))
            return s[i].task;
    return HP_TASK_HELPER;
}

static int run(hp_cli *cli)
{
    int rc;
    if (hp_cli_wants_help(cli, &hp_cmd_call)) {
        hp_ctx *c = hp_cli_open(cli, 0, &rc);
        list_ops(c);
        hp_ctx_close(c);
        return 0;
    }
    if (cli->argc < 1) {
        hp_cli_failf("call", HP_EUSAGE, "which op?");
        fprintf(stderr, "usage: hostpriv %s\n(hostpriv call --help lists the "
                "ops)\n", hp_cmd_call.usage);
        return HP_EUSAGE;
    }
    /* the op alone would skip what `install` does around it (the checks,
     * the record of the one account served, a previous helper removed) */
    if (!strcmp(cli->argv[0], "install") && cli->argc > 1)
        return hp_cli_failf("call", HP_EUSAGE, "call install USER: run "
                            "hostpriv install --user USER instead");
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    hp_err e = HP_ERR_INIT;
    int fd = -1;
    rc = hp_dispatch_call(c, cli->argv[0], cli->argc - 1,
                          (const char *const *)cli->argv + 1, &fd, &e);
    if (rc == HP_ENOTSUP && e.msg[0]) {
        hp_log(c, HP_LOG_ERR, "%s", e.msg);
        hp_event(c, HP_EV_SKIPPED, task_of(cli->argv[0]), HP_VIA_NONE, "",
                 "not-in-this-version");
    } else if (rc != HP_OK) {
        const char *why = e.msg[0] ? e.msg : c->err.msg;
        hp_log(c, HP_LOG_ERR, "call %s: %s", cli->argv[0],
               why[0] ? why : hp_strerror(rc));
    }
    if (fd >= 0)
        printf("fd %d\n", fd);
    hp_ctx_close(c);
    return hp_exit_code(rc);
}

const hp_cli_cmd hp_cmd_call = {
    "call", "call OP [ARG...]",
    "invoke an op of the active plugin by name (libffi)", run
};
