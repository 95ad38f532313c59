/* The user's 4.18 settings file (usersettings.h):
 *
 *   # hostpriv: ...
 *   [window]
 *   choice = advanced
 *   [advanced]
 *   cli_location = user
 *   docker_socket_link = false
 *   privileged_ports = true
 *   [applied]
 *   helper = elevated
 *
 * The schema is fixed and tiny, so the file is read by a strict line
 * parser of its own (no continuation lines, no inline comments: nothing
 * reads differently from how it was written) and written whole, in schema
 * order, as a small file of the user's (userstate.h: replaced atomically
 * under the directory lock).  Writes run as the user; a root process
 * refuses to write into a home it does not own. */
#include "usersettings.h"
#include "userstate.h"
#include "base/textline.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_MAX   (16u * 1024)
#define LINE_MAX_US 200
#define VAL_MAX  16
#define TEXT_MAX 2048           /* the whole schema written out fits */

static const struct {
    const char *key;
    const char *choices;
} schema[] = {
    { "window.choice",               "default advanced" },
    { "advanced.cli_location",       "system user" },
    { "advanced.docker_socket_link", "true false" },
    { "advanced.privileged_ports",   "true false" },
    { "applied.cli-links",           "user elevated helper installer" },
    { "applied.docker-socket",       "user elevated helper installer" },
    { "applied.helper",              "user elevated helper installer" },
};
#define NKEYS (sizeof schema / sizeof schema[0])

typedef struct us { char v[NKEYS][VAL_MAX]; } us;  /* "" = not recorded */

