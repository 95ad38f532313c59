/* `hostpriv doctor` on a sandboxed host where everything works (the
 * configuration, the plugins, a sudo rule for the test user, the helper
 * installed and running): every check ok, exit 0, as root and as the
 * user, and --json is one document.  Then each check is broken in turn --
 * a bad configuration line, a missing plugin directory, no sudo rule, the
 * helper stopped, a helper of another version -- and exactly that check
 * fails, with the fix line that mends it. */
#include "testutil.h"
#include "helper/proto.h"
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIDFILE "/var/run/com.docker.vmnetd.pid"
#define SOCK "/var/run/com.docker.vmnetd.sock"

static char bindir[PATH_MAX];       /* root-only: the rule may name it */
static char bin[PATH_MAX + 32], norule[PATH_MAX + 32];
static char rule[PATH_MAX];
static char root[PATH_MAX];
static pid_t fake = -1;

/* ----------------------------------------------------------- fixtures */

static void copy(const char *rel, const char *to)
{
    char src[PATH_MAX];
    const char *argv[] = { "/bin/cp", tu_build(rel, src, sizeof src), to,
                           NULL };
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, argv, NULL, NULL, NULL), 0);
}

/* In the parent: hostpriv, hostprivd (what helper-install copies) and the
 * plugins in a root-only place, and the test user's rule for hostpriv
 * (scripts/test-sudoers: the rule `hostpriv sudoers` prints).  A second
 * copy has no rule. */
static void install(void)
{
    char p[PATH_MAX + 64];
    tu_root_dir(bindir, sizeof bindir);
    snprintf(bin, sizeof bin, "%s/hostpriv", bindir);
    snprintf(norule, sizeof norule, "%s/hostpriv-norule", bindir);
    copy("bin/hostpriv", bin);
    copy("bin/hostpriv", norule);
    snprintf(p, sizeof p, "%s/hostprivd", bindir);
    copy("bin/hostprivd", p);
    snprintf(p, sizeof p, "%s/plugins", bindir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    static const char *const pl[] = { "legacy-vmnetd", "v4.15-ondemand",
                                      "v4.18-advanced" };
    for (size_t i = 0; i < 3; i++) {
        char rel[64], to[PATH_MAX + 96];
        snprintf(rel, sizeof rel, "plugins/%s.so", pl[i]);
        snprintf(to, sizeof to, "%s/plugins/%s.so", bindir, pl[i]);
        copy(rel, to);
    }
    char script[PATH_MAX], *out = NULL, *err = NULL;
    const char *src = getenv("HP_SRC");
    snprintf(script, sizeof script, "%s/scripts/test-sudoers",
             src ? src : ".");
    const char *argv[] = { script, "add", bin, NULL };
    int rc = tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, &err);
    ck_assert_msg(rc == 0, "test-sudoers add: %s", err);
    out[strcspn(out, "\n")] = '\0';
    snprintf(rule, sizeof rule, "%s", out);
    free(out);
    free(err);
}

/* In the parent after the TCase, whatever happened in it. */
static void uninstall(void)
{
    if (!strncmp(rule, "/etc/sudoers.d/hostpriv-test-", 29))
        unlink(rule);
    rule[0] = '\0';
    tu_sandbox_rm(bindir);
}

static int priv(const char *task)
{
    const char *argv[] = { bin, "--root", root, "privileged", task, NULL };
    char *err = NULL;
    int rc = tu_run((uid_t)-1, (gid_t)-1, argv, NULL, NULL, &err);
    ck_assert_msg(rc == 0 || !strcmp(task, "helper-uninstall"),
                  "privileged %s: %d %s", task, rc, err);
    free(err);
    return rc;
}

/* A healthy host: legacy (its helper installed and running), linux paths,
 * the direct service backend, elevation by sudo -n. */
static void setup(void)
{
    uid_t uid;
    gid_t gid;
    char ini[PATH_MAX + 512];
    tu_user(&uid, &gid);
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/home/" HP_TEST_USER, 0755, uid, gid);
    snprintf(ini, sizeof ini, "[core]\nversion = 4.14\nplugin_dir = %s/plugins"
             "\n[host]\nplatform = linux\nuser = " HP_TEST_USER "\nhome = "
             "/home/" HP_TEST_USER "\n[helper]\nservice = direct\n[elevate]\n"
             "command = sudo -n\n", bindir);
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
    priv("helper-install");
}

static void teardown(void)
{
    if (fake > 0) {
        kill(fake, SIGKILL);
        waitpid(fake, NULL, 0);
        fake = -1;
    }
    priv("helper-uninstall");
    tu_sandbox_rm(root);
}

/* ------------------------------------------------------------ helpers */

