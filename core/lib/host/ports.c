/* Port binding primitives.  Every address and port that reaches bind()
 * as root passes through here, so parsing is strict: numeric addresses
 * only, no scope ids, no IPv4-mapped forms, ports 1..65535 written as
 * plain decimal digits. */
#include "ports.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Strict decimal 1..65535 of exactly s[0..n): digits only, no sign, no
 * leading zero, no more than 5 digits (so no 32-bit value can wrap into
 * range).  -1 when not a port. */
int hp_port_number(const char *s, size_t n)
{
    if (n == 0 || n > 5 || s[0] == '0')
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? (int)v : -1;
}

int hp_addr_parse(const char *addr, void *out, unsigned *salen, hp_err *e)
{
    struct sockaddr_storage *ss = out;
    memset(ss, 0, sizeof *ss);
    if (!addr || !*addr)
        return hp_err_set(e, HP_EUSAGE, "empty address: give a numeric "
                          "IPv4 or IPv6 address such as 127.0.0.1");
    if (strchr(addr, '%'))
        return hp_err_set(e, HP_EUSAGE, "address '%s': scope ids are not "
                          "accepted; use an address without %%IFACE", addr);
    struct sockaddr_in *s4 = out;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        *salen = sizeof *s4;
        return HP_OK;
    }
    struct sockaddr_in6 *s6 = out;
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        /* A mapped or compatible address would be a second spelling of
         * an IPv4 one (::ffff:0.0.0.0 is the IPv4 wildcard): one form only. */
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ||
            IN6_IS_ADDR_V4COMPAT(&s6->sin6_addr)) {
            memset(ss, 0, sizeof *ss);
            return hp_err_set(e, HP_EUSAGE, "address '%s' is an IPv4 "
                              "address in IPv6 form: use the IPv4 form", addr);
        }
        s6->sin6_family = AF_INET6;
        *salen = sizeof *s6;
        return HP_OK;
    }
    return hp_err_set(e, HP_EUSAGE, "address '%s' is not a numeric IPv4 or "
                      "IPv6 address (forms like 127.1 or 0177.0.0.1 are "
                      "refused)", addr);
}

int hp_port_split(const char *spec, char *addr, size_t addrsz,
                  const char **rest, hp_err *e)
{
    const char *host = spec, *colon;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            return hp_err_set(e, HP_EUSAGE, "'%s': write an IPv6 address "
                              "as [ADDR]:PORT", spec);
        host = spec + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            return hp_err_set(e, HP_EUSAGE, "'%s': expected ADDR:PORT, "
                              "e.g. 127.0.0.1:80", spec);
        hlen = (size_t)(colon - spec);
        if (memchr(spec, ':', hlen))
            return hp_err_set(e, HP_EUSAGE, "'%s': write an IPv6 address "
                              "as [ADDR]:PORT", spec);
    }
    if (hlen >= addrsz)
        return hp_err_set(e, HP_EUSAGE, "'%s': address too long", spec);
    char a[INET6_ADDRSTRLEN + 1];
    if (hlen >= sizeof a)
        return hp_err_set(e, HP_EUSAGE, "'%s': address too long", spec);
    memcpy(a, host, hlen);
    a[hlen] = '\0';
    struct sockaddr_storage ss;
    unsigned sl;
    int rc = hp_addr_parse(a, &ss, &sl, e);
    if (rc != HP_OK)
        return rc;
    memcpy(addr, a, hlen + 1);
    *rest = colon + 1;
    return HP_OK;
}

int hp_port_parse(const char *spec, char *addr, size_t addrsz, int *port,
                  hp_err *e)
{
    char a[INET6_ADDRSTRLEN + 1];
    const char *rest;
    int rc = hp_port_split(spec, a, sizeof a, &rest, e);
    if (rc != HP_OK)
        return rc;
    int p = hp_port_number(rest, strlen(rest));
    if (p < 1)
        return hp_err_set(e, HP_EUSAGE, "'%s': the port must be a number "
                          "from 1 to 65535", spec);
    if (strlen(a) >= addrsz)
        return hp_err_set(e, HP_EUSAGE, "'%s': address too long", spec);
    strcpy(addr, a);
    *port = p;
    return HP_OK;
}

static const char *proto_name(int socktype)
{
    return socktype == HP_SOCK_UDP ? "UDP" : "TCP";
}

static int bind_fail(int fd, int err, hp_err *e, int socktype,
                     const char *addr, int port, const char *step)
{
    if (fd >= 0)
        close(fd);
    hp_err_sys(e, err == EACCES ? HP_EDENIED : HP_EFAIL, err,
               "%s %s %s%s%s:%d", step, proto_name(socktype),
               strchr(addr, ':') ? "[" : "", addr,
               strchr(addr, ':') ? "]" : "", port);
    return -err;
}

