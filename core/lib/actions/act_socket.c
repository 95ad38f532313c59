/* The /var/run/docker.sock link and the boot task that recreates it after
 * /var/run is wiped (the spec's `ln -s -f`, run by the service manager as
 * `hostpriv boot`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "host/links.h"
#include "host/safepath.h"
#include "helper/service.h"
#include "engine/programs.h"

static int sock_target(hp_ctx *c, char *out, size_t n, hp_err *e)
{
    if (hp_path_user(c, ".docker/run/docker.sock", out, n) != 0)
        return hp_err_set(e, HP_ECONFIG, "host.home is not known: set "
                          "host.user in the configuration");
    return HP_OK;
}

/* ProgramArguments of the boot task: the hostpriv CLI (or the helper,
 * when the helper sets up the link), pinned to the same root and config,
 * running `boot`; never the process that embeds the library. */
static size_t boot_argv(hp_ctx *c, const char **argv)
{
    size_t n = 0;
    argv[n++] = hp_boot_program(c);
    if (c->root[0]) {
        argv[n++] = "--root";
        argv[n++] = c->root;
    }
    if (c->config_arg[0] == '/') {
        argv[n++] = "-c";
        argv[n++] = c->config_arg;
    }
    argv[n++] = "boot";     /* hostpriv boot, or hostprivd boot */
    argv[n] = NULL;
    return n;
}

static int link_step(hp_ctx *c, int action, hp_journal *j, hp_err *e)
{
    char target[PATH_MAX], leaf[256];
    int dirfd, created = 0, added = 0;
    int rc = sock_target(c, target, sizeof target, e);
    if (rc != HP_OK)
        return rc;
    rc = hp_sp_open_parent(c->rootfd, HP_DOCKER_SOCK_LINK, &dirfd, leaf, e);
    if (rc != HP_OK && e->sys == ENOENT && action == HP_ACT_SOCKET_LINK) {
        hp_err_clear(e);
        rc = hp_journal_mkdir_p(j, c->rootfd, "/var/run", 0755, 0, 0, e);
        if (rc == HP_OK)
            rc = hp_sp_open_parent(c->rootfd, HP_DOCKER_SOCK_LINK, &dirfd,
                                   leaf, e);
    }
    if (rc != HP_OK)
        return rc;
    switch (action) {
    case HP_ACT_SOCKET_LINK:    /* journaled before it is made */
        rc = hp_journal_intend(j, HP_J_LINK, HP_DOCKER_SOCK_LINK, target,
                               &added, e);
        if (rc == HP_OK)
            rc = hp_link_install(dirfd, leaf, target, &created, e);
        hp_journal_settle(j, HP_J_LINK, HP_DOCKER_SOCK_LINK,
                          rc == HP_OK && created, added);
        break;
    case HP_ACT_BOOT:
        rc = hp_link_force(dirfd, leaf, target, e);
        break;
    default:
        rc = hp_link_remove(dirfd, leaf, target, e);
        if (rc == HP_OK)
            rc = hp_journal_forget(j, HP_J_LINK, HP_DOCKER_SOCK_LINK, e);
    }
    close(dirfd);
    return rc;
}

static int boot_task_install(hp_ctx *c, hp_journal *j, hp_err *e)
{
    const char *argv[8];
    boot_argv(c, argv);
    hp_service_limits *lim = malloc(sizeof *lim);   /* 64 KiB of paths */
    if (!lim)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "service limits");
    hp_service_limits_of(c, 1, lim);
    hp_service s = {
        .label = hp_conf(c, "boot.label"),
        .file = hp_conf(c, "boot.service_file"),
        .argv = argv,
        .run_at_load = 1,
        .keep_alive = 0,
        .socket = NULL,
        .limits = lim,
    };
    int rc = hp_service_install(c, &s, j, e);
    free(lim);
    return rc;
}

static int boot_task_remove(hp_ctx *c, hp_journal *j, hp_err *e)
{
    const char *file = hp_conf(c, "boot.service_file");
    hp_service_stop(c, hp_conf(c, "boot.label"), file, e);
    hp_err_clear(e);
    return hp_act_remove_file(c, j, file, e);
}

int hp_act_socket(hp_ctx *c, int action, hp_err *e)
{
    if (geteuid() != 0)
        return hp_err_set(e, HP_EDENIED, "linking %s needs root: run it "
                          "through the helper or elevation",
                          HP_DOCKER_SOCK_LINK);
    /* the service manager will run that program as root at every boot:
     * refuse before changing anything if root did not put it there */
    if (action == HP_ACT_SOCKET_LINK && hp_act_boot_program_ok(c, e) != HP_OK)
        return HP_ECONFIG;
    hp_journal *j = NULL;
    int rc = hp_act_root_journal(c, &j, e);
    if (rc != HP_OK)
        return rc;
    rc = link_step(c, action, j, e);
    if (rc == HP_OK && action == HP_ACT_SOCKET_LINK)
        rc = boot_task_install(c, j, e);
    else if (rc == HP_OK && action == HP_ACT_SOCKET_LINK_REMOVE)
        rc = boot_task_remove(c, j, e);
    hp_journal_close(j);
    return rc;
}

int hp_act_socket_check(hp_ctx *c)
{
    char target[PATH_MAX], leaf[256];
    hp_err e = HP_ERR_INIT;
    int dirfd;
    if (sock_target(c, target, sizeof target, &e) != HP_OK ||
        hp_sp_open_parent(c->rootfd, HP_DOCKER_SOCK_LINK, &dirfd, leaf, &e)
            != HP_OK)
        return 0;
    int ours = hp_link_state(dirfd, leaf, target) == HP_LINK_OURS;
    close(dirfd);
    return ours && hp_act_exists(c, hp_conf(c, "boot.service_file"));
}

int hp_act_socket_any(hp_ctx *c)
{
    char target[PATH_MAX], leaf[256];
    hp_err e = HP_ERR_INIT;
    int dirfd, ours = 0;
    if (sock_target(c, target, sizeof target, &e) == HP_OK &&
        hp_sp_open_parent(c->rootfd, HP_DOCKER_SOCK_LINK, &dirfd, leaf, &e)
            == HP_OK) {
        ours = hp_link_state(dirfd, leaf, target) == HP_LINK_OURS;
        close(dirfd);
    }
    return ours || hp_act_exists(c, hp_conf(c, "boot.service_file"));
}

int hp_act_boot_program_ok(hp_ctx *c, hp_err *e)
{
    const char *prog = hp_boot_program(c);
    char refusal[PATH_MAX + 64];
    snprintf(refusal, sizeof refusal, "make %s the boot task "
             "(core.cli_program)", prog);
    return hp_act_root_program(c, "core.cli_program", prog, "the docker.sock "
                               "boot task", refusal, e);
}
