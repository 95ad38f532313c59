/* /etc/hosts editing: a managed block between Docker Desktop's markers.
 *
 * Text model.  A line is its content plus its terminator: "\n", "\r\n" or
 * nothing (the last line of a file without a final newline).  A lone "\r"
 * is content, never a terminator, so such bytes survive untouched.  The
 * file's style is the terminator of its first line; block lines we write
 * use it.
 *
 * Remembering the separator.  When the file does not end in a newline we
 * must add one before our block; hp_hosts_remove has to take it away again
 * for add-then-remove to be byte-identical.  We record that fact in the
 * block itself: in that case the end marker is written WITHOUT a
 * terminator, as the file's last bytes.  So "the block is at EOF and
 * '# End of section' has no newline" means "the newline just before the
 * begin marker is ours"; remove then drops it too (exactly the terminator
 * the begin marker line carries, which is the one add used).  A block
 * whose end marker is terminated restores the file by deleting its lines
 * alone.
 *
 * Which lines are ours.  A block may be there before us (Docker Desktop's,
 * holding its own lines), and the user may edit the file after us, so
 * neither the block nor a line's position says what we wrote.  Every add
 * returns a record of it (hostsfile.h: the markers when it made the
 * block, each line's exact content), the caller journals it, and remove
 * takes out exactly the recorded lines found inside the block.
 *
 * Resolving, not just appearing.  An entry counts as present only when a
 * first-match lookup would return it; a conflicting line earlier in the
 * file (the name mapped elsewhere) is left alone and our lines go before
 * it, inside the block (or in a new block placed there).
 *
 * Markers are lines whose content, trailing blanks aside, is exactly the
 * marker.  Anything but "no markers" or "one begin, then one end" (a
 * missing, duplicated, reversed or nested marker, or a forged end marker
 * that would cut our block short) is refused with HP_EFAIL and the text
 * is left alone: guessing which lines are ours could delete the user's.
 *
 * Everything is one pass over the text (memchr per line; removal walks
 * the block's lines once more), so a 100,000 line ad-block hosts file
 * costs milliseconds. */
#include "hostsfile.h"
#include "atomicfile.h"
#include "dirlock.h"
#include "hostsrec.h"
#include "base/textline.h"
#include "safepath.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define BEGIN_LEN (sizeof HP_HOSTS_BEGIN - 1)
#define END_LEN   (sizeof HP_HOSTS_END - 1)
#define MAX_HOPS  8             /* symlinks followed for the hosts file */
#define MAX_ENTS  64            /* entries per call */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 begin marker, 2 end marker, 0 other. */
static int marker_kind(const char *s, size_t n)
{
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n == BEGIN_LEN && memcmp(s, HP_HOSTS_BEGIN, n) == 0)
        return 1;
    if (n == END_LEN && memcmp(s, HP_HOSTS_END, n) == 0)
        return 2;
    return 0;
}

/* ---- validation ---------------------------------------------------- */

/* Printable, escaped copy of untrusted bytes for a message (no log
 * injection through an error text). */
static const char *shown(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    for (; *s && o + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
    }
    if (*s && o + 4 <= n)
        memcpy(buf + o, "...", 3), o += 3;
    buf[o] = '\0';
    return buf;
}

static int name_byte_ok(const char *name, hp_err *e)
{
    for (size_t i = 0; name[i]; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '\n' || c == '\r')
            return hp_err_set(e, HP_EUSAGE, "host name has a line break "
                "(\\x%02x) at offset %zu: it would inject a line into the "
                "hosts file", c, i);
        if (c < 0x20 || c == 0x7f)
            return hp_err_set(e, HP_EUSAGE, "host name has control byte "
                "\\x%02x at offset %zu", c, i);
        if (c == ' ')
            return hp_err_set(e, HP_EUSAGE, "host name has a space at "
                "offset %zu: host names contain no white space", i);
        if (c == '#')
            return hp_err_set(e, HP_EUSAGE, "host name has '#' at offset "
                "%zu: it starts a comment in the hosts file", i);
        if (c >= 0x80)
            return hp_err_set(e, HP_EUSAGE, "host name has non-ASCII byte "
                "\\x%02x at offset %zu: write an internationalised name in "
                "its ASCII (xn--) form", c, i);
        if (c == '*')
            return hp_err_set(e, HP_EUSAGE, "host name has '*' at offset "
                "%zu: the hosts file has no wildcards; list each name", i);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return hp_err_set(e, HP_EUSAGE, "host name has '%c' at offset "
                "%zu: RFC 1123 names use letters, digits, '-' and '.'",
                c, i);
    }
    return HP_OK;
}

static int label_ok(const char *name, const char *l, size_t n, int last,
                    hp_err *e)
{
    if (n == 0)
        return hp_err_set(e, HP_EUSAGE, "host name '%s' has an empty label "
                          "at offset %zu", name, (size_t)(l - name));
    if (n > 63)
        return hp_err_set(e, HP_EUSAGE, "host name label '%.20s...' is %zu "
                          "bytes long; RFC 1123 allows 63", l, n);
    if (l[0] == '-' || l[n - 1] == '-')
        return hp_err_set(e, HP_EUSAGE, "host name label '%.*s' %s with "
                          "'-'", (int)n, l, l[0] == '-' ? "starts" : "ends");
    if (last && strspn(l, "0123456789") >= n)
        return hp_err_set(e, HP_EUSAGE, "host name '%s' ends in an "
                          "all-numeric label: that reads as an address, not "
                          "a name", name);
    return HP_OK;
}

