/* A descriptor larger than the core's struct: rejected, never read past. */
#include <hostpriv/plugin.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
struct bigger { hp_plugin p; char more[64]; };
HP_PLUGIN_EXPORT const struct bigger hp_plugin_descriptor = { .p = {
    .abi_major = HP_PLUGIN_ABI_MAJOR, .abi_minor = HP_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct bigger), .name = "tp-oversize",
    .versions_text = "any", .init = i_, .fini = f_, .ops = { .launch = l_ },
} };
