/* Events and logs: names of the contract, JSON escaping that always yields
 * valid JSON (controls, quotes, invalid UTF-8), whole lines from concurrent
 * writers, root roles logging instead of writing the app's event log, and
 * log lines that cannot be forged (SECURITY.md 42). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/hostapi.h"
#include "engine/events.h"
#include "engine/loghold.h"
#include "testutil.h"

static char root[PATH_MAX];

static void setup(void) { tu_sandbox(root, sizeof root); }
static void teardown(void) { tu_sandbox_rm(root); }

/* ---- names -------------------------------------------------------------- */

START_TEST(names_of_the_contract)
{
    static const char *const tasks[] = { "helper", "cli-links",
        "docker-socket", "privileged-port", "hosts", "policy", "settings",
        "uninstall" };
    for (int i = 0; i < HP_TASK__COUNT; i++) {
        ck_assert_str_eq(hp_task_name(i), tasks[i]);
        ck_assert_int_eq(hp_task_from_name(tasks[i]), i);
    }
    ck_assert_int_eq(hp_task_from_name("cli_links"), -1);
    ck_assert_int_eq(hp_task_from_name(NULL), -1);
    ck_assert_str_eq(hp_task_name(HP_TASK__COUNT), "");
    ck_assert_str_eq(hp_event_name(HP_EV_TIMED_OUT), "timed-out");
    ck_assert_str_eq(hp_event_name(HP_EV_WARNING), "warning");
    ck_assert_str_eq(hp_event_name(-1), "");
    ck_assert_str_eq(hp_via_name(HP_VIA_NONE), "");
    ck_assert_str_eq(hp_via_name(HP_VIA_ELEVATED), "elevated");
    ck_assert_str_eq(hp_via_name(HP_VIA_INSTALLER), "installer");
    ck_assert_str_eq(hp_via_name(99), "");
}
END_TEST

/* ---- JSON escaping ------------------------------------------------------ */

static char *esc(const char *s)
{
    static char buf[4096];
    size_t n = hp_json_escape(buf, sizeof buf, s);
    ck_assert_uint_eq(n, strlen(buf));
    return buf;
}

