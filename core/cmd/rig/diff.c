/* A line diff for failure messages: longest common subsequence, shown as
 * hunks with two lines of context, `-` expected and `+` actual.  Bytes a
 * person cannot see (tabs, CR of a CRLF file, a missing final newline) are
 * spelled out, because those are exactly what hosts-file tests are about. */
#include "rig.h"
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_LINES 3000
#define CONTEXT 2

typedef struct line {
    const char *p;
    size_t len;
    int nl;            /* ends with '\n' */
} line;

static line *split_lines(const char *s, size_t n, size_t *count)
{
    line *v = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t l = nl ? (size_t)(nl - (s + i)) : n - i;
        line *x = HP_RIG_PUSH(v, k);
        x->p = s + i;
        x->len = l;
        x->nl = nl != NULL;
        i += l + (nl != NULL);
    }
    *count = k;
    return v;
}

static int same(const line *a, const line *b)
{
    return a->len == b->len && a->nl == b->nl && !memcmp(a->p, b->p, a->len);
}

static void show(FILE *f, const char *ind, char mark, const line *l)
{
    fprintf(f, "%s%c", ind, mark);
    hp_rig_quote(f, l->p, l->len, 300);
    if (!l->nl)
        fputs("   (no newline at end)", f);
    fputc('\n', f);
}

/* ops: 0 same, 1 only in a (-), 2 only in b (+) */
static size_t script(const line *a, size_t na, const line *b, size_t nb,
                     char *ops)
{
    size_t w = nb + 1;
    unsigned *t = calloc((na + 1) * w, sizeof *t);
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            t[i * w + j] = same(&a[i], &b[j])
                ? t[(i + 1) * w + j + 1] + 1
                : (t[(i + 1) * w + j] > t[i * w + j + 1]
                   ? t[(i + 1) * w + j] : t[i * w + j + 1]);
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && same(&a[i], &b[j]))
            ops[k++] = 0, i++, j++;
        else if (i < na && (j == nb || t[(i + 1) * w + j] >= t[i * w + j + 1]))
            ops[k++] = 1, i++;   /* `-` before `+`, as diff -u shows it */
        else
            ops[k++] = 2, j++;
    }
    free(t);
    return k;
}

void hp_rig_diff(FILE *f, const char *exp, size_t elen, const char *act,
                 size_t alen, const char *ind, const char *la, const char *lb)
{
    size_t na, nb;
    line *a = split_lines(exp, elen, &na), *b = split_lines(act, alen, &nb);
    if (la && lb)
        fprintf(f, "%s--- %s\n%s+++ %s\n", ind, la, ind, lb);
    if (na > DIFF_MAX_LINES || nb > DIFF_MAX_LINES) {
        fprintf(f, "%s(too long to diff: %zu vs %zu lines)\n", ind, na, nb);
        goto out;
    }
    char *ops = malloc(na + nb + 1);
    size_t n = script(a, na, b, nb, ops);
    /* print changed ops with CONTEXT same lines around them */
    size_t ia = 0, ib = 0, last_shown = (size_t)-1;
    for (size_t k = 0; k < n; k++) {
        int near = 0;
        for (size_t d = k > CONTEXT ? k - CONTEXT : 0;
             d < n && d <= k + CONTEXT; d++)
            near |= ops[d] != 0;
        if (near) {
            if (last_shown != (size_t)-1 && last_shown + 1 != k)
                fprintf(f, "%s ...\n", ind);
            if (last_shown == (size_t)-1 && k > 0)
                fprintf(f, "%s ...\n", ind);
            show(f, ind, ops[k] == 0 ? ' ' : ops[k] == 1 ? '-' : '+',
                 ops[k] == 2 ? &b[ib] : &a[ia]);
            last_shown = k;
        }
        ia += ops[k] != 2;
        ib += ops[k] != 1;
    }
    if (na == 0 && nb == 0)
        fprintf(f, "%s(both empty)\n", ind);
    free(ops);
out:
    free(a);
    free(b);
}
