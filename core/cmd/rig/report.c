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

/* Text as a person reads it: wrapped at 76 columns under the indent,
 * in quotes for a prompt's message. */
static void wrapped(FILE *f, const char *s, const char *ind, int quote)
{
    size_t il = strlen(ind) + (size_t)quote, col = il, width = 76;
    fprintf(f, "%s%s", ind, quote ? "\"" : "");
    int first = 1;
    while (*s) {
        s += strspn(s, " \n");
        size_t w = strcspn(s, " \n");
        if (!w)
            break;
        if (!first && col + 1 + w > width) {
            fprintf(f, "\n%s%s", ind, quote ? " " : "");
            col = il;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        hp_rig_quote(f, s, w, 400);
        col += w;
        s += w;
        first = 0;
    }
    fprintf(f, "%s\n", quote ? "\"" : "");
}

static void event_prose(FILE *f, const hp_rig_event *e)
{
    const char *ev = e->f[0], *task = task_prose(hp_rig_ev_get(e, "task"));
    const char *via = hp_rig_ev_get(e, "via"), *path = hp_rig_ev_get(e, "path");
    const char *detail = hp_rig_ev_get(e, "detail");
    if (!strcmp(ev, "prompt")) {
        fprintf(f, "    ? prompt about %s:\n", task);
        wrapped(f, detail, "        ", 1);
    } else if (!strcmp(ev, "granted"))
        fputs("      -> the user answers YES\n", f);
    else if (!strcmp(ev, "declined"))
        fprintf(f, "      -> the user answers NO%s%s\n", *detail ? ": " : "",
                detail);
    else if (!strcmp(ev, "timed-out"))
        fputs("      -> nobody answers: the prompt times out (counts as "
              "no)\n", f);
    else if (!strcmp(ev, "done")) {
        fprintf(f, "    + %s: done %s", task, via_prose(via));
        if (*path)
            fprintf(f, " (%s)", path);
        if (*detail && strcmp(detail, "ok"))
            fprintf(f, " - %s", detail);
        fputc('\n', f);
    } else if (!strcmp(ev, "skipped"))
        fprintf(f, "    . %s: skipped (%s)%s%s\n", task, detail,
                *path ? " " : "", path);
    else if (!strcmp(ev, "failed")) {
        fprintf(f, "    ! %s: FAILED", task);
        if (*detail) {
            fputs(": ", f);
            hp_rig_quote(f, detail, strlen(detail), 400);
        }
        fputc('\n', f);
    } else
        fprintf(f, "    ! %s %s: %s\n", ev, task, detail);
}

static void said(FILE *f, const char *who, const char *p, size_t n)
{
    const char *end = p + n;
    int lines = 0;
    while (p < end && lines < 12) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l) {
            fprintf(f, "    %s ", who);
            hp_rig_quote(f, p, l, 300);
            fputc('\n', f);
            lines++;
        }
        p += l + 1;
    }
    if (p < end)
        fprintf(f, "    %s ...\n", who);
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

static void host_changes(FILE *f, const hp_rig_snap *before,
                         const hp_rig_snap *after)
{
    hp_rig_change *v;
    size_t n = hp_rig_snap_changes(before, after, NULL, 0, NULL, 0, &v);
    if (n == 0) {
        fputs("    on the host: nothing changed\n", f);
        return;
    }
    fputs("    on the host:\n", f);
    char *folded = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        if (folded[i])
            continue;
        const hp_rig_change *c = &v[i];
        if (c->kind == '+' && c->b->type == 'd')
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
        wrapped(f, sc->description, "  ", 0);
    fprintf(f, "  sandbox: %s (the host's / for this run); the app runs as "
            "'%s'\n", c->sb->root, c->sb->st->user);
    fputs("--------------------------------------------------------"
          "--------------\n", f);
}

void hp_rig_report_step(hp_rig_ctx *c, const hp_rig_step *st,
                        const hp_rig_proc *r, const hp_rig_evlist *ev,
                        const hp_rig_snap *before, const hp_rig_snap *after)
{
    FILE *f = c->trace;
    fputc('\n', f);
    if (st->title)
        wrapped(f, st->title, "  ", 0);
    fputs("  $ ", f);
    hp_rig_step_describe(f, c->sb, st);
    fputc('\n', f);
    for (size_t i = 0; i < ev->n; i++)
        event_prose(f, &ev->v[i]);
    if (r) {
        said(f, "|", r->out, r->outlen);
        said(f, "!", r->err, r->errlen);
        fprintf(f, "    exit status %d%s\n", r->status,
                r->status == 0 ? " (ok)" : r->status == 77
                ? " (declined or not permitted)" : r->status == 1
                ? " (a task failed or this version does not do it)" : "");
    }
    host_changes(f, before, after);
}

void hp_rig_report_outro(hp_rig_ctx *c)
{
    FILE *f = c->trace;
    int up = hp_rig_helper_answers(c->sb);
    fprintf(f, "\n  afterwards: the privileged helper is %s (%s)\n",
            up ? "RUNNING" : "not running", c->sb->socket);
}
