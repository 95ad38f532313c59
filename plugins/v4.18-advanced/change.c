/* Settings > Advanced (B6, B28): `settings set KEY VALUE` records a change
 * and applies it, with the one authorization only when the change needs
 * root.  A change moves what it governs: links from one place to the
 * other (the old ones removed), the socket link and its startup task in or
 * out, the helper installed or removed.  Declined: nothing changes. */
#include "adv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *key, *choices;
} KEYS[3] = {
    { "advanced.cli_location", "system user" },
    { "advanced.docker_socket_link", "true false" },
    { "advanced.privileged_ports", "true false" },
};

static int usage(adv *a, const char *key)
{
    a->api->notice(a->h, "%s is not a Settings > Advanced key; they are "
                   "advanced.cli_location (system or user), "
                   "advanced.docker_socket_link (true or false) and "
                   "advanced.privileged_ports (true or false)", key);
    return HP_EUSAGE;
}

/* The value as recorded: system/user, booleans as true/false. */
static const char *canonical(int k, const char *v)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    if (k == 0)
        return strcmp(v, "system") == 0 ? "system"
             : strcmp(v, "user") == 0 ? "user" : NULL;
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return "true";
        if (strcasecmp(v, no[i]) == 0)
            return "false";
    }
    return NULL;
}

/* What moving from the current settings to the new value takes. */
static void plan_change(adv *a, int k, int on, const adv_settings *now,
                        adv_plan *p)
{
    adv_settings want = *now;
    switch (k) {
    case 0:         /* the new links first, then the old ones go */
        want.user_bin = on;
        adv_links_ensure(a, &want, p);
        adv_links_remove(a, !on, p);
        break;
    case 1:
        if (on)
            adv_socket_ensure(a, p);
        else
            adv_socket_remove(a, p);
        break;
    default:
        if (on)
            adv_helper_ensure(a, p);
        else
            adv_helper_remove(a, p);
        break;
    }
}

/* A first change before any launch is the user configuring the advanced
 * settings: the whole picture is recorded, so no window follows. */
static void add_record(adv *a, adv_plan *p, int k, const char *v,
                       char vals[3][16])
{
    if (!a->api->settings_recorded(a->h, "window.choice")) {
        p->kv[p->nkv++] = "window.choice";
        p->kv[p->nkv++] = "advanced";
        for (int i = 0; i < 3; i++) {
            if (i == k)
                continue;
            snprintf(vals[i], 16, "%s", a->api->settings_get(a->h,
                                                             KEYS[i].key));
            p->kv[p->nkv++] = KEYS[i].key;
            p->kv[p->nkv++] = vals[i];
        }
    }
    p->kv[p->nkv++] = KEYS[k].key;
    p->kv[p->nkv++] = v;
}

int adv_settings_set(void *st, const char *key, const char *value)
{
    adv *a = st;
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (key && strcmp(key, KEYS[i].key) == 0)
            k = i;
    if (k < 0)
        return usage(a, key ? key : "(none)");
    const char *v = value ? canonical(k, value) : NULL;
    if (!v) {
        a->api->notice(a->h, "%s cannot be '%s': it is one of %s", key,
                       value ? value : "", KEYS[k].choices);
        return HP_ECONFIG;
    }
    if (a->api->conf_locked(a->h, key)) {
        a->api->notice(a->h, "%s is locked by the administrator "
                       "(admin.ini): nothing was changed", key);
        return HP_EDENIED;
    }
    adv_settings now;
    adv_settings_read(a, &now);
    adv_plan p = { .n = 0 };
    char vals[3][16];
    int on = k == 0 ? strcmp(v, "user") == 0 : strcmp(v, "true") == 0;
    plan_change(a, k, on, &now, &p);
    add_record(a, &p, k, v, vals);
    char why[128];
    snprintf(why, sizeof why, "to change %s to %s", key, v);
    int rc = adv_plan_run(a, &p, HP_TASK_SETTINGS, ADV_ALL_OR_NOTHING, why);
    if (rc != HP_OK)
        return rc;
    char path[4096], detail[128];
    snprintf(path, sizeof path, "%s" ADV_FILE, adv_home(a));
    snprintf(detail, sizeof detail, "%s = %s", key, v);
    a->api->event(a->h, HP_EV_DONE, HP_TASK_SETTINGS,
                  adv_is_root(a) ? HP_VIA_INSTALLER : HP_VIA_USER, path,
                  detail);
    /* what the new value means for the user, and only that */
    adv_settings s;
    adv_settings_read(a, &s);
    adv_settings said = { .user_bin = k == 0 && s.user_bin,
                          .socket = k != 1 || s.socket,
                          .ports = k != 2 || s.ports };
    adv_say_off(a, &said);
    return HP_OK;
}
