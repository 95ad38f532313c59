/* The programs the library runs are hostpriv's, never the process that
 * embeds it: an app gets the compiled-in install paths, elevation runs
 * core.cli_program, a boot task written for the app runs it too; the CLI
 * says what it is and finds hostprivd and the plugins beside it (the
 * build tree) or in its installed tree under another prefix (a DESTDIR
 * stage).  And the single tasks and the status an app asks for, as root
 * in a sandbox. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hostpriv/hostpriv.h>
#include "testutil.h"
#include "auth/elevate.h"
#include "engine/ctx.h"

static char root[PATH_MAX], bin[PATH_MAX], self[PATH_MAX];

static void quiet(void *data, int level, const char *message)
{
    (void)data;
    (void)level;
    (void)message;
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_root_dir(bin, sizeof bin);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
}

static void teardown(void)
{
    tu_sandbox_rm(root);
    tu_sandbox_rm(bin);
}

/* A handle on the real plugins for `version`, as root, with settings. */
static hp_ctx *open_real(const char *version, const char *const *more)
{
    char plugins[PATH_MAX], pick[64];
    const char *settings[16];
    size_t n = 0;
    snprintf(pick, sizeof pick, "core.version=%s", version);
    settings[n++] = pick;
    for (size_t i = 0; more && more[i] && n < 15; i++)
        settings[n++] = more[i];
    settings[n] = NULL;
    hp_options o = HP_OPTIONS_INIT;
    o.root = root;
    o.plugin_dir = tu_build("plugins", plugins, sizeof plugins);
    o.settings = settings;
    o.flags = HP_OPEN_NO_USER_CONFIG;
    o.log = quiet;
    hp_ctx *c = NULL;
    char *err = NULL;
    ck_assert_msg(hp_open_with(&c, &o, &err) == HP_OK, "%s", err);
    return c;
}

/* An embedding app gets the install paths, never itself. */
START_TEST(app_gets_the_compiled_in_programs)
{
    hp_ctx *c = open_real("4.16.2", NULL);
    ck_assert_str_eq(hp_get(c, "core.cli_program"), HP_CLI_PROGRAM);
    ck_assert_str_eq(hp_get(c, "core.helper_program"), HP_HELPER_PROGRAM);
    ck_assert_str_ne(hp_get(c, "core.cli_program"), self);
    hp_close(c);
}
END_TEST

/* Elevation runs core.cli_program (a stand-in elevator records its
 * arguments); a CLI that is not there is a configuration error naming
 * the key, with nothing run. */
START_TEST(elevation_runs_the_cli_never_the_app)
{
    char elev[PATH_MAX + 16], set_elev[PATH_MAX + 32], set_cli[PATH_MAX + 32];
    char script[PATH_MAX * 2], cli[PATH_MAX + 16];
    snprintf(script, sizeof script, "#!/bin/sh\nprintf '%%s\\n' \"$@\" > "
             "'%s/args'\n", root);
    tu_write(root, "/elev", script, strlen(script), 0755, 0, 0);
    snprintf(elev, sizeof elev, "%s/elev", root);
    snprintf(cli, sizeof cli, "%s/hostpriv", bin);
    tu_write("", cli, "#!/bin/sh\n", 10, 0755, 0, 0);
    snprintf(set_elev, sizeof set_elev, "elevate.command=%s", elev);
    snprintf(set_cli, sizeof set_cli, "core.cli_program=%s", cli);
    const char *more[] = { set_elev, set_cli, "host.platform=linux", NULL };
    hp_ctx *c = open_real("4.16.2", more);
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_elevate_run(c, HP_ACT_HOSTS_ENSURE, NULL, 0, &e) ==
                  HP_OK, "%s", e.msg);
    /* and on this root, chosen through the options (not --root): root
     * must never act on / for an app working in a sandbox */
    char *args = tu_read(root, "/args", NULL), want[PATH_MAX * 3];
    snprintf(want, sizeof want, "%s\nprivileged\nhosts\n--root\n%s\n", cli,
             root);
    ck_assert_str_eq(args, want);
    ck_assert_ptr_null(strstr(args, self));
    free(args);
    /* the CLI missing: said, and the elevator never started */
    unlink(cli);
    char gone[PATH_MAX];
    snprintf(gone, sizeof gone, "%s/args", root);
    unlink(gone);
    ck_assert_int_eq(hp_elevate_run(c, HP_ACT_HOSTS_ENSURE, NULL, 0, &e),
                     HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, "core.cli_program") && strstr(e.msg, cli),
                  "%s", e.msg);
    ck_assert_int_eq(access(gone, F_OK), -1);
    hp_close(c);
}
END_TEST

