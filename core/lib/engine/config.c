/* Layered INI configuration: the schema of every key, typed validation,
 * layers with origins and admin.ini locks.  Files are read here (size,
 * type, NUL bytes and line length checked first) and only then handed to
 * inih, so inih never sees a line longer than its buffer: old inih splits
 * such a line and parses the tail as a new line of its own (inih #145). */
#include "config.h"
#include "base/proc.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "loader.h"
#include "host/safepath.h"
#include "host/ports.h"

#ifndef HP_CLI_PROGRAM
#define HP_CLI_PROGRAM "/usr/local/bin/hostpriv"
#endif
#ifndef HP_HELPER_PROGRAM
#define HP_HELPER_PROGRAM "/usr/local/libexec/hostpriv/hostprivd"
#endif

#define MAX_FILE   (1024 * 1024)
/* inih's buffer holds the line, "\r\n" and the NUL. */
#define MAX_LINE   (INI_MAX_LINE - 3)
#define NLAYERS    (HP_LAYER_ADMIN + 1)

static const char tools_def[] = "docker docker-compose docker-credential-desktop "
                                "docker-credential-osxkeychain kubectl hub-tool";

/* def NULL: computed from host.platform (see computed_default()). */
static const hp_config_key schema[] = {
    { "core.version", HP_CT_VERSION, "4.18.0", 0, 0, NULL,
      "app version to emulate; picks the plugin by range" },
    { "core.plugin", HP_CT_STR, "", 0, 0, NULL,
      "explicit plugin name, overrides core.version" },
    { "core.plugin_dir", HP_CT_PATH, NULL, 0, 0, NULL,
      "where plugins are (absolute)" },
    { "core.cli_program", HP_CT_PATH, NULL, 0, 0, NULL,
      "the hostpriv CLI that elevation and the boot task run (absolute)" },
    { "core.helper_program", HP_CT_PATH, NULL, 0, 0, NULL,
      "the hostprivd that helper installation copies to helper.path "
      "(absolute)" },
    { "core.event_log", HP_CT_PATH, "", 0, 0, "-",
      "JSON-lines event file, - = stdout, empty = none" },
    { "host.root", HP_CT_PATH, "/", 0, 0, NULL,
      "prefix every host path resolves under (test rigs: a sandbox)" },
    { "host.platform", HP_CT_ENUM, "macos", 0, 0, "macos linux",
      "path defaults and service manager" },
    { "host.user", HP_CT_STR, "", 0, 0, NULL,
      "the unprivileged user the app runs as; empty = invoking user" },
    { "host.home", HP_CT_PATH, NULL, 0, 0, NULL,
      "that user's home; empty = from passwd" },
    { "host.app_bin_dir", HP_CT_PATH,
      "/Applications/Docker.app/Contents/Resources/bin", 0, 0, NULL,
      "where the app's CLI binaries are" },
    { "host.cli_tools", HP_CT_LIST, tools_def, 0, 0, NULL,
      "names of the binaries to link" },
    { "host.hosts_file", HP_CT_PATH, "/etc/hosts", 0, 0, NULL,
      "the hosts file" },
    { "host.kubernetes", HP_CT_BOOL, "false", 0, 0, NULL,
      "Kubernetes enabled (needs kubernetes.docker.internal)" },
    { "host.shell", HP_CT_STR, "", 0, 0, NULL,
      "the user's login shell (picks the profile file); empty = from passwd" },
    { "helper.socket", HP_CT_PATH, "/var/run/com.docker.vmnetd.sock", 0, 0,
      NULL, "helper socket" },
    { "helper.label", HP_CT_STR, "com.docker.vmnetd", 0, 0, NULL,
      "service label" },
    { "helper.path", HP_CT_PATH, NULL, 0, 0, NULL, "installed helper binary" },
    { "helper.service", HP_CT_ENUM, NULL, 0, 0, "launchd systemd direct",
      "service manager backend" },
    { "helper.service_file", HP_CT_PATH, NULL, 0, 0, NULL,
      "plist or unit path of the helper" },
    { "helper.start_command", HP_CT_STR, "", 0, 0, NULL,
      "shell command that gets the helper running; empty = elevate.command "
      "+ hostpriv privileged helper-start" },
    { "helper.idle_exit", HP_CT_INT, "0", 0, 86400, NULL,
      "seconds idle before an on-demand helper exits; 0 = never" },
    { "helper.ports", HP_CT_PORTS, "1-1023", 0, 0, NULL,
      "ports the helper binds for clients" },
    { "helper.user_connections", HP_CT_INT, "128", 1, 240, NULL,
      "connections one user may hold open to the helper at once (1 to 240; "
      "16 of its 256 are kept for root)" },
    { "boot.label", HP_CT_STR, "com.docker.socket", 0, 0, NULL,
      "label of the startup task that recreates the docker.sock link" },
    { "boot.service_file", HP_CT_PATH, NULL, 0, 0, NULL,
      "plist or unit of the startup task" },
    { "policy.cache_file", HP_CT_PATH, NULL, 0, 0, NULL,
      "the cached Registry Access Management policy" },
    { "elevate.command", HP_CT_STR, NULL, 0, 0, NULL,
      "prefix that runs one privileged step as root after a granted prompt" },
    { "prompt.backend", HP_CT_ENUM, "tty", 0, 0, "tty command answers allow deny",
      "how prompts are answered" },
    { "prompt.command", HP_CT_STR, "", 0, 0, NULL,
      "for command: /bin/sh -c COMMAND hostpriv-prompt TASK MESSAGE; exit 0 = granted" },
    { "prompt.answers", HP_CT_LIST, "", 0, 0, NULL,
      "for answers: TASK=yes|no|timeout, or bare yes|no|timeout used in order" },
    { "prompt.timeout", HP_CT_INT, "60", 0, 86400, NULL,
      "seconds before an unanswered prompt counts as declined" },
    { "advanced.cli_location", HP_CT_ENUM, "system", 0, 0, "system user",
      "4.18+: CLI links in /usr/local/bin (system) or ~/.docker/bin (user)" },
    { "advanced.docker_socket_link", HP_CT_BOOL, "true", 0, 0, NULL,
      "4.18+: create the /var/run/docker.sock link and its boot task" },
    { "advanced.privileged_ports", HP_CT_BOOL, "true", 0, 0, NULL,
      "4.18+: privileged port mapping enabled" },
};
#define NKEYS (sizeof schema / sizeof schema[0])

