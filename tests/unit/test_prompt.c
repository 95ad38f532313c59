/* Prompts: every backend granted / declined / timed out, no
 * terminal, answers exhausted, the embedder's callback; every prompt emits
 * `prompt` (its message in detail) then its answer, and what the user sees
 * names the task and the paths.  A command that outlives the timeout is
 * killed with its whole process group.  A prompt that cannot be shown (no
 * terminal, no dialog) is unavailable, not declined: a `failed` event
 * with detail prompt-unavailable, and no decision recorded after it. */
#include "testutil.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "auth/prompt.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MSG "Docker needs to create links in /usr/local/bin: " \
            "/usr/local/bin/docker -> /Applications/Docker.app/Contents/" \
            "Resources/bin/docker"

static char root[PATH_MAX];
static char evlog[PATH_MAX];

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    snprintf(evlog, sizeof evlog, "%s/events.jsonl", root);
}

static void teardown(void)
{
    tu_sandbox_rm(root);
}

/* A context on the sandbox with prompt settings from `sets`. */
static hp_ctx *open_ctx(const char *const *extra)
{
    const char *sets[16];
    char ev[PATH_MAX + 32];
    size_t n = 0;
    snprintf(ev, sizeof ev, "core.event_log=%s", evlog);
    sets[n++] = ev;
    sets[n++] = "host.platform=linux";
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        sets[n++] = extra[i];
    sets[n] = NULL;
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    int rc = hp_ctx_open(&c, &o, &e);
    ck_assert_msg(rc == HP_OK, "hp_ctx_open: %s", e.msg);
    return c;
}

/* The event log's text (flushed by closing the context first). */
static char *events(void)
{
    char *t = tu_read(root, "/events.jsonl", NULL);
    return t ? t : strdup("");
}

/* ------------------------------------------------------------- answers */

START_TEST(answers_per_task_and_in_order)
{
    hp_err e = HP_ERR_INIT;
    size_t used = 0;
    const char *list = "cli-links=no yes, timeout";
    /* the task's own answer, however often it is asked; consumes nothing */
    ck_assert_int_eq(hp_prompt_answers(list, &used, "cli-links", &e),
                     HP_PROMPT_DECLINED);
    ck_assert_int_eq(hp_prompt_answers(list, &used, "cli-links", &e),
                     HP_PROMPT_DECLINED);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(hp_prompt_answers(list, &used, "hosts", &e),
                     HP_PROMPT_GRANTED);
    ck_assert_int_eq(hp_prompt_answers(list, &used, "helper", &e),
                     HP_PROMPT_TIMED_OUT);
    ck_assert_uint_eq(used, 2);
    /* exhausted: declined, and the message says so */
    ck_assert_int_eq(hp_prompt_answers(list, &used, "policy", &e),
                     HP_PROMPT_DECLINED);
    ck_assert_ptr_nonnull(strstr(e.msg, "no answers left"));
}
END_TEST

START_TEST(answers_malformed)
{
    hp_err e = HP_ERR_INIT;
    size_t used = 0;
    const char *bad[] = { "maybe", "cli-links=perhaps", "bogus=yes", "=yes",
                          "yes no Y", NULL };
    for (size_t i = 0; bad[i]; i++) {
        ck_assert_msg(hp_prompt_answers_valid(bad[i], &e) == HP_ECONFIG,
                      "'%s' accepted", bad[i]);
        ck_assert_int_eq(hp_prompt_answers(bad[i], &used, "hosts", &e),
                         HP_ECONFIG);
    }
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(hp_prompt_answers_valid("", &e), HP_OK);
    ck_assert_int_eq(hp_prompt_answers_valid("yes,no timeout hosts=yes",
                                             &e), HP_OK);
}
END_TEST

