/* The user's 4.18 settings file (host/usersettings): several keys in one
 * atomic write as the user, the schema's keys and choices only, the
 * file's owner and mode, a hand-damaged file refused with its line and
 * left as it was, root never writing into the user's home. */
#include "testutil.h"
#include "host/usersettings.h"
#include "host/atomicfile.h"
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/home/us"
#define SFILE HOME "/.docker/hostpriv/settings.ini"

static const tu_store store = { "settings.ini", "window.choice", "default",
                                hp_usersettings_set, hp_usersettings_get,
                                hp_usersettings_clear, hp_usersettings_each };
static tu_store_call call, *const C = &call;

static void sb_setup(void) { tu_store_setup(C, &store, HOME); }
static void sb_teardown(void) { tu_store_teardown(C); }

/* op with up to 2 pairs (a NULL key ends them) */
static int as_user(char op, const char *k1, const char *v1, const char *k2,
                   const char *v2)
{
    return tu_store_as_user(C, op, k1, v1, k2, v2);
}

static char *file_now(size_t *n) { return tu_read(C->root, SFILE, n); }

START_TEST(set_get_each_clear)
{
    ck_assert_int_eq(as_user('g', "window.choice", 0, 0, 0), 0);
    ck_assert_msg(as_user('s', "advanced.privileged_ports", "false",
                          "window.choice", "advanced") == HP_OK, "%s",
                  C->msg);
    ck_assert_int_eq(as_user('g', "window.choice", 0, 0, 0), 1);
    ck_assert_str_eq(C->got, "advanced");
    ck_assert_int_eq(as_user('s', "applied.helper", "elevated", 0, 0), HP_OK);
    ck_assert_int_eq(as_user('e', 0, 0, 0, 0), HP_OK);
    ck_assert_str_eq(C->list, "window.choice=advanced;advanced.privileged_"
                              "ports=false;applied.helper=elevated;");
    size_t n;
    char *t = file_now(&n);
    ck_assert_ptr_nonnull(strstr(t, "[window]\nchoice = advanced\n[advanced]\n"
                                    "privileged_ports = false\n[applied]\n"
                                    "helper = elevated\n"));
    free(t);
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", C->root, SFILE);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_uid, C->uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    /* a NULL value forgets; the last key takes the file with it */
    ck_assert_int_eq(as_user('s', "applied.helper", NULL, "window.choice",
                             NULL), HP_OK);
    ck_assert_int_eq(as_user('e', 0, 0, 0, 0), HP_OK);
    ck_assert_str_eq(C->list, "advanced.privileged_ports=false;");
    ck_assert_int_eq(as_user('s', "advanced.privileged_ports", NULL, 0, 0),
                     HP_OK);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(as_user('s', "advanced.cli_location", "user", 0, 0),
                     HP_OK);
    ck_assert_int_eq(as_user('c', 0, 0, 0, 0), HP_OK);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(as_user('c', 0, 0, 0, 0), HP_OK);
}
END_TEST

/* Unknown keys: 64; values outside the choices: 78; one bad pair and the
 * good one beside it is not written either. */
START_TEST(schema_keys_and_choices)
{
    ck_assert_int_eq(as_user('s', "advanced.cli_location", "user", 0, 0),
                     HP_OK);
    size_t n0, n;
    char *before = file_now(&n0);
    ck_assert_int_eq(as_user('s', "advanced.color", "red", 0, 0), HP_EUSAGE);
    ck_assert_ptr_nonnull(strstr(C->msg, "advanced.cli_location"));
    ck_assert_int_eq(as_user('s', "advanced.cli_location", "elsewhere", 0,
                             0), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(C->msg, "system user"));
    const char *bad[] = { "TRUE", "yes", "true ", "", "true\nx = 1" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(as_user('s', "advanced.privileged_ports", bad[i],
                              0, 0) == HP_ECONFIG, "value #%zu", i);
    ck_assert_int_eq(as_user('s', "window.choice", "default",
                             "applied.helper", "root"), HP_ECONFIG);
    char *now = file_now(&n);
    ck_assert(n == n0 && !memcmp(now, before, n));
    free(now);
    free(before);
    ck_assert_int_lt(as_user('g', "nope", 0, 0, 0), 0);
    ck_assert_ptr_null(hp_usersettings_choices("window"));
    ck_assert_str_eq(hp_usersettings_choices("advanced.docker_socket_link"),
                     "true false");
}
END_TEST

START_TEST(damaged_files)
{
    static const char nul[] = "[window]\nchoice = default\0x\n";
    tu_store_damaged(C, nul, sizeof nul - 1, "NUL");
    char longl[400];
    int k = snprintf(longl, sizeof longl, "[window]\n# ");
    memset(longl + k, 'x', 250);
    k += 250;
    k += snprintf(longl + k, sizeof longl - (size_t)k, "\n");
    tu_store_damaged(C, longl, (size_t)k, "line 2: line too long");
    const char *t = "choice = default\n";
    tu_store_damaged(C, t, strlen(t), "before any [section]");
    t = "[other]\nchoice = default\n";
    tu_store_damaged(C, t, strlen(t), "unknown section");
    t = "[window]\nchoice = default\nchoice = advanced\n";
    tu_store_damaged(C, t, strlen(t), "line 3: a key given twice");
    t = "[window]\nchoice = maybe\n";
    tu_store_damaged(C, t, strlen(t), "choices");
    t = "[advanced]\nprivileged_ports = true ; on\n";
    tu_store_damaged(C, t, strlen(t), "choices");
    t = "[window\n";
    tu_store_damaged(C, t, strlen(t), "unterminated");
    t = "[window]\njunk\n";
    tu_store_damaged(C, t, strlen(t), "line 2");
}
END_TEST

START_TEST(hand_written_ok)
{
    const char t[] = "\xef\xbb\xbf; by hand\r\n[advanced]\r\n\r\n"
                     "# note\r\n  cli_location=user  \r\n[window]\r\n"
                     "choice = advanced";
    tu_hostpriv_file(C->root, HOME, "settings.ini", t, sizeof t - 1, C->uid,
                     C->gid);
    ck_assert_int_eq(as_user('e', 0, 0, 0, 0), HP_OK);
    ck_assert_str_eq(C->list, "window.choice=advanced;"
                              "advanced.cli_location=user;");
}
END_TEST

START_TEST(root_does_not_write_user_home)
{
    hp_err e = HP_ERR_INIT;
    const char *kv[] = { "window.choice", "default" };
    ck_assert_int_eq(hp_usersettings_set(C->rootfd, HOME, kv, 1, &e),
                     HP_EDENIED);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s/.docker", C->root, HOME);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(as_user('s', "window.choice", "default", 0, 0), HP_OK);
    char v[16];
    ck_assert_int_eq(hp_usersettings_get(C->rootfd, HOME, "window.choice", v,
                                         sizeof v, &e), 1);
    ck_assert_str_eq(v, "default");
    ck_assert_int_eq(hp_usersettings_clear(C->rootfd, HOME, &e), HP_EDENIED);
    ck_assert_int_eq(hp_usersettings_get(C->rootfd, "relative",
                                         "window.choice", v, sizeof v, &e),
                     -HP_EUSAGE);
}
END_TEST

Suite *make_usersettings_suite(void)
{
    Suite *s = suite_create("usersettings");
    TCase *t = tcase_create("store");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, set_get_each_clear);
    tcase_add_test(t, schema_keys_and_choices);
    tcase_add_test(t, damaged_files);
    tcase_add_test(t, hand_written_ok);
    tcase_add_test(t, root_does_not_write_user_home);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    return s;
}
