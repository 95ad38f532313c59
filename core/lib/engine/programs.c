/* Where the programs the library runs are (programs.h): the configuration
 * keys, with defaults found from what the running program said it is. */
#include "programs.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"

#ifndef HP_CLI_PROGRAM
#define HP_CLI_PROGRAM "/usr/local/bin/hostpriv"
#endif
#ifndef HP_HELPER_PROGRAM
#define HP_HELPER_PROGRAM "/usr/local/libexec/hostpriv/hostprivd"
#endif

static int is_program(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The install prefix the program runs under: its path ends in its own
 * compiled-in path ("/stage" for /stage/usr/local/bin/hostpriv).  0 and
 * out set when it does. */
static int install_prefix(const hp_ctx *c, char *out, size_t n)
{
    const char *own = c->program_kind == HP_PROGRAM_CLI ? HP_CLI_PROGRAM
                    : c->program_kind == HP_PROGRAM_HELPER ? HP_HELPER_PROGRAM
                    : NULL;
    size_t pl = strlen(c->program), ol = own ? strlen(own) : 0;
    if (!own || pl <= ol || strcmp(c->program + pl - ol, own) != 0 ||
        pl - ol >= n)
        return -1;
    snprintf(out, n, "%.*s", (int)(pl - ol), c->program);
    return 0;
}

/* The program's directory ("/x/build/bin"), 0 when it said nothing. */
static int program_dir(const hp_ctx *c, char *out, size_t n)
{
    const char *slash = strrchr(c->program, '/');
    if (!c->program[0] || !slash || (size_t)(slash - c->program) >= n)
        return -1;
    snprintf(out, n, "%.*s", (int)(slash - c->program), c->program);
    return 0;
}

/* One key: the program itself when it is this kind, else `name` beside
 * it, else the compiled-in path under its install prefix; nothing found
 * keeps the compiled-in default. */
static int resolve_one(hp_ctx *c, const char *key, int kind, const char *name,
                       const char *installed, hp_err *e)
{
    char dir[PATH_MAX], cand[PATH_MAX], origin[PATH_MAX + 64];
    if (!c->program[0])
        return HP_OK;
    if (c->program_kind == kind) {
        snprintf(origin, sizeof origin, "default (the running %s)", name);
        return hp_config_set(c->cfg, key, c->program, HP_LAYER_DEFAULT,
                             origin, e);
    }
    if (program_dir(c, dir, sizeof dir) == 0 &&
        (size_t)snprintf(cand, sizeof cand, "%s/%s", dir, name) < sizeof cand
        && is_program(cand)) {
        snprintf(origin, sizeof origin, "default (beside %s)", c->program);
        return hp_config_set(c->cfg, key, cand, HP_LAYER_DEFAULT, origin, e);
    }
    if (install_prefix(c, dir, sizeof dir) == 0 &&
        (size_t)snprintf(cand, sizeof cand, "%s%s", dir, installed) <
            sizeof cand && is_program(cand)) {
        snprintf(origin, sizeof origin, "default (installed under %s)", dir);
        return hp_config_set(c->cfg, key, cand, HP_LAYER_DEFAULT, origin, e);
    }
    return HP_OK;
}

/* The plugins: ../plugins beside the program (the build tree), else the
 * compiled-in directory under its install prefix. */
static int resolve_plugins(hp_ctx *c, hp_err *e)
{
    char dir[PATH_MAX], cand[PATH_MAX + 16], real[PATH_MAX];
    char origin[PATH_MAX + 64];
    if (program_dir(c, dir, sizeof dir) == 0) {
        snprintf(cand, sizeof cand, "%s/../plugins", dir);
        if (is_dir(cand) && realpath(cand, real)) {
            snprintf(origin, sizeof origin, "default (beside %s)",
                     c->program);
            return hp_config_set(c->cfg, "core.plugin_dir", real,
                                 HP_LAYER_DEFAULT, origin, e);
        }
    }
    if (install_prefix(c, dir, sizeof dir) == 0) {
        snprintf(cand, sizeof cand, "%s%s", dir, HP_PLUGINDIR);
        if (is_dir(cand)) {
            snprintf(origin, sizeof origin, "default (installed under %s)",
                     dir);
            return hp_config_set(c->cfg, "core.plugin_dir", cand,
                                 HP_LAYER_DEFAULT, origin, e);
        }
    }
    return HP_OK;
}

int hp_programs_resolve(hp_ctx *c, hp_err *e)
{
    int rc = resolve_one(c, "core.cli_program", HP_PROGRAM_CLI, "hostpriv",
                         HP_CLI_PROGRAM, e);
    if (rc == HP_OK)
        rc = resolve_one(c, "core.helper_program", HP_PROGRAM_HELPER,
                         "hostprivd", HP_HELPER_PROGRAM, e);
    if (rc == HP_OK && c->program[0])
        rc = resolve_plugins(c, e);
    return rc;
}

#ifndef HP_SYSCONFDIR
#define HP_SYSCONFDIR "/etc"
#endif

/* A build tree: ../plugins beside the program, which is not at its
 * compiled-in path under some install prefix (a stage, or /). */
static int in_build_tree(const hp_ctx *c)
{
    char dir[PATH_MAX], cand[PATH_MAX + 16];
    if (c->program_kind == HP_PROGRAM_OTHER ||
        install_prefix(c, dir, sizeof dir) == 0 ||
        program_dir(c, dir, sizeof dir) != 0)
        return 0;
    snprintf(cand, sizeof cand, "%s/../plugins", dir);
    return is_dir(cand);
}

void hp_programs_sysconf(hp_ctx *c)
{
    snprintf(c->sysconf, sizeof c->sysconf, "%s/hostpriv",
             in_build_tree(c) || !strcmp(HP_SYSCONFDIR, "/") ? "/etc"
                                                             : HP_SYSCONFDIR);
}

const char *hp_sysconf_dir(const hp_ctx *c)
{
    return c && c->sysconf[0] ? c->sysconf : HP_SYSCONFDIR "/hostpriv";
}

void hp_sysconf_path(const hp_ctx *c, const char *leaf, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s", c->root, hp_sysconf_dir(c),
             leaf && *leaf ? "/" : "", leaf ? leaf : "");
}