static const char *const sections[] = {
    "core", "host", "helper", "boot", "policy", "elevate", "prompt",
    "advanced", NULL
};

struct slot {
    char *val[NLAYERS];        /* NULL = this layer does not set the key */
    char *origin[NLAYERS];
    int pinned;                /* default layer set explicitly: not computed */
};

struct hp_config {
    struct slot s[NKEYS];
    char *warn;
    size_t warnlen;
};

/* ---- schema ---------------------------------------------------------- */

const hp_config_key *hp_config_schema(size_t *n)
{
    if (n)
        *n = NKEYS;
    return schema;
}

/* Callers mostly pass string literals, so where a key pointer was found
 * is remembered (checked with one strcmp: a reused buffer may hold
 * another key); the helper looks keys up on every request. */
static int key_index(const char *key)
{
    static _Thread_local struct { const char *p; int i; } memo[64];
    if (!key)
        return -1;
    size_t h = ((uintptr_t)key >> 3) % 64;
    if (memo[h].p == key && !strcmp(schema[memo[h].i].key, key))
        return memo[h].i;
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(schema[i].key, key) == 0) {
            memo[h].p = key;
            memo[h].i = (int)i;
            return (int)i;
        }
    return -1;
}

const hp_config_key *hp_config_key_find(const char *key)
{
    int i = key_index(key);
    return i < 0 ? NULL : &schema[i];
}

static int section_known(const char *s, size_t len)
{
    for (size_t i = 0; sections[i]; i++)
        if (strlen(sections[i]) == len && memcmp(sections[i], s, len) == 0)
            return 1;
    return 0;
}

/* ---- value checks ---------------------------------------------------- */

static int no_controls(const char *key, const char *v, hp_err *e)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return hp_err_set(e, HP_ECONFIG,
                              "%s: control character 0x%02x in the value: "
                              "remove it", key, *p);
    return HP_OK;
}

static int name_char(int ch, const char *extra)
{
    return isalnum(ch) || (ch && strchr(extra, ch));
}

/* Names that end up in file names, labels and passwd lookups. */
static int check_name(const char *key, const char *v, const char *what,
                      const char *extra, size_t max, int may_be_empty,
                      hp_err *e)
{
    size_t len = strlen(v);
    if (len == 0 && may_be_empty)
        return HP_OK;
    int ok = len > 0 && len <= max && v[0] != '-' && v[0] != '.';
    for (size_t i = 0; ok && i < len; i++)
        ok = name_char((unsigned char)v[i], extra);
    if (!ok)
        return hp_err_set(e, HP_ECONFIG,
                          "%s: '%s' is not a valid %s (letters, digits and "
                          "'%s', at most %zu, not starting with '-' or '.')",
                          key, v, what, extra, max);
    return HP_OK;
}

/* Strict decimal: the whole text, no sign, no base prefix, in range. */
static int parse_long(const char *v, long min, long max, long *out)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

static int parse_bool(const char *v)
{
    static const char *const yes[] = { "true", "yes", "on", "1", NULL };
    static const char *const no[] = { "false", "no", "off", "0", NULL };
    for (size_t i = 0; yes[i]; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int word_in(const char *w, size_t wlen, const char *words)
{
    const char *p = words;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n == wlen && memcmp(p, w, n) == 0)
            return 1;
        p += n;
        p += strspn(p, " ");
    }
    return 0;
}

/* Each item of a list, in place of the whole value. */
typedef int (*item_fn)(const char *key, const char *item, hp_err *e);

static int each_item(const char *key, const char *v, item_fn fn, hp_err *e)
{
    char buf[4096];
    const char *items[512];
    size_t n = hp_config_list(v, buf, sizeof buf, items, 512);
    if (n == (size_t)-1)
        return hp_err_set(e, HP_ECONFIG, "%s: list too long", key);
    for (size_t i = 0; i < n; i++)
        if (fn(key, items[i], e) != HP_OK)
            return HP_ECONFIG;
    return HP_OK;
}

