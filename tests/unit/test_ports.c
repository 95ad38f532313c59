/* ports: strict address/port parsing (SECURITY.md 24-26), the bound
 * socket's properties (28), the kernel's refusals (27), the ports allow
 * list, and the documented "Ports are not available" text.  Real binds
 * happen inside a private network namespace: nothing clashes with the
 * machine, and ports below 1024 are really refused to the test user. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/portlist.h"
#include "host/portscan.h"
#include "host/ports.h"
#include "testutil.h"

START_TEST(parse_ok)
{
    char a[64];
    int p;
    ck_assert_int_eq(hp_port_parse("127.0.0.1:80", a, sizeof a, &p, NULL), 0);
    ck_assert_str_eq(a, "127.0.0.1");
    ck_assert_int_eq(p, 80);
    ck_assert_int_eq(hp_port_parse("[::1]:443", a, sizeof a, &p, NULL), 0);
    ck_assert_str_eq(a, "::1");
    ck_assert_int_eq(p, 443);
    ck_assert_int_eq(hp_port_parse("0.0.0.0:65535", a, sizeof a, &p, NULL), 0);
    ck_assert_int_eq(p, 65535);
    ck_assert_int_eq(hp_port_parse("127.0.0.1:1", a, sizeof a, &p, NULL), 0);
}
END_TEST

START_TEST(parse_refused)
{
    static const char *bad[] = {
        "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
        "127.0.0.1:080", "127.0.0.1:80abc", "127.0.0.1: 80", "127.0.0.1:",
        "127.0.0.1:4294967376",      /* 2^32 + 80: no truncation to 80 */
        "127.0.0.1:0x50", "127.0.0.1", ":80", "localhost:80",
        "127.1:80", "0177.0.0.1:80", "127.0.0.01:80", "::1:80", "[::1]443",
        "[::1:443", "[fe80::1%lo]:80", "[::ffff:127.0.0.1]:80",
        "[::ffff:0.0.0.0]:80", "[::127.0.0.1]:80", "1.2.3.4.5:80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char a[64] = "untouched";
        int p = -7;
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_port_parse(bad[i], a, sizeof a, &p, &e) == HP_EUSAGE,
                      "accepted %s", bad[i]);
        ck_assert_msg(e.msg[0], "no message for %s", bad[i]);
        ck_assert_int_eq(p, -7);
    }
    char tiny[4];
    int p;
    ck_assert_int_eq(hp_port_parse("127.0.0.1:80", tiny, sizeof tiny, &p,
                                   NULL), HP_EUSAGE);
}
END_TEST

START_TEST(addr_families)
{
    struct sockaddr_storage ss;
    unsigned sl = 0;
    ck_assert_int_eq(hp_addr_parse("127.0.0.1", &ss, &sl, NULL), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET);
    ck_assert_uint_eq(sl, sizeof(struct sockaddr_in));
    ck_assert_int_eq(hp_addr_parse("::1", &ss, &sl, NULL), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET6);
    ck_assert_uint_eq(sl, sizeof(struct sockaddr_in6));
    /* a path (AF_UNIX), names, empty, scope ids, mapped forms */
    static const char *bad[] = { "/tmp/x.sock", "localhost", "", "fe80::1%lo",
                                 "::ffff:0.0.0.0", "::ffff:127.0.0.1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(hp_addr_parse(bad[i], &ss, &sl, NULL) == HP_EUSAGE,
                      "accepted %s", bad[i]);
}
END_TEST

static void check_props(int fd, int type, int listening)
{
    int v;
    socklen_t l = sizeof v;
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &l), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), 0);
    ck_assert_int_eq(v, type);
    ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l), 0);
    ck_assert_int_eq(v, listening);
}

