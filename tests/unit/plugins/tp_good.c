/* A valid plugin for loader and dispatch tests: ops that echo what they
 * were given back as their return code, one NULL op, extra ops. */
#include <hostpriv/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int good_init(const hp_host_api *api, hp_host *h, void **st)
{
    (void)api;
    (void)h;
    *st = calloc(1, 64);
    return *st ? HP_OK : HP_EINTERNAL;
}

static void good_fini(void *st) { free(st); }

static int good_launch(void *st) { return st ? HP_OK : HP_EINTERNAL; }

/* 0 only for exactly ("tcp", "127.0.0.1", 8080); the fd is a real one */
static int good_bind(void *st, int socktype, const char *addr, int port,
                     int *fd)
{
    (void)st;
    if (socktype != HP_SOCK_TCP || strcmp(addr, "127.0.0.1") || port != 8080)
        return HP_EFAIL;
    *fd = dup(0);
    return *fd >= 0 ? HP_OK : HP_EFAIL;
}

static int good_policy(void *st, const char *json)
{
    (void)st;
    return (int)strlen(json);
}

static int good_settings(void *st, const char *k, const char *v)
{
    (void)st;
    return strcmp(k, "advanced.cli_location") == 0 && strcmp(v, "user") == 0
               ? HP_OK : HP_EFAIL;
}

static int good_sum(void *st, int a, int b) { (void)st; return a + b; }
static int good_neg(void *st, int a) { (void)st; return -a; }

static const hp_extra_op extra[] = {
    { "sum", (int (*)(void))(void (*)(void))good_sum, "ii", HP_TASK_SETTINGS },
    { "neg", (int (*)(void))(void (*)(void))good_neg, "i", HP_TASK_SETTINGS },
};

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "tp-good",
    .description = "test plugin",
    .version_min = "1.0",
    .version_max = "2.0",
    .versions_text = "1.0 - 1.x",
    .helper_serves = HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT),
    .init = good_init,
    .fini = good_fini,
    .ops = {
        .launch = good_launch,
        .bind_port = good_bind,
        .policy_set = good_policy,
        .settings_set = good_settings,
        /* links_install left NULL: "not in this version" */
    },
    .extra_ops = extra,
    .n_extra_ops = 2,
};
