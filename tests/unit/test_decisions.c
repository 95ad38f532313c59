/* Recorded decisions: set/get/each/clear as the user (hp_as_user), the
 * file's owner and mode, strict keys and values, and hand-damaged files
 * (SECURITY 29-31 applied to this INI: NUL, BOM, CRLF, a line longer than
 * inih's buffer, keys outside the section, duplicates) refused with the
 * file left as it was. */
#include "testutil.h"
#include "host/decisions.h"
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOME "/home/dec"
#define DFILE HOME "/.docker/hostpriv/decisions.ini"

/* hp_decision_set takes one pair */
static int set1(int rootfd, const char *home, const char *const *kv,
                size_t n, hp_err *e)
{
    (void)n;
    return hp_decision_set(rootfd, home, kv[0], kv[1], e);
}

static const tu_store store = { "decisions.ini", "k", "v", set1,
                                hp_decision_get, hp_decision_clear,
                                hp_decision_each };
static tu_store_call call, *const C = &call;

static void sb_setup(void) { tu_store_setup(C, &store, HOME); }
static void sb_teardown(void) { tu_store_teardown(C); }

static int as_user(char op, const char *key, const char *val)
{
    return tu_store_as_user(C, op, key, val, NULL, NULL);
}

static char *file_now(size_t *n)
{
    return tu_read(C->root, DFILE, n);
}

START_TEST(set_get_each_clear)
{
    ck_assert_int_eq(as_user('g', "cli-links.declined", NULL), 0);
    ck_assert_int_eq(as_user('e', NULL, NULL), HP_OK);
    ck_assert_str_eq(C->list, "");
    ck_assert_msg(as_user('s', "cli-links.declined", "4.16.2") == HP_OK,
                  "%s", C->msg);
    ck_assert_int_eq(as_user('s', "a.first", "yes please"), HP_OK);
    ck_assert_int_eq(as_user('g', "cli-links.declined", NULL), 1);
    ck_assert_str_eq(C->got, "4.16.2");
    ck_assert_int_eq(as_user('e', NULL, NULL), HP_OK);
    ck_assert_str_eq(C->list, "a.first=yes please;cli-links.declined=4.16.2;");
    /* the file: the user's, 0644, in a 0755 directory of the user's */
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", C->root, DFILE);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_uid, C->uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    snprintf(p, sizeof p, "%s%s/.docker/hostpriv", C->root, HOME);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_uid, C->uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0755);
    size_t n;
    char *t = file_now(&n);
    ck_assert_ptr_nonnull(strstr(t, "[decisions]\na.first = yes please\n"
                                    "cli-links.declined = 4.16.2\n"));
    free(t);
    /* same value again: not rewritten */
    snprintf(p, sizeof p, "%s%s", C->root, DFILE);
    stat(p, &st);
    ck_assert_int_eq(as_user('s', "a.first", "yes please"), HP_OK);
    struct stat st2;
    stat(p, &st2);
    ck_assert_uint_eq(st.st_ino, st2.st_ino);
    /* remove one, then the last: no file left */
    ck_assert_int_eq(as_user('s', "a.first", NULL), HP_OK);
    ck_assert_int_eq(as_user('g', "a.first", NULL), 0);
    ck_assert_int_eq(as_user('s', "cli-links.declined", NULL), HP_OK);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(as_user('s', "cli-links.declined", NULL), HP_OK);
    ck_assert_int_eq(as_user('s', "x", "1"), HP_OK);
    ck_assert_int_eq(as_user('c', NULL, NULL), HP_OK);
    ck_assert_int_ne(access(p, F_OK), 0);
    ck_assert_int_eq(as_user('c', NULL, NULL), HP_OK);
}
END_TEST

START_TEST(bad_keys_and_values)
{
    ck_assert_int_eq(as_user('s', "keep", "1"), HP_OK);
    size_t n0;
    char *before = file_now(&n0);
    char l65[70], v121[130];
    memset(l65, 'k', 65);
    l65[65] = '\0';
    memset(v121, 'v', 121);
    v121[121] = '\0';
    const char *keys[] = { "", "Upper", "a b", "a=b", "a;b", "[x]", "a\nb",
                           "\xc3\xa9", l65, "a_b" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        ck_assert_msg(as_user('s', keys[i], "v") == HP_EUSAGE, "key #%zu", i);
        ck_assert_int_lt(as_user('g', keys[i], NULL), 0);
    }
    const char *vals[] = { "a\nevil = 1", "a\rb", "a\tb", "x ; comment",
                           "\xc3\xa9", " lead", "trail ", v121, "\x1b[31m" };
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        ck_assert_msg(as_user('s', "k", vals[i]) == HP_EUSAGE, "value #%zu",
                      i);
    size_t n;
    char *now = file_now(&n);
    ck_assert(n == n0 && !memcmp(now, before, n));
    free(now);
    free(before);
    /* a value with '=' ':' '#' and inner spaces is fine and reads back */
    ck_assert_int_eq(as_user('s', "odd", "a=b:c #d  e"), HP_OK);
    ck_assert_int_eq(as_user('g', "odd", NULL), 1);
    ck_assert_str_eq(C->got, "a=b:c #d  e");
}
END_TEST