/* hp_prompt_ask through the answers backend: events and counters. */
START_TEST(ask_emits_events)
{
    const char *sets[] = { "prompt.backend=answers",
                           "prompt.answers=yes,timeout", NULL };
    hp_ctx *c = open_ctx(sets);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_CLI_LINKS, MSG),
                     HP_PROMPT_GRANTED);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_HELPER, "Start the helper "
                                   "/Library/PrivilegedHelperTools/"
                                   "com.docker.vmnetd"),
                     HP_PROMPT_TIMED_OUT);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_HOSTS, "Add localhost to "
                                   "/etc/hosts"), HP_PROMPT_DECLINED);
    ck_assert_int_eq(c->prompts_asked, 3);
    hp_ctx_close(c);
    char *ev = events();
    /* prompt, then its answer, for each */
    const char *want[] = {
        "\"event\":\"prompt\",\"task\":\"cli-links\"",
        "/usr/local/bin/docker -> /Applications/Docker.app",
        "\"event\":\"granted\",\"task\":\"cli-links\"",
        "\"event\":\"prompt\",\"task\":\"helper\"",
        "\"event\":\"timed-out\",\"task\":\"helper\"",
        "\"event\":\"prompt\",\"task\":\"hosts\"",
        "\"event\":\"declined\",\"task\":\"hosts\"",
        "no answers left",
        NULL };
    const char *p = ev;
    for (size_t i = 0; want[i]; i++) {
        const char *hit = strstr(p, want[i]);
        ck_assert_msg(hit != NULL, "event log lacks (in order) %s:\n%s",
                      want[i], ev);
        p = hit;
    }
    free(ev);
}
END_TEST

START_TEST(allow_and_deny)
{
    const char *a[] = { "prompt.backend=allow", NULL };
    const char *d[] = { "prompt.backend=deny", NULL };
    hp_ctx *c = open_ctx(a);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_POLICY, "Cache the policy in "
                                   "/var/lib/hostpriv"), HP_PROMPT_GRANTED);
    hp_ctx_close(c);
    c = open_ctx(d);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_POLICY, "Cache the policy in "
                                   "/var/lib/hostpriv"), HP_PROMPT_DECLINED);
    hp_ctx_close(c);
    char *ev = events();
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"granted\",\"task\":\"policy\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"declined\",\"task\":\"policy\""));
    ck_assert_ptr_nonnull(strstr(ev, "/var/lib/hostpriv"));
    free(ev);
}
END_TEST

/* ------------------------------------------------------------ callback */

static char cb_task[64], cb_msg[512];
static int cb_answer;

static int callback(void *data, const char *task, const char *message)
{
    ++*(int *)data;
    snprintf(cb_task, sizeof cb_task, "%s", task);
    snprintf(cb_msg, sizeof cb_msg, "%s", message);
    return cb_answer;
}

START_TEST(callback_answers)
{
    const char *sets[] = { "prompt.backend=deny", NULL };   /* not used */
    hp_ctx *c = open_ctx(sets);
    int calls = 0;
    ck_assert_int_eq(hp_set_prompt(c, callback, &calls), HP_OK);
    cb_answer = HP_PROMPT_GRANTED;
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_CLI_LINKS, MSG),
                     HP_PROMPT_GRANTED);
    ck_assert_str_eq(cb_task, "cli-links");
    ck_assert_str_eq(cb_msg, MSG);
    cb_answer = HP_PROMPT_TIMED_OUT;
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_HOSTS, "x"),
                     HP_PROMPT_TIMED_OUT);
    cb_answer = 42;         /* not an answer: a no */
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_HOSTS, "y"),
                     HP_PROMPT_DECLINED);
    ck_assert_int_eq(c->prompt_unavailable, 0);
    cb_answer = HP_PROMPT_UNAVAILABLE;  /* the app cannot show its dialog */
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_POLICY, "z"),
                     HP_PROMPT_UNAVAILABLE);
    ck_assert_int_eq(c->prompt_unavailable, 1);
    ck_assert_int_eq(calls, 4);
    hp_ctx_close(c);
    char *ev = events();
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"granted\",\"task\":\"cli-links\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"timed-out\",\"task\":\"hosts\""));
    ck_assert_ptr_nonnull(strstr(ev, "returned 42"));
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"failed\",\"task\":\"policy\""));
    ck_assert_ptr_null(strstr(ev, "\"event\":\"declined\",\"task\":\"policy\""));
    free(ev);
}
END_TEST

