/* Configuration: schema and typed values, the file reader's bad inputs
 * (SECURITY.md 29-34), layers, origins and admin.ini locks, root safety of
 * config files, the context's root and user selection, and the CLI's
 * `config`/`plugins` contract (exit 78, JSON only on stdout). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/config.h"
#include "host/ports.h"
#include "engine/ctx.h"
#include "engine/loader.h"
#include "actions/hostapi.h"
#include "testutil.h"

static char root[PATH_MAX];
static hp_config *cfg;

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    cfg = hp_config_new();
    ck_assert_ptr_nonnull(cfg);
}

static void teardown(void)
{
    hp_config_free(cfg);
    tu_sandbox_rm(root);
}

static const char *fixture(const char *name)
{
    static char p[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(p, sizeof p, "%s/tests/unit/fixtures/config/%s", src ? src : ".",
             name);
    return p;
}

/* Load a fixture (not as root-safe: these are about content). */
static int load_fixture(const char *name, hp_err *e)
{
    return hp_config_load_file(cfg, fixture(name), HP_LAYER_FILE, 1, 0, e);
}

static const char *sbpath(const char *hpath)
{
    static char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return p;
}

#define ck_msg_has(e, s) \
    ck_assert_msg(strstr((e).msg, (s)) != NULL, "'%s' not in '%s'", (s), \
                  (e).msg)

/* Every key whose value a bad file must not have touched. */
static void assert_all_defaults(void)
{
    size_t n;
    const hp_config_key *k = hp_config_schema(&n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(hp_config_origin(cfg, k[i].key), "default");
}

/* ---- schema ---------------------------------------------------------- */

START_TEST(schema_has_every_design_key)
{
    static const char *const keys[] = {
        "core.version", "core.plugin", "core.plugin_dir", "core.event_log",
        "host.root", "host.platform", "host.user", "host.home",
        "host.app_bin_dir", "host.cli_tools", "host.hosts_file",
        "host.kubernetes", "host.shell", "helper.socket", "helper.label",
        "helper.path", "helper.service", "helper.service_file",
        "helper.start_command", "boot.label", "boot.service_file",
        "helper.idle_exit", "helper.ports", "helper.user_connections",
        "policy.cache_file",
        "elevate.command", "prompt.backend", "prompt.command",
        "prompt.answers", "prompt.timeout", "advanced.cli_location",
        "advanced.docker_socket_link", "advanced.privileged_ports", NULL
    };
    size_t n;
    hp_config_schema(&n);
    for (size_t i = 0; keys[i]; i++) {
        const hp_config_key *k = hp_config_key_find(keys[i]);
        ck_assert_msg(k != NULL, "%s missing from the schema", keys[i]);
        ck_assert_ptr_nonnull(hp_config_get(cfg, keys[i]));
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_config_validate(k, hp_config_get(cfg, keys[i]), &e)
                      == HP_OK, "default of %s invalid: %s", keys[i], e.msg);
    }
    ck_assert_uint_eq(n, 35);
    ck_assert_ptr_null(hp_config_key_find("core.nope"));
    ck_assert_ptr_null(hp_config_get(cfg, "core.nope"));
}
END_TEST

START_TEST(platform_defaults_follow_platform_and_user)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_str_eq(hp_config_get(cfg, "helper.path"),
                     "/Library/PrivilegedHelperTools/com.docker.vmnetd");
    ck_assert_str_eq(hp_config_get(cfg, "helper.service"), "launchd");
    ck_assert_str_eq(hp_config_get(cfg, "host.home"), "");
    ck_assert_int_eq(hp_config_set(cfg, "host.user", "alice", HP_LAYER_FILE,
                                   "t", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "host.home"), "/Users/alice");
    ck_assert_int_eq(hp_config_set(cfg, "host.platform", "linux",
                                   HP_LAYER_FILE, "t", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "helper.path"),
                     "/usr/local/libexec/hostpriv/com.docker.vmnetd");
    ck_assert_str_eq(hp_config_get(cfg, "helper.service"), "systemd");
    ck_assert_str_eq(hp_config_get(cfg, "helper.service_file"),
                     "/etc/systemd/system/com.docker.vmnetd.service");
    ck_assert_str_eq(hp_config_get(cfg, "policy.cache_file"),
                     "/var/lib/hostpriv/registry-access-management.json");
    ck_assert_str_eq(hp_config_get(cfg, "host.home"), "");   /* passwd */
    ck_assert_str_eq(hp_config_origin(cfg, "helper.path"), "default");
}
END_TEST

/* ---- typed values (item 32 and the other types) ----------------------- */

static int valid(const char *key, const char *v)
{
    hp_err e = HP_ERR_INIT;
    return hp_config_validate(hp_config_key_find(key), v, &e) == HP_OK;
}

START_TEST(int_values_are_strict)
{
    ck_assert(valid("prompt.timeout", "0"));
    ck_assert(valid("prompt.timeout", "60"));
    ck_assert(valid("prompt.timeout", "86400"));
    static const char *const bad[] = { "99999999999", "80abc", "-1", "0x50",
        "", " 60", "60 ", "+60", "1e3", "86401", "6O", NULL };
    for (size_t i = 0; bad[i]; i++)
        ck_assert_msg(!valid("prompt.timeout", bad[i]), "'%s' accepted",
                      bad[i]);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_config_set(cfg, "prompt.timeout", "80abc",
                                   HP_LAYER_SET, "--set", &e), HP_ECONFIG);
    ck_msg_has(e, "from 0 to 86400");
    ck_assert_str_eq(hp_config_get(cfg, "prompt.timeout"), "60");
    ck_assert_int_eq(hp_config_get_int(cfg, "prompt.timeout"), 60);
}
END_TEST

