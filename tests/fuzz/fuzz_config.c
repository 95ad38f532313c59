/* libFuzzer harness for the layered INI configuration (engine/config.h),
 * every layer as the programs load it: the system file, a conf.d file,
 * admin.ini (locks), the user's file, the --config file, and --set
 * lines.  The input is split at "\n--8<--\n" into those six parts, in
 * that order; a part that is not there is a file that is not there.
 * The files are real files in a private directory (the loader opens
 * paths: O_NOFOLLOW, S_ISREG, the size cap are part of what runs).
 *
 * What must hold, whatever the bytes (SECURITY.md 29-32):
 *   - a file or --set that fails changes nothing: every key keeps its
 *     value, origin and lock (a file applies whole or not at all), and
 *     the error is not empty and names the file;
 *   - after any load, every effective value passes the key's own
 *     validation; an int is in its range; a valid host.cli_tools fits the
 *     arrays the link actions size by HP_CLI_TOOLS_MAX/_BUF;
 *   - a --set that succeeds is the effective value;
 *   - hp_config_load_system over the same tree obeys the same.
 * As root the files are loaded with require_safe (root's own checks) on
 * every other input, so both paths run. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/config.h"
#include "host/ports.h"

#define SEP "\n--8<--\n"
enum { P_SYSTEM, P_CONFD, P_ADMIN, P_USER, P_FILE, P_SET, NPARTS };

static char dir[64];
static char path[NPARTS][128];

static void cleanup(void)
{
    for (int i = 0; i < P_SET; i++)
        unlink(path[i]);
    char p[160];
    snprintf(p, sizeof p, "%s/etc/hostpriv/conf.d", dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/etc/hostpriv", dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/etc", dir);
    rmdir(p);
    rmdir(dir);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/hp-fuzz-config.XXXXXX");
    if (!mkdtemp(dir) || chmod(dir, 0755) != 0)
        abort();
    char p[160];
    snprintf(p, sizeof p, "%s/etc", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/hostpriv", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/hostpriv/conf.d", dir);
    if (mkdir(p, 0755) != 0)
        abort();
    static const char *const rel[P_SET] = {
        "etc/hostpriv/hostpriv.ini", "etc/hostpriv/conf.d/10-fuzz.ini",
        "etc/hostpriv/admin.ini", "user.ini", "file.ini" };
    for (int i = 0; i < P_SET; i++)
        snprintf(path[i], sizeof path[i], "%s/%s", dir, rel[i]);
    atexit(cleanup);
}

static void put_file(const char *p, const uint8_t *d, size_t n, int there)
{
    unlink(p);
    if (!there)
        return;
    FILE *f = fopen(p, "w");
    if (!f || (n && fwrite(d, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

/* Everything a reader can see of the configuration, as one string. */
static char *snap(const hp_config *c)
{
    size_t nk, cap = 4096, len = 0;
    const hp_config_key *k = hp_config_schema(&nk);
    char *s = malloc(cap);
    for (size_t i = 0; s && i < nk; i++) {
        const char *v = hp_config_get(c, k[i].key);
        const char *o = hp_config_origin(c, k[i].key);
        size_t need = strlen(k[i].key) + (v ? strlen(v) : 1) +
                      (o ? strlen(o) : 1) + 8;
        if (len + need >= cap) {
            char *ns = realloc(s, cap = (len + need) * 2);
            if (!ns) {
                free(s);
                return NULL;
            }
            s = ns;
        }
        len += (size_t)sprintf(s + len, "%s=%s|%s|%d\n", k[i].key,
                               v ? v : "-", o ? o : "-",
                               hp_config_locked(c, k[i].key));
    }
    if (!s)
        abort();
    return s;
}

static void check_values(const hp_config *c)
{
    size_t nk;
    const hp_config_key *k = hp_config_schema(&nk);
    for (size_t i = 0; i < nk; i++) {
        const char *v = hp_config_get(c, k[i].key);
        if (!v)
            continue;
        if (hp_config_validate(&k[i], v, NULL) != HP_OK)
            abort();
        if (k[i].type == HP_CT_INT) {
            long x = hp_config_get_int(c, k[i].key);
            if (x < k[i].min || x > k[i].max)
                abort();
        }
        if (k[i].type == HP_CT_PORTS && hp_ports_valid(v, NULL) != HP_OK)
            abort();
    }
    const char *tools = hp_config_get(c, "host.cli_tools");
    char buf[HP_CLI_TOOLS_BUF];
    const char *out[HP_CLI_TOOLS_MAX];
    if (tools && hp_config_list(tools, buf, sizeof buf, out,
                                HP_CLI_TOOLS_MAX) == (size_t)-1)
        abort();
}

/* A failed load left everything as it was and said what was wrong. */
static void check_failed(hp_config *c, const char *before, int rc,
                         const hp_err *e, const char *what)
{
    if (rc == HP_OK) {
        check_values(c);
        return;
    }
    char *after = snap(c);
    if (strcmp(before, after) != 0 || !e->msg[0] ||
        (what && !strstr(e->msg, what)))
        abort();
    free(after);
}

static void load_layers(hp_config *c, int safe)
{
    static const int layer[P_SET] = { HP_LAYER_SYSTEM, HP_LAYER_SYSTEM,
                                      HP_LAYER_ADMIN, HP_LAYER_USER,
                                      HP_LAYER_FILE };
    for (int i = 0; i < P_SET; i++) {
        char *before = snap(c);
        hp_err e = HP_ERR_INIT;
        int rc = hp_config_load_file(c, path[i], layer[i], 0, safe, &e);
        check_failed(c, before, rc, &e, path[i]);
        free(before);
    }
}

/* --set S.K=V, one a line, as hostpriv's option parser splits it. */
static void set_lines(hp_config *c, const uint8_t *d, size_t n)
{
    char *t = malloc(n + 1);
    if (!t)
        return;
    memcpy(t, d, n);
    t[n] = '\0';
    for (char *line = t, *nl; line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *before = snap(c);
        hp_err e = HP_ERR_INIT;
        int rc = hp_config_set(c, line, eq + 1, HP_LAYER_SET, "--set", &e);
        check_failed(c, before, rc, &e, NULL);
        if (rc == HP_OK && strcmp(hp_config_get(c, line), eq + 1) != 0)
            abort();
        free(before);
    }
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    const uint8_t *part[NPARTS] = { 0 };
    size_t len[NPARTS] = { 0 };
    int np = 0;
    for (const uint8_t *p = data, *end = data + size; np < NPARTS;) {
        const uint8_t *s = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
        if (np == NPARTS - 1)
            s = NULL;               /* the last part takes the rest */
        part[np] = p;
        len[np++] = s ? (size_t)(s - p) : (size_t)(end - p);
        if (!s)
            break;
        p = s + strlen(SEP);
    }
    for (int i = 0; i < P_SET; i++)
        put_file(path[i], part[i], len[i], i < np);
    int safe = geteuid() == 0 && size % 2;
    hp_config *c = hp_config_new();
    if (!c)
        return 0;
    check_values(c);
    load_layers(c, safe);
    if (np > P_SET)
        set_lines(c, part[P_SET], len[P_SET]);
    hp_config_free(c);
    /* the system layers as hostprivd and hostpriv load them */
    c = hp_config_new();
    hp_err e = HP_ERR_INIT;
    char sys[PATH_MAX];
    snprintf(sys, sizeof sys, "%s/etc/hostpriv", dir);
    if (hp_config_load_system(c, sys, safe, &e) == HP_OK)
        check_values(c);
    else if (!e.msg[0])
        abort();
    hp_config_free(c);
    return 0;
}
