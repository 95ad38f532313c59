/* Held log lines: a small ordered queue of copies.  A full queue is
 * written at once (a request that logs a lot only loses the deferral); a
 * line that cannot be copied is written at once too, so nothing is lost
 * to memory pressure.  Each entry carries the function that writes it
 * (events.c's), so the queue knows nothing of how lines are written. */
#include "loghold.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"

#define HELD_MAX 32

typedef struct held {
    hp_ctx *c;          /* NULL: a plain log line */
    hp_held_line_fn line;
    hp_held_event_fn event;
    time_t when;
    int level, kind, task, via;
    char *msg, *path, *detail;
} held;

static held q[HELD_MAX];
static size_t nq;
static int holding, releasing;
static long long since;         /* when the oldest waiting line came */

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long hp_log_held_since(void)
{
    return nq ? since : 0;
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

void hp_log_release(void)
{
    if (!nq)
        return;
    releasing = 1;
    hp_log_batch(1);            /* the lines leave in one write */
    for (size_t i = 0; i < nq; i++) {
        held *h = &q[i];
        if (h->c)
            h->event(h->c, h->when, h->kind, h->task, h->via, h->path,
                     h->detail);
        else
            h->line(h->level, h->msg);
        free(h->msg);
        free(h->path);
        free(h->detail);
    }
    nq = 0;
    hp_log_batch(0);
    releasing = 0;
}

/* A forked child (hp_as_user, a prompt or service command before exec)
 * writes its own lines at once; the parent still owns what was queued. */
static void in_child(void)
{
    nq = 0;
    holding = 0;
}

void hp_log_hold(int on)
{
    static int registered;
    if (on && !registered)
        registered = pthread_atfork(NULL, NULL, in_child) == 0;
    if (!on)
        hp_log_release();
    holding = on && registered;
}

static held *slot(void)
{
    if (!holding || releasing)
        return NULL;
    if (nq == HELD_MAX)
        hp_log_release();
    return &q[nq];
}

int hp_log_held_line(int level, const char *msg, hp_held_line_fn write)
{
    held *h = slot();
    if (!h)
        return 0;
    *h = (held){ .level = level, .msg = strdup(msg), .line = write };
    if (!h->msg)
        return 0;
    if (nq++ == 0)
        since = mono_ms();
    return 1;
}

int hp_log_held_event(hp_ctx *c, time_t when, int kind, int task, int via,
                      const char *path, const char *detail,
                      hp_held_event_fn write)
{
    held *h = slot();
    if (!h || !c)
        return 0;
    *h = (held){ .c = c, .when = when, .kind = kind, .task = task,
                 .via = via, .path = dup0(path), .detail = dup0(detail),
                 .event = write };
    if ((path && !h->path) || (detail && !h->detail)) {
        free(h->path);
        free(h->detail);
        return 0;
    }
    if (nq++ == 0)
        since = mono_ms();
    return 1;
}
