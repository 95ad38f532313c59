/* --report: a scenario told as a person would read it (the demo uses it).
 * Each step shows the command and who runs it, the prompts with their
 * messages and the answers, what each task did and through what, what the
 * program said, and what changed on the host, taken from snapshots of the
 * sandbox before and after the step. */
#include "rig.h"
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

static const char *task_prose(const char *t)
{
    static const char *const map[][2] = {
        { "helper", "the privileged helper" },
        { "cli-links", "the CLI links" },
        { "docker-socket", "the /var/run/docker.sock link" },
        { "privileged-port", "a privileged port" },
        { "hosts", "the /etc/hosts entries" },
        { "policy", "the registry access policy" },
        { "settings", "the Advanced settings" },
        { "uninstall", "uninstalling" },
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], t))
            return map[i][1];
    return *t ? t : "(no task)";
}

static const char *via_prose(const char *v)
{
    if (!strcmp(v, "user"))
        return "as the user, no privilege needed";
    if (!strcmp(v, "helper"))
        return "by the running privileged helper";
    if (!strcmp(v, "elevated"))
        return "as root through sudo, one-shot";
    if (!strcmp(v, "installer"))
        return "as root (installer)";
    return *v ? v : "";
}

/* Text as a person reads it: `first` then the words, wrapped at 76
 * columns, continuation lines under `cont`. */
static void para(FILE *f, const char *first, const char *cont, const char *s)
{
    size_t col = strlen(first), width = 76;
    fputs(first, f);
    int any = 0;
    while (*s) {
        s += strspn(s, " \n");
        size_t w = strcspn(s, " \n");
        if (!w)
            break;
        if (any && col + 1 + w > width) {
            fprintf(f, "\n%s", cont);
            col = strlen(cont);
        } else if (any) {
            fputc(' ', f);
            col++;
        }
        hp_rig_quote(f, s, w, 400);
        col += w;
        s += w;
        any = 1;
    }
    fputc('\n', f);
}

/* One event as a sentence. */
static void event_prose(FILE *f, const hp_rig_event *e)
{
    const char *ev = e->f[0], *task = task_prose(hp_rig_ev_get(e, "task"));
    const char *via = hp_rig_ev_get(e, "via"), *path = hp_rig_ev_get(e, "path");
    const char *detail = hp_rig_ev_get(e, "detail");
    char *t = NULL;
    if (!strcmp(ev, "prompt")) {
        fprintf(f, "    ? prompt about %s:\n", task);
        t = hp_rig_fmt("\"%s\"", detail);
        para(f, "        ", "         ", t);
    } else if (!strcmp(ev, "granted"))
        fputs("      -> the user answers YES\n", f);
    else if (!strcmp(ev, "declined")) {
        t = hp_rig_fmt("-> the user answers NO%s%s", *detail ? ": " : "",
                       detail);
        para(f, "      ", "         ", t);
    } else if (!strcmp(ev, "timed-out"))
        fputs("      -> nobody answers: the prompt times out (counts as "
              "no)\n", f);
    else if (!strcmp(ev, "done")) {
        t = hp_rig_fmt("+ %s: done %s%s%s%s%s%s", task, via_prose(via),
                       *path ? " (" : "", path, *path ? ")" : "",
                       *detail && strcmp(detail, "ok") ? " - " : "",
                       strcmp(detail, "ok") ? detail : "");
        para(f, "    ", "      ", t);
    } else if (!strcmp(ev, "skipped")) {
        t = hp_rig_fmt(". %s: skipped (%s)%s%s", task, detail,
                       *path ? " " : "", path);
        para(f, "    ", "      ", t);
    } else if (!strcmp(ev, "failed")) {
        t = hp_rig_fmt("! %s: FAILED%s%s", task, *detail ? ": " : "", detail);
        para(f, "    ", "      ", t);
    } else {
        t = hp_rig_fmt("! %s %s: %s", ev, task, detail);
        para(f, "    ", "      ", t);
    }
    free(t);
}

/* Already told by an event: "hostpriv: [TASK: ]DETAIL" of an event. */
static int echoed(const char *line, size_t l, const hp_rig_evlist *ev)
{
    if (l > 10 && !strncmp(line, "hostpriv: ", 10))
        line += 10, l -= 10;
    for (size_t i = 0; ev && i < ev->n; i++) {
        const char *d = hp_rig_ev_get(&ev->v[i], "detail");
        size_t dl = strlen(d);
        if (dl && l >= dl && !memcmp(line + l - dl, d, dl) &&
            (l == dl || !memcmp(line + l - dl - 2, ": ", 2)))
            return 1;
    }
    return 0;
}