/* One item of a port list, read by the very parser the helper's port
 * policy uses (hp_ports_allowed): a list the configuration accepts is one
 * the helper reads the same way ("080" once passed here and then allowed
 * nothing there). */
static int port_item(const char *key, const char *it, hp_err *e)
{
    if (hp_ports_valid(it, NULL) == HP_OK)
        return HP_OK;
    return hp_err_set(e, HP_ECONFIG,
                      "%s: '%s' is not a port or range (N or N-M, 1 to 65535 "
                      "without leading zeros, N <= M), e.g. 1-1023 8080", key,
                      it);
}

static int tool_item(const char *key, const char *it, hp_err *e)
{
    return check_name(key, it, "binary name", "._+-", 255, 0, e);
}

/* prompt.answers: TASK=yes|no|timeout or a bare yes|no|timeout. */
static int answer_item(const char *key, const char *it, hp_err *e)
{
    static const char tasks[] = "helper cli-links docker-socket "
                                "privileged-port hosts policy settings uninstall";
    const char *eq = strchr(it, '=');
    const char *ans = eq ? eq + 1 : it;
    if (eq && !word_in(it, (size_t)(eq - it), tasks))
        return hp_err_set(e, HP_ECONFIG,
                          "%s: '%.*s' is not a task (one of: %s)", key,
                          (int)(eq - it), it, tasks);
    if (!word_in(ans, strlen(ans), "yes no timeout"))
        return hp_err_set(e, HP_ECONFIG,
                          "%s: '%s': an answer is yes, no or timeout, "
                          "optionally TASK=ANSWER", key, it);
    return HP_OK;
}

/* Keys whose empty value would silently mean something else (host.root
 * "" was the real /): they must name a path. */
static int needs_path(const char *key)
{
    return !strcmp(key, "host.root") || !strcmp(key, "core.plugin_dir") ||
           !strcmp(key, "core.cli_program") ||
           !strcmp(key, "core.helper_program");
}

static int check_path(const hp_config_key *k, const char *v, hp_err *e)
{
    if (!*v && needs_path(k->key))
        return hp_err_set(e, HP_ECONFIG, "%s: empty: give an absolute path%s",
                          k->key, strcmp(k->key, "host.root") ? "" :
                          " (/ for the real host, or the sandbox directory)");
    if (!*v || (k->choices && word_in(v, strlen(v), k->choices)))
        return HP_OK;
    if (v[0] != '/')
        return hp_err_set(e, HP_ECONFIG,
                          "%s: '%s' is not an absolute path: write it from "
                          "/ (host paths as if host.root were /)", k->key, v);
    if (strlen(v) >= PATH_MAX)
        return hp_err_set(e, HP_ECONFIG, "%s: path too long", k->key);
    return HP_OK;
}

/* Key-specific rules on top of the type. */
static int check_key(const hp_config_key *k, const char *v, hp_err *e)
{
    const char *key = k->key;
    if (!strcmp(key, "core.plugin"))
        return check_name(key, v, "plugin name", "._-", 64, 1, e);
    if (!strcmp(key, "host.user"))
        return check_name(key, v, "user name", "._-", 32, 1, e);
    if (!strcmp(key, "helper.label") || !strcmp(key, "boot.label"))
        return check_name(key, v, "label", "._-", 128, 0, e);
    if (!strcmp(key, "host.cli_tools")) {
        char buf[HP_CLI_TOOLS_BUF];
        const char *names[HP_CLI_TOOLS_MAX];
        if (hp_config_list(v, buf, sizeof buf, names, HP_CLI_TOOLS_MAX) ==
            (size_t)-1)
            return hp_err_set(e, HP_ECONFIG, "%s: at most %d names of %d "
                              "bytes in all; list fewer tools", key,
                              HP_CLI_TOOLS_MAX, HP_CLI_TOOLS_BUF - 1);
        return each_item(key, v, tool_item, e);
    }
    if (!strcmp(key, "prompt.answers"))
        return each_item(key, v, answer_item, e);
    return HP_OK;
}

int hp_config_validate(const hp_config_key *k, const char *v, hp_err *e)
{
    long n;
    int dummy[3];
    if (!k || !v)
        return hp_err_set(e, HP_ECONFIG, "no such key");
    if (no_controls(k->key, v, e) != HP_OK)
        return HP_ECONFIG;
    switch (k->type) {
    case HP_CT_BOOL:
        if (parse_bool(v) < 0)
            return hp_err_set(e, HP_ECONFIG, "%s: '%s' is not a boolean "
                              "(true or false)", k->key, v);
        break;
    case HP_CT_INT:
        if (parse_long(v, k->min, k->max, &n))
            return hp_err_set(e, HP_ECONFIG, "%s: '%s' is not a decimal "
                              "number from %ld to %ld", k->key, v, k->min,
                              k->max);
        break;
    case HP_CT_ENUM:
        if (!word_in(v, strlen(v), k->choices))
            return hp_err_set(e, HP_ECONFIG, "%s: '%s' is not one of: %s",
                              k->key, v, k->choices);
        break;
    case HP_CT_PATH:
        return check_path(k, v, e);
    case HP_CT_VERSION:
        if (hp_version_parse(v, dummy) != 0)
            return hp_err_set(e, HP_ECONFIG, "%s: '%s' is not a version "
                              "(1 to 3 numbers joined by dots, e.g. 4.16.2)",
                              k->key, v);
        break;
    case HP_CT_PORTS:
        if (!*v)
            return hp_err_set(e, HP_ECONFIG, "%s: empty: give ports or "
                              "ranges, e.g. 1-1023", k->key);
        return each_item(k->key, v, port_item, e);
    default:
        break;
    }
    return check_key(k, v, e);
}

