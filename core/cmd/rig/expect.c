/* Checking expectations.  Each failure is written as the line it came from,
 * what was expected and what was found: a diff for file contents, the
 * events the step produced for an event expectation, the differences for
 * `unchanged`.  A verdict a person cannot act on is not worth printing. */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_names[] = { "exit", "stdout", "stderr", "file",
    "dir", "link", "exists", "absent", "mode", "owner", "event", "helper",
    "unchanged" };

typedef struct chk {
    hp_rig_ctx *c;
    const char *what;     /* "step 2: hostpriv start (as hptest)" */
    int failed;           /* in this call */
    const char *prefix;   /* "expect." in a step, "" in [expect] */
} chk;

/* Start a failure entry: the heading once per step, then the line. */
static FILE *fail(chk *k, const hp_rig_expect *x)
{
    FILE *f = k->c->fail;
    if (!k->failed++)
        fprintf(f, "  %s\n", k->what);
    fprintf(f, "    line %d: %s%s = %s\n", x->line, k->prefix,
            kind_names[x->kind], x->src ? x->src : "");
    k->c->nfail++;
    return f;
}

static void show_text(FILE *f, const char *label, const char *p, size_t n)
{
    fprintf(f, "      %s", label);
    if (n == 0) {
        fputs(" (empty)\n", f);
        return;
    }
    fputc('\n', f);
    size_t shown = 0;
    const char *end = p + n;
    while (p < end && shown < 25) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        fputs("        | ", f);
        hp_rig_quote(f, p, l, 300);
        fputc('\n', f);
        p += l + 1;
        shown++;
    }
    if (p < end)
        fprintf(f, "        | ... (%zu bytes more)\n", (size_t)(end - p));
}

static int text_ok(int op, const char *hay, size_t hl, const char *t,
                   size_t tl)
{
    switch (op) {
    case HP_RIG_OP_CONTAINS: return tl == 0 || memmem(hay, hl, t, tl) != NULL;
    case HP_RIG_OP_LACKS: return tl != 0 && memmem(hay, hl, t, tl) == NULL;
    default: return hl == tl && !memcmp(hay, t, tl);
    }
}

static void text_fail(chk *k, const hp_rig_expect *x, const char *what,
                      const char *hay, size_t hl)
{
    FILE *f = fail(k, x);
    if (x->op == HP_RIG_OP_EQUALS) {
        hp_rig_diff(f, x->text, x->len, hay, hl, "      ", "expected",
                    "actual");
        return;
    }
    fprintf(f, "      expected %s to %s: \"", what,
            x->op == HP_RIG_OP_CONTAINS ? "contain" : "not contain");
    hp_rig_quote(f, x->text, x->len, 300);
    fputs("\"\n", f);
    show_text(f, "actual:", hay, hl);
}

static void uid_name(FILE *f, const char *what, long id)
{
    struct passwd *pw = what[0] == 'u' ? getpwuid((uid_t)id) : NULL;
    struct group *gr = what[0] == 'g' ? getgrgid((gid_t)id) : NULL;
    fprintf(f, "%s %ld", what, id);
    if (pw || gr)
        fprintf(f, " (%s)", pw ? pw->pw_name : gr->gr_name);
}

/* A path of the sandbox, looked up without following links on the way. */
typedef struct loc {
    int dfd;                  /* its directory, -1 when unreachable */
    const char *base;
    char buf[PATH_MAX];
    int there;
    struct stat st;
} loc;

static void locate(const hp_rig_sandbox *sb, const char *hpath, loc *l)
{
    l->dfd = hp_rig_locate(sb, hpath, l->buf, sizeof l->buf, &l->base);
    l->there = l->dfd >= 0 &&
               fstatat(l->dfd, l->base, &l->st, AT_SYMLINK_NOFOLLOW) == 0;
}

