/* `hostprivd boot`: the docker.sock boot task for a helper-installed link.
 * It is the same action `hostpriv boot` runs (HP_ACT_BOOT), opened like a
 * root step (privileged role: root-owned config and root only, no user
 * layer), so the link it makes is the one the helper made.  Started by the
 * service manager, or by a helper that kept no capability to pass on, it
 * logs its events and never opens the app's event log (a file the user
 * owns, which root without CAP_DAC_OVERRIDE cannot open, and should not
 * write through). */
#include <limits.h>
#include <stdio.h>

#include "actions/hostapi.h"
#include "actions/actions.h"
#include "engine/events.h"
#include "hostprivd.h"

int hpd_boot(const char *cfg, const char *root, const char *plugin_dir)
{
    char set[PATH_MAX + 32];
    const char *sets[2] = { NULL, NULL };
    if (plugin_dir) {
        snprintf(set, sizeof set, "core.plugin_dir=%s", plugin_dir);
        sets[0] = set;
    }
    hp_open_opts o = {
        .role = HP_ROLE_PRIVILEGED,
        .root = root,
        .config_file = cfg,
        .sets = sets[0] ? sets : NULL,
        .no_user_layer = 1,
        .no_plugin = 1,
    };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    int rc = hp_ctx_open(&c, &o, &e);
    if (rc != HP_OK) {
        fprintf(stderr, "hostprivd boot: %s\n", e.msg);
        return rc;
    }
    char path[PATH_MAX];
    rc = hp_action_do(c, HP_ACT_BOOT, NULL, 0, path, sizeof path, &e);
    if (rc != HP_OK)
        fprintf(stderr, "hostprivd boot: %s\n", e.msg);
    else
        fprintf(stderr, "hostprivd boot: %s recreated\n", path);
    hp_ctx_close(c);
    return rc;
}