/* ---- storage --------------------------------------------------------- */

static void warnf(hp_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warnf(hp_config *cfg, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    char *w = realloc(cfg->warn, cfg->warnlen + (size_t)n + 1);
    if (!w)
        return;
    memcpy(w + cfg->warnlen, line, (size_t)n);
    cfg->warnlen += (size_t)n;
    w[cfg->warnlen] = '\0';
    cfg->warn = w;
}

static int put(struct slot *s, int layer, const char *val, const char *origin)
{
    char *v = strdup(val), *o = strdup(origin);
    if (!v || !o) {
        free(v);
        free(o);
        return HP_EINTERNAL;
    }
    free(s->val[layer]);
    free(s->origin[layer]);
    s->val[layer] = v;
    s->origin[layer] = o;
    return HP_OK;
}

static const char *effective(const struct slot *s, int *layer)
{
    for (int l = NLAYERS - 1; l >= 0; l--)
        if (s->val[l]) {
            if (layer)
                *layer = l;
            return s->val[l];
        }
    return NULL;
}

static const char *raw_get(const hp_config *cfg, const char *key)
{
    int i = key_index(key);
    return i < 0 ? NULL : effective(&cfg->s[i], NULL);
}

/* Defaults that follow host.platform (brief's "Host paths"). */
static const char *computed_default(const hp_config *cfg, const char *key,
                                    char *buf, size_t n)
{
    const char *plat = raw_get(cfg, "host.platform");
    int mac = !plat || strcmp(plat, "linux") != 0;
    /* the compiled-in install paths; a program of hostpriv's pins better
     * ones at open (engine/programs.c) */
    if (!strcmp(key, "core.plugin_dir"))
        return HP_PLUGINDIR;
    if (!strcmp(key, "core.cli_program"))
        return HP_CLI_PROGRAM;
    if (!strcmp(key, "core.helper_program"))
        return HP_HELPER_PROGRAM;
    if (!strcmp(key, "host.home")) {
        const char *u = raw_get(cfg, "host.user");
        if (!mac || !u || !*u)
            return "";                      /* from passwd, at open */
        snprintf(buf, n, "/Users/%s", u);
        return buf;
    }
    if (!strcmp(key, "helper.path"))
        return mac ? "/Library/PrivilegedHelperTools/com.docker.vmnetd"
                   : "/usr/local/libexec/hostpriv/com.docker.vmnetd";
    if (!strcmp(key, "helper.service"))
        return mac ? "launchd" : "systemd";
    if (!strcmp(key, "helper.service_file"))
        return mac ? "/Library/LaunchDaemons/com.docker.vmnetd.plist"
                   : "/etc/systemd/system/com.docker.vmnetd.service";
    if (!strcmp(key, "boot.service_file"))
        return mac ? "/Library/LaunchDaemons/com.docker.socket.plist"
                   : "/etc/systemd/system/com.docker.socket.service";
    if (!strcmp(key, "policy.cache_file"))
        return mac ? "/Library/Application Support/com.docker.docker/"
                     "registry-access-management.json"
                   : "/var/lib/hostpriv/registry-access-management.json";
    if (!strcmp(key, "elevate.command"))    /* pkexec when present */
        return hp_elevate_default(mac ? "macos" : "linux");
    return "";
}

const char *hp_elevate_default(const char *platform)
{
    if (platform && strcmp(platform, "macos") == 0)
        return "osascript";
    return hp_in_path("pkexec") ? "pkexec" : "sudo -n";
}

/* Recompute the computed defaults after host.platform or host.user
 * changed, so a read is always current (hp_config_get is const). */
static void refresh_defaults(hp_config *cfg)
{
    char buf[PATH_MAX];
    for (size_t i = 0; i < NKEYS; i++) {
        if (schema[i].def || cfg->s[i].pinned)
            continue;
        const char *v = computed_default(cfg, schema[i].key, buf, sizeof buf);
        if (!cfg->s[i].val[HP_LAYER_DEFAULT] ||
            strcmp(cfg->s[i].val[HP_LAYER_DEFAULT], v) != 0)
            put(&cfg->s[i], HP_LAYER_DEFAULT, v, "default");
    }
}

hp_config *hp_config_new(void)
{
    hp_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    for (size_t i = 0; i < NKEYS; i++)
        if (schema[i].def && put(&cfg->s[i], HP_LAYER_DEFAULT, schema[i].def,
                                 "default") != HP_OK) {
            hp_config_free(cfg);
            return NULL;
        }
    refresh_defaults(cfg);
    return cfg;
}

void hp_config_free(hp_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < NKEYS; i++)
        for (int l = 0; l < NLAYERS; l++) {
            free(cfg->s[i].val[l]);
            free(cfg->s[i].origin[l]);
        }
    free(cfg->warn);
    free(cfg);
}

