/* `hostpriv doctor`: the checks, each in the file of its area, adding
 * lines to one report.  A line is ok, warn or fail, with a one-line fix
 * for warn and fail. */
#ifndef HP_CLI_DOCTOR_H
#define HP_CLI_DOCTOR_H
#include "cli.h"

enum hp_doc_status { HP_DOC_OK, HP_DOC_WARN, HP_DOC_FAIL };

typedef struct hp_doc_line {
    int status;
    char check[16];             /* "config", "plugins", "helper", ... */
    char message[1024];
    char fix[1024];
} hp_doc_line;

typedef struct hp_doc {
    hp_doc_line *line;
    size_t n, cap;
    hp_cli *cli;
    /* for fix lines: how to run this hostpriv as root with this run's
     * --root and -c ("sudo /usr/local/bin/hostpriv --root /sbx") */
    char as_root[2 * PATH_MAX + 64];
} hp_doc;

/* Add a line; fix may be NULL (an ok line needs none). */
void hp_doc_add(hp_doc *d, int status, const char *check, const char *fix,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The checks, in the order they are shown.  hp_doc_config opens the
 * context (NULL when the configuration does not load: the others are
 * then not run); hp_doc_plugins selects and starts the plugin in it. */
hp_ctx *hp_doc_config(hp_doc *d);
void hp_doc_plugins(hp_doc *d, hp_ctx *c);
void hp_doc_host(hp_doc *d, hp_ctx *c);
void hp_doc_elevation(hp_doc *d, hp_ctx *c);
void hp_doc_helper(hp_doc *d, hp_ctx *c);
void hp_doc_logs(hp_doc *d, hp_ctx *c);
void hp_doc_tasks(hp_doc *d, hp_ctx *c);

/* Run argv (argv[0] looked up in PATH) with stdin from /dev/null; its
 * stdout and stderr, up to n-1 bytes, in out; at most 10 seconds.
 * Returns the exit status, 127 when it could not run, 124 on timeout. */
int hp_doc_run(char *const *argv, char *out, size_t n);
#endif