START_TEST(bind_tcp_udp_v6)
{
    tu_netns();
    int fd;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 80, &fd, &e), 0);
    check_props(fd, SOCK_STREAM, 1);
    /* it is a real listener: a client gets through */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    int a = accept(fd, NULL, NULL);
    ck_assert_int_ge(a, 0);
    close(a);
    close(c);
    /* EADDRINUSE from the kernel, with a message */
    int fd2;
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 80, &fd2, &e),
                     -EADDRINUSE);
    ck_assert_int_eq(fd2, -1);
    ck_assert(strstr(e.msg, "127.0.0.1:80") != NULL);
    close(fd);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_UDP, "127.0.0.1", 53, &fd, &e), 0);
    check_props(fd, SOCK_DGRAM, 0);
    /* UDP gets no SO_REUSEADDR: a second socket cannot share the port */
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_UDP, "127.0.0.1", 53, &fd2, &e),
                     -EADDRINUSE);
    close(fd);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "::1", 443, &fd, &e), 0);
    int v6only = 0;
    socklen_t l = sizeof v6only;
    ck_assert_int_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l), 0);
    ck_assert_int_eq(v6only, 1);
    close(fd);
    /* not a local address: the kernel's EADDRNOTAVAIL */
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "10.255.255.1", 80, &fd, &e),
                     -EADDRNOTAVAIL);
}
END_TEST

/* A connection on port whose server side closes first: it leaves the
 * listener's port in TIME_WAIT. */
static void time_wait_on(int lfd, int port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    int a = accept(lfd, NULL, NULL);
    ck_assert_int_ge(a, 0);
    close(a);
    char b;
    ck_assert_int_eq(read(c, &b, 1), 0);
    close(c);
    usleep(50000);
}

/* In use means held in either family, on any address; a free port, or
 * one left with only TIME_WAIT connections, is not. */
START_TEST(in_use_any_family)
{
    tu_netns();
    hp_err e = HP_ERR_INIT;
    int fd;
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 22), 0);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_UDP, 53), 0);
    static const char *addrs[] = { "0.0.0.0", "127.0.0.2", "::1", "::" };
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, addrs[i], 22, &fd, &e),
                         0);
        ck_assert_msg(hp_port_in_use(HP_SOCK_TCP, 22) == 1, "%s", addrs[i]);
        ck_assert_int_eq(hp_port_in_use(HP_SOCK_UDP, 22), 0);
        close(fd);
        ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 22), 0);
    }
    /* a stub resolver's address is not the one asked for: still in use */
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_UDP, "127.0.0.53", 53, &fd, &e),
                     0);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_UDP, 53), 1);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 53), 0);
    close(fd);
    /* TIME_WAIT of a closed listener: free (the real bind reuses it) */
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 80, &fd, &e),
                     0);
    time_wait_on(fd, 80);
    close(fd);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 80), 0);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "::1", 80, &fd, &e), 0);
    close(fd);
    ck_assert_int_eq(hp_port_in_use(3, 80), -EINVAL);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 0), -EINVAL);
    ck_assert_int_eq(hp_port_in_use(HP_SOCK_TCP, 65536), -EINVAL);
}
END_TEST

static unsigned long ino_of(int fd)
{
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    return (unsigned long)st.st_ino;
}

/* The holders of a port, by inode and family: TCP listeners (not their
 * connections), every UDP socket. */
