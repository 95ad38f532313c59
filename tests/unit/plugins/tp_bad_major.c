/* ABI major 2: must be rejected naming the major. */
#include <hostpriv/plugin.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    .abi_major = HP_PLUGIN_ABI_MAJOR + 1, .abi_minor = 0,
    .struct_size = sizeof(hp_plugin), .name = "tp-bad-major",
    .versions_text = "any", .init = i_, .fini = f_, .ops = { .launch = l_ },
};