/* PROG --root ROOT ARGS... doctor --json as uid; the document in *doc. */
static int doctor(const char *prog, uid_t uid, const char *const *args,
                  json_t **doc)
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = prog;
    argv[n++] = "--root";
    argv[n++] = root;
    for (size_t i = 0; args && args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = "doctor";
    argv[n++] = "--json";           /* the command's option, as documented */
    argv[n] = NULL;
    uid_t u = uid;
    gid_t g = (gid_t)-1;
    if (uid != (uid_t)-1)
        tu_user(&u, &g);
    char *out = NULL, *err = NULL;
    int rc = tu_run(u, g, argv, NULL, &out, &err);
    json_error_t je;
    *doc = json_loads(out, 0, &je);     /* all of stdout, nothing after */
    ck_assert_msg(*doc != NULL, "not one JSON document (%s): %s / %s",
                  je.text, out, err);
    free(out);
    free(err);
    return rc;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The one failing line (asserting there is exactly one), or NULL when
 * none fails. */
static json_t *only_fail(json_t *doc)
{
    json_t *c = json_object_get(doc, "checks"), *hit = NULL;
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(c); i++)
        if (!strcmp(str(json_array_get(c, i), "status"), "fail")) {
            hit = json_array_get(c, i);
            n++;
        }
    ck_assert_msg(n <= 1, "%zu checks fail: %s", n,
                  json_dumps(doc, JSON_INDENT(1)));
    return hit;
}

static int has(json_t *doc, const char *check, const char *status)
{
    json_t *c = json_object_get(doc, "checks");
    for (size_t i = 0; i < json_array_size(c); i++)
        if (!strcmp(str(json_array_get(c, i), "check"), check) &&
            !strcmp(str(json_array_get(c, i), "status"), status))
            return 1;
    return 0;
}

#define ck_fail_is(doc, check_, fix_has) do {                               \
        json_t *f_ = only_fail(doc);                                        \
        ck_assert_msg(f_ != NULL, "nothing fails");                         \
        ck_assert_str_eq(str(f_, "check"), check_);                         \
        ck_assert_msg(strstr(str(f_, "fix"), fix_has), "fix '%s' lacks '%s'" \
                      " (%s)", str(f_, "fix"), fix_has, str(f_, "message"));\
    } while (0)

/* ---------------------------------------------------------- all well */

START_TEST(healthy_host_is_all_ok)
{
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, NULL, &doc), 0);
    ck_assert_ptr_null(only_fail(doc));
    static const char *const checks[] = { "config", "plugins", "host",
                                          "elevation", "helper", "logs",
                                          "tasks" };
    for (size_t i = 0; i < 7; i++)
        ck_assert_msg(has(doc, checks[i], "ok"), "no ok %s", checks[i]);
    ck_assert(json_is_true(json_object_get(doc, "ok")));
    json_decref(doc);
    /* the user's own view: sudo -l without -U, the helper serving it */
    ck_assert_int_eq(doctor(bin, 0, NULL, &doc), 0);
    ck_assert_ptr_null(only_fail(doc));
    ck_assert(has(doc, "elevation", "ok") && has(doc, "helper", "ok"));
    json_decref(doc);
}
END_TEST

/* ------------------------------------------------- each check broken */

START_TEST(bad_config_line_fails_config)
{
    const char *bad = "[core]\nverison = 4.14\n";
    char file[PATH_MAX + 16], want[PATH_MAX + 32];
    tu_write(root, "/bad.ini", bad, strlen(bad), 0644, 0, 0);
    snprintf(file, sizeof file, "%s/bad.ini", root);
    const char *args[] = { "-c", file, NULL };
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, args, &doc), 1);
    snprintf(want, sizeof want, "edit %s line 2: did you mean core.version",
             file);
    ck_fail_is(doc, "config", want);
    json_decref(doc);
}
END_TEST

START_TEST(missing_plugin_dir_fails_plugins)
{
    char set[PATH_MAX + 64];
    snprintf(set, sizeof set, "core.plugin_dir=%s/gone", root);
    const char *args[] = { "--set", set, NULL };
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, args, &doc), 1);
    ck_fail_is(doc, "plugins", "set core.plugin_dir to the directory that "
               "holds the plugins");
    json_decref(doc);
}
END_TEST

START_TEST(no_sudo_rule_fails_elevation)
{
    json_t *doc;
    char want[PATH_MAX + 64];
    ck_assert_int_eq(doctor(norule, (uid_t)-1, NULL, &doc), 1);
    snprintf(want, sizeof want, "%s sudoers --user " HP_TEST_USER, norule);
    ck_fail_is(doc, "elevation", want);
    json_decref(doc);
    ck_assert_int_eq(doctor(norule, 0, NULL, &doc), 1);    /* as the user */
    ck_fail_is(doc, "elevation", want);
    json_decref(doc);
}
END_TEST

