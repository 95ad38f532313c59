/* Expectation values: `expect.KIND = WORDS` in a step, `KIND = WORDS` in
 * [expect].  Event names, tasks and vias are checked against the contract
 * here so a typo fails at load time instead of matching nothing. */
#include "rigparse.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const events[] = { "prompt", "granted", "declined",
    "timed-out", "done", "skipped", "failed", "warning", "*", NULL };
static const char *const tasks[] = { "helper", "cli-links", "docker-socket",
    "privileged-port", "hosts", "policy", "settings", "uninstall", NULL };
static const char *const vias[] = { "user", "helper", "elevated",
    "installer", NULL };

static int member(const char *const *set, const char *s)
{
    for (; *set; set++)
        if (!strcmp(*set, s))
            return 1;
    return 0;
}

static int parse_op(const char *s, int *op)
{
    static const char *const ops[] = { "", "contains", "lacks", "equals" };
    for (int i = 1; i < 4; i++)
        if (!strcmp(s, ops[i]))
            return *op = i, 0;
    return -1;
}

static int text_check(hp_rig_expect *x, hp_rig_words *w, size_t at,
                      hp_rig_perr *pe)
{
    if (w->n == at)
        return 0;
    if (w->n == at + 1 && !strcmp(w->v[at], "empty")) {
        x->op = HP_RIG_OP_EQUALS;
        x->text = hp_rig_strdup("");
        return 0;
    }
    if (w->n != at + 2 || parse_op(w->v[at], &x->op))
        return hp_rig_perror(pe, "expected contains|lacks|equals TEXT (one "
                             "quoted word) or empty");
    x->len = strlen(w->v[at + 1]);
    x->text = hp_rig_strdup(w->v[at + 1]);
    return 0;
}

static int event_filters(hp_rig_expect *x, hp_rig_words *w, hp_rig_perr *pe)
{
    if (w->n == 0 || !member(events, w->v[0]))
        return hp_rig_perror(pe, "event = EVENT [FIELD=TEXT|FIELD~TEXT]... "
                             "[count=N], EVENT one of prompt granted declined "
                             "timed-out done skipped failed warning *");
    x->text = hp_rig_strdup(w->v[0]);
    x->num = HP_RIG_AT_LEAST_ONE;
    for (size_t i = 1; i < w->n; i++) {
        const char *s = w->v[i];
        size_t k = strcspn(s, "=~");
        if (!s[k] || k == 0)
            return hp_rig_perror(pe, "'%s': a filter is FIELD=TEXT or "
                                 "FIELD~TEXT", s);
        if (k == 5 && !strncmp(s, "count", 5) && s[k] == '=') {
            char *end;
            errno = 0;
            x->num = strtol(s + 6, &end, 10);
            if (!s[6] || *end || errno || x->num < 0)
                return hp_rig_perror(pe, "count=N with N >= 0");
            continue;
        }
        hp_rig_evfield *f = HP_RIG_PUSH(x->ev, x->nev);
        f->field = hp_rig_memdup(s, k);
        f->contains = s[k] == '~';
        f->value = hp_rig_strdup(s + k + 1);
        if (!member(hp_rig_event_fields, f->field))
            return hp_rig_perror(pe, "unknown event field '%s' (event task "
                                 "via path detail plugin version)", f->field);
        if (!f->contains && !strcmp(f->field, "task") &&
            !member(tasks, f->value))
            return hp_rig_perror(pe, "unknown task '%s'", f->value);
        if (!f->contains && !strcmp(f->field, "via") &&
            !member(vias, f->value))
            return hp_rig_perror(pe, "unknown via '%s'", f->value);
    }
    return 0;
}

static int unchanged(hp_rig_expect *x, hp_rig_words *w, hp_rig_perr *pe)
{
    if (w->n == 0)
        return hp_rig_perror(pe, "unchanged = SNAPSHOT [PATH]... "
                             "[ignore=GLOB]...");
    x->text = hp_rig_strdup(w->v[0]);
    for (size_t i = 1; i < w->n; i++) {
        if (!strncmp(w->v[i], "ignore=", 7)) {
            if (hp_rig_check_hpath(w->v[i] + 7, pe))
                return -1;
            *HP_RIG_PUSH(x->ignore, x->nignore) = hp_rig_strdup(w->v[i] + 7);
        } else {
            if (hp_rig_check_hpath(w->v[i], pe))
                return -1;
            *HP_RIG_PUSH(x->paths, x->npaths) = hp_rig_strdup(w->v[i]);
        }
    }
    return 0;
}

static int paths_only(const char *kind, int k, hp_rig_words *w,
                      hp_rig_expect **ex, size_t *n, hp_rig_perr *pe,
                      const char *src)
{
    if (w->n == 0)
        return hp_rig_perror(pe, "%s = PATH...", kind);
    for (size_t i = 0; i < w->n; i++) {
        if (hp_rig_check_hpath(w->v[i], pe))
            return -1;
        hp_rig_expect *x = HP_RIG_PUSH(*ex, *n);
        x->kind = k;
        x->line = pe->line;
        x->path = hp_rig_strdup(w->v[i]);
        x->src = hp_rig_strdup(src);
    }
    return 0;
}

