/* Plugin loader: every rejection the loader documents with its message (file,
 * cause, fix), nothing left loaded or open after a rejection, root safety
 * of plugin files and directories (SECURITY.md 35-37), selection by name
 * and version, and `hostpriv plugins` over the real plugins. */
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <jansson.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/loader.h"
#include "testutil.h"

static char root[PATH_MAX];

static void setup(void) { tu_sandbox(root, sizeof root); }
static void teardown(void) { tu_sandbox_rm(root); }

static const char *tplugin(const char *name)
{
    static char p[PATH_MAX];
    char rel[128];
    snprintf(rel, sizeof rel, "tests/plugins/%s.so", name);
    return tu_build(rel, p, sizeof p);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

/* 1 when the object at path (by inode) is still mapped in this process. */
static int still_loaded(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (h)
        dlclose(h);
    return h != NULL;
}

/* Copy a test plugin into the sandbox (root-owned by default). */
static void stage(const char *name, const char *hpath, mode_t mode, uid_t u,
                  gid_t g)
{
    size_t len;
    char *data = tu_read("", tplugin(name), &len);
    ck_assert_msg(data != NULL, "%s not built", tplugin(name));
    tu_write(root, hpath, data, len, mode, u, g);
    free(data);
}

static const char *sb(const char *hpath)
{
    static char p[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s%s", root, hpath);
    return p[k];
}

#define ck_msg_has(e, s) \
    ck_assert_msg(strstr((e).msg, (s)) != NULL, "'%s' not in '%s'", (s), \
                  (e).msg)

/* ---- rejections -------------------------------------------------------- */

static const struct { const char *plugin, *why; } rejected[] = {
    { "tp_bad_major", "ABI major 2, this hostpriv speaks 1: rebuild the "
                      "plugin against hostpriv's plugin.h" },
    { "tp_newer_minor", "ABI 1.4 is newer than this hostpriv's 1.3" },
    { "tp_oversize", "is larger than the" },
    { "tp_no_symbol", "no 'hp_plugin_descriptor' symbol: not a hostpriv "
                      "plugin" },
    { "tp_no_init", "required init is NULL" },
    { "tp_no_launch", "required ops.launch is NULL" },
    { "tp_bad_range", "version_min '4.x' is not a version" },
    { "tp_empty_range", "empty version range [4.18, 4.15)" },
    { "tp_bad_extra", "extra op 0 ('weird') is malformed" },
};

START_TEST(rejection_names_file_cause_fix_and_unloads)
{
    const char *path = tplugin(rejected[_i].plugin);
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    int fds = count_fds();
    ck_assert_int_eq(hp_loader_load(copy, 0, &l, &e), HP_ECONFIG);
    ck_assert_msg(strncmp(e.msg, "plugin ", 7) == 0 && strstr(e.msg, copy),
                  "message does not name the file: %s", e.msg);
    ck_msg_has(e, rejected[_i].why);
    ck_assert_ptr_null(l.dl);
    ck_assert_int_eq(l.fd, -1);
    ck_assert_msg(!still_loaded(copy), "%s left loaded after rejection", copy);
    ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(good_plugin_loads_through_checked_fd)
{
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_loader_load(tplugin("tp_good"), 0, &l, &e) == HP_OK,
                  "%s", e.msg);
    ck_assert_str_eq(l.desc.name, "tp-good");
    ck_assert_str_eq(l.desc.versions_text, "1.0 - 1.x");
    ck_assert_uint_eq(l.desc.n_extra_ops, 2);
    ck_assert_ptr_nonnull(l.desc.ops.launch);
    ck_assert_ptr_null(l.desc.ops.links_install);
    ck_assert_str_eq(l.path, tplugin("tp_good"));
    /* what was mapped is the inode that was checked: dlopen'ed by fd */
    struct link_map *lm = NULL;
    ck_assert_int_eq(dlinfo(l.dl, RTLD_DI_LINKMAP, &lm), 0);
    ck_assert_msg(strncmp(lm->l_name, "/proc/self/fd/", 14) == 0, "%s",
                  lm->l_name);
    ck_assert(still_loaded(tplugin("tp_good")));
    hp_loader_unload(&l);
    ck_assert(!still_loaded(tplugin("tp_good")));
}
END_TEST

/* ld.so returns an already loaded object for a name it knows: a reused
 * /proc/self/fd/N must never hand back the previous plugin. */
START_TEST(second_plugin_is_not_the_first_one_again)
{
    hp_loaded a, b;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_load(tplugin("tp_good"), 0, &a, &e), HP_OK);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_small"), 0, &b, &e), HP_OK);
    ck_assert_str_eq(a.desc.name, "tp-good");
    ck_assert_str_eq(b.desc.name, "tp-small");
    ck_assert_ptr_ne(a.dl, b.dl);
    hp_loader_unload(&a);
    hp_loader_unload(&b);
}
END_TEST

/* A reload loads the same files while the old context still holds them:
 * ld.so keeps each object under the /proc/self/fd/N name of its first
 * load.  Once the old context is gone those numbers are free again, and
 * the next load that gets one must still receive its own file, not the
 * object the stale name stands for. */
START_TEST(reload_never_gets_a_stale_name)
{
    hp_loaded a1, b1, a2, b2, c, d;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_load(tplugin("tp_good"), 0, &a1, &e), HP_OK);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_small"), 0, &b1, &e), HP_OK);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_good"), 0, &a2, &e), HP_OK);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_small"), 0, &b2, &e), HP_OK);
    hp_loader_unload(&a1);
    hp_loader_unload(&b1);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_small"), 0, &c, &e), HP_OK);
    ck_assert_int_eq(hp_loader_load(tplugin("tp_dup_a"), 0, &d, &e), HP_OK);
    ck_assert_str_eq(c.desc.name, "tp-small");
    ck_assert_ptr_eq(c.dl, b2.dl);          /* the same file: one object */
    ck_assert_ptr_ne(d.dl, a2.dl);
    ck_assert_ptr_ne(d.dl, b2.dl);
    ck_assert_str_ne(d.desc.name, "tp-good");
    hp_loader_unload(&a2);
    hp_loader_unload(&b2);
    hp_loader_unload(&c);
    hp_loader_unload(&d);
}
END_TEST