START_TEST(escapes_controls_quotes_backslash)
{
    ck_assert_str_eq(esc("a\"b\\c"), "a\\\"b\\\\c");
    ck_assert_str_eq(esc("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
    ck_assert_str_eq(esc("\x01\x1b[31m\x1f\x7f"),
                     "\\u0001\\u001b[31m\\u001f\\u007f");
    ck_assert_str_eq(esc("/usr/local/bin/docker"), "/usr/local/bin/docker");
    ck_assert_str_eq(esc(""), "");
    ck_assert_str_eq(esc(NULL), "");
}
END_TEST

START_TEST(invalid_utf8_becomes_replacement)
{
    ck_assert_str_eq(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    ck_assert_str_eq(esc("a\xff" "b"), "a\\ufffdb");
    ck_assert_str_eq(esc("\xc0\x80"), "\\ufffd\\ufffd");          /* overlong */
    ck_assert_str_eq(esc("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd"); /* surrogate */
    ck_assert_str_eq(esc("\xf4\x90\x80\x80"),                      /* > U+10FFFF */
                     "\\ufffd\\ufffd\\ufffd\\ufffd");
    ck_assert_str_eq(esc("x\xe2\x82"), "x\\ufffd\\ufffd");          /* cut */
}
END_TEST

/* Whatever the bytes, "\"" + escape + "\"" is a JSON string, and for text
 * that is valid UTF-8 it decodes back to the same text. */
START_TEST(escape_always_yields_valid_json)
{
    srand(12345);
    for (int round = 0; round < 3000; round++) {
        char in[64], out[64 * 6 + 3], doc[64 * 6 + 8];
        size_t len = (size_t)(rand() % 63);
        for (size_t i = 0; i < len; i++)
            in[i] = (char)(1 + rand() % 255);
        in[len] = '\0';
        hp_json_escape(out, sizeof out, in);
        snprintf(doc, sizeof doc, "[\"%s\"]", out);
        json_error_t je;
        json_t *j = json_loads(doc, 0, &je);
        ck_assert_msg(j != NULL, "round %d: %s: %s", round, je.text, doc);
        json_decref(j);
    }
    const char *text = "tab\there \"q\" \\ \xc3\xa9\n";
    char out[256], doc[300];
    hp_json_escape(out, sizeof out, text);
    snprintf(doc, sizeof doc, "[\"%s\"]", out);
    json_t *j = json_loads(doc, 0, NULL);
    ck_assert_str_eq(json_string_value(json_array_get(j, 0)), text);
    json_decref(j);
}
END_TEST

START_TEST(escape_is_snprintf_like)
{
    char small[8];
    memset(small, 'Z', sizeof small);
    size_t need = hp_json_escape(small, sizeof small, "ab\ncd\xff");
    ck_assert_uint_eq(need, strlen("ab\\ncd\\ufffd"));
    ck_assert_str_eq(small, "ab\\ncd");     /* whole escapes only, no junk */
    ck_assert_uint_eq(hp_json_escape(NULL, 0, "\"\""), 4);
}
END_TEST

START_TEST(event_line_format)
{
    char line[2048];
    size_t n = hp_event_format(line, sizeof line, "2024-01-02T03:04:05Z",
                               "v4.15-ondemand", "4.16.2", HP_EV_DONE,
                               HP_TASK_CLI_LINKS, HP_VIA_ELEVATED,
                               "/usr/local/bin/docker",
                               "line1\nline2 \"q\" \xff");
    ck_assert_uint_eq(n, strlen(line));
    ck_assert_int_eq(line[n - 1], '\n');
    ck_assert_ptr_null(memchr(line, '\n', n - 1));   /* exactly one line */
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", je.text, line);
    ck_assert_str_eq(json_string_value(json_object_get(j, "ts")),
                     "2024-01-02T03:04:05Z");
    ck_assert_str_eq(json_string_value(json_object_get(j, "plugin")),
                     "v4.15-ondemand");
    ck_assert_str_eq(json_string_value(json_object_get(j, "version")),
                     "4.16.2");
    ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "done");
    ck_assert_str_eq(json_string_value(json_object_get(j, "task")),
                     "cli-links");
    ck_assert_str_eq(json_string_value(json_object_get(j, "via")), "elevated");
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
                     "/usr/local/bin/docker");
    ck_assert_str_eq(json_string_value(json_object_get(j, "detail")),
                     "line1\nline2 \"q\" \xef\xbf\xbd");
    json_decref(j);
    char tiny[16];
    ck_assert_uint_eq(hp_event_format(tiny, sizeof tiny, "t", "p", "v", 0, 0,
                                      0, NULL, NULL), strlen("{\"ts\":\"t\","
                      "\"plugin\":\"p\",\"version\":\"v\",\"event\":\"prompt\","
                      "\"task\":\"helper\",\"via\":\"\",\"path\":\"\","
                      "\"detail\":\"\"}\n"));
}
END_TEST

/* ---- writing events ------------------------------------------------------ */

static hp_ctx *open_ctx(const char *evlog, int role)
{
    char set[PATH_MAX + 32];
    snprintf(set, sizeof set, "core.event_log=%s", evlog);
    const char *sets[] = { set, NULL };
    hp_open_opts o = { .role = role, .root = root, .sets = sets,
                       .no_plugin = 1, .no_user_layer = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    return c;
}

/* Redirect fd (1 or 2) to a file; return what was written on restore. */
struct capture { int fd, saved; char path[64]; };

static void cap_begin(struct capture *k, int fd)
{
    fflush(NULL);
    snprintf(k->path, sizeof k->path, "/tmp/hp-cap.XXXXXX");
    int t = mkstemp(k->path);
    ck_assert(t >= 0);
    k->fd = fd;
    k->saved = dup(fd);
    dup2(t, fd);
    close(t);
}

static char *cap_end(struct capture *k)
{
    fflush(NULL);
    dup2(k->saved, k->fd);
    close(k->saved);
    char *s = tu_read("", k->path, NULL);
    unlink(k->path);
    return s;
}

START_TEST(event_goes_to_the_event_log)
{
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/events.jsonl", root);
    hp_ctx *c = open_ctx(log, HP_ROLE_USER);
    hp_event(c, HP_EV_SKIPPED, HP_TASK_HOSTS, HP_VIA_NONE, "/etc/hosts",
             "user-responsibility");
    hp_ctx_close(c);
    char *text = tu_read(root, "/events.jsonl", NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq((int)strlen(text), (int)(strchr(text, '\n') - text) + 1);
    json_t *j = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
                     "skipped");
    ck_assert_str_eq(json_string_value(json_object_get(j, "version")),
                     "4.18.0");
    regex_t re;
    regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
            REG_EXTENDED | REG_NOSUB);
    ck_assert_int_eq(regexec(&re, json_string_value(json_object_get(j, "ts")),
                             0, NULL, 0), 0);
    regfree(&re);
    json_decref(j);
    free(text);
}
END_TEST

/* Eight processes append 200 long events each to one log: every line must
 * be one whole, valid event. */
START_TEST(concurrent_writers_do_not_interleave)
{
    char log[PATH_MAX], detail[3000];
    snprintf(log, sizeof log, "%s/events.jsonl", root);
    memset(detail, 'd', sizeof detail - 1);
    detail[sizeof detail - 1] = '\0';
    pid_t kids[8];
    for (int k = 0; k < 8; k++) {
        if ((kids[k] = fork()) == 0) {
            hp_ctx *c = open_ctx(log, HP_ROLE_USER);
            for (int i = 0; i < 200; i++)
                hp_event(c, HP_EV_DONE, k % HP_TASK__COUNT, HP_VIA_USER,
                         "/p", detail);
            hp_ctx_close(c);
            _exit(0);
        }
    }
    for (int k = 0; k < 8; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char *text = tu_read(root, "/events.jsonl", NULL), *save = NULL;
    int lines = 0;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n",
                                                                  &save)) {
        json_t *j = json_loads(l, 0, NULL);
        ck_assert_msg(j != NULL, "line %d is not one event", lines + 1);
        ck_assert_uint_eq(strlen(json_string_value(json_object_get(j,
                          "detail"))), sizeof detail - 1);
        json_decref(j);
        lines++;
    }
    ck_assert_int_eq(lines, 1600);
    free(text);
}
END_TEST

/* A helper-role context whose event log is set, with stderr captured. */
static hp_ctx *helper_ctx_capturing(struct capture *k)
{
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/events.jsonl", root);
    hp_ctx *c = open_ctx(log, HP_ROLE_HELPER);
    cap_begin(k, 2);
    return c;
}

START_TEST(root_roles_log_events_instead)
{
    struct capture k;
    hp_ctx *c = helper_ctx_capturing(&k);
    hp_event(c, HP_EV_DONE, HP_TASK_PRIVILEGED_PORT, HP_VIA_HELPER, "",
             "bound 127.0.0.1:80");
    char *err = cap_end(&k);
    hp_ctx_close(c);
    ck_assert_msg(strstr(err, "event {\"ts\":") != NULL, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "\"via\":\"helper\""));
    /* not even created: root must not make the app's file root-owned */
    ck_assert_ptr_null(tu_read(root, "/events.jsonl", NULL));
    free(err);
}
END_TEST

