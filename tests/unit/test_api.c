/* The embedding API as an app sees it, through <hostpriv/hostpriv.h>
 * only: prompt answers that cannot be mistaken (C's "true" grants, an
 * unknown value is a no with a warning), events and notices through the
 * app's callbacks instead of stderr, hp_errmsg() empty after success, a
 * name refused as a bind address, options that name the key to set. */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hostpriv/hostpriv.h>
#include "testutil.h"

static char root[PATH_MAX], pdir[PATH_MAX + 8];

/* What the app's callbacks saw. */
typedef struct rec {
    int answer;                 /* what the dialog returns */
    int asked;
    char events[1024];          /* event names, space-separated */
    char warning[1024];         /* detail of the last `warning` */
    char json[4096];            /* the last event's JSON */
    char logs[4096];            /* "LEVEL:message\n" */
} rec;

static int dialog(void *data, const char *task, const char *message)
{
    rec *r = data;
    (void)task;
    (void)message;
    r->asked++;
    return r->answer;
}

static void on_event(void *data, const hp_event_info *ev)
{
    rec *r = data;
    strncat(r->events, ev->event, sizeof r->events - strlen(r->events) - 2);
    strcat(r->events, " ");
    if (ev->kind == HP_EV_WARNING)
        snprintf(r->warning, sizeof r->warning, "%s", ev->detail);
    snprintf(r->json, sizeof r->json, "%s", ev->json);
}

static void on_log(void *data, int level, const char *message)
{
    rec *r = data;
    size_t l = strlen(r->logs);
    snprintf(r->logs + l, sizeof r->logs - l, "%d:%s\n", level, message);
}

static void stage(const char *name)
{
    char src[PATH_MAX], rel[64], hp[PATH_MAX];
    size_t len;
    snprintf(rel, sizeof rel, "tests/plugins/%s.so", name);
    char *so = tu_read("", tu_build(rel, src, sizeof src), &len);
    ck_assert_ptr_nonnull(so);
    snprintf(hp, sizeof hp, "/p/%s.so", name);
    tu_write(root, hp, so, len, 0755, 0, 0);
    free(so);
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_prompt");
    stage("tp_prompt_old");
    snprintf(pdir, sizeof pdir, "%s/p", root);
}

static void teardown(void) { tu_sandbox_rm(root); }

/* A handle on the test plugin `plugin` with every callback recording
 * into r; extra is one more "key=value" (may be NULL). */
static hp_ctx *open_app(rec *r, const char *plugin, const char *extra)
{
    char pick[96];
    snprintf(pick, sizeof pick, "core.plugin=%s", plugin);
    const char *settings[] = { pick, extra, NULL };
    hp_options o = HP_OPTIONS_INIT;
    o.root = root;
    o.plugin_dir = pdir;
    o.settings = settings;
    o.flags = HP_OPEN_NO_USER_CONFIG;
    o.prompt = dialog;
    o.prompt_data = r;
    o.event = on_event;
    o.event_data = r;
    o.log = on_log;
    o.log_data = r;
    hp_ctx *c = NULL;
    char *err = NULL;
    int rc = hp_open_with(&c, &o, &err);
    ck_assert_msg(rc == HP_OK, "hp_open_with: %d %s", rc, err);
    ck_assert_ptr_null(err);
    return c;
}

static int launch(const char *plugin, int answer, rec *r)
{
    memset(r, 0, sizeof *r);
    r->answer = answer;
    hp_ctx *c = open_app(r, plugin, NULL);
    int rc = hp_start(c);
    hp_close(c);
    return rc;
}

START_TEST(c_true_grants_and_false_declines)
{
    rec r;
    ck_assert_int_eq(HP_PROMPT_GRANTED, 1);
    ck_assert_int_eq(HP_PROMPT_DECLINED, 0);
    ck_assert_int_eq(launch("tp-prompt", 1, &r), HP_OK);
    ck_assert_str_eq(r.events, "prompt granted ");
    ck_assert_int_eq(r.asked, 1);
    ck_assert_int_eq(launch("tp-prompt", 0, &r), HP_EDENIED);
    ck_assert_str_eq(r.events, "prompt declined ");
    ck_assert_int_eq(launch("tp-prompt", HP_PROMPT_TIMED_OUT, &r), HP_EFAIL);
    ck_assert_str_eq(r.events, "prompt timed-out ");
    ck_assert_int_eq(launch("tp-prompt", HP_PROMPT_UNAVAILABLE, &r),
                     HP_EUNAVAIL);
}
END_TEST

