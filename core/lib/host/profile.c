/* Shell-profile PATH editing: ~/.docker/bin on PATH in the user's login
 * profile, inside markers.
 *
 * The block is HP_PROFILE_BEGIN, the snippet lines, HP_PROFILE_END.  Lines
 * we write always end in "\n": shells on Unix read "\r" as part of a word,
 * so a CRLF line of ours would be a broken one.  Everything outside the
 * block is kept byte for byte.
 *
 * The separator rule is the hosts editor's (hostsfile.c): when the file
 * does not end in a newline we add one before the block and write the end
 * marker without one, as the file's last bytes; remove sees "block at EOF,
 * end marker unterminated" and takes that newline away again, so
 * add-then-remove is byte-identical.
 *
 * PATH is written in $HOME form when bindir is under the home directory,
 * so the home's own bytes (a space, a newline, quotes) never reach the
 * file; other directories are quoted for the shell, and a bindir with
 * control bytes or ':' (PATH's separator) is refused.
 *
 * The file functions run as the user: a root process refuses to edit a
 * home it does not own (the caller wraps the call in hp_as_user; out
 * parameters then come back only through memory the child shares).  A
 * profile that is the caller's own symlink (dotfile managers) is followed
 * and its target edited; created directories (~/.config/fish) are not
 * journaled here, the caller records what it needs to undo. */
#include "profile.h"
#include "atomicfile.h"
#include "base/textline.h"
#include "safepath.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROFILE_MAX (4u * 1024 * 1024)
#define SNIPPET_MAX 8192

/* 1 begin, 2 end, 0 other: the content, trailing blanks aside. */
static int marker_kind(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n == strlen(HP_PROFILE_BEGIN) && !memcmp(s, HP_PROFILE_BEGIN, n))
        return 1;
    if (n == strlen(HP_PROFILE_END) && !memcmp(s, HP_PROFILE_END, n))
        return 2;
    return 0;
}

struct block {
    int found;
    hp_line beg, end;
    size_t prev_term;           /* terminator of the line before begin */
};

/* Find our block; HP_EFAIL for missing, duplicated, reversed or nested
 * markers (deleting lines between wrong markers could eat the user's). */
static int find_block(const char *t, size_t len, struct block *b, hp_err *e)
{
    size_t nb = 0, ne = 0, lb = 0, le = 0, lineno = 0, prev = 0;
    memset(b, 0, sizeof *b);
    for (size_t pos = 0; pos < len;) {
        hp_line l;
        pos = hp_next_line(t, len, pos, &l);
        lineno++;
        int k = l.len && t[l.off] == '#' ? marker_kind(t + l.off, l.len) : 0;
        if (k == 1 && nb++ == 0) {
            b->beg = l;
            b->prev_term = prev;
            lb = lineno;
        } else if (k == 2 && ne++ == 0) {
            b->end = l;
            le = lineno;
        }
        prev = l.term;
    }
    if (nb == 0 && ne == 0)
        return HP_OK;
    if (nb == 1 && ne == 1 && le > lb) {
        b->found = 1;
        return HP_OK;
    }
    if (nb > 1 || ne > 1)
        return hp_err_set(e, HP_EFAIL, "profile has the hostpriv markers "
            "more than once (begin %zu times, end %zu times): remove the "
            "extra '%s' / '%s' lines by hand, then retry", nb, ne,
            HP_PROFILE_BEGIN, HP_PROFILE_END);
    if (ne == 0 || nb == 0)
        return hp_err_set(e, HP_EFAIL, "profile has '%s' (line %zu) without "
            "its partner: fix or remove it by hand, then retry",
            ne ? HP_PROFILE_END : HP_PROFILE_BEGIN, ne ? le : lb);
    return hp_err_set(e, HP_EFAIL, "profile has the hostpriv end marker "
        "(line %zu) before the begin marker (line %zu): fix them by hand, "
        "then retry", le, lb);
}

