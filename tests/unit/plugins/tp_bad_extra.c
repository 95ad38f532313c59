/* An extra op with an unknown argument tag. */
#include <hostpriv/plugin.h>
static int i_(const hp_host_api *a, hp_host *h, void **st)
{ (void)a; (void)h; *st = NULL; return HP_OK; }
static void f_(void *st) { (void)st; }
static int l_(void *st) { (void)st; return HP_OK; }
static int x_(void) { return 0; }
static const hp_extra_op bad[] = { { "weird", x_, "sq", HP_TASK_HOSTS } };
HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER, .name = "tp-bad-extra", .versions_text = "any",
    .init = i_, .fini = f_, .ops = { .launch = l_ }, .extra_ops = bad,
    .n_extra_ops = 1,
};
