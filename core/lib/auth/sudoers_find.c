/* Finding the installed rule: the lines of the sudoers files that give a
 * user a command at one path, compared with the rule wanted.  Only what
 * tells one rule from another is parsed (logical lines, comments, words);
 * whether sudo would grant it is sudo's to say (`sudo -l`). */
#include "sudoers.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (1024 * 1024)

struct scan {
    const char *user, *path;
    char want[HP_SUDOERS_RULE_MAX];     /* folded */
    hp_sudoers_hit *hits;
    size_t max, count;
};

/* Words joined by one space; a comment ('#' starting a word, not "#123",
 * which is a uid) ends the line. */
static void fold(const char *s, size_t len, char *out, size_t n)
{
    size_t o = 0;
    int word = 0;
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        char ch = s[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            word = 0;
            continue;
        }
        if (!word && ch == '#' && !(i + 1 < len && s[i + 1] >= '0' &&
                                    s[i + 1] <= '9'))
            break;
        if (!word && o)
            out[o++] = ' ';
        out[o++] = ch;
        word = 1;
    }
    out[o] = '\0';
}

/* 1 when the folded line is a rule of s->user naming s->path. */
static int names_path(const struct scan *s, const char *line)
{
    size_t ul = strlen(s->user), pl = strlen(s->path);
    if (strncmp(line, s->user, ul) || line[ul] != ' ')
        return 0;
    for (const char *p = line; (p = strstr(p, s->path)); p += pl)
        if ((p == line || p[-1] == ' ') &&
            (p[pl] == '\0' || p[pl] == ' ' || p[pl] == ','))
            return 1;
    return 0;
}

static void hit(struct scan *s, const char *file, int line, const char *text,
                const char *ignored)
{
    if (s->count < s->max) {
        hp_sudoers_hit *h = &s->hits[s->count];
        snprintf(h->file, sizeof h->file, "%s", file);
        h->line = line;
        snprintf(h->text, sizeof h->text, "%s", text);
        h->exact = strcmp(text, s->want) == 0;
        snprintf(h->ignored, sizeof h->ignored, "%s", ignored);
    }
    s->count++;
}

/* Logical lines: a line ending in '\' goes on in the next. */
static void scan_text(struct scan *s, const char *file, const char *t,
                      size_t len, const char *ignored)
{
    char *logical = malloc(len + 1), folded[4096];
    if (!logical)
        return;
    size_t l = 0;
    int line = 0, start = 0;
    for (size_t i = 0; i < len; ) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - t) : len, n = end - i;
        line++;
        if (l == 0)
            start = line;
        int more = n && t[end - 1] == '\\';
        memcpy(logical + l, t + i, n - (size_t)more);
        l += n - (size_t)more;
        if (more)
            logical[l++] = ' ';
        i = end + 1;
        if (more && i < len)
            continue;
        fold(logical, l, folded, sizeof folded);
        if (names_path(s, folded))
            hit(s, file, start, folded, ignored);
        l = 0;
    }
    free(logical);
}

/* Why sudo would not read a file so owned, or "". */
static const char *ignored_why(const struct stat *st)
{
    if (st->st_uid != 0)
        return "sudo ignores it: it is not owned by root";
    if ((st->st_mode & 002) || ((st->st_mode & 020) && st->st_gid != 0))
        return "sudo ignores it: others may write it";
    return "";
}

static int scan_file(struct scan *s, const char *file, hp_err *e)
{
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ELOOP))
        return 0;
    if (fd < 0)
        return hp_err_sys(e, errno == EACCES ? HP_EDENIED : HP_EFAIL, errno,
                          "cannot read %s%s", file, errno == EACCES ?
                          " (the sudoers files are root's: run this as "
                          "root)" : ""), -1;
    struct stat st;
    char *buf = NULL;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MAX_FILE &&
        (buf = malloc((size_t)st.st_size + 1)))
        n = read(fd, buf, (size_t)st.st_size);
    close(fd);
    if (n >= 0)
        scan_text(s, file, buf, (size_t)n, ignored_why(&st));
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir that sudo's @includedir reads, in its (byte) order. */
static int scan_dir(struct scan *s, const char *dir, hp_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0
               : (hp_err_sys(e, errno == EACCES ? HP_EDENIED : HP_EFAIL,
                             errno, "cannot list %s", dir), -1);
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512) {
        size_t l = strlen(de->d_name);
        if (!strchr(de->d_name, '.') && l && de->d_name[l - 1] != '~' &&
            (names[n] = strdup(de->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (rc == 0)
            rc = scan_file(s, p, e);
        free(names[i]);
    }
    return rc;
}

int hp_sudoers_find(const char *main, const char *dir, const char *user,
                    const char *path, const char *want,
                    hp_sudoers_hit *hits, size_t max, hp_err *e)
{
    struct scan s = { user, path, "", hits, max, 0 };
    fold(want, strlen(want), s.want, sizeof s.want);
    if ((main && scan_file(&s, main, e) < 0) ||
        (dir && scan_dir(&s, dir, e) < 0))
        return -1;
    return (int)s.count;
}
