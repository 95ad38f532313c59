/* A constructor that calls exit(): it runs inside dlopen, before the loader
 * sees the descriptor, so it ends the loading process with its code.  The
 * loader cannot stop code it loads; the defence is that root loads only
 * root-owned plugins from a root-owned directory (test_loader documents it). */
#include <hostpriv/plugin.h>
#include <stdlib.h>
__attribute__((constructor)) static void tp_ctor(void) { exit(42); }
HP_PLUGIN_EXPORT int tp_ctor_exit = 1;
