/* libffi dispatch: the signature table, strict conversion (a wrong count or
 * type is a usage error, never a crash), NULL ops, extra ops, fd results,
 * the cif cache, and `hostpriv call` end to end. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/hostapi.h"
#include "engine/dispatch.h"
#include "engine/loader.h"
#include "testutil.h"

static char root[PATH_MAX], plugdir[PATH_MAX + 64];
static hp_ctx *c;

/* The test plugin, staged root-owned in the sandbox, picked by name. */
static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/p", 0755, 0, 0);
    char src[PATH_MAX];
    size_t len;
    char *so = tu_read("", tu_build("tests/plugins/tp_good.so", src,
                                     sizeof src), &len);
    ck_assert_ptr_nonnull(so);
    tu_write(root, "/p/tp_good.so", so, len, 0755, 0, 0);
    free(so);
    snprintf(plugdir, sizeof plugdir, "core.plugin_dir=%s/p", root);
    const char *sets[] = { plugdir, "core.plugin=tp-good", NULL };
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .sets = sets,
                       .no_user_layer = 1 };
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    ck_assert_str_eq(c->active->desc.name, "tp-good");
}

static void teardown(void)
{
    hp_ctx_close(c);
    tu_sandbox_rm(root);
}

static int call(const char *op, int argc, const char *const *argv, int *fd,
                hp_err *e)
{
    hp_err_clear(e);
    return hp_dispatch_call(c, op, argc, argv, fd, e);
}

#define ck_msg_has(e, s) \
    ck_assert_msg(strstr((e).msg, (s)) != NULL, "'%s' not in '%s'", (s), \
                  (e).msg)

START_TEST(std_table_covers_every_callable_op)
{
    static const struct { const char *name, *args; size_t off; int task; }
    want[] = {
        { "launch", "", offsetof(hp_ops, launch), HP_TASK_HELPER },
        { "install", "s", offsetof(hp_ops, install), HP_TASK_HELPER },
        { "links_install", "", offsetof(hp_ops, links_install),
          HP_TASK_CLI_LINKS },
        { "links_remove", "", offsetof(hp_ops, links_remove),
          HP_TASK_CLI_LINKS },
        { "socket_link_install", "", offsetof(hp_ops, socket_link_install),
          HP_TASK_DOCKER_SOCKET },
        { "socket_link_remove", "", offsetof(hp_ops, socket_link_remove),
          HP_TASK_DOCKER_SOCKET },
        { "boot", "", offsetof(hp_ops, boot), HP_TASK_DOCKER_SOCKET },
        { "bind_port", "tsif", offsetof(hp_ops, bind_port),
          HP_TASK_PRIVILEGED_PORT },
        { "hosts_ensure", "", offsetof(hp_ops, hosts_ensure), HP_TASK_HOSTS },
        { "policy_set", "s", offsetof(hp_ops, policy_set), HP_TASK_POLICY },
        { "settings_set", "ss", offsetof(hp_ops, settings_set),
          HP_TASK_SETTINGS },
        { "helper_install", "", offsetof(hp_ops, helper_install),
          HP_TASK_HELPER },
        { "helper_uninstall", "", offsetof(hp_ops, helper_uninstall),
          HP_TASK_HELPER },
        { "uninstall", "", offsetof(hp_ops, uninstall), HP_TASK_UNINSTALL },
    };
    size_t n;
    const hp_opsig *s = hp_dispatch_std(&n);
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(s[i].name, want[i].name);
        ck_assert_str_eq(s[i].args, want[i].args);
        ck_assert_uint_eq(s[i].offset, want[i].off);
        ck_assert_int_eq(s[i].task, want[i].task);
        ck_assert_ptr_nonnull(s[i].usage);
    }
}
END_TEST

START_TEST(typed_arguments_arrive_converted)
{
    hp_err e;
    int fd;
    const char *two[] = { "2", "40" };
    ck_assert_int_eq(call("sum", 2, two, &fd, &e), 42);
    ck_assert_int_eq(fd, -1);
    const char *neg[] = { "-7" };
    ck_assert_int_eq(call("neg", 1, neg, NULL, &e), 7);
    const char *json[] = { "{\"a\":1}" };
    ck_assert_int_eq(call("policy_set", 1, json, NULL, &e), 7);
    const char *kv[] = { "advanced.cli_location", "user" };
    ck_assert_int_eq(call("settings_set", 2, kv, NULL, &e), HP_OK);
    ck_assert_int_eq(call("launch", 0, NULL, NULL, &e), HP_OK);
}
END_TEST

