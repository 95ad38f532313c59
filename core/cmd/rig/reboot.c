/* The `reboot` step: what a restart does to the parts of the host hostpriv
 * cares about.  Every process of the scenario stops, /var/run (a tmpfs on
 * macOS and Linux) is emptied, then the service manager starts what the
 * installed service files say runs at load.  That last part is
 * libhostpriv's own hp_service_boot, so the rig boots exactly the files the
 * service backends wrote, read back the way they read them.  The direct
 * backend only spawns a keep-alive helper, so the step then waits, as
 * `helper start` does, until that helper answers: the step's expectations
 * see the machine once it has come up, not while it is coming up. */
#include "rig.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "helper/service.h"

/* "a, b, c": what /var/run held, for the log. */
static void list_dir(FILE *log, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.' || (de->d_name[1] && strcmp(de->d_name, "..")))
            fprintf(log, "%s%s", n++ ? ", " : " (", de->d_name);
    fputs(n ? ")" : " (it was empty)", log);
    if (d)
        closedir(d);
}

static int wipe_var_run(const hp_rig_sandbox *sb, FILE *log, char *err,
                        size_t errn)
{
    char *run = hp_rig_fmt("%s/var/run", sb->root);
    if (log) {
        fputs("the machine restarts: every process stops, /var/run is wiped",
              log);
        list_dir(log, run);
        fputs(", and the services that run at load start\n", log);
    }
    int rc = hp_rig_remove(sb, "/var/run");
    if (rc == 0 && (mkdir(run, 0755) != 0 || chown(run, 0, 0) != 0))
        rc = -1;
    if (rc)
        snprintf(err, errn, "cannot wipe %s: %s", run, strerror(errno));
    free(run);
    return rc;
}

int hp_rig_reboot(hp_rig_sandbox *sb, FILE *log, char *err, size_t errn)
{
    hp_rig_sweep(sb->dir, sb->root);
    if (wipe_var_run(sb, log, err, errn))
        return -1;
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = sb->root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_err e = HP_ERR_INIT;
    hp_ctx *c = NULL;
    if (hp_ctx_open(&c, &o, &e) != HP_OK) {
        snprintf(err, errn, "reboot: cannot open the sandbox's configuration "
                 "as root: %s", e.msg);
        return -1;
    }
    int rc = hp_service_boot(c, &e);
    hp_ctx_close(c);
    if (rc != HP_OK) {
        snprintf(err, errn, "reboot: starting the services that run at load "
                 "failed: %s", e.msg);
        return -1;
    }
    return hp_rig_helper_await_boot(sb, log, err, errn);
}
