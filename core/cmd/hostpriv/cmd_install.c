/* `hostpriv install [--user NAME] [--dry-run]`: the installer flow, run
 * as root.  --user NAME (or --user=NAME) is the command-line install of
 * 4.11 and later (actions/installer.h); --dry-run says each change instead
 * of making it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "actions/installer.h"
#include "host/identity.h"
#include "ops.h"

typedef struct install_args { const char *user; int dry_run; } install_args;

static int parse(hp_cli *cli, install_args *a)
{
    for (int i = 0; i < cli->argc; i++) {
        const char *s = cli->argv[i], *v = NULL;
        if (!strcmp(s, "--dry-run")) {
            a->dry_run = 1;
            continue;
        }
        if (!strcmp(s, "--user")) {
            if (i + 1 == cli->argc)
                return hp_cli_usage(&hp_cmd_install, "--user needs the "
                                    "account's name: --user NAME");
            v = cli->argv[++i];
        } else if (!strncmp(s, "--user=", 7)) {
            v = s + 7;
        } else {
            char why[256];
            snprintf(why, sizeof why, "unknown argument '%.128s': the "
                     "options are --user NAME and --dry-run", s);
            return hp_cli_usage(&hp_cmd_install, why);
        }
        if (a->user)
            return hp_cli_usage(&hp_cmd_install, "--user given twice: "
                                "hostpriv serves one account");
        if (!*v || *v == '-')
            return hp_cli_usage(&hp_cmd_install, "--user needs the account's "
                                "name: --user NAME");
        a->user = v;
    }
    if (a->dry_run && !a->user)
        return hp_cli_usage(&hp_cmd_install, "--dry-run goes with --user "
                            "NAME: it shows what that would change");
    return 0;
}

/* NAME must be an account of this machine, and not root: the app runs
 * unprivileged. */
static int known_user(const char *user)
{
    uid_t uid;
    gid_t gid;
    char home[PATH_MAX], shell[PATH_MAX];
    hp_err e = HP_ERR_INIT;
    if (hp_user_lookup(user, &uid, &gid, home, sizeof home, shell,
                       sizeof shell, &e) != HP_OK)
        return hp_cli_failf("install", HP_EUSAGE, "--user %s: there is no "
                            "account named '%s' on this machine (getent "
                            "passwd %s): create it first, or name the "
                            "account that runs the app", user, user, user);
    if (uid == 0)
        return hp_cli_failf("install", HP_EUSAGE, "--user %s: that is root; "
                            "name the unprivileged account that runs the "
                            "app", user);
    return 0;
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_install))
        return 0;
    install_args a = { NULL, 0 };
    int rc = parse(cli, &a);
    if (rc != 0)
        return rc;
    if (geteuid() != 0) {
        return hp_cli_failf("install", HP_EDENIED, "the installer flow runs "
                            "as root (from the package's postinstall, or "
                            "sudo hostpriv install --user NAME)");
    }
    if (a.user && (rc = known_user(a.user)) != 0)
        return rc;
    cli->opts.install_user = a.user;
    cli->opts.dry_run = a.dry_run;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    const hp_ops *ops = hp_cli_ops(c);
    if (a.user)
        rc = hp_cli_exit(c, hp_installer_run(c, a.user));
    else
        rc = ops->install ? hp_cli_exit(c, ops->install(c->pstate, NULL))
                          : hp_cli_not_in_version(c, HP_TASK_HELPER,
                                                  "install");
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_install = {
    "install", "install [--user NAME] [--dry-run]",
    "installer flow (root); --user NAME (or --user=NAME): the command-line "
    "install, so NAME's first launch asks for nothing; --dry-run: say each "
    "change instead", run
};
