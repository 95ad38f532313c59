/* hostpriv-rig for a CI system: --shard K/N parts that together run every
 * scenario exactly once and stay put when files are added; JUnit XML that
 * is well-formed and has the structure the CI readers require (checked by
 * a strict XML reader, and by python3's when there is one); TAP 13 that
 * prove accepts; the --behaviour and --plugin filters, refusing what no
 * scenario has; `list` and `matrix` computed from the files. */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "helpers/rigtest.h"
#include "helpers/xmltree.h"

static char tmp[PATH_MAX];

static void setup(void)
{
    tu_sandbox(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_sandbox_rm(tmp);
}

static const char *src(const char *rel, char *out, size_t n)
{
    const char *s = getenv("HP_SRC");
    snprintf(out, n, "%s/%s", s ? s : ".", rel);
    return out;
}

static const char *at(const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmp, rel);
    return out;
}

/* A scenario that passes at once: [scenario] lines, then `sh true`. */
static void quick(const char *rel, const char *scenario_lines)
{
    char text[1024];
    snprintf(text, sizeof text, "[scenario]\nname = %s\n%s\n\n[step.1]\n"
             "run = sh true\n", rel, scenario_lines);
    rt_file(tmp, rel, text);
}

static const char *const nine[] = { "a/one.ini", "a/two.ini", "a/three.ini",
    "b/four.ini", "b/five.ini", "b/six.ini", "c/seven.ini", "eight.ini",
    "nine.ini" };

START_TEST(shards_together_run_each_scenario_once)
{
    char dir[PATH_MAX], shard[8], *out, *err, *all = calloc(1, 1);
    for (size_t i = 0; i < 9; i++)
        quick(nine[i], "version = 4.16.2");
    at("", dir, sizeof dir);
    ck_assert_int_eq(rt_rig(&out, &err, "list", dir, NULL), 0);
    char *listed = rt_first_words(out);
    free(out);
    free(err);
    for (int k = 1; k <= 3; k++) {
        snprintf(shard, sizeof shard, "%d/3", k);
        int rc = rt_rig(&out, &err, "run", "-j", "2", "--shard", shard, dir,
                        NULL);
        ck_assert_msg(rc == 0, "shard %s: %d %s%s", shard, rc, out, err);
        char *ran = rt_names(out), *lo, *le;
        free(out);
        free(err);
        /* list with the same --shard names what the shard ran */
        ck_assert_int_eq(rt_rig(&lo, &le, "list", "--shard", shard, dir,
                                NULL), 0);
        char *names = rt_first_words(lo);
        ck_assert_str_eq(names, ran);
        all = realloc(all, strlen(all) + strlen(ran) + 1);
        strcat(all, ran);
        free(names);
        free(ran);
        free(lo);
        free(le);
    }
    for (size_t i = 0; i < 9; i++)
        ck_assert_msg(rt_count(all, nine[i]) == 1, "%s ran %d times: %s",
                      nine[i], rt_count(all, nine[i]), all);
    ck_assert_int_eq(strlen(all), strlen(listed));
    free(all);
    free(listed);
}
END_TEST

/* Over the real suite (nothing run): 4 shards partition it; and a file
 * added elsewhere moves no other file to another shard. */
