/* The hostpriv CLI: global options parsed once in main.c, then one
 * hp_cli_cmd per command, each in its own file. */
#ifndef HP_CLI_H
#define HP_CLI_H
#include "engine/ctx.h"
#include "clierr.h"

typedef struct hp_cli {
    hp_open_opts opts;          /* from -c, --root, --set, --json */
    const char *sets[64];       /* storage behind opts.sets */
    int argc;                   /* arguments after the command name */
    char **argv;
    const char *prog;           /* argv[0] */
    int verbosity;              /* -1 --quiet, 0, 1 --verbose */
} hp_cli;

typedef struct hp_cli_cmd {
    const char *name;           /* "links" */
    const char *usage;          /* "links install|remove" */
    const char *summary;        /* one line for --help */
    int (*run)(hp_cli *cli);    /* returns the process exit code */
} hp_cli_cmd;

/* Open the context for a command (prints the error, returns its exit code
 * in *rc on failure). */
hp_ctx *hp_cli_open(hp_cli *cli, int no_plugin, int *rc);
/* "--help"/"-h" anywhere in the command's args: print usage, return 1. */
int hp_cli_wants_help(const hp_cli *cli, const hp_cli_cmd *cmd);

/* Every command, NULL-terminated (completion lists them). */
const hp_cli_cmd *const *hp_cli_commands(void);

extern const hp_cli_cmd hp_cmd_plugins, hp_cmd_config, hp_cmd_call,
    hp_cmd_status, hp_cmd_start, hp_cmd_install, hp_cmd_uninstall,
    hp_cmd_links, hp_cmd_socket_link, hp_cmd_hosts, hp_cmd_bind,
    hp_cmd_policy, hp_cmd_settings, hp_cmd_boot, hp_cmd_privileged,
    hp_cmd_doctor, hp_cmd_sudoers, hp_cmd_complete;
#endif
