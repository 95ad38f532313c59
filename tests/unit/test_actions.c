/* The actions' own refusals, run as `hostpriv privileged` really runs them
 * (as root, in a sandbox root): root never installs, as the privileged
 * helper or the boot task, a program a user could have replaced.  And a
 * flow checks what its actions need before its first change: a root
 * `start` that cannot finish for want of configuration changes nothing. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char root[PATH_MAX], stage[PATH_MAX];
static uid_t uid;
static gid_t gid;

/* hostpriv and hostprivd copied into a directory the test user owns */
static void setup(void)
{
    char bin[PATH_MAX], cmd[PATH_MAX * 4];
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/Users/" HP_TEST_USER, 0755, uid, gid);
    const char *ini = "[host]\nuser = " HP_TEST_USER "\n"
                      "[helper]\nservice = direct\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0, 0);
    tu_mkdir(root, "/opt/userbin", 0755, uid, gid);
    snprintf(stage, sizeof stage, "%s/opt/userbin", root);
    tu_build("bin", bin, sizeof bin);
    snprintf(cmd, sizeof cmd, "cp %s/hostpriv %s/hostprivd %s/ && chown %u "
             "%s/hostpriv %s/hostprivd", bin, bin, stage, (unsigned)uid,
             stage, stage);
    ck_assert_int_eq(system(cmd), 0);
}

static void teardown(void) { tu_sandbox_rm(root); }

static int privileged(const char *task, char **err)
{
    char exe[PATH_MAX];
    snprintf(exe, sizeof exe, "%s/hostpriv", stage);
    const char *argv[] = { exe, "--root", root, "privileged", task, NULL };
    return tu_run((uid_t)-1, 0, argv, NULL, NULL, err);
}

START_TEST(helper_from_user_dir_is_refused)
{
    char *err = NULL;
    ck_assert_int_eq(privileged("helper-install", &err), 78);
    ck_assert_ptr_nonnull(strstr(err, "refusing to install"));
    free(err);
    struct stat st;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/Library", root);
    ck_assert_int_eq(lstat(p, &st), -1);        /* nothing was created */
}
END_TEST

START_TEST(boot_task_from_user_dir_is_refused)
{
    char *err = NULL;
    ck_assert_int_eq(privileged("docker-socket", &err), 78);
    ck_assert_ptr_nonnull(strstr(err, "refusing to make"));
    free(err);
    struct stat st;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/var/run/docker.sock", root);
    ck_assert_int_eq(lstat(p, &st), -1);        /* no link either */
}
END_TEST

/* `start` as root by `exe`, the launch of 4.16 (every task acts directly);
 * ini is the whole system configuration. */
static int root_start(const char *exe, const char *ini, char **err)
{
    char plugins[PATH_MAX], text[2 * PATH_MAX];
    tu_build("plugins", plugins, sizeof plugins);
    snprintf(text, sizeof text, "[core]\nversion = 4.16.2\nplugin_dir = %s\n"
             "%s", plugins, ini);
    tu_write(root, "/etc/hostpriv/hostpriv.ini", text, strlen(text), 0644, 0,
             0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    const char *argv[] = { exe, "--root", root, "start", NULL };
    setenv("XDG_CONFIG_HOME", root, 1);     /* no stray user layer */
    return tu_run((uid_t)-1, 0, argv, NULL, NULL, err);
}

static int exists(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return lstat(p, &st) == 0;
}

START_TEST(root_start_without_user_changes_nothing)
{
    char *err = NULL, exe[PATH_MAX];
    tu_build("bin/hostpriv", exe, sizeof exe);
    ck_assert_int_eq(root_start(exe, "[helper]\nservice = direct\n", &err),
                     78);
    ck_assert_msg(strstr(err, "host.user") && strstr(err, "--set host.user="),
                  "stderr: %s", err);
    free(err);
    ck_assert(!exists("/usr/local/bin/docker"));    /* links not made */
    ck_assert(!exists("/Library"));                 /* no journal either */
}
END_TEST

START_TEST(root_start_refused_boot_program_changes_nothing)
{
    char *err = NULL, exe[PATH_MAX];
    snprintf(exe, sizeof exe, "%s/hostpriv", stage);
    ck_assert_int_eq(root_start(exe, "[host]\nuser = " HP_TEST_USER "\n"
                                "[helper]\nservice = direct\n", &err), 78);
    ck_assert_ptr_nonnull(strstr(err, "refusing to make"));
    free(err);
    ck_assert(!exists("/usr/local/bin/docker"));
    ck_assert(!exists("/Library"));
}
END_TEST

static struct timespec mtime_of(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_int_eq(lstat(p, &st), 0);
    return st.st_mtim;
}

static int same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Root ensuring a hosts file that has the entries writes nothing at all:
 * not the file, not a lock beside it, not the journal's entry (whose
 * directories would come and go).  Missing, they are written and
 * journaled. */
START_TEST(hosts_in_place_writes_nothing)
{
    tu_mkdir(root, "/etc", 0755, 0, 0);
    const char *hosts = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", hosts, strlen(hosts), 0644, 0, 0);
    usleep(20000);              /* a change now would show in the times */
    struct timespec top = mtime_of(""), etc = mtime_of("/etc"),
                    file = mtime_of("/etc/hosts");
    char *err = NULL;
    ck_assert_int_eq(privileged("hosts", &err), 0);
    free(err);
    ck_assert(same_time(mtime_of(""), top));
    ck_assert(same_time(mtime_of("/etc"), etc));
    ck_assert(same_time(mtime_of("/etc/hosts"), file));
    ck_assert(!exists("/Library"));
    tu_write(root, "/etc/hosts", "", 0, 0644, 0, 0);
    ck_assert_int_eq(privileged("hosts", &err), 0);
    free(err);
    char *now = tu_read(root, "/etc/hosts", NULL);
    ck_assert_ptr_nonnull(strstr(now, "localhost"));
    free(now);
    ck_assert(exists("/Library/Application Support/com.docker.docker/"
                     "hostpriv/journal"));
}
END_TEST

Suite *make_actions_suite(void)
{
    Suite *s = suite_create("actions");
    TCase *tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, helper_from_user_dir_is_refused);
    tcase_add_test(tc, boot_task_from_user_dir_is_refused);
    tcase_add_test(tc, root_start_without_user_changes_nothing);
    tcase_add_test(tc, root_start_refused_boot_program_changes_nothing);
    tcase_add_test(tc, hosts_in_place_writes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