START_TEST(shards_partition_the_suite_and_stay_put)
{
    char suite[PATH_MAX], dir[PATH_MAX], shard[8], *out, *err;
    src("tests/scenarios", suite, sizeof suite);
    ck_assert_int_eq(rt_rig(&out, &err, "list", suite, NULL), 0);
    char *listed = rt_first_words(out), *all = calloc(1, 1);
    free(out);
    free(err);
    for (int k = 1; k <= 4; k++) {
        snprintf(shard, sizeof shard, "%d/4", k);
        ck_assert_int_eq(rt_rig(&out, &err, "list", "--shard", shard, suite,
                                NULL), 0);
        char *part = rt_first_words(out);
        all = realloc(all, strlen(all) + strlen(part) + 1);
        strcat(all, part);
        free(part);
        free(out);
        free(err);
    }
    for (char *w = listed; *w; w += strcspn(w, " ") + 1) {
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(w, " "), w);
        ck_assert_msg(rt_count(all, name) == 1, "%s in %d shards", name,
                      rt_count(all, name));
    }
    ck_assert_int_eq(strlen(all), strlen(listed));

    for (size_t i = 0; i < 9; i++)
        quick(nine[i], "");
    at("", dir, sizeof dir);
    char *before[4], *after[4];
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            quick("a/added.ini", "");
        for (int k = 1; k <= 3; k++) {
            snprintf(shard, sizeof shard, "%d/3", k);
            ck_assert_int_eq(rt_rig(&out, &err, "list", "--shard", shard,
                                    dir, NULL), 0);
            (pass ? after : before)[k] = rt_first_words(out);
            free(out);
            free(err);
        }
    }
    for (int k = 1; k <= 3; k++) {
        for (size_t i = 0; i < 9; i++)
            ck_assert_msg(rt_count(before[k], nine[i]) ==
                          rt_count(after[k], nine[i]), "%s moved shards "
                          "when a/added.ini was added", nine[i]);
        free(before[k]);
        free(after[k]);
    }
    free(all);
    free(listed);
}
END_TEST

/* tmp/j: a passing scenario with behaviours and a skipped one; with
 * tests/rig-failing, a failing one. */
static void report_inputs(char *dir, size_t n, char *failing, size_t fn)
{
    quick("j/pass.ini", "version = 4.16.2\nbehaviours = B21 B22");
    quick("j/skipped.ini", "skip = not today");
    at("j", dir, n);
    src("tests/rig-failing", failing, fn);
}

static const xnode *testcase_named(const xnode *root, const char *name)
{
    for (size_t i = 0; i < root->nkid; i++)
        for (size_t k = 0; k < root->kid[i]->nkid; k++) {
            const xnode *c = root->kid[i]->kid[k];
            if (!strcmp(c->name, "testcase") && xml_attr(c, "name") &&
                !strcmp(xml_attr(c, "name"), name))
                return c;
        }
    return NULL;
}

/* Every testsuite: name, tests, failures, time; tests and failures agree
 * with its testcases, each with classname, name, time. */
static void check_suites(const xnode *root)
{
    ck_assert_str_eq(root->name, "testsuites");
    for (size_t i = 0; i < root->nkid; i++) {
        const xnode *s = root->kid[i];
        ck_assert_str_eq(s->name, "testsuite");
        ck_assert(xml_attr(s, "name") && xml_attr(s, "tests") &&
                  xml_attr(s, "failures") && xml_attr(s, "time"));
        long cases = 0, failed = 0;
        for (size_t k = 0; k < s->nkid; k++) {
            const xnode *c = s->kid[k];
            if (strcmp(c->name, "testcase"))
                continue;
            cases++;
            failed += xml_kid(c, "failure") != NULL;
            ck_assert(xml_attr(c, "classname") && xml_attr(c, "name") &&
                      xml_attr(c, "time"));
            ck_assert_str_eq(xml_attr(c, "classname"), xml_attr(s, "name"));
        }
        ck_assert_int_eq(atol(xml_attr(s, "tests")), cases);
        ck_assert_int_eq(atol(xml_attr(s, "failures")), failed);
    }
}

static int has_property(const xnode *c, const char *name, const char *value)
{
    const xnode *props = xml_kid(c, "properties");
    for (size_t i = 0; props && i < props->nkid; i++)
        if (!strcmp(xml_attr(props->kid[i], "name"), name) &&
            !strcmp(xml_attr(props->kid[i], "value"), value))
            return 1;
    return 0;
}