static ssize_t target_of(const loc *l, char *tg, size_t n)
{
    ssize_t r = l->there && S_ISLNK(l->st.st_mode)
                ? readlinkat(l->dfd, l->base, tg, n - 1) : -1;
    tg[r < 0 ? 0 : r] = '\0';
    return r;
}

static char *contents(const loc *l, size_t *len)
{
    int fd = openat(l->dfd, l->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *p = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&p, &n);
    char buf[8192];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)r, m);
    close(fd);
    fclose(m);
    *len = n;
    return p;
}

static void describe_at(FILE *f, const loc *l)
{
    if (!l->there) {
        fprintf(f, "      actual:   nothing there%s\n", l->dfd < 0
                ? " (a directory on the way is missing or a link)" : "");
        return;
    }
    mode_t m = l->st.st_mode;
    const char *t = S_ISREG(m) ? "a file" : S_ISDIR(m) ? "a directory"
                  : S_ISLNK(m) ? "a link" : S_ISSOCK(m) ? "a socket"
                  : "a special file";
    fprintf(f, "      actual:   %s", t);
    if (S_ISLNK(m)) {
        char tg[PATH_MAX];
        target_of(l, tg, sizeof tg);
        fprintf(f, " -> %s", tg);
    } else
        fprintf(f, ", mode %04o", (unsigned)(m & 07777));
    fputs(", ", f);
    uid_name(f, "uid", (long)l->st.st_uid);
    fputs(", ", f);
    uid_name(f, "gid", (long)l->st.st_gid);
    fputc('\n', f);
}

/* "expected: ..." then "actual: ..." for a path expectation. */
static void path_fail(chk *k, const hp_rig_expect *x, const loc *l)
{
    FILE *f = fail(k, x);
    fputs("      expected: ", f);
    switch (x->kind) {
    case HP_RIG_EX_ABSENT: fputs("nothing there", f); break;
    case HP_RIG_EX_EXISTS: fputs("something there", f); break;
    case HP_RIG_EX_DIR: fputs("a directory", f); break;
    case HP_RIG_EX_LINK:
        fprintf(f, "a link%s%s", x->text ? " -> " : "",
                x->text ? x->text : "");
        break;
    case HP_RIG_EX_MODE: fprintf(f, "mode %04lo", x->num); break;
    case HP_RIG_EX_OWNER: {
        uid_t uid = 0;
        gid_t gid = 0;
        hp_rig_owner(x->text, &uid, &gid);
        fprintf(f, "owner %s (", x->text);
        uid_name(f, "uid", (long)uid);
        if (strchr(x->text, ':')) {
            fputs(", ", f);
            uid_name(f, "gid", (long)gid);
        }
        fputc(')', f);
        break;
    }
    default: fputs("a regular file", f);
    }
    fputc('\n', f);
    describe_at(f, l);
}

static int path_ok(chk *k, const hp_rig_expect *x, const loc *l)
{
    const struct stat *st = &l->st;
    switch (x->kind) {
    case HP_RIG_EX_ABSENT: return !l->there;
    case HP_RIG_EX_EXISTS: return l->there;
    case HP_RIG_EX_DIR: return l->there && S_ISDIR(st->st_mode);
    case HP_RIG_EX_LINK: {
        char tg[PATH_MAX];
        return target_of(l, tg, sizeof tg) >= 0 &&
               (!x->text || !strcmp(tg, x->text));
    }
    case HP_RIG_EX_MODE:
        return l->there && (long)(st->st_mode & 07777) == x->num;
    case HP_RIG_EX_OWNER: {
        uid_t uid;
        gid_t gid;
        if (hp_rig_owner(x->text, &uid, &gid)) {
            fprintf(fail(k, x), "      no such user or group '%s'\n",
                    x->text);
            return 1;   /* reported */
        }
        return l->there && st->st_uid == uid &&
               (!strchr(x->text, ':') || st->st_gid == gid);
    }
    default:   /* HP_RIG_EX_FILE */
        if (!l->there || !S_ISREG(st->st_mode))
            return 0;
        if (x->op != HP_RIG_OP_NONE) {
            size_t len;
            char *data = contents(l, &len);
            if (!data)
                fprintf(fail(k, x), "      cannot read: %s\n",
                        strerror(errno));
            else if (!text_ok(x->op, data, len, x->text, x->len))
                text_fail(k, x, "the file", data, len);
            free(data);
        }
        return 1;
    }
}