static void user_home(void)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    tu_mkdir(root, "/Users/" HP_TEST_USER, 0755, uid, gid);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_write(root, "/etc/hosts", "127.0.0.1\tlocalhost\n", 20, 0644, 0, 0);
}

/* Root's app asks for the single tasks: the boot task it writes runs the
 * hostpriv CLI; status reports as data and as the CLI's JSON; uninstall
 * takes it back.  What root runs later (the boot task) reads root's own
 * files only, so the configuration is the sandbox's system file. */
START_TEST(tasks_as_root_and_the_boot_task_runs_the_cli)
{
    char src[PATH_MAX], cli[PATH_MAX + 16], plugins[PATH_MAX];
    char cmd[PATH_MAX * 3], ini[PATH_MAX * 3];
    user_home();
    tu_build("bin/hostpriv", src, sizeof src);
    snprintf(cli, sizeof cli, "%s/hostpriv", bin);
    snprintf(cmd, sizeof cmd, "cp %s %s && chmod 755 %s", src, cli, cli);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(ini, sizeof ini, "[core]\nversion = 4.16.2\nplugin_dir = %s\n"
             "cli_program = %s\n[host]\nuser = " HP_TEST_USER "\n"
             "kubernetes = true\n[helper]\nservice = direct\n",
             tu_build("plugins", plugins, sizeof plugins), cli);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
    hp_ctx *c = open_real("4.16.2", NULL);
    ck_assert_msg(hp_socket_link_install(c) == HP_OK, "%s", hp_errmsg(c));
    char *plist = tu_read(root, "/Library/LaunchDaemons/com.docker.socket."
                          "plist", NULL);
    ck_assert_ptr_nonnull(plist);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "<string>%s</string>", cli);
    ck_assert_msg(strstr(plist, want) && strstr(plist, "<string>boot"
                  "</string>"), "%s", plist);
    ck_assert_msg(!strstr(plist, self), "the app is in the boot task: %s",
                  plist);
    free(plist);
    ck_assert_msg(hp_hosts_ensure(c) == HP_OK, "%s", hp_errmsg(c));
    hp_status *st = NULL;
    ck_assert_int_eq(hp_status_get(c, &st), HP_OK);
    ck_assert_str_eq(st->plugin, "v4.15-ondemand");
    ck_assert_uint_eq(st->ntasks, 4);
    ck_assert_str_eq(st->tasks[1].task, "docker-socket");
    ck_assert_str_eq(st->tasks[1].state, "applied");
    ck_assert_str_eq(st->tasks[2].task, "hosts");
    ck_assert_str_eq(st->tasks[2].state, "applied");
    ck_assert_int_eq(st->has_settings, 0);
    ck_assert_ptr_nonnull(strstr(st->json, "\"docker-socket\":{\"state\":"
                                 "\"applied\""));
    /* the same document as `hostpriv --json status` */
    char *out = NULL;
    const char *argv[] = { src, "--root", root, "--json", "status", NULL };
    setenv("XDG_CONFIG_HOME", root, 1);
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, NULL), 0);
    ck_assert_str_eq(out, st->json);
    free(out);
    hp_status_free(st);
    ck_assert_int_eq(hp_settings_set(c, "advanced.cli_location", "user"),
                     HP_ENOTSUP);
    ck_assert_int_eq(hp_uninstall(c), HP_OK);
    ck_assert_int_eq(hp_status_get(c, &st), HP_OK);
    ck_assert_str_eq(st->tasks[1].state, "not-applied");
    hp_status_free(st);
    hp_close(c);
}
END_TEST

START_TEST(settings_of_418)
{
    const char *more[] = { "host.user=" HP_TEST_USER, NULL };
    user_home();
    hp_ctx *c = open_real("4.18.0", more);
    char buf[16];
    ck_assert_int_eq(hp_settings_get(c, "advanced.cli_location", buf,
                                     sizeof buf), HP_OK);
    ck_assert_str_eq(buf, "system");
    ck_assert_int_eq(hp_settings_get(c, "advanced.cli_location", buf, 3),
                     HP_EUSAGE);
    ck_assert_int_eq(hp_settings_get(c, "advanced.nope", buf, sizeof buf),
                     HP_EUSAGE);
    hp_status *st = NULL;
    ck_assert_int_eq(hp_status_get(c, &st), HP_OK);
    ck_assert_int_eq(st->has_settings, 1);
    ck_assert_uint_eq(st->nsettings, 3);
    ck_assert_str_eq(st->settings[0].key, "advanced.cli_location");
    ck_assert_str_eq(st->settings[0].value, "system");
    hp_status_free(st);
    hp_close(c);
}
END_TEST