START_TEST(fd_result_comes_back)
{
    hp_err e;
    int fd = 99;
    const char *ok[] = { "tcp", "127.0.0.1", "8080" };
    ck_assert_int_eq(call("bind_port", 3, ok, &fd, &e), HP_OK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
    close(fd);
    ck_assert_int_eq(call("bind-port", 3, ok, &fd, &e), HP_OK);   /* alias */
    close(fd);
    const char *other[] = { "tcp", "127.0.0.1", "8081" };
    ck_assert_int_eq(call("bind_port", 3, other, &fd, &e), HP_EFAIL);
    ck_assert_int_eq(fd, -1);
}
END_TEST

START_TEST(wrong_count_or_type_is_a_usage_error)
{
    hp_err e;
    const char *one[] = { "2" };
    ck_assert_int_eq(call("sum", 1, one, NULL, &e), HP_EUSAGE);
    ck_msg_has(e, "op sum takes 2 arguments, got 1");
    ck_msg_has(e, "usage: call sum NUMBER NUMBER");
    const char *three[] = { "1", "2", "3" };
    ck_assert_int_eq(call("sum", 3, three, NULL, &e), HP_EUSAGE);
    ck_assert_int_eq(call("bind_port", 0, NULL, NULL, &e), HP_EUSAGE);
    ck_msg_has(e, "usage: call bind_port tcp|udp ADDR PORT");
    static const char *const badint[] = { "x", "80abc", "99999999999", "",
        "0x50", " 1", "1.5", NULL };
    for (size_t i = 0; badint[i]; i++) {
        const char *a[] = { "1", badint[i] };
        ck_assert_int_eq(call("sum", 2, a, NULL, &e), HP_EUSAGE);
        ck_msg_has(e, "is not a decimal number");
    }
    const char *sock[] = { "sctp", "127.0.0.1", "80" };
    ck_assert_int_eq(call("bind_port", 3, sock, NULL, &e), HP_EUSAGE);
    ck_msg_has(e, "is not tcp or udp");
    const char *port[] = { "tcp", "127.0.0.1", "eighty" };
    ck_assert_int_eq(call("bind_port", 3, port, NULL, &e), HP_EUSAGE);
    ck_assert_int_eq(call("launch", -1, NULL, NULL, &e), HP_EUSAGE);
}
END_TEST

START_TEST(null_unknown_and_unplugged_ops)
{
    hp_err e;
    ck_assert_int_eq(call("links_install", 0, NULL, NULL, &e), HP_ENOTSUP);
    ck_msg_has(e, "links_install: tp-good does not do that "
               "(not-in-this-version)");
    ck_assert_int_eq(call("frobnicate", 0, NULL, NULL, &e), HP_EUSAGE);
    ck_msg_has(e, "unknown op 'frobnicate'");
    ck_assert_int_eq(call("status", 0, NULL, NULL, &e), HP_EUSAGE);
    ck_assert_int_eq(call(NULL, 0, NULL, NULL, &e), HP_EUSAGE);
    ck_assert_int_eq(hp_dispatch_task(c, "bind_port"),
                     HP_TASK_PRIVILEGED_PORT);
    ck_assert_int_eq(hp_dispatch_task(c, "sum"), HP_TASK_SETTINGS);
    ck_assert_int_eq(hp_dispatch_task(c, "links_install"), -1);
    ck_assert_int_eq(hp_dispatch_task(c, "nope"), -1);
    hp_loaded *active = c->active;
    c->active = NULL;
    ck_assert_int_ne(call("launch", 0, NULL, NULL, &e), HP_OK);
    ck_assert_int_eq(hp_dispatch_task(c, "launch"), -1);
    c->active = active;
}
END_TEST

START_TEST(cif_prepared_once_per_op)
{
    hp_err e;
    const char *two[] = { "1", "2" }, *one[] = { "5" };
    size_t base = hp_dispatch_cifs_prepared();
    ck_assert_int_eq(call("sum", 2, two, NULL, &e), 3);
    ck_assert_uint_eq(hp_dispatch_cifs_prepared(), base + 1);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(call("sum", 2, two, NULL, &e), 3);
    ck_assert_uint_eq(hp_dispatch_cifs_prepared(), base + 1);
    ck_assert_int_eq(call("neg", 1, one, NULL, &e), -5);
    ck_assert_uint_eq(hp_dispatch_cifs_prepared(), base + 2);
    /* a usage error prepares nothing */
    ck_assert_int_eq(call("policy_set", 0, NULL, NULL, &e), HP_EUSAGE);
    ck_assert_uint_eq(hp_dispatch_cifs_prepared(), base + 2);
}
END_TEST

/* ---- `hostpriv call` ------------------------------------------------------ */

static int call_cli(const char *const *args, char **out, char **err)
{
    char bin[PATH_MAX];
    const char *argv[16] = { tu_build("bin/hostpriv", bin, sizeof bin),
                             "--root", root, "--set", plugdir, "--set",
                             "core.plugin=tp-good", "call" };
    size_t n = 8;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    setenv("XDG_CONFIG_HOME", root, 1);
    return tu_run((uid_t)-1, 0, argv, NULL, out, err);
}

START_TEST(cli_call)
{
    char *out, *err;
    const char *sum[] = { "sum", "2", "3", NULL };
    ck_assert_int_eq(call_cli(sum, &out, &err), 5);
    free(out);
    free(err);
    const char *bad[] = { "sum", "2", NULL };
    ck_assert_int_eq(call_cli(bad, &out, &err), 64);
    ck_assert_ptr_nonnull(strstr(err, "op sum takes 2 arguments"));
    free(out);
    free(err);
    const char *bind[] = { "bind_port", "tcp", "127.0.0.1", "8080", NULL };
    ck_assert_int_eq(call_cli(bind, &out, &err), 0);
    ck_assert_msg(strncmp(out, "fd ", 3) == 0, "%s", out);
    free(out);
    free(err);
    const char *null[] = { "links_install", NULL };
    ck_assert_int_eq(call_cli(null, &out, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "not-in-this-version"));
    free(out);
    free(err);
    const char *none[] = { NULL };
    ck_assert_int_eq(call_cli(none, &out, &err), 64);
    free(out);
    free(err);
    const char *help[] = { "--help", NULL };
    ck_assert_int_eq(call_cli(help, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "bind_port"));
    ck_assert_ptr_nonnull(strstr(out, "(extra op of tp-good)"));
    free(out);
    free(err);
}
END_TEST

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* hp_bind_ports with a plugin built before bind_ports: its bind_port, port
 * by port, all or nothing (tp-good binds only TCP 127.0.0.1:8080). */
START_TEST(bind_ports_older_plugin)
{
    ck_assert_ptr_null(c->active->desc.bind_ports);
    int base = open_fds(), one[] = { 8080 }, two[] = { 8080, 8081 }, fds[2];
    ck_assert_int_eq(hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", one, 1, fds),
                     HP_OK);
    ck_assert_int_ge(fds[0], 0);
    close(fds[0]);
    ck_assert_int_eq(hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", two, 2, fds),
                     HP_EFAIL);
    ck_assert(fds[0] == -1 && fds[1] == -1);
    ck_assert_int_eq(open_fds(), base);     /* 8080's was closed again */
    int dup[] = { 8080, 8080 };
    ck_assert_int_eq(hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", dup, 2, fds),
                     HP_EUSAGE);
    ck_assert_msg(strstr(hp_errmsg(c), "twice"), "%s", hp_errmsg(c));
    ck_assert_int_eq(hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", one, 0, fds),
                     HP_EUSAGE);
    ck_assert_int_eq(hp_bind_ports(c, 3, "127.0.0.1", one, 1, fds),
                     HP_EUSAGE);
    ck_assert_int_eq(hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", one, 1,
                                   NULL), HP_EUSAGE);
}
END_TEST

Suite *make_dispatch_suite(void)
{
    Suite *s = suite_create("dispatch");
    TCase *t = tcase_create("calls");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, std_table_covers_every_callable_op);
    tcase_add_test(t, typed_arguments_arrive_converted);
    tcase_add_test(t, fd_result_comes_back);
    tcase_add_test(t, wrong_count_or_type_is_a_usage_error);
    tcase_add_test(t, null_unknown_and_unplugged_ops);
    tcase_add_test(t, cif_prepared_once_per_op);
    tcase_add_test(t, bind_ports_older_plugin);
    suite_add_tcase(s, t);

    t = tcase_create("cli");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, cli_call);
    suite_add_tcase(s, t);
    return s;
}