const char *hp_profile_file(int homefd, const char *shell)
{
    const char *b = shell ? strrchr(shell, '/') : NULL;
    struct stat st;
    b = b ? b + 1 : shell ? shell : "";
    if (*b == '-')              /* login shells show up as "-zsh" */
        b++;
    if (strcmp(b, "zsh") == 0)
        return ".zprofile";
    if (strcmp(b, "fish") == 0)
        return ".config/fish/config.fish";
    if (strcmp(b, "bash") == 0 && homefd >= 0 &&
        fstatat(homefd, ".bash_profile", &st, AT_SYMLINK_NOFOLLOW) == 0)
        return ".bash_profile";
    return ".profile";
}

static int is_fish(const char *shell)
{
    const char *b = shell ? strrchr(shell, '/') : NULL;
    b = b ? b + 1 : shell ? shell : "";
    return strcmp(b + (*b == '-'), "fish") == 0;
}

/* Bytes every shell takes literally, unquoted or in double quotes. */
static int plain(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789/._+-@%,=") == strlen(s);
}

static int bindir_check(const char *bindir, hp_err *e)
{
    if (!bindir || !*bindir)
        return hp_err_set(e, HP_EUSAGE, "PATH directory is empty");
    for (const char *p = bindir; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return hp_err_set(e, HP_EUSAGE, "PATH directory has control "
                "byte \\x%02x at offset %zu: it would inject a line into the "
                "profile", c, (size_t)(p - bindir));
        if (c == ':')
            return hp_err_set(e, HP_EUSAGE, "PATH directory '%s' has ':', "
                              "PATH's separator", bindir);
    }
    if (strncmp(bindir, "$HOME/", 6) != 0 && strcmp(bindir, "$HOME") != 0 &&
        bindir[0] != '/')
        return hp_err_set(e, HP_EUSAGE, "PATH directory '%s' is neither "
                          "absolute nor under $HOME", bindir);
    return HP_OK;
}

/* Single-quote s for POSIX sh ('\'' for a quote) or fish (\' and \\). */
static int quote(char *o, size_t n, const char *s, int fish)
{
    size_t k = 0;
    if (k < n)
        o[k++] = '\'';
    for (; *s && k + 5 < n; s++) {
        if (*s == '\'' && !fish) {
            memcpy(o + k, "'\\''", 4);
            k += 4;
        } else {
            if (fish && (*s == '\'' || *s == '\\'))
                o[k++] = '\\';
            o[k++] = *s;
        }
    }
    if (*s || k + 2 > n)
        return -1;
    o[k++] = '\'';
    o[k] = '\0';
    return 0;
}

int hp_profile_snippet(const char *shell, const char *bindir, char *out,
                       size_t n)
{
    if (bindir_check(bindir, NULL) != HP_OK)
        return HP_EUSAGE;
    int fish = is_fish(shell);
    int home = strncmp(bindir, "$HOME", 5) == 0;
    const char *rest = home ? bindir + 5 : bindir;
    int w;
    if (plain(rest)) {
        w = fish ? snprintf(out, n, "set -gx PATH %s%s $PATH\n",
                            home ? "$HOME" : "", rest)
                 : snprintf(out, n, "export PATH=\"%s%s:$PATH\"\n",
                            home ? "$HOME" : "", rest);
    } else {
        /* "$HOME" stays a variable; only the literal rest is quoted */
        char q[SNIPPET_MAX];
        if (quote(q, sizeof q, rest, fish) != 0)
            return HP_EUSAGE;
        w = fish ? snprintf(out, n, "set -gx PATH %s%s $PATH\n",
                            home ? "\"$HOME\"" : "", q)
                 : snprintf(out, n, "export PATH=%s%s\":$PATH\"\n",
                            home ? "\"$HOME\"" : "", q);
    }
    return w < 0 || (size_t)w >= n ? HP_EUSAGE : HP_OK;
}

/* The snippet becomes lines of the block: it must not be able to end the
 * block early or hide a NUL/CR. */
static int snippet_check(const char *s, hp_err *e)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || s[n - 1] != '\n' || strchr(s, '\r'))
        return hp_err_set(e, HP_EUSAGE, "profile snippet must be non-empty "
                          "LF-terminated lines");
    for (size_t pos = 0; pos < n;) {
        hp_line l;
        pos = hp_next_line(s, n, pos, &l);
        if (marker_kind(s + l.off, l.len))
            return hp_err_set(e, HP_EUSAGE, "profile snippet contains a "
                              "hostpriv marker line");
    }
    return HP_OK;
}

