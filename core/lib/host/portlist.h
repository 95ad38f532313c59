/* Port lists: the ports of one published range ("8000-8099"), as the CLI,
 * the embedding API and the helper's bind_ports request write them. */
#ifndef HP_PORTLIST_H
#define HP_PORTLIST_H
#include <stddef.h>
#include "base/err.h"

/* The most ports one list may hold (plugin.h's HP_PORTS_PER_CALL): every
 * privileged port (1-1023) fits, and a client holding that many sockets
 * stays within the usual limit of open files. */
#define HP_PORTS_MAX HP_PORTS_PER_CALL

/* "80", "8000-8099", "80,443,8000-8010": items PORT or LO-HI (LO <= HI)
 * separated by ',', nothing else (no blanks, no empty item); every port
 * strictly written (1 to 65535, plain digits, no leading zero); no port
 * twice; at most `max` (<= HP_PORTS_MAX) in all.  ports[] receives them in
 * the order written.  HP_OK, or HP_EUSAGE naming what is wrong (then *n
 * is 0). */
int hp_portlist_parse(const char *text, int *ports, size_t max, size_t *n,
                      hp_err *e);
/* ports[0..n) as list text, runs of consecutive ports folded into LO-HI
 * ("80,443,8000-8099"); the inverse of hp_portlist_parse.  0, or -1 when
 * out (outsz bytes) is too small or a port is out of range. */
int hp_portlist_text(const int *ports, size_t n, char *out, size_t outsz);
/* HP_OK when ports[0..n) is a list hp_portlist_text can write and
 * hp_portlist_parse would take back: 1 <= n <= HP_PORTS_MAX, each port 1
 * to 65535, none twice.  Else HP_EUSAGE saying which. */
int hp_portlist_valid(const int *ports, size_t n, hp_err *e);
/* "ADDR:LIST" ("127.0.0.1:8000-8099", "[::1]:80,443"): the address as
 * hp_port_parse takes it, then a list as above. */
int hp_portspec_parse(const char *spec, char *addr, size_t addrsz,
                      int *ports, size_t max, size_t *n, hp_err *e);
#endif
