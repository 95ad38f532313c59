/* safepath.c: walking host paths under host.root (SECURITY.md 11, 14, 16,
 * 33, 36).  Every refusal is checked with the sandbox unchanged. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/atomicfile.h"
#include "host/links.h"
#include "host/safepath.h"
#include "testutil.h"
#include "helpers/tree.h"

static char root[PATH_MAX], out[PATH_MAX];
static int rootfd = -1;
static uid_t uid;
static gid_t gid;

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_sandbox(out, sizeof out);     /* "outside host.root": must stay empty */
    tu_user(&uid, &gid);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(rootfd, 0);
}

static void teardown(void)
{
    close(rootfd);
    tu_sandbox_rm(root);
    tu_sandbox_rm(out);
}

static void mklink(const char *target, const char *hpath, uid_t u, gid_t g)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
    ck_assert_int_eq(lchown(p, u, g), 0);
}

/* dev/ino of root+hpath, to tell which directory an fd really is */
static void same_inode(int fd, const char *hpath)
{
    char p[PATH_MAX];
    struct stat a, b;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_int_eq(fstat(fd, &a), 0);
    ck_assert_msg(stat(p, &b) == 0, "stat %s", p);
    ck_assert_msg(a.st_dev == b.st_dev && a.st_ino == b.st_ino,
                  "fd is not %s", p);
}

