/* Driving hostpriv-rig from a test: run it as root with arguments and
 * capture stdout and stderr apart, write scenario files, and read the
 * names back from its result lines (`ok   NAME ... 1.23s`). */
#ifndef HP_TEST_RIGTEST_H
#define HP_TEST_RIGTEST_H
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../testutil.h"

/* hostpriv-rig ARGS... (NULL-terminated) as root; its exit status. */
static inline int rt_rig(char **out, char **err, const char *arg, ...)
{
    char bin[PATH_MAX];
    const char *argv[64] = { tu_build("bin/hostpriv-rig", bin, sizeof bin) };
    size_t n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return tu_run((uid_t)-1, (gid_t)-1, argv, NULL, out, err);
}

/* dir/rel with text, parents made root 0755. */
static inline void rt_file(const char *dir, const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* The names of the result lines of a text report, in order, as one
 * string "a b c " (each followed by a blank). */
static inline char *rt_names(const char *out)
{
    size_t cap = strlen(out) + 1, n = 0;
    char *names = calloc(1, cap);
    for (const char *p = out; *p; p += strcspn(p, "\n") + (p[strcspn(p,
                                                          "\n")] == '\n')) {
        if (strncmp(p, "ok   ", 5) && strncmp(p, "FAIL ", 5) &&
            strncmp(p, "skip ", 5))
            continue;
        size_t l = strcspn(p + 5, " \n");
        memcpy(names + n, p + 5, l);
        n += l;
        names[n++] = ' ';
    }
    return names;
}

/* The first word of every line (what `list` names), as rt_names. */
static inline char *rt_first_words(const char *out)
{
    size_t n = 0;
    char *names = calloc(1, strlen(out) + 1);
    for (const char *p = out; *p; p += strcspn(p, "\n") + (p[strcspn(p,
                                                          "\n")] == '\n')) {
        size_t l = strcspn(p, " \n");
        if (!l)
            continue;
        memcpy(names + n, p, l);
        n += l;
        names[n++] = ' ';
    }
    return names;
}

/* How many times the word w occurs in the blank-separated list s. */
static inline int rt_count(const char *s, const char *w)
{
    int n = 0;
    size_t l = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p += l)
        n += (p == s || p[-1] == ' ') && (p[l] == ' ' || !p[l]);
    return n;
}
#endif
