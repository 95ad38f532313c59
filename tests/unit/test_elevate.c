/* Elevation: privileged task names, the command line built from
 * elevate.command (shell-style words; the osascript wrapper's quoting,
 * proved by running the command it wraps through /bin/sh), the per
 * platform default, and hp_elevate_run: the data on stdin, --root/-c
 * passed on, and every exit status mapped to its hp_code. */
#include "testutil.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "auth/elevate.h"
#include "engine/config.h"
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[PATH_MAX];

static void setup(void) { tu_sandbox(root, sizeof root); }
static void teardown(void) { tu_sandbox_rm(root); }

/* ---------------------------------------------------------------- names */

START_TEST(names_round_trip)
{
    static const char *const want[] = {
        "cli-links", "cli-links-remove", NULL, NULL, "docker-socket",
        "docker-socket-remove", "boot", "hosts", "hosts-remove", "policy",
        "helper-install", "helper-start", "helper-uninstall", "uninstall",
        NULL };
    ck_assert_int_eq(sizeof want / sizeof want[0], HP_ACT__COUNT);
    for (int a = 0; a < HP_ACT__COUNT; a++) {
        if (!want[a]) {
            ck_assert_ptr_null(hp_action_name(a));
            continue;
        }
        ck_assert_str_eq(hp_action_name(a), want[a]);
        ck_assert_int_eq(hp_action_from_name(want[a]), a);
        ck_assert_int_ge(hp_action_task(a), 0);
    }
    ck_assert_int_eq(hp_action_task(HP_ACT_LINKS_SYSTEM), HP_TASK_CLI_LINKS);
    ck_assert_int_eq(hp_action_task(HP_ACT_BOOT), HP_TASK_DOCKER_SOCKET);
    ck_assert_int_eq(hp_action_task(HP_ACT_POLICY_SET), HP_TASK_POLICY);
    ck_assert_int_eq(hp_action_task(HP_ACT_HELPER_START), HP_TASK_HELPER);
    ck_assert_int_eq(hp_action_task(HP_ACT_UNINSTALL), HP_TASK_UNINSTALL);
    const char *bad[] = { "", "nope", "CLI-LINKS", "cli-links ", "helper",
                          "privileged-port", NULL };
    for (size_t i = 0; bad[i]; i++)
        ck_assert_int_eq(hp_action_from_name(bad[i]), -1);
    ck_assert_int_eq(hp_action_from_name(NULL), -1);
    ck_assert_ptr_null(hp_action_name(-1));
    ck_assert_ptr_null(hp_action_name(HP_ACT__COUNT));
    ck_assert_int_eq(hp_action_task(HP_ACT__COUNT), -1);
}
END_TEST

/* ----------------------------------------------------------------- argv */

static void argv_is(char **argv, const char *const *want)
{
    size_t i;
    for (i = 0; want[i]; i++) {
        ck_assert_msg(argv[i] != NULL, "argv ends at %zu, want '%s'", i,
                      want[i]);
        ck_assert_str_eq(argv[i], want[i]);
    }
    ck_assert_ptr_null(argv[i]);
}

START_TEST(argv_words)
{
    char **argv;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_elevate_argv("sudo -n", "/opt/hp/hostpriv", "policy",
                                     "/tmp/sb", "/tmp/sb/app.ini", &argv, &e),
                     HP_OK);
    const char *w1[] = { "sudo", "-n", "/opt/hp/hostpriv", "privileged",
                         "policy", "--root", "/tmp/sb", "-c",
                         "/tmp/sb/app.ini", NULL };
    argv_is(argv, w1);
    hp_argv_free(argv);
    /* quotes and backslashes as sh reads them; no --root/-c when absent */
    ck_assert_int_eq(hp_elevate_argv("  '/opt/my tools/doas'\t-u\" r\\\"t\""
                                     " a\\ b \"\\$x\" ''", "/hp", "hosts",
                                     NULL, "", &argv, &e), HP_OK);
    const char *w2[] = { "/opt/my tools/doas", "-u r\"t", "a b", "$x", "",
                         "/hp", "privileged", "hosts", NULL };
    argv_is(argv, w2);
    hp_argv_free(argv);
}
END_TEST

