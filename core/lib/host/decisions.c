/* Per-user recorded decisions in ~/.docker/hostpriv/decisions.ini:
 *
 *   [decisions]
 *   cli-links.declined = 4.16.2
 *
 * Read with hp_af_read and parsed by inih's ini_parse_string; written
 * whole with hp_af_replace (user-owned 0644) under the directory lock,
 * sorted by key.  The file is ours, so it is parsed strictly: a NUL, a
 * line longer than inih's buffer (its remainder would otherwise be parsed
 * as a line of its own), a key outside [decisions], a bad or duplicated
 * key is "corrupt" and named with its line; `hostpriv settings
 * reset-decisions` (hp_decision_clear) removes the file.
 *
 * Values are printable ASCII without ';' (inih's inline comment) and
 * without leading or trailing blanks (inih strips them), so what is
 * written reads back the same.  Writes run as the user: a root process
 * refuses to write into a home it does not own (hp_as_user). */
#include "decisions.h"
#include "atomicfile.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEC_MAX      (64u * 1024)
#define KEY_MAX      64
#define VAL_MAX      120
#define LINE_MAX_INI 190        /* inih's INI_MAX_LINE is 200 with the NL */
#define SECTION      "decisions"

struct kv {
    char key[KEY_MAX + 1];
    char val[VAL_MAX + 1];
};

struct dec {
    struct kv *v;
    size_t n, cap;
    hp_err *e;                  /* first parse problem, for the message */
    int bad;
};

static int key_check(const char *k, hp_err *e)
{
    size_t n = k ? strlen(k) : 0;
    if (n == 0 || n > KEY_MAX ||
        strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n)
        return hp_err_set(e, HP_EUSAGE, "decision key must be 1 to %d of "
                          "[a-z0-9.-]", KEY_MAX);
    return HP_OK;
}

static int val_check(const char *v, hp_err *e)
{
    size_t n = strlen(v);
    if (n > VAL_MAX)
        return hp_err_set(e, HP_EUSAGE, "decision value is %zu bytes; the "
                          "limit is %d", n, VAL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c >= 0x7f)
            return hp_err_set(e, HP_EUSAGE, "decision value has byte "
                              "\\x%02x at offset %zu: printable ASCII only",
                              c, i);
        if (c == ';')
            return hp_err_set(e, HP_EUSAGE, "decision value has ';' (an INI "
                              "comment) at offset %zu", i);
    }
    if (n && (v[0] == ' ' || v[n - 1] == ' '))
        return hp_err_set(e, HP_EUSAGE, "decision value starts or ends with "
                          "a space");
    return HP_OK;
}

static struct kv *find(struct dec *d, const char *key)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].key, key) == 0)
            return &d->v[i];
    return NULL;
}

static struct kv *append(struct dec *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct kv *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return NULL;
        d->v = v;
        d->cap = cap;
    }
    return &d->v[d->n++];
}

static int on_kv(void *user, const char *section, const char *name,
                 const char *value)
{
    struct dec *d = user;
    hp_err tmp;
    const char *why = NULL;
    if (strcmp(section, SECTION) != 0)
        why = "a key outside [" SECTION "]";
    else if (key_check(name, &tmp) || val_check(value, &tmp))
        why = "a malformed key or value";
    else if (find(d, name))
        why = "a key given twice";
    if (!why) {
        struct kv *kv = append(d);
        if (!kv)
            why = "out of memory";
        else {
            snprintf(kv->key, sizeof kv->key, "%s", name);
            snprintf(kv->val, sizeof kv->val, "%s", value);
        }
    }
    if (why && !d->bad) {
        d->bad = 1;
        hp_err_set(d->e, HP_EFAIL, "%s", why);
    }
    return why == NULL;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

static int corrupt(hp_err *e, const char *path, size_t line, const char *why)
{
    return hp_err_set(e, HP_EFAIL, "%s is corrupt (line %zu: %s); `hostpriv "
                      "settings reset-decisions` removes it", path, line, why);
}

/* Strict parse of the whole file into d (sorted). */
static int parse(const char *data, size_t len, const char *path,
                 struct dec *d, hp_err *e)
{
    size_t line = 1;
    if (memchr(data, '\0', len))
        return corrupt(e, path, 0, "a NUL byte");
    for (const char *p = data, *end = data + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > LINE_MAX_INI)
            return corrupt(e, path, line, "line too long");
        p += n + 1;
    }
    hp_err why = HP_ERR_INIT;
    d->e = &why;
    int r = ini_parse_string(data, on_kv, d);
    if (r != 0)
        return corrupt(e, path, r > 0 ? (size_t)r : 0,
                       d->bad ? why.msg : "not INI syntax");
    qsort(d->v, d->n, sizeof *d->v, by_key);
    return HP_OK;
}

