/* The actions' own refusals, run as `hostpriv privileged` really runs them
 * (as root, in a sandbox root): root never installs, as the privileged
 * helper or the boot task, a program a user could have replaced. */
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

Suite *make_actions_suite(void)
{
    Suite *s = suite_create("actions");
    TCase *tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, helper_from_user_dir_is_refused);
    tcase_add_test(tc, boot_task_from_user_dir_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
