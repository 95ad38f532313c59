/* What one scenario value means: host items, expectations, run lines.
 * Each is a list of words (words.c); options are KEY=VALUE words. */
#include "rigparse.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int hp_rig_perror(hp_rig_perr *pe, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pe->msg, sizeof pe->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int split(const char *v, hp_rig_words *w, hp_rig_perr *pe)
{
    return hp_rig_split(v, w, pe->msg, sizeof pe->msg);
}

/* Host paths are absolute or ~/...; no ".." component, so nothing a
 * scenario names can leave its sandbox even though the rig acts as root. */
int hp_rig_check_hpath(const char *p, hp_rig_perr *pe)
{
    if (!(p[0] == '/' || (p[0] == '~' && (p[1] == '/' || !p[1]))))
        return hp_rig_perror(pe, "'%s': host paths start with / or ~/", p);
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
            return hp_rig_perror(pe, "'%s': no .. in host paths", p);
    return 0;
}

static int parse_mode(const char *s, int *mode, hp_rig_perr *pe)
{
    char *end;
    errno = 0;
    long m = strtol(s, &end, 8);
    if (!*s || *end || errno || m < 0 || m > 07777)
        return hp_rig_perror(pe, "'%s' is not an octal mode like 0755", s);
    *mode = (int)m;
    return 0;
}

/* from=FILE: relative to the scenario file's directory. */
static int load_from(const char *file, const char *dir, char **data,
                     size_t *len, hp_rig_perr *pe)
{
    char *path = file[0] == '/' ? hp_rig_strdup(file)
                                : hp_rig_fmt("%s/%s", dir, file);
    free(*data);
    *data = hp_rig_slurp(path, len);
    int rc = *data ? 0 : hp_rig_perror(pe, "cannot read %s: %s", path,
                                       strerror(errno));
    free(path);
    return rc;
}

int hp_rig_parse_data(int from_file, const char *value, const char *dir,
                      char **data, size_t *len, hp_rig_perr *pe)
{
    hp_rig_words w;
    if (split(value, &w, pe))
        return -1;
    int rc = 0;
    free(*data);
    *data = NULL;
    if (w.n != 1) {
        rc = hp_rig_perror(pe, "expected one word (quote it), got %zu", w.n);
    } else if (from_file) {
        rc = load_from(w.v[0], dir, data, len, pe);
    } else {
        *len = strlen(w.v[0]);
        *data = hp_rig_strdup(w.v[0]);
    }
    hp_rig_words_free(&w);
    return rc;
}

/* Options after the path: mode=, owner=, content=, from=. */
static int hostop_opts(hp_rig_hostop *h, hp_rig_words *w, size_t from,
                       const char *dir, hp_rig_perr *pe)
{
    for (size_t i = from; i < w->n; i++) {
        const char *o = w->v[i], *eq = strchr(o, '=');
        if (!eq)
            return hp_rig_perror(pe, "'%s': options are mode=, owner=, "
                                 "content=, from=", o);
        const char *val = eq + 1;
        size_t kl = (size_t)(eq - o);
        if (kl == 4 && !strncmp(o, "mode", 4)) {
            if (parse_mode(val, &h->mode, pe))
                return -1;
        } else if (kl == 5 && !strncmp(o, "owner", 5)) {
            free(h->owner);
            h->owner = hp_rig_strdup(val);
        } else if (h->kind == HP_RIG_FILE && kl == 7 &&
                   !strncmp(o, "content", 7)) {
            free(h->data);
            h->len = strlen(val);
            h->data = hp_rig_strdup(val);
        } else if (h->kind == HP_RIG_FILE && kl == 4 &&
                   !strncmp(o, "from", 4)) {
            if (load_from(val, dir, &h->data, &h->len, pe))
                return -1;
        } else
            return hp_rig_perror(pe, "unknown option '%.*s'", (int)kl, o);
    }
    return 0;
}

static hp_rig_hostop *new_op(hp_rig_hostop **ops, size_t *n, int kind,
                             const char *path, int line)
{
    hp_rig_hostop *h = HP_RIG_PUSH(*ops, *n);
    h->kind = kind;
    h->mode = -1;
    h->line = line;
    h->path = hp_rig_strdup(path);
    return h;
}

