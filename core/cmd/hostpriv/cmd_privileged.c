/* `hostpriv privileged TASK [--root DIR] [-c FILE]`: the one step run as
 * root through elevate.command.  A sudoers rule may name
 * `hostpriv privileged *`, so whatever the caller passes is hostile until
 * checked: it takes a task name and nothing else it would act on, reads
 * everything else from root-owned config, and refuses a root or config a
 * user could have prepared.  Checks, in order: real root (77), safe
 * root-owned config and root (78), known task (64). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/actions.h"
#include "cli.h"
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "auth/elevate.h"
#include "host/policy.h"
#include "host/safepath.h"

#define SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct priv_args {
    const char *task;
    const char *root;
    const char *config;
} priv_args;

/* "tasks: cli-links cli-links-remove ..." */
static const char *task_list(void)
{
    static char buf[512];
    size_t o = (size_t)snprintf(buf, sizeof buf, "tasks:");
    for (int a = 0; a < HP_ACT__COUNT && o < sizeof buf; a++)
        if (hp_action_name(a))
            o += (size_t)snprintf(buf + o, sizeof buf - o, " %s",
                                  hp_action_name(a));
    return buf;
}

/* A value may come with the option or after the task; given twice, the
 * two must agree (an elevating side passes exactly one). */
static int take(const char **slot, const char *v, const char *opt)
{
    if (*slot && strcmp(*slot, v) != 0) {
        hp_cli_failf("privileged", HP_EUSAGE, "%s given twice with different "
                     "values", opt);
        return -1;
    }
    *slot = v;
    return 0;
}

static int parse_args(const hp_cli *cli, priv_args *a)
{
    a->root = cli->opts.root;
    a->config = cli->opts.config_file;
    for (int i = 0; i < cli->argc; i++) {
        const char *s = cli->argv[i];
        const char *v = NULL, **slot = NULL, *opt = s;
        if (strcmp(s, "--root") == 0 || strcmp(s, "-c") == 0 ||
            strcmp(s, "--config") == 0) {
            if (i + 1 >= cli->argc) {
                hp_cli_failf("privileged", HP_EUSAGE, "%s needs a value", s);
                return -1;
            }
            v = cli->argv[++i];
            slot = strcmp(s, "--root") == 0 ? &a->root : &a->config;
        } else if (strncmp(s, "--root=", 7) == 0) {
            v = s + 7, slot = &a->root, opt = "--root";
        } else if (s[0] == '-') {
            hp_cli_failf("privileged", HP_EUSAGE, "unknown option '%s'", s);
            return -1;
        } else if (a->task) {
            hp_cli_failf("privileged", HP_EUSAGE, "takes one task, got '%s' "
                         "and '%s'", a->task, s);
            return -1;
        } else {
            a->task = s;
            continue;
        }
        if (!*v) {
            hp_cli_failf("privileged", HP_EUSAGE, "%s is empty", opt);
            return -1;
        }
        if (take(slot, v, opt) != 0)
            return -1;
    }
    if (!a->task) {
        hp_err e = HP_ERR_INIT;
        snprintf(e.msg, sizeof e.msg, "no task given");
        hp_cli_record(HP_EUSAGE, &e);
        fprintf(stderr, "usage: hostpriv privileged TASK [--root DIR] "
                "[-c FILE]\n%s\n", task_list());
        return -1;
    }
    return 0;
}

/* The root and config a caller names must be root's own, all the way up,
 * or a user could point root at a tree they control. */
