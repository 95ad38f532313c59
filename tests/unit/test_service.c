/* Service backends: the plist and unit text (golden, with the
 * quoting each format needs), read back by hp_service_parse; the direct
 * backend starting and stopping a real program with a pidfile, refusing to
 * signal a process that is not the program the file names, running a
 * run-once task to completion, and `boot` starting what is RunAtLoad; a
 * backend whose tool is absent (or a sandboxed root near the real service
 * manager) refused before anything is written. */
#include "testutil.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "host/journal.h"
#include "helper/service.h"
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LABEL "com.docker.vmnetd"
#define UNIT "/etc/systemd/system/com.docker.vmnetd.service"
#define PLIST "/Library/LaunchDaemons/com.docker.vmnetd.plist"
#define PIDFILE "/var/run/com.docker.vmnetd.pid"

static char root[PATH_MAX];

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    /* orphans of the direct backend come back to us to be reaped */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void teardown(void)
{
    tu_sandbox_rm(root);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static hp_ctx *open_ctx(const char *platform, const char *backend)
{
    char p[64], b[64];
    snprintf(p, sizeof p, "host.platform=%s", platform);
    snprintf(b, sizeof b, "helper.service=%s", backend);
    const char *sets[] = { p, b, NULL };
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    return c;
}

static int exists(const char *hpath)
{
    char p[PATH_MAX * 2];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return lstat(p, &st) == 0;
}

/* ----------------------------------------------------------- rendering */

static const char *const tricky[] = {
    "/Library/PrivilegedHelperTools/com.docker.vmnetd", "--root",
    "/tmp/a b&<c>\"d'e", "100%", "$HOME", "x\\y", "new\nline", ";", NULL };

START_TEST(plist_golden)
{
    hp_ctx *c = open_ctx("macos", "launchd");
    hp_service s = { .label = LABEL, .file = PLIST, .argv = tricky,
                     .run_at_load = 1, .keep_alive = 1,
                     .socket = "/var/run/com.docker.vmnetd.sock" };
    char *text = NULL, want[8192];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    snprintf(want, sizeof want,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n<dict>\n"
        "\t<key>Label</key>\n\t<string>com.docker.vmnetd</string>\n"
        "\t<key>ProgramArguments</key>\n\t<array>\n"
        "\t\t<string>/Library/PrivilegedHelperTools/com.docker.vmnetd</string>\n"
        "\t\t<string>--root</string>\n"
        "\t\t<string>/tmp/a b&amp;&lt;c&gt;&quot;d&apos;e</string>\n"
        "\t\t<string>100%%</string>\n"
        "\t\t<string>$HOME</string>\n"
        "\t\t<string>x\\y</string>\n"
        "\t\t<string>new\nline</string>\n"
        "\t\t<string>;</string>\n"
        "\t</array>\n"
        "\t<key>RunAtLoad</key>\n\t<true/>\n"
        "\t<key>KeepAlive</key>\n\t<true/>\n"
        "\t<key>Sockets</key>\n\t<dict>\n"
        "\t\t<key>Listener</key>\n\t\t<dict>\n"
        "\t\t\t<key>SockPathName</key>\n"
        "\t\t\t<string>%s/var/run/com.docker.vmnetd.sock</string>\n"
        "\t\t\t<key>SockPathMode</key>\n\t\t\t<integer>438</integer>\n"
        "\t\t</dict>\n\t</dict>\n"
        "</dict>\n</plist>\n", root);
    ck_assert_str_eq(text, want);
    free(text);
    /* no socket, not kept alive */
    s.socket = NULL;
    s.keep_alive = 0;
    s.run_at_load = 0;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    ck_assert_ptr_null(strstr(text, "Sockets"));
    ck_assert_ptr_nonnull(strstr(text, "<key>KeepAlive</key>\n\t<false/>"));
    ck_assert_ptr_nonnull(strstr(text, "<key>RunAtLoad</key>\n\t<false/>"));
    free(text);
    hp_ctx_close(c);
}
END_TEST

START_TEST(unit_golden)
{
    hp_ctx *c = open_ctx("linux", "systemd");
    hp_service s = { .label = LABEL, .file = UNIT, .argv = tricky,
                     .run_at_load = 1, .keep_alive = 1, .socket = NULL };
    char *text = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    ck_assert_str_eq(text,
        "# com.docker.vmnetd: written by hostpriv; `hostpriv uninstall` "
        "removes it.\n"
        "[Unit]\nDescription=hostpriv com.docker.vmnetd\n"
        "Documentation=man:hostprivd(8)\n\n"
        "[Service]\nType=simple\n"
        "ExecStart=\"/Library/PrivilegedHelperTools/com.docker.vmnetd\" "
        "\"--root\" \"/tmp/a b&<c>\\\"d'e\" \"100%%\" \"$$HOME\" \"x\\\\y\" "
        "\"new\\nline\" \";\"\n"
        "Restart=always\n\n"
        "[Install]\nWantedBy=multi-user.target\n");
    free(text);
    s.keep_alive = 0;
    s.run_at_load = 0;
    s.socket = "/var/run/com.docker.vmnetd.sock";
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    ck_assert_ptr_null(strstr(text, "Restart="));
    ck_assert_ptr_null(strstr(text, "[Install]"));
    ck_assert_ptr_nonnull(strstr(text, "Requires=com.docker.vmnetd.socket\n"));
    free(text);
    hp_ctx_close(c);
}
END_TEST

START_TEST(render_refuses)
{
    hp_ctx *c = open_ctx("macos", "launchd");
    hp_err e = HP_ERR_INIT;
    char *text = NULL;
    const char *ctl[] = { "/bin/x", "a\001b", NULL };
    const char *utf[] = { "/bin/x", "\xc3\x28", NULL };
    const char *rel[] = { "bin/x", NULL };
    const char *none[] = { NULL };
    const char *ok[] = { "/bin/x", NULL };
    hp_service s = { .label = LABEL, .file = PLIST, .argv = ctl };
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_EUSAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "control character"));
    s.argv = utf;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_EUSAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "UTF-8"));
    s.argv = rel;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_EUSAGE);
    s.argv = none;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_EUSAGE);
    s.argv = ok;
    const char *labels[] = { "", "../x", "a/b", ".hidden", "-x", "a b",
                             NULL };
    for (size_t i = 0; labels[i]; i++) {
        s.label = labels[i];
        ck_assert_msg(hp_service_render(c, &s, &text, &e) == HP_ECONFIG,
                      "label '%s' accepted", labels[i]);
    }
    ck_assert_ptr_null(text);
    hp_ctx_close(c);
}
END_TEST

