/* `hostpriv sudoers [--user NAME] [--check]`: the sudoers rule that lets
 * NAME elevate through `sudo -n`, as `limactl sudoers` prints Lima's:
 * exactly `THIS-HOSTPRIV privileged *`, pinned by the file's SHA-256 so a
 * replaced binary is refused by sudo.  --check compares it with the rule
 * installed: 0 when it is there, 1 with the difference. */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "auth/sudoers.h"
#include "engine/events.h"
#include "ops.h"

#define MAX_HITS 16

typedef struct sudo_args {
    const char *user;
    int check;
} sudo_args;

static int parse(const hp_cli *cli, sudo_args *a)
{
    for (int i = 0; i < cli->argc; i++) {
        const char *s = cli->argv[i];
        if (!strcmp(s, "--check"))
            a->check = 1;
        else if (!strcmp(s, "--user") && i + 1 < cli->argc)
            a->user = cli->argv[++i];
        else if (!strncmp(s, "--user=", 7))
            a->user = s + 7;
        else
            return -1;
    }
    return 0;
}

/* --user, else host.user (the configuration, else the invoking user). */
static int pick_user(hp_cli *cli, sudo_args *a, char *buf, size_t n)
{
    if (!a->user) {
        int rc;
        hp_ctx *c = hp_cli_open(cli, 1, &rc);
        if (!c)
            return rc;
        snprintf(buf, n, "%s", c->user_known ? c->user : "");
        hp_ctx_close(c);
        if (!*buf)
            return hp_cli_failf("sudoers", HP_EUSAGE, "whose rule? name the "
                                "user: --user NAME (host.user is not set)");
        a->user = buf;
    }
    if (!getpwnam(a->user))
        return hp_cli_failf("sudoers", HP_EUSAGE, "--user %s: no such user",
                            a->user);
    return 0;
}

static void jfield(const char *name, const char *v, int first)
{
    char buf[2 * HP_SUDOERS_RULE_MAX];
    hp_json_escape(buf, sizeof buf, v);
    printf("%s\"%s\":\"%s\"", first ? "" : ",", name, buf);
}

static int print_rule(const hp_cli *cli, const char *user, const char *self,
                      const char *rule)
{
    if (cli->opts.json) {
        printf("{");
        jfield("user", user, 1);
        jfield("path", self, 0);
        jfield("rule", rule, 0);
        printf("}\n");
        return 0;
    }
    printf("# hostpriv %s: lets %s run `%s privileged` as root through "
           "sudo -n,\n# that file only (sudo checks its SHA-256: print "
           "this again after an update).\n# Install: hostpriv sudoers "
           "--user %s > FILE; visudo -cf FILE; then as root\n# install -m "
           "0440 -o root -g root FILE " HP_SUDOERS_DIR "/hostpriv\n%s",
           HP_VERSION, user, self, user, rule);
    return 0;
}

/* The rule without its digest: equal when only the file changed. */
static void strip_digest(const char *in, char *out, size_t n)
{
    const char *d = strstr(in, "sha256:");
    size_t head = d ? (size_t)(d - in) : strlen(in);
    snprintf(out, n, "%.*s%s", (int)head, in,
             d ? d + 7 + strcspn(d + 7, " ") : "");
}

static void show_hit(const hp_sudoers_hit *h, const char *want)
{
    char a[HP_SUDOERS_RULE_MAX], b[HP_SUDOERS_RULE_MAX];
    printf("%s:%d%s%s:\n- %s\n+ %.*s\n", h->file, h->line,
           *h->ignored ? ": " : " differs",
           h->ignored, h->text, (int)strcspn(want, "\n"), want);
    strip_digest(h->text, a, sizeof a);
    strip_digest(want, b, sizeof b);
    b[strcspn(b, "\n")] = '\0';
    if (!*h->ignored && !strcmp(a, b))
        printf("  the sha256 differs: the file is not the one the rule was "
               "written for (replaced or updated since)\n");
}

/* The JSON members of the error object: what was expected and found. */
static void mismatch_extra(const char *want, const hp_sudoers_hit *h,
                           int n)
{
    char *buf = NULL, esc[2 * HP_SUDOERS_RULE_MAX];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    hp_json_escape(esc, sizeof esc, want);
    fprintf(f, ",\"expected\":\"%.*s\",\"installed\":[",
            (int)(strlen(esc) - 2), esc);       /* without its \n */
    for (int i = 0; i < n && i < MAX_HITS; i++) {
        hp_json_escape(esc, sizeof esc, h[i].file);
        fprintf(f, "%s{\"file\":\"%s\",\"line\":%d,", i ? "," : "", esc,
                h[i].line);
        hp_json_escape(esc, sizeof esc, h[i].text);
        fprintf(f, "\"text\":\"%s\",", esc);
        hp_json_escape(esc, sizeof esc, h[i].ignored);
        fprintf(f, "\"ignored\":\"%s\"}", esc);
    }
    fprintf(f, "]");
    fclose(f);
    hp_cli_err_extra(buf);
    free(buf);
}

static int check(const hp_cli *cli, const char *user, const char *self,
                 const char *want)
{
    hp_sudoers_hit hits[MAX_HITS];
    hp_err e = HP_ERR_INIT;
    int n = hp_sudoers_find(HP_SUDOERS_FILE, HP_SUDOERS_DIR, user, self, want,
                            hits, MAX_HITS, &e);
    if (n < 0)
        return hp_cli_fail("sudoers", e.code, &e);
    for (int i = 0; i < n && i < MAX_HITS; i++)
        if (hits[i].exact && !*hits[i].ignored) {
            if (cli->opts.json) {
                printf("{\"ok\":true");
                jfield("file", hits[i].file, 0);
                printf(",\"line\":%d}\n", hits[i].line);
            } else
                printf("ok: %s:%d has the rule for %s\n", hits[i].file,
                       hits[i].line, self);
            return 0;
        }
    if (!cli->opts.json) {
        for (int i = 0; i < n && i < MAX_HITS; i++)
            show_hit(&hits[i], want);
        if (n == 0)
            printf("+ %s", want);
    }
    mismatch_extra(want, hits, n);
    return hp_cli_failf("sudoers", 1, "%s: %s; print it with `hostpriv "
                        "sudoers --user %s` and install it", n ? "the "
                        "installed rule differs" : "no rule in "
                        HP_SUDOERS_FILE " or " HP_SUDOERS_DIR " lets",
                        self, user);
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_sudoers))
        return 0;
    sudo_args a = { NULL, 0 };
    if (parse(cli, &a) != 0)
        return hp_cli_usage(&hp_cmd_sudoers, "the options are --user NAME "
                            "and --check");
    char ubuf[64], self[PATH_MAX], rule[HP_SUDOERS_RULE_MAX];
    int rc = pick_user(cli, &a, ubuf, sizeof ubuf);
    if (rc)
        return rc;
    /* the program elevation runs: this one (elevate.c names it so) */
    if (!realpath("/proc/self/exe", self))
        return hp_cli_failf("sudoers", HP_EINTERNAL, "cannot tell where "
                            "this hostpriv is (/proc/self/exe)");
    hp_err e = HP_ERR_INIT;
    if (hp_sudoers_rule(a.user, self, rule, sizeof rule, &e) != HP_OK)
        return hp_cli_fail("sudoers", e.code, &e);
    return a.check ? check(cli, a.user, self, rule)
                   : print_rule(cli, a.user, self, rule);
}

const hp_cli_cmd hp_cmd_sudoers = {
    "sudoers", "sudoers [--user NAME] [--check]",
    "the sudoers rule for `sudo -n` elevation; --check: is it installed",
    run
};
