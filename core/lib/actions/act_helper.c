/* The privileged helper's installation: its binary at helper.path, its
 * service file, starting it, and the documented removal (unload, remove the
 * service file, remove the binary). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "host/atomicfile.h"
#include "helper/hclient.h"
#include "engine/programs.h"
#include "host/safepath.h"
#include "helper/service.h"

#define HELPER_MAX (64u * 1024 * 1024)

/* The hostprivd to install: core.helper_program (programs.h). */
static int helper_source(hp_ctx *c, char *out, size_t n, hp_err *e)
{
    snprintf(out, n, "%s", hp_helper_program(c));
    char refusal[PATH_MAX + 64];
    snprintf(refusal, sizeof refusal, "install %s as the privileged helper",
             out);
    return hp_act_root_program(c, "core.helper_program", out, "installing "
                               "the privileged helper", refusal, e);
}

/* The whole program, read into memory (a few hundred KiB). */
static int read_all(const char *path, char **data, size_t *len, hp_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot open %s", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    ssize_t r = 0;
    while (buf && (r = read(fd, buf + n, cap - n)) > 0) {
        n += (size_t)r;
        if (n == cap) {
            char *nb = cap < HELPER_MAX ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int err = errno;
    close(fd);
    if (!buf || r < 0) {
        int why = buf ? err : ENOMEM;
        free(buf);
        return hp_err_sys(e, HP_EINTERNAL, why, "cannot read %s", path);
    }
    *data = buf;
    *len = n;
    return HP_OK;
}

/* Copy hostprivd to helper.path, root:root 0755, journaled. */
static int copy_helper(hp_ctx *c, hp_journal *j, hp_err *e)
{
    const char *dst = hp_conf(c, "helper.path");
    char src[PATH_MAX], parent[PATH_MAX], leaf[256], *data = NULL;
    size_t len = 0;
    int dfd = -1, existed = hp_act_exists(c, dst);
    int rc = helper_source(c, src, sizeof src, e);
    snprintf(parent, sizeof parent, "%s", dst);
    if (rc == HP_OK)
        rc = hp_journal_mkdir_p(j, c->rootfd, dirname(parent), 0755, 0, 0, e);
    if (rc == HP_OK)
        rc = read_all(src, &data, &len, e);
    if (rc == HP_OK)
        rc = hp_sp_open_parent(c->rootfd, dst, &dfd, leaf, e);
    hp_af_opts o = { .mode = 0755, .uid = 0, .gid = 0, .create = 1 };
    int added = 0;
    if (rc == HP_OK && !existed)    /* journaled before it is made */
        rc = hp_journal_intend(j, HP_J_FILE, dst, NULL, &added, e);
    if (rc == HP_OK)
        rc = hp_af_replace(dfd, leaf, data, len, &o, e);
    hp_journal_settle(j, HP_J_FILE, dst, rc == HP_OK, added);
    free(data);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* Wait for the helper to answer on helper.socket (bounded: 5 s). */
static int helper_wait(hp_ctx *c, hp_err *e)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    for (int i = 0; i < 250; i++) {
        if (hp_helper_alive(c))
            return HP_OK;
        nanosleep(&ts, NULL);
    }
    return hp_err_set(e, HP_EUNAVAIL, "the helper %s was started but does "
                      "not answer on %s: see its log",
                      hp_conf(c, "helper.label"), hp_conf(c, "helper.socket"));
}

static int service_install(hp_ctx *c, hp_journal *j, hp_err *e)
{
    char real[PATH_MAX], abs[PATH_MAX];
    const char *argv[12];
    size_t n = 0;
    const char *pd = hp_conf(c, "core.plugin_dir");
    if (!realpath(pd, abs))
        return hp_err_sys(e, HP_ECONFIG, errno, "plugin directory %s", pd);
    hp_real_path(c, hp_conf(c, "helper.path"), real, sizeof real);
    argv[n++] = real;
    if (c->root[0]) {
        argv[n++] = "--root";
        argv[n++] = c->root;
    }
    if (c->config_arg[0] == '/') {
        argv[n++] = "-c";
        argv[n++] = c->config_arg;
    }
    argv[n++] = "--plugin-dir";
    argv[n++] = abs;
    /* service managers (and the direct backend's pidfile) track the pid
     * they started: the helper must not detach */
    argv[n++] = "--foreground";
    argv[n] = NULL;
    hp_service_limits *lim = malloc(sizeof *lim);   /* 64 KiB of paths */
    if (!lim)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "service limits");
    hp_service_limits_of(c, 0, lim);
    hp_service s = {
        .label = hp_conf(c, "helper.label"),
        .file = hp_conf(c, "helper.service_file"),
        .argv = argv,
        .run_at_load = 1,
        .keep_alive = 1,
        /* the socket the app talks to it on (launchd Sockets, a systemd
         * .socket unit); hostprivd takes it from the activator, or, under
         * the direct backend, makes it itself */
        .socket = hp_conf(c, "helper.socket"),
        .limits = lim,
    };
    int rc = hp_service_install(c, &s, j, e);
    free(lim);
    return rc;
}

/* B45: unload, remove the service file, remove the helper binary. */
static int helper_uninstall(hp_ctx *c, hp_journal *j, hp_err *e)
{
    const char *label = hp_conf(c, "helper.label");
    const char *file = hp_conf(c, "helper.service_file");
    int rc = hp_service_stop(c, label, file, e);
    if (rc != HP_OK && rc != HP_EUNAVAIL)
        return rc;
    hp_err_clear(e);
    rc = hp_act_remove_file(c, j, file, e);
    if (rc == HP_OK)
        rc = hp_act_remove_file(c, j, hp_conf(c, "helper.path"), e);
    return rc;
}

int hp_act_helper(hp_ctx *c, int action, hp_err *e)
{
    if (geteuid() != 0)
        return hp_err_set(e, HP_EDENIED, "installing or removing the "
                          "privileged helper needs root");
    hp_journal *j = NULL;
    int rc = hp_act_root_journal(c, &j, e);
    if (rc != HP_OK)
        return rc;
    int installed = hp_act_helper_check(c, HP_ACT_HELPER_INSTALL) == 1;
    if (action == HP_ACT_HELPER_UNINSTALL) {
        rc = helper_uninstall(c, j, e);
    } else if (!installed) {
        rc = copy_helper(c, j, e);
        if (rc == HP_OK)
            rc = service_install(c, j, e);
        if (rc == HP_OK)
            rc = helper_wait(c, e);
    } else if (!hp_helper_alive(c)) {
        rc = hp_service_start(c, hp_conf(c, "helper.label"),
                              hp_conf(c, "helper.service_file"), e);
        if (rc == HP_OK)
            rc = helper_wait(c, e);
    }
    hp_journal_close(j);
    return rc;
}

int hp_act_helper_check(hp_ctx *c, int action)
{
    if (action == HP_ACT_HELPER_START)
        return hp_helper_alive(c);
    if (action == HP_ACT_HELPER_UNINSTALL)     /* something to remove */
        return hp_act_exists(c, hp_conf(c, "helper.path")) ||
               hp_act_exists(c, hp_conf(c, "helper.service_file"));
    return hp_act_exists(c, hp_conf(c, "helper.path")) &&
           hp_act_exists(c, hp_conf(c, "helper.service_file"));
}

int hp_act_helper_current(hp_ctx *c)
{
    char src[PATH_MAX], leaf[256], *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    hp_err e = HP_ERR_INIT;
    int dfd = -1, same = 0;
    snprintf(src, sizeof src, "%s", hp_helper_program(c));
    if (read_all(src, &a, &la, &e) == HP_OK &&
        hp_sp_open_parent(c->rootfd, hp_conf(c, "helper.path"), &dfd, leaf,
                          &e) == HP_OK &&
        hp_af_read(dfd, leaf, HELPER_MAX, &b, &lb, NULL, &e) == HP_OK)
        same = la == lb && memcmp(a, b, la) == 0;
    if (dfd >= 0)
        close(dfd);
    free(a);
    free(b);
    return same;
}