START_TEST(bool_enum_version_path_values)
{
    static const char *const yes[] = { "true", "yes", "on", "1", "TRUE", NULL };
    static const char *const no[] = { "false", "no", "off", "0", NULL };
    for (size_t i = 0; yes[i]; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_int_eq(hp_config_set(cfg, "host.kubernetes", yes[i],
                                       HP_LAYER_SET, "t", &e), HP_OK);
        ck_assert_int_eq(hp_config_get_bool(cfg, "host.kubernetes"), 1);
    }
    for (size_t i = 0; no[i]; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_int_eq(hp_config_set(cfg, "host.kubernetes", no[i],
                                       HP_LAYER_SET, "t", &e), HP_OK);
        ck_assert_int_eq(hp_config_get_bool(cfg, "host.kubernetes"), 0);
    }
    ck_assert(!valid("host.kubernetes", "maybe"));
    ck_assert(!valid("host.kubernetes", ""));
    ck_assert(valid("host.platform", "linux"));
    ck_assert(!valid("host.platform", "windows"));
    ck_assert(!valid("host.platform", "linux macos"));
    ck_assert(!valid("prompt.backend", "TTY"));
    ck_assert(valid("core.version", "4"));
    ck_assert(valid("core.version", "4.16"));
    ck_assert(valid("core.version", "4.16.2"));
    static const char *const badv[] = { "banana", "4..1", "4.16.2.1", "4.",
        ".4", "-4", "4.16-rc1", "", " 4.16", NULL };
    for (size_t i = 0; badv[i]; i++)
        ck_assert_msg(!valid("core.version", badv[i]), "'%s'", badv[i]);
    ck_assert(valid("host.hosts_file", "/etc/hosts"));
    ck_assert(!valid("host.hosts_file", "etc/hosts"));
    ck_assert(valid("core.event_log", "-"));
    ck_assert(valid("core.event_log", ""));
    ck_assert(!valid("helper.socket", "-"));
    ck_assert(!valid("core.plugin_dir", "plugins"));    /* item 35 */
}
END_TEST

START_TEST(list_ports_answers_and_names)
{
    ck_assert(valid("helper.ports", "1-1023 8080 9000-9100"));
    ck_assert(valid("helper.ports", "80,443"));
    /* leading zeros: the helper's own parser (hp_ports_allowed) reads
     * such a list as malformed and allows nothing, so the configuration
     * must refuse it, not accept it (found by tests/fuzz/fuzz_config.c) */
    static const char *const badp[] = { "0", "65536", "1023-1", "80-", "-80",
        "a", "", "80-90-100", "1-99999999999", "080", "80-0443", "00080",
        "80,080", NULL };
    for (size_t i = 0; badp[i]; i++) {
        ck_assert_msg(!valid("helper.ports", badp[i]), "'%s'", badp[i]);
        ck_assert(!hp_ports_allowed(badp[i], 80));
    }
    ck_assert(hp_ports_allowed("1-1023 8080 9000-9100", 9050));
    ck_assert(valid("prompt.answers", "cli-links=no, yes timeout"));
    ck_assert(valid("prompt.answers", ""));
    ck_assert(!valid("prompt.answers", "maybe"));
    ck_assert(!valid("prompt.answers", "bogus=yes"));
    ck_assert(!valid("prompt.answers", "cli-links=maybe"));
    ck_assert(!valid("prompt.answers", "=yes"));
    ck_assert(valid("host.cli_tools", "docker kubectl"));
    ck_assert(!valid("host.cli_tools", "docker ../etc"));
    ck_assert(!valid("host.cli_tools", "-rf"));
    ck_assert(!valid("host.cli_tools", "a/b"));
    ck_assert(!valid("host.cli_tools", ".."));
    /* as many names as the link actions hold, not one more */
    char many[512] = "";
    for (int i = 0; i < HP_CLI_TOOLS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "t%d ", i);
    ck_assert(valid("host.cli_tools", many));
    strcat(many, "one-more");
    ck_assert(!valid("host.cli_tools", many));
    /* item 34: one user, by name */
    ck_assert(valid("host.user", "hptest"));
    ck_assert(valid("host.user", ""));
    ck_assert(!valid("host.user", "alice bob"));
    ck_assert(!valid("host.user", "alice,bob"));
    ck_assert(!valid("host.user", "-root"));
    ck_assert(!valid("helper.label", "../x"));
    ck_assert(!valid("core.plugin", "../../tmp/evil"));

    char buf[256];
    const char *items[8];
    ck_assert_uint_eq(hp_config_list(" a, b\tc,,d ", buf, sizeof buf, items,
                                     8), 4);
    ck_assert_str_eq(items[0], "a");
    ck_assert_str_eq(items[3], "d");
    ck_assert_uint_eq(hp_config_list("a b c", buf, sizeof buf, items, 2),
                      (size_t)-1);
}
END_TEST

START_TEST(set_rejects_controls_and_unknown_keys)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_config_set(cfg, "prompt.command", "ok\n[core]",
                                   HP_LAYER_SET, "--set", &e), HP_ECONFIG);
    ck_msg_has(e, "control character");
    ck_assert_int_eq(hp_config_set(cfg, "core.verison", "4.16.2",
                                   HP_LAYER_SET, "--set", &e), HP_ECONFIG);
    ck_msg_has(e, "unknown key");
    assert_all_defaults();
}
END_TEST