/* The locking layer that holds a key (admin.ini over the installed
 * user's file), -1 when none does. */
static int lock_layer(const struct slot *s)
{
    if (s->val[HP_LAYER_ADMIN])
        return HP_LAYER_ADMIN;
    return s->val[HP_LAYER_INSTALL] ? HP_LAYER_INSTALL : -1;
}

/* Store a validated value.  A lower layer on a locked key is ignored with
 * a warning (HP_EDENIED); a locking file overriding earlier layers says so
 * (the installed user's file only where the value differs: a system file
 * naming the same user is no conflict). */
static int store(hp_config *cfg, int i, const char *val, int layer,
                 const char *origin, hp_err *e)
{
    struct slot *s = &cfg->s[i];
    int lock = lock_layer(s);
    if (lock >= 0 && layer < lock) {
        if (lock == HP_LAYER_ADMIN || strcmp(val, s->val[lock]) != 0)
            warnf(cfg, "%s: %s is locked by %s: this setting is ignored",
                  origin, schema[i].key, s->origin[lock]);
        if (lock == HP_LAYER_ADMIN)
            return hp_err_set(e, HP_EDENIED, "%s is locked by %s: ask the "
                              "administrator to change it there",
                              schema[i].key, s->origin[lock]);
        return hp_err_set(e, HP_EDENIED, "%s is locked by %s (written by "
                          "hostpriv install --user): to change it, run "
                          "hostpriv uninstall, then hostpriv install --user "
                          "NAME, as root", schema[i].key, s->origin[lock]);
    }
    if (layer == HP_LAYER_ADMIN || layer == HP_LAYER_INSTALL)
        for (int l = HP_LAYER_SYSTEM; l < layer; l++)
            if (s->val[l] && (layer == HP_LAYER_ADMIN ||
                              strcmp(s->val[l], val) != 0))
                warnf(cfg, "%s: %s is locked by %s: this setting is ignored",
                      s->origin[l], schema[i].key, origin);
    if (put(s, layer, val, origin) != HP_OK)
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    if (layer == HP_LAYER_DEFAULT)
        s->pinned = 1;
    if (!strcmp(schema[i].key, "host.platform") ||
        !strcmp(schema[i].key, "host.user"))
        refresh_defaults(cfg);
    return HP_OK;
}

static const char *suggest(const char *section, const char *name);
static size_t edit_distance(const char *a, const char *b);

/* The key SECTION.NAME may be a misspelling of: within its section when
 * that is known, else among all keys; NULL when none is close. */
static const char *suggest_key(const char *key, char *buf, size_t n)
{
    size_t sl = strcspn(key, ".");
    char sec[32];
    if (key[sl] == '.' && sl < sizeof sec && section_known(key, sl)) {
        snprintf(sec, sizeof sec, "%.*s", (int)sl, key);
        const char *s = suggest(sec, key + sl + 1);
        if (!s)
            return NULL;
        snprintf(buf, n, "%s.%s", sec, s);
        return buf;
    }
    size_t best = 3;
    const char *hit = NULL;
    for (size_t i = 0; i < NKEYS; i++) {
        size_t d = edit_distance(key, schema[i].key);
        if (d < best) {
            best = d;
            hit = schema[i].key;
        }
    }
    return hit;
}