static void check_path(chk *k, const hp_rig_expect *x)
{
    loc l;
    locate(k->c->sb, x->path, &l);
    if (!path_ok(k, x, &l))
        path_fail(k, x, &l);
    if (l.dfd >= 0)
        close(l.dfd);
}

static int ev_match(const hp_rig_sandbox *sb, const hp_rig_expect *x,
                    const hp_rig_event *e)
{
    if (strcmp(x->text, "*") && strcmp(x->text, e->f[0]))
        return 0;
    for (size_t i = 0; i < x->nev; i++) {
        const char *v = hp_rig_ev_get(e, x->ev[i].field), *want = x->ev[i].value;
        char home[PATH_MAX];
        /* path=~/.docker/bin: events carry host paths, so expand ~ */
        if (!strcmp(x->ev[i].field, "path") && want[0] == '~' &&
            (want[1] == '/' || !want[1]) &&
            hp_rig_hpath(sb, want, home, sizeof home) == 0)
            want = home;
        if (x->ev[i].contains ? !strstr(v, want) : strcmp(v, want))
            return 0;
    }
    return 1;
}

static void check_event(chk *k, const hp_rig_expect *x,
                        const hp_rig_evlist *ev)
{
    long n = 0;
    for (size_t i = 0; ev && i < ev->n; i++)
        n += ev_match(k->c->sb, x, &ev->v[i]);
    if (x->num == HP_RIG_AT_LEAST_ONE ? n >= 1 : n == x->num)
        return;
    FILE *f = fail(k, x);
    if (x->num == HP_RIG_AT_LEAST_ONE)
        fputs("      expected at least one matching event, found none\n", f);
    else
        fprintf(f, "      expected %ld matching event(s), found %ld\n", x->num,
                n);
    fprintf(f, "      events seen%s:\n", k->prefix[0] ? " in this step"
                                                      : " in the scenario");
    if (!ev || ev->n == 0)
        fputs("        (none)\n", f);
    for (size_t i = 0; ev && i < ev->n; i++)
        hp_rig_event_print(f, &ev->v[i], "        ");
}

static void check_unchanged(chk *k, const hp_rig_expect *x)
{
    hp_rig_ctx *c = k->c;
    const hp_rig_snap *old = NULL;
    for (size_t i = 0; i < c->nsnaps; i++)
        if (!strcmp(c->snaps[i].name, x->text))
            old = &c->snaps[i];
    if (!old) {
        fprintf(fail(k, x), "      no snapshot named '%s' was taken before "
                "this point (a step's snapshot = NAME takes one)\n", x->text);
        return;
    }
    char **paths = calloc(x->npaths + 1, sizeof *paths);
    char **ign = calloc(x->nignore + 1, sizeof *ign);
    for (size_t i = 0; i < x->npaths; i++) {
        paths[i] = malloc(PATH_MAX);
        hp_rig_hpath(c->sb, x->paths[i], paths[i], PATH_MAX);
    }
    for (size_t i = 0; i < x->nignore; i++) {
        ign[i] = malloc(PATH_MAX);
        hp_rig_hpath(c->sb, x->ignore[i], ign[i], PATH_MAX);
    }
    hp_rig_snap now;
    hp_rig_snap_take(c->sb->root, "now", &now);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    size_t d = hp_rig_snap_diff(m, old, &now, paths, x->npaths, ign,
                                x->nignore, "      ");
    fclose(m);
    if (d) {
        FILE *f = fail(k, x);
        fprintf(f, "      %zu difference(s) from snapshot '%s':\n", d,
                x->text);
        fputs(buf, f);
    }
    free(buf);
    hp_rig_snap_free(&now);
    for (size_t i = 0; i < x->npaths; i++)
        free(paths[i]);
    for (size_t i = 0; i < x->nignore; i++)
        free(ign[i]);
    free(paths);
    free(ign);
}

