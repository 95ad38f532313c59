/* doctor: the host (root, user, home) and the elevation path. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "auth/elevate.h"
#include "base/proc.h"
#include "doctor.h"
#include "engine/config.h"
#include "engine/programs.h"

#define POLKIT_ACTIONS "/usr/share/polkit-1/actions"

void hp_doc_host(hp_doc *d, hp_ctx *c)
{
    hp_doc_add(d, HP_DOC_OK, "host", NULL, "host.root %s%s",
               c->root[0] ? c->root : "/",
               c->root[0] ? " (a sandbox: every host path resolves under it)"
                          : " (the real host)");
    if (!c->user_known) {
        char fix[PATH_MAX + 64];
        snprintf(fix, sizeof fix, "set host.user in %s/hostpriv.ini to the "
                 "app's user", hp_sysconf_dir(c));
        hp_doc_add(d, HP_DOC_WARN, "host", fix,
                   "no host.user: root with nothing configured acts for no "
                   "user, and the user's tasks cannot be checked");
        return;
    }
    char real[PATH_MAX];
    struct stat st;
    hp_real_path(c, c->home, real, sizeof real);
    if (lstat(real, &st) != 0)
        hp_doc_add(d, HP_DOC_WARN, "host", "create it, or set host.home",
                   "host.user %s (uid %u): home %s: %s", c->user,
                   (unsigned)c->uid, c->home, strerror(errno));
    else if (st.st_uid != c->uid)
        hp_doc_add(d, HP_DOC_WARN, "host", "chown the home to its user, or "
                   "set host.home", "host.user %s (uid %u): home %s is owned "
                   "by uid %u", c->user, (unsigned)c->uid, c->home,
                   (unsigned)st.st_uid);
    else
        hp_doc_add(d, HP_DOC_OK, "host", NULL, "host.user %s (uid %u), home "
                   "%s, shell %s", c->user, (unsigned)c->uid, c->home,
                   c->shell);
    const char *origin = NULL;
    if (geteuid() != 0 && geteuid() != c->uid &&
        hp_config_layer_value(c->cfg, "host.user", HP_LAYER_INSTALL, &origin))
        hp_doc_add(d, HP_DOC_FAIL, "host", "an administrator runs hostpriv "
                   "uninstall, then hostpriv install --user OTHER",
                   "installed for %s only (%s): this account (uid %u) cannot "
                   "run it", c->user, origin, (unsigned)geteuid());
}

/* The program of argv[0]: absolute, or found in PATH. */
static int present(const char *prog)
{
    return prog[0] == '/' ? access(prog, X_OK) == 0 : hp_in_path(prog);
}

/* `sudo -n -l [-U USER] THIS privileged TASK ...`: would sudo run the
 * step elevation runs, without a password?  (sudo checks the rule's
 * digest here too.) */
static void sudo_check(hp_doc *d, hp_ctx *c, char **argv, size_t at)
{
    char *probe[64], out[1024], fix[PATH_MAX + 256];
    size_t n = 0;
    for (size_t i = 0; i < at && n < 50; i++)
        probe[n++] = argv[i];
    probe[n++] = "-n";
    probe[n++] = "-l";
    if (geteuid() == 0) {             /* root asks for the app's user */
        probe[n++] = "-U";
        probe[n++] = c->user;
    }
    for (size_t i = at; argv[i] && n < 63; i++)
        probe[n++] = argv[i];
    probe[n] = NULL;
    int rc = hp_doc_run(probe, out, sizeof out);
    out[strcspn(out, "\n")] = '\0';
    snprintf(fix, sizeof fix, "install the rule: %s sudoers --user %s > "
             "FILE; visudo -cf FILE; sudo install -m 0440 FILE "
             "/etc/sudoers.d/hostpriv", argv[at], c->user);
    if (rc == 0)
        hp_doc_add(d, HP_DOC_OK, "elevation", NULL, "sudo lets %s run %s "
                   "privileged without a password", c->user, argv[at]);
    else
        hp_doc_add(d, HP_DOC_FAIL, "elevation", fix, "no sudo rule lets %s "
                   "run `%s privileged` without a password (sudo -l: %s)",
                   c->user, argv[at], out[0] ? out : "not allowed");
}

/* pkexec asks polkit; an action naming this program (its exec.path)
 * decides how.  Without one the generic org.freedesktop.policykit.exec
 * applies: an administrator's password for every step. */
static void pkexec_check(hp_doc *d, const char *self)
{
    DIR *dir = opendir(POLKIT_ACTIONS);
    struct dirent *de;
    char want[PATH_MAX + 64], path[PATH_MAX], found[PATH_MAX] = "";
    snprintf(want, sizeof want, "exec.path\">%s<", self);
    while (dir && !found[0] && (de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (l < 8 || strcmp(de->d_name + l - 7, ".policy"))
            continue;
        snprintf(path, sizeof path, POLKIT_ACTIONS "/%s", de->d_name);
        FILE *f = fopen(path, "re");
        char line[1024];
        while (f && fgets(line, sizeof line, f))
            if (strstr(line, want))
                snprintf(found, sizeof found, "%s", path);
        if (f)
            fclose(f);
    }
    if (dir)
        closedir(dir);
    if (found[0])
        hp_doc_add(d, HP_DOC_OK, "elevation", NULL, "pkexec: the polkit "
                   "action in %s names %s", found, self);
    else
        hp_doc_add(d, HP_DOC_WARN, "elevation", "add a polkit action (in "
                   POLKIT_ACTIONS ") whose org.freedesktop.policykit.exec.path "
                   "is this hostpriv", "pkexec: no polkit action names %s: "
                   "each step asks for an administrator's password", self);
}

void hp_doc_elevation(hp_doc *d, hp_ctx *c)
{
    const char *cmd = hp_conf(c, "elevate.command");
    const char *self = hp_cli_program(c);   /* what elevation runs */
    char **argv = NULL;
    hp_err e = HP_ERR_INIT;
    if (hp_elevate_argv(cmd, self, "cli-links", c->root[0] ? c->root
                        : NULL, c->config_arg[0] ? c->config_arg : NULL,
                        &argv, &e) != HP_OK) {
        hp_doc_add(d, HP_DOC_FAIL, "elevation", "correct elevate.command",
                   "%s", e.msg);
        return;
    }
    size_t at = 0;
    while (argv[at] && strcmp(argv[at], self))
        at++;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (!present(argv[0]))
        hp_doc_add(d, HP_DOC_FAIL, "elevation", "install it, or set "
                   "elevate.command (sudo -n, pkexec; osascript on macOS)",
                   "elevate.command '%s' (%s): %s is not installed", cmd,
                   hp_config_origin(c->cfg, "elevate.command"), argv[0]);
    else if (!c->user_known)
        hp_doc_add(d, HP_DOC_WARN, "elevation", "set host.user",
                   "elevate.command '%s': whom it is for is not known (no "
                   "host.user)", cmd);
    else if (!strcmp(base, "sudo") && argv[at])
        sudo_check(d, c, argv, at);
    else if (!strcmp(base, "pkexec"))
        pkexec_check(d, self);
    else
        hp_doc_add(d, HP_DOC_OK, "elevation", NULL, "elevate.command '%s' is "
                   "installed (what it allows is its own business)", cmd);
    hp_argv_free(argv);
}