START_TEST(unknown_answer_declines_with_warning)
{
    static const int odd[] = { 42, -1, 100, 4 };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        rec r;
        char want[64];
        ck_assert_int_eq(launch("tp-prompt", odd[i], &r), HP_EDENIED);
        ck_assert_str_eq(r.events, "prompt warning declined ");
        snprintf(want, sizeof want, "returned %d, which is not an answer",
                 odd[i]);
        ck_assert_msg(strstr(r.warning, want) &&
                      strstr(r.warning, "counted as declined"),
                      "warning: %s", r.warning);
    }
}
END_TEST

/* A plugin built against plugin.h 1.1 knew granted as 0: it is handed
 * that, so the app's "yes" is still a yes there. */
START_TEST(older_plugin_gets_the_values_it_was_built_with)
{
    rec r;
    ck_assert_int_eq(launch("tp-prompt-old", HP_PROMPT_GRANTED, &r), HP_OK);
    ck_assert_str_eq(r.events, "prompt granted ");
    ck_assert_int_eq(launch("tp-prompt-old", HP_PROMPT_DECLINED, &r),
                     HP_EDENIED);
    ck_assert_str_eq(r.events, "prompt declined ");
}
END_TEST

/* Run hp_start on c with stderr in a file; returns what was written. */
static char *start_capturing_stderr(hp_ctx *c, int *rc)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/stderr", root);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    dup2(fd, 2);
    *rc = hp_start(c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    char *text = tu_read("", path, NULL);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(events_and_notices_reach_the_callbacks_not_stderr)
{
    rec r;
    char log[PATH_MAX + 32];
    memset(&r, 0, sizeof r);
    r.answer = HP_PROMPT_GRANTED;
    snprintf(log, sizeof log, "core.event_log=%s/events.log", root);
    hp_ctx *c = open_app(&r, "tp-prompt", log);
    int rc;
    char *err = start_capturing_stderr(c, &rc);
    ck_assert_int_eq(rc, HP_OK);
    ck_assert_msg(err[0] == '\0', "stderr: %s", err);
    free(err);
    char want[128];
    snprintf(want, sizeof want, "%d:tp-prompt: a notice for the user\n",
             HP_LOG_NOTICE);
    ck_assert_msg(strstr(r.logs, want), "logs: %s", r.logs);
    /* the callback's JSON is the event log's line, a valid object */
    char *file = tu_read(root, "/events.log", NULL);
    ck_assert_ptr_nonnull(file);
    char *last = strstr(file, r.json);
    ck_assert_msg(last && last[strlen(r.json)] == '\n', "%s vs %s", r.json,
                  file);
    json_error_t je;
    json_t *j = json_loads(r.json, 0, &je);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "event")),
                     "granted");
    ck_assert_str_eq(json_string_value(json_object_get(j, "task")),
                     "cli-links");
    ck_assert_str_eq(json_string_value(json_object_get(j, "plugin")),
                     "tp-prompt");
    json_decref(j);
    free(file);
    /* no log callback: the notice goes to stderr as before */
    ck_assert_int_eq(hp_set_log_callback(c, NULL, NULL), HP_OK);
    err = start_capturing_stderr(c, &rc);
    ck_assert_msg(strstr(err, "a notice for the user"), "stderr: %s", err);
    free(err);
    hp_close(c);
}
END_TEST

START_TEST(errmsg_is_empty_after_success)
{
    rec r;
    memset(&r, 0, sizeof r);
    r.answer = HP_PROMPT_DECLINED;
    hp_ctx *c = open_app(&r, "tp-prompt", NULL);
    ck_assert_str_eq(hp_errmsg(c), "");
    ck_assert_int_eq(hp_start(c), HP_EDENIED);
    ck_assert_str_ne(hp_errmsg(c), "");
    r.answer = HP_PROMPT_GRANTED;
    /* success after a failure, with a notice on the way: "" */
    ck_assert_int_eq(hp_start(c), HP_OK);
    ck_assert_str_eq(hp_errmsg(c), "");
    hp_close(c);
}
END_TEST

