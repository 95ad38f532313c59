/* The helper of each generation, installed for real (`hostpriv privileged
 * helper-install` / `helper-start`, the direct backend, a sandbox root):
 * the running process keeps exactly its version's capabilities (bounding
 * set too), no_new_privs and a seccomp filter; the units hostpriv writes
 * for it and for the boot task score <= 2.5 in `systemd-analyze security
 * --offline=true` (figures printed); a reload to a plugin that needs more
 * than the helper kept is refused; packaging/ holds the renderer's own
 * output. */
#include "testutil.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "helper/harden.h"
#include "helper/service.h"
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT "/etc/systemd/system/com.docker.vmnetd.service"
#define BOOT_UNIT "/etc/systemd/system/com.docker.socket.service"
#define PIDFILE "/var/run/com.docker.vmnetd.pid"
#define LOG "/var/log/hostpriv/com.docker.vmnetd.log"
#define NET_BIND (1ull << 10)
#define SETID ((1ull << 6) | (1ull << 7))

static char root[PATH_MAX];

static void write_config(const char *version)
{
    char ini[512];
    snprintf(ini, sizeof ini, "[core]\nversion = %s\n[host]\nplatform = "
             "linux\nuser = " HP_TEST_USER "\n[helper]\nservice = direct\n"
             "socket = /var/run/hpc.sock\n", version);
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/var/lib/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/var/log/hostpriv", 0755, 0, 0);
    tu_write(root, "/etc/hosts", "127.0.0.1 localhost\n", 20, 0644, 0, 0);
}

static pid_t helper_pid(void)
{
    char *t = tu_read(root, PIDFILE, NULL);
    pid_t pid = t ? (pid_t)atoi(t) : -1;
    free(t);
    return pid;
}

static void teardown(void)
{
    pid_t pid = helper_pid();
    if (pid > 0)
        kill(pid, SIGKILL);
    tu_sandbox_rm(root);
}

/* hostpriv --root ROOT privileged TASK, as root; its exit status. */
static int privileged(const char *task, char **err)
{
    char bin[PATH_MAX];
    tu_build("bin/hostpriv", bin, sizeof bin);
    const char *argv[] = { bin, "--root", root, "privileged", task, NULL };
    char *out = NULL;
    int rc = tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, err);
    free(out);
    return rc;
}

static unsigned long long field(const char *text, const char *key, int base)
{
    const char *p = text ? strstr(text, key) : NULL;
    ck_assert_msg(p != NULL, "no %s in the status", key);
    return strtoull(p + strlen(key), NULL, base);
}

/* The running helper holds exactly `caps`, everywhere. */
static void assert_confined(unsigned long long caps)
{
    pid_t pid = helper_pid();
    ck_assert_int_gt(pid, 0);
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    char *st = tu_read("", p, NULL);
    ck_assert_msg(st != NULL, "the helper (pid %d) is not running", pid);
    ck_assert_uint_eq(field(st, "NoNewPrivs:", 10), 1);
    ck_assert_uint_eq(field(st, "Seccomp:", 10), 2);
    ck_assert_uint_eq(field(st, "CapEff:", 16), caps);
    ck_assert_uint_eq(field(st, "CapPrm:", 16), caps);
    ck_assert_uint_eq(field(st, "CapBnd:", 16), caps);
    ck_assert_uint_eq(field(st, "CapInh:", 16), 0);
    ck_assert_uint_eq(field(st, "CapAmb:", 16), 0);
    free(st);
}

/* systemd-analyze security --offline=true on a unit hostpriv wrote: the
 * overall exposure, printed and returned. */
static double exposure(const char *hpath)
{
    char unit[PATH_MAX * 2];
    snprintf(unit, sizeof unit, "%s%s", root, hpath);
    const char *argv[] = { "/usr/bin/systemd-analyze", "security",
                           "--offline=true", unit, NULL };
    ck_assert_msg(access(argv[0], X_OK) == 0, "systemd-analyze is missing: "
                  "scripts/install-deps installs the systemd package");
    char *out = NULL, *err = NULL;
    tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, &err);
    const char *p = out ? strstr(out, "Overall exposure level for ") : NULL;
    ck_assert_msg(p != NULL, "systemd-analyze: %s%s", out ? out : "",
                  err ? err : "");
    p = strchr(p, ':');
    double v = p ? strtod(p + 1, NULL) : 99;
    printf("systemd-analyze security: %s: exposure %.1f\n",
           strrchr(hpath, '/') + 1, v);
    free(out);
    free(err);
    return v;
}

