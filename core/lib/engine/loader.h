/* Plugin loader: dlopen(RTLD_NOW|RTLD_LOCAL) each *.so of a directory, take
 * its one descriptor, reject what does not fit (nginx/GStreamer/OBS rules),
 * never half-load, dlclose on every failure path. */
#ifndef HP_LOADER_H
#define HP_LOADER_H
#include <limits.h>
#include <stddef.h>
#include <hostpriv/plugin.h>
#include "base/err.h"

typedef struct hp_loaded {
    void *dl;
    hp_plugin desc;            /* zero-filled copy, min(size, sizeof) */
    char path[PATH_MAX];
    /* The checked file stays open while loaded: it was dlopen'ed as
     * /proc/self/fd/N, and ld.so would hand back this object for any later
     * dlopen of that same name, so N must not be reused meanwhile. */
    int fd;
} hp_loaded;

/* Load one plugin file.  Rejections (HP_ECONFIG), each message naming the
 * file, the cause and the fix: wrong major, newer minor, oversize struct,
 * missing HP_PLUGIN_SYMBOL, missing required op (init, fini, ops.launch),
 * bad version range.  require_safe: root-owned, not group/world-writable,
 * not a symlink, checked on the opened fd (no swap between check and
 * dlopen: dlopen of /proc/self/fd/N). */
int hp_loader_load(const char *path, int require_safe, hp_loaded *out,
                   hp_err *e);
/* Load every *.so of dir (sorted).  Rejected files are skipped with their
 * message appended to warn (may be NULL); a duplicate name is rejected. */
int hp_loader_scan(const char *dir, int require_safe, hp_loaded **list,
                   size_t *n, char *warn, size_t warnsz, hp_err *e);
/* Pick: by name when `name` is non-empty, else the plugin whose range
 * covers `version`.  None: HP_ECONFIG listing every plugin's range. */
int hp_loader_pick(hp_loaded *list, size_t n, const char *name,
                   const char *version, size_t *idx, hp_err *e);
void hp_loader_free(hp_loaded *list, size_t n);
/* Undo one hp_loader_load (dlclose, close its fd); p is zeroed. */
void hp_loader_unload(hp_loaded *p);

/* "4.16.2" -> {4,16,2}; strict digits and dots, 1 to 3 parts. */
int hp_version_parse(const char *s, int v[3]);
int hp_version_cmp(const char *a, const char *b);   /* <0, 0, >0 */
/* 1 when version is inside [min, max) (NULL bounds are open). */
int hp_version_in_range(const char *version, const char *min, const char *max);
/* The version a plugin chosen by name emulates for core.version: 0 and
 * version itself when inside [min, max); 1 and the plugin's own version
 * when outside: version_min, or for a range open below the release line
 * just under version_max (< 4.15: "4.14.0"); -1 when there is none. */
int hp_version_emulated(const char *version, const char *min,
                        const char *max, char *out, size_t n);
#endif