START_TEST(bind_port_refuses_a_name)
{
    rec r;
    memset(&r, 0, sizeof r);
    hp_ctx *c = open_app(&r, "tp-prompt", NULL);
    int fd = 7;
    ck_assert_int_eq(hp_bind_port(c, HP_SOCK_TCP, "localhost", 80, &fd),
                     HP_EUSAGE);
    ck_assert_int_eq(fd, -1);
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "numeric"));
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "'localhost'"));
    /* the version has no bind op: said, with the documented event */
    ck_assert_int_eq(hp_bind_port(c, HP_SOCK_TCP, "127.0.0.1", 80, &fd),
                     HP_ENOTSUP);
    ck_assert_str_eq(r.events, "skipped ");
    hp_close(c);
}
END_TEST

START_TEST(open_names_the_key_to_set)
{
    hp_options o = HP_OPTIONS_INIT;
    char missing[PATH_MAX + 16], *err = NULL;
    hp_ctx *c = (hp_ctx *)1;
    snprintf(missing, sizeof missing, "%s/nowhere", root);
    o.root = root;
    o.plugin_dir = missing;
    o.flags = HP_OPEN_NO_USER_CONFIG;
    ck_assert_int_eq(hp_open_with(&c, &o, &err), HP_ECONFIG);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(err, missing) && strstr(err, "core.plugin_dir") &&
                  strstr(err, "hp_options.plugin_dir"), "%s", err);
    free(err);
    /* options not initialised: said how */
    o.size = 0;
    ck_assert_int_eq(hp_open_with(&c, &o, &err), HP_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err, "HP_OPTIONS_INIT"));
    free(err);
}
END_TEST

/* hostpriv(3) THREADS: distinct handles work at once from different
 * threads, each with its own callbacks, which run on the calling thread. */
struct worker { rec r; pthread_t self; int wrong_thread, failures; };

static void thread_event(void *data, const hp_event_info *ev)
{
    struct worker *w = data;
    (void)ev;
    w->wrong_thread += !pthread_equal(pthread_self(), w->self);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    w->self = pthread_self();
    w->r.answer = HP_PROMPT_GRANTED;
    hp_ctx *c = open_app(&w->r, "tp-prompt", NULL);
    hp_set_event_callback(c, thread_event, w);
    for (int i = 0; i < 50; i++)
        w->failures += hp_start(c) != HP_OK;
    hp_close(c);
    return NULL;
}

START_TEST(handles_in_threads_are_independent)
{
    struct worker w[4];
    memset(w, 0, sizeof w);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(w[i].failures, 0);
        ck_assert_int_eq(w[i].r.asked, 50);     /* its own dialog only */
        ck_assert_int_eq(w[i].wrong_thread, 0);
    }
}
END_TEST

START_TEST(version_is_the_headers)
{
    ck_assert_str_eq(hp_version(), HOSTPRIV_VERSION_STRING);
    ck_assert_int_eq(hp_version_number(), HOSTPRIV_VERSION_NUMBER);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", HOSTPRIV_VERSION_MAJOR,
             HOSTPRIV_VERSION_MINOR, HOSTPRIV_VERSION_PATCH);
    ck_assert_str_eq(hp_version(), want);
}
END_TEST

Suite *make_api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("app");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, c_true_grants_and_false_declines);
    tcase_add_test(tc, unknown_answer_declines_with_warning);
    tcase_add_test(tc, older_plugin_gets_the_values_it_was_built_with);
    tcase_add_test(tc, events_and_notices_reach_the_callbacks_not_stderr);
    tcase_add_test(tc, errmsg_is_empty_after_success);
    tcase_add_test(tc, bind_port_refuses_a_name);
    tcase_add_test(tc, open_names_the_key_to_set);
    tcase_add_test(tc, handles_in_threads_are_independent);
    tcase_add_test(tc, version_is_the_headers);
    suite_add_tcase(s, tc);
    return s;
}
