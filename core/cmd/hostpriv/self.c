/* The CLI says what it is: the library never takes the running process
 * for hostpriv, so the CLI hands it its own path (elevation re-runs it,
 * a boot task written by it runs it, hostprivd and the plugins are found
 * beside it in the build tree or in an installed tree). */
#include <limits.h>
#include <unistd.h>
#include "cli.h"

const char *hp_cli_self(void)
{
    static char self[PATH_MAX];
    if (!self[0]) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
    }
    return self[0] ? self : NULL;
}

void hp_cli_declare(hp_open_opts *o)
{
    o->program = hp_cli_self();
    o->program_kind = HP_PROGRAM_CLI;
}