/* What we render, we read back: argv byte for byte, RunAtLoad. */
static void round_trip(const char *platform, const char *backend,
                       const char *file)
{
    hp_ctx *c = open_ctx(platform, backend);
    hp_service s = { .label = LABEL, .file = file, .argv = tricky,
                     .run_at_load = 1, .keep_alive = 1 };
    char *text = NULL, **argv = NULL, dir[PATH_MAX];
    int ral = -1;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    snprintf(dir, sizeof dir, "%s", file);
    *strrchr(dir, '/') = '\0';
    tu_mkdir(root, dir, 0755, 0, 0);
    tu_write(root, file, text, strlen(text), 0644, 0, 0);
    ck_assert_int_eq(hp_service_parse(c, file, &argv, &ral, &e), HP_OK);
    size_t i;
    for (i = 0; tricky[i]; i++) {
        ck_assert_ptr_nonnull(argv[i]);
        ck_assert_str_eq(argv[i], tricky[i]);
    }
    ck_assert_ptr_null(argv[i]);
    ck_assert_int_eq(ral, 1);
    for (i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
    /* RunAtLoad off reads back off */
    s.run_at_load = 0;
    free(text);
    ck_assert_int_eq(hp_service_render(c, &s, &text, &e), HP_OK);
    tu_write(root, file, text, strlen(text), 0644, 0, 0);
    ck_assert_int_eq(hp_service_parse(c, file, &argv, &ral, &e), HP_OK);
    ck_assert_int_eq(ral, 0);
    for (i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
    free(text);
    /* not a service file */
    tu_write(root, file, "hello\n", 6, 0644, 0, 0);
    ck_assert_int_eq(hp_service_parse(c, file, &argv, &ral, &e), HP_EFAIL);
    ck_assert_ptr_null(argv);
    hp_ctx_close(c);
}

START_TEST(parse_plist_round_trip) { round_trip("macos", "direct", PLIST); }
END_TEST
START_TEST(parse_unit_round_trip) { round_trip("linux", "direct", UNIT); }
END_TEST

/* -------------------------------------------------------------- direct */

static pid_t read_pidfile(void)
{
    char *t = tu_read(root, PIDFILE, NULL);
    if (!t)
        return -1;
    pid_t p = (pid_t)atoi(t);
    free(t);
    return p;
}

/* Alive and not a zombie. */
static int alive(pid_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[2] != 'Z' && rp[2] != 'X';
}

static void install_sleep(hp_ctx *c, hp_journal *j)
{
    const char *argv[] = { "/bin/sleep", "1000", NULL };
    hp_service s = { .label = LABEL, .file = UNIT, .argv = argv,
                     .run_at_load = 1, .keep_alive = 1 };
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_service_install(c, &s, j, &e) == HP_OK, "%s", e.msg);
}

static int count_kind(void *arg, int kind, const char *hpath,
                      const char *extra)
{
    int *k = arg;
    if (kind == HP_J_SERVICE && !strcmp(hpath, UNIT) && !strcmp(extra, LABEL))
        k[0]++;
    if (kind == HP_J_FILE && !strcmp(hpath, UNIT))
        k[1]++;
    return 0;
}

START_TEST(direct_start_stop)
{
    hp_ctx *c = open_ctx("linux", "direct");
    hp_journal *j = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(c->rootfd, "/var/lib/hostpriv/journal",
                                     &j, &e), HP_OK);
    install_sleep(c, j);
    /* the unit file, root:root 0644, and journaled */
    char p[PATH_MAX * 2];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, UNIT);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_uid, 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    int kinds[2] = { 0, 0 };
    hp_journal_each(j, count_kind, kinds);
    ck_assert_int_eq(kinds[0], 1);
    ck_assert_int_eq(kinds[1], 1);
    hp_journal_close(j);
    /* a real process, named in the pidfile */
    pid_t pid = read_pidfile();
    ck_assert_int_gt(pid, 1);
    ck_assert(alive(pid));
    ck_assert_int_eq(hp_service_running(c, LABEL), 1);
    /* starting again does not start a second one */
    ck_assert_int_eq(hp_service_start(c, LABEL, UNIT, &e), HP_OK);
    ck_assert_int_eq(read_pidfile(), pid);
    /* stop: gone, pidfile gone */
    ck_assert_msg(hp_service_stop(c, LABEL, UNIT, &e) == HP_OK, "%s", e.msg);
    ck_assert(!alive(pid));
    ck_assert(!exists(PIDFILE));
    ck_assert_int_eq(hp_service_running(c, LABEL), 0);
    /* stopping what is stopped is fine */
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    hp_ctx_close(c);
}
END_TEST

