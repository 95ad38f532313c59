/* The user's Docker Desktop 4.18 settings: the installation window's
 * choice, the Settings > Advanced values, and how each privileged part was
 * applied, in ~/.docker/hostpriv/settings.ini under host.home, written
 * atomically as the user (never found through $HOME).  Any process acting
 * for the user writes it the same way: the app's launch, `settings set`,
 * and a root installer through hp_as_user. */
#ifndef HP_USERSETTINGS_H
#define HP_USERSETTINGS_H
#include <stddef.h>
#include "base/err.h"

#define HP_USERSETTINGS_FILE ".docker/hostpriv/settings.ini"

/* Keys are SECTION.NAME of a fixed schema; each value one of its choices:
 *   window.choice                default | advanced
 *   advanced.cli_location        system | user
 *   advanced.docker_socket_link  true | false
 *   advanced.privileged_ports    true | false
 *   applied.cli-links, applied.docker-socket, applied.helper
 *                                user | elevated | helper | installer
 * The file holds nothing else, so it is parsed strictly: a NUL, an
 * over-long line, an unknown section or key, a value not among the
 * choices or a key given twice is "corrupt" and named with its line. */

/* The choices of key, blank-separated ("system user"); NULL: not a key. */
const char *hp_usersettings_choices(const char *key);
/* HP_EUSAGE for an unknown key, HP_ECONFIG for a value that is not one of
 * its choices; each message lists what is valid. */
int hp_usersettings_valid(const char *key, const char *value, hp_err *e);

/* 1 recorded (copied into val), 0 not recorded, <0 -code. */
int hp_usersettings_get(int rootfd, const char *home, const char *key,
                        char *val, size_t n, hp_err *e);
/* Record npairs key/value pairs (kv[2i], kv[2i+1]; a NULL value removes
 * the key) in one atomic replace: all or nothing.  The file goes with its
 * last key.  Runs as the home's owner: as root into a user's home,
 * HP_EINTERNAL (use hp_as_user). */
int hp_usersettings_set(int rootfd, const char *home, const char *const *kv,
                        size_t npairs, hp_err *e);
/* Remove the file (only a regular file: anything else is named). */
int hp_usersettings_clear(int rootfd, const char *home, hp_err *e);
/* fn for each recorded key, in schema order. */
int hp_usersettings_each(int rootfd, const char *home,
                         void (*fn)(void *arg, const char *key,
                                    const char *val),
                         void *arg, hp_err *e);
#endif