int hp_hosts_name_valid(const char *name, hp_err *e)
{
    if (!name || !*name)
        return hp_err_set(e, HP_EUSAGE, "host name is empty");
    int r = name_byte_ok(name, e);
    if (r)
        return r;
    size_t n = strlen(name);
    if (n > 253)
        return hp_err_set(e, HP_EUSAGE, "host name '%.40s...' is %zu bytes "
                          "long; the limit is 253", name, n);
    if (name[n - 1] == '.')
        return hp_err_set(e, HP_EUSAGE, "host name '%s' ends with a dot; "
                          "write it without the trailing dot", name);
    for (const char *l = name;;) {
        const char *dot = strchr(l, '.');
        size_t ln = dot ? (size_t)(dot - l) : strlen(l);
        if ((r = label_ok(name, l, ln, dot == NULL, e)))
            return r;
        if (!dot)
            return HP_OK;
        l = dot + 1;
    }
}

/* Parse addr strictly into family/bytes; loopback only. */
static int addr_parse(const char *addr, int *fam, unsigned char bin[16],
                      hp_err *e)
{
    char b[64];
    if (!addr || !*addr)
        return hp_err_set(e, HP_EUSAGE, "address is empty");
    if (strchr(addr, '%'))
        return hp_err_set(e, HP_EUSAGE, "address '%s' has a zone index "
                          "('%%'): hosts entries take the loopback address "
                          "without one", shown(addr, b, sizeof b));
    if (strchr(addr, ':')) {
        if (inet_pton(AF_INET6, addr, bin) != 1)
            return hp_err_set(e, HP_EUSAGE, "address '%s' is not a valid "
                              "IPv6 address", shown(addr, b, sizeof b));
        if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
            return hp_err_set(e, HP_EUSAGE, "address '%s' is IPv4-mapped "
                              "IPv6: write the IPv4 form (127.0.0.1)", addr);
        if (!IN6_IS_ADDR_LOOPBACK((struct in6_addr *)bin))
            return hp_err_set(e, HP_EUSAGE, "address '%s' is not loopback "
                              "(::1): hostpriv maps names to this machine "
                              "only", addr);
        *fam = AF_INET6;
        return HP_OK;
    }
    if (inet_pton(AF_INET, addr, bin) != 1)
        return hp_err_set(e, HP_EUSAGE, "address '%s' is not a dotted-quad "
                          "IPv4 address: write four decimal numbers without "
                          "leading zeros (no shorthand like 127.1, no octal "
                          "like 0177.0.0.1)", shown(addr, b, sizeof b));
    if (bin[0] != 127)
        return hp_err_set(e, HP_EUSAGE, "address '%s' is not loopback "
                          "(127.0.0.0/8): hostpriv maps names to this "
                          "machine only", addr);
    *fam = AF_INET;
    return HP_OK;
}

int hp_hosts_addr_valid(const char *addr, hp_err *e)
{
    int fam;
    unsigned char bin[16];
    return addr_parse(addr, &fam, bin, e);
}

/* ---- resolution: what a first-match lookup finds -------------------- */

enum { W_OPEN, W_FOUND, W_CLASH };

struct want {
    const char *addr, *name;
    size_t alen, nlen;
    int fam;
    unsigned char bin[16];
    int state;                  /* W_OPEN until a line of its family names it */
    int dup;                    /* asked for again in the same call */
    size_t clash_off, clash_line;       /* W_CLASH: the line that wins */
    char clash_addr[INET6_ADDRSTRLEN];
};

static int want_init(struct want *w, const hp_hosts_entry *ent)
{
    memset(w, 0, sizeof *w);
    w->addr = ent->addr;
    w->name = ent->name;
    w->alen = strlen(ent->addr);
    w->nlen = strlen(ent->name);
    w->fam = strchr(ent->addr, ':') ? AF_INET6 : AF_INET;
    return inet_pton(w->fam, ent->addr, w->bin) == 1 ? 0 : -1;
}

/* What a line's address field s[0..n) means for w in a lookup of w's
 * family: 1 it is w's address, -1 another one (the lookup stops there:
 * a conflict), 0 not an address of that family (the line is skipped, as
 * "::1" is for an IPv4 lookup, and junk always).  IPv4-mapped IPv6 lines
 * count as IPv4 for an IPv4 want when their address differs: glibc maps
 * them for IPv4 lookups, so they would win there. */