/* What the program printed, a line each, minus what events told. */
static void said(FILE *f, const char *who, const char *p, size_t n,
                 const hp_rig_evlist *ev)
{
    const char *end = p + n;
    int lines = 0;
    char *first = hp_rig_fmt("    %s ", who);
    while (p < end && lines < 16) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l && !echoed(p, l, ev)) {
            size_t skip = ev && l > 10 && !strncmp(p, "hostpriv: ", 10) ? 10
                                                                       : 0;
            char *line = hp_rig_memdup(p + skip, l - skip);
            if (ev)
                para(f, first, "          ", line);
            else {      /* stdout: as printed, no wrapping */
                fputs(first, f);
                hp_rig_quote(f, line, l, 300);
                fputc('\n', f);
            }
            free(line);
            lines++;
        }
        p += l + 1;
    }
    if (p < end)
        fprintf(f, "%s...\n", first);
    free(first);
}

/* "docker, docker-compose, ..." for names[], at most 8 shown. */
static void name_list(FILE *f, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n && i < 8; i++)
        fprintf(f, "%s%s", i ? ", " : "", names[i]);
    if (n > 8)
        fprintf(f, " and %zu more", n - 8);
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Links all named like their target, in one target directory: that
 * directory (malloc'd), else NULL. */
static char *same_target_dir(const hp_rig_change *v, const size_t *idx,
                             size_t n)
{
    char *dir = NULL;
    for (size_t k = 0; k < n; k++) {
        const hp_rig_entry *e = v[idx[k]].b;
        if (e->type != 'l' || strcmp(base(e->data), base(e->path)))
            return free(dir), NULL;
        size_t dl = (size_t)(base(e->data) - e->data);
        if (!dir)
            dir = hp_rig_memdup(e->data, dl);
        else if (strlen(dir) != dl || strncmp(dir, e->data, dl))
            return free(dir), NULL;
    }
    return dir;
}

static const char *owner_name(uid_t uid, char *buf, size_t n)
{
    struct passwd *pw = getpwuid(uid);
    if (pw)
        snprintf(buf, n, "%s", pw->pw_name);
    else
        snprintf(buf, n, "%ld", (long)uid);
    return buf;
}

/* An added directory with everything added inside it, as one line. */
static void added_dir(FILE *f, const hp_rig_change *v, size_t n, size_t i,
                      char *folded)
{
    const hp_rig_entry *d = v[i].b;
    size_t dl = strlen(d->path), *idx = NULL, k = 0;
    const char **names = NULL;
    size_t nn = 0;
    for (size_t j = i + 1; j < n; j++) {
        const hp_rig_entry *e = v[j].b;
        if (v[j].kind != '+' || strncmp(e->path, d->path, dl) ||
            e->path[dl] != '/')
            continue;
        folded[j] = 1;
        if (e->type == 'd')
            continue;
        *HP_RIG_PUSH(idx, k) = j;
        *HP_RIG_PUSH(names, nn) = e->path + dl + 1;
    }
    char o[64];
    fprintf(f, "      new directory %s (owner %s, mode %04o)", d->path,
            owner_name(d->uid, o, sizeof o), (unsigned)d->mode);
    char *tdir = k ? same_target_dir(v, idx, k) : NULL;
    if (tdir) {
        fputs(", with links to ", f);
        fprintf(f, "%s*: ", tdir);
    } else if (k)
        fputs(", with ", f);
    name_list(f, names, nn);
    fputc('\n', f);
    free(tdir);
    free(idx);
    free(names);
}

/* Added links side by side in one directory, pointing into one target
 * directory under their own names: one line (the CLI links). */
static int link_group(FILE *f, const hp_rig_change *v, size_t n, size_t i,
                      char *folded)
{
    const hp_rig_entry *l = v[i].b;
    size_t pl = (size_t)(base(l->path) - l->path), *idx = NULL, k = 0;
    for (size_t j = i; j < n; j++) {
        const hp_rig_entry *e = v[j].b;
        if (v[j].kind == '+' && !folded[j] && e->type == 'l' &&
            e->uid == l->uid && !strncmp(e->path, l->path, pl) &&
            !strchr(e->path + pl, '/'))
            *HP_RIG_PUSH(idx, k) = j;
    }
    char *tdir = k > 1 ? same_target_dir(v, idx, k) : NULL;
    if (tdir) {
        const char **names = NULL;
        size_t nn = 0;
        for (size_t m = 0; m < k; m++) {
            folded[idx[m]] = 1;
            *HP_RIG_PUSH(names, nn) = base(v[idx[m]].b->path);
        }
        char o[64];
        fprintf(f, "      new links in %.*s (owner %s) to %s*: ", (int)pl - 1,
                l->path, owner_name(l->uid, o, sizeof o), tdir);
        name_list(f, names, nn);
        fputc('\n', f);
        free(names);
    }
    free(tdir);
    free(idx);
    return tdir != NULL;
}

/* Updates a reader does not need spelled out: hostpriv's undo journal, log
 * files, a pidfile's new pid. */
static int ends_with(const char *s, const char *suffix)
{
    size_t l = strlen(s), k = strlen(suffix);
    return l >= k && !strcmp(s + l - k, suffix);
}

/* Updates a reader does not need spelled out: hostpriv's undo journal, log
 * files, a pidfile's new pid. */
static int bookkeeping(const hp_rig_change *c)
{
    if (c->kind != '~' || c->a->type != 'f' || c->b->type != 'f')
        return 0;
    const char *p = c->a->path;
    return !strncmp(p, "/var/log/", 9) || ends_with(p, ".pid") ||
           ends_with(p, ".log") || ends_with(p, "/hostpriv/journal");
}

static void host_changes(FILE *f, const hp_rig_snap *before,
                         const hp_rig_snap *after)
{
    hp_rig_change *v;
    size_t n = hp_rig_snap_changes(before, after, NULL, 0, NULL, 0, &v);
    if (n == 0) {
        fputs("    on the host: nothing changed\n", f);
        return;
    }
    size_t books = 0;
    for (size_t i = 0; i < n; i++)
        books += bookkeeping(&v[i]) != 0;
    if (books == n) {
        fputs("    on the host: only bookkeeping (journal, logs, pid files)\n",
              f);
        free(v);
        return;
    }
    fputs("    on the host:\n", f);
    char *folded = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        if (folded[i])
            continue;
        const hp_rig_change *c = &v[i];
        if (bookkeeping(c))
            ;
        else if (c->kind == '+' && c->b->type == 'd')
            added_dir(f, v, n, i, folded);
        else if (c->kind == '+' && c->b->type == 'l' &&
                 link_group(f, v, n, i, folded))
            ;
        else if (c->kind == '-' && c->a->type == 'd') {
            size_t dl = strlen(c->a->path);
            for (size_t j = i + 1; j < n; j++)
                if (v[j].kind == '-' && !strncmp(v[j].a->path, c->a->path, dl)
                    && v[j].a->path[dl] == '/')
                    folded[j] = 1;
            fprintf(f, "      removed directory %s and what was in it\n",
                    c->a->path);
        } else
            hp_rig_change_print(f, c, 1, "      ");
    }
    if (books)
        fprintf(f, "      (and %zu bookkeeping update%s: journal, logs, pid "
                "files)\n", books, books == 1 ? "" : "s");
    free(folded);
    free(v);
}