START_TEST(holders_by_inode)
{
    tu_netns();
    hp_err e = HP_ERR_INIT;
    int a, b, u;
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 22, &a, &e), 0);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "::1", 22, &b, &e), 0);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_UDP, "127.0.0.53", 22, &u, &e),
                     0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(22) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    int acc = accept(a, NULL, NULL);
    ck_assert_int_ge(acc, 0);
    hp_port_holder h[4];
    size_t n = 99;
    ck_assert_int_eq(hp_port_holders(HP_SOCK_TCP, 22, h, 4, &n, &e), HP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(h[0].ino == ino_of(a) && h[0].family == AF_INET);
    ck_assert(h[1].ino == ino_of(b) && h[1].family == AF_INET6);
    ck_assert_int_eq(hp_port_holders(HP_SOCK_UDP, 22, h, 4, &n, &e), HP_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert(h[0].ino == ino_of(u) && h[0].family == AF_INET);
    /* more than fit: counted, the first ones kept */
    ck_assert_int_eq(hp_port_holders(HP_SOCK_TCP, 22, h, 1, &n, &e), HP_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(h[0].ino == ino_of(a));
    ck_assert_int_eq(hp_port_holders(HP_SOCK_TCP, 23, h, 4, &n, &e), HP_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(hp_port_holders(HP_SOCK_TCP, 0, h, 4, &n, &e), HP_EUSAGE);
    close(acc);
    close(c);
    close(a);
    close(b);
    close(u);
}
END_TEST

START_TEST(bind_refused)
{
    tu_netns();
    int fd = 99;
    hp_err e = HP_ERR_INIT;
    /* SOCK_RAW, other types, ports out of range, bad addresses: nothing
     * reaches socket() */
    ck_assert_int_eq(hp_bind_socket(3 /* SOCK_RAW */, "127.0.0.1", 80, &fd, &e),
                     -EINVAL);
    ck_assert_int_eq(fd, -1);
    ck_assert_int_eq(hp_bind_socket(0, "127.0.0.1", 80, &fd, &e), -EINVAL);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 0, &fd, &e),
                     -EINVAL);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 65536, &fd, &e),
                     -EINVAL);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", -1, &fd, &e),
                     -EINVAL);
    /* a path is no address: refused, and no socket file appears (a path
     * of our own, so nothing else on the machine can make it exist) */
    char dir[] = "/tmp/hp-ports.XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x", dir);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, path, 80, &fd, &e), -EINVAL);
    ck_assert_int_eq(access(path, F_OK), -1);
    rmdir(dir);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "::ffff:0.0.0.0", 80, &fd, &e),
                     -EINVAL);
    ck_assert_int_eq(hp_bind_socket(HP_SOCK_TCP, "fe80::1%lo", 80, &fd, &e),
                     -EINVAL);
}
END_TEST

static int bind_as_user(void *arg)
{
    (void)arg;
    int fd;
    hp_err e = HP_ERR_INIT;
    int r = hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 80, &fd, &e);
    if (r != -EACCES || e.code != HP_EDENIED)
        return 1;
    /* an unprivileged port works for the same user */
    if (hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 8080, &fd, &e) != 0)
        return 2;
    close(fd);
    return 0;
}

START_TEST(unprivileged_eacces)
{
    tu_netns();
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    ck_assert_int_eq(tu_as(uid, gid, bind_as_user, NULL), 0);
}
END_TEST

