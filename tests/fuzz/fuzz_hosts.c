/* libFuzzer harness for the /etc/hosts editor (host/hostsfile.h,
 * host/hostsrec.h): the text transforms the file functions apply, on any
 * bytes a hosts file can hold (SECURITY.md 17-22).
 *
 * First byte: bits 0-5 pick entries from a fixed table (localhost,
 * kubernetes.docker.internal, host.docker.internal ... on 127.0.0.1 and
 * ::1), bits 6-7 the mode:
 *   0  one edit: ensure, then remove by its record;
 *   1  two edits (the journal's case: localhost now, Kubernetes's name
 *      later): entries of bits 0-2, then of bits 3-5, their records
 *      joined as the journal joins them, then one remove;
 *   2  a user's entry: the first line of the rest is "ADDR NAME" (any
 *      bytes), the entry ensured with the table's, the rest is the file;
 *   3  a record from the input: the first line of the rest is a record
 *      (any bytes), removed from the rest; and the whole-block remove.
 * What must hold:
 *   - ensure that succeeds makes every entry resolve (hp_hosts_has), and
 *     a second ensure then writes nothing;
 *   - ensure, then remove with its record, gives back the input byte for
 *     byte (also across two edits);
 *   - ensure that writes nothing found every entry resolving already;
 *   - a refused ensure returns no text and no record, with a message;
 *   - remove only ever takes bytes out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/hostsfile.h"
#include "host/hostsrec.h"

static const hp_hosts_entry table[] = {
    { "127.0.0.1", "localhost" },
    { "127.0.0.1", "kubernetes.docker.internal" },
    { "::1", "localhost" },
    { "127.0.0.1", "host.docker.internal" },
    { "::1", "kubernetes.docker.internal" },
    { "127.0.0.1", "gateway.docker.internal" },
};

static size_t pick(unsigned mask, hp_hosts_entry *out, size_t at)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (mask & (1u << i))
            out[at++] = table[i];
    return at;
}

/* Ensure ents; on success the result resolves them and is stable.
 * Returns the new text (NULL: nothing written) and its record. */
static char *ensure(const char *t, size_t n, const hp_hosts_entry *ents,
                    size_t ne, size_t *outn, char **rec)
{
    char *out = NULL;
    hp_err e = HP_ERR_INIT;
    *rec = NULL;
    int rc = hp_hosts_add(t, n, ents, ne, &out, outn, rec, &e);
    if (rc != HP_OK) {
        if (out || *rec || !e.msg[0])
            abort();
        return NULL;
    }
    const char *r = out ? out : t;
    size_t rn = out ? *outn : n;
    for (size_t i = 0; i < ne; i++)
        if (!hp_hosts_has(r, rn, &ents[i]))
            abort();
    if (!out && *rec)
        abort();
    if (out) {
        char *again = NULL, *rec2 = NULL;
        size_t an;
        if (hp_hosts_add(out, *outn, ents, ne, &again, &an, &rec2, NULL) !=
                HP_OK || again || rec2)
            abort();
    }
    return out;
}

static void remove_gives_back(const char *now, size_t nown, const char *rec,
                              const char *orig, size_t orign)
{
    char *back = NULL;
    size_t bn = 0;
    if (hp_hosts_remove(now, nown, rec, &back, &bn, NULL) != HP_OK || !back ||
        bn != orign || memcmp(back, orig, orign) != 0)
        abort();
    free(back);
}

static void one_edit(const char *t, size_t n, const hp_hosts_entry *ents,
                     size_t ne)
{
    size_t on;
    char *rec, *out = ensure(t, n, ents, ne, &on, &rec);
    if (out)
        remove_gives_back(out, on, rec, t, n);
    free(out);
    free(rec);
}

static void two_edits(const char *t, size_t n, unsigned mask)
{
    hp_hosts_entry a[8], b[8];
    size_t na = pick(mask & 7, a, 0), nb = pick(mask & 070, b, 0);
    size_t n1, n2;
    char *r1, *r2;
    char *t1 = ensure(t, n, a, na, &n1, &r1);
    const char *mid = t1 ? t1 : t;
    size_t midn = t1 ? n1 : n;
    char *t2 = ensure(mid, midn, b, nb, &n2, &r2);
    if (t2 && t1) {
        char *both = malloc(strlen(r1) + strlen(r2) + 2);
        if (!both)
            abort();
        strcpy(both, r1);
        strcat(both, HP_HOSTS_REC_SEP);
        strcat(both, r2);
        remove_gives_back(t2, n2, both, t, n);
        free(both);
    } else if (t2 || t1) {
        remove_gives_back(t2 ? t2 : t1, t2 ? n2 : n1, t2 ? r2 : r1, t, n);
    }
    free(t1);
    free(t2);
    free(r1);
    free(r2);
}

/* Split off the first line of d[0..n) into a NUL-terminated string. */
static char *first_line(const char *d, size_t n, size_t *used)
{
    const char *nl = memchr(d, '\n', n);
    size_t l = nl ? (size_t)(nl - d) : n;
    char *s = malloc(l + 1);
    if (!s)
        abort();
    memcpy(s, d, l);
    s[l] = '\0';
    *used = nl ? l + 1 : l;
    return s;
}

static void removes_only(const char *t, size_t n, const char *rec)
{
    char *out = NULL;
    size_t on = 0;
    if (hp_hosts_remove(t, n, rec, &out, &on, NULL) == HP_OK && out &&
        on >= n)
        abort();
    free(out);
}

static void record_from_input(const char *d, size_t n)
{
    size_t used;
    char *rec = first_line(d, n, &used);
    hp_hosts_rec r;
    if (hp_hosts_rec_parse(rec, &r, NULL) == HP_OK)
        hp_hosts_rec_free(&r);
    removes_only(d + used, n - used, rec);
    removes_only(d + used, n - used, NULL);
    free(rec);
}

static void user_entry(const char *d, size_t n, unsigned mask)
{
    size_t used;
    char *spec = first_line(d, n, &used);
    char *sp = strchr(spec, ' ');
    hp_hosts_entry ents[8];
    size_t ne = pick(mask, ents, 0);
    if (sp) {
        *sp = '\0';
        ents[ne++] = (hp_hosts_entry){ spec, sp + 1 };
        hp_hosts_name_valid(sp + 1, NULL);
        hp_hosts_addr_valid(spec, NULL);
    }
    one_edit(d + used, n - used, ents, ne);
    free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mask = data[0] & 077;
    /* a buffer of its own with the text NUL-terminated, as hp_af_read
     * hands it over: a read past the NUL is caught */
    char *t = malloc(size);
    if (!t)
        return 0;
    memcpy(t, data + 1, size - 1);
    t[size - 1] = '\0';
    size_t n = size - 1;
    switch (data[0] >> 6) {
    case 0: {
        hp_hosts_entry ents[8];
        one_edit(t, n, ents, pick(mask, ents, 0));
        break;
    }
    case 1: two_edits(t, n, mask); break;
    case 2: user_entry(t, n, mask); break;
    default: record_from_input(t, n); break;
    }
    free(t);
    return 0;
}