static int addr_verdict(const char *s, size_t n, const struct want *w)
{
    char b[64];
    unsigned char bin[16];
    if (n >= sizeof b)
        return 0;
    memcpy(b, s, n);
    b[n] = '\0';
    if (w->fam == AF_INET) {
        if (inet_pton(AF_INET, b, bin) == 1)
            return memcmp(bin, w->bin, 4) == 0 ? 1 : -1;
        if (inet_pton(AF_INET6, b, bin) == 1 &&
            IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
            return memcmp(bin + 12, w->bin, 4) == 0 ? 0 : -1;
        return 0;
    }
    if (inet_pton(AF_INET6, b, bin) != 1 ||
        IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
        return 0;
    return memcmp(bin, w->bin, 16) == 0 ? 1 : -1;
}

static void decide(struct want *w, int verdict, const char *addr, size_t an,
                   size_t off, size_t lineno)
{
    w->state = verdict > 0 ? W_FOUND : W_CLASH;
    if (verdict > 0)
        return;
    w->clash_off = off;
    w->clash_line = lineno;
    snprintf(w->clash_addr, sizeof w->clash_addr, "%.*s", (int)an, addr);
}

/* The shortest name still open: a line with fewer bytes after its address
 * cannot name any (most of a long ad-block list is skipped that way). */
static size_t open_minlen(const struct want *w, size_t nw)
{
    size_t m = SIZE_MAX;
    for (size_t k = 0; k < nw; k++)
        if (w[k].state == W_OPEN && w[k].nlen < m)
            m = w[k].nlen;
    return m;
}

/* One active line, "ADDR NAME [ALIAS...] [# comment]" starting at offset
 * off: decide the open wants it names.  Returns how many it decided.
 * Names are compared by length first, so a line costs a scan of its bytes
 * and nothing more. */
static size_t line_match(const char *s, size_t n, size_t off, size_t lineno,
                         struct want *w, size_t nw, size_t minlen)
{
    /* the room test first, on the whole line: a comment only shortens it
     * (most lines of an ad-block list end here) */
    size_t i = 0, a0, a1, decided = 0;
    while (i < n && is_blank(s[i]))
        i++;
    while (i < n && !is_blank(s[i]))
        i++;
    if (n - i <= minlen)
        return 0;
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    a0 = i;
    while (i < n && !is_blank(s[i]))
        i++;
    a1 = i;
    if (n - a1 <= minlen)
        return 0;               /* no room for a blank and an open name */
    while (a1 > a0 && i < n) {
        while (i < n && is_blank(s[i]))
            i++;
        size_t f0 = i;
        while (i < n && !is_blank(s[i]))
            i++;
        for (size_t k = 0; k < nw; k++) {
            if (w[k].state != W_OPEN || i - f0 != w[k].nlen ||
                strncasecmp(s + f0, w[k].name, w[k].nlen) != 0)
                continue;
            int v = addr_verdict(s + a0, a1 - a0, &w[k]);
            if (v != 0) {
                decide(&w[k], v, s + a0, a1 - a0, off, lineno);
                decided++;
            }
        }
    }
    return decided;
}

/* ---- one pass: markers and lookups ---------------------------------- */

struct scan {
    int crlf;                   /* style from the first terminator */
    size_t nbeg, nend;
    size_t beg_line[2], end_line[2];
    hp_line beg, end;       /* first begin / end marker lines */
    size_t beg_prev_term;       /* terminator of the line before begin */
};

/* '\n' bytes in s[0..n), eight at a time. */
static size_t count_nl(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7F7F7F7F7F7F7F7FULL;
    size_t c = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        v ^= ones * '\n';                   /* a newline is now a zero byte */
        uint64_t z = ~(((v & low7) + low7) | v | low7);  /* 0x80 each */
        c += (size_t)(((z >> 7) * ones) >> 56);          /* their sum */
    }
    for (; i < n; i++)
        c += s[i] == '\n';
    return c;
}

/* The scan's state between pieces of the text: a file is scanned whole
 * (scan_text) or read piece by piece into a small buffer that stays in
 * the cache (scan_file), with the same result. */
struct scanner {
    struct scan *sc;
    struct want *w;
    size_t nw, open, minlen;
    size_t lineno;              /* of the next line */
    size_t prev_term;           /* the terminator of the line before it */
    int styled;
    int lines;                  /* line numbers wanted once the lookups
                                   are decided (for messages) */
};

static void scanner_init(struct scanner *s, struct scan *sc, struct want *w,
                         size_t nw)
{
    memset(sc, 0, sizeof *sc);
    *s = (struct scanner){ sc, w, nw, nw, open_minlen(w, nw), 0, 0, 0, 1 };
}

/* A marker line: its number, and for the first begin marker the line
 * and the terminator before it (what removal must give back). */
static void marker_seen(struct scan *sc, int k, const hp_line *l,
                        size_t lineno, size_t prev_term)
{
    if (k == 1) {
        if (sc->nbeg < 2)
            sc->beg_line[sc->nbeg] = lineno + 1;
        if (sc->nbeg++ == 0) {
            sc->beg = *l;
            sc->beg_prev_term = prev_term;
        }
    } else if (k == 2) {
        if (sc->nend < 2)
            sc->end_line[sc->nend] = lineno + 1;
        if (sc->nend++ == 0)
            sc->end = *l;
    }
}

/* Every lookup decided: only markers matter, and a marker starts a line
 * with '#', so only the '#' bytes of t[pos..len) are looked at; line
 * numbers are counted where a marker is found and at the end.  t holds
 * whole lines; base is the file offset of t. */
static void markers_only(struct scanner *s, const char *t, size_t len,
                         size_t pos, size_t base)
{
    size_t counted = pos;
    const char *q;
    while (pos < len && (q = memchr(t + pos, '#', len - pos))) {
        size_t off = (size_t)(q - t);
        if (off > 0 && t[off - 1] != '\n') {
            pos = off + 1;
            continue;
        }
        /* the line before: in t, or the last of the previous piece */
        size_t before = off == 0 ? s->prev_term
                        : off >= 2 && t[off - 2] == '\r' ? 2 : 1;
        if (s->lines)
            s->lineno += count_nl(t + counted, off - counted);
        counted = off;
        hp_line l;
        pos = hp_next_line(t, len, off, &l);
        int k = marker_kind(t + off, l.len);
        l.off += base;
        if (k)
            marker_seen(s->sc, k, &l, s->lineno, before);
    }
    if (len > counted) {
        if (s->lines)
            s->lineno += count_nl(t + counted, len - counted);
        s->prev_term = t[len - 1] != '\n' ? 0
                       : len >= 2 && t[len - 2] == '\r' ? 2 : 1;
    }
}

/* The lines of t[0..len) (whole lines; base its file offset). */
static void scan_lines(struct scanner *s, const char *t, size_t len,
                       size_t base)
{
    struct scan *sc = s->sc;
    for (size_t pos = 0; pos < len; s->lineno++) {
        if (!s->open && s->styled) {
            markers_only(s, t, len, pos, base);
            return;
        }
        hp_line l;
        pos = hp_next_line(t, len, pos, &l);
        if (!s->styled && l.term) {
            sc->crlf = l.term == 2;
            s->styled = 1;
        }
        int k = l.len && t[l.off] == '#' ? marker_kind(t + l.off, l.len) : 0;
        l.off += base;
        if (k)
            marker_seen(sc, k, &l, s->lineno, s->prev_term);
        else if (s->open) {
            size_t d = line_match(t + l.off - base, l.len, l.off,
                                  s->lineno + 1, s->w, s->nw, s->minlen);
            if (d) {
                s->open -= d;
                s->minlen = open_minlen(s->w, s->nw);
            }
        }
        s->prev_term = l.term;
    }
}

/* Markers to the end (a duplicate anywhere makes the file malformed);
 * lookups only while a want is open. */
static void scan_text(const char *t, size_t len, struct scan *sc,
                      struct want *w, size_t nw)
{
    struct scanner s;
    scanner_init(&s, sc, w, nw);
    scan_lines(&s, t, len, 0);
}

/* Explain malformed markers: which, where, and how to get out. */
static void bad_markers(const struct scan *sc, hp_err *e)
{
    if (sc->nbeg > 1)
        hp_err_set(e, HP_EFAIL, "hosts file has '%s' twice (lines %zu and "
            "%zu): duplicated or nested managed block; fix it by hand, then "
            "retry", HP_HOSTS_BEGIN, sc->beg_line[0], sc->beg_line[1]);
    else if (sc->nend > 1)
        hp_err_set(e, HP_EFAIL, "hosts file has '%s' twice (lines %zu and "
            "%zu): a forged or duplicated end marker; fix the managed block "
            "by hand, then retry",
            HP_HOSTS_END, sc->end_line[0], sc->end_line[1]);
    else if (sc->nend == 0)
        hp_err_set(e, HP_EFAIL, "hosts file has '%s' at line %zu but no "
            "'%s': fix the managed block by hand, then retry",
            HP_HOSTS_BEGIN, sc->beg_line[0], HP_HOSTS_END);
    else if (sc->nbeg == 0)
        hp_err_set(e, HP_EFAIL, "hosts file has '%s' at line %zu without "
            "'%s' before it: remove or fix that line, then retry",
            HP_HOSTS_END, sc->end_line[0], HP_HOSTS_BEGIN);
    else
        hp_err_set(e, HP_EFAIL, "hosts file has its markers reversed ('%s' "
            "at line %zu before '%s' at line %zu): fix the managed block by "
            "hand, then retry", HP_HOSTS_END, sc->end_line[0],
            HP_HOSTS_BEGIN, sc->beg_line[0]);
}

/* 1 block present, 0 none, -1 (e set) when the markers are malformed. */
static int block_state(const struct scan *sc, hp_err *e)
{
    if (sc->nbeg == 0 && sc->nend == 0)
        return 0;
    if (sc->nbeg == 1 && sc->nend == 1 && sc->end.off > sc->beg.off)
        return 1;
    bad_markers(sc, e);
    return -1;
}

/* ---- pure transforms ----------------------------------------------- */

int hp_hosts_has(const char *text, size_t len, const hp_hosts_entry *ent)
{
    struct want w;
    struct scan sc;
    if (!ent || !ent->addr || !ent->name || want_init(&w, ent) != 0)
        return 0;
    scan_text(text, len, &sc, &w, 1);
    return w.state == W_FOUND;
}

static int entry_valid(const hp_hosts_entry *ent, hp_err *e)
{
    if (!ent->addr || !ent->name)
        return hp_err_set(e, HP_EUSAGE, "hosts entry without address or "
                          "name");
    int r = hp_hosts_name_valid(ent->name, e);
    if (!r)
        r = hp_hosts_addr_valid(ent->addr, e);
    if (r)
        return r;
    /* localhost must stay what every program expects it to be */
    if (strcasecmp(ent->name, "localhost") == 0 &&
        strcmp(ent->addr, "127.0.0.1") != 0 && strcmp(ent->addr, "::1") != 0)
        return hp_err_set(e, HP_EUSAGE, "refusing to map localhost to %s: "
                          "localhost is 127.0.0.1 or ::1 only", ent->addr);
    return HP_OK;
}

/* Every entry valid (then w[] set up), and no name asked for with two
 * addresses of one family: a lookup returns only the first, so the other
 * could never resolve and every run would add it again.  The same mapping
 * asked for twice goes in once (dup). */
static int entries_valid(const hp_hosts_entry *ents, size_t n,
                         struct want *w, hp_err *e)
{
    if (n > MAX_ENTS)
        return hp_err_set(e, HP_EUSAGE, "too many hosts entries at once "
                          "(%zu)", n);
    for (size_t i = 0; i < n; i++) {
        int r = entry_valid(&ents[i], e);
        if (r)
            return r;
        want_init(&w[i], &ents[i]);
        for (size_t j = 0; j < i && !w[i].dup; j++) {
            if (w[j].fam != w[i].fam || strcasecmp(w[j].name, w[i].name))
                continue;
            if (memcmp(w[j].bin, w[i].bin, 16) != 0)
                return hp_err_set(e, HP_EUSAGE, "%s is asked to map to both "
                                  "%s and %s: a lookup returns only the "
                                  "first; ask for one", w[j].name,
                                  w[j].addr, w[i].addr);
            w[i].dup = 1;
        }
    }
    return HP_OK;
}

static int missing(const struct want *w)
{
    return w->state != W_FOUND && !w->dup;
}

struct buf {
    char *p;
    size_t n;
};

static void put(struct buf *b, const char *s, size_t n)
{
    memcpy(b->p + b->n, s, n);  /* capacity computed up front */
    b->n += n;
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Where the missing entries go in. */
struct place {
    size_t at;                  /* the offset (a line start, or EOF) */
    int markers;                /* in a new block */
    int sep;                    /* after a newline the file did not end in */
};

/* The missing want whose conflicting line comes first, NULL when none. */
static const struct want *first_clash(const struct want *w, size_t n)
{
    const struct want *c = NULL;
    for (size_t i = 0; i < n; i++)
        if (missing(&w[i]) && w[i].state == W_CLASH &&
            (!c || w[i].clash_off < c->clash_off))
            c = &w[i];
    return c;
}

/* Before the first conflicting line, so a lookup meets ours first; else
 * at the block's end marker, or in a new block at the end of the file.  A
 * conflict above an existing block cannot be beaten from inside it: the
 * user's line is theirs to move, and we say which. */
static int place_for(size_t len, const char *text, const struct scan *sc,
                     int blk, const struct want *w, size_t n,
                     struct place *p, hp_err *e)
{
    const struct want *c = first_clash(w, n);
    memset(p, 0, sizeof *p);
    if (!blk) {
        p->markers = 1;
        p->at = c ? c->clash_off : len;
        p->sep = !c && len > 0 && text[len - 1] != '\n';
        return HP_OK;
    }
    if (c && c->clash_off < sc->beg.off)
        return hp_err_set(e, HP_EFAIL, "hosts file maps %s to %s at line "
            "%zu, above the managed block ('%s' at line %zu): a lookup stops "
            "at that line, so an entry in the block would not be used; move "
            "line %zu below the block or comment it out, then retry",
            c->name, c->clash_addr, c->clash_line, HP_HOSTS_BEGIN,
            sc->beg_line[0], c->clash_line);
    p->at = c && c->clash_off < sc->end.off ? c->clash_off : sc->end.off;
    return HP_OK;
}

/* The new text, and the record of what went in (hostsfile.h). */
static int emit(const char *text, size_t len, const struct scan *sc,
                const struct place *p, const struct want *w, size_t n,
                size_t need, struct buf *b, struct buf *rec, hp_err *e)
{
    const char *eol = sc->crlf ? "\r\n" : "\n";
    b->p = hp_af_buffer(len + need + BEGIN_LEN + END_LEN + 8);
    rec->p = malloc(need + sizeof HP_HOSTS_REC_MARKERS + 1);
    if (!b->p || !rec->p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "hosts edit");
    put(b, text, p->at);
    if (p->markers) {
        if (p->sep)
            put_str(b, eol);
        put_str(b, HP_HOSTS_BEGIN);
        put_str(b, eol);
        put_str(rec, HP_HOSTS_REC_MARKERS);
    }
    for (size_t i = 0; i < n; i++) {
        if (!missing(&w[i]))
            continue;
        size_t l0 = b->n;
        put_str(b, w[i].addr);
        put(b, " ", 1);
        put_str(b, w[i].name);
        if (rec->n)
            put_str(rec, HP_HOSTS_REC_SEP);
        put(rec, b->p + l0, b->n - l0);
        put_str(b, eol);
    }
    if (p->markers) {
        put_str(b, HP_HOSTS_END);
        if (!p->sep)            /* unterminated end = the separator is ours */
            put_str(b, eol);
    }
    put(b, text + p->at, len - p->at);
    b->p[b->n] = '\0';
    rec->p[rec->n] = '\0';
    return HP_OK;
}

int hp_hosts_add(const char *text, size_t len, const hp_hosts_entry *ents,
                 size_t n, char **out, size_t *outlen, char **rec,
                 hp_err *e)
{
    struct want w[MAX_ENTS];
    struct scan sc;
    struct place p;
    *out = NULL;
    *outlen = 0;
    if (rec)
        *rec = NULL;
    int r = entries_valid(ents, n, w, e);
    if (r)
        return r;
    scan_text(text, len, &sc, w, n);
    int blk = block_state(&sc, e);
    if (blk < 0)
        return HP_EFAIL;
    size_t need = 0;
    for (size_t i = 0; i < n; i++)
        if (missing(&w[i]))
            need += w[i].alen + 1 + w[i].nlen + 2;
    if (need == 0)
        return HP_OK;           /* everything resolves: write nothing */
    if ((r = place_for(len, text, &sc, blk, w, n, &p, e)))
        return r;
    struct buf b = { NULL, 0 }, rb = { NULL, 0 };
    if ((r = emit(text, len, &sc, &p, w, n, need, &b, &rb, e))) {
        free(b.p);
        free(rb.p);
        return r;
    }
    *out = b.p;
    *outlen = b.n;
    if (rec)
        *rec = rb.p;
    else
        free(rb.p);
    return HP_OK;
}

/* The whole block, and the separator hp_hosts_add put before it. */
static int cut_block(const char *text, size_t len, const struct scan *sc,
                     char **out, size_t *outlen, hp_err *e)
{
    size_t from = sc->beg.off, to = sc->end.off + sc->end.len + sc->end.term;
    /* See the top of the file: an unterminated end marker at EOF says the
     * newline before the begin marker was added by us.  It is exactly the
     * terminator add wrote after the begin marker. */
    if (to == len && sc->end.term == 0 && from > 0 &&
        sc->beg_prev_term >= sc->beg.term && sc->beg.term > 0)
        from -= sc->beg.term;
    size_t n = len - (to - from);
    char *p = hp_af_buffer(n);
    if (!p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "hosts edit");
    memcpy(p, text, from);
    memcpy(p + from, text + to, len - to);
    p[n] = '\0';
    *out = p;
    *outlen = n;
    return HP_OK;
}

/* Walk the lines between the markers: each that r takes is ours.  With b,
 * copy the others; returns how many were taken, *kept the others. */
static size_t walk_inner(const char *text, const struct scan *sc,
                         hp_hosts_rec *r, struct buf *b, size_t *kept)
{
    size_t to = sc->end.off, taken = 0;
    *kept = 0;
    hp_hosts_rec_rewind(r);
    for (size_t pos = sc->beg.off + sc->beg.len + sc->beg.term; pos < to;) {
        hp_line l;
        size_t next = hp_next_line(text, to, pos, &l);
        if (hp_hosts_rec_take(r, text + l.off, l.len)) {
            taken++;
        } else {
            ++*kept;
            if (b)
                put(b, text + pos, next - pos);
        }
        pos = next;
    }
    return taken;
}

/* What r records, out of the block: our lines, the markers when ours; the
 * block whole when nothing else is left in it. */
static int cut_ours(const char *text, size_t len, const struct scan *sc,
                    hp_hosts_rec *r, char **out, size_t *outlen, hp_err *e)
{
    size_t kept, taken = walk_inner(text, sc, r, NULL, &kept);
    if (r->markers && kept == 0)
        return cut_block(text, len, sc, out, outlen, e);
    if (taken == 0 && !r->markers)
        return HP_OK;
    struct buf b = { hp_af_buffer(len), 0 };
    if (!b.p)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "hosts edit");
    size_t inner = sc->beg.off + sc->beg.len + sc->beg.term;
    size_t after = sc->end.off + sc->end.len + sc->end.term;
    put(&b, text, r->markers ? sc->beg.off : inner);
    walk_inner(text, sc, r, &b, &kept);
    if (!r->markers)
        put(&b, text + sc->end.off, after - sc->end.off);
    put(&b, text + after, len - after);
    b.p[b.n] = '\0';
    *out = b.p;
    *outlen = b.n;
    return HP_OK;
}

int hp_hosts_remove(const char *text, size_t len, const char *rec,
                    char **out, size_t *outlen, hp_err *e)
{
    struct scan sc;
    hp_hosts_rec r;
    *out = NULL;
    *outlen = 0;
    if (rec && hp_hosts_rec_parse(rec, &r, e) != HP_OK)
        return HP_EFAIL;
    scan_text(text, len, &sc, NULL, 0);
    int blk = block_state(&sc, e), rc = HP_OK;
    if (blk < 0)
        rc = HP_EFAIL;
    else if (blk && !rec)
        rc = cut_block(text, len, &sc, out, outlen, e);
    else if (blk)
        rc = cut_ours(text, len, &sc, &r, out, outlen, e);
    if (rec)
        hp_hosts_rec_free(&r);
    return rc;
}

/* ---- file level ---------------------------------------------------- */

/* Open the directory of the hosts file.  A symlink there (/etc/hosts ->
 * somewhere else on some systems) is followed under the same rule as
 * safepath's: only a root-owned link in a root-owned directory writable by
 * no one else; its target is a host path again, walked by safepath. */
static int open_hosts(int rootfd, const char *hpath, int *dirfd,
                      char leaf[256], hp_err *e)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", hpath) >= (int)sizeof path)
        return hp_err_set(e, HP_EUSAGE, "hosts path too long");
    for (int hop = 0;; hop++) {
        int r = hp_sp_open_parent(rootfd, path, dirfd, leaf, e);
        if (r)
            return r;
        struct stat st, ds;
        if (fstatat(*dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISLNK(st.st_mode))
            return HP_OK;
        char tgt[PATH_MAX];
        ssize_t tn = readlinkat(*dirfd, leaf, tgt, sizeof tgt - 1);
        int bad = fstat(*dirfd, &ds) != 0 || st.st_uid != 0 ||
                  ds.st_uid != 0 || (ds.st_mode & 022) || tn <= 0;
        close(*dirfd);
        *dirfd = -1;
        if (bad)
            return hp_err_set(e, HP_EFAIL, "%s is a symlink that is not "
                              "root-owned in a root-only directory: refusing "
                              "to follow it; make it a regular file", path);
        if (hop >= MAX_HOPS)
            return hp_err_set(e, HP_EFAIL, "%s: too many symlinks", hpath);
        tgt[tn] = '\0';
        char next[PATH_MAX];
        if (tgt[0] == '/') {
            snprintf(next, sizeof next, "%s", tgt);
        } else {
            char *slash = strrchr(path, '/');
            int dl = slash ? (int)(slash - path) : 0;
            if (snprintf(next, sizeof next, "%.*s/%s", dl, path, tgt) >=
                (int)sizeof next)
                return hp_err_set(e, HP_EFAIL, "%s: link target too long",
                                  path);
        }
        memcpy(path, next, sizeof path);
    }
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* After a failed replace: did someone else change the file since we read
 * it (seen = NULL: it was missing)?  Then a retry is worth it. */
static int changed_since(int dirfd, const char *leaf, const struct stat *seen)
{
    struct stat now;
    int gone = fstatat(dirfd, leaf, &now, AT_SYMLINK_NOFOLLOW) != 0;
    if (!seen)
        return !gone;
    return gone || !same_file(seen, &now);
}

typedef int (*xform_fn)(const char *text, size_t len, char **out,
                        size_t *outlen, hp_err *e, const void *arg);

/* Read, transform, replace under the directory lock.  The lock orders
 * hostpriv's own editors; a foreign editor (vi, a user's script) is caught
 * by hp_af_replace's expect check: we re-read and retry once, then fail. */
static int edit(int dirfd, const char *leaf, xform_fn fn, const void *arg,
                int *changed, hp_err *e)
{
    int r = HP_OK;
    for (int attempt = 0;; attempt++) {
        char *data = NULL, *out = NULL;
        size_t len = 0, outlen = 0;
        struct stat st;
        int exists = 1;
        r = hp_af_read(dirfd, leaf, HP_HOSTS_MAX, &data, &len, &st, e);
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
        hp_af_opts o = {
            .mode = 0644,
            .uid = geteuid() == 0 ? 0 : (uid_t)-1,
            .gid = geteuid() == 0 ? 0 : (gid_t)-1,
            .create = !exists,
            .expect = exists ? &st : NULL,
        };
        r = hp_af_replace(dirfd, leaf, out, outlen, &o, e);
        free(out);
        if (r == HP_OK) {
            *changed = 1;
            return HP_OK;
        }
        if (attempt > 0 || !changed_since(dirfd, leaf, exists ? &st : NULL))
            return r;
        hp_err_clear(e);
    }
}

static int edit_file(int rootfd, const char *hpath, xform_fn fn,
                     const void *arg, int *changed, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    int dirfd = -1, r;
    char leaf[256];
    if (!e)
        e = &tmp;
    *changed = 0;
    if ((r = open_hosts(rootfd, hpath, &dirfd, leaf, e)))
        return r;
    int lk = hp_af_lock_dir(dirfd, e);
    if (lk < 0) {
        close(dirfd);
        return e->code ? e->code : HP_EFAIL;
    }
    /* a temp left by an editor of ours killed mid-write: with the lock
     * held no editor of ours is writing one, so it can go */
    hp_af_clean_temps(dirfd, leaf);
    r = edit(dirfd, leaf, fn, arg, changed, e);
    if (r && !strstr(e->msg, hpath)) {
        char m[sizeof e->msg];
        snprintf(m, sizeof m, "%s: %s", hpath, e->msg);
        memcpy(e->msg, m, sizeof m);
    }
    hp_af_unlock(lk);
    close(dirfd);
    return r;
}

struct add_arg {
    const hp_hosts_entry *ents;
    size_t n;
    char **rec;                 /* what the edit added */
};

static int add_fn(const char *t, size_t len, char **out, size_t *outlen,
                  hp_err *e, const void *arg)
{
    const struct add_arg *a = arg;
    free(*a->rec);              /* a retry reads again: its record counts */
    return hp_hosts_add(t, len, a->ents, a->n, out, outlen, a->rec, e);
}

static int remove_fn(const char *t, size_t len, char **out, size_t *outlen,
                     hp_err *e, const void *arg)
{
    return hp_hosts_remove(t, len, arg, out, outlen, e);
}

int hp_hosts_ensure_file(int rootfd, const char *hpath,
                         const hp_hosts_entry *ents, size_t n, int *changed,
                         char **rec, hp_err *e)
{
    /* validate before touching anything, so a bad entry never takes the
     * lock or creates a missing file */
    struct want w[MAX_ENTS];
    char *added = NULL;
    *changed = 0;
    if (rec)
        *rec = NULL;
    int r = entries_valid(ents, n, w, e);
    if (r)
        return r;
    struct add_arg a = { ents, n, &added };
    r = edit_file(rootfd, hpath, add_fn, &a, changed, e);
    if (r == HP_OK && *changed && rec)
        *rec = added;
    else
        free(added);
    return r;
}

int hp_hosts_remove_file(int rootfd, const char *hpath, const char *rec,
                         int *changed, hp_err *e)
{
    return edit_file(rootfd, hpath, remove_fn, rec, changed, e);
}

/* The scan of an open file, read in pieces of SCAN_PIECE bytes into one
 * buffer (it stays in the cache, as cat's does) rather than into one of
 * the file's size: the pieces are cut at line ends, a line longer than
 * the buffer grows it.  0, or the errno of a failed read. */
#define SCAN_PIECE (128u * 1024)

static int scan_fd(int fd, size_t max, struct scanner *s)
{
    size_t cap = SCAN_PIECE, have = 0, base = 0;
    char *buf = malloc(cap);
    int err = buf ? 0 : ENOMEM;
    while (!err) {
        if (base + have > max) {        /* it grew past the limit */
            err = EFBIG;
            break;
        }
        if (have == cap) {              /* one line fills the buffer */
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                err = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = errno;
            break;
        }
        have += (size_t)r;
        const char *nl = r == 0 ? buf + have - 1
                                : memrchr(buf, '\n', have);
        size_t whole = nl && have ? (size_t)(nl - buf) + 1 : 0;
        scan_lines(s, buf, whole, base);
        memmove(buf, buf + whole, have - whole);
        base += whole;
        have -= whole;
        if (r == 0)
            break;
    }
    free(buf);
    return err;
}

/* Read and scan hpath for ents: 1 every entry resolves (the scan in
 * *sc), 0 not, <0 -code (e set).  Nothing is kept of the text.  With
 * writer not NULL, *writer says whether the directory's lock file is
 * there: an editor is at work, or one was killed and left it (and
 * perhaps its temp file) for the next editor to clear. */
static int scan_file(int rootfd, const char *hpath,
                     const hp_hosts_entry *ents, size_t n, struct scan *sc,
                     int *writer, hp_err *e)
{
    struct want w[MAX_ENTS];
    struct scanner s;
    int dirfd = -1, fd, r;
    char leaf[256];
    if ((r = entries_valid(ents, n, w, e)))
        return -r;
    if ((r = open_hosts(rootfd, hpath, &dirfd, leaf, e)))
        return -r;
    struct stat lk;
    if (writer)
        *writer = fstatat(dirfd, HP_DIRLOCK_NAME, &lk,
                          AT_SYMLINK_NOFOLLOW) == 0;
    r = hp_af_open_read(dirfd, leaf, HP_HOSTS_MAX, &fd, NULL, e);
    close(dirfd);
    if (r != HP_OK) {
        if (e->sys == ENOENT) {
            hp_err_clear(e);
            return 0;
        }
        return -r;
    }
    scanner_init(&s, sc, w, n);
    s.lines = 0;        /* nobody reads a line number here: not counted */
    int err = scan_fd(fd, HP_HOSTS_MAX, &s);
    close(fd);
    if (err)
        return -hp_err_sys(e, HP_EFAIL, err, "cannot read %s", hpath);
    for (size_t i = 0; i < n; i++)
        if (w[i].state != W_FOUND)
            return 0;
    return 1;
}

int hp_hosts_check_file(int rootfd, const char *hpath,
                        const hp_hosts_entry *ents, size_t n, hp_err *e)
{
    hp_err tmp = HP_ERR_INIT;
    struct scan sc;
    return scan_file(rootfd, hpath, ents, n, &sc, NULL, e ? e : &tmp);
}

int hp_hosts_ensure_needed(int rootfd, const char *hpath,
                           const hp_hosts_entry *ents, size_t n)
{
    hp_err e = HP_ERR_INIT;
    struct scan sc;
    int writer = 0;
    /* nothing to write: every entry resolves and the markers are sound
     * (hp_hosts_add would refuse malformed ones even then), and no
     * editor's lock file is there (the locked path waits for a live one,
     * or clears what a killed one left: its lock file, its temp) */
    if (scan_file(rootfd, hpath, ents, n, &sc, &writer, &e) == 1 &&
        !writer && block_state(&sc, &e) >= 0)
        return 0;
    return 1;
}
