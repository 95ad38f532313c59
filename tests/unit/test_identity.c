/* identity.c: running a step as the app's user, passwd lookups. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/identity.h"
#include "testutil.h"

static char root[PATH_MAX];
static uid_t uid;
static gid_t gid;

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
}

static void teardown(void)
{
    tu_sandbox_rm(root);
}

/* Reports who it ran as and whether root could be regained. */
static int who_fn(void *arg, hp_err *e)
{
    (void)arg;
    uid_t r, ef, s;
    getresuid(&r, &ef, &s);
    int regained = setuid(0) == 0 || seteuid(0) == 0;
    return hp_err_set(e, 42, "r=%u e=%u s=%u g=%u groups=%d regained=%d",
                      (unsigned)r, (unsigned)ef, (unsigned)s,
                      (unsigned)getegid(), getgroups(0, NULL), regained);
}

START_TEST(as_user_drops_everything)
{
    hp_err e = HP_ERR_INIT;
    int rc = hp_as_user(uid, gid, who_fn, NULL, &e);
    ck_assert_int_eq(rc, 42);
    ck_assert_int_eq(e.code, 42);
    char want[128];
    snprintf(want, sizeof want, "r=%u e=%u s=%u g=%u groups=0 regained=0",
             (unsigned)uid, (unsigned)uid, (unsigned)uid, (unsigned)gid);
    ck_assert_str_eq(e.msg, want);
    /* the caller stays root */
    ck_assert_int_eq(geteuid(), 0);
}
END_TEST

struct mk { const char *path; };

static int create_fn(void *arg, hp_err *e)
{
    struct mk *m = arg;
    int fd = open(m->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
    if (fd < 0)
        return hp_err_sys(e, HP_EFAIL, errno, "create %s", m->path);
    close(fd);
    return HP_OK;
}

START_TEST(as_user_writes_with_user_rights)
{
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    tu_mkdir(root, "/rootonly", 0755, 0, 0);
    char p[PATH_MAX];
    hp_err e = HP_ERR_INIT;
    snprintf(p, sizeof p, "%s/home/u/f", root);
    struct mk m = { p };
    ck_assert_int_eq(hp_as_user(uid, gid, create_fn, &m, &e), HP_OK);
    struct stat st;
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, uid);
    ck_assert_int_eq(st.st_gid, gid);
    /* the kernel checks the user's rights: a root-only dir refuses */
    snprintf(p, sizeof p, "%s/rootonly/f", root);
    ck_assert_int_eq(hp_as_user(uid, gid, create_fn, &m, &e), HP_EFAIL);
    ck_assert_int_eq(e.sys, EACCES);
    ck_assert_int_eq(lstat(p, &st), -1);
}
END_TEST

static int die_fn(void *arg, hp_err *e)
{
    (void)arg, (void)e;
    raise(SIGKILL);
    return HP_OK;
}

START_TEST(as_user_child_death_is_an_error)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_as_user(uid, gid, die_fn, NULL, &e), HP_EINTERNAL);
    ck_assert_msg(strstr(e.msg, "signal 9"), "%s", e.msg);
}
END_TEST

static int direct_fn(void *arg, hp_err *e)
{
    (void)e;
    *(pid_t *)arg = getpid();
    return 7;
}

/* As the user: the same uid runs directly, root is refused. */
static int unprivileged(void *arg)
{
    (void)arg;
    pid_t seen = 0;
    hp_err e = HP_ERR_INIT;
    if (hp_as_user(getuid(), getgid(), direct_fn, &seen, &e) != 7 ||
        seen != getpid())
        return 1;
    seen = 0;
    if (hp_as_user(0, 0, direct_fn, &seen, &e) != HP_EDENIED || seen != 0)
        return 2;
    return 0;
}

START_TEST(as_user_unprivileged)
{
    ck_assert_int_eq(tu_as(uid, gid, unprivileged, NULL), 0);
}
END_TEST

START_TEST(lookup_by_name)
{
    uid_t u;
    gid_t g;
    char home[PATH_MAX], shell[PATH_MAX];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_user_lookup(HP_TEST_USER, &u, &g, home, sizeof home,
                                    shell, sizeof shell, &e), HP_OK);
    ck_assert_int_eq(u, uid);
    ck_assert_int_eq(g, gid);
    ck_assert(home[0] == '/');
    ck_assert_int_eq(hp_user_lookup("root", &u, &g, NULL, 0, NULL, 0, &e),
                     HP_OK);
    ck_assert_int_eq(u, 0);
    /* a home that does not fit is an error, not a truncated path */
    ck_assert_int_eq(hp_user_lookup(HP_TEST_USER, &u, &g, home, 2, NULL, 0,
                                    &e), HP_ECONFIG);
}
END_TEST

START_TEST(lookup_missing)
{
    uid_t u = 123;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_user_lookup("no-such-user-hp", &u, NULL, NULL, 0,
                                    NULL, 0, &e), HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, "no-such-user-hp"), "%s", e.msg);
    ck_assert_int_eq(u, 123);
    ck_assert_int_eq(hp_user_lookup("", &u, NULL, NULL, 0, NULL, 0, &e),
                     HP_ECONFIG);
    char name[64];
    ck_assert_int_eq(hp_user_lookup_uid(0, name, sizeof name, &e), HP_OK);
    ck_assert_str_eq(name, "root");
    /* item 14: a uid with no passwd entry */
    ck_assert_int_eq(hp_user_lookup_uid(54321, name, sizeof name, &e),
                     HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "54321"), "%s", e.msg);
}
END_TEST

Suite *make_identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *t = tcase_create("as_user");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, as_user_drops_everything);
    tcase_add_test(t, as_user_writes_with_user_rights);
    tcase_add_test(t, as_user_child_death_is_an_error);
    tcase_add_test(t, as_user_unprivileged);
    suite_add_tcase(s, t);
    t = tcase_create("lookup");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, lookup_by_name);
    tcase_add_test(t, lookup_missing);
    suite_add_tcase(s, t);
    return s;
}
