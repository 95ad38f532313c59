/* A path only root can create or change: what a sudoers rule may name. */
#ifndef HP_ROOTONLY_H
#define HP_ROOTONLY_H
#include "base/err.h"

/* HP_OK when every component of the absolute path, from / down to the
 * last one, is owned by root, writable by neither group nor others (no
 * sticky-bit exception: /tmp is exactly what must fail) and not a
 * symbolic link; else HP_ECONFIG naming the first component that is not
 * and how to fix it.  Each component is opened below the previous one,
 * so what is judged is what the path reaches. */
int hp_root_only(const char *path, hp_err *e);
#endif