START_TEST(older_smaller_descriptor_is_zero_filled)
{
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_load(tplugin("tp_small"), 0, &l, &e), HP_OK);
    ck_assert_ptr_null(l.desc.extra_ops);      /* beyond struct_size */
    ck_assert_uint_eq(l.desc.n_extra_ops, 0);
    hp_loader_unload(&l);
}
END_TEST

START_TEST(relative_or_bare_names_are_refused)
{
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    static const char *const names[] = { "tp_good.so", "libc.so.6",
        "build/tests/plugins/tp_good.so", "./x.so", "", NULL };
    for (size_t i = 0; names[i]; i++) {
        ck_assert_int_eq(hp_loader_load(names[i], 0, &l, &e), HP_ECONFIG);
        ck_msg_has(e, "not an absolute path");
    }
    hp_loaded *list;
    size_t n;
    ck_assert_int_eq(hp_loader_scan("build/plugins", 0, &list, &n, NULL, 0,
                                    &e), HP_ECONFIG);
    ck_msg_has(e, "not an absolute path");
    ck_assert_int_eq(hp_loader_scan(NULL, 0, &list, &n, NULL, 0, &e),
                     HP_ECONFIG);
}
END_TEST

/* ---- scanning and picking ---------------------------------------------- */

START_TEST(scan_skips_rejects_and_duplicates)
{
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_good", "/p/10-good.so", 0644, 0, 0);
    stage("tp_dup_a", "/p/20-dup-a.so", 0644, 0, 0);
    stage("tp_dup_b", "/p/30-dup-b.so", 0644, 0, 0);
    stage("tp_bad_major", "/p/40-major.so", 0644, 0, 0);
    stage("tp_good", "/p/.hidden.so", 0644, 0, 0);
    tu_write(root, "/p/README", "x", 1, 0644, 0, 0);
    hp_loaded *list;
    size_t n;
    char warn[4096];
    hp_err e = HP_ERR_INIT;
    int fds = count_fds();
    ck_assert_int_eq(hp_loader_scan(sb("/p"), 0, &list, &n, warn, sizeof warn,
                                    &e), HP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0].desc.name, "tp-good");
    ck_assert_str_eq(list[1].desc.name, "tp-dup");
    ck_assert_str_eq(list[1].desc.description, "copy a");
    ck_assert_msg(strstr(warn, "30-dup-b.so: name 'tp-dup' is already "
                         "loaded from") != NULL, "%s", warn);
    ck_assert_ptr_nonnull(strstr(warn, "40-major.so: ABI major 2"));
    ck_assert_ptr_null(strstr(warn, "README"));
    ck_assert(!still_loaded(sb("/p/30-dup-b.so")));
    ck_assert(!still_loaded(sb("/p/40-major.so")));
    hp_loader_free(list, n);
    ck_assert(!still_loaded(sb("/p/10-good.so")));
    ck_assert_int_eq(count_fds(), fds);

    ck_assert_int_eq(hp_loader_scan(sb("/missing"), 0, &list, &n, NULL, 0,
                                    &e), HP_ECONFIG);
    ck_msg_has(e, "core.plugin_dir");
}
END_TEST

