/* Scenario files: INI read with inih in two passes.  Pass one collects
 * every (section, key, value, line), joining indented continuation lines
 * (inih hands them over as repeated keys; our reader knows which lines
 * were indented) and refusing lines inih would silently cut.  Pass two
 * interprets each item, so every error names file:line.  Unknown sections
 * and keys are errors: a misspelt expectation must not pass quietly. */
#include "rig.h"
#include "rigparse.h"
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
    char *section, *key, *value;
    int line;
} item;

typedef struct pass1 {
    FILE *f;
    int lineno;
    int indented;        /* the line just read began with a blank */
    int toolong;         /* first line longer than inih's buffer */
    int toolong_max;
    item *items;
    size_t n;
} pass1;

static char *reader(char *str, int num, void *stream)
{
    pass1 *p = stream;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, p->f);
    if (len < 0) {
        free(line);
        return NULL;
    }
    p->lineno++;
    p->indented = line[0] == ' ' || line[0] == '\t';
    /* inih would split a long line and parse the rest as a new line */
    if (len > num - 3) {
        if (!p->toolong) {
            p->toolong = p->lineno;
            p->toolong_max = num - 4;   /* characters, without the newline */
        }
        line[0] = '\0';
        len = 0;
    }
    memcpy(str, line, (size_t)len + 1);
    free(line);
    return str;
}

static int collect(void *user, const char *section, const char *name,
                   const char *value)
{
    pass1 *p = user;
    if (p->indented && p->n > 0) {
        item *last = &p->items[p->n - 1];
        if (!strcmp(last->section, section) && !strcmp(last->key, name)) {
            char *joined = hp_rig_fmt("%s\n%s", last->value, value);
            free(last->value);
            last->value = joined;
            return 1;
        }
    }
    item *it = HP_RIG_PUSH(p->items, p->n);
    it->section = hp_rig_strdup(section);
    it->key = hp_rig_strdup(name);
    it->value = hp_rig_strdup(value);
    it->line = p->lineno;
    return 1;
}

/* Raw text: continuation lines joined by one space. */
static char *text(const char *v)
{
    char *s = hp_rig_strdup(v);
    for (char *c = s; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return s;
}

static int yesno(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
        return *out = 1, 0;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
        return *out = 0, 0;
    return -1;
}

static int seconds(const char *v, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 1 || n > 3600)
        return -1;
    *out = (int)n;
    return 0;
}

/* "B11 B12" (commas allowed): ids of the documented behaviours.  The
 * filters, `list`, `matrix` and the reports key on them, so a misspelt
 * id is an error rather than a scenario that silently covers nothing. */
static int behaviour_ids(hp_rig_scenario *sc, const char *v, hp_rig_perr *pe)
{
    for (const char *p = v;;) {
        p += strspn(p, " \t\n,");
        size_t l = strcspn(p, " \t\n,");
        if (!l)
            return 0;
        if (p[0] != 'B' || l < 2 || l > 6 || p[1] == '0' ||
            strspn(p + 1, "0123456789") != l - 1)
            return hp_rig_perror(pe, "behaviours are ids such as B11 "
                                 "(tests/scenarios/README.md), not '%.*s'",
                                 (int)l, p);
        int dup = 0;
        for (size_t i = 0; i < sc->nbehaviours; i++)
            dup |= strlen(sc->behaviours[i]) == l &&
                   !strncmp(sc->behaviours[i], p, l);
        if (!dup)
            *HP_RIG_PUSH(sc->behaviours, sc->nbehaviours) =
                hp_rig_memdup(p, l);
        p += l;
    }
}

static int scenario_key(hp_rig_scenario *sc, const item *it, hp_rig_perr *pe)
{
    const char *k = it->key, *v = it->value;
    if (!strcmp(k, "name"))
        sc->name = text(v);
    else if (!strcmp(k, "description"))
        sc->description = text(v);
    else if (!strcmp(k, "version"))
        sc->version = text(v);
    else if (!strcmp(k, "plugin"))
        sc->plugin = text(v);
    else if (!strcmp(k, "platform")) {
        if (strcmp(v, "macos") && strcmp(v, "linux"))
            return hp_rig_perror(pe, "platform is macos or linux, not '%s'", v);
        sc->platform = text(v);
    } else if (!strcmp(k, "behaviours") || !strcmp(k, "behaviors")) {
        if (behaviour_ids(sc, v, pe))
            return -1;
    } else if (!strcmp(k, "skip"))
        sc->skip = text(v);
    else if (!strcmp(k, "timeout")) {
        if (seconds(v, &sc->timeout))
            return hp_rig_perror(pe, "timeout is whole seconds 1-3600");
    } else if (!strcmp(k, "requires")) {
        hp_rig_words w;
        if (hp_rig_split(v, &w, pe->msg, sizeof pe->msg))
            return -1;
        for (size_t i = 0; i < w.n; i++)
            *HP_RIG_PUSH(sc->requires, sc->nrequires) = hp_rig_strdup(w.v[i]);
        hp_rig_words_free(&w);
    } else
        return hp_rig_perror(pe, "unknown key '%s' in [scenario] (name, "
                             "description, version, plugin, platform, "
                             "behaviours, requires, skip, timeout)", k);
    return 0;
}

