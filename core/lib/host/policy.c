/* Registry Access Management policy cache (policy.h), parsed by jansson.
 *
 * Input rules: at most HP_POLICY_MAX bytes (checked before parsing), one
 * JSON object (duplicate keys rejected: which one would win is a guess),
 * whose "allowedRegistries" is an array of registry patterns:
 *   host[:port]   lower-case RFC 1123 host (letters, digits, '-', '.'),
 *                 optional decimal port 1-65535
 *   *.host[:port] any SUBDOMAIN of host: "*.corp.example" allows
 *                 "a.corp.example" and "a.b.corp.example" but not
 *                 "corp.example" itself (list that separately), as TLS
 *                 wildcard certificates work
 * No scheme, no path, no IPv6 literals.  Other top-level keys are
 * accepted and not kept: the cache holds exactly what was validated, in a
 * canonical form.  A pattern without a port allows the host on any port;
 * one with a port only that port.  Registries are compared
 * case-insensitively.
 *
 * The cache is root:root 0644 in a root-owned directory writable by no
 * one else (nor any parent, a root-owned sticky one aside), so the user
 * reads it and cannot change it; load refuses a cache that does not look
 * like that, since a forged one would be believed. */
#include "policy.h"
#include "atomicfile.h"
#include "journal.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY "allowedRegistries"

struct hp_policy {
    json_t *list;               /* array of validated pattern strings */
};

/* Escaped copy of untrusted text for a message. */
static const char *shown(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    for (; *s && o + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
    }
    if (*s && o + 4 <= n)
        memcpy(buf + o, "...", 3), o += 3;
    buf[o] = '\0';
    return buf;
}

/* NULL when host (n bytes) is a lower-case RFC 1123 name, else why not. */
static const char *host_problem(const char *h, size_t n)
{
    if (n == 0)
        return "has an empty host";
    if (n > 253)
        return "has a host longer than 253 bytes";
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c >= 'A' && c <= 'Z')
            return "has upper-case letters; registry patterns are lower case";
        if (c == '*')
            return "has '*' other than as a leading \"*.\" label";
        if (c == '.') {
            if (label == 0)
                return "has an empty label";
            if (h[i - 1] == '-')
                return "has a label ending in '-'";
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return "has a byte that is not a lower-case letter, digit, '-', "
                   "'.' or ':port'";
        if (c == '-' && label == 0)
            return "has a label starting with '-'";
        if (++label > 63)
            return "has a label longer than 63 bytes";
    }
    if (label == 0)
        return "ends with a dot";
    if (h[n - 1] == '-')
        return "has a label ending in '-'";
    return NULL;
}

/* Split "host[:port]"; port 0 when absent.  NULL or why not. */
static const char *split_port(const char *s, size_t *hostlen, long *port)
{
    const char *colon = strchr(s, ':');
    *port = 0;
    *hostlen = colon ? (size_t)(colon - s) : strlen(s);
    if (!colon)
        return NULL;
    const char *p = colon + 1;
    size_t n = strlen(p);
    if (n == 0 || n > 5 || strspn(p, "0123456789") != n || p[0] == '0')
        return strchr(p, ':') ? "has more than one ':' (IPv6 literals are not "
                                "supported)"
                              : "has a port that is not 1-65535";
    *port = strtol(p, NULL, 10);
    return *port > 65535 ? "has a port that is not 1-65535" : NULL;
}

static const char *pattern_problem(const char *s, size_t len)
{
    if (len == 0)
        return "is empty";
    if (strlen(s) != len)
        return "has a NUL byte";
    if (strstr(s, "://"))
        return "has a scheme; write the registry host only (docker.io)";
    if (strchr(s, '/'))
        return "has a path; write the registry host only (docker.io)";
    const char *h = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
    size_t hl;
    long port;
    const char *why = split_port(h, &hl, &port);
    return why ? why : host_problem(h, hl);
}

int hp_policy_parse(const char *json, size_t len, hp_policy **out, hp_err *e)
{
    json_error_t je;
    char b[96];
    *out = NULL;
    if (len > HP_POLICY_MAX)
        return hp_err_set(e, HP_EFAIL, "policy is %zu bytes; the limit is %u",
                          len, HP_POLICY_MAX);
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return hp_err_set(e, HP_EFAIL, "policy is not valid JSON: %s (line "
                          "%d, column %d)", je.text, je.line, je.column);
    int r = HP_OK;
    json_t *list = json_object_get(root, KEY);
    if (!json_is_object(root))
        r = hp_err_set(e, HP_EFAIL, "policy must be a JSON object with "
                       "\"%s\"", KEY);
    else if (!list)
        r = hp_err_set(e, HP_EFAIL, "policy has no \"%s\" array", KEY);
    else if (!json_is_array(list))
        r = hp_err_set(e, HP_EFAIL, "policy \"%s\" must be an array of "
                       "strings", KEY);
    for (size_t i = 0; r == HP_OK && i < json_array_size(list); i++) {
        json_t *v = json_array_get(list, i);
        const char *why;
        if (!json_is_string(v))
            r = hp_err_set(e, HP_EFAIL, "policy %s[%zu] is not a string",
                           KEY, i);
        else if ((why = pattern_problem(json_string_value(v),
                                        json_string_length(v))))
            r = hp_err_set(e, HP_EFAIL, "policy %s[%zu] \"%s\" %s", KEY, i,
                           shown(json_string_value(v), b, sizeof b), why);
    }
    hp_policy *p = r == HP_OK ? malloc(sizeof *p) : NULL;
    if (r == HP_OK && !p)
        r = hp_err_sys(e, HP_EINTERNAL, ENOMEM, "policy");
    if (p) {
        p->list = json_incref(list);
        *out = p;
    }
    json_decref(root);
    return r;
}

