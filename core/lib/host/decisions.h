/* Per-user recorded decisions (a declined CLI-links prompt, ...) in
 * ~/.docker/hostpriv/decisions.ini, written atomically as the user. */
#ifndef HP_DECISIONS_H
#define HP_DECISIONS_H
#include <stddef.h>
#include "base/err.h"

#define HP_DECISIONS_FILE ".docker/hostpriv/decisions.ini"

/* 1 found (value copied), 0 not recorded, <0 -code.  A damaged file
 * (NUL, over-long line, key outside [decisions], duplicate) is an error
 * naming its line; hp_decision_clear removes it. */
int hp_decision_get(int rootfd, const char *home, const char *key, char *val,
                    size_t n, hp_err *e);
/* value NULL removes the key (the file goes with the last one).  Keys:
 * 1-64 of [a-z0-9.-]; values: up to 120 printable ASCII bytes, no ';' and
 * no leading/trailing space (so they read back as written).  Writes run
 * as the home's owner: as root into a user's home, HP_EINTERNAL. */
int hp_decision_set(int rootfd, const char *home, const char *key,
                    const char *value, hp_err *e);
int hp_decision_clear(int rootfd, const char *home, hp_err *e);
/* Calls fn for each recorded decision, sorted by key. */
int hp_decision_each(int rootfd, const char *home,
                     void (*fn)(void *arg, const char *key, const char *val),
                     void *arg, hp_err *e);
#endif
