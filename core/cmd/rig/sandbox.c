/* The per-scenario sandbox: /tmp/hpr.XXXXXX (root-owned 0755, short so
 * unix socket paths stay under 108 bytes) holding root/ (host.root), the
 * events file (outside the root, so host snapshots never see it) and the
 * helper log.  The rig acts as root here, so every host path is walked one
 * component at a time from the root with O_NOFOLLOW: a link a scenario
 * (or the code under test) put in the tree can never lead the rig out. */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const cli_tools_default =
    "docker docker-compose docker-credential-desktop "
    "docker-credential-osxkeychain kubectl hub-tool";
static const char *const app_bin_default =
    "/Applications/Docker.app/Contents/Resources/bin";

static const char hosts_macos[] =
    "##\n# Host Database\n#\n# localhost is used to configure the loopback "
    "interface\n# when the system is booting.  Do not change this entry.\n"
    "##\n127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n"
    "::1             localhost\n";
static const char hosts_linux[] =
    "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
    "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n";

int hp_rig_sandbox_dir(hp_rig_sandbox *sb, char *err, size_t errn)
{
    snprintf(sb->dir, sizeof sb->dir, "/tmp/hpr.XXXXXX");
    if (!mkdtemp(sb->dir) || chmod(sb->dir, 0755) != 0) {
        snprintf(err, errn, "mkdtemp /tmp/hpr.XXXXXX: %s", strerror(errno));
        return -1;
    }
    snprintf(sb->root, sizeof sb->root, "%s/root", sb->dir);
    snprintf(sb->events, sizeof sb->events, "%s/events.jsonl", sb->dir);
    snprintf(sb->helperlog, sizeof sb->helperlog, "%s/helper.log", sb->dir);
    snprintf(sb->pids, sizeof sb->pids, "%s/rig.pids", sb->dir);
    if (mkdir(sb->root, 0755) != 0 || chmod(sb->root, 0755) != 0) {
        snprintf(err, errn, "mkdir %s: %s", sb->root, strerror(errno));
        return -1;
    }
    return 0;
}

const char *hp_rig_conf(const hp_rig_scenario *sc, const char *key,
                        const char *dflt)
{
    for (size_t i = 0; i < sc->nconfig; i++)
        if (!strcmp(sc->config[i].key, key))
            return sc->config[i].val;
    return dflt;
}

int hp_rig_owner(const char *spec, uid_t *uid, gid_t *gid)
{
    char u[128];
    const char *colon = strchr(spec, ':');
    size_t ul = colon ? (size_t)(colon - spec) : strlen(spec);
    if (ul >= sizeof u)
        return -1;
    memcpy(u, spec, ul);
    u[ul] = '\0';
    char *end;
    struct passwd *pw = getpwnam(u);
    if (pw) {
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
    } else {
        long n = strtol(u, &end, 10);
        if (!*u || *end || n < 0)
            return -1;
        *uid = (uid_t)n;
        *gid = (gid_t)n;
    }
    if (colon) {
        struct group *gr = getgrnam(colon + 1);
        long n = strtol(colon + 1, &end, 10);
        if (gr)
            *gid = gr->gr_gid;
        else if (colon[1] && !*end && n >= 0)
            *gid = (gid_t)n;
        else
            return -1;
    }
    return 0;
}