char *hp_policy_dump(const hp_policy *p)
{
    json_t *o = json_object();
    if (!o || json_object_set(o, KEY, p->list) != 0) {
        json_decref(o);
        return NULL;
    }
    char *s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    if (!s)
        return NULL;
    size_t n = strlen(s);       /* a text file ends with a newline */
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    return t;
}

static int pattern_allows(const char *pat, const char *host, size_t hl,
                          long port)
{
    int wild = strncmp(pat, "*.", 2) == 0;
    const char *ph = wild ? pat + 2 : pat;
    size_t pl;
    long pport;
    if (split_port(ph, &pl, &pport) || (pport && pport != port))
        return 0;
    if (!wild)
        return pl == hl && strncasecmp(ph, host, hl) == 0;
    /* a subdomain: at least one label, then ".", then the pattern host */
    return hl > pl + 1 && host[hl - pl - 1] == '.' &&
           strncasecmp(host + hl - pl, ph, pl) == 0;
}

int hp_policy_allows(const hp_policy *p, const char *registry)
{
    char low[300];
    size_t n = registry ? strlen(registry) : 0, hl;
    long port;
    if (!p || n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i <= n; i++)
        low[i] = (registry[i] >= 'A' && registry[i] <= 'Z')
                     ? (char)(registry[i] - 'A' + 'a') : registry[i];
    /* a registry is a plain host[:port]: no wildcard, scheme or path */
    if (low[0] == '*' || pattern_problem(low, n) || split_port(low, &hl, &port))
        return 0;
    for (size_t i = 0; i < json_array_size(p->list); i++)
        if (pattern_allows(json_string_value(json_array_get(p->list, i)),
                           low, hl, port))
            return 1;
    return 0;
}

void hp_policy_free(hp_policy *p)
{
    if (p) {
        json_decref(p->list);
        free(p);
    }
}

/* ---- the cache file ------------------------------------------------ */

/* Directory fd safe for the cache: root-owned, writable by no one else;
 * sticky root-owned directories pass as parents only. */
static int dir_safe(int fd, const char *path, int is_parent, hp_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "cannot stat %s", path);
    int ok = st.st_uid == 0 &&
             (!(st.st_mode & 022) || (is_parent && (st.st_mode & S_ISVTX)));
    if (ok)
        return HP_OK;
    return hp_err_set(e, HP_EFAIL, "%s (owner uid %u, mode %04o) can be "
                      "written by someone other than root, so a cached "
                      "policy there could be replaced: make it root-owned "
                      "and not group/world-writable (chown root; chmod "
                      "go-w)", *path ? path : "/", (unsigned)st.st_uid,
                      (unsigned)(st.st_mode & 07777));
}

/* Check dir and each of its parents that exists; *missing = 1 when part
 * of it does not exist yet. */
static int chain_safe(int rootfd, const char *dir, int *missing, hp_err *e)
{
    char pre[PATH_MAX];
    size_t n = strlen(dir);
    *missing = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i != 0 && i != n && dir[i] != '/')
            continue;
        if (i == n && n > 1 && dir[n - 1] == '/')
            break;
        snprintf(pre, sizeof pre, "%.*s", (int)(i ? i : 1), dir);
        int fd, r = hp_sp_open_dir(rootfd, pre, &fd, e);
        if (r != HP_OK && e->sys == ENOENT) {
            hp_err_clear(e);
            *missing = 1;
            return HP_OK;
        }
        if (r != HP_OK)
            return r;
        r = dir_safe(fd, pre, i != n, e);
        close(fd);
        if (r)
            return r;
    }
    return HP_OK;
}

static int dir_of(const char *hpath, char *dir, size_t n, hp_err *e)
{
    const char *slash = hpath ? strrchr(hpath, '/') : NULL;
    if (!slash || hpath[0] != '/' || !slash[1] || (size_t)(slash - hpath) >= n)
        return hp_err_set(e, HP_EUSAGE, "policy cache path \"%s\" is not an "
                          "absolute file path", hpath ? hpath : "");
    snprintf(dir, n, "%.*s", (int)(slash == hpath ? 1 : slash - hpath),
             hpath);
    return HP_OK;
}

/* Anything but a regular file at the target (a symlink someone planted,
 * a FIFO that would block us) is refused; *exists says what was there. */
