/* links.c: symlinks hostpriv owns (SECURITY.md 10-15).  Whatever is at a
 * name and is not ours survives every call, byte for byte. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/identity.h"
#include "host/links.h"
#include "host/safepath.h"
#include "testutil.h"
#include "helpers/tree.h"

#define TARGET "/Applications/Docker.app/Contents/Resources/bin/docker"

static char root[PATH_MAX];
static int rootfd = -1, bin = -1;
static uid_t uid;
static gid_t gid;

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/usr/local/bin", &bin, &e), HP_OK);
}

static void teardown(void)
{
    close(bin);
    close(rootfd);
    tu_sandbox_rm(root);
}

static char *link_at(const char *hpath)
{
    static char buf[PATH_MAX];
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ssize_t n = readlink(p, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

START_TEST(name_allowlist)
{
    hp_err e = HP_ERR_INIT;
    const char *good[] = { "docker", "docker-compose", "kubectl", "hub-tool",
                           "docker-credential-osxkeychain", "docker.sock",
                           NULL };
    for (int i = 0; good[i]; i++)
        ck_assert_int_eq(hp_link_name_valid(good[i], &e), HP_OK);
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *bad[] = { "", ".", "..", "/", "a/b", "../etc", "-rf", "-",
                          "a b", "a\nb", "a\tb", "\x7f", "d\xc3\xa9",
                          longname, NULL };
    char *before = tree_snap(root);
    for (int i = 0; bad[i]; i++) {
        ck_assert_msg(hp_link_name_valid(bad[i], &e) == HP_ECONFIG, "%s", bad[i]);
        int created = 0;
        ck_assert_int_ne(hp_link_install(bin, bad[i], TARGET, &created, &e),
                         HP_OK);
        ck_assert_int_ne(hp_link_force(bin, bad[i], TARGET, &e), HP_OK);
        ck_assert_int_eq(created, 0);
    }
    ck_assert_int_eq(hp_link_name_valid(NULL, &e), HP_ECONFIG);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(install_and_state)
{
    hp_err e = HP_ERR_INIT;
    int created = 0;
    ck_assert_int_eq(hp_link_state(bin, "docker", TARGET), HP_LINK_ABSENT);
    ck_assert_int_eq(hp_link_install(bin, "docker", TARGET, &created, &e),
                     HP_OK);
    ck_assert_int_eq(created, 1);
    ck_assert_str_eq(link_at("/usr/local/bin/docker"), TARGET);
    ck_assert_int_eq(hp_link_state(bin, "docker", TARGET), HP_LINK_OURS);
    ck_assert_int_eq(hp_link_state(bin, "docker", "/elsewhere"),
                     HP_LINK_FOREIGN);
    /* again: nothing to do */
    ck_assert_int_eq(hp_link_install(bin, "docker", TARGET, &created, &e),
                     HP_OK);
    ck_assert_int_eq(created, 0);
}
END_TEST

/* SECURITY 12, 13: a file, a directory, a foreign link, a FIFO and a live
 * socket of another daemon at the name are never clobbered. */
START_TEST(never_clobber)
{
    tu_write(root, "/usr/local/bin/file", "#!/bin/sh\n", 10, 0755, uid, gid);
    tu_mkdir(root, "/usr/local/bin/dir", 0755, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/usr/local/bin/foreign", root);
    ck_assert_int_eq(symlink("/opt/homebrew/bin/docker", p), 0);
    snprintf(p, sizeof p, "%s/usr/local/bin/fifo", root);
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    snprintf(p, sizeof p, "%s/usr/local/bin/sock", root);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    ck_assert_uint_lt(strlen(p), sizeof sa.sun_path);
    strcpy(sa.sun_path, p);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(s, 1), 0);
    char *before = tree_snap(root);
    const char *names[] = { "file", "dir", "foreign", "fifo", "sock", NULL };
    const char *kinds[] = { "regular file", "directory", "symlink to",
                            "FIFO", "socket" };
    hp_err e = HP_ERR_INIT;
    for (int i = 0; names[i]; i++) {
        int created = 0;
        ck_assert_int_eq(hp_link_install(bin, names[i], TARGET, &created, &e),
                         HP_EFAIL);
        ck_assert_msg(strstr(e.msg, kinds[i]) && strstr(e.msg, "left alone"),
                      "%s: %s", names[i], e.msg);
        ck_assert_int_eq(created, 0);
        ck_assert_int_eq(hp_link_remove(bin, names[i], TARGET, &e), HP_EFAIL);
        if (strcmp(names[i], "foreign"))   /* force replaces only links */
            ck_assert_int_eq(hp_link_force(bin, names[i], TARGET, &e),
                             HP_EFAIL);
    }
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* the daemon's socket still answers */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    close(c);
    close(s);
}
END_TEST

