/* A strict reader of the XML 1.0 the tests need to check (JUnit reports):
 * the declaration, elements, attributes in quotes, character data with the
 * five named entities and character references, CDATA and comments.
 * Anything not well-formed (a tag not closed or closed by another name, a
 * bare `<` or `&`, a control character, bytes that are not UTF-8, a
 * repeated attribute, text after the root) fails with the offset, so a
 * test on it proves the file is XML, not only that it looks like it. */
#ifndef HP_TEST_XMLTREE_H
#define HP_TEST_XMLTREE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xnode {
    char *name;
    char **attr;              /* name, value, name, value, ... */
    size_t nattr;             /* pairs */
    char *text;               /* the character data, entities decoded */
    size_t ntext;
    struct xnode **kid;
    size_t nkid;
} xnode;

typedef struct xparse {
    const char *s, *p;
    char err[200];
} xparse;

static inline int x_fail(xparse *x, const char *what)
{
    if (!x->err[0])
        snprintf(x->err, sizeof x->err, "offset %ld: %s",
                 (long)(x->p - x->s), what);
    return -1;
}

static inline void x_append(char **buf, size_t *n, const char *p, size_t l)
{
    *buf = realloc(*buf, *n + l + 1);
    memcpy(*buf + *n, p, l);
    *n += l;
    (*buf)[*n] = '\0';
}

static inline int x_namechar(int c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':' || (!first && ((c >= '0' && c <= '9') || c == '-' ||
                                   c == '.'));
}

static inline char *x_name(xparse *x)
{
    const char *b = x->p;
    if (!x_namechar((unsigned char)*x->p, 1))
        return x_fail(x, "a name expected"), NULL;
    while (x_namechar((unsigned char)*x->p, 0))
        x->p++;
    char *n = malloc((size_t)(x->p - b) + 1);
    memcpy(n, b, (size_t)(x->p - b));
    n[x->p - b] = '\0';
    return n;
}

static inline void x_blank(xparse *x)
{
    while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
        x->p++;
}

/* One character of data at x->p (entity or UTF-8), appended to buf. */
static inline int x_char(xparse *x, char **buf, size_t *n)
{
    const unsigned char *u = (const unsigned char *)x->p;
    if (*u == '&') {
        static const char *const ent[][2] = { { "amp;", "&" },
            { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" },
            { "apos;", "'" } };
        for (size_t i = 0; i < 5; i++)
            if (!strncmp(x->p + 1, ent[i][0], strlen(ent[i][0]))) {
                x_append(buf, n, ent[i][1], 1);
                x->p += 1 + strlen(ent[i][0]);
                return 0;
            }
        char *end = NULL;
        long c = -1;
        if (x->p[1] == '#')
            c = x->p[2] == 'x' ? strtol(x->p + 3, &end, 16)
                               : strtol(x->p + 2, &end, 10);
        if (c < 0 || !end || *end != ';' || (c < 0x20 && c != 9 &&
                                             c != 10 && c != 13) || c > 0x7f)
            return x_fail(x, "a bare & or an entity not handled here");
        char ch = (char)c;
        x_append(buf, n, &ch, 1);
        x->p = end + 1;
        return 0;
    }
    if (*u == '<')
        return x_fail(x, "a bare <");
    size_t l = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0
               ? 3 : (*u & 0xf8) == 0xf0 ? 4 : 0;
    if (l == 0 || (*u < 0x20 && *u != 9 && *u != 10 && *u != 13) ||
        *u == 0x7f)
        return x_fail(x, "a character XML does not allow");
    for (size_t i = 1; i < l; i++)
        if ((u[i] & 0xc0) != 0x80)
            return x_fail(x, "bytes that are not UTF-8");
    x_append(buf, n, x->p, l);
    x->p += l;
    return 0;
}

static inline int x_skip_misc(xparse *x)
{
    for (;;) {
        x_blank(x);
        if (strncmp(x->p, "<!--", 4))
            return 0;
        const char *e = strstr(x->p + 4, "-->");
        if (!e)
            return x_fail(x, "a comment not closed");
        x->p = e + 3;
    }
}

static inline xnode *x_element(xparse *x);

static inline int x_attrs(xparse *x, xnode *n)
{
    for (;;) {
        const char *before = x->p;
        x_blank(x);
        if (*x->p == '>' || *x->p == '/')
            return 0;
        if (x->p == before)
            return x_fail(x, "a blank expected between attributes");
        char *name = x_name(x);
        if (!name)
            return -1;
        for (size_t i = 0; i < n->nattr; i++)
            if (!strcmp(n->attr[2 * i], name))
                return free(name), x_fail(x, "a repeated attribute");
        x_blank(x);
        char q = x->p[1 + strspn(x->p + 1, " \t\n\r")];
        if (*x->p != '=' || (q != '"' && q != '\''))
            return free(name), x_fail(x, "attribute=\"value\" expected");
        x->p += 1 + strspn(x->p + 1, " \t\n\r") + 1;
        char *val = calloc(1, 1);
        size_t vl = 0;
        while (*x->p && *x->p != q)
            if (x_char(x, &val, &vl))
                return free(name), free(val), -1;
        if (!*x->p)
            return free(name), free(val), x_fail(x, "a value not closed");
        x->p++;
        n->attr = realloc(n->attr, (n->nattr + 1) * 2 * sizeof *n->attr);
        n->attr[2 * n->nattr] = name;
        n->attr[2 * n->nattr + 1] = val;
        n->nattr++;
    }
}

static inline int x_content(xparse *x, xnode *n)
{
    for (;;) {
        if (!*x->p)
            return x_fail(x, "the document ends inside an element");
        if (!strncmp(x->p, "</", 2)) {
            x->p += 2;
            size_t l = strlen(n->name);
            if (strncmp(x->p, n->name, l) || x_namechar(x->p[l], 0))
                return x_fail(x, "an end tag of another element");
            x->p += l;
            x_blank(x);
            if (*x->p != '>')
                return x_fail(x, "> expected");
            x->p++;
            return 0;
        }
        if (!strncmp(x->p, "<!--", 4)) {
            if (x_skip_misc(x))
                return -1;
            continue;
        }
        if (!strncmp(x->p, "<![CDATA[", 9)) {
            const char *e = strstr(x->p + 9, "]]>");
            if (!e)
                return x_fail(x, "CDATA not closed");
            x_append(&n->text, &n->ntext, x->p + 9, (size_t)(e - x->p - 9));
            x->p = e + 3;
            continue;
        }
        if (*x->p == '<') {
            xnode *k = x_element(x);
            if (!k)
                return -1;
            n->kid = realloc(n->kid, (n->nkid + 1) * sizeof *n->kid);
            n->kid[n->nkid++] = k;
            continue;
        }
        if (!strncmp(x->p, "]]>", 3))
            return x_fail(x, "]]> in character data");
        if (x_char(x, &n->text, &n->ntext))
            return -1;
    }
}

static inline void xml_free(xnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < 2 * n->nattr; i++)
        free(n->attr[i]);
    for (size_t i = 0; i < n->nkid; i++)
        xml_free(n->kid[i]);
    free(n->attr);
    free(n->kid);
    free(n->text);
    free(n->name);
    free(n);
}