static int target_ok(int dirfd, const char *leaf, const char *path,
                     int *exists, hp_err *e)
{
    struct stat st;
    *exists = 0;
    if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? HP_OK
                               : hp_err_sys(e, HP_EFAIL, errno, "%s", path);
    *exists = 1;
    if (S_ISREG(st.st_mode))
        return HP_OK;
    return hp_err_set(e, HP_EFAIL, "%s is %s, not a regular file: refusing "
                      "to write the policy there; remove it", path,
                      S_ISLNK(st.st_mode) ? "a symlink" :
                      S_ISFIFO(st.st_mode) ? "a FIFO" :
                      S_ISDIR(st.st_mode) ? "a directory" : "a special file");
}

/* hp_af_replace keeps an existing file's owner and mode; the cache must
 * end up root:root 0644 whatever was there. */
static int fix_mode(int dirfd, const char *leaf, const char *path, hp_err *e)
{
    int fd = openat(dirfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
                                 O_CLOEXEC);
    struct stat st;
    int r = fd < 0 || fstat(fd, &st) != 0 ? -1 : 0;
    if (r == 0 && (st.st_uid != 0 || st.st_gid != 0))
        r = fchown(fd, 0, 0);
    if (r == 0 && (st.st_mode & 07777) != 0644)
        r = fchmod(fd, 0644);
    int err = errno;
    if (fd >= 0)
        close(fd);
    return r ? hp_err_sys(e, HP_EFAIL, err, "cannot make %s root:root 0644",
                          path) : HP_OK;
}

static int store_in(int dirfd, const char *leaf, const char *path,
                    const char *text, struct hp_journal *j, hp_err *e)
{
    int exists, r;
    if ((r = target_ok(dirfd, leaf, path, &exists, e)))
        return r;
    /* recorded first: a crash after the write still leaves it undoable */
    if (!exists && j && (r = hp_journal_add(j, HP_J_FILE, path, NULL, e)))
        return r;
    hp_af_opts o = { .mode = 0644, .uid = 0, .gid = 0, .create = 1,
                     .expect = NULL };
    if ((r = hp_af_replace(dirfd, leaf, text, strlen(text), &o, e)))
        return r;
    return fix_mode(dirfd, leaf, path, e);
}

int hp_policy_store(int rootfd, const char *cache_hpath, const char *json,
                    size_t len, struct hp_journal *j, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    hp_policy *p = NULL;
    char dir[PATH_MAX], leaf[256];
    int missing, dirfd, r;
    if (!e)
        e = &tmp;
    if ((r = dir_of(cache_hpath, dir, sizeof dir, e)) ||
        (r = hp_policy_parse(json, len, &p, e)))
        return r;
    char *text = hp_policy_dump(p);
    hp_policy_free(p);
    if (!text)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "policy");
    if (geteuid() != 0)
        r = hp_err_set(e, HP_EDENIED, "caching the policy needs root: it is "
                       "written where the user cannot change it");
    /* unsafe existing directories are refused before anything is created */
    if (!r && !(r = chain_safe(rootfd, dir, &missing, e)) && missing)
        r = hp_journal_mkdir_p(j, rootfd, dir, 0755, 0, 0, e);
    if (!r && missing)
        r = chain_safe(rootfd, dir, &missing, e);
    if (!r)
        r = hp_sp_open_parent(rootfd, cache_hpath, &dirfd, leaf, e);
    if (!r) {
        r = dir_safe(dirfd, dir, 0, e);     /* the very fd we write into */
        int lk = r ? -1 : hp_af_lock_dir(dirfd, e);
        if (!r && lk < 0)
            r = e->code ? e->code : HP_EFAIL;
        if (!r)
            r = store_in(dirfd, leaf, cache_hpath, text, j, e);
        if (lk >= 0)
            hp_af_unlock(lk);
        close(dirfd);
    }
    free(text);
    return r;
}

int hp_policy_load(int rootfd, const char *cache_hpath, hp_policy **out,
                   hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    char leaf[256], *data = NULL;
    size_t len = 0;
    struct stat st;
    int dirfd, r;
    if (!e)
        e = &tmp;
    *out = NULL;
    r = hp_sp_open_parent(rootfd, cache_hpath, &dirfd, leaf, e);
    if (!r) {
        r = hp_af_read(dirfd, leaf, HP_POLICY_MAX, &data, &len, &st, e);
        if (!r)
            r = dir_safe(dirfd, cache_hpath, 0, e);
        close(dirfd);
    }
    if (r && e->sys == ENOENT)
        return hp_err_set(e, HP_EFAIL, "no policy cached (%s does not "
                          "exist): cache one with `hostpriv policy set FILE`",
                          cache_hpath);
    if (!r && (st.st_uid != 0 || (st.st_mode & 022)))
        r = hp_err_set(e, HP_EFAIL, "%s (owner uid %u, mode %04o) is not a "
                       "root-owned read-only cache: not trusting it; cache "
                       "the policy again with `hostpriv policy set FILE`",
                       cache_hpath, (unsigned)st.st_uid,
                       (unsigned)(st.st_mode & 07777));
    if (!r)
        r = hp_policy_parse(data, len, out, e);
    free(data);
    return r;
}