static void check_one(chk *k, const hp_rig_expect *x, const hp_rig_proc *r,
                      const hp_rig_evlist *ev)
{
    switch (x->kind) {
    case HP_RIG_EX_EXIT:
        if (x->num != HP_RIG_ANY_EXIT && r && r->status != x->num)
            fprintf(fail(k, x), "      expected: exit %ld\n      actual:   "
                    "exit %d\n", x->num, r->status);
        return;
    case HP_RIG_EX_STDOUT:
    case HP_RIG_EX_STDERR: {
        int out = x->kind == HP_RIG_EX_STDOUT;
        const char *p = r ? (out ? r->out : r->err) : "";
        size_t n = r ? (out ? r->outlen : r->errlen) : 0;
        if (!text_ok(x->op, p, n, x->text, x->len))
            text_fail(k, x, out ? "stdout" : "stderr", p, n);
        return;
    }
    case HP_RIG_EX_EVENT:
        check_event(k, x, ev);
        return;
    case HP_RIG_EX_HELPER: {
        int want = !strcmp(x->text, "running");
        int is = hp_rig_helper_answers(k->c->sb);
        if (want != is)
            fprintf(fail(k, x), "      expected: the helper %s on %s\n"
                    "      actual:   it %s\n", want ? "answers" : "is silent",
                    k->c->sb->socket, is ? "answers" : "does not answer");
        return;
    }
    case HP_RIG_EX_UNCHANGED:
        check_unchanged(k, x);
        return;
    default:
        check_path(k, x);
    }
}

int hp_rig_check(hp_rig_ctx *c, const hp_rig_step *st, const hp_rig_expect *ex,
                 size_t nex, const hp_rig_proc *r, const hp_rig_evlist *ev,
                 const char *what)
{
    chk k = { .c = c, .what = what, .prefix = st ? "expect." : "" };
    int runs = st && (st->kind == HP_RIG_ST_HOSTPRIV ||
                      st->kind == HP_RIG_ST_SH);
    if (runs && r && r->timed_out) {
        fprintf(c->fail, "  %s\n    timed out after %d s: the process group "
                "was killed\n", what, st->timeout);
        k.failed++;
        c->nfail++;
    }
    /* a step that runs a command is expected to exit 0 unless it says */
    int has_exit = 0;
    for (size_t i = 0; i < nex; i++)
        has_exit |= ex[i].kind == HP_RIG_EX_EXIT;
    if (runs && r && !r->timed_out && !has_exit && r->status != 0) {
        hp_rig_expect dflt = { .kind = HP_RIG_EX_EXIT, .line = st->line,
                               .num = 0, .src = "0 (the default)" };
        check_one(&k, &dflt, r, ev);
    }
    for (size_t i = 0; ev && i < ev->nbad; i++) {
        FILE *f = k.failed++ ? c->fail : (fprintf(c->fail, "  %s\n", what),
                                          c->fail);
        fprintf(f, "    the events file has a line that is not a contract "
                "event:\n      %s\n", ev->bad[i]);
        c->nfail++;
    }
    for (size_t i = 0; i < nex; i++)
        check_one(&k, &ex[i], r, ev);
    if (k.failed && runs && r) {
        show_text(c->fail, "stdout of the step:", r->out, r->outlen);
        show_text(c->fail, "stderr of the step:", r->err, r->errlen);
    }
    return k.failed ? -1 : 0;
}