/* ------------------------------------------------------------- command */

START_TEST(command_granted_with_task_and_message)
{
    hp_err e = HP_ERR_INIT;
    /* $1/$2 and the environment carry the task and the message */
    const char *cmd = "test \"$1\" = cli-links && "
                      "test \"$HOSTPRIV_TASK\" = cli-links && "
                      "test \"$2\" = \"$HOSTPRIV_MESSAGE\" && "
                      "case \"$2\" in *'/usr/local/bin/docker'*) exit 0;; "
                      "esac; exit 9";
    ck_assert_int_eq(hp_prompt_command(cmd, "cli-links", MSG, 10, &e),
                     HP_PROMPT_GRANTED);
    /* the same command with another task says no */
    ck_assert_int_eq(hp_prompt_command(cmd, "hosts", MSG, 10, &e),
                     HP_PROMPT_DECLINED);
    ck_assert_str_eq(e.msg, "command exited 9");
}
END_TEST

START_TEST(command_declined)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_prompt_command("exit 3", "hosts", "m", 10, &e),
                     HP_PROMPT_DECLINED);
    ck_assert_str_eq(e.msg, "command exited 3");
    ck_assert_int_eq(hp_prompt_command("/nonexistent/zenity", "hosts", "m",
                                       10, &e), HP_PROMPT_DECLINED);
    ck_assert_str_eq(e.msg, "command exited 127");
    ck_assert_int_eq(hp_prompt_command("kill -9 $$", "hosts", "m", 10, &e),
                     HP_PROMPT_DECLINED);
    ck_assert_ptr_nonnull(strstr(e.msg, "signal 9"));
    /* no dialog to run: nobody was asked */
    ck_assert_int_eq(hp_prompt_command("", "hosts", "m", 10, &e),
                     HP_PROMPT_UNAVAILABLE);
    ck_assert_int_eq(e.code, HP_EUNAVAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "prompt.command is empty"));
}
END_TEST

/* With SIGCHLD ignored the kernel reaps the command itself and its exit
 * status is lost: that must read as a no, never as exit 0. */
START_TEST(command_status_lost_is_no)
{
    hp_err e = HP_ERR_INIT;
    signal(SIGCHLD, SIG_IGN);
    int r = hp_prompt_command("exit 0", "hosts", "m", 10, &e);
    signal(SIGCHLD, SIG_DFL);
    ck_assert_int_eq(r, HP_PROMPT_DECLINED);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot read how"));
}
END_TEST

/* Live (not zombie) processes whose process group is pgid. */
static int live_in_group(pid_t pgid)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        char p[300], buf[512];
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        snprintf(p, sizeof p, "/proc/%s/stat", de->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        size_t r = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[r] = '\0';
        char *rp = strrchr(buf, ')');
        char state;
        int ppid, pgrp;
        if (rp && sscanf(rp + 2, "%c %d %d", &state, &ppid, &pgrp) == 3 &&
            pgrp == pgid && state != 'Z' && state != 'X')
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

START_TEST(command_timeout_kills_group)
{
    /* orphans of the group come back to us, so nothing is left behind */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    char pgfile[PATH_MAX + 16], cmd[PATH_MAX * 2];
    snprintf(pgfile, sizeof pgfile, "%s/pgid", root);
    /* a dialog that never answers, with a child of its own; the shell
     * ignores SIGTERM so only the SIGKILL that follows gets it */
    snprintf(cmd, sizeof cmd, "trap '' TERM; sleep 300 & sleep 301 & "
             "echo $$ > '%s'; wait; exit 0", pgfile);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_prompt_command(cmd, "helper", "m", 2, &e),
                     HP_PROMPT_TIMED_OUT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no answer in 2 s"));
    char *t = tu_read(root, "/pgid", NULL);
    ck_assert_ptr_nonnull(t);
    pid_t pgid = (pid_t)atoi(t);
    free(t);
    ck_assert_int_gt(pgid, 1);
    /* The shell's children are ours now (subreaper).  Reaping them waits
     * until they are dead: if the group had not been killed, this would
     * block for minutes and the test time out.  Each was killed. */
    int st, reaped = 0;
    pid_t r;
    while ((r = waitpid(-pgid, &st, 0)) > 0 || (r < 0 && errno == EINTR)) {
        if (r < 0)
            continue;
        ck_assert_msg(WIFSIGNALED(st), "a group member exited on its own");
        reaped++;
    }
    ck_assert_int_eq(reaped, 2);
    ck_assert_int_eq(live_in_group(pgid), 0);
}
END_TEST

START_TEST(command_timeout_via_ask)
{
    const char *sets[] = { "prompt.backend=command",
                           "prompt.command=sleep 300", "prompt.timeout=1",
                           NULL };
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    hp_ctx *c = open_ctx(sets);
    ck_assert_int_eq(hp_prompt_ask(c, HP_TASK_HELPER, "Start the helper"),
                     HP_PROMPT_TIMED_OUT);
    hp_ctx_close(c);
    char *ev = events();
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"timed-out\",\"task\":\"helper\""));
    ck_assert_ptr_nonnull(strstr(ev, "no answer in 1 s"));
    free(ev);
}
END_TEST