static int host_key(hp_rig_scenario *sc, const char *k, const char *v,
                    hp_rig_hostop **ops, size_t *nops, int in_step,
                    hp_rig_perr *pe)
{
    if (!in_step) {
        if (!strcmp(k, "skeleton") || !strcmp(k, "app")) {
            if (yesno(v, !strcmp(k, "app") ? &sc->app : &sc->skeleton))
                return hp_rig_perror(pe, "%s is yes or no", k);
            return 0;
        }
        if (!strcmp(k, "shell")) {
            sc->shell = text(v);
            return 0;
        }
        if (!strcmp(k, "home")) {
            sc->home = text(v);
            return 0;
        }
    }
    return hp_rig_parse_hostop(k, v, sc->dir, ops, nops, pe);
}

static int config_key(hp_rig_kv **kv, size_t *n, const item *it,
                      hp_rig_perr *pe)
{
    const char *dot = strchr(it->key, '.');
    if (!dot || dot == it->key || !dot[1] || strchr(dot + 1, '.'))
        return hp_rig_perror(pe, "config keys are SECTION.KEY, not '%s'",
                             it->key);
    if (strchr(it->value, '\n'))
        return hp_rig_perror(pe, "a config value is one line");
    hp_rig_kv *e = NULL;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*kv)[i].key, it->key))
            e = &(*kv)[i];
    if (!e) {
        e = HP_RIG_PUSH(*kv, *n);
        e->key = hp_rig_strdup(it->key);
    }
    free(e->val);
    e->val = hp_rig_strdup(it->value);
    e->line = it->line;
    return 0;
}

static hp_rig_step *step_of(hp_rig_scenario *sc, const char *section,
                            int line, hp_rig_perr *pe)
{
    char *end;
    errno = 0;
    long num = strtol(section + 5, &end, 10);
    if (!isdigit((unsigned char)section[5]) || *end || errno || num > 99999) {
        hp_rig_perror(pe, "a step section is [step.N] with N a number, not "
                      "[%s]", section);
        return NULL;
    }
    for (size_t i = 0; i < sc->nsteps; i++)
        if (sc->steps[i].num == num)
            return &sc->steps[i];
    hp_rig_step *st = HP_RIG_PUSH(sc->steps, sc->nsteps);
    st->num = num;
    st->line = line;
    st->timeout = 0;
    return st;
}

static int step_key(hp_rig_scenario *sc, hp_rig_step *st, const item *it,
                    hp_rig_perr *pe)
{
    const char *k = it->key, *v = it->value;
    if (!strncmp(k, "expect.", 7))
        return hp_rig_parse_expect(k + 7, v, sc->dir, &st->ex, &st->nex, 1,
                                   pe);
    if (!strncmp(k, "host.", 5))
        return host_key(sc, k + 5, v, &st->host, &st->nhost, 1, pe);
    if (!strcmp(k, "run"))
        return hp_rig_parse_run(st, v, pe);
    if (!strcmp(k, "as")) {
        if (!strcmp(v, "root"))
            st->as_root = 1;
        else if (!strcmp(v, "user") || !strcmp(v, HP_RIG_USER))
            st->as_root = 0;
        else
            return hp_rig_perror(pe, "as is user or root, not '%s'", v);
    } else if (!strcmp(k, "answers")) {
        free(st->answers);
        st->answers = text(v);
    } else if (!strcmp(k, "stdin") || !strcmp(k, "stdin.from"))
        return hp_rig_parse_data(k[5] == '.', v, sc->dir, &st->in,
                                 &st->inlen, pe);
    else if (!strcmp(k, "timeout")) {
        if (seconds(v, &st->timeout))
            return hp_rig_perror(pe, "timeout is whole seconds 1-3600");
    } else if (!strcmp(k, "snapshot")) {
        if (!*v || strpbrk(v, " \t\n"))
            return hp_rig_perror(pe, "snapshot takes one name");
        free(st->snapshot);
        st->snapshot = hp_rig_strdup(v);
    } else if (!strcmp(k, "say")) {
        free(st->title);
        st->title = text(v);
    } else
        return hp_rig_perror(pe, "unknown key '%s' in a step (run, as, "
                             "answers, stdin, stdin.from, timeout, snapshot, "
                             "say, host.*, expect.*)", k);
    return 0;
}

static int interpret(hp_rig_scenario *sc, const item *it, hp_rig_perr *pe)
{
    const char *s = it->section;
    pe->line = it->line;
    if (!strcmp(s, "scenario"))
        return scenario_key(sc, it, pe);
    if (!strcmp(s, "host"))
        return host_key(sc, it->key, it->value, &sc->host, &sc->nhost, 0, pe);
    if (!strcmp(s, "config"))
        return config_key(&sc->config, &sc->nconfig, it, pe);
    if (!strcmp(s, "admin"))
        return config_key(&sc->admin, &sc->nadmin, it, pe);
    if (!strcmp(s, "expect"))
        return hp_rig_parse_expect(it->key, it->value, sc->dir, &sc->final,
                                   &sc->nfinal, 0, pe);
    if (!strncmp(s, "step.", 5)) {
        hp_rig_step *st = step_of(sc, s, it->line, pe);
        return st ? step_key(sc, st, it, pe) : -1;
    }
    if (!*s)
        return hp_rig_perror(pe, "key '%s' before any [section]", it->key);
    return hp_rig_perror(pe, "unknown section [%s] (scenario, host, config, "
                         "admin, step.N, expect)", s);
}