int hp_rig_hpath(const hp_rig_sandbox *sb, const char *hpath, char *out,
                 size_t n)
{
    int w;
    if (hpath[0] == '~')
        w = snprintf(out, n, "%s%s", sb->home, hpath + 1);
    else
        w = snprintf(out, n, "%s", hpath);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int hp_rig_real(const hp_rig_sandbox *sb, const char *hpath, char *out,
                size_t n)
{
    char h[PATH_MAX];
    if (hp_rig_hpath(sb, hpath, h, sizeof h))
        return -1;
    int w = snprintf(out, n, "%s%s", sb->root, h);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Open the directory holding host path h (creating missing parents
 * root:root 0755 when mk), never following a link; *base points at the
 * last component inside h.  Returns an fd or -1 with errno. */
static int open_parent(const hp_rig_sandbox *sb, char *h, int mk, char **base)
{
    int fd = open(sb->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    char *p = h;
    while (fd >= 0) {
        while (*p == '/')
            p++;
        char *slash = strchr(p, '/');
        if (!slash || !slash[strspn(slash, "/")]) {
            if (slash)
                *slash = '\0';
            *base = p;
            return fd;
        }
        *slash = '\0';
        /* root:root as documented, or the parent is not what it says */
        if (mk && mkdirat(fd, p, 0755) == 0 &&
            fchownat(fd, p, 0, 0, AT_SYMLINK_NOFOLLOW) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        int next = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                          O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = next;
        *slash = '/';
        p = slash + 1;
    }
    return -1;
}

int hp_rig_locate(const hp_rig_sandbox *sb, const char *hpath, char *buf,
                  size_t n, const char **base)
{
    if (hp_rig_hpath(sb, hpath, buf, n))
        return errno = ENAMETOOLONG, -1;
    char *b;
    int fd = open_parent(sb, buf, 0, &b);
    *base = fd >= 0 && *b ? b : ".";
    return fd;
}

int hp_rig_remove(const hp_rig_sandbox *sb, const char *hpath)
{
    char buf[PATH_MAX], real[PATH_MAX];
    const char *base;
    struct stat st;
    int dfd = hp_rig_locate(sb, hpath, buf, sizeof buf, &base);
    if (dfd < 0)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        rc = errno == ENOENT ? 0 : -1;
    else if (!S_ISDIR(st.st_mode))
        rc = unlinkat(dfd, base, 0);
    else if (hp_rig_real(sb, hpath, real, sizeof real) == 0)
        /* every directory on the way was just walked without following a
         * link, so this path names the directory we saw */
        rc = hp_rig_rmtree(real);
    else
        rc = -1;
    close(dfd);
    return rc;
}

static int op_fail(char *err, size_t errn, const hp_rig_hostop *h,
                   const char *what)
{
    snprintf(err, errn, "line %d: cannot %s %s: %s%s", h->line, what, h->path,
             strerror(errno), errno == ENOTDIR || errno == ELOOP
             ? " (a link or file in the way: the rig never follows links "
               "while setting up)" : "");
    return -1;
}

static int apply_one(hp_rig_sandbox *sb, const hp_rig_hostop *h, char *err,
                     size_t errn)
{
    uid_t uid = 0;
    gid_t gid = 0;
    if (h->owner && hp_rig_owner(h->owner, &uid, &gid)) {
        snprintf(err, errn, "line %d: unknown owner '%s'", h->line, h->owner);
        return -1;
    }
    char hp[PATH_MAX], *base;
    if (hp_rig_hpath(sb, h->path, hp, sizeof hp))
        return errno = ENAMETOOLONG, op_fail(err, errn, h, "resolve");
    if (h->kind == HP_RIG_REMOVE)
        return hp_rig_remove(sb, h->path) ? op_fail(err, errn, h, "remove")
                                          : 0;
    int dfd = open_parent(sb, hp, 1, &base);
    if (dfd < 0)
        return op_fail(err, errn, h, "reach the directory of");
    int rc = 0;
    if (h->kind == HP_RIG_DIR) {
        mode_t m = h->mode < 0 ? 0755 : (mode_t)h->mode;
        if (*base && mkdirat(dfd, base, m) != 0 && errno != EEXIST)
            rc = op_fail(err, errn, h, "create");
        int fd = rc ? -1 : *base ? openat(dfd, base, O_RDONLY | O_DIRECTORY |
                                         O_NOFOLLOW | O_CLOEXEC)
                                 : openat(dfd, ".", O_RDONLY | O_CLOEXEC);
        if (!rc && (fd < 0 || fchmod(fd, m) || fchown(fd, uid, gid)))
            rc = op_fail(err, errn, h, "set up");
        if (fd >= 0)
            close(fd);
    } else if (h->kind == HP_RIG_FILE) {
        mode_t m = h->mode < 0 ? 0644 : (mode_t)h->mode;
        int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
                        O_CLOEXEC, m);
        if (fd < 0 || write(fd, h->data, h->len) != (ssize_t)h->len ||
            fchmod(fd, m) || fchown(fd, uid, gid))
            rc = op_fail(err, errn, h, "write");
        if (fd >= 0)
            close(fd);
    } else {
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode))
            (void)unlinkat(dfd, base, 0);
        if (symlinkat(h->target, dfd, base) ||
            fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW))
            rc = op_fail(err, errn, h, "link");
    }
    close(dfd);
    return rc;
}

