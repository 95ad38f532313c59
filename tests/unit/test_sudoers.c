/* `hostpriv sudoers` and the library under it (auth/sudoers.h): the rule
 * it prints for the test user, installed in /etc/sudoers.d under a name of
 * this run (removed by the TCase's teardown in the parent whatever the
 * tests did, and by the next scripts/test-sudoers add if this process is
 * killed), passes `visudo -cf`, lets hptest run `hostpriv privileged`
 * through `sudo -n`, and `--check` finds it -- until the binary is
 * replaced, when `--check` fails with the difference and sudo refuses.
 * The rule is never printed for a path another user could fill or for
 * names sudoers would read otherwise; finding the installed rule reads
 * files as sudo does (logical lines, comments, the names @includedir
 * skips, files sudo ignores). */
#include "testutil.h"
#include "auth/sudoers.h"
#include "base/sha256.h"
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON "{\"allowedRegistries\": [\"docker.io\"]}"
#define CACHE "/var/lib/hostpriv/registry-access-management.json"

static char bindir[PATH_MAX];           /* root-only: a rule may name it */
static char bin[PATH_MAX + 16], saved[PATH_MAX + 32];
static char rule[PATH_MAX];             /* /etc/sudoers.d/hostpriv-test-P-1 */
static char root[PATH_MAX];

/* ------------------------------------------------------------ helpers */

static int run(uid_t uid, const char *const *argv, const char *in,
               char **out, char **err)
{
    return tu_run(uid, uid == (uid_t)-1 ? (gid_t)-1 : 0, argv, in, out, err);
}

static int cp(const char *from, const char *to)
{
    const char *argv[] = { "/bin/cp", from, to, NULL };
    return run((uid_t)-1, argv, NULL, NULL, NULL);
}

static int visudo(const char *file, char **out)
{
    const char *argv[] = { "/usr/sbin/visudo", "-cf", file, NULL };
    return run((uid_t)-1, argv, NULL, out, NULL);
}

/* ----------------------------------------------------------- fixtures */

/* In the parent, before the TCase: the binary in a root-only place, and
 * the rule it prints installed the way its comment says (visudo -cf of a
 * file sudo skips, then renamed into force). */
static void install_rule(void)
{
    char src[PATH_MAX], tmp[PATH_MAX], *out = NULL, *err = NULL;
    tu_build("bin/hostpriv", src, sizeof src);
    tu_root_dir(bindir, sizeof bindir);
    snprintf(bin, sizeof bin, "%s/hostpriv", bindir);
    snprintf(saved, sizeof saved, "%s/hostpriv.orig", bindir);
    ck_assert_int_eq(cp(src, bin), 0);
    ck_assert_int_eq(cp(src, saved), 0);
    const char *argv[] = { bin, "sudoers", "--user", HP_TEST_USER, NULL };
    ck_assert_int_eq(run((uid_t)-1, argv, NULL, &out, &err), 0);
    snprintf(rule, sizeof rule, "/etc/sudoers.d/hostpriv-test-%ld-1",
             (long)getpid());
    snprintf(tmp, sizeof tmp, "/etc/sudoers.d/.hostpriv-test-%ld-1",
             (long)getpid());
    tu_write("", tmp, out, strlen(out), 0440, 0, 0);
    free(out);
    free(err);
    ck_assert_int_eq(visudo(tmp, NULL), 0);
    ck_assert_int_eq(rename(tmp, rule), 0);
}

/* In the parent after the TCase, whatever happened in it. */
static void remove_rule(void)
{
    if (!strncmp(rule, "/etc/sudoers.d/hostpriv-test-", 29))
        unlink(rule);
    rule[0] = '\0';
    tu_sandbox_rm(bindir);
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    const char *ini = "[host]\nplatform = linux\nuser = " HP_TEST_USER "\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
}

static void teardown(void) { tu_sandbox_rm(root); }

/* ------------------------------------------------------ installed rule */

START_TEST(printed_rule_passes_visudo)
{
    char *out = NULL;
    ck_assert_msg(visudo(rule, &out) == 0, "visudo -cf %s: %s", rule, out);
    free(out);
    char *text = tu_read("", rule, NULL), hex[65], want[PATH_MAX + 200];
    size_t len;
    char *data = tu_read("", bin, &len);
    hp_sha256_hex(data, len, hex);
    snprintf(want, sizeof want, "\n" HP_TEST_USER " ALL=(root) NOPASSWD: "
             "sha256:%s %s privileged *\n", hex, bin);
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks %s", text, want);
    free(text);
    free(data);
}
END_TEST

START_TEST(test_user_elevates_with_sudo_n)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    const char *argv[] = { "/usr/bin/sudo", "-n", bin, "privileged", "policy",
                           "--root", root, NULL };
    char *err = NULL;
    int rc = tu_run(uid, gid, argv, JSON, NULL, &err);
    ck_assert_msg(rc == 0, "sudo -n %s privileged policy: %d %s", bin, rc,
                  err);
    free(err);
    struct stat st;
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s" CACHE, root);
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, 0);
}
END_TEST

