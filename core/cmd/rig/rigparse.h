/* Between scenario.c (sections, keys) and parsekeys.c (what one value
 * means: host items, expectations, run lines). */
#ifndef HP_RIGPARSE_H
#define HP_RIGPARSE_H
#include "rig.h"

typedef struct hp_rig_perr {
    int line;
    char msg[400];
} hp_rig_perr;
/* Format into pe->msg; returns -1. */
int hp_rig_perror(hp_rig_perr *pe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A host path: absolute or ~/..., without a ".." component. */
int hp_rig_check_hpath(const char *p, hp_rig_perr *pe);
/* dir, file, link, remove, writable, hosts (in [host] or a step's host.*) */
int hp_rig_parse_hostop(const char *key, const char *value, const char *dir,
                        hp_rig_hostop **ops, size_t *n, hp_rig_perr *pe);
/* kind (exit, stdout, file, event, ...) = value; in_step allows the
 * command's own checks (exit, stdout, stderr). */
int hp_rig_parse_expect(const char *kind, const char *value, const char *dir,
                        hp_rig_expect **ex, size_t *n, int in_step,
                        hp_rig_perr *pe);
int hp_rig_parse_run(hp_rig_step *st, const char *value, hp_rig_perr *pe);
/* stdin = WORD, or stdin.from = FILE (relative to the scenario). */
int hp_rig_parse_data(int from_file, const char *value, const char *dir,
                      char **data, size_t *len, hp_rig_perr *pe);
int hp_rig_expects_output(const hp_rig_expect *ex, size_t n);
void hp_rig_expects_free(hp_rig_expect *ex, size_t n);
#endif