START_TEST(direct_log_and_environment)
{
    hp_ctx *c = open_ctx("linux", "direct");
    const char *argv[] = { "/bin/sh", "-c", "echo \"out $LD_PRELOAD:$PATH\"; "
                           "echo err >&2; exit 3", NULL };
    hp_service s = { .label = "com.docker.socket",
                     .file = "/etc/systemd/system/com.docker.socket.service",
                     .argv = argv, .run_at_load = 1, .keep_alive = 0 };
    hp_err e = HP_ERR_INIT;
    setenv("LD_PRELOAD", "/tmp/evil.so", 1);
    int rc = hp_service_install(c, &s, NULL, &e);
    unsetenv("LD_PRELOAD");
    /* a run-once task ran to the end: its status is the result */
    ck_assert_int_eq(rc, HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "status 3"));
    ck_assert_ptr_nonnull(strstr(e.msg, "/var/log/hostpriv/com.docker.socket.log"));
    char *log = tu_read(root, "/var/log/hostpriv/com.docker.socket.log", NULL);
    ck_assert_ptr_nonnull(log);
    ck_assert_ptr_nonnull(strstr(log, "out :/usr/sbin:/usr/bin:/sbin:/bin\n"));
    ck_assert_ptr_nonnull(strstr(log, "err\n"));
    free(log);
    ck_assert(!exists("/var/run/com.docker.socket.pid"));
    hp_ctx_close(c);
}
END_TEST