START_TEST(check_finds_the_installed_rule)
{
    const char *argv[] = { bin, "sudoers", "--user", HP_TEST_USER, "--check",
                           NULL };
    char *out = NULL, *err = NULL, want[PATH_MAX + 16];
    ck_assert_int_eq(run((uid_t)-1, argv, NULL, &out, &err), 0);
    char *text = tu_read("", rule, NULL);       /* the line of the rule */
    int line = 1;
    for (const char *p = text; p < strstr(text, "NOPASSWD"); p++)
        line += *p == '\n';
    free(text);
    snprintf(want, sizeof want, "ok: %s:%d ", rule, line);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    free(out);
    free(err);
}
END_TEST

/* The binary at the path is replaced: --check says how it differs (the
 * digest), sudo refuses to run it, and --json gives the error object. */
START_TEST(check_fails_after_the_binary_is_replaced)
{
    char tmp[PATH_MAX + 16], *out = NULL, *err = NULL;
    snprintf(tmp, sizeof tmp, "%s/new", bindir);
    ck_assert_int_eq(cp(saved, tmp), 0);
    int fd = open(tmp, O_WRONLY | O_APPEND);
    ck_assert_int_eq(write(fd, "x", 1), 1);     /* still runs: ELF + tail */
    close(fd);
    ck_assert_int_eq(rename(tmp, bin), 0);
    const char *argv[] = { bin, "sudoers", "--user", HP_TEST_USER, "--check",
                           NULL };
    int rc = run((uid_t)-1, argv, NULL, &out, &err);
    ck_assert_msg(rc == 1, "rc %d: %s %s", rc, out, err);
    ck_assert_msg(strstr(out, " differs:\n- ") && strstr(out, "\n+ ") &&
                  strstr(out, "the sha256 differs"), "%s", out);
    ck_assert_msg(strstr(err, "the installed rule differs"), "%s", err);
    free(out);
    free(err);
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    const char *sudo[] = { "/usr/bin/sudo", "-n", bin, "privileged", "--help",
                           NULL };
    ck_assert_int_ne(tu_run(uid, gid, sudo, NULL, NULL, NULL), 0);
    const char *json[] = { bin, "--json", "sudoers", "--user", HP_TEST_USER,
                           "--check", NULL };
    ck_assert_int_eq(run((uid_t)-1, json, NULL, &out, &err), 1);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je), *e = json_object_get(j, "error");
    ck_assert_msg(e != NULL, "not one error object (%s): %s", je.text, out);
    ck_assert_str_eq(json_string_value(json_object_get(e, "kind")), "failed");
    ck_assert(json_is_string(json_object_get(e, "expected")));
    ck_assert_uint_eq(json_array_size(json_object_get(e, "installed")), 1);
    json_decref(j);
    free(out);
    free(err);
    ck_assert_int_eq(cp(saved, bin), 0);        /* for the other tests */
}
END_TEST

START_TEST(check_without_a_rule_fails)
{
    const char *argv[] = { bin, "sudoers", "--user", "root", "--check", NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run((uid_t)-1, argv, NULL, &out, &err), 1);
    ck_assert_msg(strstr(out, "+ root ALL=(root) NOPASSWD: sha256:"), "%s",
                  out);
    ck_assert_msg(strstr(err, "no rule in"), "%s", err);
    free(out);
    free(err);
}
END_TEST

/* The sudoers files are root's: the user is told to ask as root. */
START_TEST(check_as_the_user_says_run_it_as_root)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    const char *argv[] = { bin, "sudoers", "--user", HP_TEST_USER, "--check",
                           NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(tu_run(uid, gid, argv, NULL, &out, &err), 77);
    ck_assert_msg(strstr(err, "run this as root"), "%s", err);
    free(out);
    free(err);
}
END_TEST

/* ------------------------------------------------------------ refusals */

/* Under /tmp anyone may recreate the path once its directory is gone. */
START_TEST(no_rule_for_a_path_others_could_fill)
{
    char src[PATH_MAX], path[PATH_MAX + 16], *out = NULL, *err = NULL;
    tu_build("bin/hostpriv", src, sizeof src);
    snprintf(path, sizeof path, "%s/hostpriv", root);
    ck_assert_int_eq(cp(src, path), 0);
    const char *argv[] = { path, "sudoers", "--user", HP_TEST_USER, NULL };
    ck_assert_int_eq(run((uid_t)-1, argv, NULL, &out, &err), 78);
    ck_assert_str_eq(out, "");
    ck_assert_msg(strstr(err, "/tmp is writable by group or others"), "%s",
                  err);
    free(out);
    free(err);
    hp_err e = HP_ERR_INIT;
    char r[HP_SUDOERS_RULE_MAX];
    ck_assert_int_eq(hp_sudoers_rule(HP_TEST_USER, path, r, sizeof r, &e),
                     HP_ECONFIG);
}
END_TEST

