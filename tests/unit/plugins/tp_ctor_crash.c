/* A constructor that crashes: same story as tp_ctor_exit, by a signal. */
#include <hostpriv/plugin.h>
#include <stdlib.h>
__attribute__((constructor)) static void tp_ctor(void) { abort(); }
HP_PLUGIN_EXPORT int tp_ctor_crash = 1;
