/* Plugin loader (nginx/GStreamer/OBS rules).  A file is opened once, its
 * inode checked, and that very inode is loaded through /proc/self/fd/N, so
 * nothing can be swapped in between the check and dlopen.  Every rejection
 * says which file, what is wrong and how to fix it, and dlcloses. */
#include "loader.h"
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/safepath.h"

#define MAX_PLUGINS 64
#define MAX_EXTRA   64
/* Bytes a descriptor must have: everything up to and including ops.launch,
 * the least any ABI 1 plugin provides. */
#define MIN_SIZE (offsetof(hp_plugin, ops) + sizeof(((hp_ops *)0)->launch))

/* ---- versions -------------------------------------------------------- */

int hp_version_parse(const char *s, int v[3])
{
    int parts = 0;
    v[0] = v[1] = v[2] = 0;
    if (!s || !*s)
        return -1;
    for (const char *p = s;; p++) {
        if (parts == 3 || !isdigit((unsigned char)*p))
            return -1;
        long n = 0;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p++ - '0');
            if (++digits > 6)
                return -1;
        }
        v[parts++] = (int)n;
        if (*p == '\0')
            return 0;
        if (*p != '.')
            return -1;
    }
}

int hp_version_cmp(const char *a, const char *b)
{
    int va[3], vb[3];
    if (hp_version_parse(a, va) || hp_version_parse(b, vb))
        return a && b ? strcmp(a, b) : 0;
    for (int i = 0; i < 3; i++)
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    return 0;
}

int hp_version_in_range(const char *version, const char *min, const char *max)
{
    int v[3];
    if (hp_version_parse(version, v))
        return 0;
    if (min && hp_version_cmp(version, min) < 0)
        return 0;
    if (max && hp_version_cmp(version, max) >= 0)
        return 0;
    return 1;
}

/* Inside the range: the version itself.  Else the plugin's first version
 * (version_min), or for a range open below, the release line just under
 * version_max ("4.15" -> "4.14.0", "4.15.3" -> "4.15.2"). */
int hp_version_emulated(const char *version, const char *min,
                        const char *max, char *out, size_t n)
{
    int v[3];
    if (hp_version_in_range(version, min, max)) {
        snprintf(out, n, "%s", version);
        return 0;
    }
    if (min && hp_version_parse(min, v) == 0) {
        snprintf(out, n, "%d.%d.%d", v[0], v[1], v[2]);
        return 1;
    }
    if (!max || hp_version_parse(max, v) != 0)
        return -1;
    int i = v[2] > 0 ? 2 : v[1] > 0 ? 1 : v[0] > 0 ? 0 : -1;
    if (i < 0)
        return -1;              /* "< 0": no version to emulate */
    v[i]--;
    for (int k = i + 1; k < 3; k++)
        v[k] = 0;
    snprintf(out, n, "%d.%d.%d", v[0], v[1], v[2]);
    return 1;
}

/* ---- checking a descriptor -------------------------------------------- */

static int valid_name(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max || s[0] == '-' || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

static int check_range(const char *path, const hp_plugin *d, hp_err *e)
{
    int v[3];
    if (d->version_min && hp_version_parse(d->version_min, v))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: version_min '%s' is not "
                          "a version: fix its descriptor (e.g. \"4.15\")",
                          path, d->version_min);
    if (d->version_max && hp_version_parse(d->version_max, v))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: version_max '%s' is not "
                          "a version: fix its descriptor (e.g. \"4.18\")",
                          path, d->version_max);
    if (d->version_min && d->version_max &&
        hp_version_cmp(d->version_min, d->version_max) >= 0)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: empty version range "
                          "[%s, %s): version_min must be below version_max",
                          path, d->version_min, d->version_max);
    if (!d->versions_text || !*d->versions_text)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: no versions_text: give "
                          "the range in words (\"4.15 - 4.17.x\")", path);
    return HP_OK;
}

static int check_extra(const char *path, const hp_plugin *d, hp_err *e)
{
    if (d->n_extra_ops == 0)
        return HP_OK;
    if (!d->extra_ops || d->n_extra_ops > MAX_EXTRA)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: n_extra_ops %zu with %s "
                          "extra_ops: fix the descriptor (at most %d)", path,
                          d->n_extra_ops, d->extra_ops ? "these" : "NULL",
                          MAX_EXTRA);
    for (size_t i = 0; i < d->n_extra_ops; i++) {
        const hp_extra_op *x = &d->extra_ops[i];
        const char *a = x->args ? x->args : "";
        if (!valid_name(x->name, 64) || !x->fn ||
            strspn(a, "sitf") != strlen(a) || strlen(a) > 8 ||
            x->task < 0 || x->task >= HP_TASK__COUNT)
            return hp_err_set(e, HP_ECONFIG, "plugin %s: extra op %zu ('%s') "
                              "is malformed: it needs a name, a function, "
                              "argument tags from \"sitf\" and a task", path,
                              i, x->name && valid_name(x->name, 64) ? x->name
                                                                   : "?");
    }
    return HP_OK;
}