/* ---- files (items 29-31) ---------------------------------------------- */

START_TEST(missing_file)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/none.ini"),
                                         HP_LAYER_FILE, 0, 0, &e), HP_OK);
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/none.ini"),
                                         HP_LAYER_FILE, 1, 0, &e), HP_ECONFIG);
    ck_msg_has(e, "none.ini");
    assert_all_defaults();
}
END_TEST

START_TEST(empty_and_comment_only_files)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(load_fixture("empty.ini", &e), HP_OK);
    ck_assert_int_eq(load_fixture("comments_only.ini", &e), HP_OK);
    assert_all_defaults();
}
END_TEST

START_TEST(bom_and_crlf_files)
{
    hp_err e = HP_ERR_INIT;
    char want[PATH_MAX];
    ck_assert_int_eq(load_fixture("bom.ini", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "core.version"), "4.16.2");
    snprintf(want, sizeof want, "%s:2", fixture("bom.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "core.version"), want);
    ck_assert_int_eq(load_fixture("crlf.ini", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "host.platform"), "linux");
    snprintf(want, sizeof want, "%s:5", fixture("crlf.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "host.platform"), want);
}
END_TEST

/* A last line that ends in CR without LF (a CRLF file cut short; found
 * by tests/fuzz/fuzz_config.c): read once, as the line it is.  The
 * loader used to step over the line without its CR and read that CR
 * forever. */
START_TEST(cr_without_lf_at_the_end)
{
    hp_err e = HP_ERR_INIT;
    char want[PATH_MAX];
    ck_assert_int_eq(load_fixture("crlf_no_final_newline.ini", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "core.version"), "4.16.2");
    snprintf(want, sizeof want, "%s:2", fixture("crlf_no_final_newline.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "core.version"), want);
}
END_TEST

/* Each bad fixture: HP_ECONFIG naming file:line and the cause, and not one
 * key of the file applied. */
static const struct { const char *file; int line; const char *why; } bad[] = {
    { "nul.ini", 2, "NUL byte" },
    { "long_line.ini", 2, "longer than" },
    { "bad_comment.ini", 1, "section" },
    { "dup_key.ini", 3, "duplicate key core.version (first set at line 2)" },
    { "dup_section.ini", 5, "duplicate section [core]" },
    { "outside_section.ini", 1, "outside any section" },
    { "unknown_key.ini", 2, "did you mean 'version'" },
    { "unknown_section.ini", 1, "unknown section [cor]" },
    { "int_huge.ini", 2, "from 0 to 86400" },
    { "int_suffix.ini", 2, "from 0 to 86400" },
    { "int_negative.ini", 2, "from 0 to 86400" },
    { "int_hex.ini", 2, "from 0 to 86400" },
    { "indented.ini", 3, "white space" },
    { "no_equals.ini", 2, "syntax error" },
    { "control.ini", 2, "control character 0x1b" },
};

START_TEST(bad_file_is_rejected_whole)
{
    hp_err e = HP_ERR_INIT;
    char where[PATH_MAX + 16];
    ck_assert_int_eq(load_fixture(bad[_i].file, &e), HP_ECONFIG);
    snprintf(where, sizeof where, "%s:%d: ", fixture(bad[_i].file),
             bad[_i].line);
    ck_assert_msg(strncmp(e.msg, where, strlen(where)) == 0,
                  "'%s' does not start with '%s'", e.msg, where);
    ck_msg_has(e, bad[_i].why);
    assert_all_defaults();
}
END_TEST

static int saw_tail(void *u, const char *s, const char *n, const char *v)
{
    if (!strcmp(s, "core") && !strcmp(n, "version") && !strcmp(v, "1.0"))
        *(int *)u = 1;
    return 1;
}

/* Why the reader checks line length itself: inih splits a long line and
 * parses its tail as a line of its own (inih #145). */
START_TEST(inih_alone_would_split_the_long_line)
{
    size_t len;
    char *text = tu_read("", fixture("long_line.ini"), &len);
    ck_assert_ptr_nonnull(text);
    int got = 0;
    ck_assert_int_eq(ini_parse_string(text, saw_tail, &got), 0);
    ck_assert_int_eq(got, 1);
    free(text);
}
END_TEST

START_TEST(oversize_file)
{
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n);
    memset(big, ';', n);
    for (size_t i = 100; i < n; i += 100)
        big[i] = '\n';
    tu_write(root, "/big.ini", big, n, 0644, 0, 0);
    free(big);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/big.ini"),
                                         HP_LAYER_FILE, 1, 0, &e), HP_ECONFIG);
    ck_msg_has(e, "larger than 1 MiB");
}
END_TEST

START_TEST(good_file_values_and_origins)
{
    hp_err e = HP_ERR_INIT;
    char want[PATH_MAX];
    ck_assert_int_eq(load_fixture("good.ini", &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "host.platform"), "linux");
    ck_assert_int_eq(hp_config_get_bool(cfg, "host.kubernetes"), 1);
    ck_assert_int_eq(hp_config_get_int(cfg, "helper.idle_exit"), 30);
    ck_assert_str_eq(hp_config_get(cfg, "prompt.answers"),
                     "cli-links=no, yes timeout");
    ck_assert_str_eq(hp_config_get(cfg, "core.plugin"), "");
    snprintf(want, sizeof want, "%s:7", fixture("good.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "host.platform"), want);
    ck_assert_str_eq(hp_config_origin(cfg, "prompt.timeout"), "default");
    ck_assert_str_eq(hp_config_warnings(cfg), "");
}
END_TEST

/* The shipped hostpriv.ini documents every key, all commented out; the
 * examples are valid. */
START_TEST(shipped_files_are_valid_and_complete)
{
    char p[PATH_MAX];
    const char *src = getenv("HP_SRC") ? getenv("HP_SRC") : ".";
    hp_err e = HP_ERR_INIT;
    snprintf(p, sizeof p, "%s/conf/hostpriv.ini", src);
    ck_assert_msg(hp_config_load_file(cfg, p, HP_LAYER_SYSTEM, 1, 0, &e) ==
                  HP_OK, "%s", e.msg);
    assert_all_defaults();
    char *text = tu_read("", p, NULL);
    size_t n;
    const hp_config_key *k = hp_config_schema(&n);
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(k[i].key, '.');
        char sect[32], line[96];
        snprintf(sect, sizeof sect, "[%.*s]\n", (int)(dot - k[i].key),
                 k[i].key);
        snprintf(line, sizeof line, "\n;%s =", dot + 1);
        char *at = strstr(text, sect);
        ck_assert_msg(at && strstr(at, line), "%s not documented", k[i].key);
    }
    free(text);
    static const char *const ex[] = { "sandbox-rig.ini", "linux.ini", NULL };
    for (size_t i = 0; ex[i]; i++) {
        snprintf(p, sizeof p, "%s/conf/examples/%s", src, ex[i]);
        ck_assert_msg(hp_config_load_file(cfg, p, HP_LAYER_FILE, 1, 0, &e) ==
                      HP_OK, "%s", e.msg);
    }
}
END_TEST

/* ---- layers and locks ------------------------------------------------- */

static void write_ini(const char *hpath, const char *text)
{
    tu_write(root, hpath, text, strlen(text), 0644, 0, 0);
}

START_TEST(later_layers_win_whatever_the_load_order)
{
    hp_err e = HP_ERR_INIT;
    write_ini("/user.ini", "[core]\nversion = 4.15.0\n");
    write_ini("/sys.ini", "[core]\nversion = 4.14.0\nplugin = x\n");
    ck_assert_int_eq(hp_config_set(cfg, "core.version", "4.17.1", HP_LAYER_SET,
                                   "--set", &e), HP_OK);
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/user.ini"),
                                         HP_LAYER_USER, 1, 0, &e), HP_OK);
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/sys.ini"),
                                         HP_LAYER_SYSTEM, 1, 0, &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "core.version"), "4.17.1");
    ck_assert_str_eq(hp_config_origin(cfg, "core.version"), "--set");
    ck_assert_str_eq(hp_config_get(cfg, "core.plugin"), "x");
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s:3", sbpath("/sys.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "core.plugin"), want);
}
END_TEST

