/* Required init is NULL. */
#include <hostpriv/plugin.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER, .name = "tp-no-init", .versions_text = "any",
    .init = NULL, .fini = f_, .ops = { .launch = l_ },
};
static int unused_(void) { return i_(0, 0, 0); }
HP_PLUGIN_EXPORT int (*tp_keep)(void) = unused_;