START_TEST(force_replaces_only_symlinks)
{
    char p[PATH_MAX];
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    int run;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, "/var/run", &run, &e), HP_OK);
    snprintf(p, sizeof p, "%s/var/run/docker.sock", root);
    ck_assert_int_eq(symlink("/Users/old/.docker/run/docker.sock", p), 0);
    ck_assert_int_eq(hp_link_force(run, "docker.sock",
                                   "/Users/u/.docker/run/docker.sock", &e),
                     HP_OK);
    ck_assert_str_eq(link_at("/var/run/docker.sock"),
                     "/Users/u/.docker/run/docker.sock");
    /* absent: created; ours: nothing to do */
    ck_assert_int_eq(hp_link_force(run, "new", "/t", &e), HP_OK);
    ck_assert_int_eq(hp_link_force(run, "new", "/t", &e), HP_OK);
    ck_assert_str_eq(link_at("/var/run/new"), "/t");
    /* no temp link left behind */
    snprintf(p, sizeof p, "%s/var/run", root);
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, ".hp-"), "%s", t);
    free(t);
    close(run);
}
END_TEST

/* SECURITY 15: remove only while readlinkat still shows our target. */
START_TEST(remove_only_ours)
{
    hp_err e = HP_ERR_INIT;
    int created;
    ck_assert_int_eq(hp_link_install(bin, "docker", TARGET, &created, &e),
                     HP_OK);
    /* the user re-points it: it is theirs now */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/usr/local/bin/docker", root);
    ck_assert_int_eq(unlink(p), 0);
    ck_assert_int_eq(symlink("/opt/homebrew/bin/docker", p), 0);
    char *before = tree_snap(root);
    ck_assert_int_eq(hp_link_remove(bin, "docker", TARGET, &e), HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "/opt/homebrew/bin/docker"), "%s", e.msg);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* ours: removed, and nothing else in the directory */
    ck_assert_int_eq(hp_link_install(bin, "kubectl", TARGET, &created, &e),
                     HP_OK);
    ck_assert_int_eq(hp_link_remove(bin, "kubectl", TARGET, &e), HP_OK);
    ck_assert_ptr_null(link_at("/usr/local/bin/kubectl"));
    snprintf(p, sizeof p, "%s/usr/local/bin", root);
    char *t = tree_snap(p);
    ck_assert_msg(!strstr(t, ".hp-") && !strstr(t, "kubectl"), "%s", t);
    free(t);
    /* absent: fine, twice */
    ck_assert_int_eq(hp_link_remove(bin, "kubectl", TARGET, &e), HP_OK);
}
END_TEST

struct inst { int dirfd; };

static int install_as(void *arg, hp_err *e)
{
    struct inst *in = arg;
    int created;
    return hp_link_install(in->dirfd, "docker", TARGET, &created, e);
}

/* SECURITY 11: /usr/local/bin owned by the user (Intel Homebrew): root
 * does not write there with root's rights; as the user it may. */
START_TEST(user_owned_bin)
{
    ck_assert_int_eq(chown(root, 0, 0), 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/usr/local/bin", root);
    ck_assert_int_eq(chown(p, uid, gid), 0);
    char *before = tree_snap(root);
    hp_err e = HP_ERR_INIT;
    int created = 0;
    ck_assert_int_eq(hp_link_install(bin, "docker", TARGET, &created, &e),
                     HP_EDENIED);
    ck_assert_msg(strstr(e.msg, HP_TEST_USER), "%s", e.msg);
    ck_assert_int_eq(hp_link_force(bin, "docker", TARGET, &e), HP_EDENIED);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    struct inst in = { bin };
    ck_assert_int_eq(hp_as_user(uid, gid, install_as, &in, &e), HP_OK);
    struct stat st;
    snprintf(p, sizeof p, "%s/usr/local/bin/docker", root);
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, uid);     /* the link is the user's */
    /* and root will not remove it with root's rights either */
    ck_assert_int_eq(hp_link_remove(bin, "docker", TARGET, &e), HP_EDENIED);
    ck_assert_int_eq(lstat(p, &st), 0);
}
END_TEST

Suite *make_links_suite(void)
{
    Suite *s = suite_create("links");
    TCase *t = tcase_create("names");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, name_allowlist);
    suite_add_tcase(s, t);
    t = tcase_create("install");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, install_and_state);
    tcase_add_test(t, never_clobber);
    tcase_add_test(t, force_replaces_only_symlinks);
    tcase_add_test(t, user_owned_bin);
    suite_add_tcase(s, t);
    t = tcase_create("remove");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, remove_only_ours);
    suite_add_tcase(s, t);
    return s;
}
