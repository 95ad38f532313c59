/* tp-prompt as a plugin built against plugin.h 1.1 would be: the answer
 * values it was compiled with are granted 0 and declined 1, and the core
 * must hand it those. */
#include <hostpriv/plugin.h>
#include <stdlib.h>

typedef struct { const hp_host_api *api; hp_host *h; } st_t;

static int p_init(const hp_host_api *api, hp_host *h, void **st)
{
    st_t *s = calloc(1, sizeof *s);
    if (!s)
        return HP_EINTERNAL;
    s->api = api;
    s->h = h;
    *st = s;
    return HP_OK;
}

static void p_fini(void *st) { free(st); }

static int p_launch(void *st)
{
    st_t *s = st;
    int r = s->api->prompt(s->h, HP_TASK_CLI_LINKS, "tp-prompt-old asks");
    return r == 0 ? HP_OK : r == 1 ? HP_EDENIED : HP_EINTERNAL;
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    .abi_major = HP_PLUGIN_ABI_MAJOR, .abi_minor = 1,
    .struct_size = (uint32_t)sizeof(struct hp_plugin),
    .name = "tp-prompt-old",
    .description = "asks once, ABI 1.1",
    .versions_text = "any",
    .init = p_init,
    .fini = p_fini,
    .ops = { .launch = p_launch },
};
