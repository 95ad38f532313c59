/* Held log lines (the helper): while a request is answered, its log lines
 * and events wait in memory, in order, and are written once the reply has
 * left, so formatting and writing them is not on the client's clock. */
#ifndef HP_LOGHOLD_H
#define HP_LOGHOLD_H
#include <time.h>
#include "ctx.h"

typedef void (*hp_held_line_fn)(int level, const char *msg);
typedef void (*hp_held_event_fn)(hp_ctx *c, time_t when, int kind, int task,
                                 int via, const char *path,
                                 const char *detail);

/* Start (1) or stop (0) holding; stopping writes what waits. */
void hp_log_hold(int on);
/* Write what waits, in order. */
void hp_log_release(void);
/* 1 when the line or event was queued (holding, and room or a release
 * made room); 0: the caller writes it now.  write is called with the
 * same arguments at the release. */
int hp_log_held_line(int level, const char *msg, hp_held_line_fn write);
int hp_log_held_event(hp_ctx *c, time_t when, int kind, int task, int via,
                      const char *path, const char *detail,
                      hp_held_event_fn write);
#endif
