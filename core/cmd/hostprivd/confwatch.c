/* The helper acts on the root-owned configuration as it is on disk now,
 * not as it was when the helper started: a permanent helper (legacy) runs
 * for months while an admin enables Kubernetes in conf.d/.  inotify tells
 * of every change to the files the configuration is read from
 * (hostpriv.ini, conf.d/ *.ini, installed-user.ini, admin.ini, the -c
 * file); the next request
 * that depends on the configuration, or the loop's next turn, loads it
 * again (hpd_reload: a configuration that does not load is logged and the
 * old one kept).  Nothing is read per request while nothing changed: a
 * request pays one non-blocking read() of the inotify descriptor, a bind
 * not even that (the loop drains it when poll says it is readable).
 *
 * A directory that does not exist yet is watched through its nearest
 * existing parent, for the one name that leads to it; the reload re-arms
 * the watches, so the new directory is then watched itself.  Without
 * inotify (no descriptors, no kernel support) every request that depends
 * on the configuration reloads it first: slower, never stale. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/config.h"
#include "engine/events.h"
#include "engine/programs.h"
#include "hostprivd.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
                    IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF |          \
                    IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)

static void add_watch(hpd *d, const char *dir, const char *names)
{
    if (d->nwatches == HPD_MAX_WATCHES)
        return;
    int wd = inotify_add_watch(d->cfg_ifd, dir, WATCH_MASK);
    if (wd < 0) {
        hpd_log(d, HP_LOG_WARN, "cannot watch %s for configuration changes "
                "(%s): requests re-read the configuration each time",
                dir, strerror(errno));
        d->cfg_watching = 0;
        return;
    }
    hpd_watch *w = &d->watches[d->nwatches++];
    w->wd = wd;
    snprintf(w->names, sizeof w->names, "%s", names);
}

/* Watch dir for the files in names ("a b c", or "*.ini"); a dir that is
 * missing through the nearest parent that exists, for the next name. */
static void watch_path(hpd *d, const char *dir, const char *names)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        add_watch(d, dir, names);
        return;
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash || !slash[1])
        return;
    char leaf[NAME_MAX + 1];
    snprintf(leaf, sizeof leaf, "%s", slash + 1);
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    watch_path(d, parent, leaf);
}

void hpd_confwatch_setup(hpd *d)
{
    if (d->cfg_ifd >= 0)
        close(d->cfg_ifd);          /* every watch goes with it */
    d->nwatches = 0;
    d->cfg_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    d->cfg_watching = d->cfg_ifd >= 0;
    if (!d->cfg_watching) {
        hpd_log(d, HP_LOG_WARN, "inotify: %s: requests re-read the "
                "configuration each time", strerror(errno));
        return;
    }
    const char *root = d->ctx ? d->ctx->root : d->root;
    char p[PATH_MAX];
    const char *sys = hp_sysconf_dir(d->ctx);
    snprintf(p, sizeof p, "%s%s", root, sys);
    watch_path(d, p, "hostpriv.ini " HP_INSTALLED_USER_FILE " admin.ini "
               "conf.d");
    snprintf(p, sizeof p, "%s%s/conf.d", root, sys);
    watch_path(d, p, "*.ini");
    if (d->cfg_file[0]) {
        snprintf(p, sizeof p, "%s", d->cfg_file);
        char *slash = strrchr(p, '/');
        if (slash && slash != p) {
            *slash = '\0';
            watch_path(d, p, slash + 1);
        }
    }
}

static int name_in(const char *names, const char *name)
{
    size_t n = strlen(name);
    if (!strcmp(names, "*.ini"))
        return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".ini");
    for (const char *p = names; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && !strncmp(p, name, n))
            return 1;
        p += k + (p[k] == ' ');
    }
    return 0;
}

/* Does this event touch a file the configuration is read from? */
static int relevant(const hpd *d, const struct inotify_event *ev)
{
    if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF |
                    IN_MOVE_SELF | IN_UNMOUNT))
        return 1;
    for (size_t i = 0; i < d->nwatches; i++)
        if (d->watches[i].wd == ev->wd && ev->len &&
            name_in(d->watches[i].names, ev->name))
            return 1;
    return 0;
}

/* Read what inotify queued; cfg_dirty when any of it matters. */
static void drain(hpd *d)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(d->cfg_ifd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *)p;
            if (relevant(d, ev))
                d->cfg_dirty = 1;
            p += sizeof *ev + ev->len;
        }
    }
}

void hpd_conf_fresh(hpd *d)
{
    if (d->cfg_ifd >= 0)
        drain(d);
    if (!d->cfg_watching)
        d->cfg_dirty = 1;
    if (d->cfg_dirty)
        hpd_reload(d);
}
