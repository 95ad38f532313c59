/* The helper's privileges per task (privs.h).  A uid-0 process needs no
 * capability to write what root owns: it is the owner.  So a task that
 * edits root's files (the docker.sock link and its boot task, /etc/hosts,
 * the policy cache, the helper's own files) keeps nothing for it; only
 * what the owner bits cannot give is kept:
 *   CAP_NET_BIND_SERVICE  a port below 1024 (helper.ports)
 *   CAP_SETUID, SETGID    the steps done as the app's user (hp_as_user):
 *                         links into a /usr/local/bin the user owns, and
 *                         uninstall reverting what lies in a user's
 *                         directory; the child drops to the user, so the
 *                         kernel, not root, checks that user's rights.
 * Nothing else: no CAP_DAC_OVERRIDE (root never writes through another
 * user's files, SECURITY.md), no CAP_CHOWN or CAP_FOWNER (what it creates
 * it owns; a file the user owns is written as the user), no CAP_KILL (it
 * signals only root's processes), no CAP_SETPCAP once started. */
#include "privs.h"
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/loader.h"

static const struct { int task; uint64_t caps; } task_caps[] = {
    { HP_TASK_PRIVILEGED_PORT, HP_CAPBIT(CAP_NET_BIND_SERVICE) },
    { HP_TASK_CLI_LINKS, HP_CAPBIT(CAP_SETUID) | HP_CAPBIT(CAP_SETGID) },
    { HP_TASK_UNINSTALL, HP_CAPBIT(CAP_SETUID) | HP_CAPBIT(CAP_SETGID) },
};

static const char *const cap_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
};

uint64_t hp_helper_caps(uint32_t serves)
{
    uint64_t caps = 0;
    for (size_t i = 0; i < sizeof task_caps / sizeof task_caps[0]; i++)
        if (serves & HP_TASK_BIT(task_caps[i].task))
            caps |= task_caps[i].caps;
    return caps;
}

/* A context opened without plugins (`hostpriv privileged`) asks the
 * plugin the helper will pick from the same configuration and directory;
 * nothing is initialised. */
uint32_t hp_helper_serves(const hp_ctx *c)
{
    if (!c)
        return 0;
    if (c->active)
        return c->active->desc.helper_serves;
    char dir[PATH_MAX];
    const char *pd = hp_conf(c, "core.plugin_dir");
    if (!pd || !*pd) {
        hp_loader_default_dir(dir, sizeof dir);
        pd = dir;
    }
    hp_loaded *list = NULL;
    size_t n = 0, idx = 0;
    uint32_t serves = 0;
    hp_err e = HP_ERR_INIT;
    if (hp_loader_scan(pd, geteuid() == 0, &list, &n, NULL, 0, &e) == HP_OK &&
        hp_loader_pick(list, n, hp_conf(c, "core.plugin"),
                       hp_conf(c, "core.version"), &idx, &e) == HP_OK)
        serves = list[idx].desc.helper_serves;
    hp_loader_free(list, n);
    return serves;
}

int hp_helper_acts_as_user(uint32_t serves)
{
    return (hp_helper_caps(serves) & HP_CAPBIT(CAP_SETUID)) != 0;
}

void hp_caps_text(uint64_t caps, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++) {
        if (!(caps & HP_CAPBIT(i)) || !cap_names[i])
            continue;
        int w = snprintf(out + k, n - k, "%s%s", k ? " " : "", cap_names[i]);
        if (w < 0 || (size_t)w >= n - k)
            return;
        k += (size_t)w;
    }
}

/* ------------------------------------------------------------- paths */

static void parent_of(const char *hpath, char *out, size_t n)
{
    snprintf(out, n, "%s", hpath ? hpath : "");
    char *slash = strrchr(out, '/');
    if (slash)
        slash[slash == out] = '\0';     /* "/x" -> "/" */
}

/* a is b or lies under it */
static int within(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (n == 1)
        return 1;                       /* under "/" */
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* Add the real directory of host path hdir (or its nearest existing
 * ancestor), unless a listed one holds it; drop those it holds. */
static void add_dir(const hp_ctx *c, const char *hdir, hp_write_dirs *w)
{
    char real[PATH_MAX];
    struct stat st;
    if (!hdir || hdir[0] != '/' ||
        hp_real_path(c, hdir, real, sizeof real) != 0)
        return;
    while (stat(real, &st) != 0 && strcmp(real, "/") != 0) {
        char up[PATH_MAX];
        parent_of(real, up, sizeof up);
        snprintf(real, sizeof real, "%s", up);
    }
    for (size_t i = 0; i < w->n; i++)
        if (within(real, w->dir[i]))
            return;
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++)
        if (!within(w->dir[i], real))
            memmove(w->dir[k++], w->dir[i], PATH_MAX);
    w->n = k;
    if (w->n < HP_WRITE_DIRS_MAX)
        snprintf(w->dir[w->n++], PATH_MAX, "%s", real);
}

static void add_parent(const hp_ctx *c, const char *key_or_path, int is_key,
                       hp_write_dirs *w)
{
    char d[PATH_MAX];
    parent_of(is_key ? hp_conf(c, key_or_path) : key_or_path, d, sizeof d);
    add_dir(c, d, w);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* What each task writes.  Uninstall reverts what any of them made, so it
 * writes where all of them do.  The direct backend's helper also makes its
 * own socket, pidfile and log (a service manager does that for it). */
void hp_helper_write_dirs(const hp_ctx *c, uint32_t serves, int boot,
                          hp_write_dirs *w)
{
    w->n = 0;
    if (boot) {
        add_parent(c, HP_DOCKER_SOCK_LINK, 0, w);
        add_dir(c, hp_path_root_state(c), w);
    } else {
        if (serves & HP_TASK_BIT(HP_TASK_UNINSTALL))
            serves |= (1u << HP_TASK__COUNT) - 1;
        if (serves & ~HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT))
            add_dir(c, hp_path_root_state(c), w);     /* the journal */
        if (serves & HP_TASK_BIT(HP_TASK_CLI_LINKS))
            add_dir(c, HP_SYSTEM_BIN_DIR, w);
        if (serves & HP_TASK_BIT(HP_TASK_DOCKER_SOCKET)) {
            add_parent(c, HP_DOCKER_SOCK_LINK, 0, w);
            add_parent(c, "boot.service_file", 1, w);
        }
        if (serves & HP_TASK_BIT(HP_TASK_HOSTS))
            add_parent(c, "host.hosts_file", 1, w);
        if (serves & HP_TASK_BIT(HP_TASK_POLICY))
            add_parent(c, "policy.cache_file", 1, w);
        if (serves & HP_TASK_BIT(HP_TASK_HELPER)) {
            add_parent(c, "helper.service_file", 1, w);
            add_parent(c, "helper.path", 1, w);
        }
        const char *bk = hp_conf(c, "helper.service");
        if (bk && !strcmp(bk, "direct")) {
            add_parent(c, "helper.socket", 1, w);
            add_dir(c, "/var/run", w);
            add_dir(c, "/var/log/hostpriv", w);
        }
    }
    qsort(w->dir, w->n, PATH_MAX, by_name);
}