static int unknown_key(const char *key, const char *origin, hp_err *e)
{
    char buf[160];
    const char *s = key ? suggest_key(key, buf, sizeof buf) : NULL;
    hp_err_set(e, HP_ECONFIG, "%s: unknown key '%s'%s%s%s: see `hostpriv "
               "config` for the keys", origin, key ? key : "",
               s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    hp_err_at(e, key, s, NULL, 0);
    return HP_ECONFIG;
}

int hp_config_set(hp_config *cfg, const char *key, const char *value,
                  int layer, const char *origin, hp_err *e)
{
    int i = key_index(key);
    if (i < 0)
        return unknown_key(key, origin, e);
    if (layer < 0 || layer >= NLAYERS || !value)
        return hp_err_set(e, HP_EINTERNAL, "hp_config_set: bad arguments");
    hp_err ve = HP_ERR_INIT;
    if (hp_config_validate(&schema[i], value, &ve) != HP_OK) {
        hp_err_set(e, HP_ECONFIG, "%s: %s", origin, ve.msg);
        hp_err_at(e, key, NULL, NULL, 0);
        return HP_ECONFIG;
    }
    int rc = store(cfg, i, value, layer, origin, e);
    if (rc != HP_OK)
        hp_err_at(e, key, NULL, NULL, 0);
    return rc;
}

/* ---- reading --------------------------------------------------------- */

const char *hp_config_get(const hp_config *cfg, const char *key)
{
    return cfg ? raw_get(cfg, key) : NULL;
}

int hp_config_get_bool(const hp_config *cfg, const char *key)
{
    const char *v = hp_config_get(cfg, key);
    return v && parse_bool(v) == 1;
}

long hp_config_get_int(const hp_config *cfg, const char *key)
{
    const char *v = hp_config_get(cfg, key);
    return v ? strtol(v, NULL, 10) : 0;
}

size_t hp_config_list(const char *value, char *buf, size_t bufsz,
                      const char **out, size_t max)
{
    static const char seps[] = ", \t";
    size_t n = 0, used = 0;
    const char *p = value ? value : "";
    while (*(p += strspn(p, seps))) {
        size_t len = strcspn(p, seps);
        if (n == max || used + len + 1 > bufsz)
            return (size_t)-1;
        memcpy(buf + used, p, len);
        buf[used + len] = '\0';
        out[n++] = buf + used;
        used += len + 1;
        p += len;
    }
    return n;
}

const char *hp_config_origin(const hp_config *cfg, const char *key)
{
    int i = key_index(key), l = 0;
    if (!cfg || i < 0 || !effective(&cfg->s[i], &l))
        return NULL;
    return cfg->s[i].origin[l];
}

int hp_config_locked(const hp_config *cfg, const char *key)
{
    int i = key_index(key);
    return cfg && i >= 0 && lock_layer(&cfg->s[i]) >= 0;
}

const char *hp_config_layer_value(const hp_config *cfg, const char *key,
                                  int layer, const char **origin)
{
    int i = key_index(key);
    if (!cfg || i < 0 || layer < 0 || layer >= NLAYERS ||
        !cfg->s[i].val[layer])
        return NULL;
    if (origin)
        *origin = cfg->s[i].origin[layer];
    return cfg->s[i].val[layer];
}

const char *hp_config_warnings(const hp_config *cfg)
{
    return cfg && cfg->warn ? cfg->warn : "";
}

/* ---- files ----------------------------------------------------------- */

struct load {
    hp_config *cfg;
    const char *path;
    int layer;
    const char *p, *end;       /* the reader's position */
    int line;                  /* line the reader last returned */
    int first[NKEYS];          /* line a key was set at in this file */
    char *val[NKEYS];          /* staged: a file applies whole or not at all */
    int err_line;
    hp_err err;
};

static int load_fail(struct load *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int load_fail(struct load *ld, int line, const char *fmt, ...)
{
    if (ld->err_line && ld->err_line <= line)
        return 0;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ld->err_line = line;
    hp_err_set(&ld->err, HP_ECONFIG, "%s:%d: %s", ld->path, line, msg);
    hp_err_at(&ld->err, NULL, NULL, ld->path, line);
    return 0;
}

/* The key (and the key it may be a misspelling of) of the error just
 * recorded at line, when that error is the one kept. */
static int fail_key(struct load *ld, int line, const char *section,
                    const char *name, const char *hint)
{
    char key[160], full[160];
    if (ld->err_line != line)
        return 0;
    snprintf(key, sizeof key, "%s.%s", section, name);
    if (hint)
        snprintf(full, sizeof full, "%s.%s", section, hint);
    hp_err_at(&ld->err, key, hint ? full : NULL, NULL, 0);
    return 0;
}

/* Levenshtein distance, capped: for "did you mean" on a misspelt key. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *suggest(const char *section, const char *name)
{
    size_t sl = strlen(section), best = 3;
    const char *hit = NULL;
    for (size_t i = 0; i < NKEYS; i++) {
        const char *k = schema[i].key;
        if (strncmp(k, section, sl) != 0 || k[sl] != '.')
            continue;
        size_t d = edit_distance(name, k + sl + 1);
        if (d < best) {
            best = d;
            hit = k + sl + 1;
        }
    }
    return hit;
}

static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
    struct load *ld = user;
    int line = ld->line;
    if (!*section)
        return load_fail(ld, line, "key '%s' outside any section: put it "
                         "under its [section]", name);
    char key[160];
    snprintf(key, sizeof key, "%s.%s", section, name);
    int i = key_index(key);
    if (i < 0) {
        if (!section_known(section, strlen(section)))
            return load_fail(ld, line, "unknown section [%s]", section);
        const char *s = suggest(section, name);
        load_fail(ld, line, "unknown key '%s' in [%s]%s%s%s", name,
                  section, s ? " (did you mean '" : "", s ? s : "",
                  s ? "'?)" : "");
        return fail_key(ld, line, section, name, s);
    }
    if (ld->first[i]) {
        load_fail(ld, line, "duplicate key %s (first set at line %d): "
                  "keep one", key, ld->first[i]);
        return fail_key(ld, line, section, name, NULL);
    }
    ld->first[i] = line;
    if (ld->layer == HP_LAYER_INSTALL && strcmp(schema[i].key, "host.user")) {
        load_fail(ld, line, "%s does not belong here: this file holds only "
                  "host.user (hostpriv install --user writes it); put %s in "
                  "hostpriv.ini or conf.d/", key, key);
        return fail_key(ld, line, section, name, NULL);
    }
    hp_err ve = HP_ERR_INIT;
    if (hp_config_validate(&schema[i], value, &ve) != HP_OK) {
        load_fail(ld, line, "%s", ve.msg);
        return fail_key(ld, line, section, name, NULL);
    }
    if (!(ld->val[i] = strdup(value)))
        return load_fail(ld, line, "out of memory");
    return 1;
}

/* Apply the staged values of a file that parsed without error; a locked
 * key is a warning (store()), not an error. */
static int apply_staged(struct load *ld)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (!ld->val[i])
            continue;
        char origin[PATH_MAX + 16];
        snprintf(origin, sizeof origin, "%s:%d", ld->path, ld->first[i]);
        if (store(ld->cfg, (int)i, ld->val[i], ld->layer, origin, NULL) ==
            HP_EINTERNAL)
            return hp_err_set(&ld->err, HP_EINTERNAL, "out of memory");
    }
    return HP_OK;
}

