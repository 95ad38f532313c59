/* Snapshots of the whole sandbox tree: every path with its type, mode,
 * owner, contents (or a digest past 1 MiB) and link target, walked with
 * *at() calls that never follow a link.  Comparing two proves claims like
 * "uninstall leaves the host byte-identical", and --report turns the
 * difference into prose. */
#include "rig.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAX_BODY (1024 * 1024)

static char type_of(mode_t m)
{
    return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l'
         : S_ISSOCK(m) ? 's' : S_ISFIFO(m) ? 'p' : S_ISCHR(m) ? 'c' : 'b';
}

static void body(int dfd, const char *name, hp_rig_entry *e, off_t size)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t r;
    if (size > SNAP_MAX_BODY) {
        /* big files: a digest (FNV-1a) is enough to tell "changed" */
        char buf[65536];
        uint64_t h = 1469598103934665603ULL;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            for (ssize_t i = 0; i < r; i++)
                h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
        e->hashed = 1;
        e->data = hp_rig_fmt("fnv1a:%016llx", (unsigned long long)h);
        e->len = strlen(e->data);
    } else {
        size_t n = 0, want = (size_t)size;
        char *buf = malloc(want + 1);
        while (n < want && (r = read(fd, buf + n, want - n)) > 0)
            n += (size_t)r;
        buf[n] = '\0';
        e->data = buf;
        e->len = n;
    }
    close(fd);
}

static void walk(int dfd, const char *prefix, hp_rig_snap *s)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        hp_rig_entry *e = HP_RIG_PUSH(s->e, s->n);
        e->path = hp_rig_fmt("%s/%s", prefix, de->d_name);
        e->type = type_of(st.st_mode);
        e->mode = st.st_mode & 07777;
        e->uid = st.st_uid;
        e->gid = st.st_gid;
        if (e->type == 'f')
            body(dirfd(d), de->d_name, e, st.st_size);
        else if (e->type == 'l') {
            char t[PATH_MAX];
            ssize_t n = readlinkat(dirfd(d), de->d_name, t, sizeof t - 1);
            e->data = hp_rig_memdup(t, n < 0 ? 0 : (size_t)n);
            e->len = n < 0 ? 0 : (size_t)n;
        } else if (e->type == 'd') {
            char *sub = hp_rig_strdup(e->path);
            int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
                            O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
                walk(fd, sub, s);   /* may move s->e: e is stale now */
            free(sub);
        }
    }
    closedir(d);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const hp_rig_entry *)a)->path,
                  ((const hp_rig_entry *)b)->path);
}

int hp_rig_snap_take(const char *root, const char *name, hp_rig_snap *s)
{
    memset(s, 0, sizeof *s);
    s->name = hp_rig_strdup(name);
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    walk(fd, "", s);
    qsort(s->e, s->n, sizeof *s->e, by_path);
    return 0;
}

void hp_rig_snap_free(hp_rig_snap *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->e[i].path);
        free(s->e[i].data);
    }
    free(s->e);
    free(s->name);
    memset(s, 0, sizeof *s);
}

/* Ignored when the path or any ancestor matches a glob. */
static int ignored(const char *path, char *const *ign, size_t n)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        for (size_t i = 0; i < n; i++)
            if (fnmatch(ign[i], buf, FNM_PATHNAME | FNM_PERIOD) == 0)
                return 1;
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return 0;
        *slash = '\0';
    }
}

static int selected(const char *path, char *const *paths, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(paths[i]);
        while (l > 1 && paths[i][l - 1] == '/')
            l--;
        if (!strncmp(path, paths[i], l) && (path[l] == '\0' || path[l] == '/'))
            return 1;
    }
    return 0;
}

static const char *type_name(char t)
{
    switch (t) {
    case 'f': return "file";
    case 'd': return "directory";
    case 'l': return "link";
    case 's': return "socket";
    case 'p': return "fifo";
    default: return "device";
    }
}

static void owner(FILE *f, uid_t uid)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        fputs(pw->pw_name, f);
    else
        fprintf(f, "%ld", (long)uid);
}

static int textual(const hp_rig_entry *e)
{
    if (e->hashed || memchr(e->data ? e->data : "", '\0', e->len))
        return 0;
    return 1;
}

static size_t lines_of(const hp_rig_entry *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->len; i++)
        n += e->data[i] == '\n';
    return n + (e->len && e->data[e->len - 1] != '\n');
}

/* One entry as it stands: "link -> T", "file 0644 root (12 bytes)". */
static void describe(FILE *f, const hp_rig_entry *e)
{
    fputs(type_name(e->type), f);
    if (e->type == 'l') {
        fputs(" -> ", f);
        hp_rig_quote(f, e->data, e->len, 200);
    } else
        fprintf(f, " %04o", (unsigned)e->mode);
    fputs(", owner ", f);
    owner(f, e->uid);
    if (e->type == 'f')
        fprintf(f, ", %zu bytes", e->len);
}

