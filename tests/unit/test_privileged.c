/* `hostpriv privileged TASK`: the real binary, run as root and as
 * the unprivileged test user.  The user elevating through `sudo -n` and a
 * NOPASSWD rule limited to `<hostpriv> privileged *` gets a root-owned
 * file; calling it directly gets 77; root with a config or root a user
 * could have prepared gets 78; an unknown task 64 -- in that order.  It
 * ignores --set, the user layer and the environment.  Every refusal checks
 * that nothing was written. */
#include "testutil.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "auth/elevate.h"
#include "base/sha256.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CACHE "/var/lib/hostpriv/registry-access-management.json"
#define JSON "{\"allowedRegistries\": [\"docker.io\", \"*.corp.example\"]}"

static char bindir[PATH_MAX];       /* root-owned 0755: hptest reaches it,
                                       no one else can create in it */
static char bin[PATH_MAX + 16];
static char rule[PATH_MAX];         /* /etc/sudoers.d/hostpriv-test-P-N */
static char root[PATH_MAX];
static uid_t uid;
static gid_t gid;

/* ------------------------------------------------------------ fixtures */

static void copy_binary(void)
{
    char src[PATH_MAX];
    tu_build("bin/hostpriv", src, sizeof src);
    tu_root_dir(bindir, sizeof bindir);
    snprintf(bin, sizeof bin, "%s/hostpriv", bindir);
    const char *cp[] = { "/bin/cp", src, bin, NULL };
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, cp, NULL, NULL, NULL), 0);
    ck_assert_int_eq(chmod(bin, 0755), 0);
}

static void drop_binary(void) { tu_sandbox_rm(bindir); }

/* scripts/test-sudoers add PATH, as root. */
static int test_sudoers_add(const char *path, char **out, char **err)
{
    char script[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(script, sizeof script, "%s/scripts/test-sudoers",
             src ? src : ".");
    const char *argv[] = { script, "add", path, NULL };
    return tu_run((uid_t)-1, (gid_t)-1, argv, NULL, out, err);
}

static void add_rule(void)
{
    char *out = NULL, *err = NULL;
    copy_binary();
    int rc = test_sudoers_add(bin, &out, &err);
    ck_assert_msg(rc == 0, "test-sudoers add: %s", err);
    out[strcspn(out, "\n")] = '\0';
    snprintf(rule, sizeof rule, "%s", out);
    free(out);
    free(err);
}

/* Runs in the parent after the TCase, whatever happened in its tests. */
static void remove_rule(void)
{
    if (rule[0] && strncmp(rule, "/etc/sudoers.d/hostpriv-test-", 29) == 0)
        unlink(rule);
    rule[0] = '\0';
    drop_binary();
}

static void setup(void)
{
    tu_user(&uid, &gid);
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    const char *ini = "[host]\nplatform = linux\nuser = " HP_TEST_USER "\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0, 0);
}

static void teardown(void) { tu_sandbox_rm(root); }

/* ------------------------------------------------------------- helpers */

static int run_as(uid_t u, gid_t g, const char *const *argv, const char *in,
                  char **err)
{
    char *out = NULL;
    int rc = tu_run(u, g, argv, in, &out, err);
    free(out);
    return rc;
}

static int root_run(const char *const *argv, const char *in, char **err)
{
    return run_as((uid_t)-1, (gid_t)-1, argv, in, err);
}

static int cache_exists(void)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s" CACHE, root);
    return lstat(p, &st) == 0;
}

static void assert_cache_root_owned(void)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s" CACHE, root);
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_uid, 0);
    ck_assert_int_eq(st.st_gid, 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    char *t = tu_read(root, CACHE, NULL);
    ck_assert_ptr_nonnull(strstr(t, "*.corp.example"));
    free(t);
}

/* ---------------------------------------------------------------- sudo */

START_TEST(sudo_gives_root_owned_file)
{
    const char *argv[] = { "/usr/bin/sudo", "-n", bin, "privileged", "policy",
                           "--root", root, NULL };
    char *err = NULL;
    int rc = run_as(uid, gid, argv, JSON, &err);
    ck_assert_msg(rc == 0, "sudo -n hostpriv privileged policy: %d: %s", rc,
                  err);
    free(err);
    assert_cache_root_owned();
}
END_TEST

