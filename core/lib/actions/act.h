/* Internal to the action files (actions.c, act_*.c): one function per
 * mechanism, each journaled in the journal of whoever made the change.
 * The shared helpers at the top and bottom are act_common.c. */
#ifndef HP_ACT_H
#define HP_ACT_H
#include <stddef.h>
#include "engine/ctx.h"
#include "host/journal.h"

/* Root's journal (hp_path_root_state()/journal) and the user's
 * (~/.docker/hostpriv/journal). */
int hp_act_root_journal(hp_ctx *c, hp_journal **j, hp_err *e);
int hp_act_user_journal(hp_ctx *c, hp_journal **j, hp_err *e);
/* Root's journal has no writer at work and none killed mid-write
 * (hp_journal_idle). */
int hp_act_root_journal_idle(hp_ctx *c);
/* Run fn with the user's rights: directly as the user, through
 * hp_as_user from a root role. */
int hp_act_as_user(hp_ctx *c, int (*fn)(void *arg, hp_err *e), void *arg,
                   hp_err *e);

/* A write of the user's own state (decisions, settings) that may create
 * ~/.docker and ~/.docker/hostpriv: runs write(arg, e) with the user's
 * rights and journals those directories when it made them, so uninstall
 * leaves the home as it found it. */
int hp_act_user_state(hp_ctx *c, int (*write)(void *arg, hp_err *e),
                      void *arg, hp_err *e);

int hp_act_links(hp_ctx *c, int action, char *info, size_t n, hp_err *e);
int hp_act_links_check(hp_ctx *c, int action);

int hp_act_socket(hp_ctx *c, int action, hp_err *e);
int hp_act_socket_check(hp_ctx *c);
/* 1 when our link or the boot task's service file is there. */
int hp_act_socket_any(hp_ctx *c);
/* The program a boot task would run (hp_boot_program) can be run and is a
 * file only root could have put there; HP_ECONFIG saying which otherwise. */
int hp_act_boot_program_ok(hp_ctx *c, hp_err *e);

int hp_act_helper(hp_ctx *c, int action, hp_err *e);
int hp_act_helper_check(hp_ctx *c, int action);
/* 1 when the binary at helper.path is byte for byte the hostprivd an
 * install would copy there (core.helper_program): the current helper,
 * not a previous one. */
int hp_act_helper_current(hp_ctx *c);

int hp_act_uninstall(hp_ctx *c, hp_err *e);
int hp_act_uninstall_check(hp_ctx *c);

/* Unlink a file hostpriv made (absent is fine) and forget its journal
 * entries (FILE, and SERVICE when it was a service file). */
int hp_act_remove_file(hp_ctx *c, hp_journal *j, const char *hpath,
                       hp_err *e);
/* HP_OK when path, the program of key (core.cli_program or
 * core.helper_program), is usable and a file only root could have put
 * there: root installs it, or a service manager runs it as root.  Else
 * HP_ECONFIG, "refusing to <refusal>: <why>". */
int hp_act_root_program(hp_ctx *c, const char *key, const char *path,
                        const char *what, const char *refusal, hp_err *e);
/* 1 when the host path exists (lstat under root, no following). */
int hp_act_exists(hp_ctx *c, const char *hpath);
#endif