static inline xnode *x_element(xparse *x)
{
    x->p++;                                         /* < */
    xnode *n = calloc(1, sizeof *n);
    n->text = calloc(1, 1);
    if (!(n->name = x_name(x)) || x_attrs(x, n))
        return xml_free(n), NULL;
    if (!strncmp(x->p, "/>", 2)) {
        x->p += 2;
        return n;
    }
    if (*x->p != '>') {
        x_fail(x, "> expected");
        return xml_free(n), NULL;
    }
    x->p++;
    if (x_content(x, n))
        return xml_free(n), NULL;
    return n;
}

/* The root element of the document s, or NULL with err. */
static inline xnode *xml_parse(const char *s, char *err, size_t errn)
{
    xparse x = { .s = s, .p = s, .err = "" };
    xnode *root = NULL;
    if (!strncmp(x.p, "<?xml", 5)) {
        const char *e = strstr(x.p, "?>");
        x.p = e ? e + 2 : x.p;
        if (!e)
            x_fail(&x, "the declaration is not closed");
    }
    if (!x.err[0] && x_skip_misc(&x) == 0 && *x.p != '<')
        x_fail(&x, "no root element");
    if (!x.err[0])
        root = x_element(&x);
    if (root && x_skip_misc(&x) == 0 && *x.p)
        x_fail(&x, "text after the root element");
    if (x.err[0]) {
        xml_free(root);
        snprintf(err, errn, "%s", x.err);
        return NULL;
    }
    return root;
}

static inline const char *xml_attr(const xnode *n, const char *name)
{
    for (size_t i = 0; i < n->nattr; i++)
        if (!strcmp(n->attr[2 * i], name))
            return n->attr[2 * i + 1];
    return NULL;
}

/* The first child named name, or NULL. */
static inline const xnode *xml_kid(const xnode *n, const char *name)
{
    for (size_t i = 0; i < n->nkid; i++)
        if (!strcmp(n->kid[i]->name, name))
            return n->kid[i];
    return NULL;
}
#endif
