/* hp_status_get: `hostpriv status` as data, one allocation the app frees
 * with hp_status_free (the public struct first, what it points into
 * after it). */
#include "api.h"
#include <stdlib.h>
#include <string.h>
#include "actions/status.h"
#include "engine/events.h"

typedef struct status_block {
    hp_status pub;              /* first: hp_status_free casts back */
    hp_stat st;
    hp_task_info tasks[HP_STAT_TASKS];
    hp_setting_info settings[HP_STAT_SETTINGS];
    hp_decision_info *dec;
    char *json;
} status_block;

static void expose(status_block *b)
{
    hp_status *p = &b->pub;
    const hp_stat *st = &b->st;
    p->plugin = st->plugin;
    p->version = st->version;
    p->how = st->how;
    p->helper_installed = st->helper_installed;
    p->helper_running = st->helper_running;
    p->helper_socket = st->helper_socket;
    for (size_t i = 0; i < st->ntasks; i++)
        b->tasks[i] = (hp_task_info){ st->tasks[i].task, st->tasks[i].state,
                                      st->tasks[i].path, st->tasks[i].via };
    p->ntasks = st->ntasks;
    p->tasks = b->tasks;
    p->has_settings = st->has_settings;
    p->settings_choice = st->choice;
    for (size_t i = 0; i < st->nsettings; i++)
        b->settings[i] = (hp_setting_info){
            st->settings[i].key, st->settings[i].value,
            st->settings[i].origin, st->settings[i].locked };
    p->nsettings = st->nsettings;
    p->settings = b->settings;
    for (size_t i = 0; i < st->ndec; i++)
        b->dec[i] = (hp_decision_info){ st->dec[2 * i], st->dec[2 * i + 1] };
    p->ndecisions = st->ndec;
    p->decisions = b->dec;
    p->json = b->json;
}

int hp_status_get(hp_ctx *ctx, hp_status **out)
{
    int rc = hp_api_begin(ctx);
    if (rc != HP_OK)
        return rc;
    if (!out)
        return hp_err_set(&ctx->err, HP_EUSAGE, "hp_status_get: out is "
                          "NULL");
    *out = NULL;
    status_block *b = calloc(1, sizeof *b);
    rc = b ? hp_stat_collect(ctx, &b->st) : HP_EINTERNAL;
    if (rc == HP_OK && *b->st.warning)
        hp_log(ctx, HP_LOG_WARN, "%s", b->st.warning);
    if (rc == HP_OK &&
        (!(b->dec = calloc(b->st.ndec + 1, sizeof *b->dec)) ||
         !(b->json = hp_stat_json(&b->st))))
        rc = HP_EINTERNAL;
    if (rc != HP_OK) {
        hp_status_free(b ? &b->pub : NULL);
        return hp_err_set(&ctx->err, rc, "hp_status_get: out of memory");
    }
    expose(b);
    *out = &b->pub;
    return HP_OK;
}

void hp_status_free(hp_status *st)
{
    status_block *b = (status_block *)(void *)st;
    if (!b)
        return;
    hp_stat_free(&b->st);
    free(b->dec);
    free(b->json);
    free(b);
}