const char *hp_cli_program(const hp_ctx *c)
{
    return hp_conf(c, "core.cli_program");
}

const char *hp_helper_program(const hp_ctx *c)
{
    return hp_conf(c, "core.helper_program");
}

const char *hp_boot_program(const hp_ctx *c)
{
    if (c->program_kind == HP_PROGRAM_HELPER && c->program[0])
        return c->program;
    return hp_cli_program(c);
}

int hp_program_usable(const hp_ctx *c, const char *key, const char *path,
                      const char *what, hp_err *e)
{
    struct stat st;
    int err = 0;
    if (!path || path[0] != '/')
        err = EINVAL;
    else if (stat(path, &st) != 0)
        err = errno;
    else if (!S_ISREG(st.st_mode))
        err = EISDIR;
    else if (access(path, X_OK) != 0)
        err = errno;
    if (!err)
        return HP_OK;
    const char *origin = hp_config_origin(c->cfg, key);
    int cli = strcmp(key, "core.cli_program") == 0;
    return hp_err_set(e, HP_ECONFIG, "%s: %s %s (%s, from %s) cannot be "
                      "run: %s; install it there (make install), or set %s "
                      "to where it is", what, cli ? "the hostpriv CLI"
                      : "the helper program", path && *path ? path : "''",
                      key, origin ? origin : "default", strerror(err), key);
}

void hp_programs_explain_dir(const hp_ctx *c, hp_err *e)
{
    if (!e)
        return;
    const char *origin = hp_config_origin(c->cfg, "core.plugin_dir");
    size_t l = strlen(e->msg);
    snprintf(e->msg + l, sizeof e->msg - l, " (core.plugin_dir, from %s): "
             "set core.plugin_dir to where hostpriv's plugins are installed "
             "(an embedding app: hp_options.plugin_dir)",
             origin ? origin : "default");
}
