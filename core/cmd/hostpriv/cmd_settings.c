/* `hostpriv settings get KEY | set KEY VALUE | reset-decisions`: the 4.18
 * Advanced page (get: the user's effective value; set: the version's op,
 * which asks for authorization when the change needs it), and forgetting
 * recorded declines (every version, no authorization). */
#include <stdio.h>
#include <string.h>

#include "actions/settings.h"
#include "engine/config.h"
#include "host/decisions.h"
#include "host/identity.h"
#include "ops.h"

static int reset_fn(void *arg, hp_err *e)
{
    hp_ctx *c = arg;
    return hp_decision_clear(c->rootfd, c->home, e);
}

static int reset_decisions(hp_ctx *c)
{
    hp_err e = HP_ERR_INIT;
    if (!c->user_known) {
        return hp_cli_failf("settings", HP_ECONFIG, "host.user is not set: "
                            "name the app's user in the configuration");
    }
    int rc = hp_as_user(c->uid, c->gid, reset_fn, c, &e);
    if (rc != HP_OK)
        return hp_cli_fail("settings", rc, &e);
    printf("recorded decisions cleared\n");
    return 0;
}

#define ADVANCED_KEYS "advanced.cli_location (system or user), " \
    "advanced.docker_socket_link (true or false), " \
    "advanced.privileged_ports (true or false)"

/* The user's effective value: for advanced.* an admin.ini lock, else what
 * the user recorded (the installation window, Settings > Advanced), else
 * the configuration. */
static int settings_get(hp_ctx *c, const char *key)
{
    char val[1024];
    hp_err e = HP_ERR_INIT;
    hp_settings_effective(c, key, val, sizeof val, NULL, &e);
    if (e.code != HP_OK)
        fprintf(stderr, "hostpriv settings: warning: %s\n", e.msg);
    printf("%s\n", val);
    return 0;
}

static int settings_set(hp_ctx *c, const char *key, const char *value)
{
    if (hp_config_locked(c->cfg, key)) {
        hp_err e = HP_ERR_INIT;
        snprintf(e.msg, sizeof e.msg, "%s is locked by the administrator "
                 "(admin.ini)", key);
        hp_err_at(&e, key, NULL, NULL, 0);
        return hp_cli_fail("settings", HP_EDENIED, &e);
    }
    const hp_ops *ops = hp_cli_ops(c);
    return ops->settings_set
               ? hp_cli_exit(c, ops->settings_set(c->pstate, key, value))
               : hp_cli_not_in_version(c, HP_TASK_SETTINGS, "settings set");
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_settings))
        return 0;
    const char *verb = cli->argc > 0 ? cli->argv[0] : "";
    int get = strcmp(verb, "get") == 0 && cli->argc == 2;
    int set = strcmp(verb, "set") == 0 && cli->argc == 3;
    int reset = strcmp(verb, "reset-decisions") == 0 && cli->argc == 1;
    if (!get && !set && !reset)
        return hp_cli_usage(&hp_cmd_settings, "say get KEY, set KEY VALUE or "
                            "reset-decisions");
    if ((get || set) && !hp_config_key_find(cli->argv[1])) {
        hp_err e = HP_ERR_INIT;
        snprintf(e.msg, sizeof e.msg, "unknown key %s; the Settings > "
                 "Advanced keys are %s (any key of `hostpriv config` can be "
                 "read with get)", cli->argv[1], ADVANCED_KEYS);
        hp_err_at(&e, cli->argv[1], NULL, NULL, 0);
        return hp_cli_fail("settings", HP_EUSAGE, &e);
    }
    int rc;
    hp_ctx *c = hp_cli_open(cli, !set, &rc);
    if (!c)
        return rc;
    if (get) {
        rc = settings_get(c, cli->argv[1]);
    } else {
        rc = set ? settings_set(c, cli->argv[1], cli->argv[2])
                 : reset_decisions(c);
    }
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_settings = {
    "settings", "settings get KEY | set KEY VALUE | reset-decisions",
    "4.18 Advanced settings; forget recorded declines", run
};
