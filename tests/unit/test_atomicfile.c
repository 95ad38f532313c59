/* atomicfile.c: whole-file replacement (SECURITY.md 16, 23, 41, 43, 44, 47-53).
 * Crash and disk faults are real: kill -9 at each step, a 64 KiB tmpfs, and
 * strace fault injection on the test binary itself re-run as a helper. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "host/atomicfile.h"
#include "host/identity.h"
#include "testutil.h"
#include "helpers/tree.h"

#define OLD "127.0.0.1 localhost\n"
#define NEW_LEN 3000

static char root[PATH_MAX];
static int dirfd_ = -1;
static uid_t uid;
static gid_t gid;
static char newdata[NEW_LEN];

/* Helper mode: HP_AF_HELPER=DIR runs one hp_af_replace of DIR/f with the
 * new content and exits with its code, before Check's main starts; the
 * strace tests run this binary that way. */
__attribute__((constructor)) static void af_helper(void)
{
    const char *dir = getenv("HP_AF_HELPER");
    if (!dir)
        return;
    memset(newdata, 'N', sizeof newdata);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    int rc = fd < 0 ? 99 : hp_af_replace(fd, "f", newdata, sizeof newdata,
                                         NULL, &e);
    if (rc)
        fprintf(stderr, "helper: %s\n", e.msg);
    _exit(rc);
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_write(root, "/etc/f", OLD, strlen(OLD), 0644, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    dirfd_ = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(dirfd_, 0);
    memset(newdata, 'N', sizeof newdata);
}

static void teardown(void)
{
    close(dirfd_);
    tu_sandbox_rm(root);
}

static struct stat st_of(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_msg(lstat(p, &st) == 0, "lstat %s", p);
    return st;
}

static void assert_content(const char *hpath, const char *want, size_t n)
{
    size_t len;
    char *got = tu_read(root, hpath, &len);
    ck_assert_msg(got != NULL, "%s missing", hpath);
    ck_assert_msg(len == n && !memcmp(got, want, n), "%s: wrong content", hpath);
    free(got);
}

static int is_old_file(void)
{
    size_t len;
    char *got = tu_read(root, "/etc/f", &len);
    int old = got && len == strlen(OLD) && !memcmp(got, OLD, len);
    free(got);
    return old;
}

/* nothing but f (and what the test named) in /etc: no temp, no backup */
static void assert_only_f(void)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, ".f.hp-") && !strstr(t, "hostpriv-bak"),
                  "leftovers: %s", t);
    free(t);
}

/* ---- basics ---- */

START_TEST(replace_keeps_owner_mode_xattrs)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/f", root);
    ck_assert_int_eq(chown(p, uid, gid), 0);
    ck_assert_int_eq(chmod(p, 0640), 0);
    ck_assert_int_eq(setxattr(p, "user.hp_test", "v1", 2, 0), 0);
    struct stat before = st_of("/etc/f");
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_af_replace(dirfd_, "f", newdata, NEW_LEN, NULL, &e),
                     HP_OK);
    assert_content("/etc/f", newdata, NEW_LEN);
    struct stat st = st_of("/etc/f");
    ck_assert_int_ne(st.st_ino, before.st_ino);     /* a new inode ... */
    ck_assert_int_eq(st.st_mode & 07777, 0640);     /* ... same mode */
    ck_assert_int_eq(st.st_uid, uid);
    ck_assert_int_eq(st.st_gid, gid);
    char v[8] = "";
    ck_assert_int_eq(getxattr(p, "user.hp_test", v, sizeof v), 2);
    ck_assert_int_eq(memcmp(v, "v1", 2), 0);
    assert_only_f();
}
END_TEST