START_TEST(junit_has_the_structure_ci_readers_require)
{
    char dir[PATH_MAX], failing[PATH_MAX], xmlf[PATH_MAX], *out, *err;
    report_inputs(dir, sizeof dir, failing, sizeof failing);
    at("report.xml", xmlf, sizeof xmlf);
    int rc = rt_rig(&out, &err, "run", "--junit", xmlf, dir, failing, NULL);
    ck_assert_msg(rc == 1, "rc %d: %s%s", rc, out, err);
    free(out);
    free(err);
    char *text = tu_read("", xmlf, NULL), xerr[256];
    ck_assert_ptr_nonnull(text);
    xnode *root = xml_parse(text, xerr, sizeof xerr);
    ck_assert_msg(root != NULL, "not well-formed XML: %s\n%s", xerr, text);
    check_suites(root);
    ck_assert_str_eq(xml_attr(root, "tests"), "3");
    ck_assert_str_eq(xml_attr(root, "failures"), "1");
    ck_assert_str_eq(xml_attr(root, "skipped"), "1");
    ck_assert_int_eq(root->nkid, 2);          /* one per directory */
    ck_assert_str_eq(xml_attr(root->kid[0], "name"), dir);
    ck_assert_str_eq(xml_attr(root->kid[1], "name"), failing);

    const xnode *c = testcase_named(root, "wrong-expectation.ini");
    ck_assert_ptr_nonnull(c);
    const xnode *f = xml_kid(c, "failure");
    ck_assert_ptr_nonnull(f);
    ck_assert_msg(!strncmp(xml_attr(f, "message"), "step 1 (line 13): sh "
                           "'echo hello", 30), "%s", xml_attr(f, "message"));
    ck_assert_msg(strstr(f->text, "expected: exit 0") &&
                  strstr(f->text, "actual:   exit 3") &&
                  strstr(f->text, "-deux\n"), "%s", f->text);
    c = testcase_named(root, "pass.ini");
    ck_assert_ptr_nonnull(c);
    ck_assert(!xml_kid(c, "failure") && !xml_kid(c, "skipped"));
    ck_assert(has_property(c, "behaviour", "B21") &&
              has_property(c, "behaviour", "B22") &&
              has_property(c, "generation", "v4.15-ondemand"));
    c = testcase_named(root, "skipped.ini");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(xml_attr(xml_kid(c, "skipped"), "message"), "not today");
    xml_free(root);
    free(text);

    /* a second reader, where there is one: python3's */
    const char *py[] = { "/bin/sh", "-c", "command -v python3 >/dev/null || "
        "exit 0; exec python3 -c 'import sys, xml.etree.ElementTree as E; "
        "r = E.parse(sys.argv[1]).getroot(); "
        "assert [c.get(\"name\") for c in r.iter(\"testcase\")] == "
        "[\"pass.ini\", \"skipped.ini\", \"wrong-expectation.ini\"]' \"$0\"",
        xmlf, NULL };
    rc = tu_run((uid_t)-1, (gid_t)-1, py, NULL, &out, &err);
    ck_assert_msg(rc == 0, "python3 rejects %s: %s%s", xmlf, out, err);
    free(out);
    free(err);
}
END_TEST

/* A --junit path that cannot be written fails before anything runs. */
START_TEST(junit_path_checked_first)
{
    char dir[PATH_MAX], failing[PATH_MAX], *out, *err;
    report_inputs(dir, sizeof dir, failing, sizeof failing);
    int rc = rt_rig(&out, &err, "run", "--junit", "/nonexistent/r.xml", dir,
                    NULL);
    ck_assert_msg(rc == 64, "rc %d: %s%s", rc, out, err);
    ck_assert_msg(strstr(err, "--junit /nonexistent/r.xml: cannot create") &&
                  strstr(err, "does its directory exist"), "%s", err);
    ck_assert_msg(!strstr(out, "pass.ini"), "it ran: %s", out);
    free(out);
    free(err);
}
END_TEST

/* prove reads a TAP file; its summary, and rc. */
static int prove(const char *file, char **out)
{
    const char *argv[] = { "/usr/bin/prove", "--exec", "cat", file, NULL };
    ck_assert_msg(access(argv[0], X_OK) == 0, "prove (perl) is missing: "
                  "scripts/install-deps installs build-essential, which "
                  "brings it");
    char *err;
    int rc = tu_run((uid_t)-1, (gid_t)-1, argv, NULL, out, &err);
    *out = realloc(*out, strlen(*out) + strlen(err) + 1);
    strcat(*out, err);
    free(err);
    return rc;
}

