/* Steps shared by the versions' range binds (portrange.h). */
#include "portrange.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void prange_text(char *out, size_t len, int socktype, const char *addr,
                 const int *ports, size_t n)
{
    int v6 = strchr(addr, ':') != NULL;
    size_t o = (size_t)snprintf(out, len, "%s %s%s%s:",
                                socktype == HP_SOCK_UDP ? "UDP" : "TCP",
                                v6 ? "[" : "", addr, v6 ? "]" : "");
    for (size_t i = 0; i < n && o < len;) {
        size_t j = i;
        while (j + 1 < n && ports[j + 1] == ports[j] + 1)
            j++;
        char item[24];
        if (j > i)
            snprintf(item, sizeof item, "%s%d-%d", i ? "," : "", ports[i],
                     ports[j]);
        else
            snprintf(item, sizeof item, "%s%d", i ? "," : "", ports[i]);
        if (o + strlen(item) + 4 >= len) {
            snprintf(out + o, len - o, "...");
            return;
        }
        o += (size_t)snprintf(out + o, len - o, "%s", item);
        i = j + 1;
    }
}

void prange_text_of(char *out, size_t len, int socktype, const char *addr,
                    const int *ports, const size_t *need, size_t m)
{
    int *sub = malloc((m ? m : 1) * sizeof *sub);
    if (!sub) {
        prange_text(out, len, socktype, addr, &ports[need[0]], 1);
        return;
    }
    for (size_t k = 0; k < m; k++)
        sub[k] = ports[need[k]];
    prange_text(out, len, socktype, addr, sub, m);
    free(sub);
}

void prange_close(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

int prange_direct(const hp_host_api *a, hp_host *h, int as_root,
                  int socktype, const char *addr, const int *ports, size_t n,
                  int *fds, size_t *need, size_t *m, size_t *bad)
{
    *m = 0;
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int rc = a->bind_direct(h, socktype, addr, ports[i], &fds[i]);
        if (rc == 0)
            continue;
        fds[i] = -1;
        if (rc == -EACCES && !as_root) {
            need[(*m)++] = i;
            continue;
        }
        prange_close(fds, n);
        *bad = i;
        return rc;
    }
    return 0;
}

int prange_helper(const hp_host_api *a, hp_host *h, int socktype,
                  const char *addr, const int *ports, int *fds,
                  const size_t *need, size_t m)
{
    if (m == 1)
        return a->helper_bind(h, socktype, addr, ports[need[0]],
                              &fds[need[0]]);
    int *hp = malloc(m * sizeof *hp), *hf = malloc(m * sizeof *hf);
    int rc = HP_EINTERNAL;
    if (hp && hf) {
        for (size_t k = 0; k < m; k++)
            hp[k] = ports[need[k]];
        if (HP_HOST_HAS(a, helper_bind_ports)) {
            rc = a->helper_bind_ports(h, socktype, addr, hp, m, hf);
        } else {                /* an older core: one request a port */
            rc = HP_OK;
            for (size_t k = 0; k < m; k++)
                hf[k] = -1;
            for (size_t k = 0; k < m && rc == HP_OK; k++)
                rc = a->helper_bind(h, socktype, addr, hp[k], &hf[k]);
            if (rc != HP_OK)
                prange_close(hf, m);
        }
        for (size_t k = 0; k < m && rc == HP_OK; k++)
            fds[need[k]] = hf[k];
    }
    free(hp);
    free(hf);
    return rc;
}