START_TEST(pick_by_name_and_version)
{
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_good", "/p/good.so", 0644, 0, 0);
    stage("tp_small", "/p/small.so", 0644, 0, 0);
    hp_loaded *list;
    size_t n, idx = 99;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_scan(sb("/p"), 0, &list, &n, NULL, 0, &e),
                     HP_OK);
    ck_assert_int_eq(hp_loader_pick(list, n, "", "1.5", &idx, &e), HP_OK);
    ck_assert_str_eq(list[idx].desc.name, "tp-good");
    ck_assert_int_eq(hp_loader_pick(list, n, "tp-small", "1.5", &idx, &e),
                     HP_OK);
    ck_assert_str_eq(list[idx].desc.name, "tp-small");
    ck_assert_int_eq(hp_loader_pick(list, n, "nope", "1.5", &idx, &e),
                     HP_ECONFIG);
    ck_msg_has(e, "no such plugin; found: tp-good (1.0 - 1.x), tp-small");
    hp_loader_free(list, n);

    /* a range covering nothing listed: every range in the message */
    ck_assert_int_eq(hp_loader_scan(sb("/p"), 0, &list, &n, NULL, 0, &e),
                     HP_OK);
    list[1].desc.version_min = "9";        /* small now covers >= 9 only */
    ck_assert_int_eq(hp_loader_pick(list, n, NULL, "3.0", &idx, &e),
                     HP_ECONFIG);
    ck_msg_has(e, "core.version 3.0 is covered by no plugin: tp-good "
               "(1.0 - 1.x), tp-small (any)");
    ck_assert_int_eq(hp_loader_pick(list, n, NULL, "banana", &idx, &e),
                     HP_ECONFIG);
    hp_loader_free(list, n);
    ck_assert_int_eq(hp_loader_pick(NULL, 0, NULL, "1.0", &idx, &e),
                     HP_ECONFIG);
}
END_TEST

START_TEST(real_plugins_cover_their_ranges)
{
    char dir[PATH_MAX];
    tu_build("plugins", dir, sizeof dir);
    hp_loaded *list;
    size_t n, idx;
    char warn[4096];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_scan(dir, 0, &list, &n, warn, sizeof warn, &e),
                     HP_OK);
    ck_assert_msg(n == 3, "%zu plugins; warnings: %s", n, warn);
    static const struct { const char *v, *name; } want[] = {
        { "4.14.9", "legacy-vmnetd" }, { "1.0", "legacy-vmnetd" },
        { "4.15", "v4.15-ondemand" }, { "4.16.2", "v4.15-ondemand" },
        { "4.17.99", "v4.15-ondemand" }, { "4.18", "v4.18-advanced" },
        { "4.18.0", "v4.18-advanced" }, { "5", "v4.18-advanced" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_int_eq(hp_loader_pick(list, n, NULL, want[i].v, &idx, &e),
                         HP_OK);
        ck_assert_msg(!strcmp(list[idx].desc.name, want[i].name),
                      "%s -> %s", want[i].v, list[idx].desc.name);
    }
    hp_loader_free(list, n);
}
END_TEST

START_TEST(versions)
{
    int v[3];
    ck_assert_int_eq(hp_version_parse("4.16.2", v), 0);
    ck_assert_int_eq(v[0] * 10000 + v[1] * 100 + v[2], 41602);
    ck_assert_int_eq(hp_version_parse("4", v), 0);
    ck_assert_int_eq(v[1], 0);
    static const char *const bad[] = { "", "4.", ".4", "4..2", "4.16.2.1",
        "a", "4.1a", "-4", "+4", "1234567", " 4", NULL };
    for (size_t i = 0; bad[i]; i++)
        ck_assert_msg(hp_version_parse(bad[i], v) != 0, "'%s'", bad[i]);
    ck_assert_int_lt(hp_version_cmp("4.9", "4.15"), 0);
    ck_assert_int_eq(hp_version_cmp("4.15", "4.15.0"), 0);
    ck_assert_int_gt(hp_version_cmp("4.18.1", "4.18"), 0);
    ck_assert(hp_version_in_range("4.15.0", "4.15", "4.18"));
    ck_assert(!hp_version_in_range("4.18.0", "4.15", "4.18"));
    ck_assert(hp_version_in_range("0.1", NULL, "4.15"));
    ck_assert(!hp_version_in_range("4.15", NULL, "4.15"));
    ck_assert(hp_version_in_range("99", "4.18", NULL));
    ck_assert(!hp_version_in_range("x", NULL, NULL));
}
END_TEST

