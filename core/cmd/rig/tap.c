/* TAP version 13, as prove and the CI systems' TAP readers take it: the
 * version line and the plan come first (main.c), then one test point per
 * scenario in the sorted order, each with a YAML block (duration_ms, the
 * behaviours and generation, and for a failure its first line as message
 * and the expected-vs-actual lines as details); a skipped scenario is
 * `ok N - NAME # SKIP why`.  --verbose lines become `#` comments.  YAML
 * wants valid text: a control character or a byte that is not UTF-8 is
 * written as \xHH. */
#include "rig.h"
#include <stdlib.h>
#include <string.h>

/* The test point's description: `#` would start a directive. */
static void description(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '#' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* Text for YAML: in a double-quoted scalar (quoted) or a block (not). */
static void yaml_text(FILE *f, const char *s, size_t n, int quoted)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t l = hp_rig_utf8(s + i, n - i);
        if (quoted && (ch == '"' || ch == '\\'))
            fprintf(f, "\\%c", ch);
        else if (l == 0 || (ch < 0x20 && !(ch == '\t' && !quoted)) ||
                 ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fwrite(s + i, 1, l, f);
        i += l ? l : 1;
    }
}

/* Blanks at the start of the line at p. */
static size_t indent_of(const char *p)
{
    return strspn(p, " ");
}

/* A literal block (`|`, the one block prove's YAMLish reads too): the
 * text's lines less their common indent, each under the key by two more;
 * the first line sets the block's indent, so when it is not the least
 * indented the text goes as one quoted scalar instead. */
static void yaml_block(FILE *f, const char *key, const char *text)
{
    size_t least = (size_t)-1, first = (size_t)-1;
    for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p,
                                                          "\n")] == '\n')) {
        if (p[indent_of(p)] == '\n' || !p[indent_of(p)])
            continue;
        if (first == (size_t)-1)
            first = indent_of(p);
        if (indent_of(p) < least)
            least = indent_of(p);
    }
    if (first == (size_t)-1)
        return;                                 /* nothing to say */
    if (first != least) {
        fprintf(f, "  %s: \"", key);
        yaml_text(f, text, strlen(text), 1);
        fputs("\"\n", f);
        return;
    }
    fprintf(f, "  %s: |\n", key);
    for (const char *p = text; *p;) {
        size_t l = strcspn(p, "\n"), cut = indent_of(p) < least
                                             ? indent_of(p) : least;
        fputs("    ", f);
        yaml_text(f, p + cut, l - cut, 0);
        fputc('\n', f);
        p += l + (p[l] == '\n');
    }
}

static void comments(FILE *f, const char *text)
{
    for (const char *p = text; p && *p;) {
        size_t l = strcspn(p, "\n");
        fputs("# ", f);
        yaml_text(f, p, l, 0);
        fputc('\n', f);
        p += l + (p[l] == '\n');
    }
}

void hp_rig_tap_case(FILE *f, const hp_rig_case *c, size_t nth)
{
    const hp_rig_result *r = &c->res;
    fprintf(f, "%s %zu - ", r->verdict == HP_RIG_FAIL ? "not ok" : "ok",
            nth + 1);
    description(f, c->name);
    if (r->verdict == HP_RIG_SKIP) {
        fputs(" # SKIP ", f);
        yaml_text(f, r->why ? r->why : "", r->why ? strlen(r->why) : 0, 0);
    }
    fputs("\n  ---\n", f);
    fprintf(f, "  duration_ms: %.1f\n", r->secs * 1000.0);
    if (c->generation) {
        fputs("  generation: \"", f);
        yaml_text(f, c->generation, strlen(c->generation), 1);
        fputs("\"\n", f);
    }
    if (c->sc.nbehaviours) {
        fputs("  behaviours: [", f);
        for (size_t i = 0; i < c->sc.nbehaviours; i++)
            fprintf(f, "%s%s", i ? ", " : "", c->sc.behaviours[i]);
        fputs("]\n", f);
    }
    if (r->verdict == HP_RIG_FAIL) {
        char *m = hp_rig_result_headline(r);
        fputs("  message: \"", f);
        yaml_text(f, m, strlen(m), 1);
        fputs("\"\n", f);
        free(m);
        yaml_block(f, "details", r->fail ? r->fail : "");
    }
    if (r->kept) {
        fputs("  kept: \"", f);
        yaml_text(f, r->kept + strspn(r->kept, " "),
                  strcspn(r->kept + strspn(r->kept, " "), "\n"), 1);
        fputs("\"\n", f);
    }
    fputs("  ...\n", f);
    comments(f, r->trace);
    fflush(f);
}
