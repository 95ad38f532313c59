/* Shared test fixtures: sandbox roots, the unprivileged test user, running
 * a step as that user.  Tests never touch the real host: every host path is
 * under a sandbox made here. */
#ifndef HP_TESTUTIL_H
#define HP_TESTUTIL_H
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"

#define HP_TEST_USER "hptest"

/* A fresh sandbox root under /tmp: root-owned 0755 (safe for root
 * processes), path copied into out (PATH_MAX).  Aborts the test on error. */
void tu_sandbox(char *out, size_t n);
/* A fresh root-owned 0755 directory under TU_ROOT_DIRS, outside every
 * world-writable tree: what a sudoers rule may name, since no other user
 * can create a path in it, also after the test was killed. */
#define TU_ROOT_DIRS "/var/lib/hostpriv-test"
void tu_root_dir(char *out, size_t n);
/* rm -rf of a directory made by tu_sandbox or tu_root_dir (refuses
 * anything else). */
void tu_sandbox_rm(const char *root);
/* mkdir -p root+hpath with mode and owner. */
void tu_mkdir(const char *root, const char *hpath, mode_t mode, uid_t uid,
              gid_t gid);
/* Write a file root+hpath (parents must exist). */
void tu_write(const char *root, const char *hpath, const char *data,
              size_t len, mode_t mode, uid_t uid, gid_t gid);
/* Read root+hpath into a malloc'd buffer (NULL if missing). */
char *tu_read(const char *root, const char *hpath, size_t *len);
/* The test user's uid/gid (scripts/test-user creates it); aborts if absent. */
void tu_user(uid_t *uid, gid_t *gid);
/* Move this process into a new network namespace with loopback up (Check
 * runs each test in its own process: the namespace dies with it). */
void tu_netns(void);
/* A sandbox whose root-owned /home holds HOME owned by the test user
 * (uid/gid set); returns an O_PATH descriptor on the sandbox root. */
int tu_home_sandbox(char *root, size_t n, const char *home, uid_t *uid,
                    gid_t *gid);
/* Run fn(arg, e) as uid/gid through hp_as_user (the product's own way of
 * acting as the user), with the size bytes at arg shared with it: what fn
 * writes there is in *arg afterwards.  Returns fn's value (any int, a
 * get's -code too); e->msg as fn left it goes to msg (msgn bytes; NULL:
 * not wanted). */
int tu_as_user_call(uid_t uid, gid_t gid, int (*fn)(void *arg, hp_err *e),
                    void *arg, size_t size, char *msg, size_t msgn);
/* HOME/.docker/hostpriv/NAME as the user's app leaves it: both
 * directories made 0755 and the file written 0644, all uid/gid's.  data
 * NULL: only the directories. */
void tu_hostpriv_file(const char *root, const char *home, const char *name,
                      const char *data, size_t len, uid_t uid, gid_t gid);
/* A user's store of keys in ~/.docker/hostpriv (host/userstate's files:
 * decisions, usersettings) and its four calls. */
typedef struct tu_store {
    const char *name;   /* the file in ~/.docker/hostpriv */
    const char *key;    /* a key and a value it takes (tu_store_damaged) */
    const char *val;
    /* n pairs kv[2i] = kv[2i+1]; a NULL value removes the key */
    int (*set)(int rootfd, const char *home, const char *const *kv,
               size_t n, hp_err *e);
    int (*get)(int rootfd, const char *home, const char *key, char *val,
               size_t n, hp_err *e);
    int (*clear)(int rootfd, const char *home, hp_err *e);
    int (*each)(int rootfd, const char *home,
                void (*fn)(void *arg, const char *key, const char *val),
                void *arg, hp_err *e);
} tu_store;
/* Where a suite drives its store, and the last call's results. */
typedef struct tu_store_call {
    const tu_store *s;
    char root[PATH_MAX];    /* the sandbox (tu_home_sandbox) */
    int rootfd;
    const char *home;
    uid_t uid;              /* the test user */
    gid_t gid;
    char op;
    const char *kv[4];
    size_t n;
    char got[256];      /* get: the value */
    char list[1024];    /* each: "key=value;" each */
    char msg[768];      /* the call's message */
} tu_store_call;
/* A store suite's checked fixture: a fresh sandbox with home in c, and
 * its removal. */
void tu_store_setup(tu_store_call *c, const tu_store *s, const char *home);
void tu_store_teardown(tu_store_call *c);
/* One call as the test user: op s sets k1=v1 (and k2=v2 when k2 is not
 * NULL), g gets k1, c clears, e lists; returns the call's value. */
int tu_store_as_user(tu_store_call *c, char op, const char *k1,
                     const char *v1, const char *k2, const char *v2);
/* The store's file written by hand with data (as the user's): get and
 * each refuse it as corrupt (the message naming why), a set of the
 * store's key and value fails and rewrites nothing, clear removes it. */
void tu_store_damaged(tu_store_call *c, const char *data, size_t len,
                      const char *why);
/* Fork; in the child drop to uid/gid (groups cleared) and call fn(arg);
 * its return value is the child's exit code, which is returned here. */
int tu_as(uid_t uid, gid_t gid, int (*fn)(void *arg), void *arg);
/* Run argv (argv[0] a path) as uid/gid ((uid_t)-1 = stay root), stdin from
 * in (may be NULL), capture stdout/stderr (malloc'd, may be NULL ptrs);
 * returns the exit status (128+sig when killed). */
int tu_run(uid_t uid, gid_t gid, const char *const *argv, const char *in,
           char **out, char **err);
/* Absolute path of a built file: $HP_BUILD/rel (e.g. "bin/hostpriv"). */
const char *tu_build(const char *rel, char *out, size_t n);
#endif