START_TEST(replace_mode_0644_not_0600)
{
    mode_t old_umask = umask(077);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_af_replace(dirfd_, "f", "x", 1, NULL, &e), HP_OK);
    ck_assert_int_eq(st_of("/etc/f").st_mode & 07777, 0644);
    /* a new file gets exactly opts' mode and owner */
    hp_af_opts o = { 0644, uid, gid, 1, NULL };
    ck_assert_int_eq(hp_af_replace(dirfd_, "new", "y", 1, &o, &e), HP_OK);
    struct stat st = st_of("/etc/new");
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(st.st_uid, uid);
    /* without create a missing file stays missing */
    char *before = tree_snap(root);
    ck_assert_int_eq(hp_af_replace(dirfd_, "missing", "z", 1, NULL, &e),
                     HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    umask(old_umask);
}
END_TEST

START_TEST(replace_refuses_special_targets)
{
    char p[PATH_MAX];
    tu_write(root, "/real", "real\n", 5, 0644, 0, 0);
    snprintf(p, sizeof p, "%s/etc/link", root);
    ck_assert_int_eq(symlink("/real", p), 0);
    snprintf(p, sizeof p, "%s/etc/fifo", root);
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    tu_mkdir(root, "/etc/dir", 0755, 0, 0);
    char *before = tree_snap(root);
    hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 1, NULL };
    hp_err e = HP_ERR_INIT;
    const char *names[] = { "link", "fifo", "dir", "", ".", "..", "a/b", NULL };
    for (int i = 0; names[i]; i++)
        ck_assert_int_ne(hp_af_replace(dirfd_, names[i], "x", 1, &o, &e), HP_OK);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

struct as_w { int dirfd; };

static int write_as(void *arg, hp_err *e)
{
    struct as_w *w = arg;
    hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 1, NULL };
    return hp_af_replace(w->dirfd, "profile", "PATH\n", 5, &o, e);
}

/* Root never writes into a user's directory; as the user it works. */
START_TEST(root_never_writes_in_user_dir)
{
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/home/u", root);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    char *before = tree_snap(root);
    hp_err e = HP_ERR_INIT;
    struct as_w w = { fd };
    ck_assert_int_eq(write_as(&w, &e), HP_EDENIED);
    ck_assert_msg(strstr(e.msg, HP_TEST_USER), "%s", e.msg);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    ck_assert_int_eq(hp_as_user(uid, gid, write_as, &w, &e), HP_OK);
    struct stat st = st_of("/home/u/profile");
    ck_assert_int_eq(st.st_uid, uid);
    ck_assert_int_eq(st.st_gid, gid);
    close(fd);
}
END_TEST

START_TEST(expect_detects_concurrent_edit)
{
    char *data;
    size_t len;
    struct stat st;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_af_read(dirfd_, "f", 1 << 20, &data, &len, &st, &e),
                     HP_OK);
    free(data);
    /* a user edits the file between our read and our write */
    tu_write(root, "/etc/f", "user edit\n", 10, 0644, 0, 0);
    hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 0, &st };
    ck_assert_int_eq(hp_af_replace(dirfd_, "f", "ours\n", 5, &o, &e), HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "changed"), "%s", e.msg);
    assert_content("/etc/f", "user edit\n", 10);
    assert_only_f();
    /* expected absent (st_ino 0) but it exists now */
    struct stat none;
    memset(&none, 0, sizeof none);
    o.expect = &none;
    o.create = 1;
    ck_assert_int_eq(hp_af_replace(dirfd_, "f", "ours\n", 5, &o, &e), HP_EFAIL);
    ck_assert_int_eq(hp_af_replace(dirfd_, "g", "ours\n", 5, &o, &e), HP_OK);
    /* unchanged since the read: written */
    ck_assert_int_eq(hp_af_read(dirfd_, "f", 1 << 20, &data, &len, &st, &e),
                     HP_OK);
    free(data);
    o.expect = &st;
    ck_assert_int_eq(hp_af_replace(dirfd_, "f", "ours\n", 5, &o, &e), HP_OK);
    assert_content("/etc/f", "ours\n", 5);
}
END_TEST

/* ---- reading ---- */

