#include "testutil.h"
#include "host/identity.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../common/netns.h"

void tu_sandbox(char *out, size_t n)
{
    char tmpl[] = "/tmp/hp-test.XXXXXX";
    ck_assert_msg(mkdtemp(tmpl) != NULL, "mkdtemp: %s", strerror(errno));
    /* 0755 root: what a root process accepts as host.root */
    ck_assert_int_eq(chmod(tmpl, 0755), 0);
    ck_assert_int_eq(chown(tmpl, 0, 0), 0);
    snprintf(out, n, "%s", tmpl);
}

void tu_root_dir(char *out, size_t n)
{
    struct stat st;
    if (mkdir(TU_ROOT_DIRS, 0755) != 0)
        ck_assert_msg(errno == EEXIST, "mkdir %s: %s", TU_ROOT_DIRS,
                      strerror(errno));
    ck_assert_int_eq(lstat(TU_ROOT_DIRS, &st), 0);
    ck_assert_msg(S_ISDIR(st.st_mode) && st.st_uid == 0 &&
                  !(st.st_mode & 022), "%s is not a root-owned directory "
                  "writable by root alone: remove it", TU_ROOT_DIRS);
    ck_assert_int_eq(chmod(TU_ROOT_DIRS, 0755), 0);
    char tmpl[] = TU_ROOT_DIRS "/XXXXXX";
    ck_assert_msg(mkdtemp(tmpl) != NULL, "mkdtemp: %s", strerror(errno));
    ck_assert_int_eq(chmod(tmpl, 0755), 0);
    snprintf(out, n, "%s", tmpl);
}

void tu_sandbox_rm(const char *root)
{
    if ((strncmp(root, "/tmp/hp-test.", 13) != 0 &&
         strncmp(root, TU_ROOT_DIRS "/", sizeof TU_ROOT_DIRS) != 0) ||
        strstr(root, ".."))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/rm", "rm", "-rf", "--one-file-system", root, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

void tu_mkdir(const char *root, const char *hpath, mode_t mode, uid_t uid,
              gid_t gid)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) == 0)
            (void)chown(p, 0, 0);
        *s = '/';
    }
    if (mkdir(p, mode) != 0)
        ck_assert_msg(errno == EEXIST, "mkdir %s: %s", p, strerror(errno));
    ck_assert_int_eq(chmod(p, mode), 0);
    ck_assert_int_eq(chown(p, uid, gid), 0);
}

void tu_write(const char *root, const char *hpath, const char *data,
              size_t len, mode_t mode, uid_t uid, gid_t gid)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
    ck_assert_msg(fd >= 0, "open %s: %s", p, strerror(errno));
    ck_assert(write(fd, data, len) == (ssize_t)len);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    ck_assert_int_eq(fchown(fd, uid, gid), 0);
    close(fd);
}

char *tu_read(const char *root, const char *hpath, size_t *len)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void tu_user(uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(HP_TEST_USER);
    ck_assert_msg(pw != NULL, "test user %s missing: run scripts/test-user",
                  HP_TEST_USER);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
}

int tu_home_sandbox(char *root, size_t n, const char *home, uid_t *uid,
                    gid_t *gid)
{
    tu_sandbox(root, n);
    tu_user(uid, gid);
    tu_mkdir(root, "/home", 0755, 0, 0);
    tu_mkdir(root, home, 0755, *uid, *gid);
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    return fd;
}

/* tu_as_user_call's page shared with the child: the call, then the
 * caller's block. */
struct user_call {
    int (*fn)(void *arg, hp_err *e);
    void *arg;
    int rc;
    char msg[sizeof ((hp_err *)0)->msg];
};
#define CALL_HEAD ((sizeof(struct user_call) + _Alignof(max_align_t) - 1) / \
                   _Alignof(max_align_t) * _Alignof(max_align_t))

static int user_call(void *p, hp_err *e)
{
    struct user_call *c = p;
    c->rc = c->fn(c->arg, e);
    snprintf(c->msg, sizeof c->msg, "%s", e->msg);
    return HP_OK;               /* the real result travels in c->rc */
}

int tu_as_user_call(uid_t uid, gid_t gid, int (*fn)(void *arg, hp_err *e),
                    void *arg, size_t size, char *msg, size_t msgn)
{
    hp_err e = HP_ERR_INIT;
    struct user_call *c = mmap(NULL, CALL_HEAD + size, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(c != MAP_FAILED);
    c->fn = fn;
    c->arg = (char *)c + CALL_HEAD;
    c->rc = -999;
    memcpy(c->arg, arg, size);
    ck_assert_msg(hp_as_user(uid, gid, user_call, c, &e) == HP_OK,
                  "hp_as_user: %s", e.msg);
    memcpy(arg, c->arg, size);
    if (msg)
        snprintf(msg, msgn, "%s", c->msg);
    int rc = c->rc;
    munmap(c, CALL_HEAD + size);
    return rc;
}

void tu_hostpriv_file(const char *root, const char *home, const char *name,
                      const char *data, size_t len, uid_t uid, gid_t gid)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/.docker", home);
    tu_mkdir(root, p, 0755, uid, gid);
    snprintf(p, sizeof p, "%s/.docker/hostpriv", home);
    tu_mkdir(root, p, 0755, uid, gid);
    if (!data)
        return;
    snprintf(p, sizeof p, "%s/.docker/hostpriv/%s", home, name);
    tu_write(root, p, data, len, 0644, uid, gid);
}