/* The header fields first: they decide whether the rest can be read. */
static int check_header(const char *path, const hp_plugin *d, hp_err *e)
{
    if (d->abi_major != HP_PLUGIN_ABI_MAJOR)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: ABI major %u, this "
                          "hostpriv speaks %d: rebuild the plugin against "
                          "hostpriv's plugin.h", path, d->abi_major,
                          HP_PLUGIN_ABI_MAJOR);
    if (d->abi_minor > HP_PLUGIN_ABI_MINOR)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: ABI %u.%u is newer than "
                          "this hostpriv's %d.%d: upgrade hostpriv or rebuild "
                          "the plugin against this plugin.h", path,
                          d->abi_major, d->abi_minor, HP_PLUGIN_ABI_MAJOR,
                          HP_PLUGIN_ABI_MINOR);
    if (d->struct_size > sizeof(hp_plugin))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: descriptor of %u bytes is "
                          "larger than the %zu this hostpriv knows for ABI "
                          "%d.%d: rebuild the plugin against hostpriv's "
                          "plugin.h", path, d->struct_size, sizeof(hp_plugin),
                          HP_PLUGIN_ABI_MAJOR, HP_PLUGIN_ABI_MINOR);
    if (d->struct_size < MIN_SIZE)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: descriptor of %u bytes is "
                          "too small to be a hostpriv plugin: stamp it with "
                          "HP_PLUGIN_HEADER", path, d->struct_size);
    return HP_OK;
}

static int check_desc(const char *path, const hp_plugin *d, hp_err *e)
{
    if (!valid_name(d->name, 64))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: name '%s' is missing or "
                          "not letters, digits, '.', '_', '-': fix the "
                          "descriptor", path, d->name ? d->name : "");
    if (!d->init || !d->fini || !d->ops.launch)
        return hp_err_set(e, HP_ECONFIG, "plugin %s (%s): required %s is NULL: "
                          "every plugin implements init, fini and ops.launch",
                          path, d->name, !d->init ? "init" : !d->fini ? "fini"
                          : "ops.launch");
    if (d->helper_serves >> HP_TASK__COUNT)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: helper_serves has bits "
                          "for unknown tasks: use HP_TASK_BIT()", path);
    int rc = check_range(path, d, e);
    return rc == HP_OK ? check_extra(path, d, e) : rc;
}

/* ---- loading --------------------------------------------------------- */

static int check_inode(int fd, const char *path, int require_safe, hp_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "plugin %s", path);
    if (!S_ISREG(st.st_mode))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: not a regular file: "
                          "remove it from the plugin directory", path);
    if (require_safe && st.st_uid != 0)
        return hp_err_set(e, HP_ECONFIG, "plugin %s: not owned by root: root "
                          "loads only root-owned plugins (chown root)", path);
    if (require_safe && (st.st_mode & 022))
        return hp_err_set(e, HP_ECONFIG, "plugin %s: group/world-writable: "
                          "chmod go-w it", path);
    return HP_OK;
}

/* ld.so knows a loaded object by the name it was first opened under, and
 * hands that object back for the same name.  fd was free a moment ago, so
 * an object already named /proc/self/fd/<fd> was loaded through an fd
 * since closed (a context reloaded while another still holds the same
 * file keeps it loaded under the old number): that name is stale, and
 * would give us some other plugin.  Move fd to a number no loaded object
 * is named after.  HP_OK, or HP_ECONFIG when fd cannot be moved. */
static int unshadowed_fd(int *fd, const char *path, hp_err *e)
{
    for (;;) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", *fd);
        void *h = dlopen(proc, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
        struct link_map *lm = NULL;
        int stale = h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm &&
                    strcmp(lm->l_name, proc) == 0;
        if (h)
            dlclose(h);
        if (!stale)
            return HP_OK;
        int moved = fcntl(*fd, F_DUPFD_CLOEXEC, *fd + 1);
        if (moved < 0)
            return hp_err_sys(e, HP_ECONFIG, errno, "plugin %s", path);
        close(*fd);
        *fd = moved;
    }
}