static int open_dir_rc(const char *hpath, hp_err *e)
{
    int fd = -1;
    int rc = hp_sp_open_dir(rootfd, hpath, &fd, e);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- components and ".." ---- */

START_TEST(open_plain_and_parent)
{
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    int fd;
    char leaf[256];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr/local/bin", &fd, &e), HP_OK);
    same_inode(fd, "/usr/local/bin");
    close(fd);
    ck_assert_int_eq(hp_sp_open_parent(rootfd, "/usr/local/bin/docker", &fd,
                                       leaf, &e), HP_OK);
    ck_assert_str_eq(leaf, "docker");
    same_inode(fd, "/usr/local/bin");
    close(fd);
    ck_assert_int_eq(hp_sp_open_parent(rootfd, "/x", &fd, leaf, &e), HP_OK);
    same_inode(fd, "");
    close(fd);
    /* no usable leaf, or not absolute */
    const char *bad[] = { "/", "/usr/..", "/usr/.", "", "usr/local", NULL };
    for (int i = 0; bad[i]; i++) {
        fd = -1;
        ck_assert_int_ne(hp_sp_open_parent(rootfd, bad[i], &fd, leaf, &e), HP_OK);
        ck_assert_int_eq(fd, -1);
    }
    /* a file in the middle of the path */
    tu_write(root, "/usr/file", "x", 1, 0644, 0, 0);
    ck_assert_int_eq(open_dir_rc("/usr/file/x", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOTDIR);
    ck_assert_int_eq(open_dir_rc("/usr/nope", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
}
END_TEST

START_TEST(dotdot_never_climbs_above_root)
{
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_mkdir(root, "/a/b", 0755, 0, 0);
    int fd;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/../../..", &fd, &e), HP_OK);
    same_inode(fd, "");
    close(fd);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/a/b/../../../../../etc", &fd, &e),
                     HP_OK);
    same_inode(fd, "/etc");
    close(fd);
    /* the outside sandbox's name from inside is just a missing path */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "/../../../../..%s", out);
    ck_assert_int_eq(open_dir_rc(p, &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
}
END_TEST

/* ---- symlinks ---- */

START_TEST(allowed_root_link_var_run)
{
    tu_mkdir(root, "/var", 0755, 0, 0);
    tu_mkdir(root, "/run", 0755, 0, 0);
    tu_mkdir(root, "/private/etc", 0755, 0, 0);
    mklink("/run", "/var/run", 0, 0);            /* Linux */
    mklink("private/etc", "/etc", 0, 0);         /* macOS, relative */
    int fd;
    char leaf[256];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_parent(rootfd, "/var/run/docker.sock", &fd,
                                       leaf, &e), HP_OK);
    same_inode(fd, "/run");
    ck_assert_str_eq(leaf, "docker.sock");
    close(fd);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/etc", &fd, &e), HP_OK);
    same_inode(fd, "/private/etc");
    close(fd);
    /* ".." after a followed link is the link target's parent */
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/etc/..", &fd, &e), HP_OK);
    same_inode(fd, "/private");
    close(fd);
}
END_TEST

START_TEST(link_escapes_are_rerooted)
{
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_mkdir(root, "/usr", 0755, 0, 0);
    char t[PATH_MAX];
    /* absolute: a path outside host.root means that path under it */
    mklink(out, "/usr/abs", 0, 0);
    mklink("/etc", "/usr/etc", 0, 0);
    snprintf(t, sizeof t, "../../../../../../../../..%s", out);
    mklink(t, "/usr/rel", 0, 0);
    mklink("../../../../../../etc", "/usr/reletc", 0, 0);
    char *before = tree_snap(out);
    int fd;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(open_dir_rc("/usr/abs", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
    ck_assert_int_eq(open_dir_rc("/usr/rel", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOENT);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr/etc", &fd, &e), HP_OK);
    same_inode(fd, "/etc");
    close(fd);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr/reletc", &fd, &e), HP_OK);
    same_inode(fd, "/etc");
    close(fd);
    /* mkdir -p through them creates under host.root, never outside */
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/usr/abs/x", 0755, -1, -1, NULL,
                                   &e), HP_OK);
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s/x", root, out);
    ck_assert_int_eq(stat(p, &st), 0);
    char *after = tree_snap(out);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(user_links_refused)
{
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    tu_mkdir(root, "/wr", 0777, 0, 0);
    tu_mkdir(root, "/grp", 0775, 0, gid);
    mklink("/etc", "/home/u/evil", uid, gid);    /* a user's link */
    mklink("/etc", "/rootlink_user", uid, gid);  /* a user's link, root dir */
    mklink("/etc", "/wr/l", 0, 0);               /* root link, writable dir */
    mklink("/etc", "/grp/l", 0, 0);              /* root link, group dir */
    char *before = tree_snap(root);
    const char *bad[] = { "/home/u/evil", "/rootlink_user", "/wr/l", "/grp/l",
                          NULL };
    hp_err e = HP_ERR_INIT;
    for (int i = 0; bad[i]; i++) {
        ck_assert_int_eq(open_dir_rc(bad[i], &e), HP_EFAIL);
        ck_assert_int_eq(e.sys, ELOOP);
        ck_assert_msg(strstr(e.msg, "refusing to follow"), "%s", e.msg);
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/x", bad[i]);
        ck_assert_int_ne(hp_sp_mkdir_p(rootfd, p, 0755, -1, -1, NULL, &e),
                         HP_OK);
    }
    ck_assert_msg(strstr(e.msg, "mode 0775"), "%s", e.msg);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(link_loop_limited)
{
    mklink("/b", "/a", 0, 0);
    mklink("/a", "/b", 0, 0);
    mklink("self", "/self", 0, 0);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(open_dir_rc("/a", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ELOOP);
    ck_assert_msg(strstr(e.msg, "too many symlinks"), "%s", e.msg);
    ck_assert_int_eq(open_dir_rc("/self/x", &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, ELOOP);
}
END_TEST

/* Without root the fast openat2 path is taken; links make it fall back. */
static int unpriv_walk(void *arg)
{
    int rfd = *(int *)arg, fd;
    char leaf[256];
    hp_err e = HP_ERR_INIT;
    if (hp_sp_open_dir(rfd, "/home/u/d", &fd, &e) != HP_OK)
        return 1;
    close(fd);
    if (hp_sp_open_parent(rfd, "/var/run/x", &fd, leaf, &e) != HP_OK)
        return 2;
    close(fd);
    if (hp_sp_open_dir(rfd, "/home/u/evil", &fd, &e) == HP_OK || e.sys != ELOOP)
        return 3;
    if (hp_sp_open_dir(rfd, "/../../home/u/../../home/u/d", &fd, &e) != HP_OK)
        return 4;
    close(fd);
    return 0;
}

START_TEST(unprivileged_walk)
{
    tu_mkdir(root, "/home/u/d", 0755, uid, gid);
    tu_mkdir(root, "/run", 0755, 0, 0);
    tu_mkdir(root, "/var", 0755, 0, 0);
    mklink("/run", "/var/run", 0, 0);
    mklink(out, "/home/u/evil", uid, gid);
    ck_assert_int_eq(tu_as(uid, gid, unpriv_walk, &rootfd), 0);
}
END_TEST

/* ---- CHASE_SAFE and user-owned directories ---- */

START_TEST(chase_safe_owner_change)
{
    /* /usr/local owned by the user (Intel Homebrew), bin inside by root */
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/usr/local", 0755, uid, gid);
    char *before = tree_snap(root);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(open_dir_rc("/usr/local/bin", &e), HP_EDENIED);
    ck_assert_msg(strstr(e.msg, HP_TEST_USER) && strstr(e.msg, "root"),
                  "message names both owners: %s", e.msg);
    ck_assert_int_ne(hp_sp_mkdir_p(rootfd, "/usr/local/bin/x", 0755, -1, -1,
                                   NULL, &e), HP_OK);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* the user's own subtree is fine to walk */
    tu_mkdir(root, "/usr/local/share", 0755, uid, gid);
    ck_assert_int_eq(open_dir_rc("/usr/local/share", &e), HP_OK);
}
END_TEST

START_TEST(root_may_write)
{
    tu_mkdir(root, "/usr/local/bin", 0755, uid, gid);
    int fd;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr/local/bin", &fd, &e), HP_OK);
    ck_assert_int_eq(hp_sp_root_may_write(fd, "docker", &e), HP_EDENIED);
    ck_assert_msg(strstr(e.msg, HP_TEST_USER), "%s", e.msg);
    close(fd);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr", &fd, &e), HP_OK);
    ck_assert_int_eq(hp_sp_root_may_write(fd, "x", &e), HP_OK);
    close(fd);
}
END_TEST

/* ---- mkdir -p ---- */

START_TEST(mkdir_p_modes_owner_made)
{
    mode_t old_umask = umask(077);
    hp_err e = HP_ERR_INIT;
    hp_sp_made m;
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/opt/a/b", 0750, uid, gid, &m, &e),
                     HP_OK);
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/opt/a/b", root);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0750);   /* umask does not apply */
    ck_assert_int_eq(st.st_uid, uid);
    /* the walk reports what it made, outermost first; it records nothing */
    ck_assert_int_eq(m.n, 3);
    ck_assert_str_eq(m.path, "/opt/a/b");
    ck_assert_int_eq(m.len[0], 4);
    ck_assert_int_eq(m.len[1], 6);
    ck_assert_int_eq(m.len[2], 8);
    /* existing directories are not reported again */
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/opt/a/b/c", 0750, uid, gid, &m,
                                   &e), HP_OK);
    ck_assert_int_eq(m.n, 1);
    ck_assert_str_eq(m.path, "/opt/a/b/c");
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/opt/a/b", 0750, uid, gid, &m, &e),
                     HP_OK);
    ck_assert_int_eq(m.n, 0);
    tu_mkdir(root, "/var/lib", 0755, 0, 0);
    /* a file in the way */
    tu_write(root, "/var/lib/f", "x", 1, 0644, 0, 0);
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/var/lib/f/g", 0755, -1, -1, NULL, &e),
                     HP_EFAIL);
    ck_assert_int_eq(e.sys, ENOTDIR);
    umask(old_umask);
}
END_TEST

START_TEST(mkdir_p_in_user_dir_runs_as_user)
{
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    char *before = tree_snap(root);
    hp_err e = HP_ERR_INIT;
    /* a root-owned directory in the user's home: refused, nothing made */
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/home/u/.docker/run", 0755, -1, -1,
                                   NULL, &e), HP_EDENIED);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* one the user is to own: made with the user's rights */
    ck_assert_int_eq(hp_sp_mkdir_p(rootfd, "/home/u/.docker/run", 0700, uid,
                                   gid, NULL, &e), HP_OK);
    struct stat st;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/home/u/.docker/run", root);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, uid);
    ck_assert_int_eq(st.st_mode & 07777, 0700);
}
END_TEST

/* ---- the swap race (openat2 selftests' renameat2 RENAME_EXCHANGE) ---- */

static pid_t start_swapper(const char *a, const char *b, uid_t u, gid_t g)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (u != 0 && (setgid(g) != 0 || setuid(u) != 0))
            _exit(2);
        for (;;)
            renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
    }
    return pid;
}

