/* libFuzzer harness for the Registry Access Management policy validator
 * (host/policy.h): any bytes as the JSON a user hands to `hostpriv
 * policy set`, and registry names checked against what it allows.
 *
 * The input up to the last "\n@@\n" is the JSON (all of it when there is
 * none), each line after it a registry to ask about.
 * What must hold:
 *   - what parses dumps to canonical JSON that parses again and dumps to
 *     the very same text (the cache holds what was validated, one
 *     spelling);
 *   - the re-parsed policy allows exactly what the first one did;
 *   - a registry with a scheme, path, '*' or blank is never allowed;
 *   - a refusal says why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/policy.h"

#define SEP "\n@@\n"

static const char *const probes[] = { "docker.io", "registry-1.docker.io",
                                      "corp.example", "a.corp.example",
                                      "a.b.corp.example:5000", "localhost:5000",
                                      "DOCKER.IO", "ghcr.io:443" };

static int never_allowed(const char *r)
{
    return !*r || strstr(r, "://") || strchr(r, '/') || strchr(r, '*') ||
           strchr(r, ' ') || strchr(r, '\t');
}

static void ask(const hp_policy *a, const hp_policy *b, const char *r)
{
    int x = hp_policy_allows(a, r);
    if (x != hp_policy_allows(b, r) || (x && never_allowed(r)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data, *sep = NULL;
    for (const char *p = d; (p = memmem(p, size - (size_t)(p - d), SEP,
                                        strlen(SEP))); p++)
        sep = p;
    size_t jn = sep ? (size_t)(sep - d) : size;
    hp_policy *p = NULL, *q = NULL;
    hp_err e = HP_ERR_INIT;
    if (hp_policy_parse(d, jn, &p, &e) != HP_OK) {
        if (p || !e.msg[0])
            abort();
        return 0;
    }
    char *dump = hp_policy_dump(p);
    if (!dump || hp_policy_parse(dump, strlen(dump), &q, NULL) != HP_OK)
        abort();
    char *dump2 = hp_policy_dump(q);
    if (!dump2 || strcmp(dump, dump2) != 0)
        abort();
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        ask(p, q, probes[i]);
    if (sep) {
        size_t rn = size - (size_t)(sep - d) - strlen(SEP);
        char *regs = malloc(rn + 1);
        if (!regs)
            abort();
        memcpy(regs, sep + strlen(SEP), rn);
        regs[rn] = '\0';
        for (char *r = regs, *nl; r; r = nl) {
            if ((nl = strchr(r, '\n')))
                *nl++ = '\0';
            ask(p, q, r);
        }
        free(regs);
    }
    free(dump);
    free(dump2);
    hp_policy_free(p);
    hp_policy_free(q);
    return 0;
}