int hp_bind_socket(int socktype, const char *addr, int port, int *fd,
                   hp_err *e)
{
    *fd = -1;
    if (socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP) {
        hp_err_set(e, HP_EUSAGE, "socket type %d: only tcp and udp sockets "
                   "are bound", socktype);
        return -EINVAL;
    }
    if (port < 1 || port > 65535) {
        hp_err_set(e, HP_EUSAGE, "port %d: must be from 1 to 65535", port);
        return -EINVAL;
    }
    struct sockaddr_storage ss;
    unsigned sl;
    if (hp_addr_parse(addr, &ss, &sl, e) != HP_OK)
        return -EINVAL;
    int fam = ss.ss_family;
    if (fam == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    int tcp = socktype == HP_SOCK_TCP;
    /* Protocol 0 with a fixed type: no raw sockets, no protocol numbers
     * from callers. */
    int s = socket(fam, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (s < 0)
        return bind_fail(-1, errno, e, socktype, addr, port, "socket for");
    int one = 1;
    /* SO_REUSEADDR lets a restarted server rebind over TIME_WAIT; for UDP
     * it would let two sockets share the port, so TCP only.  Never
     * SO_REUSEPORT: that would let another process steal the traffic. */
    if (tcp && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one))
        return bind_fail(s, errno, e, socktype, addr, port, "SO_REUSEADDR on");
    if (fam == AF_INET6 &&
        setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one))
        return bind_fail(s, errno, e, socktype, addr, port, "IPV6_V6ONLY on");
    if (bind(s, (struct sockaddr *)&ss, sl) != 0)
        return bind_fail(s, errno, e, socktype, addr, port, "cannot bind");
    if (tcp && listen(s, SOMAXCONN) != 0)
        return bind_fail(s, errno, e, socktype, addr, port, "cannot listen on");
    *fd = s;
    return 0;
}

/* The kernel lacks IPv6 (ipv6.disable=1): then an IPv4 wildcard probe
 * meets everything there is.  Remembered, so the failing socket() is not
 * paid per probe. */
static int no_ipv6;

int hp_port_probe_new(int socktype, int *family)
{
    if (socktype != HP_SOCK_TCP && socktype != HP_SOCK_UDP)
        return -EINVAL;
    int type = (socktype == HP_SOCK_TCP ? SOCK_STREAM : SOCK_DGRAM) |
               SOCK_CLOEXEC;
    int s = no_ipv6 ? -1 : socket(AF_INET6, type, 0);
    if (s < 0 && !no_ipv6 && errno != EAFNOSUPPORT)
        return -errno;
    *family = AF_INET6;
    if (s < 0) {
        no_ipv6 = 1;
        *family = AF_INET;
        if ((s = socket(AF_INET, type, 0)) < 0)
            return -errno;
    }
    int zero = 0, one = 1;
    /* off explicitly: net.ipv6.bindv6only may make it the default */
    if ((*family == AF_INET6 &&
         setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero)) ||
        (socktype == HP_SOCK_TCP &&
         setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one))) {
        int err = errno;
        close(s);
        return -err;
    }
    return s;
}

int hp_port_probe_bind(int fd, int family, int port)
{
    if (port < 1 || port > 65535)
        return -EINVAL;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof *s4;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
        return errno == EADDRINUSE ? 1 : -errno;
    return 0;
}

int hp_port_probe(int fd, int family, int port)
{
    int rc = hp_port_probe_bind(fd, family, port);
    close(fd);
    return rc;
}

int hp_port_in_use(int socktype, int port)
{
    if (port < 1 || port > 65535)
        return -EINVAL;
    int family, fd = hp_port_probe_new(socktype, &family);
    return fd < 0 ? fd : hp_port_probe(fd, family, port);
}

/* Walk a ranges list; fn sees each lo-hi; -1 on a malformed item. */
static int ranges_each(const char *r, int (*fn)(int lo, int hi, void *),
                       void *arg)
{
    const char *p = r;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            return 0;
        size_t n = strcspn(p, ", \t\n");
        const char *dash = memchr(p, '-', n);
        int lo, hi;
        if (dash) {
            lo = hp_port_number(p, (size_t)(dash - p));
            hi = hp_port_number(dash + 1, n - (size_t)(dash - p) - 1);
        } else {
            lo = hi = hp_port_number(p, n);
        }
        if (lo < 1 || hi < 1 || lo > hi)
            return -1;
        if (fn(lo, hi, arg))
            return 1;
        p += n;
    }
}

static int in_range(int lo, int hi, void *arg)
{
    int port = *(int *)arg;
    return port >= lo && port <= hi;
}

static int accept_any(int lo, int hi, void *arg)
{
    (void)lo; (void)hi; (void)arg;
    return 0;
}

int hp_ports_allowed(const char *ranges, int port)
{
    /* A malformed list allows nothing: fail closed. */
    if (!ranges || port < 1 || port > 65535 ||
        ranges_each(ranges, accept_any, NULL) != 0)
        return 0;
    return ranges_each(ranges, in_range, &port) == 1;
}

int hp_ports_valid(const char *ranges, hp_err *e)
{
    if (!ranges || ranges_each(ranges, accept_any, NULL) != 0)
        return hp_err_set(e, HP_ECONFIG, "port list '%s': expected ports "
                          "or ranges from 1 to 65535 such as '1-1023 8080'",
                          ranges ? ranges : "");
    return HP_OK;
}

void hp_port_unavailable_msg(char *out, size_t n, int socktype,
                             const char *addr, int port, const char *sock)
{
    int v6 = strchr(addr, ':') != NULL;
    snprintf(out, n, "Ports are not available: exposing port %s %s%s%s:%d "
             "-> 0.0.0.0:0: failed to connect to %s: is vmnetd running?: "
             "dial unix %s: connect: connection refused", proto_name(socktype),
             v6 ? "[" : "", addr, v6 ? "]" : "", port, sock, sock);
}
