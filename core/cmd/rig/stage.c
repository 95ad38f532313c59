/* Staging: the app side runs as the test user, who may not reach the build
 * tree (a checkout under a 0700 home), so once per run the rig copies its
 * sibling programs and the plugins into a root-owned 0755 directory,
 * HP_RIG_STAGE_ROOT/run-PID.XXXXXX, and writes one sudoers rule naming that
 * copy of `hostpriv privileged` (sudoers.c).  The stage is never under a
 * world-writable tree such as /tmp: the rule names it by path, and a path
 * another user could recreate after a wipe would be root for them.  Both
 * go away at the end, also on SIGINT/SIGTERM and on failure (main.c calls
 * hp_rig_stage_cleanup from atexit and after a signal); what a killed run
 * left, the next run sweeps first. */
#include "rig.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HP_PLUGINDIR
#define HP_PLUGINDIR "/usr/local/lib/hostpriv/plugins"
#endif

/* What cleanup removes; plain arrays so a signal path needs no malloc. */
static char g_stage[PATH_MAX];

static int copy_file(const char *src, const char *dst, mode_t mode,
                     char *err, size_t errn)
{
    size_t len;
    char *data = hp_rig_slurp(src, &len);
    if (!data) {
        snprintf(err, errn, "cannot read %s: %s (run make first)", src,
                 strerror(errno));
        return -1;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  mode);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len &&
             fchown(fd, 0, 0) == 0 && fchmod(fd, mode) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(data);
    if (!ok) {
        snprintf(err, errn, "cannot write %s: %s", dst, strerror(e));
        return -1;
    }
    return 0;
}

static int mkdir_755(const char *p, char *err, size_t errn)
{
    if ((mkdir(p, 0755) != 0 && errno != EEXIST) || chmod(p, 0755) != 0) {
        snprintf(err, errn, "cannot create %s: %s", p, strerror(errno));
        return -1;
    }
    return 0;
}

/* Copy every *suffix file of src into dst (a missing src copies nothing). */
static int copy_dir(const char *src, const char *dst, const char *suffix,
                    hp_rig_stage *st, char *err, size_t errn)
{
    DIR *d = opendir(src);
    if (!d)
        return 0;
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        size_t n = strlen(de->d_name), sl = strlen(suffix);
        if (de->d_name[0] == '.' || n <= sl ||
            strcmp(de->d_name + n - sl, suffix))
            continue;
        char *s = hp_rig_fmt("%s/%s", src, de->d_name);
        char *t = hp_rig_fmt("%s/%s", dst, de->d_name);
        struct stat sb;
        if (stat(s, &sb) == 0 && S_ISREG(sb.st_mode)) {
            rc = copy_file(s, t, 0755, err, errn);
            if (rc == 0 && st)
                *HP_RIG_PUSH(st->plugin_names, st->nplugins) =
                    hp_rig_memdup(de->d_name, n - sl);
        }
        free(s);
        free(t);
    }
    closedir(d);
    return rc;
}

/* HP_RIG_STAGE_ROOT: created root 0755 when missing, and checked (with
 * every directory above it) to be creatable and changeable by root alone. */
static int stage_root(char *err, size_t errn)
{
    const char *r = HP_RIG_STAGE_ROOT;
    struct stat sb;
    if (mkdir(r, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errn, "cannot create %s: %s", r, strerror(errno));
        return -1;
    }
    if (hp_rig_root_only(r, err, errn))
        return -1;
    /* the test user runs the staged programs: it must pass through */
    if (stat(r, &sb) != 0 || ((sb.st_mode & 0755) != 0755 &&
                              chmod(r, 0755) != 0)) {
        snprintf(err, errn, "chmod 0755 %s: %s", r, strerror(errno));
        return -1;
    }
    return 0;
}

/* This run's stage: HP_RIG_STAGE_ROOT/run-PID.XXXXXX, root 0755. */
static int stage_dir(hp_rig_stage *st, char *err, size_t errn)
{
    if (stage_root(err, errn))
        return -1;
    snprintf(st->dir, sizeof st->dir, HP_RIG_STAGE_ROOT "/run-%ld.XXXXXX",
             (long)getpid());
    if (!mkdtemp(st->dir)) {
        snprintf(err, errn, "mkdtemp %s: %s", st->dir, strerror(errno));
        return -1;
    }
    snprintf(g_stage, sizeof g_stage, "%s", st->dir);
    if (chmod(st->dir, 0755) != 0 || chown(st->dir, 0, 0) != 0) {
        snprintf(err, errn, "chmod %s: %s", st->dir, strerror(errno));
        return -1;
    }
    return hp_rig_stage_hold(st->dir, err, errn);
}