/* The helper holds its lines while it answers: nothing is written until
 * the release, then everything in order; a forked child (which would
 * lose a queue at _exit) writes its own lines at once. */
START_TEST(held_lines_wait_and_keep_order)
{
    struct capture k;
    hp_ctx *c = helper_ctx_capturing(&k);
    hp_log_hold(1);
    hp_log(c, HP_LOG_INFO, "first");
    hp_event(c, HP_EV_DONE, HP_TASK_PRIVILEGED_PORT, HP_VIA_HELPER, "",
             "second");
    for (int i = 0; i < 40; i++)        /* more than the queue holds */
        hp_log(c, HP_LOG_INFO, "n%02d", i);
    pid_t pid = fork();
    if (pid == 0) {
        hp_log(c, HP_LOG_INFO, "from the child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    off_t mid = lseek(2, 0, SEEK_CUR);
    hp_log(c, HP_LOG_INFO, "last");
    ck_assert_int_eq(lseek(2, 0, SEEK_CUR), mid);    /* still held */
    hp_log_hold(0);
    char *err = cap_end(&k);
    hp_ctx_close(c);
    const char *want[] = { "first", "\"detail\":\"second\"", "n00", "n31",
                           "n32", "n39", "last" };
    const char *at = err;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *p = strstr(at, want[i]);
        ck_assert_msg(p != NULL, "'%s' missing or out of order in:\n%s",
                      want[i], err);
        at = p;
    }
    ck_assert_ptr_nonnull(strstr(err, "from the child"));
    ck_assert_ptr_null(strstr(strstr(err, "from the child") + 1,
                              "from the child"));   /* written once */
    free(err);
}
END_TEST

START_TEST(json_mode_prints_events_on_stdout)
{
    hp_ctx *c = open_ctx("", HP_ROLE_USER);
    c->json = 1;
    struct capture k;
    cap_begin(&k, 1);
    hp_event(c, HP_EV_PROMPT, HP_TASK_CLI_LINKS, HP_VIA_NONE, "/usr/local/bin",
             "message");
    char *out = cap_end(&k);
    hp_ctx_close(c);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "%s", out);
    ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "prompt");
    json_decref(j);
    free(out);
}
END_TEST

