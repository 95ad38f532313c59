/* `hostpriv install --user NAME` (B37-B41) as a package's postinstall
 * meets it: the arguments (--user NAME, --user=NAME, --dry-run) and their
 * exit codes (64 usage or an unknown account, 77 not root or a second
 * account, 0 applied or already there); the dry run and every refusal
 * change nothing (the whole sandbox, contents and times included, stays
 * the same); a second run changes nothing; the record of the one account
 * is a root-owned configuration file that locks host.user, holds nothing
 * else, refuses another account's launch, and goes with uninstall. */
#include "testutil.h"
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/config.h"

static char root[PATH_MAX];
#define RECORD "/etc/hostpriv/installed-user.ini"

static void write_file(const char *hpath, const char *text)
{
    tu_write(root, hpath, text, strlen(text), 0644, 0, 0);
}

/* A Mac-like sandbox for 4.16 (no helper is involved): the app's
 * binaries, /usr/local/bin, a hosts file without localhost, the user's
 * home. */
static void setup(void)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/Library/LaunchDaemons", 0755, 0, 0);
    tu_mkdir(root, "/Applications/Docker.app/Contents/Resources/bin", 0755,
             0, 0);
    tu_mkdir(root, "/Users", 0755, 0, 0);
    tu_mkdir(root, "/Users/hptest", 0755, uid, gid);
    write_file("/etc/hosts", "255.255.255.255\tbroadcasthost\n");
    write_file("/etc/hostpriv/hostpriv.ini",
               "[core]\nversion = 4.16.2\n[host]\nhome = /Users/hptest\n"
               "[helper]\nservice = direct\n");
}

static void teardown(void) { tu_sandbox_rm(root); }

/* hostpriv --root ROOT ARGS... as uid ((uid_t)-1: root). */
static int cli_as(uid_t uid, gid_t gid, const char *const *args, char **out,
                  char **err)
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
    return tu_run(uid, gid, argv, NULL, out, err);
}

static int cli(const char *const *args, char **out, char **err)
{
    return cli_as((uid_t)-1, 0, args, out, err);
}

/* The sandbox as text: path, mode, owner, size, mtime: what "changes
 * nothing" compares. */
static char snap_buf[1 << 16];
static size_t snap_len;
static int snap_one(const char *p, const struct stat *st, int fl,
                    struct FTW *ftw)
{
    (void)fl, (void)ftw;
    snap_len += (size_t)snprintf(snap_buf + snap_len,
                                 sizeof snap_buf - snap_len,
                                 "%s %o %u %lld %lld.%09ld\n",
                                 p + strlen(root), (unsigned)st->st_mode,
                                 (unsigned)st->st_uid, (long long)st->st_size,
                                 (long long)st->st_mtim.tv_sec,
                                 st->st_mtim.tv_nsec);
    return snap_len >= sizeof snap_buf - 1;
}

static char *snapshot(void)
{
    snap_len = 0;
    snap_buf[0] = '\0';
    nftw(root, snap_one, 16, FTW_PHYS);
    return strdup(snap_buf);
}

static void assert_unchanged(const char *before, const char *what)
{
    char *now = snapshot();
    ck_assert_msg(!strcmp(now, before), "%s changed the sandbox:\n%s\n---\n%s",
                  what, before, now);
    free(now);
}

/* One refused run: its code, its message, nothing changed. */
static void refused(const char *const *args, int code, const char *says)
{
    char *out, *err, *before = snapshot();
    int rc = cli(args, &out, &err);
    ck_assert_msg(rc == code && strstr(err, says), "%s %s: rc %d, stderr %s",
                  args[0], args[1] ? args[1] : "", rc, err);
    assert_unchanged(before, args[1] ? args[1] : args[0]);
    free(before);
    free(out);
    free(err);
}

static const char *sysdir(void)
{
    static char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hostpriv", root);
    return p;
}

START_TEST(bad_arguments_are_usage_errors_naming_what)
{
    const char *a1[] = { "install", "--user", NULL };
    refused(a1, 64, "--user needs the account's name");
    const char *a2[] = { "install", "--user=", NULL };
    refused(a2, 64, "--user needs the account's name");
    const char *a3[] = { "install", "--frob", NULL };
    refused(a3, 64, "unknown argument '--frob'");
    const char *a4[] = { "install", "--dry-run", NULL };
    refused(a4, 64, "--dry-run goes with --user NAME");
    const char *a5[] = { "install", "--user", "hptest", "--user=nobody",
                         NULL };
    refused(a5, 64, "--user given twice");
    const char *a6[] = { "install", "--user", "no-such-account-q7", NULL };
    refused(a6, 64, "no account named 'no-such-account-q7'");
    const char *a7[] = { "install", "--user=root", NULL };
    refused(a7, 64, "that is root");
    const char *a8[] = { "call", "install", "hptest", NULL };
    refused(a8, 64, "hostpriv install --user USER");
}
END_TEST