START_TEST(tap_is_what_prove_reads)
{
    char dir[PATH_MAX], failing[PATH_MAX], tapf[PATH_MAX], *out, *err, *p;
    report_inputs(dir, sizeof dir, failing, sizeof failing);
    at("out.tap", tapf, sizeof tapf);
    int rc = rt_rig(&out, &err, "run", "--tap", dir, failing, NULL);
    ck_assert_msg(rc == 1, "rc %d: %s%s", rc, out, err);
    ck_assert_msg(!strncmp(out, "TAP version 13\n1..3\nok 1 - pass.ini\n", 35),
                  "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\nok 2 - skipped.ini # SKIP not today\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nnot ok 3 - wrong-expectation.ini\n"));
    tu_write("", tapf, out, strlen(out), 0644, 0, 0);
    free(out);
    free(err);
    rc = prove(tapf, &p);
    ck_assert_msg(rc != 0 && strstr(p, "Tests: 3 Failed: 1") &&
                  strstr(p, "Failed test:  3") && !strstr(p, "Parse errors"),
                  "prove: %d\n%s", rc, p);
    free(p);

    /* all pass: prove passes */
    rc = rt_rig(&out, &err, "run", "--tap", dir, NULL);
    ck_assert_msg(rc == 0, "rc %d: %s%s", rc, out, err);
    tu_write("", tapf, out, strlen(out), 0644, 0, 0);
    free(out);
    free(err);
    rc = prove(tapf, &p);
    ck_assert_msg(rc == 0 && strstr(p, "Result: PASS"), "prove: %d\n%s", rc,
                  p);
    free(p);
}
END_TEST

/* Lines of `list` whose word list (after the name) has w. */
static int lines_with(const char *out, const char *w)
{
    int n = 0;
    char word[32];
    snprintf(word, sizeof word, " %s", w);
    for (const char *p = out; *p; p += strcspn(p, "\n") + 1) {
        size_t l = strcspn(p, "\n"), wl = strlen(word);
        for (const char *q = p; (q = strstr(q, word)) && q < p + l; q += wl)
            if (q[wl] == ' ' || q[wl] == '\n') {
                n++;
                break;
            }
        if (!p[l])
            break;
    }
    return n;
}