START_TEST(admin_lock_beats_set_and_files)
{
    hp_err e = HP_ERR_INIT;
    write_ini("/admin.ini", "[core]\nversion = 4.14.1\n");
    write_ini("/file.ini", "[core]\nversion = 4.16.0\n");
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/admin.ini"),
                                         HP_LAYER_ADMIN, 1, 0, &e), HP_OK);
    ck_assert_int_eq(hp_config_locked(cfg, "core.version"), 1);
    ck_assert_int_eq(hp_config_locked(cfg, "core.plugin"), 0);
    ck_assert_int_eq(hp_config_set(cfg, "core.version", "4.16.2", HP_LAYER_SET,
                                   "--set", &e), HP_EDENIED);
    ck_msg_has(e, "locked");
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/file.ini"),
                                         HP_LAYER_FILE, 1, 0, &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "core.version"), "4.14.1");
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s:2", sbpath("/admin.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "core.version"), want);
    const char *w = hp_config_warnings(cfg);
    ck_assert_msg(strstr(w, "--set: core.version is locked by") &&
                  strstr(w, "file.ini:2: core.version is locked by"),
                  "warnings: %s", w);
}
END_TEST

START_TEST(admin_loaded_last_still_wins_and_warns)
{
    hp_err e = HP_ERR_INIT;
    write_ini("/admin.ini", "[prompt]\nbackend = deny\n");
    ck_assert_int_eq(hp_config_set(cfg, "prompt.backend", "allow",
                                   HP_LAYER_SET, "--set", &e), HP_OK);
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/admin.ini"),
                                         HP_LAYER_ADMIN, 1, 0, &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "prompt.backend"), "deny");
    ck_assert_ptr_nonnull(strstr(hp_config_warnings(cfg),
                                 "--set: prompt.backend is locked"));
}
END_TEST

START_TEST(system_layers_under_root_sorted)
{
    hp_err e = HP_ERR_INIT;
    tu_mkdir(root, "/etc/hostpriv/conf.d", 0755, 0, 0);
    write_ini("/etc/hostpriv/hostpriv.ini",
              "[core]\nversion = 4.14.0\n[host]\nplatform = linux\n");
    write_ini("/etc/hostpriv/conf.d/20-b.ini", "[core]\nversion = 4.16.0\n");
    write_ini("/etc/hostpriv/conf.d/10-a.ini", "[core]\nversion = 4.15.0\n");
    write_ini("/etc/hostpriv/conf.d/30-c.ini.bak", "[core]\nversion = 9\n");
    write_ini("/etc/hostpriv/admin.ini", "[helper]\nidle_exit = 5\n");
    ck_assert_int_eq(hp_config_load_system(cfg, sbpath("/etc/hostpriv"), 1,
                                           &e), HP_OK);
    ck_assert_str_eq(hp_config_get(cfg, "core.version"), "4.16.0");
    ck_assert_str_eq(hp_config_get(cfg, "host.platform"), "linux");
    ck_assert_int_eq(hp_config_locked(cfg, "helper.idle_exit"), 1);
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s:2", sbpath("/etc/hostpriv/conf.d/20-b.ini"));
    ck_assert_str_eq(hp_config_origin(cfg, "core.version"), want);
}
END_TEST