/* inih reader over the checked buffer: one line per call, counted, so the
 * handler knows the line it is called for. */
static char *read_line(char *str, int num, void *stream)
{
    struct load *ld = stream;
    if (ld->p >= ld->end)
        return NULL;
    const char *nl = memchr(ld->p, '\n', (size_t)(ld->end - ld->p));
    size_t len = nl ? (size_t)(nl - ld->p) + 1 : (size_t)(ld->end - ld->p);
    if (len + 1 > (size_t)num)      /* cannot happen after precheck() */
        return NULL;
    memcpy(str, ld->p, len);
    str[len] = '\0';
    ld->p += len;
    ld->line++;
    return str;
}

/* [section] line: known, once per file, nothing after ']' but a comment. */
static int check_section(struct load *ld, const char *s, size_t len, int line,
                         unsigned *seen)
{
    const char *close = memchr(s, ']', len);
    if (!close)
        return load_fail(ld, line, "section line without ']'");
    const char *name = s + 1;
    size_t nlen = (size_t)(close - name);
    const char *rest = close + 1, *end = s + len;
    while (rest < end && (*rest == ' ' || *rest == '\t'))
        rest++;
    if (rest < end && *rest != ';' && *rest != '#')
        return load_fail(ld, line, "text after the section name: remove it");
    if (!section_known(name, nlen))
        return load_fail(ld, line, "unknown section [%.*s] (sections: core "
                         "host helper boot policy elevate prompt advanced)",
                         (int)nlen, name);
    for (unsigned b = 0; sections[b]; b++)
        if (strlen(sections[b]) == nlen && !memcmp(sections[b], name, nlen)) {
            if (*seen & (1u << b))
                return load_fail(ld, line, "duplicate section [%.*s]: merge "
                                 "the two", (int)nlen, name);
            *seen |= 1u << b;
        }
    return 1;
}

/* Line-level checks on the raw bytes before inih sees them. */
static int precheck(struct load *ld, const char *buf, size_t n)
{
    unsigned seen = 0;
    int line = 0;
    for (const char *p = buf, *end = buf + n; p < end; ) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* the next line starts after this one's bytes, its CR included:
         * a last line ending in CR and no LF must not be read forever */
        const char *next = nl ? nl + 1 : end;
        line++;
        if (len && p[len - 1] == '\r')
            len--;
        const char *nul = memchr(p, '\0', len);
        if (nul)
            return load_fail(ld, line, "NUL byte at column %zu: this is not "
                             "a text file", (size_t)(nul - p) + 1);
        if (len > MAX_LINE)
            return load_fail(ld, line, "line longer than %d bytes (%zu): "
                             "shorten it", MAX_LINE, len);
        for (size_t i = 0; i < len; i++)
            if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
                return load_fail(ld, line, "control character 0x%02x at "
                                 "column %zu: remove it", (unsigned char)p[i],
                                 i + 1);
        size_t ws = 0;
        while (ws < len && (p[ws] == ' ' || p[ws] == '\t'))
            ws++;
        if (ws < len && p[ws] != ';' && p[ws] != '#') {
            if (ws)
                return load_fail(ld, line, "line starts with white space "
                                 "(inih would read it as a continuation of "
                                 "the previous value): remove the indentation");
            if (p[0] == '[' && !check_section(ld, p, len, line, &seen))
                return 0;
        }
        p = next;
    }
    return 1;
}

static int parse_buffer(struct load *ld, const char *buf, size_t n)
{
    if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        buf += 3;
        n -= 3;
    }
    if (!precheck(ld, buf, n))
        return HP_ECONFIG;
    ld->p = buf;
    ld->end = buf + n;
    ld->line = 0;
    int rc = ini_parse_stream(read_line, ld, on_key, ld);
    if (rc > 0 && (!ld->err_line || rc < ld->err_line))
        load_fail(ld, rc, "syntax error: expected [section], key = value or "
                  "a comment");
    else if (rc < 0)
        return hp_err_set(&ld->err, HP_EINTERNAL, "%s: inih failed (%d)",
                          ld->path, rc);
    return ld->err_line ? HP_ECONFIG : apply_staged(ld);
}

/* Checks on the opened inode: what is read is what was checked. */
static int check_fd(int fd, const char *path, int require_safe, off_t *size,
                    hp_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return hp_err_sys(e, HP_ECONFIG, errno, "config %s", path);
    if (!S_ISREG(st.st_mode))
        return hp_err_set(e, HP_ECONFIG, "config %s: not a regular file: "
                          "give an INI file", path);
    if (require_safe && (st.st_uid != 0 || (st.st_mode & 022)))
        return hp_err_set(e, HP_ECONFIG, "config %s: %s: root reads only "
                          "root-owned files nobody else can write (chown "
                          "root, chmod go-w)", path, st.st_uid != 0 ?
                          "not owned by root" : "group/world-writable");
    if (st.st_size > MAX_FILE)
        return hp_err_set(e, HP_ECONFIG, "config %s: larger than 1 MiB",
                          path);
    *size = st.st_size;
    return HP_OK;
}