/* The app side's own path: hp_elevate_run as the user, through sudo -n. */
static int elevate_as_user(void *arg)
{
    const char *self = arg;
    const char *sets[] = { "elevate.command=sudo -n", "host.platform=linux",
                           NULL };
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .sets = sets,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    if (hp_ctx_open(&c, &o, &e) != HP_OK) {
        fprintf(stderr, "ctx: %s\n", e.msg);
        return 100;
    }
    snprintf(c->self_exe, sizeof c->self_exe, "%s", self);
    int rc = hp_elevate_run(c, HP_ACT_POLICY_SET, JSON, strlen(JSON), &e);
    if (rc != HP_OK)
        fprintf(stderr, "elevate: %s\n", e.msg);
    if (strcmp(self, "/bin/true") == 0)       /* the rule does not allow it */
        rc = rc == HP_EDENIED && strstr(e.msg, "a password is required")
                 ? 0 : 101;
    hp_ctx_close(c);
    return rc;
}

START_TEST(elevate_run_through_sudo)
{
    ck_assert_int_eq(tu_as(uid, gid, elevate_as_user, bin), 0);
    assert_cache_root_owned();
}
END_TEST

/* The rule names hostpriv privileged only: anything else is sudo's own
 * "a password is required", which elevation reports as a denial. */
START_TEST(sudo_rule_is_limited)
{
    ck_assert_int_eq(tu_as(uid, gid, elevate_as_user, "/bin/true"), 0);
    ck_assert(!cache_exists());
}
END_TEST

/* The rule names the binary by a path only root can create and pins it
 * by its digest: a file put there later is refused by sudo. */
START_TEST(rule_pins_digest_of_root_only_path)
{
    size_t len;
    char *text = tu_read("", rule, NULL), hex[65], want[PATH_MAX + 200];
    char *data = tu_read("", bin, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(data);
    hp_sha256_hex(data, len, hex);
    snprintf(want, sizeof want, HP_TEST_USER " ALL=(root) NOPASSWD: "
             "sha256:%s %s privileged *\n", hex, bin);
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks\n%s", text, want);
    ck_assert_msg(strncmp(bin, "/tmp/", 5) != 0, "%s", bin);
    free(text);
    free(data);
}
END_TEST

/* ------------------------------------------------------------ the script */

static int rules_of(long owner)
{
    char pre[64];
    snprintf(pre, sizeof pre, "hostpriv-test-%ld-", owner);
    DIR *d = opendir("/etc/sudoers.d");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        n += !strncmp(de->d_name, pre, strlen(pre));
    if (d)
        closedir(d);
    return n;
}

/* Under /tmp anyone may recreate the path once the directory is gone. */
START_TEST(script_refuses_world_writable_tree)
{
    char dir[PATH_MAX], path[PATH_MAX + 16], src[PATH_MAX];
    char *out = NULL, *err = NULL;
    tu_sandbox(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/hostpriv", dir);
    tu_build("bin/hostpriv", src, sizeof src);
    const char *cp[] = { "/bin/cp", src, path, NULL };
    ck_assert_int_eq(tu_run((uid_t)-1, (gid_t)-1, cp, NULL, NULL, NULL), 0);
    int rc = test_sudoers_add(path, &out, &err);
    tu_sandbox_rm(dir);
    out[strcspn(out, "\n")] = '\0';
    if (rc == 0 && !strncmp(out, "/etc/sudoers.d/hostpriv-test-", 29))
        unlink(out);                /* written after all: never leave it */
    free(out);
    ck_assert_msg(rc == 1 && strstr(err, "/tmp is uid 0 mode 1777"),
                  "rc %d: %s", rc, err);
    free(err);
    ck_assert_int_eq(rules_of((long)getpid()), 0);
}
END_TEST

static void plant(const char *name, const char *text)
{
    char tmp[PATH_MAX], path[PATH_MAX];
    snprintf(tmp, sizeof tmp, "/etc/sudoers.d/.%s", name);
    snprintf(path, sizeof path, "/etc/sudoers.d/%s", name);
    tu_write("", tmp, text, strlen(text), 0440, 0, 0);
    ck_assert_int_eq(rename(tmp, path), 0);
}

/* A rule whose owner has ended, or whose hostpriv is gone, is removed by
 * the next add, which says so. */
START_TEST(script_sweeps_stale_rules)
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    char a[64], b[64], pa[PATH_MAX], pb[PATH_MAX], *out = NULL, *err = NULL;
    snprintf(a, sizeof a, "hostpriv-test-%ld-1", (long)dead);
    snprintf(b, sizeof b, "hostpriv-test-%ld-1", (long)getpid());
    plant(a, "# a test killed before its remove\n");
    plant(b, HP_TEST_USER " ALL=(root) NOPASSWD: " TU_ROOT_DIRS
             "/gone/hostpriv privileged *\n");
    int rc = test_sudoers_add(bin, &out, &err);
    snprintf(pa, sizeof pa, "/etc/sudoers.d/%s", a);
    snprintf(pb, sizeof pb, "/etc/sudoers.d/%s", b);
    struct stat st;
    int left_a = lstat(pa, &st) == 0, left_b = lstat(pb, &st) == 0;
    unlink(pa);
    unlink(pb);
    out[strcspn(out, "\n")] = '\0';
    if (rc == 0)
        unlink(out);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, err);
    ck_assert_msg(!left_a && !left_b, "stale rules left: %d %d", left_a,
                  left_b);
    ck_assert_msg(strstr(err, pa) && strstr(err, "has ended") &&
                  strstr(err, pb) && strstr(err, "/gone/hostpriv is gone"),
                  "%s", err);
    free(out);
    free(err);
}
END_TEST

