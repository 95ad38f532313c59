/* hp_set and the layers an app chooses, through <hostpriv/hostpriv.h>:
 * a failed set changes nothing (the handle keeps working as it was), an
 * empty or relative root is refused, a new root brings its own system
 * files and locks, and the user and system files can be left out
 * (admin.ini's locks cannot). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hostpriv/hostpriv.h>
#include "testutil.h"

static char root[PATH_MAX], root2[PATH_MAX], pdir[PATH_MAX + 8];

static int yes(void *data, const char *task, const char *message)
{
    (void)data;
    (void)task;
    (void)message;
    return HP_PROMPT_GRANTED;
}

static void quiet(void *data, int level, const char *message)
{
    (void)data;
    (void)level;
    (void)message;
}

static void setup(void)
{
    char src[PATH_MAX];
    size_t len;
    tu_sandbox(root, sizeof root);
    tu_sandbox(root2, sizeof root2);
    tu_mkdir(root, "/p", 0755, 0, 0);
    char *so = tu_read("", tu_build("tests/plugins/tp_prompt.so", src,
                                     sizeof src), &len);
    ck_assert_ptr_nonnull(so);
    tu_write(root, "/p/tp_prompt.so", so, len, 0755, 0, 0);
    free(so);
    snprintf(pdir, sizeof pdir, "%s/p", root);
    /* the second root: its own system file and a lock */
    tu_mkdir(root2, "/etc/hostpriv", 0755, 0, 0);
    const char *ini = "[prompt]\ntimeout = 17\n";
    const char *admin = "[prompt]\nanswers = yes\n";
    tu_write(root2, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
    tu_write(root2, "/etc/hostpriv/admin.ini", admin, strlen(admin), 0644, 0,
             0);
}

static void teardown(void)
{
    tu_sandbox_rm(root);
    tu_sandbox_rm(root2);
}

static hp_ctx *open_on(const char *r, unsigned flags, char **err)
{
    const char *settings[] = { "core.plugin=tp-prompt", NULL };
    hp_options o = HP_OPTIONS_INIT;
    o.root = r;
    o.plugin_dir = pdir;
    o.settings = settings;
    o.flags = flags;
    o.prompt = yes;
    o.log = quiet;
    hp_ctx *c = NULL;
    hp_open_with(&c, &o, err);
    return c;
}

/* The handle still works the way it did: the same root, plugin, value. */
static void still_as_it_was(hp_ctx *c)
{
    ck_assert_str_eq(hp_get(c, "host.root"), root);
    ck_assert_str_eq(hp_get(c, "core.plugin"), "tp-prompt");
    ck_assert_str_eq(hp_get(c, "prompt.timeout"), "60");
    ck_assert_int_eq(hp_start(c), HP_OK);
    ck_assert_str_eq(hp_errmsg(c), "");
}

START_TEST(failed_set_changes_nothing)
{
    char *err = NULL;
    hp_ctx *c = open_on(root, HP_OPEN_NO_USER_CONFIG, &err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(hp_set(c, "host.root", ""), HP_ECONFIG);
    ck_assert_msg(strstr(hp_errmsg(c), "host.root") &&
                  strstr(hp_errmsg(c), "empty"), "%s", hp_errmsg(c));
    still_as_it_was(c);
    ck_assert_int_eq(hp_set(c, "host.root", "sandbox/rel"), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "not an absolute path"));
    still_as_it_was(c);
    /* valid text, but no such plugin: found only by opening again */
    ck_assert_int_eq(hp_set(c, "core.plugin", "nope"), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "'nope'"));
    still_as_it_was(c);
    ck_assert_int_eq(hp_set(c, "prompt.timeout", "80abc"), HP_ECONFIG);
    ck_assert_int_eq(hp_set(c, "core.nokey", "1"), HP_ECONFIG);
    ck_assert_int_eq(hp_set(NULL, "prompt.timeout", "5"), HP_EUSAGE);
    still_as_it_was(c);
    /* and a good one takes */
    ck_assert_int_eq(hp_set(c, "prompt.timeout", "5"), HP_OK);
    ck_assert_str_eq(hp_errmsg(c), "");
    ck_assert_str_eq(hp_get(c, "prompt.timeout"), "5");
    ck_assert_ptr_null(hp_get(c, "core.nokey"));
    hp_close(c);
}
END_TEST

START_TEST(new_root_reads_its_own_files)
{
    char *err = NULL;
    hp_ctx *c = open_on(root, HP_OPEN_NO_USER_CONFIG, &err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(hp_set(c, "prompt.backend", "deny"), HP_OK);
    ck_assert_int_eq(hp_set(c, "host.root", root2), HP_OK);
    ck_assert_str_eq(hp_get(c, "host.root"), root2);
    ck_assert_str_eq(hp_get(c, "prompt.timeout"), "17");
    ck_assert_str_eq(hp_get(c, "prompt.backend"), "deny"); /* kept */
    /* that root's admin.ini locks: refused, and nothing changed */
    ck_assert_int_eq(hp_set(c, "prompt.answers", "no"), HP_EDENIED);
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "admin.ini"));
    ck_assert_str_eq(hp_get(c, "prompt.answers"), "yes");
    /* the callbacks belong to the handle: still asked */
    ck_assert_int_eq(hp_start(c), HP_OK);
    hp_close(c);
}
END_TEST

START_TEST(system_files_skipped_but_not_locks)
{
    char *err = NULL;
    hp_ctx *c = open_on(root2, HP_OPEN_NO_USER_CONFIG |
                        HP_OPEN_NO_SYSTEM_CONFIG, &err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(hp_get(c, "prompt.timeout"), "60");
    ck_assert_str_eq(hp_get(c, "prompt.answers"), "yes");
    ck_assert_int_eq(hp_set(c, "prompt.answers", "no"), HP_EDENIED);
    hp_close(c);
    c = open_on(root2, HP_OPEN_NO_USER_CONFIG, &err);
    ck_assert_str_eq(hp_get(c, "prompt.timeout"), "17");
    hp_close(c);
}
END_TEST

/* A broken user file stops hp_open, naming it; an app that does not want
 * that layer leaves it out. */
START_TEST(user_file_can_be_left_out)
{
    char home[PATH_MAX + 16], *err = NULL;
    tu_mkdir(root, "/home/app/.config/hostpriv", 0755, 0, 0);
    const char *bad = "[core]\nbogus = 1\n";
    tu_write(root, "/home/app/.config/hostpriv/hostpriv.ini", bad,
             strlen(bad), 0644, 0, 0);
    snprintf(home, sizeof home, "%s/home/app", root);
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    hp_ctx *c = open_on(root, 0, &err);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err, "hostpriv.ini:2") && strstr(err, "bogus"),
                  "%s", err);
    free(err);
    c = open_on(root, HP_OPEN_NO_USER_CONFIG, &err);
    ck_assert_msg(c != NULL, "%s", err);
    hp_close(c);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_home);
}
END_TEST

Suite *make_api_set_suite(void)
{
    Suite *s = suite_create("api_set");
    TCase *tc = tcase_create("set");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, failed_set_changes_nothing);
    tcase_add_test(tc, new_root_reads_its_own_files);
    tcase_add_test(tc, system_files_skipped_but_not_locks);
    tcase_add_test(tc, user_file_can_be_left_out);
    suite_add_tcase(s, tc);
    return s;
}
