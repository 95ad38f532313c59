/* version_min is not a version. */
#include <hostpriv/plugin.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER, .name = "tp-bad-range", .version_min = "4.x",
    .versions_text = "4.x", .init = i_, .fini = f_, .ops = { .launch = l_ },
};