/* ---- root safety (item 33) -------------------------------------------- */

static int refused_as_root(const char *hpath, const char *why)
{
    hp_err e = HP_ERR_INIT;
    int rc = hp_config_load_file(cfg, sbpath(hpath), HP_LAYER_SYSTEM, 1, 1,
                                 &e);
    if (rc == HP_ECONFIG && why)
        ck_msg_has(e, why);
    return rc == HP_ECONFIG;
}

static const char ini[] = "[core]\nversion = 4.16.2\n";

START_TEST(root_refuses_file_not_owned_by_root)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_write(root, "/c.ini", ini, strlen(ini), 0644, u, g);
    ck_assert(refused_as_root("/c.ini", "not owned by root"));
    assert_all_defaults();
    hp_err e = HP_ERR_INIT;      /* the same file, not as root: read */
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/c.ini"), HP_LAYER_FILE,
                                         1, 0, &e), HP_OK);
}
END_TEST

START_TEST(root_refuses_writable_file)
{
    tu_write(root, "/g.ini", ini, strlen(ini), 0664, 0, 0);
    tu_write(root, "/o.ini", ini, strlen(ini), 0646, 0, 0);
    ck_assert(refused_as_root("/g.ini", "writable"));
    ck_assert(refused_as_root("/o.ini", "writable"));
    assert_all_defaults();
}
END_TEST

START_TEST(root_refuses_symlink_and_fifo)
{
    tu_write(root, "/real.ini", ini, strlen(ini), 0644, 0, 0);
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s", sbpath("/real.ini"));
    ck_assert_int_eq(symlink(target, sbpath("/link.ini")), 0);
    ck_assert(refused_as_root("/link.ini", "symbolic link"));
    ck_assert_int_eq(mkfifo(sbpath("/fifo.ini"), 0644), 0);
    ck_assert(refused_as_root("/fifo.ini", "not a regular file"));
    hp_err e = HP_ERR_INIT;   /* not even a user process follows the link */
    ck_assert_int_eq(hp_config_load_file(cfg, sbpath("/link.ini"),
                                         HP_LAYER_FILE, 1, 0, &e), HP_ECONFIG);
    assert_all_defaults();
    ck_assert(!refused_as_root("/real.ini", NULL));
}
END_TEST

START_TEST(root_refuses_file_in_unsafe_directory)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/userdir", 0755, u, g);
    tu_mkdir(root, "/opendir", 0777, 0, 0);
    tu_write(root, "/userdir/c.ini", ini, strlen(ini), 0644, 0, 0);
    tu_write(root, "/opendir/c.ini", ini, strlen(ini), 0644, 0, 0);
    ck_assert(refused_as_root("/userdir/c.ini", NULL));
    ck_assert(refused_as_root("/opendir/c.ini", NULL));
    assert_all_defaults();
}
END_TEST

/* ---- the context: root, layers, user (items 33, 34) -------------------- */

static int ctx_open(hp_ctx **c, const char *cfile, const char *const *sets,
                    hp_err *e)
{
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root,
                       .config_file = cfile, .sets = sets, .no_plugin = 1 };
    return hp_ctx_open(c, &o, e);
}

START_TEST(ctx_layers_in_order)
{
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/xdg/hostpriv", 0755, 0, 0);
    write_ini("/etc/hostpriv/hostpriv.ini",
              "[core]\nversion = 4.14.0\n[prompt]\ntimeout = 1\n"
              "command = sys\nbackend = deny\n");
    write_ini("/xdg/hostpriv/hostpriv.ini",
              "[core]\nversion = 4.15.0\n[prompt]\ntimeout = 2\n"
              "command = user\n");
    write_ini("/c.ini", "[core]\nversion = 4.16.0\n[prompt]\ntimeout = 3\n");
    setenv("XDG_CONFIG_HOME", sbpath("/xdg"), 1);
    const char *sets[] = { "core.version=4.17.0", NULL };
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    char cfile[PATH_MAX];
    snprintf(cfile, sizeof cfile, "%s", sbpath("/c.ini"));
    ck_assert_msg(ctx_open(&c, cfile, sets, &e) == HP_OK, "%s", e.msg);
    ck_assert_str_eq(hp_conf(c, "core.version"), "4.17.0");
    ck_assert_str_eq(hp_conf(c, "prompt.timeout"), "3");
    ck_assert_str_eq(hp_conf(c, "prompt.command"), "user");
    ck_assert_str_eq(hp_conf(c, "prompt.backend"), "deny");
    ck_assert_str_eq(hp_config_origin(c->cfg, "core.version"), "--set");
    ck_assert_str_eq(c->root, root);
    ck_assert_int_ge(c->rootfd, 0);
    ck_assert_str_eq(c->config_arg, cfile);
    hp_ctx_close(c);

    hp_open_opts o = { .role = HP_ROLE_USER, .root = root, .no_plugin = 1,
                       .no_user_layer = 1 };
    ck_assert_int_eq(hp_ctx_open(&c, &o, &e), HP_OK);
    ck_assert_str_eq(hp_conf(c, "prompt.command"), "sys");
    hp_ctx_close(c);
}
END_TEST