START_TEST(no_rule_for_names_sudoers_reads_otherwise)
{
    char r[HP_SUDOERS_RULE_MAX];
    hp_err e = HP_ERR_INIT;
    static const char *const users[] = { "a b", "-x", "%admin", "ALL,root",
                                         "", ".x" };
    for (size_t i = 0; i < sizeof users / sizeof *users; i++)
        ck_assert_msg(hp_sudoers_rule(users[i], "/bin/true", r, sizeof r, &e)
                      == HP_EUSAGE, "user '%s'", users[i]);
    static const char *const paths[] = { "/usr/bin/x y", "/a,b", "/a:b",
                                         "/a=b", "/a*", "relative" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        ck_assert_msg(hp_sudoers_rule("alice", paths[i], r, sizeof r, &e)
                      == HP_ECONFIG, "path '%s'", paths[i]);
    const char *argv[] = { bin, "sudoers", "--user", "no-such-user-17",
                           NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run((uid_t)-1, argv, NULL, &out, &err), 64);
    ck_assert_ptr_nonnull(strstr(err, "no such user"));
    free(out);
    free(err);
}
END_TEST

/* A root-only path that is no executable file has no rule either. */
START_TEST(no_rule_for_a_file_that_is_no_program)
{
    char path[PATH_MAX + 16], r[HP_SUDOERS_RULE_MAX];
    snprintf(path, sizeof path, "%s/data", bindir);
    tu_write("", path, "x", 1, 0644, 0, 0);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sudoers_rule("alice", path, r, sizeof r, &e),
                     HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "not an executable file"));
    unlink(path);
}
END_TEST

/* ------------------------------------------------------ finding a rule */

START_TEST(find_reads_files_as_sudo_does)
{
    char dir[PATH_MAX + 8], main[PATH_MAX + 16];
    const char *want = "alice ALL=(root) NOPASSWD: sha256:aa /opt/hp "
                       "privileged *\n";
    snprintf(dir, sizeof dir, "%s/d", root);
    snprintf(main, sizeof main, "%s/sudoers", root);
    tu_mkdir(root, "/d", 0755, 0, 0);
    const char *m = "# alice ALL=(root) NOPASSWD: sha256:aa /opt/hp "
                    "privileged *\nbob ALL=(root) /opt/hp privileged *\n"
                    "@includedir /etc/sudoers.d\n";
    tu_write(root, "/sudoers", m, strlen(m), 0440, 0, 0);
    const char *cont = "\nalice ALL=(root) \\\n  NOPASSWD: sha256:bb /opt/hp "
                       "privileged *  # old\n";
    tu_write(root, "/d/10-old", cont, strlen(cont), 0440, 0, 0);
    tu_write(root, "/d/20-ok", want, strlen(want), 0440, 0, 0);
    tu_write(root, "/d/30-open", want, strlen(want), 0666, 0, 0);
    tu_write(root, "/d/40.bak", want, strlen(want), 0440, 0, 0);
    tu_write(root, "/d/50-edit~", want, strlen(want), 0440, 0, 0);
    const char *other = "alice ALL=(root) /opt/hp2 privileged *\n";
    tu_write(root, "/d/60-other", other, strlen(other), 0440, 0, 0);
    hp_sudoers_hit h[8];
    hp_err e = HP_ERR_INIT;
    int n = hp_sudoers_find(main, dir, "alice", "/opt/hp", want, h, 8, &e);
    ck_assert_msg(n == 3, "%d hits (%s)", n, e.msg);
    ck_assert_int_eq(h[0].line, 2);             /* where it starts */
    ck_assert(!h[0].exact);
    ck_assert_str_eq(h[0].text, "alice ALL=(root) NOPASSWD: sha256:bb "
                     "/opt/hp privileged *");
    ck_assert(h[1].exact && !h[1].ignored[0]);
    ck_assert_ptr_nonnull(strstr(h[1].file, "20-ok"));
    ck_assert(h[2].exact);
    ck_assert_ptr_nonnull(strstr(h[2].ignored, "others may write"));
    ck_assert_int_eq(hp_sudoers_find(main, dir, "carol", "/opt/hp", want, h,
                                     8, &e), 0);
}
END_TEST

Suite *make_sudoers_suite(void)
{
    Suite *s = suite_create("sudoers");
    TCase *t = tcase_create("installed");
    tcase_add_unchecked_fixture(t, install_rule, remove_rule);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, printed_rule_passes_visudo);
    tcase_add_test(t, test_user_elevates_with_sudo_n);
    tcase_add_test(t, check_finds_the_installed_rule);
    tcase_add_test(t, check_without_a_rule_fails);
    tcase_add_test(t, check_as_the_user_says_run_it_as_root);
    tcase_add_test(t, check_fails_after_the_binary_is_replaced);
    tcase_add_test(t, no_rule_for_a_path_others_could_fill);
    tcase_add_test(t, no_rule_for_names_sudoers_reads_otherwise);
    tcase_add_test(t, no_rule_for_a_file_that_is_no_program);
    suite_add_tcase(s, t);
    TCase *f = tcase_create("find");
    tcase_add_checked_fixture(f, setup, teardown);
    tcase_add_test(f, find_reads_files_as_sudo_does);
    suite_add_tcase(s, f);
    return s;
}
