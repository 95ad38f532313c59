/* doctor: the configuration layers and the plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "actions/hostapi.h"
#include "doctor.h"
#include "engine/config.h"
#include "engine/loader.h"
#include "plugload.h"

static void config_failed(hp_doc *d, const hp_err *e)
{
    char fix[1024];
    if (e->file[0])
        snprintf(fix, sizeof fix, "edit %s line %d%s%s%s (`hostpriv config "
                 "--check` shows the same error)", e->file, e->line,
                 e->hint[0] ? ": did you mean " : "", e->hint,
                 e->hint[0] ? "?" : "");
    else if (e->key[0] && e->hint[0])
        snprintf(fix, sizeof fix, "give the key as %s (--set %s=...)",
                 e->hint, e->hint);
    else if (e->key[0])
        snprintf(fix, sizeof fix, "correct the value of %s (hostpriv.ini(5) "
                 "says what it takes)", e->key);
    else
        snprintf(fix, sizeof fix, "correct it (`hostpriv config --check` "
                 "shows the same error)");
    hp_doc_add(d, HP_DOC_FAIL, "config", fix, "%s", e->msg);
    hp_doc_add(d, HP_DOC_WARN, "other", "fix the configuration first",
               "the other checks need a configuration that loads: not run");
}

/* The files the effective values come from (each key's origin), so the
 * line says what was read without a second list of the layers. */
static void files_ok(hp_doc *d, hp_ctx *c)
{
    size_t n, nf = 0;
    const hp_config_key *k = hp_config_schema(&n);
    char files[16][PATH_MAX], seen[4096] = "";
    for (size_t i = 0; i < n; i++) {
        const char *o = hp_config_origin(c->cfg, k[i].key);
        const char *colon = o ? strrchr(o, ':') : NULL;
        if (!o || o[0] != '/' || !colon || nf == 16)
            continue;
        char file[PATH_MAX];
        snprintf(file, sizeof file, "%.*s", (int)(colon - o), o);
        size_t j = 0;
        while (j < nf && strcmp(files[j], file))
            j++;
        if (j < nf)
            continue;
        snprintf(files[nf++], PATH_MAX, "%s", file);
        size_t l = strlen(seen);
        snprintf(seen + l, sizeof seen - l, "%s%s", l ? ", " : "", file);
    }
    hp_doc_add(d, HP_DOC_OK, "config", NULL, "the configuration loads%s%s",
               seen[0] ? ": " : " (no configuration file sets a key)", seen);
}

/* Locked keys set below admin.ini and the like: loaded, but ignored. */
static void warnings(hp_doc *d, hp_ctx *c)
{
    for (const char *w = hp_config_warnings(c->cfg); *w; ) {
        size_t l = strcspn(w, "\n");
        hp_doc_add(d, HP_DOC_WARN, "config", "remove that setting, or ask "
                   "the administrator to change admin.ini", "%.*s", (int)l, w);
        w += l + (w[l] == '\n');
    }
}

hp_ctx *hp_doc_config(hp_doc *d)
{
    hp_open_opts o = d->cli->opts;
    o.role = geteuid() == 0 ? HP_ROLE_INSTALLER : HP_ROLE_USER;
    o.no_plugin = 1;
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    if (hp_ctx_open(&c, &o, &e) != HP_OK) {
        config_failed(d, &e);
        return NULL;
    }
    files_ok(d, c);
    warnings(d, c);
    return c;
}

static void each_rejected(hp_doc *d, const char *w)
{
    while (*w) {
        size_t l = strcspn(w, "\n");
        hp_doc_add(d, HP_DOC_WARN, "plugins", "remove or replace that file: "
                   "it is not loaded", "%.*s", (int)l, w);
        w += l + (w[l] == '\n');
    }
}

static void selected(hp_doc *d, hp_ctx *c)
{
    const hp_plugin *p = &c->active->desc;
    if (*hp_conf(c, "core.plugin"))
        hp_doc_add(d, HP_DOC_OK, "plugins", NULL, "selected %s: core.plugin "
                   "(%s), emulating %s", p->name,
                   hp_config_origin(c->cfg, "core.plugin"),
                   hp_ctx_version(c));
    else
        hp_doc_add(d, HP_DOC_OK, "plugins", NULL, "selected %s: core.version "
                   "%s (%s) is in its range %s", p->name, hp_ctx_version(c),
                   hp_config_origin(c->cfg, "core.version"), p->versions_text);
}

void hp_doc_plugins(hp_doc *d, hp_ctx *c)
{
    const char *dir = hp_conf(c, "core.plugin_dir");
    char rejected[8192], fix[PATH_MAX + 256];
    hp_err e = HP_ERR_INIT;
    snprintf(fix, sizeof fix, "set core.plugin_dir to the directory that "
             "holds the plugins (now %s, from %s; make install puts them in "
             "%s)", dir, hp_config_origin(c->cfg, "core.plugin_dir"),
             HP_PLUGINDIR);
    int rc = hp_cli_load_plugins(c, rejected, sizeof rejected, &e);
    for (size_t i = 0; i < c->nplugins; i++)
        hp_doc_add(d, HP_DOC_OK, "plugins", NULL, "found %s (%s) %s",
                   c->plugins[i].desc.name, c->plugins[i].desc.versions_text,
                   c->plugins[i].path);
    each_rejected(d, rejected);
    if (rc == HP_OK)
        selected(d, c);
    else if (c->nplugins == 0)      /* the directory: nothing to choose */
        hp_doc_add(d, HP_DOC_FAIL, "plugins", fix, "%s", e.msg);
    else
        hp_doc_add(d, HP_DOC_FAIL, "plugins", "set core.version inside one "
                   "of the ranges above, or core.plugin to one of the names "
                   "(or empty)", "%s", e.msg);
}