START_TEST(argv_refused)
{
    char **argv = (char **)1;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_elevate_argv("sudo 'oops", "/hp", "hosts", NULL,
                                     NULL, &argv, &e), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "unterminated"));
    ck_assert_ptr_null(argv);
    ck_assert_int_eq(hp_elevate_argv("sudo \"x", "/hp", "hosts", NULL, NULL,
                                     &argv, &e), HP_ECONFIG);
    ck_assert_int_eq(hp_elevate_argv("   ", "/hp", "hosts", NULL, NULL,
                                     &argv, &e), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "empty"));
    /* a relative CLI would be looked up in root's PATH: the key to set
     * is named */
    ck_assert_int_eq(hp_elevate_argv("sudo -n", "hostpriv", "hosts", NULL,
                                     NULL, &argv, &e), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "core.cli_program"));
    ck_assert_int_eq(hp_elevate_argv("sudo -n", "", "hosts", NULL, NULL,
                                     &argv, &e), HP_ECONFIG);
}
END_TEST

/* Undo the AppleScript string escapes (what the AppleScript compiler
 * does); fails the test on an unescaped quote, which would end the
 * literal early. */
static char *as_unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(s[i] != '"', "unescaped quote at %zu in %.*s", i,
                      (int)n, s);
        ck_assert_msg(s[i] != '\n', "raw newline in the script");
        if (s[i] != '\\') {
            *o++ = s[i];
            continue;
        }
        ck_assert_uint_lt(i + 1, n);
        char c = s[++i];
        *o++ = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        ck_assert_msg(strchr("nrt\\\"", c), "unknown escape \\%c", c);
    }
    *o = '\0';
    return out;
}

START_TEST(osascript_quoting)
{
    const char *words[] = { "/usr/bin/printf", "[%s]\\n", "a b", "it's",
                            "\"q\"", "back\\slash", "$HOME", "new\nline",
                            "`id`", "tab\there", "'", NULL };
    char **argv;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_elevate_osascript(words, &argv, &e), HP_OK);
    ck_assert_str_eq(argv[0], "osascript");
    ck_assert_str_eq(argv[1], "-e");
    ck_assert_ptr_null(argv[3]);
    const char *pre = "do shell script \"";
    const char *post = "\" with administrator privileges";
    const char *s = argv[2];
    size_t n = strlen(s);
    ck_assert_int_eq(strncmp(s, pre, strlen(pre)), 0);
    ck_assert_str_eq(s + n - strlen(post), post);
    char *cmd = as_unescape(s + strlen(pre), n - strlen(pre) - strlen(post));
    /* what `do shell script` would hand to sh */
    const char *sh[] = { "/bin/sh", "-c", cmd, NULL };
    char *out = NULL;
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, sh, NULL, &out, NULL), 0);
    ck_assert_str_eq(out, "[a b]\n[it's]\n[\"q\"]\n[back\\slash]\n[$HOME]\n"
                          "[new\nline]\n[`id`]\n[tab\there]\n[']\n");
    free(out);
    free(cmd);
    hp_argv_free(argv);
}
END_TEST

START_TEST(osascript_argv)
{
    char **argv;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_elevate_argv("osascript", "/Applications/Docker.app/"
                                     "Contents/MacOS/host priv", "policy",
                                     "/tmp/x\"y", NULL, &argv, &e), HP_OK);
    ck_assert_str_eq(argv[0], "osascript");
    ck_assert_str_eq(argv[2], "do shell script \"'/Applications/Docker.app/"
                              "Contents/MacOS/host priv' 'privileged' "
                              "'policy' '--root' '/tmp/x\\\"y'\" with "
                              "administrator privileges");
    hp_argv_free(argv);
}
END_TEST

