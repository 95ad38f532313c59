/* The CLI as an operator meets it: under --json a failure of any command
 * is one error object on stdout (code, kind, message, and the key, its
 * suggestion, the file and line when known) with the exit code as
 * without --json; --set of a misspelt key suggests the key; `plugins`
 * lists what it found when the selected plugin cannot be used, prints no
 * table for a configuration error; --quiet leaves notices and errors,
 * --verbose adds every step. */
#include "testutil.h"
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[PATH_MAX];

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
}

static void teardown(void) { tu_sandbox_rm(root); }

static const char *sb(const char *hpath)
{
    static char p[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s%s", root, hpath);
    return p[k];
}

static void write_file(const char *hpath, const char *text)
{
    tu_write(root, hpath, text, strlen(text), 0644, 0, 0);
}

/* hostpriv --root ROOT ARGS..., as root, no user layer. */
static int cli(const char *const *args, char **out, char **err)
{
    char bin[PATH_MAX];
    const char *argv[32];
    size_t n = 0;
    argv[n++] = tu_build("bin/hostpriv", bin, sizeof bin);
    argv[n++] = "--root";
    argv[n++] = root;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    setenv("XDG_CONFIG_HOME", root, 1);
    return tu_run((uid_t)-1, 0, argv, NULL, out, err);
}

/* The error object that is the whole of stdout (or its last line, after
 * an action command's events); NULL when there is none. */
static json_t *error_of(const char *out, json_t **doc)
{
    const char *last = out, *p;
    while ((p = strchr(last, '\n')) && p[1])
        last = p + 1;
    json_error_t je;
    *doc = json_loads(last, 0, &je);
    return json_object_get(*doc, "error");
}

static const char *field(json_t *e, const char *name)
{
    return json_string_value(json_object_get(e, name));
}

/* ------------------------------------------------------ errors as JSON */

START_TEST(set_typo_is_one_error_object_with_the_key_and_suggestion)
{
    char *out, *err;
    const char *a[] = { "--json", "--set", "core.verison=4.16", "plugins",
                        NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);        /* the whole of stdout */
    ck_assert_msg(j != NULL, "not one JSON object (%s): %s", je.text, out);
    json_t *e = json_object_get(j, "error");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "code")), 78);
    ck_assert_str_eq(field(e, "kind"), "config");
    ck_assert_str_eq(field(e, "key"), "core.verison");
    ck_assert_str_eq(field(e, "suggestion"), "core.version");
    ck_assert_ptr_nonnull(strstr(field(e, "message"),
                                 "did you mean 'core.version'?"));
    ck_assert_ptr_null(json_object_get(e, "file"));
    ck_assert_ptr_null(json_object_get(e, "line"));
    ck_assert_ptr_null(json_object_get(j, "plugins"));    /* no table */
    ck_assert_ptr_nonnull(strstr(err, "did you mean 'core.version'?"));
    json_decref(j);
    free(out);
    free(err);
}
END_TEST

/* Without --json: the suggestion on stderr, nothing on stdout; a section
 * misspelt too. */
