/* Per-user recorded decisions in ~/.docker/hostpriv/decisions.ini:
 *
 *   [decisions]
 *   cli-links.declined = 4.16.2
 *
 * Parsed by inih's ini_parse_string; written whole, sorted by key, as a
 * small file of the user's (userstate.h: read whole, replaced atomically
 * under the directory lock, user-owned 0644).  The file is ours, so it is
 * parsed strictly: a NUL, a line longer than inih's buffer (its remainder
 * would otherwise be parsed as a line of its own), a key outside
 * [decisions], a bad or duplicated key is "corrupt" and named with its
 * line; `hostpriv settings reset-decisions` (hp_decision_clear) removes
 * the file.
 *
 * Values are printable ASCII without ';' (inih's inline comment) and
 * without leading or trailing blanks (inih strips them), so what is
 * written reads back the same.  Writes run as the user: a root process
 * refuses to write into a home it does not own (hp_as_user). */
#include "decisions.h"
#include "userstate.h"
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    if (d->n)                   /* qsort's base may not be NULL */
        qsort(d->v, d->n, sizeof *d->v, by_key);
    return HP_OK;
}

/* The file as read: parsed into d (the read callback). */
static int parse_cb(void *arg, const char *path, const char *text,
                    size_t len, hp_err *e)
{
    return parse(text, len, path, arg, e);
}

/* A root process never writes into a home a user owns (identity.h). */
static int owner_only(int homefd, const char *home, hp_err *e)
{
    struct stat st;
    if (fstat(homefd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "%s", home);
    if (st.st_uid == 0)
        return HP_OK;
    return hp_err_set(e, HP_EINTERNAL, "%s belongs to uid %u: decisions are "
                      "written as that user (hp_as_user), never as root",
                      home, (unsigned)st.st_uid);
}

static const hp_ustate file = { HP_DECISIONS_FILE, DEC_MAX, owner_only };

int hp_decision_get(int rootfd, const char *home, const char *key, char *val,
                    size_t n, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct dec d = { 0 };
    if (!e)
        e = &tmp;
    int r = key_check(key, e);
    if (!r)
        r = hp_ustate_read(&file, rootfd, home, parse_cb, &d, e);
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
    if (!e)
        e = &tmp;
    int r = hp_ustate_read(&file, rootfd, home, parse_cb, &d, e);
    for (size_t i = 0; r == HP_OK && i < d.n; i++)
        fn(arg, d.v[i].key, d.v[i].val);
    free(d.v);
    return r;
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

struct change {
    const char *key, *value;
};

/* The edit: the file as read with one key set or removed; nothing left,
 * no file (as after a clear). */
static int edit_cb(void *arg, const char *path, const char *old, size_t len,
                   hp_ustate_new *out, hp_err *e)
{
    const struct change *c = arg;
    struct dec d = { 0 };
    int r = parse(old, len, path, &d, e);
    int ch = r ? 0 : apply(&d, c->key, c->value);
    if (ch < 0)
        r = hp_err_sys(e, HP_EINTERNAL, ENOMEM, "decisions");
    else if (ch > 0 && d.n == 0)
        out->remove = 1;
    else if (ch > 0 && !(out->text = serialize(&d, &out->len)))
        r = hp_err_sys(e, HP_EINTERNAL, ENOMEM, "decisions");
    free(d.v);
    return r;
}

int hp_decision_set(int rootfd, const char *home, const char *key,
                    const char *value, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct change c = { key, value };
    int r;
    if (!e)
        e = &tmp;
    if ((r = key_check(key, e)) || (value && (r = val_check(value, e))))
        return r;
    return hp_ustate_edit(&file, rootfd, home, value != NULL, edit_cb, &c, e);
}

int hp_decision_clear(int rootfd, const char *home, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    return hp_ustate_clear(&file, rootfd, home, e ? e : &tmp);
}
