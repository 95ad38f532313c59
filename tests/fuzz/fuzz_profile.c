/* libFuzzer harness for the shell-profile editor (host/profile.h): the
 * snippet that puts ~/.docker/bin on PATH and the block it goes in, on
 * any bytes a profile can hold (CRLF, no final newline, other tools'
 * blocks, stray or doubled markers).
 *
 * First byte: bits 0-2 the shell, bits 3-4 the directory (three fixed
 * ones, with blanks and quotes among them; or, with both bits set, the
 * first line of the rest, any bytes), bit 5: the first line of the rest
 * is taken as the raw snippet instead (what a plugin could pass).  The
 * rest is the profile.
 * What must hold:
 *   - a snippet is made only from a directory with no control byte or
 *     ':', and it is LF-terminated lines without a marker;
 *   - add that succeeds is stable (a second add writes nothing) and
 *     leaves exactly one block;
 *   - add, then remove, gives back the input byte for byte when it had no
 *     block; when it had one, the same text as removing the old block;
 *   - a refused add returns no text, with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/profile.h"

static const char *const shells[] = { "/bin/sh", "/bin/bash", "/bin/zsh",
                                      "/usr/bin/fish", "-zsh", "fish",
                                      "/bin/dash", "" };
static const char *const dirs[] = { "$HOME/.docker/bin",
                                    "/Users/a b/.docker/bin",
                                    "$HOME/it's \"here\"\\$x" };

/* A line the editor would take for one of its markers: the marker text
 * alone, trailing blanks aside. */
static int marker_line(const char *l, size_t n)
{
    while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
        n--;
    return (n == strlen(HP_PROFILE_BEGIN) && !memcmp(l, HP_PROFILE_BEGIN, n)) ||
           (n == strlen(HP_PROFILE_END) && !memcmp(l, HP_PROFILE_END, n));
}

static void check_snippet(const char *s)
{
    size_t n = strlen(s);
    if (!n || s[n - 1] != '\n' || strchr(s, '\r'))
        abort();
    for (const char *l = s, *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        if (marker_line(l, (size_t)(nl - l)))
            abort();
    }
}

static void round_trip(const char *t, size_t n, const char *snip)
{
    char *out = NULL, *again = NULL, *back = NULL, *old = NULL;
    size_t on = 0, an = 0, bn = 0, oldn = 0;
    hp_err e = HP_ERR_INIT;
    int rc = hp_profile_add(t, n, snip, &out, &on, &e);
    if (rc != HP_OK) {
        if (out || !e.msg[0])
            abort();
        return;
    }
    /* the text as it was, without a block of ours */
    if (hp_profile_remove(t, n, &old, &oldn, NULL) != HP_OK)
        abort();
    if (out) {
        if (hp_profile_add(out, on, snip, &again, &an, NULL) != HP_OK ||
            again)
            abort();
        if (hp_profile_remove(out, on, &back, &bn, NULL) != HP_OK || !back)
            abort();
        const char *want = old ? old : t;
        size_t wn = old ? oldn : n;
        if (bn != wn || memcmp(back, want, wn) != 0)
            abort();
    } else if (!old) {
        abort();        /* nothing to write, yet no block was there */
    }
    free(out);
    free(back);
    free(old);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int sel = data[0];
    char *t = malloc(size);
    if (!t)
        return 0;
    memcpy(t, data + 1, size - 1);
    t[size - 1] = '\0';
    size_t n = size - 1, used = 0;
    char line[512] = "";
    int want_line = (sel & 030) == 030 || (sel & 040);
    if (want_line) {
        const char *nl = memchr(t, '\n', n);
        size_t l = nl ? (size_t)(nl - t) : n;
        if (l >= sizeof line - 1)
            l = sizeof line - 2;
        memcpy(line, t, l);
        line[l] = '\0';
        used = nl ? (size_t)(nl - t) + 1 : l;
        if (strlen(line) != l)          /* a NUL in it */
            line[0] = '\0';
    }
    char snip[8192];
    if (sel & 040) {
        strcat(line, "\n");
        round_trip(t + used, n - used, line);
    } else {
        const char *dir = (sel & 030) == 030 ? line : dirs[(sel >> 3) & 3];
        if (hp_profile_snippet(shells[sel & 7], dir, snip, sizeof snip) ==
            HP_OK) {
            check_snippet(snip);
            round_trip(t + used, n - used, snip);
        }
    }
    free(t);
    return 0;
}