static char *unit_text(const char *hpath)
{
    char *t = tu_read(root, hpath, NULL);
    ck_assert_msg(t != NULL, "%s was not written", hpath);
    return t;
}

static void generation(const char *version, const char *task,
                       unsigned long long caps, const char *bounding)
{
    write_config(version);
    char *err = NULL;
    int rc = privileged(task, &err);
    ck_assert_msg(rc == 0, "privileged %s: %d %s", task, rc, err);
    free(err);
    assert_confined(caps);
    char *u = unit_text(UNIT);
    ck_assert_msg(strstr(u, bounding), "%s", u);
    free(u);
    ck_assert_double_le(exposure(UNIT), 2.5);
}

START_TEST(legacy_helper_confined)
{
    generation("4.14.0", "helper-install", NET_BIND | SETID,
               "CapabilityBoundingSet=CAP_SETGID CAP_SETUID "
               "CAP_NET_BIND_SERVICE\n");
    /* it edits links, the docker.sock link, hosts, the policy, its own
     * files: those directories are writable, nothing else */
    char *u = unit_text(UNIT), want[PATH_MAX * 2];
    const char *dirs[] = { "/usr/local/bin\"", "/etc\"", "/var/lib/hostpriv\"",
                           "/usr/local/libexec/hostpriv\"" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(want, sizeof want, "ReadWritePaths=\"-%s%s", root, dirs[i]);
        ck_assert_msg(strstr(u, want), "%s missing in %s", want, u);
    }
    ck_assert_ptr_null(strstr(u, "~@clock @cpu-emulation @debug @module "
                              "@mount @obsolete @raw-io @reboot @resources "
                              "@swap @setuid"));
    free(u);
}
END_TEST

