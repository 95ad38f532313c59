/* Selecting and starting the plugin for `plugins` and `doctor`, which
 * report on it rather than stop at its first problem. */
#ifndef HP_CLI_PLUGLOAD_H
#define HP_CLI_PLUGLOAD_H
#include <stddef.h>
#include "engine/ctx.h"

/* hp_ctx_reload_plugin on a context opened without plugins, keeping the
 * loader's message for each file it rejected (one a line, also warned
 * about on stderr as always) in rejected.  After a failure to pick or
 * start a plugin, c->plugins still lists what the scan found (c->active
 * is NULL); after a failure to scan, nothing was found. */
int hp_cli_load_plugins(hp_ctx *c, char *rejected, size_t n, hp_err *e);
#endif