START_TEST(ctx_admin_lock_beats_set)
{
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    write_ini("/etc/hostpriv/admin.ini", "[core]\nversion = 4.14.1\n");
    const char *sets[] = { "core.version=4.16.2", NULL };
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(ctx_open(&c, NULL, sets, &e), HP_OK);
    ck_assert_str_eq(hp_conf(c, "core.version"), "4.14.1");
    ck_assert_int_eq(hp_config_locked(c->cfg, "core.version"), 1);
    ck_assert_int_eq(hp_set(c, "core.version", "4.16.0"), HP_EDENIED);
    ck_assert_ptr_nonnull(strstr(hp_errmsg(c), "locked"));
    ck_assert_int_eq(hp_set(c, "prompt.timeout", "5"), HP_OK);
    ck_assert_str_eq(hp_config_origin(c->cfg, "prompt.timeout"), "hp_set");
    hp_ctx_close(c);
}
END_TEST

/* The files found under a root cannot move it: with --root the argument
 * wins; without one, a user file naming another root is an error (this
 * reads, never writes, the real /etc/hostpriv, skipped if it exists). */
START_TEST(ctx_root_comes_from_args_not_files)
{
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/xdg/hostpriv", 0755, 0, 0);
    write_ini("/etc/hostpriv/hostpriv.ini", "[host]\nroot = /elsewhere\n");
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(ctx_open(&c, NULL, NULL, &e), HP_OK);
    ck_assert_str_eq(c->root, root);
    hp_ctx_close(c);
    struct stat st;
    if (stat("/etc/hostpriv", &st) != 0) {
        char text[PATH_MAX + 32];
        snprintf(text, sizeof text, "[host]\nroot = %s\n", root);
        write_ini("/xdg/hostpriv/hostpriv.ini", text);
        setenv("XDG_CONFIG_HOME", sbpath("/xdg"), 1);
        hp_open_opts o = { .role = HP_ROLE_USER, .no_plugin = 1 };
        ck_assert_int_eq(hp_ctx_open(&c, &o, &e), HP_ECONFIG);
        ck_msg_has(e, "host.root is chosen by");
        ck_assert_ptr_null(c);
    }

    const char *bad[] = { "host.root=relative/dir", NULL };
    ck_assert_int_eq(ctx_open(&c, NULL, bad, &e), HP_ECONFIG);
    const char *usage[] = { "novalue", NULL };
    ck_assert_int_eq(ctx_open(&c, NULL, usage, &e), HP_EUSAGE);
}
END_TEST

START_TEST(ctx_user_by_name_only)
{
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    const char *ok[] = { "host.user=" HP_TEST_USER, "host.platform=linux",
                         NULL };
    ck_assert_msg(ctx_open(&c, NULL, ok, &e) == HP_OK, "%s", e.msg);
    ck_assert_int_eq(c->user_known, 1);
    ck_assert_int_eq(c->uid, u);
    ck_assert_int_eq(c->gid, g);
    ck_assert_str_eq(c->home, "/nonexistent");           /* from passwd */
    ck_assert_str_eq(c->shell, "nologin");
    ck_assert_str_eq(hp_config_origin(c->cfg, "host.home"),
                     "default (passwd)");
    char p[PATH_MAX];
    ck_assert_int_eq(hp_path_user(c, ".docker/bin", p, sizeof p), HP_OK);
    ck_assert_str_eq(p, "/nonexistent/.docker/bin");
    ck_assert_str_eq(hp_path_root_state(c), "/var/lib/hostpriv");
    ck_assert_int_eq(hp_real_path(c, "/etc/hosts", p, sizeof p), HP_OK);
    ck_assert_str_eq(p, sbpath("/etc/hosts"));
    hp_ctx_close(c);

    const char *mac[] = { "host.user=" HP_TEST_USER, NULL };
    ck_assert_int_eq(ctx_open(&c, NULL, mac, &e), HP_OK);
    ck_assert_str_eq(c->home, "/Users/" HP_TEST_USER);
    hp_ctx_close(c);

    /* a uid is not a user name; nobody by that name: config error */
    const char *uid0[] = { "host.user=0", NULL };
    ck_assert_int_eq(ctx_open(&c, NULL, uid0, &e), HP_ECONFIG);
    const char *none[] = { "host.user=hp-no-such-user", NULL };
    ck_assert_int_eq(ctx_open(&c, NULL, none, &e), HP_ECONFIG);
    ck_msg_has(e, "hp-no-such-user");
}
END_TEST

START_TEST(ctx_root_without_user_knows_no_user)
{
    if (getuid() != 0)
        return;
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(ctx_open(&c, NULL, NULL, &e), HP_OK);
    ck_assert_int_eq(c->user_known, 0);
    char p[PATH_MAX];
    ck_assert_int_ne(hp_path_user(c, ".docker/bin", p, sizeof p), HP_OK);
    hp_ctx_close(c);
}
END_TEST