int hp_rig_hostops(hp_rig_sandbox *sb, const hp_rig_hostop *ops, size_t n,
                   char *err, size_t errn)
{
    for (size_t i = 0; i < n; i++)
        if (apply_one(sb, &ops[i], err, errn))
            return -1;
    return 0;
}

/* The host as a fresh Mac (or Linux box) has it before the app ever ran. */
static int skeleton(hp_rig_sandbox *sb, int linux, char *err, size_t errn)
{
    static const char *const mac[] = { "/etc", "/var/run", "/usr/local/bin",
        "/Library/PrivilegedHelperTools", "/Library/LaunchDaemons",
        "/Library/Application Support", "/Applications", "/Users", NULL };
    static const char *const lnx[] = { "/etc", "/etc/systemd/system",
        "/var/run", "/var/lib", "/usr/local/bin", "/usr/local/libexec",
        "/home", NULL };
    hp_rig_hostop h = { .kind = HP_RIG_DIR, .mode = -1 };
    for (const char *const *d = linux ? lnx : mac; *d; d++) {
        h.path = (char *)*d;
        if (apply_one(sb, &h, err, errn))
            return -1;
    }
    const char *hosts = linux ? hosts_linux : hosts_macos;
    hp_rig_hostop f = { .kind = HP_RIG_FILE, .mode = 0644,
                        .path = (char *)"/etc/hosts", .data = (char *)hosts,
                        .len = strlen(hosts) };
    hp_rig_hostop home = { .kind = HP_RIG_DIR, .mode = 0755, .path = "~",
                           .owner = (char *)sb->st->user };
    return apply_one(sb, &f, err, errn) || apply_one(sb, &home, err, errn);
}

/* The app bundle's CLI binaries, the targets of the links. */
static int app_bundle(hp_rig_sandbox *sb, char *err, size_t errn)
{
    const char *dir = hp_rig_conf(sb->sc, "host.app_bin_dir", app_bin_default);
    const char *tools = hp_rig_conf(sb->sc, "host.cli_tools",
                                    cli_tools_default);
    hp_rig_words w;
    char e2[128];
    if (hp_rig_split(tools, &w, e2, sizeof e2))
        return snprintf(err, errn, "host.cli_tools: %s", e2), -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        char *name = w.v[i];
        name[strcspn(name, ",")] = '\0';
        if (!*name)
            continue;
        char *path = hp_rig_fmt("%s/%s", dir, name);
        char *body = hp_rig_fmt("#!/bin/sh\necho \"%s: emulated app binary\"\n",
                                name);
        hp_rig_hostop f = { .kind = HP_RIG_FILE, .mode = 0755, .path = path,
                            .data = body, .len = strlen(body) };
        rc = apply_one(sb, &f, err, errn);
        free(path);
        free(body);
    }
    hp_rig_words_free(&w);
    return rc;
}

/* ---- the system config ------------------------------------------- */
typedef struct conf_line {
    char section[64], key[64];
    const char *val;
} conf_line;

static void conf_put(conf_line *v, size_t *n, size_t max, const char *sk,
                     const char *val)
{
    const char *dot = strchr(sk, '.');
    char sec[64], key[64];
    snprintf(sec, sizeof sec, "%.*s", (int)(dot - sk), sk);
    snprintf(key, sizeof key, "%s", dot + 1);
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].section, sec) && !strcmp(v[i].key, key)) {
            v[i].val = val;
            return;
        }
    if (*n == max)
        return;
    snprintf(v[*n].section, sizeof v[*n].section, "%s", sec);
    snprintf(v[*n].key, sizeof v[*n].key, "%s", key);
    v[(*n)++].val = val;
}

/* Lines grouped by section in first-seen order, so a scenario's override
 * replaces the rig's value instead of adding a duplicate key. */
