/* Plans: the steps a 4.18 launch or settings change takes, with the one
 * authorization the spec describes ("depending on which advanced settings
 * you configure, you must enter your password", B5): every step that
 * needs root is listed in a single prompt and, granted, applied by
 * elevation; the rest needs no one's permission. */
#include "adv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void adv_plan_add(adv_plan *p, int task, int action, int route, int priv,
                  int made, const char *fmt, ...)
{
    if (p->n >= ADV_MAX_STEPS)
        return;
    adv_step *s = &p->s[p->n++];
    *s = (adv_step){ .task = task, .action = action, .route = route,
                     .priv = priv, .made = made };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->what, sizeof s->what, fmt, ap);
    va_end(ap);
}

static const char *applied_key(int task)
{
    switch (task) {
    case HP_TASK_CLI_LINKS:     return "applied.cli-links";
    case HP_TASK_DOCKER_SOCKET: return "applied.docker-socket";
    case HP_TASK_HELPER:        return "applied.helper";
    default:                    return NULL;
    }
}

static const char *via_of(const adv *a, int route)
{
    if (route == HP_ROUTE_ELEVATE)
        return "elevated";
    if (route == HP_ROUTE_HELPER)
        return "helper";
    return adv_is_root(a) ? "installer" : "user";
}

/* The one prompt: every privileged step, in order. */
static int authorize(adv *a, const adv_plan *p, int task, const char *why)
{
    char msg[2048];
    size_t k = (size_t)snprintf(msg, sizeof msg, "Docker Desktop needs your "
                                "password %s. As root it will", why);
    const char *sep = ": ";
    for (int i = 0; i < p->n && k < sizeof msg; i++)
        if (p->s[i].priv) {
            k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%s", sep,
                                  p->s[i].what);
            sep = "; ";
        }
    if (k < sizeof msg)
        snprintf(msg + k, sizeof msg - k, ". Nothing else needs root. You can "
                 "change these settings later in Settings > Advanced.");
    return a->api->prompt(a->h, task, msg);
}

static void not_done(adv *a, const adv_plan *p, int from, const char *how)
{
    for (int i = from; i < p->n; i++)
        if (p->s[i].priv)
            a->api->notice(a->h, "not done (%s): %s", how, p->s[i].what);
}

static void record(adv *a, adv_plan *p, const int *ok)
{
    const char *kv[2 * ADV_MAX_STEPS + 12];
    size_t n = 0;
    for (size_t i = 0; i < p->nkv; i++)
        kv[n++] = p->kv[i];
    /* removals first: a move (new links made, old ones removed) leaves
     * the part applied, as the later pair wins */
    for (int made = 0; made <= 1; made++)
        for (int i = 0; i < p->n; i++) {
            const char *key = applied_key(p->s[i].task);
            if (!ok[i] || !key || p->s[i].made != made)
                continue;
            kv[n++] = key;
            kv[n++] = made ? via_of(a, p->s[i].route) : NULL;
        }
    int role = a->api->role(a->h);
    /* the app side records; the helper and the one-shot root step act for
     * it and leave the user's file alone */
    if (n == 0 || role == HP_ROLE_HELPER || role == HP_ROLE_PRIVILEGED)
        return;
    if (a->api->settings_record(a->h, (const char *const *)kv, n / 2) != HP_OK)
        a->api->log(a->h, HP_LOG_WARN, "could not record the settings");
}

int adv_plan_run(adv *a, adv_plan *p, int prompt_task, int mode,
                 const char *why)
{
    int priv = 0, granted = 1, failed = HP_OK, ok[ADV_MAX_STEPS] = { 0 };
    int refused = HP_OK;    /* why the privileged steps did not run */
    for (int i = 0; i < p->n; i++)
        priv |= p->s[i].priv && !adv_is_root(a);
    if (priv) {
        int ans = authorize(a, p, prompt_task, why);
        granted = ans == HP_PROMPT_GRANTED;
        /* a prompt that could not be shown is no answer: 69 */
        refused = ans == HP_PROMPT_TIMED_OUT || ans == HP_PROMPT_DECLINED
                      ? HP_EDENIED : HP_EUNAVAIL;
        if (!granted) {
            const char *how = ans == HP_PROMPT_TIMED_OUT
                                  ? "the authorization timed out"
                                  : "the authorization was declined";
            not_done(a, p, 0, how);
            if (mode == ADV_ALL_OR_NOTHING) {
                a->api->notice(a->h, "nothing was changed");
                return refused;
            }
        }
    }
    for (int i = 0; i < p->n; i++) {
        adv_step *s = &p->s[i];
        if (s->priv && (!granted || failed != HP_OK))
            continue;
        int route = adv_is_root(a) ? HP_ROUTE_SELF : s->route;
        int rc = a->api->run(a->h, s->task, s->action, route, NULL, 0);
        s->route = route;
        ok[i] = rc == HP_OK;
        if (rc != HP_OK && failed == HP_OK) {
            failed = rc;
            not_done(a, p, i + 1, "an earlier step failed");
            if (mode == ADV_ALL_OR_NOTHING)
                break;
        }
    }
    if (failed != HP_OK && mode == ADV_ALL_OR_NOTHING)
        p->nkv = 0;         /* the change is not recorded */
    record(a, p, ok);
    if (failed != HP_OK)
        return failed == HP_ENOTSUP ? HP_EFAIL : failed;
    return granted ? HP_OK : refused;
}