static void show_added(FILE *f, const hp_rig_entry *e, int prose,
                       const char *ind)
{
    if (!prose) {
        fprintf(f, "%s+ %s: ", ind, e->path);
        describe(f, e);
        fputs(" (not in the snapshot)\n", f);
        return;
    }
    fprintf(f, "%snew %s %s (", ind, type_name(e->type), e->path);
    if (e->type == 'l') {
        fputs("-> ", f);
        hp_rig_quote(f, e->data, e->len, 200);
        fputs(", ", f);
    }
    fputs("owner ", f);
    owner(f, e->uid);
    if (e->type != 'l')
        fprintf(f, ", mode %04o", (unsigned)e->mode);
    fputs(")\n", f);
    /* a short text file is worth showing whole: a profile edit, a block */
    size_t pl = strlen(e->path);
    int noise = !strncmp(e->path, "/var/log/", 9) ||
                (pl > 4 && (!strcmp(e->path + pl - 4, ".log") ||
                            !strcmp(e->path + pl - 4, ".pid")));
    if (e->type == 'f' && !noise && textual(e) && e->len &&
        lines_of(e) <= 6) {
        char *ind2 = hp_rig_fmt("%s    | ", ind);
        const char *p = e->data, *end = e->data + e->len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
            fputs(ind2, f);
            hp_rig_quote(f, p, l, 200);
            fputc('\n', f);
            p += l + 1;
        }
        free(ind2);
    }
}

static void show_changed(FILE *f, const hp_rig_entry *a,
                         const hp_rig_entry *b, int prose, const char *ind)
{
    const char *lead = prose ? "changed " : "~ ";
    if (a->type != b->type) {
        fprintf(f, "%s%s%s: was ", ind, lead, a->path);
        describe(f, a);
        fputs(", now ", f);
        describe(f, b);
        fputc('\n', f);
        return;
    }
    if (a->mode != b->mode)
        fprintf(f, "%s%s%s: mode %04o -> %04o\n", ind, lead, a->path,
                (unsigned)a->mode, (unsigned)b->mode);
    if (a->uid != b->uid || a->gid != b->gid) {
        fprintf(f, "%s%s%s: owner ", ind, lead, a->path);
        owner(f, a->uid);
        fprintf(f, ":%ld -> ", (long)a->gid);
        owner(f, b->uid);
        fprintf(f, ":%ld\n", (long)b->gid);
    }
    if (a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len)))
        return;
    if (a->type == 'l') {
        fprintf(f, "%s%s%s: link target ", ind, lead, a->path);
        hp_rig_quote(f, a->data, a->len, 200);
        fputs(" -> ", f);
        hp_rig_quote(f, b->data, b->len, 200);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%s%s%s: contents%s\n", ind, lead, a->path,
            prose ? " (- line removed, + line added):"
                  : " differ (- snapshot, + now):");
    if (textual(a) && textual(b)) {
        char *ind2 = hp_rig_fmt("%s    ", ind);
        hp_rig_diff(f, a->data, a->len, b->data, b->len, ind2,
                    prose ? NULL : "snapshot", prose ? NULL : "now");
        free(ind2);
    } else
        fprintf(f, "%s    (binary or large: %zu -> %zu bytes)\n", ind, a->len,
                b->len);
}

size_t hp_rig_snap_changes(const hp_rig_snap *a, const hp_rig_snap *b,
                           char *const *paths, size_t npaths,
                           char *const *ignore, size_t nignore,
                           hp_rig_change **out)
{
    size_t i = 0, j = 0, n = 0;
    *out = NULL;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1
              : strcmp(a->e[i].path, b->e[j].path);
        const hp_rig_entry *x = c <= 0 ? &a->e[i] : &b->e[j];
        int skip = ignored(x->path, ignore, nignore) ||
                   !selected(x->path, paths, npaths);
        hp_rig_change ch = { 0, c <= 0 ? x : NULL, c >= 0 ? &b->e[j] : NULL };
        if (c < 0)
            ch.kind = '-';
        else if (c > 0)
            ch.kind = '+';
        else {
            const hp_rig_entry *y = ch.b;
            int same = x->type == y->type && x->mode == y->mode &&
                       x->uid == y->uid && x->gid == y->gid &&
                       x->len == y->len &&
                       (x->len == 0 || !memcmp(x->data, y->data, x->len));
            ch.kind = same ? 0 : '~';
        }
        if (ch.kind && !skip)
            *HP_RIG_PUSH(*out, n) = ch;
        i += c <= 0;
        j += c >= 0;
    }
    return n;
}

void hp_rig_change_print(FILE *f, const hp_rig_change *ch, int prose,
                         const char *ind)
{
    if (ch->kind == '-')
        fprintf(f, prose ? "%sremoved %s\n" : "%s- %s (gone)\n", ind,
                ch->a->path);
    else if (ch->kind == '+')
        show_added(f, ch->b, prose, ind);
    else
        show_changed(f, ch->a, ch->b, prose, ind);
}

size_t hp_rig_snap_diff(FILE *f, const hp_rig_snap *a, const hp_rig_snap *b,
                        char *const *paths, size_t npaths,
                        char *const *ignore, size_t nignore, const char *ind)
{
    hp_rig_change *v;
    size_t n = hp_rig_snap_changes(a, b, paths, npaths, ignore, nignore, &v);
    for (size_t i = 0; i < n; i++)
        hp_rig_change_print(f, &v[i], 0, ind);
    free(v);
    return n;
}
