/* The record of what hostpriv added to a hosts file (format in
 * hostsfile.h), read back for removal: which lines are ours, and whether
 * the block's markers are.  Each recorded line stands for one line of the
 * file: taking it marks it used, so a line the user copied stays. */
#ifndef HP_HOSTSREC_H
#define HP_HOSTSREC_H
#include <stddef.h>
#include "base/err.h"

typedef struct hp_hosts_rec_line {
    const char *s;          /* content, as written: "ADDR NAME" */
    size_t n;
    int used;
} hp_hosts_rec_line;

typedef struct hp_hosts_rec {
    int markers;            /* hostpriv wrote the begin and end markers */
    hp_hosts_rec_line *line;
    size_t n;
    char *buf;              /* the fields, split in place */
} hp_hosts_rec;

/* Parse text; every field must be the markers word or "ADDR NAME" with a
 * valid address and name (what hostpriv writes), else HP_EFAIL naming the
 * field: removal must never take a line out on a damaged record. */
int hp_hosts_rec_parse(const char *text, hp_hosts_rec *r, hp_err *e);
/* 1 when an unused recorded line has exactly the content s[0..n); it is
 * then used. */
int hp_hosts_rec_take(hp_hosts_rec *r, const char *s, size_t n);
/* Every line unused again (for a second walk over the same text). */
void hp_hosts_rec_rewind(hp_hosts_rec *r);
void hp_hosts_rec_free(hp_hosts_rec *r);
#endif