START_TEST(default_per_platform)
{
    ck_assert_str_eq(hp_elevate_default("macos"), "osascript");
    char dir[PATH_MAX + 8], path[PATH_MAX + 16], old[4096];
    snprintf(old, sizeof old, "%s", getenv("PATH") ? getenv("PATH") : "");
    snprintf(dir, sizeof dir, "%s/bin", root);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    setenv("PATH", dir, 1);
    ck_assert_str_eq(hp_elevate_default("linux"), "sudo -n");
    snprintf(path, sizeof path, "%s/pkexec", dir);
    tu_write(root, "/bin/pkexec", "#!/bin/sh\n", 10, 0644, 0, 0);
    ck_assert_str_eq(hp_elevate_default("linux"), "sudo -n");   /* not +x */
    ck_assert_int_eq(chmod(path, 0755), 0);
    ck_assert_str_eq(hp_elevate_default("linux"), "pkexec");
    setenv("PATH", old, 1);
}
END_TEST

/* ------------------------------------------------------------------ run */

/* A stand-in for sudo: records its arguments and stdin in the sandbox,
 * says on stderr what $ELEV_ERR holds, exits with the code in the file. */
static hp_ctx *fake_elevator(const char *code, const char *err)
{
    char script[4096];
    snprintf(script, sizeof script,
             "#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n' \"$a\"; done "
             "> '%s/args'\ncat > '%s/stdin'\nprintf '%%s' '%s' >&2\n"
             "exit %s\n", root, root, err, code);
    tu_write(root, "/elev", script, strlen(script), 0755, 0, 0);
    char cmd[PATH_MAX + 64], cli[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "elevate.command='%s/elev' --flag", root);
    /* the CLI elevation runs: core.cli_program, an executable file */
    tu_mkdir(root, "/opt/hp/bin", 0755, 0, 0);
    tu_write(root, "/opt/hp/bin/hostpriv", "#!/bin/sh\n", 10, 0755, 0, 0);
    snprintf(cli, sizeof cli, "core.cli_program=%s/opt/hp/bin/hostpriv",
             root);
    const char *sets[] = { cmd, cli, "host.platform=linux", NULL };
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    snprintf(c->config_arg, sizeof c->config_arg, "rel/app.ini");
    return c;
}

START_TEST(run_passes_task_root_config_and_data)
{
    hp_ctx *c = fake_elevator("0", "");
    hp_err e = HP_ERR_INIT;
    const char *json = "{\"allowedRegistries\": [\"docker.io\"]}";
    ck_assert_int_eq(hp_elevate_run(c, HP_ACT_POLICY_SET, json, strlen(json),
                                    &e), HP_OK);
    char want[PATH_MAX * 3], cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    /* relative -c made absolute: root runs it from elsewhere */
    snprintf(want, sizeof want, "--flag\n%s/opt/hp/bin/hostpriv\nprivileged\n"
             "policy\n--root\n%s\n-c\n%s/rel/app.ini\n", root, root, cwd);
    char *args = tu_read(root, "/args", NULL), *in = tu_read(root, "/stdin",
                                                               NULL);
    ck_assert_str_eq(args, want);
    ck_assert_str_eq(in, json);
    free(args);
    free(in);
    /* no data: empty stdin, at once (no hang) */
    ck_assert_int_eq(hp_elevate_run(c, HP_ACT_HOSTS_ENSURE, NULL, 0, &e),
                     HP_OK);
    in = tu_read(root, "/stdin", NULL);
    ck_assert_str_eq(in, "");
    free(in);
    /* a user-side action has no privileged name */
    ck_assert_int_eq(hp_elevate_run(c, HP_ACT_LINKS_USER, NULL, 0, &e),
                     HP_EUSAGE);
    hp_ctx_close(c);
}
END_TEST

static void status_maps(const char *code, const char *err, int want,
                        const char *msg)
{
    hp_ctx *c = fake_elevator(code, err);
    hp_err e = HP_ERR_INIT;
    int fd = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);          /* the child's stderr is passed through */
    int rc = hp_elevate_run(c, HP_ACT_HOSTS_ENSURE, NULL, 0, &e);
    dup2(fd, 2);
    close(fd);
    close(null);
    ck_assert_msg(rc == want, "exit %s -> %d, want %d (%s)", code, rc, want,
                  e.msg);
    if (msg)
        ck_assert_msg(strstr(e.msg, msg) != NULL, "'%s' lacks '%s'", e.msg,
                      msg);
    hp_ctx_close(c);
}