struct race { int rootfd; int oks; };

static int race_writes(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 3000; i++) {
        int fd;
        char leaf[256];
        hp_err e = HP_ERR_INIT;
        if (hp_sp_open_parent(r->rootfd, "/usr/local/bin/docker", &fd, leaf,
                              &e) != HP_OK)
            continue;
        int created;
        if (hp_link_install(fd, leaf, "/Applications/Docker", &created, &e) ==
            HP_OK)
            r->oks++;
        hp_af_opts o = { 0644, (uid_t)-1, (gid_t)-1, 1, NULL };
        hp_af_replace(fd, "hosts", "x\n", 2, &o, &e);
        close(fd);
    }
    if (getenv("HP_TEST_VERBOSE"))
        fprintf(stderr, "race as uid %u: %d of 3000 links made\n",
                (unsigned)geteuid(), r->oks);
    return 0;
}

/* The tree /usr/local{,/bin} and the swapper belong to u; the writer runs
 * as root or as u.  Neither the outside sandbox nor host.root's /etc may
 * ever receive a write. */
static void race(uid_t u, gid_t g, int writer_is_root, const char *target)
{
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, u, g);
    tu_mkdir(root, "/usr/local", 0755, u, g);
    mklink(target, "/usr/local/evil", u, g);
    /* the outside directory is writable by the racing user */
    ck_assert_int_eq(chown(out, u, g), 0);
    char *before = tree_snap(out), etc[PATH_MAX];
    snprintf(etc, sizeof etc, "%s/etc", root);
    char *ebefore = tree_snap(etc);
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s/usr/local/bin", root);
    snprintf(b, sizeof b, "%s/usr/local/evil", root);
    pid_t sw = start_swapper(a, b, u, g);
    struct race r = { rootfd, 0 };
    if (writer_is_root)
        race_writes(&r);
    else
        ck_assert_int_eq(tu_as(u, g, race_writes, &r), 0);
    kill(sw, SIGKILL);
    waitpid(sw, NULL, 0);
    char *after = tree_snap(out), *eafter = tree_snap(etc);
    ck_assert_str_eq(before, after);   /* no write ever landed outside */
    ck_assert_str_eq(ebefore, eafter); /* nor in root's /etc */
    free(before);
    free(after);
    free(ebefore);
    free(eafter);
}

