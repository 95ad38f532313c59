/* Layered INI configuration (contract: docs/REFERENCE.md "Configuration").
 * Parsed with inih; every key is declared once in a schema with its type,
 * default and range; values keep their origin (`file:line`, default, --set)
 * and admin.ini locks. */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H
#include <stddef.h>
#include "base/err.h"

enum hp_ctype { HP_CT_STR, HP_CT_BOOL, HP_CT_INT, HP_CT_ENUM, HP_CT_PATH,
                HP_CT_LIST, HP_CT_VERSION, HP_CT_PORTS };

typedef struct hp_config_key {
    const char *key;          /* "host.root" */
    int type;                 /* enum hp_ctype */
    const char *def;          /* default text, NULL = computed at load */
    long min, max;            /* HP_CT_INT range */
    const char *choices;      /* HP_CT_ENUM: "tty command answers allow deny";
                                 HP_CT_PATH: literals allowed besides an
                                 absolute path ("-" for core.event_log) */
    const char *help;         /* one line, for `config` and hostpriv.ini */
} hp_config_key;

typedef struct hp_config hp_config;

/* Layers, lowest first.  HP_LAYER_INSTALL is the file `install --user`
 * writes (host.user only, HP_INSTALLED_USER_FILE); it and admin.ini lock
 * their keys against every lower layer, admin.ini winning. */
enum hp_layer { HP_LAYER_DEFAULT = 0, HP_LAYER_SYSTEM, HP_LAYER_USER,
                HP_LAYER_FILE, HP_LAYER_SET, HP_LAYER_INSTALL,
                HP_LAYER_ADMIN };

/* In the system configuration directory, beside hostpriv.ini: the one
 * account hostpriv serves on this machine, written by `install --user`
 * (root 0644, journaled: `uninstall` removes it). */
#define HP_INSTALLED_USER_FILE "installed-user.ini"


/* The schema: every key of docs/REFERENCE.md and hostpriv.ini(5). */
const hp_config_key *hp_config_schema(size_t *n);
const hp_config_key *hp_config_key_find(const char *key);

hp_config *hp_config_new(void);            /* defaults only */
void hp_config_free(hp_config *cfg);

/* Load one INI file into `layer`.  The file is opened with
 * O_NOFOLLOW|O_NONBLOCK, must be a regular file of at most 1 MiB, a leading
 * BOM is skipped, CRLF accepted; NUL bytes and other control characters,
 * lines longer than inih's buffer (INI_MAX_LINE - 3 bytes), indented lines
 * (inih continuations), unknown or duplicate sections, unknown keys, keys
 * outside a section, a key set twice and bad values are errors naming
 * `file:line` (HP_ECONFIG); a file with an error applies nothing.  The
 * lines are checked before inih parses them, so the tail of a long line
 * never becomes a line of its own.  must_exist=0: a missing file is no
 * error.  require_safe=1 (root processes): refuse a file that is not
 * root-owned, is group/world-writable, or has an unsafe parent
 * (HP_ECONFIG).  A key locked by admin.ini is ignored with a warning. */
int hp_config_load_file(hp_config *cfg, const char *path, int layer,
                        int must_exist, int require_safe, hp_err *e);
/* `--set S.K=V` (layer HP_LAYER_SET) or hp_set(). Locked keys: HP_EDENIED
 * (and a warning).  HP_LAYER_DEFAULT replaces a computed default with a
 * resolved one (the context's invoking user, passwd home and shell). */
int hp_config_set(hp_config *cfg, const char *key, const char *value,
                  int layer, const char *origin, hp_err *e);
/* Load the system layers from `dir`, the host path of the system
 * configuration directory (<root>/etc/hostpriv; hp_sysconf_dir):
 * hostpriv.ini, conf.d/ *.ini sorted, and admin.ini (locks). */
int hp_config_load_system(hp_config *cfg, const char *dir, int require_safe,
                          hp_err *e);
/* Only the locking files, `dir`/installed-user.ini and admin.ini: the
 * locks hold when the other system files are skipped. */
int hp_config_load_admin(hp_config *cfg, const char *dir, int require_safe,
                         hp_err *e);
/* The value `layer` itself holds for key (NULL when it holds none), and
 * where it comes from. */
const char *hp_config_layer_value(const hp_config *cfg, const char *key,
                                  int layer, const char **origin);

/* Effective value (highest layer); defaults that follow host.platform or
 * host.user are current.  NULL for a key not in the schema. */
/* The platform's default elevate.command: macos "osascript" (the
 * do-shell-script wrapper of elevate.c); linux "pkexec" when present in
 * PATH, else "sudo -n". */
const char *hp_elevate_default(const char *platform);
const char *hp_config_get(const hp_config *cfg, const char *key);
int hp_config_get_bool(const hp_config *cfg, const char *key);
long hp_config_get_int(const hp_config *cfg, const char *key);
/* Split a list value (commas or white space) into out[] (pointers into buf).
 * Returns the count, or (size_t)-1 when buf or max is too small. */
/* host.cli_tools: how many names, and their bytes with a NUL each, a
 * valid value holds (what the link actions size their arrays by). */
#define HP_CLI_TOOLS_MAX 32
#define HP_CLI_TOOLS_BUF 2048
size_t hp_config_list(const char *value, char *buf, size_t bufsz,
                      const char **out, size_t max);
/* "FILE:LINE", "default", "default (passwd)", "--set", "hp_set", ... */
const char *hp_config_origin(const hp_config *cfg, const char *key);
int hp_config_locked(const hp_config *cfg, const char *key);
/* Warnings collected while loading (locked keys ignored, ...), one per line;
 * "" when none. */
const char *hp_config_warnings(const hp_config *cfg);
/* Check value text against a key's type ("80abc" for an int: error). */
int hp_config_validate(const hp_config_key *k, const char *value, hp_err *e);
#endif