/* Load the file open on fd (already checked). */
static int load_fd(int fd, const char *path, hp_loaded *out, hp_err *e)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    dlerror();
    void *dl = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        return hp_err_set(e, HP_ECONFIG, "plugin %s: cannot be loaded: %s: "
                          "rebuild it as a shared object for this system",
                          path, why ? why : "dlopen failed");
    }
    const hp_plugin *d = dlsym(dl, HP_PLUGIN_SYMBOL);
    int rc = HP_OK;
    if (!d)
        rc = hp_err_set(e, HP_ECONFIG, "plugin %s: no '%s' symbol: not a "
                        "hostpriv plugin; export one const hp_plugin named %s "
                        "stamped with HP_PLUGIN_HEADER", path,
                        HP_PLUGIN_SYMBOL, HP_PLUGIN_SYMBOL);
    if (rc == HP_OK)
        rc = check_header(path, d, e);
    if (rc == HP_OK) {
        memset(&out->desc, 0, sizeof out->desc);
        memcpy(&out->desc, d, d->struct_size);
        rc = check_desc(path, &out->desc, e);
    }
    if (rc != HP_OK) {
        dlclose(dl);
        memset(out, 0, sizeof *out);
        out->fd = -1;
        return rc;
    }
    out->dl = dl;
    out->fd = fd;
    snprintf(out->path, sizeof out->path, "%s", path);
    return HP_OK;
}

static int check_dirfd(int dfd, const char *dir, hp_err *e)
{
    struct stat st;
    if (fstat(dfd, &st) != 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "plugin directory %s", dir);
    if (st.st_uid != 0 || (st.st_mode & 022))
        return hp_err_set(e, HP_ECONFIG, "plugin directory %s: %s: root loads "
                          "plugins only from a root-owned directory nobody "
                          "else can write (chown root, chmod go-w)", dir,
                          st.st_uid != 0 ? "not owned by root"
                                         : "group/world-writable");
    return HP_OK;
}

/* Open the plugin directory; as root also check it and every parent. */
static int open_dir(const char *dir, int require_safe, int *dfd, hp_err *e)
{
    if (!dir || dir[0] != '/')
        return hp_err_set(e, HP_ECONFIG, "plugin directory '%s' is not an "
                          "absolute path: give core.plugin_dir from / (no "
                          "library search path is used)", dir ? dir : "");
    hp_err se = HP_ERR_INIT;
    if (require_safe && hp_sp_check_safe_dir(dir, &se) != HP_OK) {
        hp_err_sys(e, HP_ECONFIG, 0, "plugin directory %s (core.plugin_dir): "
                   "%s", dir, se.msg);
        if (e)
            e->sys = se.sys;
        return HP_ECONFIG;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
                  (require_safe ? O_NOFOLLOW : 0));
    if (fd < 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "plugin directory %s (set "
                          "core.plugin_dir)", dir);
    if (require_safe && check_dirfd(fd, dir, e) != HP_OK) {
        close(fd);
        return HP_ECONFIG;
    }
    *dfd = fd;
    return HP_OK;
}

static int load_at(int dfd, const char *name, const char *path,
                   int require_safe, hp_loaded *out, hp_err *e)
{
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    memset(out, 0, sizeof *out);
    out->fd = -1;
    int fd = openat(dfd, name, flags | (require_safe ? O_NOFOLLOW : 0));
    if (fd < 0) {
        if (errno == ELOOP)
            return hp_err_set(e, HP_ECONFIG, "plugin %s: is a symbolic link: "
                              "root loads only the file itself; copy it "
                              "there", path);
        return hp_err_sys(e, HP_ECONFIG, errno, "plugin %s", path);
    }
    int rc = check_inode(fd, path, require_safe, e);
    if (rc == HP_OK)
        rc = unshadowed_fd(&fd, path, e);
    if (rc == HP_OK)
        rc = load_fd(fd, path, out, e);
    if (rc != HP_OK)
        close(fd);
    return rc;
}

void hp_loader_unload(hp_loaded *p)
{
    if (p->dl)
        dlclose(p->dl);
    if (p->fd >= 0)
        close(p->fd);
    memset(p, 0, sizeof *p);
    p->fd = -1;
}

int hp_loader_load(const char *path, int require_safe, hp_loaded *out,
                   hp_err *e)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    if (!path || path[0] != '/')
        return hp_err_set(e, HP_ECONFIG, "plugin '%s': not an absolute path: "
                          "give the full path (a bare name would search the "
                          "library path)", path ? path : "");
    if (strlen(path) >= sizeof out->path)
        return hp_err_set(e, HP_ECONFIG, "plugin path too long");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *name = path + (slash - dir) + 1;
    if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int dfd, rc = open_dir(dir, require_safe, &dfd, e);
    if (rc != HP_OK)
        return rc;
    rc = load_at(dfd, name, path, require_safe, out, e);
    close(dfd);
    return rc;
}