START_TEST(read_refuses_non_regular)
{
    char p[PATH_MAX], *data;
    size_t len;
    hp_err e = HP_ERR_INIT;
    snprintf(p, sizeof p, "%s/etc/fifo", root);
    ck_assert_int_eq(mkfifo(p, 0644), 0);   /* a blocking open would hang */
    ck_assert_int_eq(hp_af_read(dirfd_, "fifo", 100, &data, &len, NULL, &e),
                     HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "FIFO"), "%s", e.msg);
    snprintf(p, sizeof p, "%s/etc/link", root);
    ck_assert_int_eq(symlink("f", p), 0);
    ck_assert_int_eq(hp_af_read(dirfd_, "link", 100, &data, &len, NULL, &e),
                     HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "symlink"), "%s", e.msg);
    ck_assert_int_eq(hp_af_read(dirfd_, "nope", 100, &data, &len, NULL, &e),
                     HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
    ck_assert_int_eq(hp_af_read(dirfd_, "f", 4, &data, &len, NULL, &e),
                     HP_EFAIL);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(hp_af_read(dirfd_, "f", 100, &data, &len, NULL, &e),
                     HP_OK);
    ck_assert_uint_eq(len, strlen(OLD));
    ck_assert_str_eq(data, OLD);
    free(data);
}
END_TEST

/* ---- crash consistency: kill -9 at every step ---- */

static int kill_at;
static void killer(int step)
{
    if (step == kill_at)
        raise(SIGKILL);
}

START_TEST(kill9_at_every_step)
{
    for (int step = 1; step <= 5; step++) {
        tu_write(root, "/etc/f", OLD, strlen(OLD), 0644, 0, 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            umask(077);
            kill_at = step;
            hp_af_fault_hook = killer;
            hp_af_replace(dirfd_, "f", newdata, NEW_LEN, NULL, NULL);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
                      "step %d: hook not reached", step);
        /* wholly old before the rename, wholly new after it */
        if (step < 4)
            ck_assert_msg(is_old_file(), "step %d: not the old file", step);
        else
            assert_content("/etc/f", newdata, NEW_LEN);
        ck_assert_int_eq(st_of("/etc/f").st_mode & 07777, 0644);
        int cleaned = hp_af_clean_temps(dirfd_, "f");
        ck_assert_int_eq(cleaned, step < 4 ? 1 : 0);
        assert_only_f();
    }
}
END_TEST

START_TEST(clean_temps_only_ours)
{
    tu_write(root, "/etc/.f.hp-abc123", "", 0, 0600, 0, 0);   /* ours */
    tu_write(root, "/etc/.f.hp-usr123", "", 0, 0600, uid, gid); /* not owner */
    tu_write(root, "/etc/.f.hp-abc", "", 0, 0600, 0, 0);      /* wrong form */
    tu_write(root, "/etc/.g.hp-abc123", "", 0, 0600, 0, 0);   /* other file */
    tu_write(root, "/etc/.f.hp-ab_123", "", 0, 0600, 0, 0);   /* wrong form */
    tu_mkdir(root, "/etc/.f.hp-dir123", 0700, 0, 0);           /* a dir */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/.f.hp-lnk123", root);
    ck_assert_int_eq(symlink("f", p), 0);                     /* a link */
    ck_assert_int_eq(hp_af_clean_temps(dirfd_, "f"), 1);
    snprintf(p, sizeof p, "%s/etc", root);
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, ".f.hp-abc123"), "%s", t);
    ck_assert(strstr(t, ".f.hp-usr123") && strstr(t, ".f.hp-abc ") &&
              strstr(t, ".g.hp-abc123") && strstr(t, ".f.hp-dir123") &&
              strstr(t, ".f.hp-lnk123") && strstr(t, ".f.hp-ab_123"));
    free(t);
}
END_TEST

/* ---- full disk and failing I/O ---- */

/* In a private mount namespace, a 64 KiB tmpfs: the new content does not
 * fit.  Runs in a child (the mount dies with it); returns a step number
 * on failure. */