int hp_profile_add(const char *text, size_t len, const char *snippet,
                   char **out, size_t *outlen, hp_err *e)
{
    struct block b;
    *out = NULL;
    *outlen = 0;
    int r = snippet_check(snippet, e);
    if (!r)
        r = find_block(text, len, &b, e);
    if (r)
        return r;
    size_t sn = strlen(snippet), bl = strlen(HP_PROFILE_BEGIN),
           el = strlen(HP_PROFILE_END);
    size_t from, to;            /* the bytes the new block text replaces */
    if (b.found) {
        from = b.beg.off + b.beg.len + b.beg.term;
        to = b.end.off;
        if (to - from == sn && memcmp(text + from, snippet, sn) == 0)
            return HP_OK;       /* already there: write nothing */
    } else {
        from = to = len;
    }
    int sep = !b.found && len > 0 && text[len - 1] != '\n';
    char *p = malloc(len + sn + bl + el + 4);
    if (!p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "profile edit");
    size_t k = 0;
    memcpy(p, text, from);
    k = from;
    if (!b.found) {
        if (sep)
            p[k++] = '\n';
        memcpy(p + k, HP_PROFILE_BEGIN "\n", bl + 1);
        k += bl + 1;
    }
    memcpy(p + k, snippet, sn);
    k += sn;
    if (!b.found) {
        memcpy(p + k, HP_PROFILE_END, el);
        k += el;
        if (!sep)               /* unterminated end = the separator is ours */
            p[k++] = '\n';
    }
    memcpy(p + k, text + to, len - to);
    k += len - to;
    p[k] = '\0';
    *out = p;
    *outlen = k;
    return HP_OK;
}

int hp_profile_remove(const char *text, size_t len, char **out,
                      size_t *outlen, hp_err *e)
{
    struct block b;
    *out = NULL;
    *outlen = 0;
    int r = find_block(text, len, &b, e);
    if (r || !b.found)
        return r;
    size_t from = b.beg.off, to = b.end.off + b.end.len + b.end.term;
    if (to == len && b.end.term == 0 && from > 0 && b.beg.term > 0 &&
        b.prev_term >= b.beg.term)
        from -= b.beg.term;     /* the separator add put there */
    char *p = malloc(len - (to - from) + 1);
    if (!p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "profile edit");
    memcpy(p, text, from);
    memcpy(p + from, text + to, len - to);
    *outlen = len - (to - from);
    p[*outlen] = '\0';
    *out = p;
    return HP_OK;
}

/* ---- file level ---------------------------------------------------- */

/* A root process never writes into a home a user owns (identity.h). */
static int owner_only(int dirfd, const char *what, hp_err *e)
{
    struct stat st;
    if (geteuid() != 0)
        return HP_OK;
    if (fstat(dirfd, &st) != 0)
        return hp_err_sys(e, HP_EFAIL, errno, "%s", what);
    if (st.st_uid == 0)
        return HP_OK;
    return hp_err_set(e, HP_EINTERNAL, "%s belongs to uid %u: the profile "
                      "is edited as that user (hp_as_user), never as root",
                      what, (unsigned)st.st_uid);
}

typedef int (*xform_fn)(const char *text, size_t len, char **out,
                        size_t *outlen, hp_err *e, const void *arg);

/* Read, transform and replace under the directory lock; a foreign editor
 * between read and write (hp_af_replace's expect check) gets one retry. */
static int edit(int dirfd, const char *leaf, xform_fn fn, const void *arg,
                int *changed, hp_err *e)
{
    for (int attempt = 0;; attempt++) {
        char *data = NULL, *out = NULL;
        size_t len = 0, outlen = 0;
        struct stat st, now;
        int exists = 1;
        int r = hp_af_read(dirfd, leaf, PROFILE_MAX, &data, &len, &st, e);
        if (r != HP_OK && e->sys == ENOENT) {
            hp_err_clear(e);
            exists = 0;
            r = HP_OK;
        }
        if (r == HP_OK)
            r = fn(exists ? data : "", len, &out, &outlen, e, arg);
        free(data);
        if (r != HP_OK || !out)
            return r;
        hp_af_opts o = { .mode = 0644, .uid = (uid_t)-1, .gid = (gid_t)-1,
                         .create = !exists, .expect = exists ? &st : NULL };
        r = hp_af_replace(dirfd, leaf, out, outlen, &o, e);
        free(out);
        if (r == HP_OK) {
            *changed = 1;
            return HP_OK;
        }
        int gone = fstatat(dirfd, leaf, &now, AT_SYMLINK_NOFOLLOW) != 0;
        int moved = exists ? gone || now.st_ino != st.st_ino ||
                                 now.st_size != st.st_size ||
                                 now.st_mtim.tv_sec != st.st_mtim.tv_sec ||
                                 now.st_mtim.tv_nsec != st.st_mtim.tv_nsec
                           : !gone;
        if (attempt > 0 || !moved)
            return r;
        hp_err_clear(e);
    }
}