START_TEST(ctx_root_refuses_unsafe_root_and_config)
{
    if (geteuid() != 0)
        return;
    uid_t u;
    gid_t g;
    tu_user(&u, &g);
    tu_mkdir(root, "/userroot", 0755, u, g);
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = sbpath("/userroot"),
                       .no_plugin = 1, .no_user_layer = 1 };
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_ctx_open(&c, &o, &e), HP_ECONFIG);
    tu_write(root, "/user.ini", ini, strlen(ini), 0644, u, g);
    char cf[PATH_MAX];
    snprintf(cf, sizeof cf, "%s", sbpath("/user.ini"));
    hp_open_opts o2 = { .role = HP_ROLE_INSTALLER, .root = root,
                        .config_file = cf, .no_plugin = 1,
                        .no_user_layer = 1 };
    ck_assert_int_eq(hp_ctx_open(&c, &o2, &e), HP_ECONFIG);
    ck_msg_has(e, "not owned by root");
}
END_TEST

/* ---- the CLI contract ------------------------------------------------- */

static int cli(const char *const *args, char **out, char **err)
{
    char bin[PATH_MAX];
    const char *argv[32];
    size_t n = 0;
    argv[n++] = tu_build("bin/hostpriv", bin, sizeof bin);
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    setenv("XDG_CONFIG_HOME", root, 1);     /* no stray user layer */
    return tu_run((uid_t)-1, 0, argv, NULL, out, err);
}