START_TEST(allowed_ranges)
{
    ck_assert(hp_ports_allowed("1-1023", 80));
    ck_assert(hp_ports_allowed("1-1023", 1));
    ck_assert(hp_ports_allowed("1-1023", 1023));
    ck_assert(!hp_ports_allowed("1-1023", 1024));
    ck_assert(!hp_ports_allowed("1-1023", 0));
    ck_assert(!hp_ports_allowed("1-1023", -80));
    ck_assert(!hp_ports_allowed("1-1023", 65536 + 80));
    ck_assert(hp_ports_allowed("1-1023 8080, 9000-9100", 9050));
    ck_assert(hp_ports_allowed("1-1023 8080, 9000-9100", 8080));
    ck_assert(!hp_ports_allowed("1-1023 8080, 9000-9100", 8081));
    ck_assert(!hp_ports_allowed("", 80));
    ck_assert(!hp_ports_allowed(NULL, 80));
    /* a malformed list allows nothing, even the ports it seems to name */
    ck_assert(!hp_ports_allowed("80 abc", 80));
    ck_assert(!hp_ports_allowed("1-1023 0x50", 80));
    ck_assert_int_eq(hp_ports_valid("1-1023 8080 9000-9100", NULL), HP_OK);
    ck_assert_int_eq(hp_ports_valid("", NULL), HP_OK);
    static const char *bad[] = { "0", "0-80", "80-1", "1-65536", "-1", "1--5",
                                 "80abc", "99999999999", "0x50", "1-", "-" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(hp_ports_valid(bad[i], NULL) == HP_ECONFIG, "%s", bad[i]);
}
END_TEST

START_TEST(unavailable_text)
{
    char m[512];
    hp_port_unavailable_msg(m, sizeof m, HP_SOCK_TCP, "127.0.0.1", 80,
                            "/var/run/com.docker.vmnetd.sock");
    ck_assert_str_eq(m, "Ports are not available: exposing port TCP "
                     "127.0.0.1:80 -> 0.0.0.0:0: failed to connect to "
                     "/var/run/com.docker.vmnetd.sock: is vmnetd running?: "
                     "dial unix /var/run/com.docker.vmnetd.sock: connect: "
                     "connection refused");
    hp_port_unavailable_msg(m, sizeof m, HP_SOCK_UDP, "0.0.0.0", 53, "/x.sock");
    ck_assert_str_eq(m, "Ports are not available: exposing port UDP "
                     "0.0.0.0:53 -> 0.0.0.0:0: failed to connect to /x.sock: "
                     "is vmnetd running?: dial unix /x.sock: connect: "
                     "connection refused");
}
END_TEST

/* Port lists (a published range): what reaches the helper is parsed as
 * strictly as one port, and text and list go back and forth. */
START_TEST(port_lists)
{
    static int p[HP_PORTS_MAX + 8];
    size_t n;
    ck_assert_int_eq(hp_portlist_parse("80", p, HP_PORTS_MAX, &n, NULL),
                     HP_OK);
    ck_assert(n == 1 && p[0] == 80);
    ck_assert_int_eq(hp_portlist_parse("8000-8099", p, HP_PORTS_MAX, &n,
                                       NULL), HP_OK);
    ck_assert(n == 100 && p[0] == 8000 && p[99] == 8099);
    ck_assert_int_eq(hp_portlist_parse("443,80,8000-8002,22-22", p,
                                       HP_PORTS_MAX, &n, NULL), HP_OK);
    int want[] = { 443, 80, 8000, 8001, 8002, 22 };
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(p[i], want[i]);
    char t[64];
    ck_assert_int_eq(hp_portlist_text(p, n, t, sizeof t), 0);
    ck_assert_str_eq(t, "443,80,8000-8002,22");
    ck_assert_int_eq(hp_portlist_text(p, n, t, 8), -1);     /* no room */
    ck_assert_int_eq(hp_portlist_parse("1-1024", p, HP_PORTS_MAX, &n, NULL),
                     HP_OK);
    ck_assert_uint_eq(n, HP_PORTS_MAX);
    static const char *bad[] = {
        "", ",", "80,", ",80", "80,,81", "80 ,81", " 80", "80-", "-80",
        "0", "0-5", "65536", "080", "+80", "80-79", "1-1025", "80,80",
        "79-81,80", "8O", "80-81-82", "0x50", "4294967376", "1-65535",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hp_err e = HP_ERR_INIT;
        n = 7;
        ck_assert_msg(hp_portlist_parse(bad[i], p, HP_PORTS_MAX, &n, &e) ==
                      HP_EUSAGE && n == 0, "accepted '%s'", bad[i]);
        ck_assert_msg(e.msg[0], "no message for '%s'", bad[i]);
    }
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_portlist_parse("80,81,82", p, 2, &n, &e), HP_EUSAGE);
    ck_assert_msg(strstr(e.msg, "more than 2"), "%s", e.msg);
    ck_assert_int_eq(hp_portlist_parse("80-90", p, 5, &n, NULL), HP_EUSAGE);
    /* the same rules for a list given as numbers */
    int dup[] = { 80, 81, 80 }, zero[] = { 0 }, big[] = { 65536 };
    ck_assert_int_eq(hp_portlist_valid(want, 6, NULL), HP_OK);
    ck_assert_int_eq(hp_portlist_valid(dup, 3, NULL), HP_EUSAGE);
    ck_assert_int_eq(hp_portlist_valid(zero, 1, NULL), HP_EUSAGE);
    ck_assert_int_eq(hp_portlist_valid(big, 1, NULL), HP_EUSAGE);
    ck_assert_int_eq(hp_portlist_valid(want, 0, NULL), HP_EUSAGE);
    ck_assert_int_eq(hp_portlist_valid(p, HP_PORTS_MAX + 1, NULL), HP_EUSAGE);
    /* ADDR:PORTS */
    char a[64];
    ck_assert_int_eq(hp_portspec_parse("[::1]:80,443", a, sizeof a, p,
                                       HP_PORTS_MAX, &n, NULL), HP_OK);
    ck_assert(!strcmp(a, "::1") && n == 2 && p[1] == 443);
    ck_assert_int_eq(hp_portspec_parse("127.0.0.1:8000-8099", a, sizeof a, p,
                                       HP_PORTS_MAX, &n, NULL), HP_OK);
    ck_assert(!strcmp(a, "127.0.0.1") && n == 100);
    static const char *badspec[] = { "localhost:80-81", "127.0.0.1:",
                                     "::1:80-81", "127.0.0.1:80-81,x",
                                     "[::1]80", "127.1:80" };
    for (size_t i = 0; i < sizeof badspec / sizeof badspec[0]; i++)
        ck_assert_msg(hp_portspec_parse(badspec[i], a, sizeof a, p,
                                        HP_PORTS_MAX, &n, NULL) == HP_EUSAGE,
                      "accepted %s", badspec[i]);
}
END_TEST

