/* The programs a context runs, never the process that embeds it: the
 * hostpriv CLI (elevation runs `hostpriv privileged TASK`, a boot task
 * `hostpriv boot`) and hostprivd (what helper installation copies to
 * helper.path).  They are the keys core.cli_program and
 * core.helper_program.  When no layer sets them, their defaults, and
 * core.plugin_dir's, come from the running program when it said which of
 * hostpriv's programs it is (hp_open_opts.program), never from
 * /proc/self/exe, in this order:
 *   - the program itself, for its own key;
 *   - beside it: the build tree (build/bin/hostpriv, build/bin/hostprivd,
 *     build/plugins);
 *   - an installed tree under another prefix (a `make install DESTDIR=`
 *     stage): the program's path ends in its compiled-in install path,
 *     and the others are at theirs under the same prefix;
 *   - the compiled-in install paths (HP_CLI_PROGRAM, HP_HELPER_PROGRAM,
 *     HP_PLUGINDIR: BINDIR, HELPERDIR and PLUGINDIR of config.mk), which
 *     is what an embedding app gets. */
#ifndef HP_PROGRAMS_H
#define HP_PROGRAMS_H
#include "ctx.h"

/* Pin the defaults above into the configuration's default layer (origin
 * "default (beside PATH)" and so on), where every other layer wins. */
int hp_programs_resolve(hp_ctx *c, hp_err *e);

/* Where the system configuration (hostpriv.ini, conf.d/, admin.ini) is,
 * under host.root: SYSCONFDIR/hostpriv of config.mk (default
 * /etc/hostpriv) for an installed program and an embedding app; a
 * build-tree program (its plugins beside it, not under an install
 * prefix) reads /etc/hostpriv, whatever it was built with, so the
 * sandboxes of tests and scenarios need nothing else.  Set once when
 * the context is made (hp_programs_sysconf), before any file is read. */
void hp_programs_sysconf(hp_ctx *c);
/* NULL: the compiled-in one (an installed program's). */
const char *hp_sysconf_dir(const hp_ctx *c);
/* The same as a host path: host.root followed by it. */
void hp_sysconf_path(const hp_ctx *c, const char *leaf, char *out, size_t n);

const char *hp_cli_program(const hp_ctx *c);
const char *hp_helper_program(const hp_ctx *c);
/* What a boot task runs: hostprivd itself when the helper sets up the
 * link (`hostprivd boot`), else the CLI. */
const char *hp_boot_program(const hp_ctx *c);

/* HP_OK when `path`, the program of `key` (core.cli_program or
 * core.helper_program), is an executable file; else HP_ECONFIG saying
 * what it is needed for (`what`), where the value comes from and which
 * key to set. */
int hp_program_usable(const hp_ctx *c, const char *key, const char *path,
                      const char *what, hp_err *e);
/* The plugin directory could not be read (e says why): add where
 * core.plugin_dir comes from and how to set it. */
void hp_programs_explain_dir(const hp_ctx *c, hp_err *e);
#endif