/* Read the whole file into a buffer sized by fstat (+1, so growth since
 * shows), grown while it keeps growing, never past MAX_FILE: a program
 * reads a few small files each run, not a MiB buffer each. */
static int read_all(int fd, const char *path, off_t size, char **out,
                    size_t *len, hp_err *e)
{
    size_t cap = (size_t)size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    for (;;) {
        if (n == cap) {
            if (cap > MAX_FILE) {
                free(buf);
                return hp_err_set(e, HP_ECONFIG, "config %s: larger than "
                                  "1 MiB", path);
            }
            size_t nc = cap * 2 > MAX_FILE + 1 ? MAX_FILE + 1 : cap * 2;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                return hp_err_set(e, HP_EINTERNAL, "out of memory");
            }
            buf = nb;
            cap = nc;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return hp_err_sys(e, HP_ECONFIG, errno, "config %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return HP_OK;
}

static int load_file(hp_config *cfg, const char *path, int layer,
                     int must_exist, int require_safe, hp_err *e);

/* Every error of a file names it (hp_err_at), for --json's "file". */
int hp_config_load_file(hp_config *cfg, const char *path, int layer,
                        int must_exist, int require_safe, hp_err *e)
{
    int rc = load_file(cfg, path, layer, must_exist, require_safe, e);
    if (rc != HP_OK && e && !e->file[0] && path)
        hp_err_at(e, NULL, NULL, path, 0);
    return rc;
}

static int load_file(hp_config *cfg, const char *path, int layer,
                     int must_exist, int require_safe, hp_err *e)
{
    if (!cfg || !path || layer <= HP_LAYER_DEFAULT || layer > HP_LAYER_ADMIN)
        return hp_err_set(e, HP_EINTERNAL, "hp_config_load_file: bad args");
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if ((errno == ENOENT || errno == ENOTDIR) && !must_exist)
            return HP_OK;
        if (errno == ELOOP)
            return hp_err_set(e, HP_ECONFIG, "config %s: is a symbolic link: "
                              "give the file itself", path);
        return hp_err_sys(e, HP_ECONFIG, errno, "config %s", path);
    }
    off_t size = 0;
    char *buf = NULL;
    size_t len = 0;
    int rc = check_fd(fd, path, require_safe, &size, e);
    if (rc == HP_OK && require_safe)
        rc = hp_sp_check_safe_file(path, e) == HP_OK ? HP_OK : HP_ECONFIG;
    if (rc == HP_OK)
        rc = read_all(fd, path, size, &buf, &len, e);
    close(fd);
    if (rc != HP_OK)
        return rc;
    struct load *ld = calloc(1, sizeof *ld);
    if (!ld) {
        free(buf);
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    }
    ld->cfg = cfg;
    ld->path = path;
    ld->layer = layer;
    rc = parse_buffer(ld, buf, len);
    if (rc != HP_OK && e)
        *e = ld->err;
    for (size_t i = 0; i < NKEYS; i++)
        free(ld->val[i]);
    free(ld);
    free(buf);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conf.d/ *.ini in byte order (a missing directory is no error). */
static int load_confd(hp_config *cfg, const char *dir, int require_safe,
                      hp_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? HP_OK
                               : hp_err_sys(e, HP_ECONFIG, errno, "%s", dir);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    int rc = HP_OK;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".ini"))
            continue;
        if (n == 256) {
            rc = hp_err_set(e, HP_ECONFIG, "%s: more than 256 files", dir);
            break;
        }
        if (!(names[n] = strdup(de->d_name))) {
            rc = hp_err_set(e, HP_EINTERNAL, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (rc == HP_OK)
            rc = hp_config_load_file(cfg, p, HP_LAYER_SYSTEM, 1, require_safe,
                                     e);
        free(names[i]);
    }
    return rc;
}

int hp_config_load_admin(hp_config *cfg, const char *dir, int require_safe,
                         hp_err *e)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/" HP_INSTALLED_USER_FILE, dir);
    int rc = hp_config_load_file(cfg, p, HP_LAYER_INSTALL, 0, require_safe,
                                 e);
    if (rc != HP_OK)
        return rc;
    snprintf(p, sizeof p, "%s/admin.ini", dir);
    return hp_config_load_file(cfg, p, HP_LAYER_ADMIN, 0, require_safe, e);
}

int hp_config_load_system(hp_config *cfg, const char *dir, int require_safe,
                          hp_err *e)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/hostpriv.ini", dir);
    int rc = hp_config_load_file(cfg, p, HP_LAYER_SYSTEM, 0, require_safe, e);
    if (rc == HP_OK) {
        snprintf(p, sizeof p, "%s/conf.d", dir);
        rc = load_confd(cfg, p, require_safe, e);
    }
    if (rc == HP_OK)
        rc = hp_config_load_admin(cfg, dir, require_safe, e);
    return rc;
}
