/* hp_set as a whole reopen: the context keeps the options it was opened
 * with, and a new key is one more setting after them.  The context is
 * opened again from all of them in a fresh struct, and only once that
 * worked (configuration read, root and user resolved, plugin picked) is it
 * moved into the caller's handle and the plugin started there; a failure
 * at any step leaves the handle exactly as it was.  So host.root reads its
 * own system files, host.user its own home, core.* their plugin, and a
 * rejected value poisons nothing. */
#include "ctx.h"
#include <stdlib.h>
#include <string.h>
#include "config.h"

struct hp_opened {
    hp_open_opts o;            /* strings below point into this struct */
    char *config_file, *root, *sets_origin, *install_user, *program;
    char **sets;               /* NULL-terminated */
    char **api_sets;           /* hp_set items so far, NULL-terminated */
    size_t napi;
};

static char **strv_dup(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(v[i]))) {
            while (i--)
                free(out[i]);
            free(out);
            return NULL;
        }
    return out;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static int dup_opt(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return !src || *dst;
}

void hp_opened_free(struct hp_opened *s)
{
    if (!s)
        return;
    free(s->config_file);
    free(s->root);
    free(s->sets_origin);
    free(s->install_user);
    free(s->program);
    strv_free(s->sets);
    strv_free(s->api_sets);
    free(s);
}

struct hp_opened *hp_opened_save(const hp_open_opts *o)
{
    struct hp_opened *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *o;
    int ok = dup_opt(&s->config_file, o->config_file) &&
             dup_opt(&s->root, o->root) &&
             dup_opt(&s->sets_origin, o->sets_origin) &&
             dup_opt(&s->install_user, o->install_user) &&
             dup_opt(&s->program, o->program) &&
             (s->sets = strv_dup(o->sets)) &&
             (s->api_sets = strv_dup(o->api_sets));
    if (!ok) {
        hp_opened_free(s);
        return NULL;
    }
    while (s->api_sets[s->napi])
        s->napi++;
    s->o.config_file = s->config_file;
    s->o.root = s->root;
    s->o.sets_origin = s->sets_origin;
    s->o.install_user = s->install_user;
    s->o.program = s->program;
    s->o.sets = (const char *const *)s->sets;
    s->o.api_sets = (const char *const *)s->api_sets;
    return s;
}

/* What belongs to the handle rather than to one opening: the embedder's
 * callbacks, what this run has asked and answered, the last socket bound. */
static void keep_runtime(hp_ctx *to, const hp_ctx *from)
{
    to->prompt_fn = from->prompt_fn;
    to->prompt_data = from->prompt_data;
    to->event_fn = from->event_fn;
    to->event_data = from->event_data;
    to->log_fn = from->log_fn;
    to->log_data = from->log_data;
    to->answers_used = from->answers_used;
    to->prompts_asked = from->prompts_asked;
    to->prompt_unavailable = from->prompt_unavailable;
    to->bound = from->bound;
}

/* The saved options with "key=value" appended to the hp_set items, an
 * earlier item for the same key dropped (the last one won anyway, and an
 * app that sets a key often keeps a short list): a new copy (the old one
 * stays the context's until the reopen succeeded). */
static struct hp_opened *with_set(const struct hp_opened *s, const char *key,
                                  const char *value)
{
    size_t kl = strlen(key), vl = strlen(value), k = 0;
    char *item = malloc(kl + vl + 2);
    const char **v = calloc(s->napi + 2, sizeof *v);
    struct hp_opened *n = NULL;
    if (item && v) {
        memcpy(item, key, kl);
        item[kl] = '=';
        memcpy(item + kl + 1, value, vl + 1);
        for (size_t i = 0; i < s->napi; i++)
            if (strncmp(s->api_sets[i], item, kl + 1) != 0)
                v[k++] = s->api_sets[i];
        v[k] = item;
        hp_open_opts o = s->o;
        o.api_sets = v;
        n = hp_opened_save(&o);
    }
    free(item);
    free(v);
    return n;
}

static int check_set(hp_ctx *c, const char *key, const char *value, hp_err *e)
{
    const hp_config_key *k = hp_config_key_find(key);
    if (!k)
        return hp_err_set(e, HP_ECONFIG, "hp_set: unknown key '%s': see "
                          "hostpriv.ini(5) or `hostpriv config` for the keys",
                          key);
    hp_err ve = HP_ERR_INIT;
    if (hp_config_validate(k, value, &ve) != HP_OK)
        return hp_err_set(e, HP_ECONFIG, "hp_set: %s", ve.msg);
    if (hp_config_locked(c->cfg, key))
        return hp_err_set(e, HP_EDENIED, "%s is locked by %s: ask the "
                          "administrator to change it there", key,
                          hp_config_origin(c->cfg, key));
    return HP_OK;
}

int hp_ctx_set(hp_ctx *c, const char *key, const char *value, hp_err *e)
{
    if (!key || !value)
        return hp_err_set(e, HP_EUSAGE, "hp_set: key and value must not be "
                          "NULL");
    int rc = check_set(c, key, value, e);
    if (rc != HP_OK)
        return rc;
    if (!c->opened)
        return hp_err_set(e, HP_EINTERNAL, "hp_set: this context cannot be "
                          "opened again");
    struct hp_opened *want = with_set(c->opened, key, value);
    hp_ctx *n = want ? hp_ctx_new(&want->o, c->host_api) : NULL;
    if (!n) {
        hp_opened_free(want);
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    }
    keep_runtime(n, c);
    n->opened = want;
    rc = hp_ctx_build(n, &want->o, e);
    if (rc != HP_OK) {
        hp_ctx_close(n);
        return rc;
    }
    /* move in, keeping the old state aside until the plugin started */
    hp_ctx old = *c;
    *c = *n;
    free(n);
    rc = hp_ctx_start_plugin(c, e);
    if (rc != HP_OK) {
        hp_ctx_release(c);
        *c = old;
        return rc;
    }
    hp_ctx_release(&old);
    return HP_OK;
}