static char *conf_render(const conf_line *v, size_t n, const char *file)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "; written by hostpriv-rig for %s\n", file);
    for (size_t i = 0; i < n; i++) {
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(v[j].section, v[i].section))
                first = 0;
        if (!first)
            continue;
        fprintf(f, "[%s]\n", v[i].section);
        for (size_t j = i; j < n; j++)
            if (!strcmp(v[j].section, v[i].section))
                fprintf(f, "%s = %s\n", v[j].key, v[j].val);
    }
    fclose(f);
    return buf;
}

static int write_config(hp_rig_sandbox *sb, int linux, char *err, size_t errn)
{
    const hp_rig_scenario *sc = sb->sc;
    conf_line v[256];
    size_t n = 0, max = sizeof v / sizeof *v;
    if (sc->version)
        conf_put(v, &n, max, "core.version", sc->version);
    if (sc->plugin)
        conf_put(v, &n, max, "core.plugin", sc->plugin);
    conf_put(v, &n, max, "core.plugin_dir", sb->st->plugins);
    conf_put(v, &n, max, "core.event_log", sb->events);
    conf_put(v, &n, max, "host.platform", linux ? "linux" : "macos");
    conf_put(v, &n, max, "host.user", sb->st->user);
    conf_put(v, &n, max, "host.home", sb->home);
    conf_put(v, &n, max, "host.shell",
             sc->shell ? sc->shell : linux ? "/bin/bash" : "/bin/zsh");
    conf_put(v, &n, max, "helper.service", "direct");
    conf_put(v, &n, max, "elevate.command", "sudo -n");
    conf_put(v, &n, max, "prompt.backend", "answers");
    for (size_t i = 0; i < sc->nconfig; i++)
        conf_put(v, &n, max, sc->config[i].key, sc->config[i].val);
    char *text = conf_render(v, n, sc->file);
    hp_rig_hostop f = { .kind = HP_RIG_FILE, .mode = 0644, .line = 0,
                        .path = "/etc/hostpriv/hostpriv.ini", .data = text,
                        .len = strlen(text) };
    int rc = apply_one(sb, &f, err, errn);
    free(text);
    if (rc || sc->nadmin == 0)
        return rc;
    n = 0;
    for (size_t i = 0; i < sc->nadmin; i++)
        conf_put(v, &n, max, sc->admin[i].key, sc->admin[i].val);
    text = conf_render(v, n, sc->file);
    f.path = "/etc/hostpriv/admin.ini";
    f.data = text;
    f.len = strlen(text);
    rc = apply_one(sb, &f, err, errn);
    free(text);
    return rc;
}

int hp_rig_sandbox_build(hp_rig_sandbox *sb, char *err, size_t errn)
{
    const hp_rig_scenario *sc = sb->sc;
    int linux = sc->platform && !strcmp(sc->platform, "linux");
    const char *home = sc->home;
    if (!home)
        home = hp_rig_conf(sc, "host.home", NULL);
    if (home)
        snprintf(sb->home, sizeof sb->home, "%s", home);
    else
        snprintf(sb->home, sizeof sb->home, "%s/%s",
                 linux ? "/home" : "/Users", sb->st->user);
    snprintf(sb->socket, sizeof sb->socket, "%s",
             hp_rig_conf(sc, "helper.socket",
                         "/var/run/com.docker.vmnetd.sock"));
    snprintf(sb->label, sizeof sb->label, "%s",
             hp_rig_conf(sc, "helper.label", "com.docker.vmnetd"));

    /* the events file: outside the root, appended to by the user's runs */
    int fd = open(sb->events, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || fchown(fd, sb->st->uid, sb->st->gid) != 0) {
        snprintf(err, errn, "create %s: %s", sb->events, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    if (sc->skeleton && skeleton(sb, linux, err, errn))
        return -1;
    if (sc->app && app_bundle(sb, err, errn))
        return -1;
    if (hp_rig_hostops(sb, sc->host, sc->nhost, err, errn))
        return -1;
    hp_rig_hostop d = { .kind = HP_RIG_DIR, .mode = 0755,
                        .path = "/etc/hostpriv" };
    return apply_one(sb, &d, err, errn) || write_config(sb, linux, err, errn);
}

int hp_rig_netns(void)
{
    if (unshare(CLONE_NEWNET) != 0)
        return -1;
    /* a new namespace has lo down: bring it up (ip link set lo up) */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ? -1 : 0;
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
    return rc;
}