static int hostop_words(const char *key, hp_rig_words *w, const char *dir,
                        hp_rig_hostop **ops, size_t *n, hp_rig_perr *pe)
{
    if (w->n == 0)
        return hp_rig_perror(pe, "%s needs a path", key);
    if (!strcmp(key, "remove") || !strcmp(key, "writable")) {
        for (size_t i = 0; i < w->n; i++) {
            if (hp_rig_check_hpath(w->v[i], pe))
                return -1;
            int rm = key[0] == 'r';
            hp_rig_hostop *h = new_op(ops, n, rm ? HP_RIG_REMOVE : HP_RIG_DIR,
                                      w->v[i], pe->line);
            if (!rm)
                h->owner = hp_rig_strdup(HP_RIG_USER);
        }
        return 0;
    }
    if (hp_rig_check_hpath(w->v[0], pe))
        return -1;
    if (!strcmp(key, "dir") || !strcmp(key, "file")) {
        hp_rig_hostop *h = new_op(ops, n, key[0] == 'd' ? HP_RIG_DIR
                                  : HP_RIG_FILE, w->v[0], pe->line);
        if (h->kind == HP_RIG_FILE)
            h->data = hp_rig_strdup("");
        return hostop_opts(h, w, 1, dir, pe);
    }
    if (!strcmp(key, "link")) {
        if (w->n < 3 || strcmp(w->v[1], "->"))
            return hp_rig_perror(pe, "link = PATH -> TARGET [owner=O]");
        hp_rig_hostop *h = new_op(ops, n, HP_RIG_LINK, w->v[0], pe->line);
        h->target = hp_rig_strdup(w->v[2]);
        if (hostop_opts(h, w, 3, dir, pe))
            return -1;
        if (h->mode != -1)
            return hp_rig_perror(pe, "a link has no mode");
        return 0;
    }
    return hp_rig_perror(pe, "unknown host item '%s' (dir, file, link, "
                         "remove, writable, hosts)", key);
}

int hp_rig_parse_hostop(const char *key, const char *value, const char *dir,
                        hp_rig_hostop **ops, size_t *n, hp_rig_perr *pe)
{
    hp_rig_words w;
    if (split(value, &w, pe))
        return -1;
    int rc;
    if (!strcmp(key, "hosts")) {
        if (w.n != 1)
            rc = hp_rig_perror(pe, "hosts = TEXT (one quoted word) or none");
        else if (!strcmp(w.v[0], "none")) {
            new_op(ops, n, HP_RIG_REMOVE, "/etc/hosts", pe->line);
            rc = 0;
        } else {
            hp_rig_hostop *h = new_op(ops, n, HP_RIG_FILE, "/etc/hosts",
                                      pe->line);
            h->len = strlen(w.v[0]);
            h->data = hp_rig_strdup(w.v[0]);
            rc = 0;
        }
    } else
        rc = hostop_words(key, &w, dir, ops, n, pe);
    hp_rig_words_free(&w);
    return rc;
}

int hp_rig_parse_run(hp_rig_step *st, const char *value, hp_rig_perr *pe)
{
    hp_rig_words w;
    if (st->kind != HP_RIG_ST_NONE)
        return hp_rig_perror(pe, "one run per step");
    if (split(value, &w, pe))
        return -1;
    const char *c = w.n ? w.v[0] : "";
    int rc = 0;
    if (!strcmp(c, "hostpriv")) {
        st->kind = HP_RIG_ST_HOSTPRIV;
        free(w.v[0]);
        memmove(w.v, w.v + 1, --w.n * sizeof *w.v);
    } else if (!strcmp(c, "sh") && w.n == 2) {
        st->kind = HP_RIG_ST_SH;
        free(w.v[0]);
        memmove(w.v, w.v + 1, --w.n * sizeof *w.v);
    } else if (!strcmp(c, "helper") && w.n == 2 &&
               (!strcmp(w.v[1], "start") || !strcmp(w.v[1], "stop"))) {
        st->kind = w.v[1][2] == 'a' ? HP_RIG_ST_HELPER_START
                                    : HP_RIG_ST_HELPER_STOP;
    } else if (!strcmp(c, "reboot") && w.n == 1) {
        st->kind = HP_RIG_ST_REBOOT;
    } else if (!strcmp(c, "sleep") && w.n == 2) {
        char *end;
        st->sleep = strtod(w.v[1], &end);
        if (*end || !(st->sleep > 0 && st->sleep <= 600))
            rc = hp_rig_perror(pe, "sleep takes seconds (0-600]");
        st->kind = HP_RIG_ST_SLEEP;
    } else
        rc = hp_rig_perror(pe, "run = hostpriv ARGS... | sh SCRIPT | "
                           "helper start | helper stop | reboot | sleep "
                           "SECONDS, not '%s'", value);
    if (rc == 0) {
        st->run = w;
        st->run_src = hp_rig_strdup(value);
        for (char *p = st->run_src; *p; p++)
            if (*p == '\n')
                *p = ' ';
    } else
        hp_rig_words_free(&w);
    return rc;
}