START_TEST(ondemand_helper_confined)
{
    generation("4.16.2", "helper-start", NET_BIND,
               "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
    char *u = unit_text(UNIT), want[PATH_MAX * 2];
    snprintf(want, sizeof want, "ReadWritePaths=\"-%s/etc\"", root);
    ck_assert_msg(!strstr(u, want), "4.15's helper writes nothing in /etc");
    ck_assert(strstr(u, "@swap @setuid\n"));
    free(u);
}
END_TEST

START_TEST(advanced_helper_confined)
{
    generation("4.18.0", "helper-install", NET_BIND,
               "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
}
END_TEST

/* The boot task's unit: a oneshot with no capability and no network. */
START_TEST(boot_task_unit)
{
    write_config("4.14.0");
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    char *err = NULL;
    int rc = privileged("docker-socket", &err);
    ck_assert_msg(rc == 0, "privileged docker-socket: %d %s", rc, err);
    free(err);
    char *u = unit_text(BOOT_UNIT);
    ck_assert(strstr(u, "Type=oneshot\n"));
    ck_assert(strstr(u, "CapabilityBoundingSet=\n"));
    ck_assert(strstr(u, "PrivateNetwork=yes\n"));
    free(u);
    ck_assert_double_le(exposure(BOOT_UNIT), 2.5);
}
END_TEST

/* The 4.15 helper kept CAP_NET_BIND_SERVICE only: a configuration that
 * now picks legacy-vmnetd (which acts as the user) is not taken. */
START_TEST(reload_needing_more_refused)
{
    write_config("4.16.2");
    char *err = NULL;
    ck_assert_int_eq(privileged("helper-start", &err), 0);
    free(err);
    write_config("4.14.0");
    pid_t pid = helper_pid();
    kill(pid, SIGHUP);
    char *log = NULL;
    for (int i = 0; i < 500; i++) {
        free(log);
        log = tu_read(root, LOG, NULL);
        if (log && strstr(log, "reload refused"))
            break;
        usleep(10000);
    }
    ck_assert_msg(log && strstr(log, "reload refused, keeping the old "
                  "configuration: the plugin legacy-vmnetd needs CAP_SETGID "
                  "CAP_SETUID"), "%s", log ? log : "(no log)");
    free(log);
    assert_confined(NET_BIND);
}
END_TEST

/* ------------------------------------------------- packaging = render */

static char *repo_file(const char *rel)
{
    char p[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(p, sizeof p, "%s/%s", src ? src : ".", rel);
    return tu_read("", p, NULL);
}

/* packaging/ holds what hostpriv writes on a host whose root is /, for the
 * default version (4.18, privileged ports on): one template per unit or
 * plist, the install paths as @BINDIR@ and @PLUGINDIR@, which make install
 * (scripts/install) substitutes. */
/* Replace each `from` in *text by `to` (the renderer wants absolute
 * paths; the templates name them @BINDIR@ and @PLUGINDIR@). */
static void token(char **text, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), k = 0;
    for (const char *p = *text; (p = strstr(p, from)) != NULL; p += fl)
        k++;
    char *out = malloc(strlen(*text) + k * tl + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    const char *p = *text, *q;
    while ((q = strstr(p, from)) != NULL) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    strcpy(o, p);
    free(*text);
    *text = out;
}

static void packaged(const char *platform, const char *rel, int boot,
                     int socket_unit)
{
    char p[64];
    snprintf(p, sizeof p, "host.platform=%s", platform);
    const char *sets[] = { p, NULL };
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_ctx_open(&c, &o, &e) == HP_OK, "%s", e.msg);
    c->root[0] = '\0';      /* render as for / (nothing is written) */
    int mac = !strcmp(platform, "macos");
    hp_service_limits l = { .boot = boot,
                            .caps = boot ? 0 : NET_BIND };
    const char *rw[] = { "/etc/systemd/system",
                         "/usr/local/libexec/hostpriv", "/var/lib/hostpriv" };
    const char *brw[] = { "/var/lib/hostpriv", "/var/run" };
    for (size_t i = 0; i < (boot ? 2u : 3u); i++)
        snprintf(l.rw.dir[l.rw.n++], PATH_MAX, "%s", boot ? brw[i] : rw[i]);
    const char *hargv[] = { mac ? "/Library/PrivilegedHelperTools/"
                                  "com.docker.vmnetd"
                                : "/usr/local/libexec/hostpriv/"
                                  "com.docker.vmnetd",
                            "--plugin-dir", "/PLUGINDIR",
                            "--foreground", NULL };
    const char *bargv[] = { "/BINDIR/hostpriv", "boot", NULL };
    hp_service s = { .label = boot ? "com.docker.socket" : "com.docker.vmnetd",
                     .file = "/x", .argv = boot ? bargv : hargv,
                     .run_at_load = 1, .keep_alive = !boot,
                     .socket = boot ? NULL : "/var/run/com.docker.vmnetd.sock",
                     .limits = &l };
    char *text = NULL;
    ck_assert_msg((socket_unit ? hp_service_render_socket(c, &s, &text, &e)
                               : hp_service_render(c, &s, &text, &e)) == HP_OK,
                  "%s: %s", rel, e.msg);
    token(&text, "/BINDIR", "@BINDIR@");
    token(&text, "/PLUGINDIR", "@PLUGINDIR@");
    char *file = repo_file(rel);
    ck_assert_msg(file != NULL, "%s missing", rel);
    ck_assert_msg(!strcmp(text, file), "%s differs from what hostpriv "
                  "writes; it should read:\n%s", rel, text);
    free(text);
    free(file);
    hp_ctx_close(c);
}

START_TEST(packaging_is_the_rendering)
{
    packaged("linux", "packaging/systemd/com.docker.vmnetd.service.in", 0, 0);
    packaged("linux", "packaging/systemd/com.docker.vmnetd.socket.in", 0, 1);
    packaged("linux", "packaging/systemd/com.docker.socket.service.in", 1, 0);
    packaged("macos", "packaging/macos/com.docker.vmnetd.plist.in", 0, 0);
    packaged("macos", "packaging/macos/com.docker.socket.plist.in", 1, 0);
}
END_TEST

Suite *make_confine_suite(void)
{
    Suite *s = suite_create("confine");
    TCase *t = tcase_create("generations");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, legacy_helper_confined);
    tcase_add_test(t, ondemand_helper_confined);
    tcase_add_test(t, advanced_helper_confined);
    tcase_add_test(t, boot_task_unit);
    tcase_add_test(t, reload_needing_more_refused);
    suite_add_tcase(s, t);
    t = tcase_create("packaging");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, packaging_is_the_rendering);
    suite_add_tcase(s, t);
    return s;
}