static int dec_path(const char *home, char *out, size_t n, hp_err *e)
{
    size_t hl = home ? strlen(home) : 0;
    while (hl > 1 && home[hl - 1] == '/')
        hl--;
    if (hl == 0 || home[0] != '/')
        return hp_err_set(e, HP_EUSAGE, "home directory must be an absolute "
                          "path");
    if (snprintf(out, n, "%.*s/%s", (int)hl, home, HP_DECISIONS_FILE) >=
        (int)n)
        return hp_err_set(e, HP_EUSAGE, "home directory path too long");
    return HP_OK;
}

/* Read and parse; a missing file or directory is an empty set. */
static int load_at(int dirfd, const char *leaf, const char *path,
                   struct dec *d, struct stat *st, int *exists, hp_err *e)
{
    char *data = NULL;
    size_t len = 0;
    *exists = 0;
    int r = hp_af_read(dirfd, leaf, DEC_MAX, &data, &len, st, e);
    if (r != HP_OK) {
        if (e->sys != ENOENT)
            return r;
        hp_err_clear(e);
        return HP_OK;
    }
    *exists = 1;
    r = parse(data, len, path, d, e);
    free(data);
    return r;
}

/* Open the decisions directory; *dirfd -1 (and HP_OK) when it is missing. */
static int open_dir(int rootfd, const char *path, int *dirfd, char leaf[256],
                    hp_err *e)
{
    int r = hp_sp_open_parent(rootfd, path, dirfd, leaf, e);
    if (r != HP_OK && e->sys == ENOENT) {
        hp_err_clear(e);
        *dirfd = -1;
        return HP_OK;
    }
    return r;
}

static int load(int rootfd, const char *home, struct dec *d, char *path,
                size_t pn, hp_err *e)
{
    int dirfd, exists, r;
    char leaf[256];
    struct stat st;
    if ((r = dec_path(home, path, pn, e)) ||
        (r = open_dir(rootfd, path, &dirfd, leaf, e)) || dirfd < 0)
        return r;
    r = load_at(dirfd, leaf, path, d, &st, &exists, e);
    close(dirfd);
    return r;
}

int hp_decision_get(int rootfd, const char *home, const char *key, char *val,
                    size_t n, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct dec d = { 0 };
    char path[PATH_MAX];
    if (!e)
        e = &tmp;
    int r = key_check(key, e);
    if (!r)
        r = load(rootfd, home, &d, path, sizeof path, e);
    if (r) {
        free(d.v);
        return -r;
    }
    struct kv *kv = find(&d, key);
    if (kv && (size_t)snprintf(val, n, "%s", kv->val) >= n)
        r = -hp_err_set(e, HP_EUSAGE, "buffer too small for decision %s",
                        key);
    else
        r = kv != NULL;
    free(d.v);
    return r;
}

int hp_decision_each(int rootfd, const char *home,
                     void (*fn)(void *arg, const char *key, const char *val),
                     void *arg, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct dec d = { 0 };
    char path[PATH_MAX];
    if (!e)
        e = &tmp;
    int r = load(rootfd, home, &d, path, sizeof path, e);
    for (size_t i = 0; r == HP_OK && i < d.n; i++)
        fn(arg, d.v[i].key, d.v[i].val);
    free(d.v);
    return r;
}

/* A root process never writes into a home a user owns (identity.h). */
static int owner_only(int rootfd, const char *home, hp_err *e)
{
    int fd, r;
    struct stat st;
    if (geteuid() != 0)
        return HP_OK;
    if ((r = hp_sp_open_dir(rootfd, home, &fd, e)))
        return r;
    r = fstat(fd, &st);
    close(fd);
    if (r != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "%s", home);
    if (st.st_uid == 0)
        return HP_OK;
    return hp_err_set(e, HP_EINTERNAL, "%s belongs to uid %u: decisions are "
                      "written as that user (hp_as_user), never as root",
                      home, (unsigned)st.st_uid);
}