static void add_warn(char *warn, size_t warnsz, const char *msg)
{
    if (!warn || !warnsz)
        return;
    size_t l = strlen(warn);
    if (l + 1 < warnsz)
        snprintf(warn + l, warnsz - l, "%s\n", msg);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_so(int dfd, char **names, size_t max)
{
    int dd = dup(dfd);
    DIR *d = dd >= 0 ? fdopendir(dd) : NULL;
    size_t n = 0;
    if (!d) {
        if (dd >= 0)
            close(dd);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 4 || strcmp(de->d_name + l - 3, ".so"))
            continue;
        if ((names[n] = strdup(de->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    return n;
}

static int duplicate(hp_loaded *list, size_t n, const hp_loaded *p,
                     char *warn, size_t warnsz)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].desc.name, p->desc.name)) {
            char msg[PATH_MAX * 2 + 200];
            snprintf(msg, sizeof msg, "plugin %s: name '%s' is already loaded "
                     "from %s: remove one of the two files", p->path,
                     p->desc.name, list[i].path);
            add_warn(warn, warnsz, msg);
            return 1;
        }
    return 0;
}

int hp_loader_scan(const char *dir, int require_safe, hp_loaded **list,
                   size_t *n, char *warn, size_t warnsz, hp_err *e)
{
    *list = NULL;
    *n = 0;
    if (warn && warnsz)
        warn[0] = '\0';
    int dfd, rc = open_dir(dir, require_safe, &dfd, e);
    if (rc != HP_OK)
        return rc;
    char *names[MAX_PLUGINS];
    size_t nn = list_so(dfd, names, MAX_PLUGINS);
    hp_loaded *out = calloc(nn ? nn : 1, sizeof *out);
    if (!out) {
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        close(dfd);
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < nn; i++) {
        char path[PATH_MAX];
        hp_err le = HP_ERR_INIT;
        snprintf(path, sizeof path, "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        int rc2 = load_at(dfd, names[i], path, require_safe, &out[k], &le);
        free(names[i]);
        if (rc2 != HP_OK) {
            add_warn(warn, warnsz, le.msg);
            continue;
        }
        if (duplicate(out, k, &out[k], warn, warnsz)) {
            hp_loader_unload(&out[k]);
            continue;
        }
        k++;
    }
    close(dfd);
    *list = out;
    *n = k;
    return HP_OK;
}

static void ranges(const hp_loaded *list, size_t n, char *out, size_t sz)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sz - l, "%s%s (%s)", i ? ", " : "",
                 list[i].desc.name, list[i].desc.versions_text);
    }
}

int hp_loader_pick(hp_loaded *list, size_t n, const char *name,
                   const char *version, size_t *idx, hp_err *e)
{
    char all[1024];
    ranges(list, n, all, sizeof all);
    if (n == 0)
        return hp_err_set(e, HP_ECONFIG, "no plugins found: check "
                          "core.plugin_dir (hostpriv plugins lists what is "
                          "rejected and why)");
    for (size_t i = 0; name && *name && i < n; i++)
        if (!strcmp(list[i].desc.name, name)) {
            *idx = i;
            return HP_OK;
        }
    if (name && *name)
        return hp_err_set(e, HP_ECONFIG, "core.plugin '%s': no such plugin; "
                          "found: %s", name, all);
    int v[3];
    if (!version || hp_version_parse(version, v))
        return hp_err_set(e, HP_ECONFIG, "core.version '%s' is not a version "
                          "(e.g. 4.16.2)", version ? version : "");
    for (size_t i = 0; i < n; i++)
        if (hp_version_in_range(version, list[i].desc.version_min,
                                list[i].desc.version_max)) {
            *idx = i;
            return HP_OK;
        }
    return hp_err_set(e, HP_ECONFIG, "core.version %s is covered by no plugin: "
                      "%s; set core.version inside one of these ranges or "
                      "core.plugin", version, all);
}

void hp_loader_free(hp_loaded *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        hp_loader_unload(&list[i]);
    free(list);
}

/* Next to the running program: build/bin/../plugins (the build tree),
 * then BINDIR/../lib/hostpriv/plugins (an installed tree, wherever its
 * PREFIX put it), then the compiled-in PLUGINDIR. */
int hp_loader_default_dir(char *out, size_t n)
{
    static const char *const rel[] = { "../plugins", "../lib/hostpriv/plugins" };
    char exe[PATH_MAX], cand[PATH_MAX], real[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = l > 0 ? (exe[l] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            struct stat st;
            snprintf(cand, sizeof cand, "%s/%s", exe, rel[i]);
            if (stat(cand, &st) != 0 || !S_ISDIR(st.st_mode) ||
                !realpath(cand, real))
                continue;
            if (strlen(real) >= n)
                return -1;
            snprintf(out, n, "%s", real);
            return 0;
        }
    }
    if (strlen(HP_PLUGINDIR) >= n)
        return -1;
    snprintf(out, n, "%s", HP_PLUGINDIR);
    return 0;
}