START_TEST(filters_select_and_refuse_what_no_scenario_has)
{
    char suite[PATH_MAX], *all, *out, *err;
    src("tests/scenarios", suite, sizeof suite);
    ck_assert_int_eq(rt_rig(&all, &err, "list", suite, NULL), 0);
    free(err);
    int b21 = lines_with(all, "B21"), b22 = lines_with(all, "B22");
    ck_assert(b21 > 0 && b22 > 0);
    ck_assert_int_eq(rt_rig(&out, &err, "list", "--behaviour", "B21,B22",
                            suite, NULL), 0);
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_ge(lines, b21 > b22 ? b21 : b22);
    ck_assert_int_le(lines, b21 + b22);
    for (const char *p = out; *p; p += strcspn(p, "\n") + 1) {
        char line[1024];
        snprintf(line, sizeof line, "%.*s\n", (int)strcspn(p, "\n"), p);
        ck_assert_msg(lines_with(line, "B21") || lines_with(line, "B22"),
                      "%s", line);
    }
    free(out);
    free(err);

    int ondemand = lines_with(all, "v4.15-ondemand");
    ck_assert_int_eq(rt_rig(&out, &err, "list", "--plugin", "v4.15-ondemand",
                            suite, NULL), 0);
    lines = 0;
    for (const char *p = out; *p; p += strcspn(p, "\n") + 1, lines++) {
        char name[PATH_MAX], gen[64];
        ck_assert_int_eq(sscanf(p, "%s %63s", name, gen), 2);
        ck_assert_str_eq(gen, "v4.15-ondemand");
    }
    ck_assert_int_eq(lines, ondemand);
    free(out);
    free(err);
    free(all);

    static const char *const refused[][3] = {
        { "--behaviour", "B99", "--behaviour B99: no scenario under the "
          "paths given covers it" },
        { "--plugin", "v9-nope", "--plugin v9-nope: no such generation; "
          "found: legacy-vmnetd v4.15-ondemand v4.18-advanced" },
        { "--behaviour", "X1", "'X1' is not a behaviour id" } };
    for (size_t i = 0; i < 3; i++) {
        int rc = rt_rig(&out, &err, "list", refused[i][0], refused[i][1],
                        suite, NULL);
        ck_assert_msg(rc == 64 && strstr(err, refused[i][2]), "%s %s: %d %s",
                      refused[i][0], refused[i][1], rc, err);
        ck_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    int rc = rt_rig(&out, &err, "list", "--behaviour", "B21", "--plugin",
                    "v4.18-advanced", suite, NULL);
    ck_assert_msg(rc == 64 && strstr(err, "no scenario matches"), "%d %s",
                  rc, err);
    free(out);
    free(err);
}
END_TEST

/* run applies them too: only the matching scenario runs. */
START_TEST(run_filters_by_behaviour_and_plugin)
{
    char dir[PATH_MAX], *out, *err;
    quick("f/legacy-b21.ini", "version = 4.14.0\nbehaviours = B21");
    quick("f/ondemand-b21.ini", "version = 4.16.2\nbehaviours = B21 B22");
    quick("f/ondemand-b9.ini", "version = 4.16.2\nbehaviours = B9");
    at("f", dir, sizeof dir);
    int rc = rt_rig(&out, &err, "run", "--behaviour", "B21", "--plugin",
                    "v4.15-ondemand", dir, NULL);
    ck_assert_msg(rc == 0, "%d %s%s", rc, out, err);
    char *names = rt_names(out);
    ck_assert_str_eq(names, "ondemand-b21.ini ");
    ck_assert_msg(strstr(out, "\n1 passed, 0 failed\n") != NULL, "%s", out);
    free(names);
    free(out);
    free(err);
}
END_TEST

static void matrix_inputs(char *dir, size_t n)
{
    quick("m/a.ini", "version = 4.14.0\nbehaviours = B2 B1");
    quick("m/b.ini", "version = 4.16.2\nbehaviours = B2");
    quick("m/c.ini", "version = 4.18.0");
    quick("m/d.ini", "plugin = v4.18-advanced\nbehaviours = B10");
    at("m", dir, n);
}

START_TEST(matrix_is_computed_from_the_files)
{
    char dir[PATH_MAX], *out, *err;
    matrix_inputs(dir, sizeof dir);
    ck_assert_int_eq(rt_rig(&out, &err, "matrix", dir, NULL), 0);
    ck_assert_str_eq(out,
        "behaviour  legacy-vmnetd  v4.15-ondemand  v4.18-advanced\n"
        "B1                     1               .               .\n"
        "B2                     1               1               .\n"
        "B10                    .               .               1\n");
    free(out);
    free(err);
    ck_assert_int_eq(rt_rig(&out, &err, "matrix", "--tsv", dir, NULL), 0);
    ck_assert_str_eq(out, "B1\tlegacy-vmnetd\ta.ini\n"
                          "B2\tlegacy-vmnetd\ta.ini\n"
                          "B2\tv4.15-ondemand\tb.ini\n"
                          "B10\tv4.18-advanced\td.ini\n");
    free(out);
    free(err);
    ck_assert_int_eq(rt_rig(&out, &err, "matrix", "--json", dir, NULL), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", je.text, out);
    ck_assert_int_eq(json_array_size(json_object_get(j, "generations")), 3);
    json_t *b2 = json_array_get(json_object_get(j, "behaviours"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(b2, "id")), "B2");
    json_t *od = json_object_get(json_object_get(b2, "scenarios"),
                                 "v4.15-ondemand");
    ck_assert_int_eq(json_array_size(od), 1);
    ck_assert_str_eq(json_string_value(json_array_get(od, 0)), "b.ini");
    json_decref(j);
    free(out);
    free(err);
}
END_TEST

START_TEST(list_names_generation_steps_behaviours)
{
    char dir[PATH_MAX], *out, *err, name[64], gen[64], word[16], b[2][8];
    unsigned steps;
    matrix_inputs(dir, sizeof dir);
    ck_assert_int_eq(rt_rig(&out, &err, "list", dir, NULL), 0);
    ck_assert_int_eq(sscanf(out, "%63s %63s %u %15s %7s %7s", name, gen,
                            &steps, word, b[0], b[1]), 6);
    ck_assert_str_eq(name, "a.ini");
    ck_assert_str_eq(gen, "legacy-vmnetd");
    ck_assert_uint_eq(steps, 1);
    ck_assert_str_eq(b[0], "B2");
    ck_assert_str_eq(b[1], "B1");
    ck_assert_ptr_nonnull(strstr(out, "\nc.ini "));
    free(out);
    free(err);
    ck_assert_int_eq(rt_rig(&out, &err, "list", "--json", dir, NULL), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je), *d = json_array_get(j, 3);
    ck_assert_msg(j != NULL, "%s", je.text);
    ck_assert_int_eq(json_array_size(j), 4);
    ck_assert_str_eq(json_string_value(json_object_get(d, "name")), "d.ini");
    ck_assert_str_eq(json_string_value(json_object_get(d, "generation")),
                     "v4.18-advanced");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "steps")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(
        json_object_get(d, "behaviours"), 0)), "B10");
    json_decref(j);
    free(out);
    free(err);

    /* a misspelt behaviour id: the file does not parse, said by line */
    rt_file(tmp, "m/bad.ini", "[scenario]\nbehaviours = B1 X2\n");
    int rc = rt_rig(&out, &err, "list", dir, NULL);
    ck_assert_msg(rc == 1, "%d %s", rc, out);
    ck_assert_msg(strstr(out, "bad.ini:2: behaviours are ids such as B11") !=
                  NULL, "%s", out);
    free(out);
    free(err);
}
END_TEST

