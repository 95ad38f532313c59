/* Binding a published range the way a version binds one port: each port
 * directly first, and the ports this process may not bind (a user's
 * EACCES) through the helper in one request.  The flows that decide
 * whether and when the helper is used stay in each plugin; these are the
 * steps they share. */
#ifndef HP_PLUGIN_PORTRANGE_H
#define HP_PLUGIN_PORTRANGE_H
#include <hostpriv/plugin.h>

/* "TCP 127.0.0.1:8000-8099" ("[::1]" for IPv6; consecutive ports folded,
 * cut with "..." when it does not fit). */
void prange_text(char *out, size_t len, int socktype, const char *addr,
                 const int *ports, size_t n);
/* The same for ports[need[0..m)]. */
void prange_text_of(char *out, size_t len, int socktype, const char *addr,
                    const int *ports, const size_t *need, size_t m);
/* Close every fds[i] >= 0 and set it to -1. */
void prange_close(int *fds, size_t n);
/* Bind every port directly (bind_direct).  A port refused with EACCES
 * when root is not this process's (as_root 0) is left for the helper:
 * its index goes to need[] (*m of them).  0, or the -errno of the first
 * other failure, whose index is *bad: then nothing stays bound. */
int prange_direct(const hp_host_api *a, hp_host *h, int as_root,
                  int socktype, const char *addr, const int *ports, size_t n,
                  int *fds, size_t *need, size_t *m, size_t *bad);
/* The ports need[0..m) through the helper in one request (bind_port
 * when there is one, or when the core's table has no helper_bind_ports),
 * their sockets into fds[need[k]].  helper_bind's codes; on a failure
 * none of them is bound (the direct ones are the caller's to close). */
int prange_helper(const hp_host_api *a, hp_host *h, int socktype,
                  const char *addr, const int *ports, int *fds,
                  const size_t *need, size_t m);
#endif