static pid_t helper_pid(void)
{
    char *t = tu_read(root, PIDFILE, NULL);
    ck_assert_ptr_nonnull(t);
    pid_t p = (pid_t)strtol(t, NULL, 10);
    free(t);
    return p;
}

/* Stopped: the fix says how to start it, and doing so mends it. */
START_TEST(stopped_helper_fails_helper)
{
    pid_t p = helper_pid();
    ck_assert_int_eq(kill(p, SIGTERM), 0);
    for (int i = 0; i < 100 && kill(p, 0) == 0; i++)
        usleep(20000);
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, NULL, &doc), 1);
    ck_fail_is(doc, "helper", "privileged helper-start");
    json_decref(doc);
    priv("helper-start");
    ck_assert_int_eq(doctor(bin, (uid_t)-1, NULL, &doc), 0);
    json_decref(doc);
}
END_TEST

/* The app runs 4.16 (v4.15-ondemand) while the helper serves legacy. */
START_TEST(helper_serving_another_version_fails_helper)
{
    const char *args[] = { "--set", "core.version=4.16.2", NULL };
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, args, &doc), 1);
    ck_fail_is(doc, "helper", "give both the same core.version");
    ck_assert_ptr_nonnull(strstr(str(only_fail(doc), "message"),
                                 "serves legacy-vmnetd"));
    json_decref(doc);
}
END_TEST

/* ---- a helper of an older hostpriv: the HPRV protocol, version 0.0.9 */

static void reply(int s, const char *code, const char *msg)
{
    const char *f[] = { code, msg };
    hp_msg_send(s, HP_MSG_REPLY, f, 2, -1, NULL);
}

static void serve(int s)
{
    char magic[HP_PROTO_MAGIC_LEN];
    hp_msg m;
    if (recv(s, magic, sizeof magic, MSG_WAITALL) != (ssize_t)sizeof magic ||
        hp_msg_recv(s, &m, NULL, 5000, NULL) != HP_OK)
        return;
    hp_msg_free(&m);
    const char *hello[] = { "1", "legacy-vmnetd", "0.0.9" };
    hp_msg_send(s, HP_MSG_HELLO, hello, 3, -1, NULL);
    while (hp_msg_recv(s, &m, NULL, 5000, NULL) == HP_OK) {
        if (m.nfields && !strcmp(m.field[0], "ping"))
            reply(s, "0", "pong");
        else if (m.nfields && !strcmp(m.field[0], "version"))
            reply(s, "0", "hostprivd 0.0.9, protocol 1, plugin legacy-vmnetd "
                  "(< 4.15)");
        else
            reply(s, "64", "unknown request");
        hp_msg_free(&m);
    }
}

static pid_t start_fake(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s" SOCK, root);
    unlink(sa.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(l, 8), 0);
    pid_t p = fork();
    if (p == 0) {
        for (;;) {
            int s = accept(l, NULL, NULL);
            if (s >= 0) {
                serve(s);
                close(s);
            }
        }
    }
    close(l);
    return p;
}

START_TEST(helper_of_an_older_hostpriv_fails_helper)
{
    pid_t p = helper_pid();
    ck_assert_int_eq(kill(p, SIGTERM), 0);
    for (int i = 0; i < 100 && kill(p, 0) == 0; i++)
        usleep(20000);
    fake = start_fake();
    json_t *doc;
    ck_assert_int_eq(doctor(bin, (uid_t)-1, NULL, &doc), 1);
    ck_fail_is(doc, "helper", "privileged helper-uninstall, then");
    ck_assert_ptr_nonnull(strstr(str(only_fail(doc), "message"),
                                 "hostprivd 0.0.9, this hostpriv is"));
    json_decref(doc);
}
END_TEST

Suite *make_doctor_suite(void)
{
    Suite *s = suite_create("doctor");
    TCase *t = tcase_create("checks");
    tcase_add_unchecked_fixture(t, install, uninstall);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, healthy_host_is_all_ok);
    tcase_add_test(t, bad_config_line_fails_config);
    tcase_add_test(t, missing_plugin_dir_fails_plugins);
    tcase_add_test(t, no_sudo_rule_fails_elevation);
    tcase_add_test(t, stopped_helper_fails_helper);
    tcase_add_test(t, helper_serving_another_version_fails_helper);
    tcase_add_test(t, helper_of_an_older_hostpriv_fails_helper);
    suite_add_tcase(s, t);
    return s;
}
