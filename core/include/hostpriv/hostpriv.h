/*
 * libhostpriv embedding API.
 *
 * A desktop app opens a context (which loads the plugin of the configured
 * version), optionally installs its own prompt dialog, and asks for the
 * app-launch flow or a privileged port.  Every function returns an hp_code
 * (see <hostpriv/plugin.h>); the text of the last failure is hp_errmsg().
 */
#ifndef HOSTPRIV_HOSTPRIV_H
#define HOSTPRIV_HOSTPRIV_H

#include <hostpriv/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hp_ctx hp_ctx;

/* Prompt callback: `task` is the event task name ("cli-links"), `message`
 * says what will change, why and which paths.  Return HP_PROMPT_GRANTED,
 * HP_PROMPT_DECLINED or HP_PROMPT_TIMED_OUT, or HP_PROMPT_UNAVAILABLE when
 * the dialog cannot be shown (nothing is recorded, the flow stops with
 * HP_EUNAVAIL); the core applies prompt.timeout only to its own backends. */
typedef int (*hp_prompt_fn)(void *data, const char *task, const char *message);

/* Load the configuration (built-in defaults, the system files under
 * host.root, the user file, then `config_file` when not NULL) and the
 * plugin it selects.  On failure *out is NULL, the return is HP_ECONFIG or
 * HP_EINTERNAL and, when errmsg is not NULL, *errmsg receives a malloc'd
 * message for the caller to free(). */
int hp_open(hp_ctx **out, const char *config_file, char **errmsg);

/* Override one key ("section.key", value) as `--set` does: highest layer
 * but below admin.ini locks (HP_EDENIED for a locked key).  Keys that pick
 * the plugin or the root take effect at the next hp_start/hp_bind_port. */
int hp_set(hp_ctx *ctx, const char *key, const char *value);

/* Use `fn` for every prompt instead of prompt.backend. */
int hp_set_prompt(hp_ctx *ctx, hp_prompt_fn fn, void *data);

/* The app-launch flow of the active version (`hostpriv start`). */
int hp_start(hp_ctx *ctx);

/* Get a bound socket the way the active version does.  socktype is
 * HP_SOCK_TCP (bound and listening) or HP_SOCK_UDP (bound); addr is a
 * numeric IPv4/IPv6 address.  On HP_OK *fd is owned by the caller. */
int hp_bind_port(hp_ctx *ctx, int socktype, const char *addr, int port,
                 int *fd);

/* Text of the last failure on this context ("" when none).  Valid until the
 * next call on ctx. */
const char *hp_errmsg(const hp_ctx *ctx);

/* Short name of an hp_code ("configuration error"). */
const char *hp_strerror(int code);

/* Unload the plugin and free everything. */
void hp_close(hp_ctx *ctx);

/* A published range in one call ("-p 8000-8099"): ports[0..n) (1 to
 * HP_BIND_PORTS_MAX, none twice) of one socktype on addr, each obtained
 * as hp_bind_port does, the ports this process may not bind through the
 * helper in one request.  All or nothing: on HP_OK fds[i] is the socket
 * of ports[i], owned by the caller; on a failure every fds[i] is -1 and
 * none stays bound. */
#define HP_BIND_PORTS_MAX 1024
int hp_bind_ports(hp_ctx *ctx, int socktype, const char *addr,
                  const int *ports, size_t n, int *fds);

#ifdef __cplusplus
}
#endif
#endif /* HOSTPRIV_HOSTPRIV_H */