/* A damaged file: get/each/set refuse (naming the line), nothing is
 * rewritten, clear removes it (tu_store_damaged). */
START_TEST(damaged_files)
{
    static const char nul[] = "[decisions]\nk = v\0evil = 1\n";
    tu_store_damaged(C, nul, sizeof nul - 1, "NUL");
    /* inih reads 200 bytes a line: the rest must not become a line */
    char longl[400];
    int k = snprintf(longl, sizeof longl, "[decisions]\nk = ");
    memset(longl + k, 'x', 195);    /* "k = " + 195 = inih's 199 */
    k += 195;
    k += snprintf(longl + k, sizeof longl - (size_t)k, "evil = 1\n");
    tu_store_damaged(C, longl, (size_t)k, "too long");
    const char *t = "evil = 1\n[decisions]\n";
    tu_store_damaged(C, t, strlen(t), "outside");
    t = "[other]\nevil = 1\n";
    tu_store_damaged(C, t, strlen(t), "outside");
    t = "[decisions]\nk = 1\nk = 2\n";
    tu_store_damaged(C, t, strlen(t), "twice");
    t = "[decisions]\nthis is junk\n";
    tu_store_damaged(C, t, strlen(t), "line 2");
    t = "[decisions]\nBAD = 1\n";
    tu_store_damaged(C, t, strlen(t), "malformed");
    t = "[decisions]\nk = 1\n  continued\n";     /* inih multi-line */
    tu_store_damaged(C, t, strlen(t), "twice");
}
END_TEST

START_TEST(hand_written_ok)
{
    /* BOM, CRLF, comments, blank lines: read as written */
    const char t[] = "\xef\xbb\xbf; by hand\r\n[decisions]\r\n\r\n"
                     "# note\r\nb = 2\r\na = 1\r\n";
    tu_hostpriv_file(C->root, HOME, "decisions.ini", t, sizeof t - 1, C->uid,
                     C->gid);
    ck_assert_int_eq(as_user('e', NULL, NULL), HP_OK);
    ck_assert_str_eq(C->list, "a=1;b=2;");
    ck_assert_int_eq(as_user('s', "c", "3"), HP_OK);
    ck_assert_int_eq(as_user('e', NULL, NULL), HP_OK);
    ck_assert_str_eq(C->list, "a=1;b=2;c=3;");
}
END_TEST

START_TEST(root_does_not_write_user_home)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_decision_set(C->rootfd, HOME, "k", "v", &e),
                     HP_EINTERNAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "hp_as_user"));
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s/.docker", C->root, HOME);
    ck_assert_int_ne(access(p, F_OK), 0);
    /* reading as root is fine (hostpriv status) */
    ck_assert_int_eq(as_user('s', "k", "v"), HP_OK);
    char v[16];
    ck_assert_int_eq(hp_decision_get(C->rootfd, HOME, "k", v, sizeof v, &e),
                     1);
    ck_assert_str_eq(v, "v");
    ck_assert_int_eq(hp_decision_clear(C->rootfd, HOME, &e), HP_EINTERNAL);
    ck_assert_int_eq(hp_decision_get(C->rootfd, HOME, "k", v, 1, &e),
                     -HP_EUSAGE);
    ck_assert_int_eq(hp_decision_get(C->rootfd, "relative", "k", v, 1, &e),
                     -HP_EUSAGE);
}
END_TEST

Suite *make_decisions_suite(void)
{
    Suite *s = suite_create("decisions");
    TCase *t = tcase_create("store");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, set_get_each_clear);
    tcase_add_test(t, bad_keys_and_values);
    tcase_add_test(t, root_does_not_write_user_home);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    t = tcase_create("parse");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, damaged_files);
    tcase_add_test(t, hand_written_ok);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    return s;
}
