/* The user's effective 4.18 settings (actions/settings): an admin.ini lock
 * wins over what the user recorded, which wins over the configuration
 * files; recording runs as the user (also from root, as an installer
 * will), journals the directories it creates, and uninstall removes the
 * file and them. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "actions/actions.h"
#include "actions/hostapi.h"
#include "actions/settings.h"

static char root[PATH_MAX];
static uid_t uid;
static gid_t gid;
#define HOME "/Users/" HP_TEST_USER

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, HOME, 0755, uid, gid);
}

static void teardown(void) { tu_sandbox_rm(root); }

static void config(const char *name, const char *ini)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "/etc/hostpriv/%s", name);
    tu_write(root, p, ini, strlen(ini), 0644, 0, 0);
}

static hp_ctx *open_ctx(void)
{
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    return c;
}

static const char *effective(hp_ctx *c, const char *key, const char **org)
{
    static char v[64];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_settings_effective(c, key, v, sizeof v, org, &e),
                     HP_OK);
    return v;
}

START_TEST(lock_beats_recorded_beats_config)
{
    const char *org;
    config("hostpriv.ini", "[host]\nuser = " HP_TEST_USER "\n"
           "[advanced]\nprivileged_ports = no\n");
    hp_ctx *c = open_ctx();
    ck_assert_str_eq(effective(c, "advanced.privileged_ports", &org), "false");
    ck_assert_ptr_nonnull(strstr(org, "hostpriv.ini:4"));
    ck_assert_str_eq(effective(c, "advanced.cli_location", &org), "system");
    ck_assert_str_eq(org, "default");
    /* recorded by root for the user (what install --user will do) */
    const char *kv[] = { "advanced.privileged_ports", "true",
                         "window.choice", "advanced" };
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_settings_record(c, kv, 2, &e) == HP_OK, "%s", e.msg);
    ck_assert_str_eq(effective(c, "advanced.privileged_ports", &org), "true");
    ck_assert_str_eq(org, "recorded");
    hp_ctx_close(c);
    config("admin.ini", "[advanced]\nprivileged_ports = off\n");
    c = open_ctx();
    ck_assert_str_eq(effective(c, "advanced.privileged_ports", &org), "false");
    ck_assert_ptr_nonnull(strstr(org, "admin.ini:2"));
    /* keys other than advanced.* are the configuration's */
    ck_assert_str_eq(effective(c, "host.user", &org), HP_TEST_USER);
    hp_ctx_close(c);
}
END_TEST

START_TEST(record_as_user_and_uninstall_forgets)
{
    config("hostpriv.ini", "[host]\nuser = " HP_TEST_USER "\n");
    hp_ctx *c = open_ctx();
    const char *kv[] = { "window.choice", "default" };
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_settings_record(c, kv, 1, &e) == HP_OK, "%s", e.msg);
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s" HOME "/.docker/hostpriv/settings.ini", root);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_uid, uid);
    /* a bad key or value: refused, nothing else written */
    const char *bad[] = { "advanced.privileged_ports", "maybe" };
    ck_assert_int_eq(hp_settings_record(c, bad, 1, &e), HP_ECONFIG);
    char path[PATH_MAX];
    ck_assert_int_eq(hp_action_do(c, HP_ACT_UNINSTALL, NULL, 0, path,
                                  sizeof path, &e), HP_OK);
    snprintf(p, sizeof p, "%s" HOME "/.docker", root);
    ck_assert_int_ne(lstat(p, &st), 0);         /* the home as it was */
    hp_ctx_close(c);
}
END_TEST

Suite *make_settings_suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("effective");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, lock_beats_recorded_beats_config);
    tcase_add_test(tc, record_as_user_and_uninstall_forgets);
    suite_add_tcase(s, tc);
    return s;
}