START_TEST(bad_options_are_usage_errors)
{
    static const char *const cases[][5] = {
        { "run", "-j", "0", "-j takes a number" },
        { "run", "--shard", "4/3", "--shard 4/3: K/N with 1 <= K <= N" },
        { "run", "--shard", "two", "--shard takes K/N" },
        { "list", "--junit", "x.xml", "--junit is not an option of this "
          "command" },
        { "list", "--tsv", NULL, "--tsv is not an option of this command" },
        { "run", "--tap", "--report", "--tap and --report do not go "
          "together" } };
    char dir[PATH_MAX];
    at("", dir, sizeof dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out, *err;
        int rc = cases[i][2]
            ? rt_rig(&out, &err, cases[i][0], cases[i][1], cases[i][2], dir,
                     NULL)
            : rt_rig(&out, &err, cases[i][0], cases[i][1], dir, NULL);
        ck_assert_msg(rc == 64 && strstr(err, cases[i][3]), "%s %s: %d %s",
                      cases[i][0], cases[i][1], rc, err);
        free(out);
        free(err);
    }
}
END_TEST

Suite *make_rig_reports_suite(void)
{
    Suite *s = suite_create("rig_reports");
    TCase *tc = tcase_create("ci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shards_together_run_each_scenario_once);
    tcase_add_test(tc, shards_partition_the_suite_and_stay_put);
    tcase_add_test(tc, junit_has_the_structure_ci_readers_require);
    tcase_add_test(tc, junit_path_checked_first);
    tcase_add_test(tc, tap_is_what_prove_reads);
    tcase_add_test(tc, filters_select_and_refuse_what_no_scenario_has);
    tcase_add_test(tc, run_filters_by_behaviour_and_plugin);
    tcase_add_test(tc, matrix_is_computed_from_the_files);
    tcase_add_test(tc, list_names_generation_steps_behaviours);
    tcase_add_test(tc, bad_options_are_usage_errors);
    suite_add_tcase(s, tc);
    return s;
}