START_TEST(set_typo_suggests_without_json)
{
    char *out, *err;
    const char *a[] = { "--set", "cor.version=4.16", "plugins", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    ck_assert_str_eq(out, "");
    ck_assert_msg(strstr(err, "unknown key 'cor.version' (did you mean "
                          "'core.version'?)"), "%s", err);
    free(out);
    free(err);
    const char *b[] = { "--set", "prompt.zzz=1", "plugins", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 78);
    ck_assert_msg(!strstr(err, "did you mean"), "%s", err);
    free(out);
    free(err);
}
END_TEST

START_TEST(malformed_file_gives_file_and_line)
{
    write_file("/bad.ini", "[core]\nversion = 4.16\nverison = 4.16\n");
    char *out, *err;
    const char *a[] = { "--json", "-c", sb("/bad.ini"), "status", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    json_t *j, *e = error_of(out, &j);
    ck_assert_msg(e != NULL, "%s", out);
    ck_assert_str_eq(field(e, "file"), sb("/bad.ini"));
    ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 3);
    ck_assert_str_eq(field(e, "key"), "core.verison");
    ck_assert_str_eq(field(e, "suggestion"), "core.version");
    json_decref(j);
    free(out);
    free(err);
    /* a bad value: its key and line */
    write_file("/etc/hostpriv/hostpriv.ini", "[host]\n\nkubernetes = maybe\n");
    const char *b[] = { "--json", "config", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 78);
    e = error_of(out, &j);
    ck_assert_str_eq(field(e, "file"), sb("/etc/hostpriv/hostpriv.ini"));
    ck_assert_int_eq(json_integer_value(json_object_get(e, "line")), 3);
    ck_assert_str_eq(field(e, "key"), "host.kubernetes");
    json_decref(j);
    free(out);
    free(err);
}
END_TEST

/* Usage errors, a failed task and a refused one: each its kind and code,
 * the exit code as without --json. */
START_TEST(every_failure_is_an_error_object)
{
    static const struct {
        const char *args[8];
        int code;
        const char *kind, *says;
    } cases[] = {
        { { "--json", "bogus" }, 64, "usage", "unknown command 'bogus'" },
        { { "--json", "--bogus", "plugins" }, 64, "usage", "--bogus" },
        { { "--json", "-q", "-v", "plugins" }, 64, "usage", "not both" },
        { { "--json", "settings", "frob" }, 64, "usage", "say get KEY" },
        { { "--json", "policy", "show" }, 1, "failed", "" },
        { { "--json", "settings", "get", "nope.key" }, 64, "usage",
          "unknown key nope.key" },
        { { "--json", "--set", "core.version=4.14", "install" }, 1, "failed",
          "does not" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        int rc = cli(cases[i].args, &out, &err);
        json_t *j, *e = error_of(out, &j);
        ck_assert_msg(rc == cases[i].code && e, "%s: rc %d, stdout %s",
                      cases[i].args[1], rc, out);
        ck_assert_int_eq(json_integer_value(json_object_get(e, "code")), rc);
        ck_assert_str_eq(field(e, "kind"), cases[i].kind);
        ck_assert_msg(strstr(field(e, "message"), cases[i].says), "%s: %s",
                      cases[i].args[1], field(e, "message"));
        json_decref(j);
        free(out);
        free(err);
    }
}
END_TEST

/* Success prints no error object; an answer of no (policy allows) is an
 * answer, not a failure. */
START_TEST(answers_are_no_errors)
{
    char *out, *err;
    const char *a[] = { "--json", "config", "--check", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 0);
    ck_assert_str_eq(out, "{\"ok\":true}\n");
    free(out);
    free(err);
    char bin[PATH_MAX];
    const char *argv[] = { tu_build("bin/hostpriv", bin, sizeof bin),
                           "--root", root, "--set", "core.version=4.16.2",
                           "policy", "set", "-", NULL };
    ck_assert_int_eq(tu_run((uid_t)-1, 0, argv, "{\"allowedRegistries\": "
                            "[\"docker.io\"]}", NULL, NULL), 0);
    const char *b[] = { "--json", "--set", "core.version=4.16.2", "policy",
                        "allows", "quay.io", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 1);
    ck_assert_str_eq(out, "{\"registry\":\"quay.io\",\"allowed\":false}\n");
    free(out);
    free(err);
}
END_TEST

/* ------------------------------------------------------------ plugins */

static void stage_plugin(const char *name, const char *hpath)
{
    char src[PATH_MAX], rel[128];
    snprintf(rel, sizeof rel, "tests/plugins/%s.so", name);
    size_t len;
    char *data = tu_read("", tu_build(rel, src, sizeof src), &len);
    ck_assert_msg(data != NULL, "%s not built", src);
    tu_write(root, hpath, data, len, 0755, 0, 0);
    free(data);
}

static void broken_plugin_dir(void)
{
    tu_mkdir(root, "/pl", 0755, 0, 0);
    stage_plugin("tp_good", "/pl/good.so");
    stage_plugin("tp_init_fails", "/pl/init_fails.so");
    stage_plugin("tp_bad_major", "/pl/bad_major.so");
}

/* The selected plugin fails at init: the table (both plugins, the failed
 * one marked, the rejected file with why), then the error, exit 78. */
START_TEST(plugins_lists_what_it_found_when_the_selected_one_fails)
{
    broken_plugin_dir();
    char *out, *err, dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "core.plugin_dir=%s", sb("/pl"));
    const char *a[] = { "--set", dir, "--set", "core.version=9.1", "plugins",
                        NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    ck_assert_msg(strstr(out, "  tp-good ") && strstr(out, "! tp-init-fails")
                  && strstr(out, "not loaded:") && strstr(out, "bad_major.so:"
                  " ABI major 2"), "%s", out);
    ck_assert_msg(strstr(err, "plugin tp-init-fails failed to start"), "%s",
                  err);
    free(out);
    free(err);
    const char *b[] = { "--json", "--set", dir, "--set", "core.version=9.1",
                        "plugins", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 78);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je), *e = json_object_get(j, "error");
    ck_assert_msg(e != NULL, "only the error object (%s): %s", je.text, out);
    ck_assert_uint_eq(json_array_size(json_object_get(e, "plugins")), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(e, "rejected")), 1);
    ck_assert_str_eq(field(e, "kind"), "config");
    json_decref(j);
    free(out);
    free(err);
    /* the same directory, a version the good one covers: the table, 0 */
    const char *c[] = { "--set", dir, "--set", "core.version=1.1", "plugins",
                        NULL };
    ck_assert_int_eq(cli(c, &out, &err), 0);
    ck_assert_msg(strstr(out, "* tp-good") && !strstr(out, "! "), "%s", out);
    free(out);
    free(err);
}
END_TEST