START_TEST(run_maps_exit_status)
{
    status_maps("0", "", HP_OK, NULL);
    status_maps("77", "hostpriv privileged: must be run as root", HP_EDENIED,
                "must be run as root");
    status_maps("78", "refusing: config", HP_ECONFIG, "refusing");
    status_maps("64", "unknown task", HP_EUSAGE, "unknown task");
    status_maps("69", "", HP_EUNAVAIL, NULL);
    status_maps("70", "", HP_EINTERNAL, NULL);
    status_maps("1", "sudo: a password is required\n", HP_EDENIED,
                "a password is required");
    status_maps("1", "hostpriv privileged hosts: disk full\n", HP_EFAIL,
                "disk full");
    status_maps("5", "", HP_EFAIL, "exit 5");
}
END_TEST

START_TEST(run_elevator_missing)
{
    char cli[PATH_MAX + 32];
    tu_write(root, "/hostpriv", "#!/bin/sh\n", 10, 0755, 0, 0);
    snprintf(cli, sizeof cli, "core.cli_program=%s/hostpriv", root);
    const char *sets[] = { "elevate.command=/nonexistent/sudo -n",
                           "host.platform=linux", cli, NULL };
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_ctx_open(&c, &o, &e), HP_OK);
    ck_assert_int_eq(hp_elevate_run(c, HP_ACT_HOSTS_ENSURE, NULL, 0, &e),
                     HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/sudo"));
    hp_ctx_close(c);
}
END_TEST

/* 1 MiB in while the child first writes 200 KB to stderr: both pipes are
 * served at once, so neither side blocks the other. */
START_TEST(run_no_deadlock_on_big_io)
{
    hp_ctx *c = fake_elevator("0", "");
    char script[1024];
    snprintf(script, sizeof script, "#!/bin/sh\nhead -c 200000 /dev/zero "
             "| tr '\\0' x >&2\ncat > '%s/stdin'\nexit 0\n", root);
    tu_write(root, "/elev", script, strlen(script), 0755, 0, 0);
    size_t n = 1024 * 1024;
    char *data = malloc(n);
    memset(data, 'j', n);
    hp_err e = HP_ERR_INIT;
    int fd = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    int rc = hp_elevate_run(c, HP_ACT_POLICY_SET, data, n, &e);
    dup2(fd, 2);
    close(fd);
    close(null);
    ck_assert_int_eq(rc, HP_OK);
    size_t got = 0;
    char *in = tu_read(root, "/stdin", &got);
    ck_assert_uint_eq(got, n);
    free(in);
    free(data);
    hp_ctx_close(c);
}
END_TEST

START_TEST(shell_command)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_elevate_shell(NULL, "true", &e), HP_OK);
    ck_assert_int_eq(hp_elevate_shell(NULL, "exit 77", &e), HP_EDENIED);
    ck_assert_int_eq(hp_elevate_shell(NULL, "exit 69", &e), HP_EUNAVAIL);
    ck_assert_int_eq(hp_elevate_shell(NULL, "exit 127", &e), HP_ECONFIG);
    ck_assert_int_eq(hp_elevate_shell(NULL, "", &e), HP_ECONFIG);
    /* an exit status we cannot read is no success */
    signal(SIGCHLD, SIG_IGN);
    int rc = hp_elevate_shell(NULL, "true", &e);
    signal(SIGCHLD, SIG_DFL);
    ck_assert_int_eq(rc, HP_EINTERNAL);
}
END_TEST

Suite *make_elevate_suite(void)
{
    Suite *s = suite_create("elevate");
    TCase *t = tcase_create("names");
    tcase_add_test(t, names_round_trip);
    suite_add_tcase(s, t);

    t = tcase_create("argv");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, argv_words);
    tcase_add_test(t, argv_refused);
    tcase_add_test(t, osascript_quoting);
    tcase_add_test(t, osascript_argv);
    tcase_add_test(t, default_per_platform);
    suite_add_tcase(s, t);

    t = tcase_create("run");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, run_passes_task_root_config_and_data);
    tcase_add_test(t, run_maps_exit_status);
    tcase_add_test(t, run_elevator_missing);
    tcase_add_test(t, run_no_deadlock_on_big_io);
    tcase_add_test(t, shell_command);
    suite_add_tcase(s, t);
    return s;
}
