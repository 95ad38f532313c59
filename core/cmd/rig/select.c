/* Which scenarios a command works on: --behaviour (any of the ids),
 * --plugin (any of the generations) and --shard K/N.  A shard is chosen by
 * a hash of the scenario's name alone, so the N jobs of a CI matrix agree
 * without talking to each other, their union is the whole suite, and
 * adding or removing a file never moves another file to a different
 * shard.  A file that does not parse has no behaviours or generation to
 * filter on: it stays in every filtered selection (in one shard), where it
 * fails, so a broken file can never drop out of CI unnoticed. */
#include "rig.h"
#include "base/sha256.h"
#include <stdlib.h>
#include <string.h>

unsigned hp_rig_shard_of(const char *name, unsigned n)
{
    char hex[65], head[17];
    hp_sha256_hex(name, strlen(name), hex);
    memcpy(head, hex, 16);          /* the first 64 bits of the digest */
    head[16] = '\0';
    unsigned long long h = strtoull(head, NULL, 16);
    return n ? (unsigned)(h % n) + 1 : 1;
}

static int names_behaviour(const hp_rig_case *c, const char *id)
{
    for (size_t i = 0; i < c->sc.nbehaviours; i++)
        if (!strcmp(c->sc.behaviours[i], id))
            return 1;
    return 0;
}

static int wanted(const hp_rig_case *c, const hp_rig_opts *o)
{
    if (c->error)
        return 1;
    int ok = o->nbehaviours == 0;
    for (size_t i = 0; !ok && i < o->nbehaviours; i++)
        ok = names_behaviour(c, o->behaviours[i]);
    if (!ok)
        return 0;
    ok = o->nplugins == 0;
    for (size_t i = 0; !ok && i < o->nplugins; i++)
        ok = c->generation && !strcmp(c->generation, o->plugins[i]);
    return ok;
}

/* A filter value nothing has is a typo or a stale CI configuration: say
 * so rather than run nothing and pass. */
static int known(const hp_rig_suite *s, const hp_rig_opts *o)
{
    for (size_t i = 0; i < o->nbehaviours; i++) {
        int any = 0;
        for (size_t k = 0; k < s->n && !any; k++)
            any = names_behaviour(&s->v[k], o->behaviours[i]);
        if (!any) {
            fprintf(stderr, "hostpriv-rig: --behaviour %s: no scenario "
                    "under the paths given covers it\n", o->behaviours[i]);
            return -1;
        }
    }
    for (size_t i = 0; i < o->nplugins; i++) {
        int any = 0;
        for (size_t k = 0; k < s->ngens && !any; k++)
            any = !strcmp(s->gens[k].name, o->plugins[i]);
        for (size_t k = 0; k < s->n && !any; k++)
            any = s->v[k].generation &&
                  !strcmp(s->v[k].generation, o->plugins[i]);
        if (!any) {
            fprintf(stderr, "hostpriv-rig: --plugin %s: no such generation; "
                    "found:", o->plugins[i]);
            for (size_t k = 0; k < s->ngens; k++)
                fprintf(stderr, " %s", s->gens[k].name);
            fputs(s->ngens ? "\n" : " no plugins\n", stderr);
            return -1;
        }
    }
    return 0;
}

int hp_rig_suite_select(const hp_rig_suite *s, const hp_rig_opts *o,
                        size_t **sel, size_t *nsel)
{
    *sel = NULL;
    *nsel = 0;
    if (known(s, o))
        return -1;
    size_t filtered = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!wanted(&s->v[i], o))
            continue;
        filtered++;
        if (o->shard_n && hp_rig_shard_of(s->v[i].name, o->shard_n) !=
                          o->shard_k)
            continue;
        *HP_RIG_PUSH(*sel, *nsel) = i;
    }
    if (filtered == 0 && (o->nbehaviours || o->nplugins)) {
        fputs("hostpriv-rig: no scenario matches --behaviour and --plugin "
              "together\n", stderr);
        return -1;
    }
    return 0;
}
