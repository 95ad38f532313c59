/* hostpriv: global options, then one command from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "actions/hostapi.h"
#include "cli.h"
#include "clierr.h"
#include "engine/events.h"

static const hp_cli_cmd *const commands[] = {
    &hp_cmd_plugins, &hp_cmd_config, &hp_cmd_status, &hp_cmd_doctor,
    &hp_cmd_start, &hp_cmd_install, &hp_cmd_uninstall, &hp_cmd_links,
    &hp_cmd_socket_link, &hp_cmd_hosts, &hp_cmd_bind, &hp_cmd_policy,
    &hp_cmd_settings, &hp_cmd_boot, &hp_cmd_call, &hp_cmd_privileged,
    &hp_cmd_sudoers, &hp_cmd_complete, NULL
};

const hp_cli_cmd *const *hp_cli_commands(void)
{
    return commands;
}

static void help(FILE *f)
{
    fprintf(f, "usage: hostpriv [-c FILE] [--root DIR] [--set SECTION.KEY=VALUE]... "
            "[--json] [-q|-v] COMMAND [ARGS]\n"
            "       hostpriv --help | --version\n\n"
            "Gives a desktop container app the few root-level host changes it "
            "needs,\nthe way the configured app version did.\n\ncommands:\n");
    for (size_t i = 0; commands[i]; i++)
        if (strlen(commands[i]->usage) < 34)
            fprintf(f, "  %-34s %s\n", commands[i]->usage,
                    commands[i]->summary);
        else
            fprintf(f, "  %s\n  %-34s %s\n", commands[i]->usage, "",
                    commands[i]->summary);
    fprintf(f, "\noptions:\n"
            "  -c FILE           read FILE after the system and user configs\n"
            "  --root DIR        resolve every host path under DIR (sandbox)\n"
            "  --set S.K=V       override one key (repeatable); admin.ini "
            "locks win\n"
            "  --json            plugins/config/status/doctor: only JSON on "
            "stdout;\n"
            "                    action commands: events as JSON lines; a "
            "failure:\n"
            "                    one {\"error\":{...}} object on stdout\n"
            "  -q, --quiet       only notices and errors on stderr\n"
            "  -v, --verbose     every step (each event) and debug lines on "
            "stderr\n"
            "  COMMAND --help    the command's usage\n\n"
            "exit: 0 ok, 1 failed or not in this version, 64 usage, 69 helper "
            "unavailable,\n      70 internal, 77 declined or not permitted, "
            "78 config error\n"
            "logs: events to core.event_log (hostpriv config shows it); "
            "the helper's\n      in syslog, its service's log, or "
            "/var/log/hostpriv/LABEL.log (direct);\n"
            "      `hostpriv doctor` says where they are\n"
            "see hostpriv(1), and hostpriv.ini(5) for the configuration\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    hp_err e = HP_ERR_INIT;
    snprintf(e.msg, sizeof e.msg, fmt, arg);
    hp_cli_fail(NULL, HP_EUSAGE, &e);
    fputs("Try 'hostpriv --help'.\n", stderr);
    return HP_EUSAGE;
}

static const hp_cli_cmd *find(const char *name)
{
    for (size_t i = 0; commands[i]; i++)
        if (!strcmp(commands[i]->name, name))
            return commands[i];
    return NULL;
}

/* "--opt VALUE" or "--opt=VALUE"; NULL when argv[*i] is not opt. */
static const char *opt_value(char **argv, int argc, int *i, const char *opt,
                             int *missing)
{
    size_t l = strlen(opt);
    if (strncmp(argv[*i], opt, l) != 0)
        return NULL;
    if (argv[*i][l] == '=')
        return argv[*i] + l + 1;
    if (argv[*i][l] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int parse_globals(hp_cli *cli, int argc, char **argv, int *cmd_at)
{
    size_t nsets = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--json"))
            cli->opts.json = 1;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            cli->verbosity = cli->verbosity > 0 ? 2 : -1;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            cli->verbosity = cli->verbosity < 0 ? 2 : 1;
        else if ((v = opt_value(argv, argc, &i, "-c", &missing)))
            cli->opts.config_file = v;
        else if ((v = opt_value(argv, argc, &i, "--root", &missing)))
            cli->opts.root = v;
        else if ((v = opt_value(argv, argc, &i, "--set", &missing))) {
            if (nsets + 1 >= sizeof cli->sets / sizeof cli->sets[0])
                return usage_error("too many --set options%s", "");
            cli->sets[nsets++] = v;
        } else if (missing)
            return usage_error("option %s needs a value", argv[i]);
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help(stdout);
            exit(0);
        } else if (!strcmp(argv[i], "--version")) {
            printf("hostpriv %s (plugin ABI %d.%d)\n", HP_VERSION,
                   HP_PLUGIN_ABI_MAJOR, HP_PLUGIN_ABI_MINOR);
            exit(0);
        } else
            return usage_error("unknown option '%s'", argv[i]);
    }
    if (cli->verbosity == 2)
        return usage_error("give --quiet or --verbose, not both%s", "");
    cli->sets[nsets] = NULL;
    cli->opts.sets = cli->sets;
    *cmd_at = i;
    return 0;
}