START_TEST(not_root_is_refused_with_77)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    char *out, *err, *before = snapshot();
    const char *a[] = { "install", "--user", "hptest", NULL };
    ck_assert_int_eq(cli_as(uid, gid, a, &out, &err), 77);
    ck_assert_msg(strstr(err, "runs as root"), "%s", err);
    assert_unchanged(before, "install as the user");
    free(before);
    free(out);
    free(err);
}
END_TEST

START_TEST(before_4_11_is_refused_with_64)
{
    const char *a[] = { "--set", "core.version=4.10.1", "install", "--user",
                        "hptest", NULL };
    refused(a, 64, "install --user exists from Docker Desktop 4.11 on");
    const char *d[] = { "--set", "core.version=4.10.1", "install", "--user",
                        "hptest", "--dry-run", NULL };
    refused(d, 64, "4.10.1");
}
END_TEST

/* The user's side is written into NAME's home: a missing home is found
 * before the first change, not after the links and the record. */
START_TEST(missing_home_is_refused_before_any_change)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/Users/hptest", root);
    ck_assert_int_eq(rmdir(p), 0);
    const char *a[] = { "install", "--user", "hptest", NULL };
    refused(a, 78, "home /Users/hptest does not exist");
}
END_TEST

START_TEST(dry_run_says_each_change_and_makes_none)
{
    char *out, *err, *before = snapshot();
    const char *a[] = { "install", "--user", "hptest", "--dry-run", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 0);
    assert_unchanged(before, "--dry-run");
    static const char *const lines[] = {
        "would write " RECORD ": owner root:root, mode 0644, via installer; "
        "host.user = hptest",
        "would create /usr/local/bin/docker: owner root:root, mode 0777 "
        "(symlink), via installer; symlink to /Applications/Docker.app/"
        "Contents/Resources/bin/docker",
        "would edit /etc/hosts: owner root:root, mode 0644 (kept), via "
        "installer; add \"127.0.0.1 localhost\"",
        "would create /var/run/docker.sock: owner root:root, mode 0777 "
        "(symlink), via installer; symlink to /Users/hptest/.docker/run/"
        "docker.sock",
        "would write /Library/LaunchDaemons/com.docker.socket.plist: owner "
        "root:root, mode 0644, via installer",
        "would record /Library/Application Support/com.docker.docker/"
        "hostpriv/journal: owner root:root, mode 0644",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_msg(strstr(out, lines[i]), "missing: %s\nstdout:\n%s",
                      lines[i], out);
    free(before);
    free(out);
    free(err);
}
END_TEST

/* Applied, recorded, idempotent; a second account refused; uninstall
 * takes the record with the rest. */
START_TEST(install_records_the_one_account_and_is_idempotent)
{
    char *out, *err;
    const char *a[] = { "install", "--user=hptest", NULL };
    ck_assert_msg(cli(a, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    char *rec = tu_read(root, RECORD, NULL);
    ck_assert_msg(rec && strstr(rec, "[host]\nuser = hptest\n"), "%s", rec);
    free(rec);
    struct stat st;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s" RECORD, root);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    char *hosts = tu_read(root, "/etc/hosts", NULL);
    ck_assert_ptr_nonnull(strstr(hosts, "127.0.0.1 localhost"));
    free(hosts);

    char *installed = snapshot();
    const char *again[] = { "install", "--user", "hptest", NULL };
    ck_assert_int_eq(cli(again, &out, &err), 0);
    assert_unchanged(installed, "a second install --user hptest");
    free(out);
    free(err);

    const char *other[] = { "install", "--user", "nobody", NULL };
    refused(other, 77, "serves one account per machine");

    const char *un[] = { "uninstall", NULL };
    ck_assert_int_eq(cli(un, &out, &err), 0);
    ck_assert_ptr_null(tu_read(root, RECORD, NULL));
    free(out);
    free(err);
    free(installed);
}
END_TEST

/* B41: another account's launch is refused before anything is asked or
 * done; config-only commands still answer, and doctor says why. */
START_TEST(another_account_cannot_launch)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    write_file(RECORD, "[host]\nuser = nobody\n");
    char *out, *err, *before = snapshot();
    const char *a[] = { "start", NULL };
    ck_assert_int_eq(cli_as(uid, gid, a, &out, &err), 77);
    ck_assert_msg(strstr(err, "installed for nobody only") &&
                  strstr(err, "does not run as hptest") &&
                  strstr(err, "hostpriv install --user OTHER"), "%s", err);
    assert_unchanged(before, "another account's start");
    free(out);
    free(err);
    const char *c[] = { "config", NULL };
    ck_assert_int_eq(cli_as(uid, gid, c, &out, &err), 0);
    ck_assert_msg(strstr(out, "nobody"), "%s", out);
    free(out);
    free(err);
    const char *d[] = { "doctor", NULL };
    cli_as(uid, gid, d, &out, &err);
    ck_assert_msg(strstr(out, "fail  host       installed for nobody only") &&
                  strstr(out, "hostpriv uninstall, then hostpriv install "
                         "--user OTHER"), "%s", out);
    free(out);
    free(err);
    free(before);
}
END_TEST

/* The record is a configuration layer above --set that locks host.user
 * and holds nothing else. */
START_TEST(record_locks_host_user_and_holds_only_it)
{
    hp_config *cfg = hp_config_new();
    hp_err e = HP_ERR_INIT;
    write_file("/etc/hostpriv/hostpriv.ini", "[host]\nuser = alice\n");
    write_file(RECORD, "# note\n[host]\nuser = bob\n");
    ck_assert_int_eq(hp_config_set(cfg, "host.user", "carol", HP_LAYER_SET,
                                   "--set", &e), HP_OK);
    ck_assert_int_eq(hp_config_load_system(cfg, sysdir(), 1, &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "host.user"), "bob");
    ck_assert_ptr_nonnull(strstr(hp_config_origin(cfg, "host.user"),
                                 RECORD ":3"));
    ck_assert(hp_config_locked(cfg, "host.user"));
    ck_assert_ptr_nonnull(strstr(hp_config_warnings(cfg), "--set: host.user "
                                 "is locked by"));
    ck_assert_int_eq(hp_config_set(cfg, "host.user", "dave", HP_LAYER_SET,
                                   "--set", &e), HP_EDENIED);
    ck_assert_ptr_nonnull(strstr(e.msg, "hostpriv uninstall"));
    const char *o = NULL;
    ck_assert_str_eq(hp_config_layer_value(cfg, "host.user",
                                           HP_LAYER_INSTALL, &o), "bob");
    hp_config_free(cfg);

    /* the same name below it is no conflict: no warning */
    cfg = hp_config_new();
    write_file("/etc/hostpriv/hostpriv.ini", "[host]\nuser = bob\n");
    ck_assert_int_eq(hp_config_load_system(cfg, sysdir(), 1, &e), HP_OK);
    ck_assert_str_eq(hp_config_warnings(cfg), "");
    hp_config_free(cfg);

    /* any other key there is an error naming file and line */
    cfg = hp_config_new();
    write_file(RECORD, "[host]\nuser = bob\n[core]\nversion = 4.16\n");
    hp_err_clear(&e);
    ck_assert_int_eq(hp_config_load_system(cfg, sysdir(), 1, &e), HP_ECONFIG);
    ck_assert_msg(strstr(e.msg, "core.version does not belong here"), "%s",
                  e.msg);
    ck_assert_int_eq(e.line, 4);
    hp_config_free(cfg);
}
END_TEST

Suite *make_installer_suite(void)
{
    Suite *s = suite_create("installer");
    TCase *t = tcase_create("install-user");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, bad_arguments_are_usage_errors_naming_what);
    tcase_add_test(t, not_root_is_refused_with_77);
    tcase_add_test(t, before_4_11_is_refused_with_64);
    tcase_add_test(t, missing_home_is_refused_before_any_change);
    tcase_add_test(t, dry_run_says_each_change_and_makes_none);
    tcase_add_test(t, install_records_the_one_account_and_is_idempotent);
    tcase_add_test(t, another_account_cannot_launch);
    tcase_add_test(t, record_locks_host_user_and_holds_only_it);
    suite_add_tcase(s, t);
    return s;
}