static int by_num(const void *a, const void *b)
{
    const hp_rig_step *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

static int validate(hp_rig_scenario *sc, hp_rig_perr *pe)
{
    qsort(sc->steps, sc->nsteps, sizeof *sc->steps, by_num);
    if (sc->nsteps == 0 && !sc->skip) {
        pe->line = 0;
        return hp_rig_perror(pe, "no [step.N] section: a scenario runs at "
                             "least one step");
    }
    for (size_t i = 0; i < sc->nsteps; i++) {
        hp_rig_step *st = &sc->steps[i];
        pe->line = st->line;
        int runs = st->kind == HP_RIG_ST_HOSTPRIV || st->kind == HP_RIG_ST_SH;
        if (!runs && (st->nex && hp_rig_expects_output(st->ex, st->nex)))
            return hp_rig_perror(pe, "[step.%ld] checks exit/stdout/stderr "
                                 "but runs no command", st->num);
        if (!runs && (st->answers || st->in))
            return hp_rig_perror(pe, "[step.%ld] has answers/stdin but runs "
                                 "no command", st->num);
        if (!st->timeout)
            st->timeout = sc->timeout;
    }
    return 0;
}

int hp_rig_scenario_load(const char *file, hp_rig_scenario *sc, char *err,
                         size_t errn)
{
    memset(sc, 0, sizeof *sc);
    sc->file = hp_rig_strdup(file);
    char *tmp = hp_rig_strdup(file);
    sc->dir = hp_rig_strdup(dirname(tmp));
    free(tmp);
    sc->skeleton = sc->app = 1;
    sc->timeout = HP_RIG_TIMEOUT;

    pass1 p = { 0 };
    p.f = fopen(file, "r");
    if (!p.f) {
        snprintf(err, errn, "%s: cannot read: %s", file, strerror(errno));
        return -1;
    }
    int rc = ini_parse_stream(reader, &p, collect, &p);
    fclose(p.f);
    hp_rig_perr pe = { .line = 0 };
    int ret = 0;
    if (p.toolong) {
        snprintf(err, errn, "%s:%d: line longer than %d characters: fold it onto "
                 "indented continuation lines, or put the data in a file "
                 "and use from=", file, p.toolong, p.toolong_max);
        ret = -1;
    } else if (rc > 0) {
        snprintf(err, errn, "%s:%d: not a [section] or a key = value line",
                 file, rc);
        ret = -1;
    }
    for (size_t i = 0; ret == 0 && i < p.n; i++)
        if (interpret(sc, &p.items[i], &pe))
            ret = -1;
    if (ret == 0 && validate(sc, &pe))
        ret = -1;
    if (ret && !p.toolong && rc <= 0) {
        if (pe.line)
            snprintf(err, errn, "%s:%d: %s", file, pe.line, pe.msg);
        else
            snprintf(err, errn, "%s: %s", file, pe.msg);
    }
    for (size_t i = 0; i < p.n; i++) {
        free(p.items[i].section);
        free(p.items[i].key);
        free(p.items[i].value);
    }
    free(p.items);
    return ret;
}

static void hostops_free(hp_rig_hostop *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].path);
        free(h[i].owner);
        free(h[i].data);
        free(h[i].target);
    }
    free(h);
}

static void kv_free(hp_rig_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].val);
    }
    free(kv);
}

void hp_rig_scenario_free(hp_rig_scenario *sc)
{
    char **strs[] = { &sc->file, &sc->dir, &sc->name, &sc->description,
                      &sc->version, &sc->plugin, &sc->platform,
                      &sc->skip, &sc->shell, &sc->home };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        free(*strs[i]);
    for (size_t i = 0; i < sc->nbehaviours; i++)
        free(sc->behaviours[i]);
    free(sc->behaviours);
    for (size_t i = 0; i < sc->nrequires; i++)
        free(sc->requires[i]);
    free(sc->requires);
    hostops_free(sc->host, sc->nhost);
    kv_free(sc->config, sc->nconfig);
    kv_free(sc->admin, sc->nadmin);
    for (size_t i = 0; i < sc->nsteps; i++) {
        hp_rig_step *st = &sc->steps[i];
        hp_rig_words_free(&st->run);
        free(st->run_src);
        free(st->answers);
        free(st->in);
        free(st->snapshot);
        free(st->title);
        hostops_free(st->host, st->nhost);
        hp_rig_expects_free(st->ex, st->nex);
    }
    free(sc->steps);
    hp_rig_expects_free(sc->final, sc->nfinal);
    memset(sc, 0, sizeof *sc);
}