START_TEST(race_root_link_absolute)
{
    race(0, 0, 1, out);
}
END_TEST

START_TEST(race_root_link_relative)
{
    char t[PATH_MAX];
    snprintf(t, sizeof t, "../../../../../../../../../../..%s", out);
    race(0, 0, 1, t);
}
END_TEST

/* SECURITY 11: the user swaps their /usr/local/bin for a link to /etc
 * while root works there. */
START_TEST(race_user_dir_swapped_for_etc_link)
{
    race(uid, gid, 1, "/etc");
}
END_TEST

START_TEST(race_user_swaps_own_dir)
{
    race(uid, gid, 0, out);
}
END_TEST

/* ---- checks of real paths (config, plugin dir, host.root) ---- */

START_TEST(check_safe_paths)
{
    hp_err e = HP_ERR_INIT;
    char p[PATH_MAX], q[PATH_MAX];
    tu_mkdir(root, "/conf", 0755, 0, 0);
    tu_write(root, "/conf/hostpriv.ini", "x", 1, 0644, 0, 0);
    snprintf(p, sizeof p, "%s/conf", root);
    /* /tmp (root, sticky, world-writable) is an acceptable parent */
    ck_assert_int_eq(hp_sp_check_safe_dir(p, &e), HP_OK);
    ck_assert_int_eq(hp_sp_check_safe_dir("/tmp", &e), HP_ECONFIG);
    snprintf(q, sizeof q, "%s/conf/hostpriv.ini", root);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_OK);
    /* a root-owned link in a safe directory is fine */
    snprintf(q, sizeof q, "%s/conf", root);
    mklink(q, "/conflink", 0, 0);
    snprintf(q, sizeof q, "%s/conflink/hostpriv.ini", root);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_OK);
    /* bad: group-writable file, user-owned file, symlink file, FIFO */
    ck_assert_int_eq(chmod(p, 0775), 0);
    ck_assert_int_eq(hp_sp_check_safe_dir(p, &e), HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, "0775"), "%s", e.msg);
    snprintf(q, sizeof q, "%s/conf/hostpriv.ini", root);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_ECONFIG);
    ck_assert_int_eq(chmod(p, 0755), 0);
    ck_assert_int_eq(chmod(q, 0664), 0);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_ECONFIG);
    ck_assert_int_eq(chmod(q, 0644), 0);
    ck_assert_int_eq(chown(q, uid, gid), 0);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, HP_TEST_USER), "%s", e.msg);
    mklink("/conf/hostpriv.ini", "/conf/l.ini", 0, 0);
    snprintf(q, sizeof q, "%s/conf/l.ini", root);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, "symlink"), "%s", e.msg);
    snprintf(q, sizeof q, "%s/conf/fifo", root);
    ck_assert_int_eq(mkfifo(q, 0644), 0);
    ck_assert_int_eq(hp_sp_check_safe_file(q, &e), HP_ECONFIG);
    /* a user-owned parent, a user's link on the way */
    tu_mkdir(root, "/home/u/plugins", 0755, 0, 0);
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    snprintf(q, sizeof q, "%s/home/u/plugins", root);
    ck_assert_int_eq(hp_sp_check_safe_dir(q, &e), HP_ECONFIG);
    snprintf(q, sizeof q, "%s/conf", root);
    mklink(q, "/userlink", uid, gid);
    snprintf(q, sizeof q, "%s/userlink", root);
    ck_assert_int_ne(hp_sp_check_safe_dir(q, &e), HP_OK);
    ck_assert_int_eq(hp_sp_check_safe_dir("relative/path", &e), HP_EINTERNAL);
}
END_TEST

