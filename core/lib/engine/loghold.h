/* Held log lines (the helper): while requests are answered, their log
 * lines and events wait in memory, in order (stamped when they happened),
 * and are written together in one write when the holder releases them
 * (hostprivd: before it sleeps, within HPD_LOG_HOLD_MS under a load that
 * never lets it, or at once when 32 wait), so
 * formatting and writing them is not on the client's clock. */
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
/* Write what waits, in order (stderr in one write). */
void hp_log_release(void);
/* Monotonic ms of the oldest line waiting; 0 when none waits. */
long long hp_log_held_since(void);
/* 1 when the line or event was queued (holding, and room or a release
 * made room); 0: the caller writes it now.  write is called with the
 * same arguments at the release. */
int hp_log_held_line(int level, const char *msg, hp_held_line_fn write);
int hp_log_held_event(hp_ctx *c, time_t when, int kind, int task, int via,
                      const char *path, const char *detail,
                      hp_held_event_fn write);
#endif
