/* A plugin that loads but whose init fails (a configuration it cannot
 * use): `hostpriv plugins` must still list what it found, then fail. */
#include <hostpriv/plugin.h>

static int i_(const hp_host_api *a, hp_host *h, void **st)
{
    a->notice(h, "tp-init-fails: nothing here can be used");
    *st = NULL;
    return HP_ECONFIG;
}
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "tp-init-fails",
    .description = "test plugin whose init fails",
    .version_min = "9.0",
    .version_max = "10.0",
    .versions_text = "9.x",
    .init = i_,
    .fini = f_,
    .ops = { .launch = l_ },
};
