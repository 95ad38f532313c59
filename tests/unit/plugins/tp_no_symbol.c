/* A shared object without the descriptor symbol. */
#include <hostpriv/plugin.h>
HP_PLUGIN_EXPORT int tp_something_else = 1;