static void store_collect(void *arg, const char *k, const char *v)
{
    tu_store_call *c = arg;
    size_t n = strlen(c->list);
    snprintf(c->list + n, sizeof c->list - n, "%s=%s;", k, v);
}

static int store_call(void *arg, hp_err *e)
{
    tu_store_call *c = arg;
    const tu_store *s = c->s;
    c->list[0] = c->got[0] = '\0';
    switch (c->op) {
    case 's': return s->set(c->rootfd, c->home, c->kv, c->n, e);
    case 'g': return s->get(c->rootfd, c->home, c->kv[0], c->got,
                            sizeof c->got, e);
    case 'c': return s->clear(c->rootfd, c->home, e);
    default:  return s->each(c->rootfd, c->home, store_collect, c, e);
    }
}

void tu_store_setup(tu_store_call *c, const tu_store *s, const char *home)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->home = home;
    c->rootfd = tu_home_sandbox(c->root, sizeof c->root, home, &c->uid,
                                &c->gid);
}

void tu_store_teardown(tu_store_call *c)
{
    close(c->rootfd);
    tu_sandbox_rm(c->root);
}

int tu_store_as_user(tu_store_call *c, char op, const char *k1,
                     const char *v1, const char *k2, const char *v2)
{
    c->op = op;
    c->kv[0] = k1, c->kv[1] = v1, c->kv[2] = k2, c->kv[3] = v2;
    c->n = k2 ? 2 : k1 ? 1 : 0;
    return tu_as_user_call(c->uid, c->gid, store_call, c, sizeof *c, c->msg,
                           sizeof c->msg);
}

void tu_store_damaged(tu_store_call *c, const char *data, size_t len,
                      const char *why)
{
    const char *key = c->s->key, *val = c->s->val;
    char p[PATH_MAX];
    size_t n;
    snprintf(p, sizeof p, "%s/.docker/hostpriv/%s", c->home, c->s->name);
    tu_hostpriv_file(c->root, c->home, c->s->name, data, len, c->uid,
                     c->gid);
    ck_assert_int_lt(tu_store_as_user(c, 'g', key, NULL, NULL, NULL), 0);
    ck_assert_msg(strstr(c->msg, "corrupt") && strstr(c->msg, why),
                  "'%s' lacks '%s'", c->msg, why);
    ck_assert_int_ne(tu_store_as_user(c, 'e', NULL, NULL, NULL, NULL), HP_OK);
    ck_assert_int_eq(tu_store_as_user(c, 's', key, val, NULL, NULL),
                     HP_EFAIL);
    char *now = tu_read(c->root, p, &n);
    ck_assert(now && n == len && !memcmp(now, data, len));
    free(now);
    ck_assert_int_eq(tu_store_as_user(c, 'c', NULL, NULL, NULL, NULL), HP_OK);
    ck_assert_ptr_null(tu_read(c->root, p, &n));
}

static void drop(uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0)
        _exit(126);
}

int tu_as(uid_t uid, gid_t gid, int (*fn)(void *arg), void *arg)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        drop(uid, gid);
        _exit(fn(arg) & 0xff);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    while ((r = read(fd, buf + n, cap - n)) > 0 || (r < 0 && errno == EINTR)) {
        if (r < 0)
            continue;
        n += (size_t)r;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    buf[n] = '\0';
    return buf;
}

int tu_run(uid_t uid, gid_t gid, const char *const *argv, const char *in,
           char **out, char **err)
{
    char otmpl[] = "/tmp/hp-out.XXXXXX", etmpl[] = "/tmp/hp-err.XXXXXX";
    int ofd = mkstemp(otmpl), efd = mkstemp(etmpl), pin[2];
    ck_assert(ofd >= 0 && efd >= 0 && pipe(pin) == 0);
    unlink(otmpl);
    unlink(etmpl);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(ofd, 1);
        dup2(efd, 2);
        close(pin[1]);
        if (uid != (uid_t)-1)
            drop(uid, gid);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pin[0]);
    signal(SIGPIPE, SIG_IGN);
    if (in)
        (void)!write(pin[1], in, strlen(in));
    close(pin[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    lseek(ofd, 0, SEEK_SET);
    lseek(efd, 0, SEEK_SET);
    if (out)
        *out = slurp_fd(ofd);
    if (err)
        *err = slurp_fd(efd);
    close(ofd);
    close(efd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *tu_build(const char *rel, char *out, size_t n)
{
    const char *b = getenv("HP_BUILD");
    snprintf(out, n, "%s/%s", b ? b : "build", rel);
    return out;
}

void tu_netns(void)
{
    const char *what;
    ck_assert_msg(hpt_netns(&what) == 0, "%s: %s", what, strerror(errno));
}