START_TEST(direct_oneshot_done_when_start_returns)
{
    hp_ctx *c = open_ctx("macos", "direct");
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "sleep 0.2; echo ok > '%s/linked'", root);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    hp_service s = { .label = "com.docker.socket",
                     .file = "/Library/LaunchDaemons/com.docker.socket.plist",
                     .argv = argv, .run_at_load = 1, .keep_alive = 0 };
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_service_install(c, &s, NULL, &e) == HP_OK, "%s", e.msg);
    ck_assert(exists("/linked"));
    /* macos + direct writes a plist */
    char *t = tu_read(root, "/Library/LaunchDaemons/com.docker.socket.plist",
                      NULL);
    ck_assert_ptr_nonnull(strstr(t, "<plist"));
    free(t);
    hp_ctx_close(c);
}
END_TEST

/* A pidfile naming some other program: not signalled. */
START_TEST(direct_stop_refuses_foreign_pid)
{
    hp_ctx *c = open_ctx("linux", "direct");
    install_sleep(c, NULL);
    pid_t ours = read_pidfile();
    pid_t other = fork();
    ck_assert_int_ge(other, 0);
    if (other == 0) {
        execl("/usr/bin/tail", "tail", "-f", "/dev/null", (char *)NULL);
        _exit(127);
    }
    usleep(100 * 1000);     /* let it exec (not a timing assertion) */
    char text[32];
    snprintf(text, sizeof text, "%d\n", (int)other);
    tu_write(root, PIDFILE, text, strlen(text), 0644, 0, 0);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_running(c, LABEL), 0);
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    ck_assert(alive(other));
    ck_assert(!exists(PIDFILE));           /* stale: removed */
    /* ourselves: never signalled either */
    snprintf(text, sizeof text, "%d\n", (int)getpid());
    tu_write(root, PIDFILE, text, strlen(text), 0644, 0, 0);
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    /* garbage: nothing signalled */
    tu_write(root, PIDFILE, "-1\n", 3, 0644, 0, 0);
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    tu_write(root, PIDFILE, "1x", 2, 0644, 0, 0);
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    ck_assert(alive(other));
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
    kill(ours, SIGKILL);
    hp_ctx_close(c);
}
END_TEST

/* The rig's reboot: /var/run is wiped, then every RunAtLoad service is
 * started again. */
