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
} hp_err;

#define HP_ERR_INIT { HP_OK, 0, "" }

/* Set e (if not NULL) and return code. */
int hp_err_set(hp_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errnum)" and keeping errnum in e->sys. */
int hp_err_sys(hp_err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void hp_err_clear(hp_err *e);
/* The process exit code for an hp_code (HP_ENOTSUP -> 1). */
int hp_exit_code(int code);
#endif
