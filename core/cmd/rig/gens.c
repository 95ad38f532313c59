/* The generation of each scenario, as hostpriv would pick it for the
 * sandbox the rig writes: core.plugin when set, else the plugin whose
 * version range holds core.version, each taken from [admin] (which locks),
 * else [config], else [scenario], else the configuration's default.  The
 * plugins are loaded with the core's own loader, only for their names and
 * ranges, and unloaded before any scenario process is forked. */
#include "rig.h"
#include <stdlib.h>
#include <string.h>
#include "engine/config.h"
#include "engine/loader.h"

static const char *kv_get(const hp_rig_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return kv[i].val;
    return NULL;
}

static const char *effective(const hp_rig_scenario *sc, const char *key,
                             const char *own)
{
    const char *v = kv_get(sc->admin, sc->nadmin, key);
    if (!v)
        v = kv_get(sc->config, sc->nconfig, key);
    if (!v)
        v = own;
    if (!v) {
        const hp_config_key *k = hp_config_key_find(key);
        v = k && k->def ? k->def : "";
    }
    return v;
}

static int by_range(const void *a, const void *b)
{
    const hp_rig_gen *x = a, *y = b;
    if (!x->min || !y->min)       /* open below: the oldest */
        return x->min ? 1 : y->min ? -1 : strcmp(x->name, y->name);
    int c = hp_version_cmp(x->min, y->min);
    return c ? c : strcmp(x->name, y->name);
}

static void resolve(hp_rig_case *c, hp_loaded *list, size_t n)
{
    const char *plugin = effective(&c->sc, "core.plugin", c->sc.plugin);
    const char *version = effective(&c->sc, "core.version", c->sc.version);
    hp_err e = HP_ERR_INIT;
    size_t idx;
    if (*plugin)
        c->generation = hp_rig_strdup(plugin);   /* built or not */
    else if (hp_loader_pick(list, n, NULL, version, &idx, &e) == HP_OK)
        c->generation = hp_rig_strdup(list[idx].desc.name);
}

void hp_rig_suite_generations(hp_rig_suite *s, const char *dir,
                              int require_safe)
{
    hp_loaded *list = NULL;
    size_t n = 0;
    char warn[2048] = "";
    hp_err e = HP_ERR_INIT;
    if (hp_loader_scan(dir, require_safe, &list, &n, warn, sizeof warn, &e)
        != HP_OK)
        fprintf(stderr, "hostpriv-rig: plugins in %s: %s\n", dir, e.msg);
    else if (*warn)
        fprintf(stderr, "hostpriv-rig: plugins in %s: %s\n", dir, warn);
    for (size_t i = 0; i < n; i++) {
        hp_rig_gen *g = HP_RIG_PUSH(s->gens, s->ngens);
        g->name = hp_rig_strdup(list[i].desc.name);
        g->min = hp_rig_strdup(list[i].desc.version_min);
        g->max = hp_rig_strdup(list[i].desc.version_max);
    }
    qsort(s->gens, s->ngens, sizeof *s->gens, by_range);
    for (size_t i = 0; i < s->n; i++)
        if (!s->v[i].error)
            resolve(&s->v[i], list, n);
    hp_loader_free(list, n);
}