/* The local port of the TCP socket with this inode, from /proc/net/tcp
 * text; -1 when not there. */
static int port_of_inode(const char *table, unsigned long ino)
{
    for (const char *l = strchr(table, '\n'); l && *++l; l = strchr(l, '\n')) {
        unsigned port;
        unsigned long in;
        if (sscanf(l, " %*u: %*x:%x %*x:%*x %*x %*x:%*x %*x:%*x %*x %*u %*u "
                   "%lu", &port, &in) == 2 && in == ino)
            return (int)port;
    }
    return -1;
}

/* `hostpriv bind tcp ADDR:P1-P2 -- CMD`: CMD gets every socket, port P1
 * as descriptor 3 and on in order, nothing after them, LISTEN_FDS the
 * count and LISTEN_PID its own pid. */
START_TEST(cli_range_as_fds)
{
    tu_netns();
    char root[PATH_MAX], exe[PATH_MAX];
    tu_sandbox(root, sizeof root);
    tu_build("bin/hostpriv", exe, sizeof exe);
    const char *script =
        "echo fds=$LISTEN_FDS pid=$LISTEN_PID self=$$; "
        "for n in 3 4 5 6 7 8; do echo fd$n $(readlink /proc/self/fd/$n); "
        "done; cat /proc/self/net/tcp";
    const char *argv[] = { exe, "--root", root, "bind", "tcp",
                           "127.0.0.1:8100-8104", "--", "/bin/sh", "-c",
                           script, NULL };
    char *out = NULL, *err = NULL;
    ck_assert_msg(tu_run((uid_t)-1, 0, argv, NULL, &out, &err) == 0, "%s",
                  err ? err : "");
    int fds = -1, pid = -2, self = -3;
    ck_assert(sscanf(out, "fds=%d pid=%d self=%d", &fds, &pid, &self) == 3);
    ck_assert_int_eq(fds, 5);
    ck_assert_int_eq(pid, self);
    const char *table = strstr(out, "  sl");
    ck_assert_ptr_nonnull(table);
    for (int i = 0; i < 5; i++) {
        char key[16];
        unsigned long ino = 0;
        snprintf(key, sizeof key, "fd%d socket:[", 3 + i);
        const char *at = strstr(out, key);
        ck_assert_msg(at && sscanf(at + strlen(key), "%lu", &ino) == 1,
                      "descriptor %d is not a socket: %s", 3 + i, out);
        ck_assert_int_eq(port_of_inode(table, ino), 8100 + i);
    }
    ck_assert_ptr_null(strstr(out, "fd8 socket"));
    free(out);
    free(err);
    tu_sandbox_rm(root);
}
END_TEST

Suite *make_ports_suite(void)
{
    Suite *s = suite_create("ports");
    TCase *t = tcase_create("parse");
    tcase_add_test(t, parse_ok);
    tcase_add_test(t, parse_refused);
    tcase_add_test(t, addr_families);
    tcase_add_test(t, allowed_ranges);
    tcase_add_test(t, unavailable_text);
    tcase_add_test(t, port_lists);
    suite_add_tcase(s, t);
    t = tcase_create("bind");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, bind_tcp_udp_v6);
    tcase_add_test(t, bind_refused);
    tcase_add_test(t, in_use_any_family);
    tcase_add_test(t, holders_by_inode);
    tcase_add_test(t, unprivileged_eacces);
    tcase_add_test(t, cli_range_as_fds);
    suite_add_tcase(s, t);
    return s;
}