static char *serialize(const struct dec *d, size_t *len)
{
    static const char head[] = "# hostpriv: recorded decisions. `hostpriv "
                               "settings reset-decisions` forgets them.\n"
                               "[" SECTION "]\n";
    size_t cap = sizeof head + d->n * (KEY_MAX + VAL_MAX + 4);
    char *p = malloc(cap);
    if (!p)
        return NULL;
    size_t k = (size_t)snprintf(p, cap, "%s", head);
    for (size_t i = 0; i < d->n; i++)
        k += (size_t)snprintf(p + k, cap - k, "%s = %s\n", d->v[i].key,
                              d->v[i].val);
    *len = k;
    return p;
}

/* Apply key=value (NULL: remove) to d; 1 when something changed. */
static int apply(struct dec *d, const char *key, const char *value)
{
    struct kv *kv = find(d, key);
    if (!value) {
        if (!kv)
            return 0;
        *kv = d->v[--d->n];
        qsort(d->v, d->n, sizeof *d->v, by_key);
        return 1;
    }
    if (kv && strcmp(kv->val, value) == 0)
        return 0;
    if (!kv && !(kv = append(d)))
        return -1;
    snprintf(kv->key, sizeof kv->key, "%s", key);
    snprintf(kv->val, sizeof kv->val, "%s", value);
    qsort(d->v, d->n, sizeof *d->v, by_key);
    return 1;
}

/* One read-modify-write; HP_OK and *retry when someone else changed the
 * file between our read and our replace. */
static int set_once(int dirfd, const char *leaf, const char *path,
                    const char *key, const char *value, int *retry, hp_err *e)
{
    struct dec d = { 0 };
    struct stat st, now;
    int exists;
    int r = load_at(dirfd, leaf, path, &d, &st, &exists, e);
    int ch = r ? 0 : apply(&d, key, value);
    if (ch < 0)
        r = hp_err_sys(e, HP_EINTERNAL, ENOMEM, "decisions");
    if (r || ch == 0) {
        free(d.v);
        return r;
    }
    if (d.n == 0) {             /* nothing left: no file, as after a clear */
        free(d.v);
        if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT)
            return hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", path);
        return HP_OK;
    }
    size_t len = 0;
    char *text = serialize(&d, &len);
    free(d.v);
    if (!text)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "decisions");
    hp_af_opts o = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1,
                     .create = !exists, .expect = exists ? &st : NULL };
    r = hp_af_replace(dirfd, leaf, text, len, &o, e);
    free(text);
    if (r != HP_OK) {
        int gone = fstatat(dirfd, leaf, &now, AT_SYMLINK_NOFOLLOW) != 0;
        *retry = exists ? gone || now.st_ino != st.st_ino ||
                              now.st_size != st.st_size ||
                              now.st_mtim.tv_nsec != st.st_mtim.tv_nsec ||
                              now.st_mtim.tv_sec != st.st_mtim.tv_sec
                        : !gone;
    }
    return r;
}

int hp_decision_set(int rootfd, const char *home, const char *key,
                    const char *value, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    char path[PATH_MAX], dir[PATH_MAX], leaf[256];
    int dirfd, r;
    if (!e)
        e = &tmp;
    if ((r = key_check(key, e)) || (value && (r = val_check(value, e))) ||
        (r = dec_path(home, path, sizeof path, e)) ||
        (r = owner_only(rootfd, home, e)))
        return r;
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
    if (value && (r = hp_sp_mkdir_p(rootfd, dir, 0755, (uid_t)-1, (gid_t)-1,
                                    NULL, e)))
        return r;
    if ((r = open_dir(rootfd, path, &dirfd, leaf, e)) || dirfd < 0)
        return r;               /* removing from a missing file: done */
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        int retry = 0;
        r = set_once(dirfd, leaf, path, key, value, &retry, e);
        if (r == HP_OK || !retry)
            break;
        hp_err_clear(e);
    }
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}

int hp_decision_clear(int rootfd, const char *home, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    char path[PATH_MAX], leaf[256];
    int dirfd, r;
    if (!e)
        e = &tmp;
    if ((r = dec_path(home, path, sizeof path, e)) ||
        (r = owner_only(rootfd, home, e)) ||
        (r = open_dir(rootfd, path, &dirfd, leaf, e)) || dirfd < 0)
        return r;
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    struct stat st;
    r = HP_OK;
    /* only a regular file of ours goes; anything else is left and named */
    if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(st.st_mode))
            r = hp_err_set(e, HP_EFAIL, "%s is not a regular file; not "
                           "removing it", path);
        else if (unlinkat(dirfd, leaf, 0) != 0 && errno != ENOENT)
            r = hp_err_sys(e, HP_EFAIL, errno, "cannot remove %s", path);
    }
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}
