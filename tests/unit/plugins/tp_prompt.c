/* For the embedding API's tests: launch asks one prompt and says what the
 * answer was in its result (granted HP_OK, declined HP_EDENIED, timed out
 * HP_EFAIL, unavailable HP_EUNAVAIL), after a notice; built against this
 * plugin.h (ABI 1.2: granted is 1). */
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
    s->api->notice(s->h, "tp-prompt: a notice for the user");
    int r = s->api->prompt(s->h, HP_TASK_CLI_LINKS, "tp-prompt asks");
    switch (r) {
    case HP_PROMPT_GRANTED:     return HP_OK;
    case HP_PROMPT_DECLINED:    return HP_EDENIED;
    case HP_PROMPT_TIMED_OUT:   return HP_EFAIL;
    case HP_PROMPT_UNAVAILABLE: return HP_EUNAVAIL;
    }
    return HP_EINTERNAL;
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "tp-prompt",
    .description = "asks once",
    .versions_text = "any",
    .init = p_init,
    .fini = p_fini,
    .ops = { .launch = p_launch },
};