static int find_user(hp_rig_stage *st, char *err, size_t errn)
{
    const char *name = HP_RIG_USER;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errn, "the test user '%s' is missing: run "
                 "scripts/test-user (or make test-user) as root", name);
        return -1;
    }
    snprintf(st->user, sizeof st->user, "%s", name);
    st->uid = pw->pw_uid;
    st->gid = pw->pw_gid;
    return 0;
}

void hp_rig_plugin_source(char *out, size_t n)
{
    char exe[PATH_MAX];
    struct stat sb;
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[l > 0 ? l : 0] = '\0';
    snprintf(out, n, "%s/../plugins", dirname(exe));
    if (l <= 0 || stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))
        snprintf(out, n, "%s", HP_PLUGINDIR);    /* installed */
}

int hp_rig_stage_make(hp_rig_stage *st, int verbose, char *err, size_t errn)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0) {
        snprintf(err, errn, "readlink /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    exe[n] = '\0';
    char *bindir = dirname(exe);
    if (find_user(st, err, errn))
        return -1;
    hp_rig_sudoers_sweep();
    if (stage_dir(st, err, errn))
        return -1;
    char *sub[3] = { hp_rig_fmt("%s/bin", st->dir),
                     hp_rig_fmt("%s/plugins", st->dir),
                     hp_rig_fmt("%s/lib", st->dir) };
    char src_plugins[PATH_MAX];
    hp_rig_plugin_source(src_plugins, sizeof src_plugins);
    char *src_lib = hp_rig_fmt("%s/../lib", bindir);
    snprintf(st->hostpriv, sizeof st->hostpriv, "%s/hostpriv", sub[0]);
    snprintf(st->hostprivd, sizeof st->hostprivd, "%s/hostprivd", sub[0]);
    snprintf(st->plugins, sizeof st->plugins, "%s", sub[1]);
    char *srcs[2] = { hp_rig_fmt("%s/hostpriv", bindir),
                      hp_rig_fmt("%s/hostprivd", bindir) };
    int rc = mkdir_755(sub[0], err, errn) || mkdir_755(sub[1], err, errn) ||
             mkdir_755(sub[2], err, errn) ||
             copy_file(srcs[0], st->hostpriv, 0755, err, errn) ||
             copy_file(srcs[1], st->hostprivd, 0755, err, errn) ||
             copy_dir(src_plugins, sub[1], ".so", st, err, errn) ||
             copy_dir(src_lib, sub[2], ".so", NULL, err, errn) ||
             copy_dir(src_lib, sub[2], ".so.0", NULL, err, errn) ||
             hp_rig_sudoers_write(st, err, errn);
    if (rc == 0 && verbose)
        printf("# stage %s (from %s, plugins from %s), sudoers rule %s\n",
               st->dir, bindir, src_plugins, st->sudoers);
    for (int i = 0; i < 3; i++)
        free(sub[i]);
    free(srcs[0]);
    free(srcs[1]);
    free(src_lib);
    return rc ? -1 : 0;
}

int hp_rig_stage_has_plugin(const hp_rig_stage *st, const char *name)
{
    for (size_t i = 0; i < st->nplugins; i++)
        if (!strcmp(st->plugin_names[i], name))
            return 1;
    return 0;
}

void hp_rig_stage_cleanup(int keep_stage)
{
    hp_rig_sudoers_remove();
    if (g_stage[0] && !keep_stage)
        hp_rig_rmtree(g_stage);
    if (g_stage[0] && keep_stage) {
        /* kept on purpose (--keep): later runs' sweeps leave it alone */
        char mark[PATH_MAX + 8];
        size_t l = strlen(g_stage);
        memcpy(mark, g_stage, l);
        memcpy(mark + l, "/" HP_RIG_KEPT, sizeof HP_RIG_KEPT + 1);
        int fd = open(mark, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
    g_stage[0] = '\0';
}