/* exit, stdout, stderr, event, helper, unchanged: no leading path. */
static int no_path(const char *kind, hp_rig_expect *x, hp_rig_words *w,
                   hp_rig_perr *pe)
{
    if (!strcmp(kind, "exit")) {
        x->kind = HP_RIG_EX_EXIT;
        char *end = NULL;
        if (w->n == 1 && !strcmp(w->v[0], "any"))
            x->num = HP_RIG_ANY_EXIT;
        else if (w->n != 1 || (x->num = strtol(w->v[0], &end, 10), *end) ||
                 x->num < 0 || x->num > 255)
            return hp_rig_perror(pe, "exit = N (0-255) or any");
        return 0;
    }
    if (!strcmp(kind, "stdout") || !strcmp(kind, "stderr")) {
        x->kind = kind[3] == 'o' ? HP_RIG_EX_STDOUT : HP_RIG_EX_STDERR;
        if (w->n == 0)
            return hp_rig_perror(pe, "%s = contains|lacks|equals TEXT", kind);
        return text_check(x, w, 0, pe);
    }
    if (!strcmp(kind, "event")) {
        x->kind = HP_RIG_EX_EVENT;
        return event_filters(x, w, pe);
    }
    if (!strcmp(kind, "helper")) {
        x->kind = HP_RIG_EX_HELPER;
        if (w->n != 1 || (strcmp(w->v[0], "running") &&
                          strcmp(w->v[0], "stopped")))
            return hp_rig_perror(pe, "helper = running or stopped");
        x->text = hp_rig_strdup(w->v[0]);
        return 0;
    }
    x->kind = HP_RIG_EX_UNCHANGED;
    return unchanged(x, w, pe);
}

/* file, link, mode, owner: PATH then what it must be. */
static int with_path(const char *kind, hp_rig_expect *x, hp_rig_words *w,
                     hp_rig_perr *pe)
{
    if (w->n == 0)
        return hp_rig_perror(pe, "%s needs a path", kind);
    if (hp_rig_check_hpath(w->v[0], pe))
        return -1;
    x->path = hp_rig_strdup(w->v[0]);
    if (!strcmp(kind, "file")) {
        x->kind = HP_RIG_EX_FILE;
        return text_check(x, w, 1, pe);
    }
    if (!strcmp(kind, "link")) {
        x->kind = HP_RIG_EX_LINK;
        if (w->n == 1)
            return 0;
        if (w->n != 3 || strcmp(w->v[1], "->"))
            return hp_rig_perror(pe, "link = PATH [-> TARGET]");
        x->text = hp_rig_strdup(w->v[2]);
        return 0;
    }
    if (!strcmp(kind, "mode")) {
        x->kind = HP_RIG_EX_MODE;
        char *end = NULL;
        if (w->n != 2 || (x->num = strtol(w->v[1], &end, 8), *end) ||
            x->num < 0 || x->num > 07777)
            return hp_rig_perror(pe, "mode = PATH OCTAL");
        return 0;
    }
    x->kind = HP_RIG_EX_OWNER;
    if (w->n != 2)
        return hp_rig_perror(pe, "owner = PATH USER[:GROUP]");
    x->text = hp_rig_strdup(w->v[1]);
    return 0;
}

static int one(const char *kind, hp_rig_expect *x, hp_rig_words *w,
               hp_rig_perr *pe)
{
    static const char *const plain[] = { "exit", "stdout", "stderr", "event",
                                         "helper", "unchanged", NULL };
    static const char *const pathed[] = { "file", "link", "mode", "owner",
                                          NULL };
    if (member(plain, kind))
        return no_path(kind, x, w, pe);
    if (member(pathed, kind))
        return with_path(kind, x, w, pe);
    return hp_rig_perror(pe, "unknown expectation '%s' (exit stdout stderr "
                         "file dir link exists absent mode owner event helper "
                         "unchanged)", kind);
}

int hp_rig_parse_expect(const char *kind, const char *value, const char *dir,
                        hp_rig_expect **ex, size_t *n, int in_step,
                        hp_rig_perr *pe)
{
    (void)dir;
    hp_rig_words w;
    if (hp_rig_split(value, &w, pe->msg, sizeof pe->msg))
        return -1;
    char *src = hp_rig_strdup(value);
    for (char *p = src; *p; p++)
        if (*p == '\n')
            *p = ' ';
    int rc;
    if (!in_step && (!strcmp(kind, "exit") || !strcmp(kind, "stdout") ||
                     !strcmp(kind, "stderr")))
        rc = hp_rig_perror(pe, "'%s' checks a command: put it in the step "
                           "as expect.%s", kind, kind);
    else if (!strcmp(kind, "dir") || !strcmp(kind, "exists") ||
             !strcmp(kind, "absent"))
        rc = paths_only(kind, kind[0] == 'd' ? HP_RIG_EX_DIR
                        : kind[0] == 'e' ? HP_RIG_EX_EXISTS : HP_RIG_EX_ABSENT,
                        &w, ex, n, pe, src);
    else {
        hp_rig_expect *x = HP_RIG_PUSH(*ex, *n);
        x->line = pe->line;
        x->src = src;
        src = NULL;
        rc = one(kind, x, &w, pe);
    }
    free(src);
    hp_rig_words_free(&w);
    return rc;
}

int hp_rig_expects_output(const hp_rig_expect *ex, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ex[i].kind == HP_RIG_EX_EXIT || ex[i].kind == HP_RIG_EX_STDOUT ||
            ex[i].kind == HP_RIG_EX_STDERR)
            return 1;
    return 0;
}

void hp_rig_expects_free(hp_rig_expect *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hp_rig_expect *x = &ex[i];
        free(x->path);
        free(x->text);
        free(x->src);
        for (size_t j = 0; j < x->nev; j++) {
            free(x->ev[j].field);
            free(x->ev[j].value);
        }
        free(x->ev);
        for (size_t j = 0; j < x->npaths; j++)
            free(x->paths[j]);
        free(x->paths);
        for (size_t j = 0; j < x->nignore; j++)
            free(x->ignore[j]);
        free(x->ignore);
    }
    free(ex);
}
