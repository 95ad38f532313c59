/* The value syntax of scenario files: shell-like words, so a path with
 * spaces ("/Library/Application Support/...") or a file's exact bytes fit
 * on one INI line.  inih hands us the value already stripped and with
 * inline `;` comments cut, which is why `\;` exists. */
#include "rig.h"
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One escape after the backslash at *s; appends the byte to out, returns
 * the characters consumed after the backslash, 0 on a bad escape. */
static size_t unescape(const char *s, char *out)
{
    switch (s[0]) {
    case 'n': *out = '\n'; return 1;
    case 't': *out = '\t'; return 1;
    case 'r': *out = '\r'; return 1;
    case '\\': *out = '\\'; return 1;
    case '"': *out = '"'; return 1;
    case '\'': *out = '\''; return 1;
    case ';': *out = ';'; return 1;
    case ' ': *out = ' '; return 1;
    case '#': *out = '#'; return 1;
    case 'x': {
        int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return 0;   /* \x00 would end the C string: use from= */
        *out = (char)(hi * 16 + lo);
        return 3;
    }
    default:
        return 0;
    }
}

static void add_word(hp_rig_words *w, char *buf, size_t len)
{
    char **slot = HP_RIG_PUSH(w->v, w->n);
    *slot = hp_rig_memdup(buf, len);
}

int hp_rig_split(const char *s, hp_rig_words *w, char *err, size_t errn)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *buf = malloc(cap);
    int inword = 0;
    char quote = 0;
    memset(w, 0, sizeof *w);
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (quote == '\'' && c != '\'') {
            if (c != '\n')
                buf[len++] = c;
            continue;
        }
        if (c == '\\') {
            size_t k = unescape(p + 1, &buf[len]);
            if (k == 0) {
                snprintf(err, errn, "bad escape '\\%.1s' (use \\n \\t \\r "
                         "\\\\ \\\" \\' \\; \\xHH, or a from= file)", p + 1);
                goto fail;
            }
            len++;
            p += k;
            inword = 1;
            continue;
        }
        if (quote) {             /* inside "...", or the closing ' */
            if (c == quote)
                quote = 0;
            else if (c != '\n')  /* a folded line adds nothing */
                buf[len++] = c;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            inword = 1;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (inword)
                add_word(w, buf, len);
            inword = 0;
            len = 0;
            continue;
        }
        buf[len++] = c;
        inword = 1;
    }
    if (quote) {
        snprintf(err, errn, "unterminated %c quote", quote);
        goto fail;
    }
    if (inword)
        add_word(w, buf, len);
    free(buf);
    return 0;
fail:
    free(buf);
    hp_rig_words_free(w);
    return -1;
}

void hp_rig_words_free(hp_rig_words *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
}
