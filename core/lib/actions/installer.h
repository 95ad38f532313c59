/* `hostpriv install --user NAME` (B37-B41): the command-line install of
 * Docker Desktop 4.11 and later, run as root by a package's postinstall.
 * What every version shares is here; the version's own privileged
 * configuration is its plugin's `install` op. */
#ifndef HP_INSTALLER_H
#define HP_INSTALLER_H
#include "engine/ctx.h"

/* The version that introduced `--user`. */
#define HP_INSTALL_USER_SINCE "4.11"

/* In order, each change journaled before it is made (c->dry_run: each
 * said instead, nothing changed):
 *  - checks, changing nothing: root (HP_EDENIED), the emulated version is
 *    4.11 or later (HP_EUSAGE), the context's user is `user` (opening
 *    refused another name while one is installed: HP_EDENIED);
 *  - NAME recorded as the one account hostpriv serves, in the system
 *    configuration directory (HP_INSTALLED_USER_FILE, root 0644), unless
 *    it is already;
 *  - B38: a previous com.docker.vmnetd removed (stop, service file,
 *    binary): one there before NAME was recorded, or whose binary is not
 *    the hostprivd this install would copy;
 *  - the plugin's install op: links, hosts, and the rest of the version's
 *    configuration.
 * Returns an hp_code; a second run with the same NAME changes nothing. */
int hp_installer_run(hp_ctx *c, const char *user);
#endif