static int closest(const char *name)
{
    int best = -1;
    for (int i = 0; commands[i]; i++)
        if (!strncmp(commands[i]->name, name, 3) ||
            strstr(commands[i]->name, name))
            best = best < 0 ? i : best;
    return best;
}

int main(int argc, char **argv)
{
    hp_cli cli;
    int at = 0;
    memset(&cli, 0, sizeof cli);
    cli.prog = argv[0];
    hp_log_set_tap(hp_cli_log_tap);
    /* --json is known before the options are checked: a usage error of
     * theirs is an error object too */
    for (int i = 1; i < argc && argv[i][0] == '-'; i++)
        cli.opts.json |= !strcmp(argv[i], "--json");
    int rc = parse_globals(&cli, argc, argv, &at);
    if (rc == 0 && at >= argc) {
        help(stderr);
        hp_err e = HP_ERR_INIT;
        snprintf(e.msg, sizeof e.msg, "no command given");
        hp_cli_record(HP_EUSAGE, &e);
        rc = HP_EUSAGE;
    }
    const hp_cli_cmd *cmd = rc ? NULL : find(argv[at]);
    if (rc == 0 && !cmd) {
        int near = closest(argv[at]);
        hp_cli_failf(NULL, HP_EUSAGE, "unknown command '%s'%s%s%s", argv[at],
                     near >= 0 ? " (did you mean '" : "",
                     near >= 0 ? commands[near]->name : "",
                     near >= 0 ? "'?)" : "");
        fputs("Try 'hostpriv --help' for the commands.\n", stderr);
        rc = HP_EUSAGE;
    }
    if (rc == 0) {
        hp_log_set_verbosity(cli.verbosity);
        cli.argc = argc - at - 1;
        cli.argv = argv + at + 1;
        rc = cmd->run(&cli);
    }
    if (cli.opts.json)
        hp_cli_err_json(rc);
    if (fflush(stdout) != 0 && rc == 0)
        rc = HP_EINTERNAL;          /* stdout full or closed: say it failed */
    return rc;
}

/* ---- shared by the commands ------------------------------------------ */

hp_ctx *hp_cli_open(hp_cli *cli, int no_plugin, int *rc)
{
    hp_open_opts o = cli->opts;
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    o.role = geteuid() == 0 ? HP_ROLE_INSTALLER : HP_ROLE_USER;
    o.no_plugin = no_plugin;
    int code = hp_ctx_open(&c, &o, &e);
    if (code != HP_OK) {
        hp_log(NULL, HP_LOG_ERR, "%s", e.msg[0] ? e.msg : hp_strerror(code));
        hp_cli_record(code, &e);
        *rc = hp_exit_code(code);
        return NULL;
    }
    *rc = 0;
    return c;
}

int hp_cli_wants_help(const hp_cli *cli, const hp_cli_cmd *cmd)
{
    for (int i = 0; i < cli->argc && strcmp(cli->argv[i], "--"); i++)
        if (!strcmp(cli->argv[i], "--help") || !strcmp(cli->argv[i], "-h")) {
            printf("usage: hostpriv [global options] %s\n  %s\n", cmd->usage,
                   cmd->summary);
            return 1;
        }
    return 0;
}
