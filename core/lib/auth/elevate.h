/* Elevation: a granted step runs as `elevate.command` + the hostpriv CLI
 * (core.cli_program, never the process that asks) + `privileged TASK
 * [--root DIR] [-c FILE]`, data on stdin. */
#ifndef HP_ELEVATE_H
#define HP_ELEVATE_H
#include <stddef.h>
#include "engine/ctx.h"

/* Privileged task names: hp_action <-> "cli-links", "helper-start", ... */
const char *hp_action_name(int action);
int hp_action_from_name(const char *name);      /* -1 when unknown */
int hp_action_task(int action);                 /* enum hp_task */

/* argv (malloc'd, NULL-terminated; free with hp_argv_free) for running
 * TASK elevated: elevate.command split into words (shell-style quoting
 * '...' and "..." honoured), then cli (absolute), "privileged", task,
 * and --root / -c when given.  "osascript" builds the do-shell-script
 * wrapper. */
int hp_elevate_argv(const char *elevate_cmd, const char *cli,
                    const char *task, const char *root, const char *cfg,
                    char ***argv, hp_err *e);
/* The osascript wrapper: argv for
 *   osascript -e 'do shell script "<quoted cmd>" with administrator
 *   privileges'
 * where each word is single-quoted for sh and the result escaped for an
 * AppleScript string. */
int hp_elevate_osascript(const char *const *words, char ***argv, hp_err *e);
void hp_argv_free(char **argv);
/* Run action elevated; data (may be NULL) goes to its stdin; the child's
 * exit status is the returned hp_code; its stderr is passed through (to
 * the embedder's log callback, line by line, when c has one).  A
 * core.cli_program that cannot be run is HP_ECONFIG naming the key. */
int hp_elevate_run(hp_ctx *c, int action, const char *data, size_t len,
                   hp_err *e);
/* Run helper.start_command (a shell command) for helper-start; its stderr
 * as above. */
int hp_elevate_shell(hp_ctx *c, const char *command, hp_err *e);
#endif
