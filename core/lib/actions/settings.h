/* The user's 4.18 settings as every program sees them: the effective value
 * of an advanced.* key (admin.ini lock > the user's recorded settings > the
 * other configuration layers), and recording a change with the user's
 * rights.  The file itself is host/usersettings. */
#ifndef HP_SETTINGS_H
#define HP_SETTINGS_H
#include <stddef.h>
#include "engine/ctx.h"

/* 1 for the keys of Settings > Advanced (advanced.*). */
int hp_settings_is_advanced(const char *key);
/* The effective value of key into out ("true"/"false" for the booleans);
 * *origin (may be NULL) names where it comes from: "recorded" (the user's
 * settings file), or the configuration origin ("default", "FILE:LINE",
 * an admin.ini lock's FILE:LINE).  Keys other than advanced.* are the
 * configuration's.  A settings file that cannot be read counts as nothing
 * recorded, its reason in e (may be NULL). */
int hp_settings_effective(hp_ctx *c, const char *key, char *out, size_t n,
                          const char **origin, hp_err *e);
/* The recorded value of a settings key: 1, 0 (none), <0 -code. */
int hp_settings_recorded(hp_ctx *c, const char *key, char *out, size_t n,
                         hp_err *e);
/* Record pairs (hp_usersettings_set) with the user's rights; a directory
 * it creates (~/.docker, ~/.docker/hostpriv) is journaled so uninstall
 * leaves the home as it was. */
int hp_settings_record(hp_ctx *c, const char *const *kv, size_t npairs,
                       hp_err *e);
#endif
