/* Calling the active plugin's ops from the CLI commands. */
#ifndef HP_CLI_OPS_H
#define HP_CLI_OPS_H
#include "cli.h"

/* The active plugin's op table (NULL when no plugin is active). */
const hp_ops *hp_cli_ops(hp_ctx *c);
/* A NULL op: say so, emit `skipped not-in-this-version`, return the exit
 * code (1). */
int hp_cli_not_in_version(hp_ctx *c, int task, const char *what);
/* The exit code of an op's result (HP_ENOTSUP -> 1). */
int hp_cli_exit(hp_ctx *c, int rc);
/* Usage error for cmd: message to stderr, exit 64. */
int hp_cli_usage(const hp_cli_cmd *cmd, const char *why);
#endif