/* Open the profile's directory.  Dotfile managers (stow, chezmoi, yadm)
 * make ~/.zprofile a symlink into a repository; a link the caller owns is
 * followed (its target walked again by safepath), since editing it is what
 * the caller could do anyway.  Anyone else's link is left alone. */
static int open_profile(int rootfd, const char *hpath, int *dirfd,
                        char leaf[256], hp_err *e)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", hpath);
    for (int hop = 0;; hop++) {
        struct stat st;
        char tgt[PATH_MAX], next[PATH_MAX];
        int r = hp_sp_open_parent(rootfd, path, dirfd, leaf, e);
        if (r || fstatat(*dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISLNK(st.st_mode))
            return r;
        ssize_t n = readlinkat(*dirfd, leaf, tgt, sizeof tgt - 1);
        close(*dirfd);
        *dirfd = -1;
        if (st.st_uid != geteuid() || n <= 0 || hop >= 8)
            return hp_err_set(e, HP_EFAIL, "%s is a symlink %s: not "
                              "following it", path, hop >= 8 ? "loop"
                              : "owned by someone else");
        tgt[n] = '\0';
        int dl = (int)(strrchr(path, '/') - path);
        if ((tgt[0] == '/' ? snprintf(next, sizeof next, "%s", tgt)
                           : snprintf(next, sizeof next, "%.*s/%s", dl, path,
                                      tgt)) >= (int)sizeof next)
            return hp_err_set(e, HP_EFAIL, "%s: link target too long", path);
        memcpy(path, next, sizeof path);
    }
}

/* missing_ok: a missing directory means there is nothing to remove. */
static int edit_file(int rootfd, const char *hpath, xform_fn fn,
                     const void *arg, int missing_ok, int *changed,
                     hp_err *e)
{
    int dirfd = -1, r;
    char leaf[256];
    if ((r = open_profile(rootfd, hpath, &dirfd, leaf, e))) {
        if (missing_ok && e->sys == ENOENT) {
            hp_err_clear(e);
            return HP_OK;
        }
        return r;
    }
    if ((r = owner_only(dirfd, hpath, e))) {
        close(dirfd);
        return r;
    }
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    r = edit(dirfd, leaf, fn, arg, changed, e);
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}

static int add_fn(const char *t, size_t len, char **out, size_t *outlen,
                  hp_err *e, const void *arg)
{
    return hp_profile_add(t, len, arg, out, outlen, e);
}

static int remove_fn(const char *t, size_t len, char **out, size_t *outlen,
                     hp_err *e, const void *arg)
{
    (void)arg;
    return hp_profile_remove(t, len, out, outlen, e);
}

/* home without trailing slashes, length returned; 0 when not absolute. */
static size_t home_len(const char *home)
{
    size_t n = home ? strlen(home) : 0;
    if (n == 0 || home[0] != '/')
        return 0;
    while (n > 1 && home[n - 1] == '/')
        n--;
    return n;
}