static int tmpfs_child(void)
{
    char mnt[PATH_MAX], p[PATH_MAX];
    snprintf(mnt, sizeof mnt, "%s/small", root);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return 10;
    if (mkdir(mnt, 0755) != 0 ||
        mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0755") != 0)
        return 11;
    snprintf(p, sizeof p, "%s/f", mnt);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, OLD, strlen(OLD)) != (ssize_t)strlen(OLD))
        return 12;
    close(fd);
    int dfd = open(mnt, O_RDONLY | O_DIRECTORY);
    size_t big = 256 * 1024;
    char *data = malloc(big);
    memset(data, 'B', big);
    hp_err e = HP_ERR_INIT;
    int rc = hp_af_replace(dfd, "f", data, big, NULL, &e);
    free(data);
    if (rc != HP_EFAIL)
        return 13;
    if (e.sys != ENOSPC)
        return 14;
    char buf[256];
    fd = open(p, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    if (n != (ssize_t)strlen(OLD) || memcmp(buf, OLD, (size_t)n))
        return 15;
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 07777) != 0644)
        return 16;
    char *t = tree_snap(mnt);
    int temp = strstr(t, ".hp-") != NULL;
    free(t);
    if (temp)
        return 17;               /* the temp was removed */
    umount(mnt);
    return 0;
}

START_TEST(enospc_on_write_tmpfs)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(tmpfs_child());
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "tmpfs child failed at %d", WEXITSTATUS(st));
}
END_TEST

