/* Port lists ("80,443,8000-8099").  The text reaches the root helper, so
 * it is parsed as strictly as one port is (ports.c): plain digits, no
 * blanks, no empty items, no port twice, a bounded count. */
#include "portlist.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "ports.h"

/* One bit per port: "seen already" without sorting. */
typedef struct seen {
    uint64_t w[65536 / 64];
} seen;

static int seen_add(seen *s, int port)
{
    uint64_t bit = (uint64_t)1 << (port & 63);
    if (s->w[port >> 6] & bit)
        return 0;
    s->w[port >> 6] |= bit;
    return 1;
}

static int bad_item(hp_err *e, const char *text, const char *item, size_t n)
{
    return hp_err_set(e, HP_EUSAGE, "port list '%.80s': '%.*s' is not a port "
                      "or a range LO-HI of ports from 1 to 65535 (write "
                      "80,443,8000-8099)", text, (int)(n > 40 ? 40 : n),
                      item);
}

/* One item p[0..len): its range in *lo, *hi. */
static int item_range(const char *text, const char *p, size_t len, int *lo,
                      int *hi, hp_err *e)
{
    const char *dash = memchr(p, '-', len);
    if (dash) {
        *lo = hp_port_number(p, (size_t)(dash - p));
        *hi = hp_port_number(dash + 1, len - (size_t)(dash - p) - 1);
    } else {
        *lo = *hi = hp_port_number(p, len);
    }
    if (*lo < 1 || *hi < 1)
        return bad_item(e, text, p, len);
    if (*lo > *hi)
        return hp_err_set(e, HP_EUSAGE, "port list '%.80s': the range "
                          "%d-%d runs backwards: write %d-%d", text, *lo, *hi,
                          *hi, *lo);
    return HP_OK;
}

static int add_range(const char *text, int lo, int hi, int *ports,
                     size_t max, size_t *n, seen *s, hp_err *e)
{
    if ((size_t)(hi - lo) + 1 > max - *n)
        return hp_err_set(e, HP_EUSAGE, "port list '%.80s': more than %zu "
                          "ports: publish them in parts", text, max);
    for (int p = lo; p <= hi; p++) {
        if (!seen_add(s, p))
            return hp_err_set(e, HP_EUSAGE, "port list '%.80s': port %d is "
                              "in it twice", text, p);
        ports[(*n)++] = p;
    }
    return HP_OK;
}

int hp_portlist_parse(const char *text, int *ports, size_t max, size_t *n,
                      hp_err *e)
{
    *n = 0;
    if (max > HP_PORTS_MAX)
        max = HP_PORTS_MAX;
    if (!text || !*text)
        return hp_err_set(e, HP_EUSAGE, "empty port list: give a port or a "
                          "range such as 8000-8099");
    seen s;                     /* 8 KiB */
    memset(&s, 0, sizeof s);
    const char *p = text;
    int rc = HP_OK;
    for (;;) {
        size_t len = strcspn(p, ",");
        int lo, hi;
        rc = item_range(text, p, len, &lo, &hi, e);
        if (rc == HP_OK)
            rc = add_range(text, lo, hi, ports, max, n, &s, e);
        if (rc != HP_OK || !p[len])
            break;
        p += len + 1;
    }
    if (rc != HP_OK)
        *n = 0;
    return rc;
}

int hp_portlist_valid(const int *ports, size_t n, hp_err *e)
{
    if (n < 1 || n > HP_PORTS_MAX)
        return hp_err_set(e, HP_EUSAGE, "%zu ports: give 1 to %d", n,
                          HP_PORTS_MAX);
    seen s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < n; i++) {
        if (ports[i] < 1 || ports[i] > 65535)
            return hp_err_set(e, HP_EUSAGE, "port %d: must be from 1 to "
                              "65535", ports[i]);
        if (!seen_add(&s, ports[i]))
            return hp_err_set(e, HP_EUSAGE, "port %d is in the list twice",
                              ports[i]);
    }
    return HP_OK;
}

int hp_portlist_text(const int *ports, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ports[j + 1] == ports[j] + 1)
            j++;
        if (ports[i] < 1 || ports[j] > 65535)
            return -1;
        int w = j > i ? snprintf(out + o, outsz - o, "%s%d-%d", i ? "," : "",
                                 ports[i], ports[j])
                      : snprintf(out + o, outsz - o, "%s%d", i ? "," : "",
                                 ports[i]);
        if (w < 0 || (size_t)w >= outsz - o)
            return -1;
        o += (size_t)w;
        i = j + 1;
    }
    return 0;
}

int hp_portspec_parse(const char *spec, char *addr, size_t addrsz,
                      int *ports, size_t max, size_t *n, hp_err *e)
{
    const char *rest;
    *n = 0;
    int rc = hp_port_split(spec, addr, addrsz, &rest, e);
    return rc != HP_OK ? rc : hp_portlist_parse(rest, ports, max, n, e);
}