START_TEST(cli_bad_version_exits_78)
{
    char *out, *err;
    const char *a[] = { "--root", root, "--set", "core.version=banana",
                        "plugins", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    ck_assert_ptr_nonnull(strstr(err, "banana"));
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
}
END_TEST

START_TEST(cli_check_names_file_and_line)
{
    write_ini("/typo.ini", "[core]\n\nverison = 4.16.2\n");
    char *out, *err, where[PATH_MAX + 8];
    const char *a[] = { "--root", root, "-c", sbpath("/typo.ini"), "config",
                        "--check", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 78);
    snprintf(where, sizeof where, "%s:3:", sbpath("/typo.ini"));
    ck_assert_msg(strstr(err, where) != NULL, "stderr: %s", err);
    free(out);
    free(err);
    write_ini("/fine.ini", "[core]\nversion = 4.16.2\n");
    const char *b[] = { "--root", root, "-c", sbpath("/fine.ini"), "config",
                        "--check", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 0);
    ck_assert_str_eq(out, "ok\n");
    free(out);
    free(err);
}
END_TEST

START_TEST(cli_admin_lock_beats_set)
{
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    write_ini("/etc/hostpriv/admin.ini", "[core]\nversion = 4.14.1\n");
    char *out, *err;
    const char *a[] = { "--root", root, "--set", "core.version=4.16.2",
                        "plugins", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 0);
    ck_assert_msg(strstr(out, "* legacy-vmnetd") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(err, "locked"));
    free(out);
    free(err);
}
END_TEST

/* core.plugin names a plugin whose range does not hold core.version: the
 * plugin emulates a version of its own (version_min, or the line just
 * under version_max when open below), events carry it, and a warning
 * names both and the fix.  Inside the range nothing changes. */
START_TEST(version_emulated_by_a_named_plugin)
{
    char v[32];
    ck_assert_int_eq(hp_version_emulated("4.18.0", NULL, "4.15", v, sizeof v),
                     1);
    ck_assert_str_eq(v, "4.14.0");
    ck_assert_int_eq(hp_version_emulated("4.18.0", NULL, "4.15.3", v,
                                         sizeof v), 1);
    ck_assert_str_eq(v, "4.15.2");
    ck_assert_int_eq(hp_version_emulated("5.1", NULL, "5", v, sizeof v), 1);
    ck_assert_str_eq(v, "4.0.0");
    ck_assert_int_eq(hp_version_emulated("4.14.1", "4.15", "4.18", v,
                                         sizeof v), 1);
    ck_assert_str_eq(v, "4.15.0");
    ck_assert_int_eq(hp_version_emulated("4.16.2", "4.15", "4.18", v,
                                         sizeof v), 0);
    ck_assert_str_eq(v, "4.16.2");
    ck_assert_int_eq(hp_version_emulated("1.0", NULL, "0", v, sizeof v), -1);
}
END_TEST

/* The events of `install` (skipped, not-in-this-version: changes
 * nothing) carry the version; stderr the warning. */
static void named_plugin_run(const char *plugin, const char *version,
                             const char *want, int warns)
{
    char *out, *err, p[64], ver[64], quoted[96];
    snprintf(p, sizeof p, "core.plugin=%s", plugin);
    snprintf(ver, sizeof ver, "core.version=%s", version ? version : "");
    const char *a[12] = { "--root", root, "--json", "--set",
                          "core.event_log=-", "--set", p };
    size_t n = 7;
    if (version) {
        a[n++] = "--set";
        a[n++] = ver;
    }
    a[n++] = "install";
    a[n] = NULL;
    ck_assert_int_eq(cli(a, &out, &err), 1);
    snprintf(quoted, sizeof quoted, "\"version\":\"%s\"", want);
    ck_assert_msg(strstr(out, quoted) != NULL, "%s: stdout %s", plugin, out);
    ck_assert_msg(!strstr(err, "warning") == !warns, "stderr: %s", err);
    if (warns) {
        ck_assert_ptr_nonnull(strstr(err, plugin));
        ck_assert_ptr_nonnull(strstr(err, version ? version : "4.18.0"));
        ck_assert_ptr_nonnull(strstr(err, "Set core.version"));
    }
    free(out);
    free(err);
}

START_TEST(cli_named_plugin_emulates_its_version)
{
    named_plugin_run("legacy-vmnetd", NULL, "4.14.0", 1);
    named_plugin_run("v4.15-ondemand", "4.14.1", "4.15.0", 1);
    named_plugin_run("legacy-vmnetd", "4.14.1", "4.14.1", 0);
}
END_TEST

START_TEST(cli_json_config_is_only_json)
{
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    write_ini("/etc/hostpriv/admin.ini", "[core]\nversion = 4.14.1\n");
    char *out, *err;
    const char *a[] = { "--root", root, "--set", "core.version=4.16.2",
                        "--json", "config", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    ck_assert_msg(j != NULL, "not JSON (%s): %s", je.text, out);
    json_t *v = json_object_get(json_object_get(j, "core"), "version");
    ck_assert_str_eq(json_string_value(json_object_get(v, "value")), "4.14.1");
    ck_assert(json_is_true(json_object_get(v, "locked")));
    json_t *t = json_object_get(json_object_get(j, "prompt"), "timeout");
    ck_assert_str_eq(json_string_value(json_object_get(t, "origin")),
                     "default");
    ck_assert_int_eq(json_object_size(j), 8);
    json_decref(j);
    ck_assert_ptr_nonnull(strstr(err, "locked"));   /* warnings: stderr */
    free(out);
    free(err);
}
END_TEST

START_TEST(cli_usage_errors_exit_64)
{
    char *out, *err;
    const char *a[] = { "plugin", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 64);
    ck_assert_ptr_nonnull(strstr(err, "did you mean 'plugins'"));
    free(out);
    free(err);
    const char *b[] = { "--bogus", "plugins", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 64);
    free(out);
    free(err);
    const char *c[] = { NULL };
    ck_assert_int_eq(cli(c, &out, &err), 64);
    free(out);
    free(err);
    const char *d[] = { "--set", NULL };
    ck_assert_int_eq(cli(d, &out, &err), 64);
    free(out);
    free(err);
    const char *f[] = { "config", "--bogus", NULL };
    ck_assert_int_eq(cli(f, &out, &err), 64);
    free(out);
    free(err);
}
END_TEST

START_TEST(cli_help_lists_built_commands)
{
    char *out, *err;
    const char *a[] = { "--help", NULL };
    ck_assert_int_eq(cli(a, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "plugins"));
    ck_assert_ptr_nonnull(strstr(out, "config [--check]"));
    ck_assert_ptr_nonnull(strstr(out, "call OP"));
    ck_assert_ptr_null(strstr(out, "not built"));
    free(out);
    free(err);
    const char *b[] = { "config", "--help", NULL };
    ck_assert_int_eq(cli(b, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: hostpriv"));
    free(out);
    free(err);
    const char *v[] = { "--version", NULL };
    ck_assert_int_eq(cli(v, &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "hostpriv "));
    free(out);
    free(err);
}
END_TEST

Suite *make_config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *t = tcase_create("schema");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, schema_has_every_design_key);
    tcase_add_test(t, platform_defaults_follow_platform_and_user);
    suite_add_tcase(s, t);

    t = tcase_create("values");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, int_values_are_strict);
    tcase_add_test(t, bool_enum_version_path_values);
    tcase_add_test(t, list_ports_answers_and_names);
    tcase_add_test(t, set_rejects_controls_and_unknown_keys);
    suite_add_tcase(s, t);

    t = tcase_create("files");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, missing_file);
    tcase_add_test(t, empty_and_comment_only_files);
    tcase_add_test(t, bom_and_crlf_files);
    tcase_add_test(t, cr_without_lf_at_the_end);
    tcase_add_loop_test(t, bad_file_is_rejected_whole, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(t, inih_alone_would_split_the_long_line);
    tcase_add_test(t, oversize_file);
    tcase_add_test(t, good_file_values_and_origins);
    tcase_add_test(t, shipped_files_are_valid_and_complete);
    suite_add_tcase(s, t);

    t = tcase_create("layers");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, later_layers_win_whatever_the_load_order);
    tcase_add_test(t, admin_lock_beats_set_and_files);
    tcase_add_test(t, admin_loaded_last_still_wins_and_warns);
    tcase_add_test(t, system_layers_under_root_sorted);
    suite_add_tcase(s, t);

    t = tcase_create("root-safety");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 10);      /* a FIFO must not block the reader */
    tcase_add_test(t, root_refuses_file_not_owned_by_root);
    tcase_add_test(t, root_refuses_writable_file);
    tcase_add_test(t, root_refuses_symlink_and_fifo);
    tcase_add_test(t, root_refuses_file_in_unsafe_directory);
    suite_add_tcase(s, t);

    t = tcase_create("context");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ctx_layers_in_order);
    tcase_add_test(t, ctx_admin_lock_beats_set);
    tcase_add_test(t, ctx_root_comes_from_args_not_files);
    tcase_add_test(t, ctx_user_by_name_only);
    tcase_add_test(t, ctx_root_without_user_knows_no_user);
    tcase_add_test(t, ctx_root_refuses_unsafe_root_and_config);
    suite_add_tcase(s, t);

    t = tcase_create("cli");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, cli_bad_version_exits_78);
    tcase_add_test(t, cli_check_names_file_and_line);
    tcase_add_test(t, cli_admin_lock_beats_set);
    tcase_add_test(t, version_emulated_by_a_named_plugin);
    tcase_add_test(t, cli_named_plugin_emulates_its_version);
    tcase_add_test(t, cli_json_config_is_only_json);
    tcase_add_test(t, cli_usage_errors_exit_64);
    tcase_add_test(t, cli_help_lists_built_commands);
    suite_add_tcase(s, t);
    return s;
}