START_TEST(plugins_prints_no_table_for_a_configuration_error)
{
    broken_plugin_dir();
    char *out, *err, dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "core.plugin_dir=%s", sb("/pl"));
    const char *a[] = { "--set", dir, "--set", "core.version=banana",
                        "plugins", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
    const char *b[] = { "--set", "core.plugin_dir=/nonexistent/plugins",
                        "plugins", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 78);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/plugins"));
    free(out);
    free(err);
}
END_TEST

/* -------------------------------------------------- --quiet / --verbose */

/* `install` as root says, as a notice, that it does nothing; a locked key
 * set by --set is a warning; the skipped event is a step. */
START_TEST(quiet_keeps_notices_verbose_says_every_step)
{
    write_file("/etc/hostpriv/admin.ini", "[core]\nversion = 4.14\n");
    char *out, *err;
    const char *a[] = { "--set", "core.version=4.16.2", "install", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 1);
    ck_assert_msg(strstr(err, "warning: --set: core.version is locked") &&
                  strstr(err, "does not perform") && !strstr(err, "skipped "),
                  "%s", err);
    free(out);
    free(err);
    const char *q[] = { "-q", "--set", "core.version=4.16.2", "install",
                        NULL };
    ck_assert_int_eq(cli(q, &out, &err), 1);
    ck_assert_msg(!strstr(err, "warning") && strstr(err, "does not perform"),
                  "%s", err);
    free(out);
    free(err);
    const char *v[] = { "--verbose", "--set", "core.version=4.16.2",
                        "install", NULL };
    ck_assert_int_eq(cli(v, &out, &err), 1);
    ck_assert_msg(strstr(err, "skipped helper: not-in-this-version") &&
                  strstr(err, "warning"), "%s", err);
    free(out);
    free(err);
}
END_TEST

Suite *make_cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *t = tcase_create("errors");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, set_typo_is_one_error_object_with_the_key_and_suggestion);
    tcase_add_test(t, set_typo_suggests_without_json);
    tcase_add_test(t, malformed_file_gives_file_and_line);
    tcase_add_test(t, every_failure_is_an_error_object);
    tcase_add_test(t, answers_are_no_errors);
    suite_add_tcase(s, t);
    TCase *p = tcase_create("plugins");
    tcase_add_checked_fixture(p, setup, teardown);
    tcase_add_test(p, plugins_lists_what_it_found_when_the_selected_one_fails);
    tcase_add_test(p, plugins_prints_no_table_for_a_configuration_error);
    suite_add_tcase(s, p);
    TCase *v = tcase_create("verbosity");
    tcase_add_checked_fixture(v, setup, teardown);
    tcase_add_test(v, quiet_keeps_notices_verbose_says_every_step);
    suite_add_tcase(s, v);
    return s;
}
