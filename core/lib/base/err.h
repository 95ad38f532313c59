/* Error reporting inside the core: an hp_code plus a message that names what
 * was wrong and how to fix it.  Lives on the caller's stack: no allocation,
 * nothing to free on any path. */
#ifndef HP_ERR_H
#define HP_ERR_H
#include <hostpriv/plugin.h>

typedef struct hp_err {
    int code;           /* hp_code; HP_OK when nothing failed */
    int sys;            /* errno behind it, 0 when none */
    char msg[768];
    /* Where, when it is known (a configuration error), so a program can
     * show it apart from the text (`--json`): the key, a key it may be a
     * misspelling of, the file and line.  "" and 0 when not known; a file
     * name too long for its field is left out (msg still has it). */
    int line;
    char key[96];
    char hint[96];
    char file[512];
} hp_err;

#define HP_ERR_INIT { HP_OK, 0, "", 0, "", "", "" }

/* Set e (if not NULL) and return code; a new error: where is forgotten. */
int hp_err_set(hp_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errnum)" and keeping errnum in e->sys. */
int hp_err_sys(hp_err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void hp_err_clear(hp_err *e);
/* Say where the error in e is: key, hint and file may be NULL (kept as
 * they are), line 0 (kept). */
void hp_err_at(hp_err *e, const char *key, const char *hint,
               const char *file, int line);
/* The process exit code for an hp_code (HP_ENOTSUP -> 1). */
int hp_exit_code(int code);
#endif
