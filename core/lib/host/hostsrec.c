/* Reading back the record of what hostpriv added to a hosts file. */
#include "hostsrec.h"
#include "hostsfile.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "ADDR NAME" exactly as hostpriv writes it: one space, both valid. */
static int line_field_ok(char *f)
{
    char *sp = strchr(f, ' ');
    if (!sp || sp == f || strchr(sp + 1, ' '))
        return 0;
    *sp = '\0';
    int ok = hp_hosts_addr_valid(f, NULL) == HP_OK &&
             hp_hosts_name_valid(sp + 1, NULL) == HP_OK;
    *sp = ' ';
    return ok;
}

static int bad_field(hp_hosts_rec *r, size_t i, hp_err *e)
{
    hp_hosts_rec_free(r);
    return hp_err_set(e, HP_EFAIL, "the journal's record of the hosts lines "
                      "hostpriv added is damaged (field %zu is neither '%s' "
                      "nor 'ADDRESS NAME'): nothing was removed; fix or remove "
                      "the HOSTS line of the journal, then retry", i + 1,
                      HP_HOSTS_REC_MARKERS);
}

int hp_hosts_rec_parse(const char *text, hp_hosts_rec *r, hp_err *e)
{
    memset(r, 0, sizeof *r);
    size_t fields = 1;
    for (const char *p = text; (p = strstr(p, HP_HOSTS_REC_SEP)); p++)
        fields++;
    r->buf = strdup(text);
    r->line = calloc(fields, sizeof *r->line);
    if (!r->buf || !r->line) {
        hp_hosts_rec_free(r);
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "hosts record");
    }
    char *f = r->buf;
    for (size_t i = 0; i < fields; i++) {
        char *next = strstr(f, HP_HOSTS_REC_SEP);
        if (next)
            *next = '\0';
        if (strcmp(f, HP_HOSTS_REC_MARKERS) == 0)
            r->markers = 1;
        else if (line_field_ok(f))
            r->line[r->n++] = (hp_hosts_rec_line){ f, strlen(f), 0 };
        else
            return bad_field(r, i, e);
        f = next ? next + strlen(HP_HOSTS_REC_SEP) : f;
    }
    return HP_OK;
}

int hp_hosts_rec_take(hp_hosts_rec *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->n; i++)
        if (!r->line[i].used && r->line[i].n == n &&
            memcmp(r->line[i].s, s, n) == 0) {
            r->line[i].used = 1;
            return 1;
        }
    return 0;
}

void hp_hosts_rec_rewind(hp_hosts_rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        r->line[i].used = 0;
}

void hp_hosts_rec_free(hp_hosts_rec *r)
{
    free(r->buf);
    free(r->line);
    memset(r, 0, sizeof *r);
}
