/* v4.18-advanced: Docker Desktop 4.18 and later (the installation choice,
 * Settings > Advanced).  The plugin is listed and selected for those
 * versions; it performs none of their tasks, so every op answers "not
 * supported" through the normal error path and the launch says so. */
#include <hostpriv/plugin.h>
#include <stdlib.h>

typedef struct advanced {
    const hp_host_api *api;
    hp_host *host;
} advanced;

static int advanced_init(const hp_host_api *api, hp_host *h, void **st)
{
    advanced *a = calloc(1, sizeof *a);
    if (!a)
        return HP_EINTERNAL;
    a->api = api;
    a->host = h;
    *st = a;
    return HP_OK;
}

static void advanced_fini(void *st)
{
    free(st);
}

static int advanced_launch(void *st)
{
    advanced *a = st;
    a->api->notice(a->host, "v4.18-advanced: hostpriv does not perform the "
                   "4.18 launch (installation choice, Settings > Advanced); "
                   "nothing was changed.  Set core.version to 4.17 or "
                   "earlier to emulate a version whose launch it performs");
    return HP_ENOTSUP;
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "v4.18-advanced",
    .description = "4.18 and later: installation choice and Settings > "
                   "Advanced (CLI location, socket link, privileged ports)",
    .version_min = "4.18",
    .version_max = NULL,
    .versions_text = ">= 4.18",
    .helper_serves = 0,
    .init = advanced_init,
    .fini = advanced_fini,
    .ops = {
        .launch = advanced_launch,
    },
};