void hp_rig_report_intro(hp_rig_ctx *c, const hp_rig_scenario *sc)
{
    FILE *f = c->trace;
    fputs("========================================================"
          "==============\n", f);
    fprintf(f, "%s\n", sc->name ? sc->name : sc->file);
    if (sc->version || sc->plugin)
        fprintf(f, "  emulating Docker Desktop %s%s%s%s on %s\n",
                sc->version ? sc->version : "",
                sc->plugin ? " (plugin " : "", sc->plugin ? sc->plugin : "",
                sc->plugin ? ")" : "", sc->platform ? sc->platform : "macos");
    if (sc->description)
        para(f, "  ", "  ", sc->description);
    fprintf(f, "  sandbox: %s (the host's / for this run); the app runs as "
            "'%s'\n", c->sb->root, c->sb->st->user);
    fputs("--------------------------------------------------------"
          "--------------\n", f);
}

void hp_rig_report_step(hp_rig_ctx *c, const hp_rig_step *st,
                        const hp_rig_proc *r, const hp_rig_evlist *ev,
                        const hp_rig_snap *before, const hp_rig_snap *after,
                        const char *riglog)
{
    FILE *f = c->trace;
    fputc('\n', f);
    if (st->title)
        para(f, "  ", "  ", st->title);
    fputs("  $ ", f);
    hp_rig_step_describe(f, c->sb, st);
    fputc('\n', f);
    for (const char *p = riglog; p && *p;) {
        size_t l = strcspn(p, "\n");
        char *line = hp_rig_memdup(p, l);
        para(f, "    ", "    ", line);
        free(line);
        p += l + (p[l] == '\n');
    }
    for (size_t i = 0; i < ev->n; i++)
        event_prose(f, &ev->v[i]);
    if (r) {
        said(f, "|", r->out, r->outlen, NULL);
        said(f, "hostpriv says:", r->err, r->errlen, ev);
        fprintf(f, "    exit status %d%s\n", r->status,
                r->status == 0 ? " (ok)" : r->status == 77
                ? " (declined or not permitted)" : r->status == 1
                ? " (a task failed or this version does not do it)" : "");
    }
    /* long lines of the change list wrapped; file contents kept as is */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    host_changes(m, before, after);
    fclose(m);
    for (char *p = buf; *p;) {
        size_t l = strcspn(p, "\n"), sp = strspn(p, " ");
        char *line = hp_rig_memdup(p, l);
        if (sp <= 6 && l > 76) {
            char *ind = hp_rig_memdup(p, sp), *cont = hp_rig_fmt("%s    ", ind);
            para(f, ind, cont, line + sp);
            free(ind);
            free(cont);
        } else
            fprintf(f, "%s\n", line);
        free(line);
        p += l + (p[l] == '\n');
    }
    free(buf);
}

void hp_rig_report_outro(hp_rig_ctx *c)
{
    FILE *f = c->trace;
    int up = hp_rig_helper_answers(c->sb);
    fprintf(f, "\n  afterwards: the privileged helper is %s (%s)\n",
            up ? "RUNNING" : "not running", c->sb->socket);
}
