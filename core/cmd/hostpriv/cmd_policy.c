/* `hostpriv policy set FILE | show | allows REGISTRY`: the Registry Access
 * Management policy cache (root-owned, read-only for the user). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"
#include "engine/events.h"
#include "host/policy.h"

/* The document to cache: FILE or "-" for stdin, at most HP_POLICY_MAX. */
static char *read_doc(const char *file, size_t *len)
{
    int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        hp_cli_failf("policy", 1, "cannot open %s: %s", file,
                     strerror(errno));
        return NULL;
    }
    char *buf = malloc(HP_POLICY_MAX + 2);
    size_t n = 0;
    ssize_t r = 1;
    while (buf && n <= HP_POLICY_MAX &&
           (r = read(fd, buf + n, HP_POLICY_MAX + 1 - n)) > 0)
        n += (size_t)r;
    if (fd != 0)
        close(fd);
    if (!buf || r < 0 || n > HP_POLICY_MAX) {
        hp_cli_failf("policy", 1, "%s: %s", file,
                     !buf ? "out of memory" : r < 0 ? strerror(errno)
                     : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int policy_set(hp_ctx *c, const char *file)
{
    size_t len;
    char *doc = read_doc(file, &len);
    if (!doc)
        return 1;
    hp_policy *p = NULL;
    hp_err e = HP_ERR_INIT;
    /* check here first: a bad document changes nothing and asks nobody */
    int rc = hp_policy_parse(doc, len, &p, &e);
    if (rc != HP_OK) {
        hp_cli_failf("policy", 1, "%s: %s", file, e.msg);
        free(doc);
        return 1;
    }
    hp_policy_free(p);
    const hp_ops *ops = hp_cli_ops(c);
    rc = ops->policy_set ? hp_cli_exit(c, ops->policy_set(c->pstate, doc))
                         : hp_cli_not_in_version(c, HP_TASK_POLICY, "policy");
    free(doc);
    return rc;
}

static int policy_read(hp_ctx *c, const char *registry)
{
    hp_policy *p = NULL;
    hp_err e = HP_ERR_INIT;
    if (hp_policy_load(c->rootfd, hp_conf(c, "policy.cache_file"), &p, &e)
            != HP_OK)
        return hp_cli_fail("policy", 1, &e);
    int rc = 0;
    if (registry) {
        rc = hp_policy_allows(p, registry) ? 0 : 1;
        if (c->json) {
            char esc[1024];
            hp_json_escape(esc, sizeof esc, registry);
            printf("{\"registry\":\"%s\",\"allowed\":%s}\n", esc,
                   rc == 0 ? "true" : "false");
        } else
            printf("%s: %s\n", registry, rc == 0 ? "allowed" : "not allowed");
        if (rc)
            hp_cli_answered();          /* "no" is the answer, not a failure */
    } else {
        char *s = hp_policy_dump(p);
        printf("%s\n", s ? s : "");
        free(s);
    }
    hp_policy_free(p);
    return rc;
}

static int run(hp_cli *cli)
{
    if (hp_cli_wants_help(cli, &hp_cmd_policy))
        return 0;
    const char *verb = cli->argc > 0 ? cli->argv[0] : "";
    int set = strcmp(verb, "set") == 0, allows = strcmp(verb, "allows") == 0;
    if (!((set || allows) && cli->argc == 2) &&
        !(strcmp(verb, "show") == 0 && cli->argc == 1))
        return hp_cli_usage(&hp_cmd_policy, "say set FILE, show, or allows "
                            "REGISTRY");
    int rc;
    hp_ctx *c = hp_cli_open(cli, 0, &rc);
    if (!c)
        return rc;
    rc = set ? policy_set(c, cli->argv[1])
             : policy_read(c, allows ? cli->argv[1] : NULL);
    hp_ctx_close(c);
    return rc;
}

const hp_cli_cmd hp_cmd_policy = {
    "policy", "policy set FILE | show | allows REGISTRY",
    "cache / read the Registry Access Management policy", run
};