START_TEST(boot_starts_run_at_load)
{
    hp_ctx *c = open_ctx("linux", "direct");
    install_sleep(c, NULL);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "echo booted >> '%s/booted'", root);
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    hp_service b = { .label = "com.docker.socket",
                     .file = "/etc/systemd/system/com.docker.socket.service",
                     .argv = argv, .run_at_load = 1, .keep_alive = 0 };
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_install(c, &b, NULL, &e), HP_OK);
    pid_t first = read_pidfile();
    kill(first, SIGKILL);
    waitpid(first, NULL, 0);
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s%s", root, PIDFILE);
    unlink(p);
    ck_assert_int_eq(hp_service_running(c, LABEL), 0);
    ck_assert_msg(hp_service_boot(c, &e) == HP_OK, "%s", e.msg);
    ck_assert_int_eq(hp_service_running(c, LABEL), 1);
    pid_t second = read_pidfile();
    ck_assert_int_ne(second, first);
    char *t = tu_read(root, "/booted", NULL);
    ck_assert_str_eq(t, "booted\nbooted\n");
    free(t);
    ck_assert_int_eq(hp_service_stop(c, LABEL, UNIT, &e), HP_OK);
    ck_assert(!alive(second));
    hp_ctx_close(c);
}
END_TEST

/* -------------------------------------------------------- tool missing */

START_TEST(launchctl_absent)
{
    hp_ctx *c = open_ctx("macos", "launchd");
    const char *argv[] = { "/bin/sleep", "1000", NULL };
    hp_service s = { .label = LABEL, .file = PLIST, .argv = argv,
                     .run_at_load = 1, .keep_alive = 1 };
    hp_err e = HP_ERR_INIT;
    char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent", 1);
    ck_assert_int_eq(hp_service_install(c, &s, NULL, &e), HP_EUNAVAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "launchctl"));
    ck_assert_ptr_nonnull(strstr(e.msg, "helper.service = direct"));
    ck_assert(!exists(PLIST));
    ck_assert_int_eq(hp_service_stop(c, LABEL, PLIST, &e), HP_EUNAVAIL);
    hp_ctx_close(c);
    c = open_ctx("linux", "systemd");
    s.file = UNIT;
    ck_assert_int_eq(hp_service_install(c, &s, NULL, &e), HP_EUNAVAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "systemctl"));
    ck_assert(!exists(UNIT));
    setenv("PATH", old, 1);
    free(old);
    hp_ctx_close(c);
}
END_TEST

/* A sandboxed root never reaches this machine's service manager. */
START_TEST(real_manager_refused_in_sandbox)
{
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/bin", root);
    mkdir(dir, 0755);
    const char *fake = "#!/bin/sh\ntouch \"$0.ran\"\n";
    tu_write(root, "/bin/systemctl", fake, strlen(fake), 0755, 0, 0);
    char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", dir, 1);
    hp_ctx *c = open_ctx("linux", "systemd");
    const char *argv[] = { "/bin/sleep", "1000", NULL };
    hp_service s = { .label = LABEL, .file = UNIT, .argv = argv,
                     .run_at_load = 1, .keep_alive = 1 };
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_service_install(c, &s, NULL, &e), HP_ECONFIG);
    ck_assert_ptr_nonnull(strstr(e.msg, "sandbox"));
    ck_assert(!exists(UNIT));
    ck_assert(!exists("/bin/systemctl.ran"));
    setenv("PATH", old, 1);
    free(old);
    hp_ctx_close(c);
}
END_TEST

Suite *make_service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *t = tcase_create("render");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, plist_golden);
    tcase_add_test(t, unit_golden);
    tcase_add_test(t, render_refuses);
    tcase_add_test(t, parse_plist_round_trip);
    tcase_add_test(t, parse_unit_round_trip);
    suite_add_tcase(s, t);

    t = tcase_create("direct");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, direct_start_stop);
    tcase_add_test(t, direct_log_and_environment);
    tcase_add_test(t, direct_oneshot_done_when_start_returns);
    tcase_add_test(t, direct_stop_refuses_foreign_pid);
    tcase_add_test(t, boot_starts_run_at_load);
    suite_add_tcase(s, t);

    t = tcase_create("tools");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, launchctl_absent);
    tcase_add_test(t, real_manager_refused_in_sandbox);
    suite_add_tcase(s, t);
    return s;
}