/* -------------------------------------------------------------- checks */

START_TEST(user_direct_is_77)
{
    const char *argv[] = { bin, "privileged", "policy", "--root", root, NULL };
    char *err = NULL;
    ck_assert_int_eq(run_as(uid, gid, argv, JSON, &err), 77);
    ck_assert_ptr_nonnull(strstr(err, "must be run as root"));
    free(err);
    /* root is checked first: an unknown task from a user is still 77 */
    const char *bad[] = { bin, "privileged", "nope", NULL };
    ck_assert_int_eq(run_as(uid, gid, bad, NULL, NULL), 77);
    ck_assert(!cache_exists());
}
END_TEST

START_TEST(unsafe_config_is_78)
{
    char cfg[PATH_MAX + 32], *err = NULL;
    const char *ini = "[policy]\ncache_file = /var/lib/hostpriv/x.json\n";
    /* a config the user owns */
    tu_write(root, "/user.ini", ini, strlen(ini), 0644, uid, gid);
    snprintf(cfg, sizeof cfg, "%s/user.ini", root);
    const char *a1[] = { bin, "privileged", "policy", "--root", root, "-c",
                         cfg, NULL };
    ck_assert_int_eq(root_run(a1, JSON, &err), 78);
    ck_assert_ptr_nonnull(strstr(err, "refusing"));
    free(err);
    /* root's file, but anyone may write it */
    tu_write(root, "/open.ini", ini, strlen(ini), 0666, 0, 0);
    snprintf(cfg, sizeof cfg, "%s/open.ini", root);
    ck_assert_int_eq(root_run(a1, JSON, NULL), 78);
    /* root's file in a directory the user owns (they can swap it) */
    tu_mkdir(root, "/mine", 0755, uid, gid);
    tu_write(root, "/mine/app.ini", ini, strlen(ini), 0644, 0, 0);
    snprintf(cfg, sizeof cfg, "%s/mine/app.ini", root);
    ck_assert_int_eq(root_run(a1, JSON, NULL), 78);
    /* a symlink to a good file: refused, not followed */
    tu_write(root, "/good.ini", ini, strlen(ini), 0644, 0, 0);
    char link[PATH_MAX + 32];
    snprintf(link, sizeof link, "%s/link.ini", root);
    ck_assert_int_eq(symlink("good.ini", link), 0);
    snprintf(cfg, sizeof cfg, "%s", link);
    ck_assert_int_eq(root_run(a1, JSON, NULL), 78);
    snprintf(cfg, sizeof cfg, "%s/mine/app.ini", root);
    /* config is checked before the task name */
    const char *a2[] = { bin, "privileged", "nope", "-c", cfg, NULL };
    ck_assert_int_eq(root_run(a2, NULL, NULL), 78);
    ck_assert(!cache_exists());
}
END_TEST

START_TEST(unsafe_root_is_78)
{
    char sub[PATH_MAX + 16];
    tu_mkdir(root, "/tree", 0755, uid, gid);   /* a tree the user controls */
    tu_mkdir(root, "/tree/etc", 0755, 0, 0);
    snprintf(sub, sizeof sub, "%s/tree", root);
    const char *a1[] = { bin, "privileged", "policy", "--root", sub, NULL };
    ck_assert_int_eq(root_run(a1, JSON, NULL), 78);
    /* root-owned, but group-writable */
    tu_mkdir(root, "/gw", 0775, 0, 0);
    snprintf(sub, sizeof sub, "%s/gw", root);
    ck_assert_int_eq(root_run(a1, JSON, NULL), 78);
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/tree" CACHE, root);
    ck_assert_int_ne(lstat(p, &st), 0);
    snprintf(p, sizeof p, "%s/gw" CACHE, root);
    ck_assert_int_ne(lstat(p, &st), 0);
}
END_TEST

