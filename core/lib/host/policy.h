/* Registry Access Management policy cache.  Input: a JSON object
 * {"allowedRegistries": ["docker.io", "*.corp.example", ...]} of at most
 * 1 MiB, checked with jansson.  Stored root:root 0644 in a root-owned 0755
 * directory so the user can read it and cannot change it. */
#ifndef HP_POLICY_H
#define HP_POLICY_H
#include <stddef.h>
#include "base/err.h"

#define HP_POLICY_MAX (1024u * 1024)

typedef struct hp_policy hp_policy;

/* Parse and validate: an object whose allowedRegistries is an array of
 * registry patterns (host[:port], optional leading "*."), nothing else
 * required; errors say what is wrong and where. */
int hp_policy_parse(const char *json, size_t len, hp_policy **out, hp_err *e);
/* Canonical JSON for the cache (malloc'd): {"allowedRegistries": [...]}
 * only, indented, ending in a newline; other input keys are not kept. */
char *hp_policy_dump(const hp_policy *p);
/* 1 allowed, 0 not: exact host match (case-insensitive), "*.x" matches
 * subdomains of x but not x itself; a pattern's port must match when it
 * has one, a pattern without a port allows every port.  registry is a
 * plain host[:port] (no scheme, path or wildcard: else 0). */
int hp_policy_allows(const hp_policy *p, const char *registry);
void hp_policy_free(hp_policy *p);

/* As root: validate, create the directory root:root 0755 if missing
 * (recorded in journal j), refuse a directory the user can write or a
 * symlink/FIFO at the target, write atomically root:root 0644.  The
 * directory and every existing parent must be root-owned and not
 * group/world-writable (a root-owned sticky parent such as /tmp passes);
 * checked before anything is created.  A file it creates is journaled as
 * HP_J_FILE.  Not root: HP_EDENIED. */
struct hp_journal;
int hp_policy_store(int rootfd, const char *cache_hpath, const char *json,
                    size_t len, struct hp_journal *j, hp_err *e);
/* Read the cache (any user). Missing: HP_EFAIL "no policy cached".  A
 * cache not root-owned, group/world-writable, or in such a directory is
 * refused: a forged policy would be believed. */
int hp_policy_load(int rootfd, const char *cache_hpath, hp_policy **out,
                   hp_err *e);
#endif