/* ---- root safety (item 36) ---------------------------------------------- */

static int load_safe(const char *hpath, const char *why)
{
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    int rc = hp_loader_load(sb(hpath), 1, &l, &e);
    if (rc == HP_OK)
        hp_loader_unload(&l);
    else if (why)
        ck_msg_has(e, why);
    return rc;
}

START_TEST(root_refuses_unsafe_plugin_files)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_good", "/p/ok.so", 0755, 0, 0);
    stage("tp_good", "/p/user.so", 0755, u, g);
    stage("tp_good", "/p/gw.so", 0775, 0, 0);
    stage("tp_good", "/p/ow.so", 0757, 0, 0);
    ck_assert_int_eq(symlink(sb("/p/ok.so"), sb("/p/link.so")), 0);
    ck_assert_int_eq(mkfifo(sb("/p/fifo.so"), 0644), 0);
    ck_assert_int_eq(load_safe("/p/ok.so", NULL), HP_OK);
    ck_assert_int_eq(load_safe("/p/user.so", "not owned by root"), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/p/gw.so", "writable"), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/p/ow.so", "writable"), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/p/link.so", "symbolic link"), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/p/fifo.so", "not a regular file"),
                     HP_ECONFIG);
    ck_assert(!still_loaded(sb("/p/user.so")));
    /* the same user-owned file is what a user process may load */
    hp_loaded l;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_load(sb("/p/user.so"), 0, &l, &e), HP_OK);
    hp_loader_unload(&l);
}
END_TEST

START_TEST(root_refuses_unsafe_plugin_directories)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/userdir", 0755, u, g);
    tu_mkdir(root, "/opendir", 0777, 0, 0);
    tu_mkdir(root, "/userdir/sub", 0755, 0, 0);
    stage("tp_good", "/userdir/a.so", 0755, 0, 0);
    stage("tp_good", "/opendir/a.so", 0755, 0, 0);
    stage("tp_good", "/userdir/sub/a.so", 0755, 0, 0);
    ck_assert_int_eq(load_safe("/userdir/a.so", NULL), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/opendir/a.so", NULL), HP_ECONFIG);
    ck_assert_int_eq(load_safe("/userdir/sub/a.so", NULL), HP_ECONFIG);
    hp_loaded *list;
    size_t n;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_scan(sb("/opendir"), 1, &list, &n, NULL, 0,
                                    &e), HP_ECONFIG);
    ck_assert_int_eq(hp_loader_scan(sb("/userdir/sub"), 1, &list, &n, NULL,
                                    0, &e), HP_ECONFIG);
    ck_assert(!still_loaded(sb("/opendir/a.so")));
    /* a symlinked plugin directory is not followed by root either */
    tu_mkdir(root, "/real", 0755, 0, 0);
    stage("tp_good", "/real/a.so", 0755, 0, 0);
    ck_assert_int_eq(symlink(sb("/real"), sb("/linkdir")), 0);
    ck_assert_int_eq(hp_loader_scan(sb("/linkdir"), 1, &list, &n, NULL, 0,
                                    &e), HP_ECONFIG);
    ck_assert_int_eq(hp_loader_scan(sb("/real"), 1, &list, &n, NULL, 0, &e),
                     HP_OK);
    ck_assert_uint_eq(n, 1);
    hp_loader_free(list, n);
}
END_TEST

START_TEST(root_scan_skips_unsafe_files_with_warning)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_good", "/p/a.so", 0755, u, g);
    stage("tp_small", "/p/b.so", 0755, 0, 0);
    hp_loaded *list;
    size_t n;
    char warn[2048];
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_loader_scan(sb("/p"), 1, &list, &n, warn, sizeof warn,
                                    &e), HP_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(list[0].desc.name, "tp-small");
    ck_assert_ptr_nonnull(strstr(warn, "a.so: not owned by root"));
    hp_loader_free(list, n);
}
END_TEST

/* ---- constructors (item 37) --------------------------------------------- */

