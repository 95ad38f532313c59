/* Shared test fixtures: sandbox roots, the unprivileged test user, running
 * a step as that user.  Tests never touch the real host: every host path is
 * under a sandbox made here. */
#ifndef HP_TESTUTIL_H
#define HP_TESTUTIL_H
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