START_TEST(unknown_task_is_64)
{
    const char *cases[][8] = {
        { bin, "privileged", "nope", "--root", root, NULL },
        { bin, "privileged", "--root", root, NULL },                 /* none */
        { bin, "privileged", "policy", "hosts", "--root", root, NULL },
        { bin, "privileged", "policy", "--root", root, "--evil", NULL },
        { bin, "privileged", "policy", "--root", NULL },
        { bin, "privileged", "helper", "--root", root, NULL },    /* an event
                                                   task, not an action */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        int rc = root_run(cases[i], JSON, &err);
        ck_assert_msg(rc == 64, "case %zu: %d (%s)", i, rc, err);
        free(err);
    }
    ck_assert(!cache_exists());
}
END_TEST

START_TEST(root_acts_and_options_both_places)
{
    /* --root globally or after the task */
    const char *a1[] = { bin, "--root", root, "privileged", "policy", NULL };
    char *err = NULL;
    ck_assert_msg(root_run(a1, JSON, &err) == 0, "%s", err);
    free(err);
    assert_cache_root_owned();
    /* the same value twice is fine; two different ones are not */
    const char *a2[] = { bin, "--root", root, "privileged", "policy",
                         "--root", "/", NULL };
    ck_assert_int_eq(root_run(a2, JSON, NULL), 64);
}
END_TEST

START_TEST(set_and_user_layer_ignored)
{
    char set[PATH_MAX + 64], xdg[PATH_MAX + 32], home[PATH_MAX + 32];
    /* a user layer that would move the cache, if it were read */
    tu_mkdir(root, "/home/x/.config/hostpriv", 0755, 0, 0);
    const char *ini = "[policy]\ncache_file = /evil-user.json\n";
    tu_write(root, "/home/x/.config/hostpriv/hostpriv.ini", ini, strlen(ini),
             0644, 0, 0);
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s/home/x/.config", root);
    snprintf(home, sizeof home, "HOME=%s/home/x", root);
    snprintf(set, sizeof set, "policy.cache_file=/evil-set.json");
    const char *argv[] = { "/usr/bin/env", xdg, home, bin, "--set", set,
                           "privileged", "policy", "--root", root, NULL };
    char *err = NULL;
    ck_assert_msg(root_run(argv, JSON, &err) == 0, "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "--set is ignored"));
    free(err);
    assert_cache_root_owned();
    char *t = tu_read(root, "/evil-set.json", NULL);
    ck_assert_ptr_null(t);
    t = tu_read(root, "/evil-user.json", NULL);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(stdin_capped)
{
    size_t n = 1024 * 1024 + 10;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{\"allowedRegistries\": []}", 25);
    big[n] = '\0';
    const char *argv[] = { bin, "privileged", "policy", "--root", root, NULL };
    char *err = NULL;
    ck_assert_int_eq(root_run(argv, big, &err), 64);
    ck_assert_ptr_nonnull(strstr(err, "larger than"));
    free(err);
    free(big);
    ck_assert(!cache_exists());
}
END_TEST

Suite *make_privileged_suite(void)
{
    Suite *s = suite_create("privileged");
    TCase *t = tcase_create("checks");
    tcase_add_unchecked_fixture(t, copy_binary, drop_binary);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, user_direct_is_77);
    tcase_add_test(t, unsafe_config_is_78);
    tcase_add_test(t, unsafe_root_is_78);
    tcase_add_test(t, unknown_task_is_64);
    tcase_add_test(t, root_acts_and_options_both_places);
    tcase_add_test(t, set_and_user_layer_ignored);
    tcase_add_test(t, stdin_capped);
    suite_add_tcase(s, t);

    t = tcase_create("sudo");
    tcase_add_unchecked_fixture(t, add_rule, remove_rule);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, sudo_gives_root_owned_file);
    tcase_add_test(t, elevate_run_through_sudo);
    tcase_add_test(t, sudo_rule_is_limited);
    tcase_add_test(t, rule_pins_digest_of_root_only_path);
    suite_add_tcase(s, t);

    t = tcase_create("script");
    tcase_add_unchecked_fixture(t, copy_binary, drop_binary);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, script_refuses_world_writable_tree);
    tcase_add_test(t, script_sweeps_stale_rules);
    suite_add_tcase(s, t);
    return s;
}