static int load_in_child(const char *path, int safe)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        hp_loaded l;
        hp_err e = HP_ERR_INIT;
        int rc = hp_loader_load(path, safe, &l, &e);
        _exit(rc == HP_ECONFIG ? 78 : rc == HP_OK ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A constructor runs inside dlopen, before any descriptor check: its exit()
 * ends the loading process (with its code) and a crash kills it.  The
 * loader cannot defend against code it maps; what it guarantees is that a
 * root process maps only root-owned files nobody else can write, checked
 * before dlopen, so such a constructor never runs as root unless root put
 * it there. */
START_TEST(constructor_exit_and_crash_end_the_loader)
{
    ck_assert_int_eq(load_in_child(tplugin("tp_ctor_exit"), 0), 42);
    ck_assert_int_eq(load_in_child(tplugin("tp_ctor_crash"), 0),
                     128 + SIGABRT);
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/p", 0755, 0, 0);
    stage("tp_ctor_exit", "/p/evil.so", 0755, u, g);
    ck_assert_int_eq(load_in_child(sb("/p/evil.so"), 1), 78);
}
END_TEST

/* ---- `hostpriv plugins` ------------------------------------------------- */

static int plugins_cli(const char *version, int json, char **out)
{
    char bin[PATH_MAX], set[64];
    snprintf(set, sizeof set, "core.version=%s", version);
    const char *argv[] = { tu_build("bin/hostpriv", bin, sizeof bin),
                           "--root", root, "--set", set,
                           json ? "--json" : "plugins", "plugins", NULL };
    if (!json)
        argv[6] = NULL;
    setenv("XDG_CONFIG_HOME", root, 1);
    char *err;
    int rc = tu_run((uid_t)-1, 0, argv, NULL, out, &err);
    free(err);
    return rc;
}

START_TEST(cli_plugins_marks_the_active_one)
{
    static const struct { const char *v, *active; } cases[] = {
        { "4.16.2", "* v4.15-ondemand" }, { "4.14.9", "* legacy-vmnetd" },
        { "4.18.0", "* v4.18-advanced" },
    };
    for (size_t i = 0; i < 3; i++) {
        char *out;
        ck_assert_int_eq(plugins_cli(cases[i].v, 0, &out), 0);
        ck_assert_msg(strstr(out, cases[i].active) != NULL, "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "< 4.15"));
        ck_assert_ptr_nonnull(strstr(out, ">= 4.18"));
        free(out);
    }
}
END_TEST

START_TEST(cli_plugins_json_is_only_json)
{
    char *out;
    ck_assert_int_eq(plugins_cli("4.16.2", 1, &out), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    ck_assert_msg(json_is_array(j), "not a JSON array (%s): %s", je.text, out);
    ck_assert_uint_eq(json_array_size(j), 3);
    int active = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *p = json_array_get(j, i);
        ck_assert(json_is_string(json_object_get(p, "name")));
        ck_assert(json_is_string(json_object_get(p, "abi")));
        ck_assert(json_is_string(json_object_get(p, "versions")));
        ck_assert(json_is_string(json_object_get(p, "description")));
        if (json_is_true(json_object_get(p, "active"))) {
            active++;
            ck_assert_str_eq(json_string_value(json_object_get(p, "name")),
                             "v4.15-ondemand");
        }
    }
    ck_assert_int_eq(active, 1);
    json_decref(j);
    free(out);
}
END_TEST

Suite *make_loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *t = tcase_create("rejections");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, rejection_names_file_cause_fix_and_unloads, 0,
                        (int)(sizeof rejected / sizeof rejected[0]));
    tcase_add_test(t, good_plugin_loads_through_checked_fd);
    tcase_add_test(t, second_plugin_is_not_the_first_one_again);
    tcase_add_test(t, reload_never_gets_a_stale_name);
    tcase_add_test(t, older_smaller_descriptor_is_zero_filled);
    tcase_add_test(t, relative_or_bare_names_are_refused);
    suite_add_tcase(s, t);

    t = tcase_create("scan-pick");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, scan_skips_rejects_and_duplicates);
    tcase_add_test(t, pick_by_name_and_version);
    tcase_add_test(t, real_plugins_cover_their_ranges);
    tcase_add_test(t, versions);
    suite_add_tcase(s, t);

    t = tcase_create("root-safety");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 10);        /* a FIFO must not block */
    tcase_add_test(t, root_refuses_unsafe_plugin_files);
    tcase_add_test(t, root_refuses_unsafe_plugin_directories);
    tcase_add_test(t, root_scan_skips_unsafe_files_with_warning);
    tcase_add_test(t, constructor_exit_and_crash_end_the_loader);
    suite_add_tcase(s, t);

    t = tcase_create("cli");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, cli_plugins_marks_the_active_one);
    tcase_add_test(t, cli_plugins_json_is_only_json);
    suite_add_tcase(s, t);
    return s;
}