/* `hostpriv config` as the CLI reports the programs and where from. */
static char *config_of(const char *exe)
{
    char *out = NULL;
    const char *argv[] = { exe, "--root", root, "config", NULL };
    setenv("XDG_CONFIG_HOME", root, 1);
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, NULL), 0);
    return out;
}

static void has_line(const char *text, const char *key, const char *val,
                     const char *origin)
{
    char want[PATH_MAX * 3];
    const char *at = strstr(text, key);
    ck_assert_msg(at, "%s missing:\n%s", key, text);
    snprintf(want, sizeof want, "%s = %s ", key, val);
    ck_assert_msg(strncmp(at, want, strlen(want)) == 0, "want %s in:\n%.300s",
                  want, at);
    const char *eol = strchr(at, '\n');
    ck_assert_msg(strstr(at, origin) && strstr(at, origin) < eol,
                  "origin %s missing: %.300s", origin, at);
}

START_TEST(cli_finds_the_others_beside_it)
{
    char exe[PATH_MAX], dir[PATH_MAX], want[PATH_MAX + 16];
    tu_build("bin/hostpriv", exe, sizeof exe);
    tu_build("bin", dir, sizeof dir);
    char *text = config_of(exe);
    has_line(text, "cli_program", exe, "(the running hostpriv)");
    snprintf(want, sizeof want, "%s/hostprivd", dir);
    has_line(text, "helper_program", want, "(beside ");
    tu_build("plugins", want, sizeof want);
    has_line(text, "plugin_dir", want, "(beside ");
    free(text);
}
END_TEST

/* A copy installed under a prefix (what `make install DESTDIR=P` makes)
 * finds hostprivd and the plugins at their install paths under P. */
START_TEST(installed_tree_under_a_prefix)
{
    char src[PATH_MAX], p[PATH_MAX * 2], cmd[PATH_MAX * 6];
    tu_build("bin/hostpriv", src, sizeof src);
    /* the install paths' own directories */
    char d1[PATH_MAX], d2[PATH_MAX];
    snprintf(d1, sizeof d1, "%s%s", bin, HP_CLI_PROGRAM);
    snprintf(d2, sizeof d2, "%s%s", bin, HP_HELPER_PROGRAM);
    *strrchr(d1, '/') = '\0';
    *strrchr(d2, '/') = '\0';
    snprintf(cmd, sizeof cmd, "mkdir -p %s %s %s%s && cp %s %s%s && cp %s "
             "%s%s", d1, d2, bin, HP_PLUGINDIR, src, bin, HP_CLI_PROGRAM, src,
             bin, HP_HELPER_PROGRAM);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(p, sizeof p, "%s%s", bin, HP_CLI_PROGRAM);
    char *text = config_of(p);
    has_line(text, "cli_program", p, "(the running hostpriv)");
    char want[PATH_MAX * 2], origin[PATH_MAX + 32];
    snprintf(origin, sizeof origin, "(installed under %s)", bin);
    snprintf(want, sizeof want, "%s%s", bin, HP_HELPER_PROGRAM);
    has_line(text, "helper_program", want, origin);
    snprintf(want, sizeof want, "%s%s", bin, HP_PLUGINDIR);
    has_line(text, "plugin_dir", want, origin);
    free(text);
}
END_TEST

Suite *make_api_programs_suite(void)
{
    Suite *s = suite_create("api_programs");
    TCase *tc = tcase_create("programs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, app_gets_the_compiled_in_programs);
    tcase_add_test(tc, elevation_runs_the_cli_never_the_app);
    tcase_add_test(tc, tasks_as_root_and_the_boot_task_runs_the_cli);
    tcase_add_test(tc, settings_of_418);
    tcase_add_test(tc, cli_finds_the_others_beside_it);
    tcase_add_test(tc, installed_tree_under_a_prefix);
    suite_add_tcase(s, tc);
    return s;
}