static int check_paths(priv_args *a, char *rootbuf, char *cfgbuf, size_t n)
{
    hp_err e = HP_ERR_INIT;
    if (a->root) {
        if (!realpath(a->root, rootbuf)) {
            return hp_cli_failf("privileged", HP_ECONFIG, "--root %s: %s",
                                a->root, strerror(errno));
        }
        if (hp_sp_check_safe_dir(rootbuf, &e) != HP_OK)
            goto unsafe;
        a->root = rootbuf;
    }
    if (a->config && a->config[0] != '/') {
        /* made absolute, not resolved: a symlink must still be seen */
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) ||
            (size_t)snprintf(cfgbuf, n, "%s/%s", cwd, a->config) >= n) {
            return hp_cli_failf("privileged", HP_ECONFIG, "-c %s: path too "
                                "long", a->config);
        }
        a->config = cfgbuf;
    }
    if (a->config && hp_sp_check_safe_file(a->config, &e) != HP_OK)
        goto unsafe;
    return HP_OK;
unsafe:
    return hp_cli_failf("privileged", HP_ECONFIG, "refusing: %s", e.msg);
}

/* The policy document, capped: root reads no more than it will accept. */
static int read_stdin(char **data, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return HP_EINTERNAL;
    for (;;) {
        if (n == cap) {
            if (cap > HP_POLICY_MAX)
                break;
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                return HP_EINTERNAL;
            }
            buf = nb;
        }
        ssize_t r = read(0, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            hp_cli_failf("privileged", HP_EUSAGE, "reading stdin: %s",
                         strerror(errno));
            free(buf);
            return HP_EUSAGE;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > HP_POLICY_MAX) {
        hp_cli_failf("privileged", HP_EUSAGE, "the data on stdin is larger "
                     "than %u bytes", HP_POLICY_MAX);
        free(buf);
        return HP_EUSAGE;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return HP_OK;
}

static int act(hp_ctx *c, const char *task, int action)
{
    char *data = NULL, path[PATH_MAX] = "";
    size_t len = 0;
    if (action == HP_ACT_POLICY_SET) {
        int rc = read_stdin(&data, &len);
        if (rc != HP_OK)
            return rc;
    }
    hp_err e = HP_ERR_INIT;
    int rc = hp_action_do(c, action, data, len, path, sizeof path, &e);
    free(data);
    char who[64];
    snprintf(who, sizeof who, "privileged %s", task);
    if (rc != HP_OK)
        return hp_cli_fail(who, rc, &e);
    if (e.msg[0])
        fprintf(stderr, "hostpriv privileged %s: %s\n", task, e.msg);
    return hp_exit_code(rc);
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_privileged)) {
        printf("%s\n", task_list());
        return 0;
    }
    if (getuid() != 0 || geteuid() != 0) {
        return hp_cli_failf("privileged", HP_EDENIED, "must be run as root "
                            "(through elevate.command, e.g. sudo -n); uid %u "
                            "is not permitted", (unsigned)getuid());
    }
    /* nothing the caller's environment says reaches root's decisions */
    clearenv();
    setenv("PATH", SAFE_PATH, 1);
    umask(022);
    priv_args a = { 0 };
    if (parse_args(cli, &a) != 0)
        return HP_EUSAGE;
    if (cli->opts.sets && cli->opts.sets[0])
        fprintf(stderr, "hostpriv privileged: warning: --set is ignored: "
                "root acts on root-owned configuration only\n");
    char rootbuf[PATH_MAX], cfgbuf[PATH_MAX];
    int rc = check_paths(&a, rootbuf, cfgbuf, sizeof cfgbuf);
    if (rc != HP_OK)
        return rc;
    hp_open_opts o = { .role = HP_ROLE_PRIVILEGED, .root = a.root,
                       .config_file = a.config, .sets = NULL,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    rc = hp_ctx_open(&c, &o, &e);
    if (rc != HP_OK) {
        return hp_cli_fail("privileged", rc, &e);
    }
    int action = hp_action_from_name(a.task);
    if (action < 0) {
        hp_cli_failf("privileged", HP_EUSAGE, "unknown task '%s'; %s", a.task,
                     task_list());
        hp_ctx_close(c);
        return HP_EUSAGE;
    }
    rc = act(c, a.task, action);
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_privileged = {
    "privileged", "privileged TASK [--root DIR] [-c FILE]",
    "run one privileged task as root (what elevate.command runs)", run
};