static int run_strace(const char *inject)
{
    char self[PATH_MAX], dir[PATH_MAX], env[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    snprintf(dir, sizeof dir, "%s/etc", root);
    snprintf(env, sizeof env, "HP_AF_HELPER=%s", dir);
    const char *sc = strchr(inject, '=') + 1;
    char trace[64];
    snprintf(trace, sizeof trace, "trace=%.*s", (int)strcspn(sc, ":"), sc);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char *const argv[] = { "strace", "-f", "-qq", "-o", "/dev/null", "-e",
                               trace, "-e", (char *)inject, self, NULL };
        char *const envp[] = { env, NULL };
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 2);
        execve("/usr/bin/strace", argv, envp);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* SECURITY 49: never rename after a failed fsync or write. */
START_TEST(fsync_and_write_faults_strace)
{
    ck_assert_msg(access("/usr/bin/strace", X_OK) == 0, "strace missing");
    /* the helper works without a fault */
    ck_assert_int_eq(run_strace("inject=fsync:error=EIO:when=100"), 0);
    assert_content("/etc/f", newdata, NEW_LEN);
    const char *faults[] = { "inject=fsync:error=EIO:when=1",
                             "inject=fsync:error=ENOSPC:when=1",
                             "inject=write:error=ENOSPC:when=1",
                             "inject=write:error=EIO:when=1",
                             "inject=write:error=EDQUOT:when=1", NULL };
    for (int i = 0; faults[i]; i++) {
        tu_write(root, "/etc/f", OLD, strlen(OLD), 0644, 0, 0);
        ck_assert_int_eq(run_strace(faults[i]), HP_EFAIL);
        ck_assert_msg(is_old_file(), "%s: file changed", faults[i]);
        ck_assert_int_eq(st_of("/etc/f").st_mode & 07777, 0644);
        assert_only_f();
    }
    /* a short write followed by more is not a failure (SECURITY 47) */
    tu_write(root, "/etc/f", OLD, strlen(OLD), 0644, 0, 0);
    ck_assert_int_eq(run_strace("inject=write:error=EINTR:when=1"), 0);
    assert_content("/etc/f", newdata, NEW_LEN);
}
END_TEST

/* ---- rename impossible: EBUSY (bind mount), EROFS ---- */

static int ebusy_child(void)
{
    char etc[PATH_MAX], src[PATH_MAX], tgt[PATH_MAX];
    snprintf(etc, sizeof etc, "%s/etc", root);
    snprintf(src, sizeof src, "%s/hosts.src", root);
    snprintf(tgt, sizeof tgt, "%s/etc/f", root);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return 10;
    /* as in a container: /etc/f is a file bind-mounted from elsewhere */
    if (mount(src, tgt, "none", MS_BIND, NULL) != 0)
        return 11;
    /* an fd opened before unshare would still see the old mount tree */
    close(dirfd_);
    dirfd_ = open(etc, O_RDONLY | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    if (renameat(dirfd_, "f", dirfd_, "f2") == 0 || errno != EBUSY)
        return 12;               /* the premise: rename really fails */
    if (hp_af_replace(dirfd_, "f", newdata, NEW_LEN, NULL, &e) != HP_OK)
        return 13;
    char *t = tree_snap(etc);
    if (strstr(t, "hostpriv-bak") || strstr(t, ".hp-"))
        return 14;               /* no backup left on success */
    free(t);
    /* a backup left by an interrupted rewrite stops the next one */
    char bak[PATH_MAX];
    snprintf(bak, sizeof bak, "%s/etc/f.hostpriv-bak", root);
    int fd = open(bak, O_WRONLY | O_CREAT, 0600);
    close(fd);
    if (hp_af_replace(dirfd_, "f", "x", 1, NULL, &e) != HP_EFAIL ||
        !strstr(e.msg, "interrupted"))
        return 15;
    unlink(bak);
    umount(tgt);
    return 0;
}

START_TEST(ebusy_falls_back_in_place)
{
    tu_write(root, "/hosts.src", OLD, strlen(OLD), 0644, 0, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(ebusy_child());
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "ebusy child failed at %d", WEXITSTATUS(st));
    /* the content went into the bind-mounted file itself, mode kept */
    assert_content("/hosts.src", newdata, NEW_LEN);
    ck_assert_int_eq(st_of("/hosts.src").st_mode & 07777, 0644);
    assert_content("/etc/f", OLD, strlen(OLD));   /* the hidden one */
}
END_TEST

static int erofs_child(void)
{
    char etc[PATH_MAX];
    snprintf(etc, sizeof etc, "%s/etc", root);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(etc, etc, "none", MS_BIND, NULL) != 0 ||
        mount("none", etc, "none", MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return 10;
    int fd = open(etc, O_RDONLY | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    if (hp_af_replace(fd, "f", newdata, NEW_LEN, NULL, &e) != HP_EFAIL ||
        e.sys != EROFS)
        return 11;
    return 0;
}

START_TEST(erofs_is_an_error)
{
    char *before = tree_snap(root);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(erofs_child());
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "erofs child failed at %d", WEXITSTATUS(st));
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

/* ---- concurrent editors ---- */

#define EDITORS 4
#define ROUNDS 150

static int bump(int dfd)
{
    hp_err e = HP_ERR_INIT;
    int lk = hp_af_lock_dir(dfd, &e);
    if (lk < 0)
        return 1;
    char *data;
    size_t len;
    struct stat st;
    if (hp_af_read(dfd, "counter", 64, &data, &len, &st, &e) != HP_OK)
        return 2;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", strtol(data, NULL, 10) + 1);
    free(data);
    hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 0, &st };
    int rc = hp_af_replace(dfd, "counter", buf, (size_t)n, &o, &e);
    hp_af_unlock(lk);
    return rc ? 3 : 0;
}

START_TEST(concurrent_editors_lose_nothing)
{
    tu_write(root, "/etc/counter", "0\n", 2, 0644, 0, 0);
    pid_t kids[EDITORS];
    for (int k = 0; k < EDITORS; k++) {
        kids[k] = fork();
        ck_assert_int_ge(kids[k], 0);
        if (kids[k] == 0) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/etc", root);
            int dfd = open(p, O_RDONLY | O_DIRECTORY);   /* its own fd */
            for (int i = 0; i < ROUNDS; i++)
                if (bump(dfd))
                    _exit(1);
            _exit(0);
        }
    }
    for (int k = 0; k < EDITORS; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char want[32];
    snprintf(want, sizeof want, "%d\n", EDITORS * ROUNDS);
    assert_content("/etc/counter", want, strlen(want));
}
END_TEST

START_TEST(lock_nests_in_one_process)
{
    hp_err e = HP_ERR_INIT;
    int a = hp_af_lock_dir(dirfd_, &e);
    ck_assert_int_ge(a, 0);
    int b = hp_af_lock_dir(dirfd_, &e);     /* would wait for itself */
    ck_assert_int_ge(b, 0);
    /* another process sees it locked until both are released: the lock
     * file is there and held, then gone */
    char p[PATH_MAX], lf[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    snprintf(lf, sizeof lf, "%s/%s", p, HP_DIRLOCK_NAME);
    pid_t pid;
    int st;
    hp_af_unlock(a);
    if ((pid = fork()) == 0) {
        int fd = open(lf, O_RDWR);
        _exit(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 ? 1 : 0);
    }
    waitpid(pid, &st, 0);
    ck_assert_int_eq(WEXITSTATUS(st), 1);
    hp_af_unlock(b);
    ck_assert_int_ne(access(lf, F_OK), 0);
    /* no lock file is left behind */
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, "lock"), "%s", t);
    free(t);
}
END_TEST

/* Another user can open /etc and flock it, and read everything in it:
 * none of that may stall root's editor.  The lock is a file only root can
 * open, so root locks at once (no wait allowed here) while the other user
 * holds the directory's flock; the other user cannot open the lock file;
 * nothing is left behind. */
static int hold_dir_flock(void *arg)
{
    int *pipes = arg;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    int d = open(p, O_RDONLY | O_DIRECTORY);
    if (d < 0 || flock(d, LOCK_EX) != 0)
        return 1;
    char c = 'x', lf[PATH_MAX];
    (void)!write(pipes[1], &c, 1);
    (void)!read(pipes[2], &c, 1);          /* root has its lock now */
    snprintf(lf, sizeof lf, "%s/%s", p, HP_DIRLOCK_NAME);
    int fd = open(lf, O_RDONLY);
    return fd >= 0 ? 2 : errno == EACCES ? 0 : 3;
}

START_TEST(lock_not_stalled_by_other_users)
{
    int up[2], down[2];
    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    pid_t pid = fork();
    if (pid == 0) {
        int pipes[3] = { up[0], up[1], down[0] };
        _exit(tu_as(uid, gid, hold_dir_flock, pipes));
    }
    char c;
    ck_assert_int_eq(read(up[0], &c, 1), 1);   /* the user holds /etc */
    hp_af_set_lock_wait(0);
    hp_err e = HP_ERR_INIT;
    int lk = hp_af_lock_dir(dirfd_, &e);
    hp_af_set_lock_wait(20000);
    ck_assert_msg(lk >= 0, "%s", e.msg);
    (void)!write(down[1], "x", 1);
    int st;
    waitpid(pid, &st, 0);
    ck_assert_int_eq(WEXITSTATUS(st), 0);      /* EACCES on the lock file */
    hp_af_unlock(lk);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, "lock"), "%s", t);
    free(t);
    close(up[0]); close(up[1]); close(down[0]); close(down[1]);
}
END_TEST

Suite *make_atomicfile_suite(void)
{
    Suite *s = suite_create("atomicfile");
    TCase *t = tcase_create("replace");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, replace_keeps_owner_mode_xattrs);
    tcase_add_test(t, replace_mode_0644_not_0600);
    tcase_add_test(t, replace_refuses_special_targets);
    tcase_add_test(t, root_never_writes_in_user_dir);
    tcase_add_test(t, expect_detects_concurrent_edit);
    tcase_add_test(t, read_refuses_non_regular);
    suite_add_tcase(s, t);
    t = tcase_create("crash");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, kill9_at_every_step);
    tcase_add_test(t, clean_temps_only_ours);
    tcase_add_test(t, enospc_on_write_tmpfs);
    tcase_add_test(t, fsync_and_write_faults_strace);
    suite_add_tcase(s, t);
    t = tcase_create("rename_impossible");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, ebusy_falls_back_in_place);
    tcase_add_test(t, erofs_is_an_error);
    suite_add_tcase(s, t);
    t = tcase_create("concurrency");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, concurrent_editors_lose_nothing);
    tcase_add_test(t, lock_nests_in_one_process);
    tcase_add_test(t, lock_not_stalled_by_other_users);
    suite_add_tcase(s, t);
    return s;
}