/* ---- logs (item 42) ------------------------------------------------------ */

START_TEST(log_lines_cannot_be_forged)
{
    struct capture k;
    cap_begin(&k, 2);
    hp_log(NULL, HP_LOG_WARN, "user %s", "x\nhostpriv: fake line\x1b[2J\r"
           "\xc2\x9b" "31m\xff");
    char *err = cap_end(&k);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1,
                  "more than one line: %s", err);
    ck_assert_ptr_null(strchr(err, '\x1b'));
    ck_assert_ptr_null(strchr(err, '\r'));
    ck_assert_ptr_null(strstr(err, "\xc2\x9b"));
    ck_assert_ptr_nonnull(strstr(err, "warning: user x\\nhostpriv: fake "
                                      "line\\x1b[2J\\r\\xc2\\x9b31m\\xff"));
    ck_assert_ptr_nonnull(strstr(err, program_invocation_short_name));
    free(err);
}
END_TEST

START_TEST(notice_reaches_stderr_and_errmsg)
{
    hp_ctx *c = open_ctx("", HP_ROLE_USER);
    struct capture k;
    cap_begin(&k, 2);
    hp_notice(c, "add %s to PATH", "~/.docker/bin");
    char *err = cap_end(&k);
    ck_assert_ptr_nonnull(strstr(err, "add ~/.docker/bin to PATH"));
    ck_assert_str_eq(hp_errmsg(c), "add ~/.docker/bin to PATH");
    hp_err_set(&c->err, HP_EFAIL, "the real failure");
    cap_begin(&k, 2);
    hp_notice(c, "later notice");
    free(cap_end(&k));
    ck_assert_str_eq(hp_errmsg(c), "the real failure");
    hp_ctx_close(c);
    free(err);
}
END_TEST

Suite *make_events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *t = tcase_create("json");
    tcase_add_test(t, names_of_the_contract);
    tcase_add_test(t, escapes_controls_quotes_backslash);
    tcase_add_test(t, invalid_utf8_becomes_replacement);
    tcase_add_test(t, escape_always_yields_valid_json);
    tcase_add_test(t, escape_is_snprintf_like);
    tcase_add_test(t, event_line_format);
    suite_add_tcase(s, t);

    t = tcase_create("writing");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, event_goes_to_the_event_log);
    tcase_add_test(t, concurrent_writers_do_not_interleave);
    tcase_add_test(t, root_roles_log_events_instead);
    tcase_add_test(t, held_lines_wait_and_keep_order);
    tcase_add_test(t, json_mode_prints_events_on_stdout);
    suite_add_tcase(s, t);

    t = tcase_create("log");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, log_lines_cannot_be_forged);
    tcase_add_test(t, notice_reaches_stderr_and_errmsg);
    suite_add_tcase(s, t);
    return s;
}