START_TEST(uid_can_write)
{
    tu_mkdir(root, "/d", 0755, uid, gid);
    tu_mkdir(root, "/g", 0775, 0, gid);
    tu_mkdir(root, "/w", 0777, 0, 0);
    int d, g, w;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/d", &d, &e), HP_OK);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/g", &g, &e), HP_OK);
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/w", &w, &e), HP_OK);
    ck_assert_int_eq(hp_sp_uid_can_write(d, uid, gid), 1);
    ck_assert_int_eq(hp_sp_uid_can_write(d, uid + 1, gid + 1), 0);
    ck_assert_int_eq(hp_sp_uid_can_write(g, uid + 1, gid), 1);
    ck_assert_int_eq(hp_sp_uid_can_write(g, uid + 1, gid + 1), 0);
    ck_assert_int_eq(hp_sp_uid_can_write(w, uid + 1, gid + 1), 1);
    ck_assert_int_eq(hp_sp_uid_can_write(rootfd, uid, gid), 0);
    ck_assert_int_eq(hp_sp_uid_can_write(rootfd, 0, 0), 1);
    close(d);
    close(g);
    close(w);
}
END_TEST

Suite *make_safepath_suite(void)
{
    Suite *s = suite_create("safepath");
    TCase *t = tcase_create("walk");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, open_plain_and_parent);
    tcase_add_test(t, dotdot_never_climbs_above_root);
    tcase_add_test(t, unprivileged_walk);
    suite_add_tcase(s, t);
    t = tcase_create("symlinks");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, allowed_root_link_var_run);
    tcase_add_test(t, link_escapes_are_rerooted);
    tcase_add_test(t, user_links_refused);
    tcase_add_test(t, link_loop_limited);
    suite_add_tcase(s, t);
    t = tcase_create("owners");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, chase_safe_owner_change);
    tcase_add_test(t, root_may_write);
    tcase_add_test(t, mkdir_p_modes_owner_made);
    tcase_add_test(t, mkdir_p_in_user_dir_runs_as_user);
    suite_add_tcase(s, t);
    t = tcase_create("race");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, race_root_link_absolute);
    tcase_add_test(t, race_root_link_relative);
    tcase_add_test(t, race_user_dir_swapped_for_etc_link);
    tcase_add_test(t, race_user_swaps_own_dir);
    suite_add_tcase(s, t);
    t = tcase_create("check_safe");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, check_safe_paths);
    tcase_add_test(t, uid_can_write);
    suite_add_tcase(s, t);
    return s;
}
