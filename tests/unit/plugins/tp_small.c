/* An older, smaller descriptor: its struct_size ends before extra_ops, so
 * the core must zero-fill them even though the bytes here are not zero. */
#include <hostpriv/plugin.h>
#include <stddef.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
static int x_(void) { return 0; }
static const hp_extra_op junk[] = { { "junk", x_, "", 0 } };
HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    .abi_major = HP_PLUGIN_ABI_MAJOR, .abi_minor = 0,
    .struct_size = offsetof(hp_plugin, extra_ops), .name = "tp-small",
    .versions_text = "any", .init = i_, .fini = f_, .ops = { .launch = l_ },
    .extra_ops = junk, .n_extra_ops = 1,
};