/* bindir in $HOME form when it lies under home. */
static int home_form(const char *home, size_t hl, const char *bindir,
                     char *out, size_t n)
{
    const char *rest = NULL;
    if (hl > 1 && strncmp(bindir, home, hl) == 0 &&
        (bindir[hl] == '/' || bindir[hl] == '\0'))
        rest = bindir + hl;
    int w = rest ? snprintf(out, n, "$HOME%s", rest)
                 : snprintf(out, n, "%s", bindir);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The profile file of home for shell (host path into file) and the block
 * body that puts bindir on PATH (snip); *rel points into the file name. */
static int plan(int rootfd, const char *home, const char *shell,
                const char *bindir, char *file, size_t filesz, char *snip,
                size_t snipsz, const char **rel, hp_err *e)
{
    char form[PATH_MAX];
    size_t hl = home_len(home);
    int homefd = -1, r;
    if (!hl)
        return hp_err_set(e, HP_EUSAGE, "home directory must be an absolute "
                          "path");
    if (home_form(home, hl, bindir ? bindir : "", form, sizeof form) != 0)
        return hp_err_set(e, HP_EUSAGE, "PATH directory too long");
    if ((r = bindir_check(form, e)))
        return r;
    if (hp_profile_snippet(shell, form, snip, snipsz) != HP_OK)
        return hp_err_set(e, HP_EUSAGE, "PATH directory too long to quote");
    if ((r = hp_sp_open_dir(rootfd, home, &homefd, e)))
        return r;
    r = owner_only(homefd, home, e);
    const char *name = hp_profile_file(homefd, shell);
    close(homefd);
    if (r)
        return r;
    if (snprintf(file, filesz, "%.*s/%s", (int)hl, home, name) >=
        (int)filesz)
        return hp_err_set(e, HP_EUSAGE, "profile path too long");
    *rel = file + hl + 1;
    return HP_OK;
}

int hp_profile_check_file(int rootfd, const char *home, const char *shell,
                          const char *bindir, int *has, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    char file[PATH_MAX], snip[SNIPPET_MAX], leaf[256], *data = NULL;
    const char *rel;
    size_t len = 0;
    struct stat st;
    struct block b;
    int dirfd = -1;
    if (!e)
        e = &tmp;
    *has = 0;
    int r = plan(rootfd, home, shell, bindir, file, sizeof file, snip,
                 sizeof snip, &rel, e);
    if (r == HP_OK)
        r = open_profile(rootfd, file, &dirfd, leaf, e);
    if (r == HP_OK)
        r = hp_af_read(dirfd, leaf, PROFILE_MAX, &data, &len, &st, e);
    if (dirfd >= 0)
        close(dirfd);
    if (r != HP_OK && e->sys == ENOENT) {
        hp_err_clear(e);        /* no profile (yet): not on PATH */
        return HP_OK;
    }
    if (r == HP_OK)
        r = find_block(data, len, &b, e);
    if (r == HP_OK && b.found) {
        size_t from = b.beg.off + b.beg.len + b.beg.term, n = strlen(snip);
        *has = b.end.off - from == n && memcmp(data + from, snip, n) == 0;
    }
    free(data);
    return r;
}

int hp_profile_ensure_file(int rootfd, const char *home, const char *shell,
                           const char *bindir, char *file, size_t filesz,
                           int *changed, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    char snip[SNIPPET_MAX];
    size_t hl = home_len(home);
    const char *rel;
    int r;
    if (!e)
        e = &tmp;
    *changed = 0;
    if ((r = plan(rootfd, home, shell, bindir, file, filesz, snip,
                  sizeof snip, &rel, e)))
        return r;
    const char *slash = strrchr(rel, '/');
    if (slash) {                /* fish: ~/.config/fish, as the user */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%.*s/%.*s", (int)hl, home,
                 (int)(slash - rel), rel);
        if ((r = hp_sp_mkdir_p(rootfd, dir, 0755, (uid_t)-1, (gid_t)-1,
                               NULL, e)))
            return r;
    }
    return edit_file(rootfd, file, add_fn, snip, 0, changed, e);
}

int hp_profile_remove_file(int rootfd, const char *home, const char *file,
                           int *changed, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    size_t hl = home_len(home);
    if (!e)
        e = &tmp;
    *changed = 0;
    /* only ever a file inside this home: no "..", no other tree */
    if (!hl || !file || strncmp(file, home, hl) != 0 || file[hl] != '/' ||
        strstr(file, "/../") || strstr(file, "/./") ||
        (strlen(file) >= 3 && !strcmp(file + strlen(file) - 3, "/..")))
        return hp_err_set(e, HP_EUSAGE, "profile '%s' is not a file inside "
                          "the home directory %s", file ? file : "(null)",
                          home ? home : "(null)");
    return edit_file(rootfd, file, remove_fn, NULL, 1, changed, e);
}