static int key_index(const char *key)
{
    for (size_t i = 0; key && i < NKEYS; i++)
        if (strcmp(schema[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* 1 when value is one of the blank-separated words of choices. */
static int is_choice(const char *choices, const char *value, size_t vlen)
{
    for (const char *p = choices; *p; ) {
        size_t w = strcspn(p, " ");
        if (w == vlen && w > 0 && strncmp(p, value, w) == 0)
            return 1;
        p += w + (p[w] == ' ');
    }
    return 0;
}

const char *hp_usersettings_choices(const char *key)
{
    int i = key_index(key);
    return i < 0 ? NULL : schema[i].choices;
}

int hp_usersettings_valid(const char *key, const char *value, hp_err *e)
{
    int i = key_index(key);
    if (i < 0)
        return hp_err_set(e, HP_EUSAGE, "%s is not a setting; the settings "
                          "are window.choice, advanced.cli_location, "
                          "advanced.docker_socket_link, "
                          "advanced.privileged_ports, applied.*",
                          key ? key : "(null)");
    if (!value || !is_choice(schema[i].choices, value, strlen(value)))
        return hp_err_set(e, HP_ECONFIG, "%s cannot be '%s': it is one of %s",
                          key, value ? value : "", schema[i].choices);
    return HP_OK;
}

/* ---- reading ------------------------------------------------------------ */

static int corrupt(hp_err *e, const char *path, size_t line, const char *why)
{
    return hp_err_set(e, HP_EFAIL, "%s is corrupt (line %zu: %s): remove it "
                      "and the installation window comes again at the next "
                      "start", path, line, why);
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* One "key = value" line of section sec (length seclen) into u. */
static const char *parse_kv(const char *s, size_t n, const char *sec,
                            size_t seclen, us *u)
{
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return "not [section] or key = value";
    const char *k = s, *v = eq + 1;
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    char key[96];
    if (!seclen)
        return "a key before any [section]";
    if (seclen + kn + 2 > sizeof key)
        return "an unknown key";
    snprintf(key, sizeof key, "%.*s.%.*s", (int)seclen, sec, (int)kn, k);
    int i = key_index(key);
    if (i < 0)
        return "an unknown key";
    if (!is_choice(schema[i].choices, v, vn))
        return "a value that is not one of the key's choices";
    if (u->v[i][0])
        return "a key given twice";
    memcpy(u->v[i], v, vn);
    u->v[i][vn] = '\0';
    return NULL;
}

static int parse(const char *t, size_t len, const char *path, us *u,
                 hp_err *e)
{
    const char *sec = "";
    size_t seclen = 0, line = 0;
    if (memchr(t, '\0', len))
        return corrupt(e, path, 0, "a NUL byte");
    size_t start = len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) ? 3 : 0;
    for (size_t pos = start; pos < len; ) {
        hp_line l;
        pos = hp_next_line(t, len, pos, &l);
        line++;
        const char *s = t + l.off;
        size_t n = l.len;
        if (n > LINE_MAX_US)
            return corrupt(e, path, line, "line too long");
        trim(&s, &n);
        if (n == 0 || s[0] == '#' || s[0] == ';')
            continue;
        if (s[0] == '[') {
            if (s[n - 1] != ']')
                return corrupt(e, path, line, "an unterminated [section]");
            sec = s + 1;
            seclen = n - 2;
            if (!((seclen == 6 && !strncmp(sec, "window", 6)) ||
                  (seclen == 8 && !strncmp(sec, "advanced", 8)) ||
                  (seclen == 7 && !strncmp(sec, "applied", 7))))
                return corrupt(e, path, line, "an unknown section");
            continue;
        }
        const char *why = parse_kv(s, n, sec, seclen, u);
        if (why)
            return corrupt(e, path, line, why);
    }
    return HP_OK;
}

/* The file as read: parsed into the us (the read callback). */
static int parse_cb(void *arg, const char *path, const char *text,
                    size_t len, hp_err *e)
{
    memset(arg, 0, sizeof(us));
    return parse(text, len, path, arg, e);
}

/* A root process never writes into a home a user owns: the default
 * check (hp_sp_root_may_write, HP_EDENIED). */
static const hp_ustate file = { HP_USERSETTINGS_FILE, US_MAX, NULL };

int hp_usersettings_get(int rootfd, const char *home, const char *key,
                        char *val, size_t n, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    us u;
    if (!e)
        e = &tmp;
    int i = key_index(key);
    if (i < 0)
        return -hp_usersettings_valid(key, NULL, e);
    int r = hp_ustate_read(&file, rootfd, home, parse_cb, &u, e);
    if (r)
        return -r;
    if (!u.v[i][0])
        return 0;
    if ((size_t)snprintf(val, n, "%s", u.v[i]) >= n)
        return -hp_err_set(e, HP_EUSAGE, "buffer too small for %s", key);
    return 1;
}

int hp_usersettings_each(int rootfd, const char *home,
                         void (*fn)(void *arg, const char *key,
                                    const char *val),
                         void *arg, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    us u;
    int r = hp_ustate_read(&file, rootfd, home, parse_cb, &u, e ? e : &tmp);
    for (size_t i = 0; r == HP_OK && i < NKEYS; i++)
        if (u.v[i][0])
            fn(arg, schema[i].key, u.v[i]);
    return r;
}

/* ---- writing ------------------------------------------------------------ */

static size_t serialize(const us *u, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "# hostpriv: this user's Docker "
                                "Desktop 4.18 settings (installation window, "
                                "Settings > Advanced).\n# Change them with "
                                "`hostpriv settings set KEY VALUE`; `hostpriv "
                                "uninstall` removes this file.\n");
    size_t prev = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (!u->v[i][0])
            continue;
        const char *dot = strchr(schema[i].key, '.');
        size_t sl = (size_t)(dot - schema[i].key);
        if (!prev || strncmp(schema[prev - 1].key, schema[i].key, sl + 1))
            k += (size_t)snprintf(out + k, cap - k, "[%.*s]\n", (int)sl,
                                  schema[i].key);
        k += (size_t)snprintf(out + k, cap - k, "%s = %s\n", dot + 1,
                              u->v[i]);
        prev = i + 1;
    }
    return k;
}

static int empty(const us *u)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (u->v[i][0])
            return 0;
    return 1;
}

struct change {
    const char *const *kv;
    size_t np;
};

/* The edit: the file as read with the pairs applied; nothing left, no
 * file (as after a clear). */
static int edit_cb(void *arg, const char *path, const char *old, size_t len,
                   hp_ustate_new *out, hp_err *e)
{
    const struct change *c = arg;
    us u, was;
    int r = parse_cb(&u, path, old, len, e);
    if (r)
        return r;
    was = u;
    for (size_t i = 0; i < c->np; i++) {
        int k = key_index(c->kv[2 * i]);
        snprintf(u.v[k], VAL_MAX, "%s",
                 c->kv[2 * i + 1] ? c->kv[2 * i + 1] : "");
    }
    if (memcmp(&u, &was, sizeof u) == 0)
        return HP_OK;
    if (empty(&u)) {
        out->remove = 1;
        return HP_OK;
    }
    if (!(out->text = malloc(TEXT_MAX)))
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "%s", path);
    out->len = serialize(&u, out->text, TEXT_MAX);
    return HP_OK;
}

static int check_pairs(const char *const *kv, size_t np, int *adds,
                       hp_err *e)
{
    *adds = 0;
    for (size_t i = 0; i < np; i++) {
        int r = kv[2 * i + 1]
                    ? hp_usersettings_valid(kv[2 * i], kv[2 * i + 1], e)
                    : key_index(kv[2 * i]) < 0
                          ? hp_usersettings_valid(kv[2 * i], NULL, e)
                          : HP_OK;
        if (r)
            return r;
        *adds |= kv[2 * i + 1] != NULL;
    }
    return HP_OK;
}

int hp_usersettings_set(int rootfd, const char *home, const char *const *kv,
                        size_t np, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct change c = { kv, np };
    int adds, r;
    if (!e)
        e = &tmp;
    if ((r = check_pairs(kv, np, &adds, e)))
        return r;
    return hp_ustate_edit(&file, rootfd, home, adds, edit_cb, &c, e);
}

int hp_usersettings_clear(int rootfd, const char *home, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    return hp_ustate_clear(&file, rootfd, home, e ? e : &tmp);
}