/* ----------------------------------------------------------------- tty */

/* Runs hp_prompt_tty in a child whose controlling terminal is a pty we
 * hold the master of; `answer` (NULL: none) is typed once the question is
 * shown.  Returns the child's result; *shown gets what it printed. */
static int tty_prompt(const char *message, const char *answer, int timeout,
                      char *shown, size_t n)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(m, 0);
    ck_assert_int_eq(grantpt(m), 0);
    ck_assert_int_eq(unlockpt(m), 0);
    char *sname = ptsname(m);
    ck_assert_ptr_nonnull(sname);
    /* held open here too: until the child opens its side, the master
     * would otherwise read as hung up */
    int keep = open(sname, O_RDWR | O_NOCTTY);
    ck_assert_int_ge(keep, 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setsid();
        int s = open(sname, O_RDWR);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
            _exit(100);
        close(s);
        hp_err e = HP_ERR_INIT;
        _exit(hp_prompt_tty("cli-links", message, timeout, &e));
    }
    size_t got = 0;
    shown[0] = '\0';
    while (!strstr(shown, "[y/N]") && got + 1 < n) {
        struct pollfd p = { .fd = m, .events = POLLIN };
        if (poll(&p, 1, 10000) <= 0)
            break;
        ssize_t r = read(m, shown + got, n - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        shown[got] = '\0';
    }
    if (answer)
        ck_assert(write(m, answer, strlen(answer)) == (ssize_t)strlen(answer));
    int st;
    waitpid(pid, &st, 0);
    close(keep);
    close(m);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

START_TEST(tty_granted_shows_task_and_paths)
{
    char shown[4096];
    ck_assert_int_eq(tty_prompt(MSG, "yes\n", 10, shown, sizeof shown),
                     HP_PROMPT_GRANTED);
    ck_assert_msg(strstr(shown, "cli-links") != NULL, "shown: [%s]", shown);
    ck_assert_ptr_nonnull(strstr(shown, "/usr/local/bin/docker"));
    ck_assert_int_eq(tty_prompt(MSG, "  Y \n", 10, shown, sizeof shown),
                     HP_PROMPT_GRANTED);
}
END_TEST

START_TEST(tty_declined)
{
    char shown[4096];
    ck_assert_int_eq(tty_prompt(MSG, "no\n", 10, shown, sizeof shown),
                     HP_PROMPT_DECLINED);
    ck_assert_int_eq(tty_prompt(MSG, "yess\n", 10, shown, sizeof shown),
                     HP_PROMPT_DECLINED);
    ck_assert_int_eq(tty_prompt(MSG, "\n", 10, shown, sizeof shown),
                     HP_PROMPT_DECLINED);
}
END_TEST

START_TEST(tty_timed_out)
{
    char shown[4096];
    ck_assert_int_eq(tty_prompt(MSG, NULL, 1, shown, sizeof shown),
                     HP_PROMPT_TIMED_OUT);
    ck_assert_ptr_nonnull(strstr(shown, "1 s"));
}
END_TEST

/* A message cannot drive the terminal (escape sequences shown as '?'). */
START_TEST(tty_escapes_neutralised)
{
    char shown[4096];
    ck_assert_int_eq(tty_prompt("path /Users/a\033[2J\033]0;pwned\007b",
                                "no\n", 10, shown, sizeof shown),
                     HP_PROMPT_DECLINED);
    ck_assert_ptr_null(strchr(shown, '\033'));
    ck_assert_ptr_null(strchr(shown, '\007'));
    ck_assert_msg(strstr(shown, "/Users/a?[2J?]0;pwned?b") != NULL,
                  "shown: [%s]", shown);
}
END_TEST

static int no_tty_child(void *arg)
{
    (void)arg;
    hp_err e = HP_ERR_INIT;
    int r = hp_prompt_tty("cli-links", MSG, 5, &e);
    if (r != HP_PROMPT_UNAVAILABLE)
        return 10 + r;
    if (e.code != HP_EUNAVAIL)
        return 30;
    /* says why, and how to answer instead */
    return strstr(e.msg, "no terminal") && strstr(e.msg, "prompt.backend")
           ? 0 : 20;
}

START_TEST(tty_no_terminal)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setsid();           /* no controlling terminal: /dev/tty fails */
        _exit(no_tty_child(NULL));
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

/* The tty backend through hp_prompt_ask without a terminal: no answer,
 * not a no.  The `failed` event says prompt-unavailable and why, the
 * context's error is "service unavailable" (exit 69), and no decision can
 * be recorded for the rest of the run, whatever a plugin makes of it. */
static int ask_without_terminal(void)
{
    setsid();
    const char *sets[] = { "prompt.backend=tty", NULL };
    hp_ctx *c = open_ctx(sets);
    int r = hp_prompt_ask(c, HP_TASK_HOSTS, "Add localhost to /etc/hosts");
    int bad = c->err.code != HP_EUNAVAIL ? 1 : 0;
    const hp_host_api *api = hp_host_api_get();
    if (api->decision_set(hp_host_of(c), "cli-links", "declined") !=
        HP_EUNAVAIL)
        bad |= 2;
    hp_ctx_close(c);
    return bad ? 100 + bad : r;
}

START_TEST(ask_tty_no_terminal_event)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(ask_without_terminal());
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), HP_PROMPT_UNAVAILABLE);
    char *ev = events();
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"prompt\",\"task\":\"hosts\""));
    ck_assert_ptr_nonnull(strstr(ev, "/etc/hosts"));
    ck_assert_ptr_nonnull(strstr(ev, "\"event\":\"failed\",\"task\":\"hosts\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"detail\":\"prompt-unavailable: no "
                                     "terminal"));
    ck_assert_ptr_null(strstr(ev, "\"event\":\"declined\""));
    free(ev);
}
END_TEST

Suite *make_prompt_suite(void)
{
    Suite *s = suite_create("prompt");
    TCase *t = tcase_create("answers");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, answers_per_task_and_in_order);
    tcase_add_test(t, answers_malformed);
    tcase_add_test(t, ask_emits_events);
    tcase_add_test(t, allow_and_deny);
    suite_add_tcase(s, t);

    t = tcase_create("callback");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, callback_answers);
    suite_add_tcase(s, t);

    t = tcase_create("command");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, command_granted_with_task_and_message);
    tcase_add_test(t, command_declined);
    tcase_add_test(t, command_status_lost_is_no);
    tcase_add_test(t, command_timeout_kills_group);
    tcase_add_test(t, command_timeout_via_ask);
    suite_add_tcase(s, t);

    t = tcase_create("tty");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, tty_granted_shows_task_and_paths);
    tcase_add_test(t, tty_declined);
    tcase_add_test(t, tty_timed_out);
    tcase_add_test(t, tty_escapes_neutralised);
    tcase_add_test(t, tty_no_terminal);
    tcase_add_test(t, ask_tty_no_terminal_event);
    suite_add_tcase(s, t);
    return s;
}
