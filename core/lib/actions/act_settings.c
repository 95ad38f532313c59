/* The user's 4.18 settings (settings.h): which value wins, and recording
 * with the user's rights.  The precedence is the contract's: an admin.ini
 * lock, then what the user chose (the installation window, Settings >
 * Advanced), then the other configuration layers (the window's values). */
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "settings.h"
#include "engine/config.h"
#include "host/usersettings.h"

int hp_settings_is_advanced(const char *key)
{
    return key && strncmp(key, "advanced.", 9) == 0 &&
           hp_usersettings_choices(key) != NULL;
}

int hp_settings_recorded(hp_ctx *c, const char *key, char *out, size_t n,
                         hp_err *e)
{
    if (!c->user_known)
        return 0;
    return hp_usersettings_get(c->rootfd, c->home, key, out, n, e);
}

/* The configuration's value; an advanced.* boolean spelt true/false, as
 * the settings file records it (other keys as configured). */
static void conf_value(hp_ctx *c, const char *key, char *out, size_t n)
{
    const hp_config_key *k = hp_config_key_find(key);
    if (k && k->type == HP_CT_BOOL && hp_settings_is_advanced(key))
        snprintf(out, n, "%s", hp_conf_bool(c, key) ? "true" : "false");
    else
        snprintf(out, n, "%s", hp_conf(c, key) ? hp_conf(c, key) : "");
}

int hp_settings_effective(hp_ctx *c, const char *key, char *out, size_t n,
                          const char **origin, hp_err *e)
{
    const char *org = hp_config_origin(c->cfg, key);
    conf_value(c, key, out, n);
    if (hp_settings_is_advanced(key) && !hp_config_locked(c->cfg, key)) {
        char rec[32];
        if (hp_settings_recorded(c, key, rec, sizeof rec, e) == 1) {
            snprintf(out, n, "%s", rec);
            org = "recorded";
        }
    }
    if (origin)
        *origin = org ? org : "";
    return HP_OK;
}

struct rec { hp_ctx *c; const char *const *kv; size_t n; };

static int rec_fn(void *arg, hp_err *e)
{
    struct rec *r = arg;
    return hp_usersettings_set(r->c->rootfd, r->c->home, r->kv, r->n, e);
}

int hp_settings_record(hp_ctx *c, const char *const *kv, size_t npairs,
                       hp_err *e)
{
    struct rec r = { c, kv, npairs };
    return hp_act_user_state(c, rec_fn, &r, e);
}
