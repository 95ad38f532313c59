/* Port binding primitives shared by the CLI, the plugins and the helper. */
#ifndef HP_PORTS_H
#define HP_PORTS_H
#include <stddef.h>
#include "base/err.h"

/* "127.0.0.1:80", "[::1]:443" -> addr, port (1..65535, strict digits). */
/* Strict decimal 1..65535 of exactly s[0..n) (no sign, no leading zero,
 * at most 5 digits); -1 when not a port. */
int hp_port_number(const char *s, size_t n);
int hp_port_parse(const char *spec, char *addr, size_t addrsz, int *port,
                  hp_err *e);
/* The address half of "ADDR:REST" ("127.0.0.1:...", "[::1]:..."), checked
 * as hp_addr_parse does, into addr; *rest points past the colon. */
int hp_port_split(const char *spec, char *addr, size_t addrsz,
                  const char **rest, hp_err *e);
/* Numeric IPv4/IPv6 only (inet_pton; no scope ids, no names). */
int hp_addr_parse(const char *addr, void *sockaddr_storage_out,
                  unsigned *salen, hp_err *e);
/* socket + bind (+ listen(SOMAXCONN) for TCP), SOCK_CLOEXEC, protocol 0.
 * socktype HP_SOCK_TCP or HP_SOCK_UDP only (anything else, SOCK_RAW
 * included, is -EINVAL); port 1..65535; address as hp_addr_parse (no
 * scope ids, no IPv4-mapped forms).  SO_REUSEADDR for TCP only (a UDP
 * port must not be shareable), never SO_REUSEPORT; IPV6_V6ONLY for v6.
 * Returns 0 with *fd, or -errno (e set; -EACCES is HP_EDENIED in e). */
int hp_bind_socket(int socktype, const char *addr, int port, int *fd,
                   hp_err *e);
/* Whether anything holds the port (socktype HP_SOCK_TCP or HP_SOCK_UDP)
 * in either address family: one dual-stack wildcard bind ([::]:port with
 * IPV6_V6ONLY off, which meets every IPv4 and IPv6 socket on the port;
 * 0.0.0.0 where the kernel has no IPv6), closed at once.  TCP probes with
 * SO_REUSEADDR as the real binds do, so the TIME_WAIT connections of a
 * closed listener do not count; a listener does, and so does anything
 * bound without it.  1 in use, 0 free, -errno when the probe itself could
 * not be made (ports below 1024 need root).  Costs socket, setsockopt (2
 * for TCP), bind, close. */
int hp_port_in_use(int socktype, int port);
/* hp_port_in_use in two halves, so a server can make the probe socket
 * ahead of time (socket and options: the dearer half) and pay only bind
 * and close when a request comes.  _new: the fd (its family in *family),
 * or -errno.  hp_port_probe: closes fd in every case; 1, 0 or -errno. */
int hp_port_probe_new(int socktype, int *family);
int hp_port_probe(int fd, int family, int port);
/* hp_port_probe without the close: fd stays open (bound when it returned
 * 0).  A TCP probe, bound with SO_REUSEADDR and not listening, does not
 * stand in the way of the real bind and listen that follow, so a server
 * can close it later, with other descriptors. */
int hp_port_probe_bind(int fd, int family, int port);
/* "1-1023", "1-1023 8080 9000-9100": 1 when port is allowed; a malformed
 * list allows nothing. */
int hp_ports_allowed(const char *ranges, int port);
int hp_ports_valid(const char *ranges, hp_err *e);
/* The documented message (docs/REFERENCE.md), with the configured socket:
 * "Ports are not available: exposing port TCP 127.0.0.1:80 -> 0.0.0.0:0:
 *  failed to connect to SOCK: is vmnetd running?: dial unix SOCK: connect:
 *  connection refused" */
void hp_port_unavailable_msg(char *out, size_t n, int socktype,
                             const char *addr, int port, const char *sock);
#endif
