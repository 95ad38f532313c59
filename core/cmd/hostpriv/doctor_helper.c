/* doctor: the helper (service file, binary, socket, ping, the version it
 * serves against the app's) and where the logs are. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "doctor.h"
#include "engine/config.h"
#include "engine/loader.h"
#include "helper/hclient.h"

/* Where the helper's own lines go, by service backend. */
static void helper_log(hp_ctx *c, char *out, size_t n)
{
    const char *svc = hp_conf(c, "helper.service"), *lbl =
        hp_conf(c, "helper.label");
    char hp[PATH_MAX], real[PATH_MAX];
    if (!strcmp(svc, "direct")) {
        snprintf(hp, sizeof hp, "/var/log/hostpriv/%s.log", lbl);
        hp_real_path(c, hp, real, sizeof real);
        snprintf(out, n, "%s", real);
    } else if (!strcmp(svc, "systemd")) {
        snprintf(out, n, "journalctl -u %s", lbl);
    } else {
        snprintf(out, n, "the system log (log show --predicate 'process == "
                 "\"%s\"')", lbl);
    }
}

/* st of a host path under the root; 0 or -1. */
static int host_stat(hp_ctx *c, const char *hpath, struct stat *st)
{
    char real[PATH_MAX];
    hp_real_path(c, hpath, real, sizeof real);
    return lstat(real, st);
}

/* "hostprivd 0.1.0, protocol 1, plugin v4.18-advanced (>= 4.18)". */
static void compare_version(hp_doc *d, hp_ctx *c, const char *said)
{
    char ver[32] = "", plugin[64] = "", fix[2 * PATH_MAX + 512];
    int proto = 0;
    if (sscanf(said, "hostprivd %31[^,], protocol %d, plugin %63s", ver,
               &proto, plugin) != 3) {
        hp_doc_add(d, HP_DOC_WARN, "helper", "reinstall it from this hostpriv",
                   "the helper answers, but not which version it is (%s)",
                   said);
        return;
    }
    snprintf(fix, sizeof fix, "reinstall it from this hostpriv: %s "
             "privileged helper-uninstall, then %s privileged helper-install",
             d->as_root, d->as_root);
    const char *mine = c->active ? c->active->desc.name : "";
    if (strcmp(ver, HP_VERSION))
        hp_doc_add(d, HP_DOC_FAIL, "helper", fix, "the helper is hostprivd "
                   "%s, this hostpriv is %s", ver, HP_VERSION);
    else if (*mine && strcmp(plugin, mine)) {
        char f2[PATH_MAX + 512];
        snprintf(f2, sizeof f2, "give both the same core.version: the helper "
                 "reads only the system configuration, again whenever it "
                 "changes (here %s comes from %s)", hp_ctx_version(c),
                 hp_config_origin(c->cfg, "core.version"));
        hp_doc_add(d, HP_DOC_FAIL, "helper", f2, "the helper serves %s, this "
                   "app runs %s (version %s)", plugin, mine, hp_ctx_version(c));
    } else
        hp_doc_add(d, HP_DOC_OK, "helper", NULL, "the helper is hostprivd %s "
                   "serving %s, as this app", ver, plugin);
}

/* Installed: the service file and the binary, root's alone. */
static int installed(hp_doc *d, hp_ctx *c, int answers)
{
    const char *file = hp_conf(c, "helper.service_file"),
               *bin = hp_conf(c, "helper.path");
    struct stat fs, bs;
    int has_f = host_stat(c, file, &fs) == 0, has_b = host_stat(c, bin, &bs)
                                                      == 0;
    char fix[2 * PATH_MAX + 256];
    snprintf(fix, sizeof fix, "install it again: %s privileged "
             "helper-uninstall, then %s privileged helper-install",
             d->as_root, d->as_root);
    if (!has_f && !has_b) {
        hp_doc_add(d, HP_DOC_OK, "helper", NULL, answers
                   ? "a helper answers on %s (not installed as a service: "
                     "started by hand)"
                   : "not installed (%s: the version installs it when a task "
                     "needs it)", answers ? hp_conf(c, "helper.socket")
                                          : hp_ctx_version(c));
        return 0;
    }
    if (has_f != has_b)
        hp_doc_add(d, HP_DOC_FAIL, "helper", fix, "half installed: %s is %s, "
                   "%s is %s", file, has_f ? "there" : "missing", bin,
                   has_b ? "there" : "missing");
    else if (!S_ISREG(bs.st_mode) || bs.st_uid != 0 || (bs.st_mode & 022))
        hp_doc_add(d, HP_DOC_FAIL, "helper", fix, "%s is not a root-owned "
                   "file only root can write", bin);
    else
        hp_doc_add(d, HP_DOC_OK, "helper", NULL, "installed: %s, service "
                   "file %s (helper.service %s)", bin, file,
                   hp_conf(c, "helper.service"));
    return 1;
}

void hp_doc_helper(hp_doc *d, hp_ctx *c)
{
    hp_err e = HP_ERR_INIT;
    int rc = hp_helper_call(c, "ping", NULL, 0, NULL, 0, NULL, &e);
    if (!installed(d, c, rc == HP_OK) && rc != HP_OK)
        return;
    if (rc != HP_OK) {
        char fix[2 * PATH_MAX + 256], log[PATH_MAX];
        helper_log(c, log, sizeof log);
        snprintf(fix, sizeof fix, "start it: %s privileged helper-start "
                 "(why it stopped: %s)", d->as_root, log);
        hp_doc_add(d, HP_DOC_FAIL, "helper", fix, "installed but does not "
                   "answer: %s", e.msg);
        return;
    }
    if (hp_helper_call(c, "version", NULL, 0, NULL, 0, NULL, &e) != HP_OK)
        hp_doc_add(d, HP_DOC_WARN, "helper", "reinstall it from this hostpriv",
                   "the helper answers a ping, not `version`: %s", e.msg);
    else
        compare_version(d, c, e.msg);
}

void hp_doc_logs(hp_doc *d, hp_ctx *c)
{
    const char *ev = hp_conf(c, "core.event_log");
    char log[PATH_MAX];
    if (!*ev)
        hp_doc_add(d, HP_DOC_OK, "logs", NULL, "events: not kept "
                   "(core.event_log is empty; set it to a file to keep them)");
    else if (!strcmp(ev, "-"))
        hp_doc_add(d, HP_DOC_OK, "logs", NULL, "events: on stdout "
                   "(core.event_log = -)");
    else
        hp_doc_add(d, HP_DOC_OK, "logs", NULL, "events: %s (core.event_log, "
                   "JSON lines)", ev);
    helper_log(c, log, sizeof log);
    struct stat st;
    hp_doc_add(d, HP_DOC_OK, "logs", NULL, "helper: %s%s%s", log,
               stat("/dev/log", &st) == 0 ? ", and syslog (daemon)" : "",
               log[0] == '/' && stat(log, &st) != 0 ? " (none yet)" : "");
    hp_doc_add(d, HP_DOC_OK, "logs", NULL, "privileged steps: on the "
               "stderr of the command that elevated (their events as "
               "`event {...}` lines)");
}
