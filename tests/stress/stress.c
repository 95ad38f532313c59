/* `make stress`: one real hostprivd (the legacy-vmnetd plugin, as
 * installed: it binds ports for the native protocol and for vmnetd
 * clients) in a sandbox root and a private network namespace, and clients
 * as the test user hptest, in one run:
 *
 *   load   64 concurrent clients x 2,000 requests each: native pings,
 *          native binds (TCP and UDP, on a kept connection, a new one
 *          every 50 requests) and vmnetd binds (a connection each, the
 *          way vpnkit binds).  Every bound socket is checked (its port,
 *          its type, listening for TCP).  0 failures.
 *   slow   meanwhile 8 slowloris clients send two bytes of a header and
 *          stall: each is cut within the frame deadline (5 s, helper's
 *          HPD_FRAME_MS) and holds up nobody.
 *   flood  then one client opens 300 connections: helper.user_connections
 *          (128) are served, every other one is refused at once with that
 *          reason, root still gets in (its reserved slots), and once the
 *          flood closes the user is served again.
 *   after  the helper's descriptor count is its baseline again and its
 *          RSS is within 256 KiB of it (the allocator may keep a little
 *          of what the peaks used; a leak of one connection's buffers,
 *          128,000 times, would be tens of MiB).  The baseline is taken
 *          after a warm-up round of the same shape, so what the first
 *          peak grows once is in it.
 *
 * usage: stress [CLIENTS [REQUESTS]]      (make stress: 64 2000)
 * Needs root and the test user (scripts/test-user); exit 0 when every
 * figure holds, 1 with what failed.  Figures are printed, never timed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "engine/ctx.h"
#include "actions/hostapi.h"
#include "helper/hclient.h"
#include "helper/proto.h"
#include "helper/vmnetd.h"
#include "../common/netns.h"

#define TEST_USER   "hptest"
#define SOCK_HPATH  "/var/run/stress.sock"
#define SLOW        8
#define FLOOD       300
#define USER_CAP    128         /* helper.user_connections, default */
#define RSS_SLACK   256         /* KiB */

static char root[PATH_MAX], build[PATH_MAX], sock[PATH_MAX], logf[PATH_MAX];
static pid_t helper = -1;
static uid_t tuid;
static gid_t tgid;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cleanup(void)
{
    if (helper > 0) {
        kill(helper, SIGTERM);
        waitpid(helper, NULL, 0);
        helper = -1;
    }
    if (root[0]) {
        char rm[PATH_MAX + 32];
        snprintf(rm, sizeof rm, "rm -rf -- '%s'", root);
        (void)!system(rm);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "stress: %s: %s\n", what, strerror(errno));
    cleanup();
    exit(1);
}

static void netns(void)
{
    const char *what;
    if (hpt_netns(&what) != 0)
        die(what);
}

static void put(const char *rel, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s%s", root, rel);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die(p);
}

static void sandbox(void)
{
    snprintf(root, sizeof root, "/tmp/hp-stress.XXXXXX");
    if (!mkdtemp(root) || chmod(root, 0755) != 0)
        die("mkdtemp");
    const char *dirs[] = { "/etc", "/etc/hostpriv", "/var", "/var/run" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof p, "%s%s", root, dirs[i]);
        if (mkdir(p, 0755) != 0)
            die(p);
    }
    char ini[512];
    snprintf(ini, sizeof ini, "[core]\nplugin = legacy-vmnetd\n[host]\n"
             "user = " TEST_USER "\nplatform = linux\n[helper]\n"
             "socket = " SOCK_HPATH "\nidle_exit = 0\n");
    put("/etc/hostpriv/hostpriv.ini", ini);
    snprintf(sock, sizeof sock, "%s" SOCK_HPATH, root);
    snprintf(logf, sizeof logf, "%s/hostprivd.log", root);
}

static int dial(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0)
        return s;
    if (s >= 0)
        close(s);
    return -1;
}

static hp_ctx *client_ctx(void)
{
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    if (hp_ctx_open(&c, &o, &e) != HP_OK) {
        fprintf(stderr, "stress: %s\n", e.msg);
        exit(1);
    }
    return c;
}

static void start_helper(void)
{
    char bin[PATH_MAX + 32], pd[PATH_MAX + 32];
    snprintf(bin, sizeof bin, "%s/bin/hostprivd", build);
    snprintf(pd, sizeof pd, "%s/plugins", build);
    helper = fork();
    if (helper == 0) {
        int fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        char *env[] = { "PATH=/usr/bin:/bin", NULL };
        execle(bin, bin, "--root", root, "--plugin-dir", pd, "--foreground",
               (char *)NULL, env);
        _exit(127);
    }
    hp_ctx *c = client_ctx();
    for (int i = 0; i < 500; i++) {
        if (hp_helper_alive(c)) {
            hp_ctx_close(c);
            return;
        }
        usleep(10000);
    }
    errno = ETIMEDOUT;
    die("hostprivd did not start");
}

static int helper_fds(void)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/fd", (int)helper);
    DIR *d = opendir(p);
    if (!d)
        die(p);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static long helper_rss_kb(void)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", (int)helper);
    FILE *f = fopen(p, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static void as_test_user(void)
{
    if (setgroups(0, NULL) != 0 || setresgid(tgid, tgid, tgid) != 0 ||
        setresuid(tuid, tuid, tuid) != 0)
        _exit(126);
}

/* ---- the load clients ------------------------------------------------- */

typedef struct result {
    long ok, fail, ping, nbind, vbind;
    double max_ms;
    char first[200];
} result;

static void failed(result *r, const char *fmt, const char *what)
{
    if (!r->fail++)
        snprintf(r->first, sizeof r->first, fmt, what);
}

/* A socket the helper handed over: bound to port, of the right type,
 * listening when TCP. */
static int socket_ok(int fd, int port, int udp)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int type = 0, listening = 0;
    socklen_t tl = sizeof type, ll = sizeof listening;
    int ok = fd >= 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 &&
             sa.sin_family == AF_INET && ntohs(sa.sin_port) == port &&
             getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
             type == (udp ? SOCK_DGRAM : SOCK_STREAM) &&
             (udp || (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
                                 &ll) == 0 && listening));
    if (fd >= 0)
        close(fd);
    return ok;
}

/* vpnkit's bind: hello, command + request + 33 zero bytes in one write,
 * an 8-byte code with the socket; the helper then ends the connection. */
static int vmnetd_bind(int port, int udp, const char **why)
{
    static const char commit[] = "0123456789abcdef0123456789abcdef01234567";
    hp_vmn_hello h = { .version = 22 };
    memcpy(h.commit, commit, sizeof commit);
    hp_vmn_bind b = { .port = (uint16_t)port, .udp = udp };
    snprintf(b.addr, sizeof b.addr, "127.0.0.1");
    uint8_t hello[HP_VMN_HELLO_LEN], req[41] = { HP_VMN_CMD_BIND_V4 };
    uint8_t res[HP_VMN_REPLY_LEN];
    hp_vmn_hello_encode(&h, hello);
    hp_vmn_bind_encode(&b, req + 1);
    int s = dial(), fd = -1;
    *why = "connect";
    if (s < 0)
        return -1;
    *why = "hello";
    if (hp_sock_send_all(s, hello, sizeof hello, -1, 10000) != 0 ||
        recv(s, hello, sizeof hello, MSG_WAITALL) != (ssize_t)sizeof hello ||
        hp_vmn_hello_decode(hello, sizeof hello, &h, NULL) != HP_OK) {
        close(s);
        return -1;
    }
    *why = "bind request";
    ssize_t n = -1;
    if (hp_sock_send_all(s, req, sizeof req, -1, 10000) == 0)
        n = hp_sock_recv(s, res, sizeof res, MSG_WAITALL, &fd, NULL);
    close(s);
    if (n != (ssize_t)sizeof res || res[0] != HP_VMN_OK) {
        *why = n == (ssize_t)sizeof res ? "a failure code" : "the reply";
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *why = "the socket";
    return socket_ok(fd, port, udp) ? 0 : -1;
}

static int native_bind(hp_ctx *c, int port, int udp, hp_err *e)
{
    char p[8];
    snprintf(p, sizeof p, "%d", port);
    const char *a[] = { udp ? "udp" : "tcp", "127.0.0.1", p };
    int fd = -1;
    int rc = hp_helper_call(c, "bind_port", a, 3, NULL, 0, &fd, e);
    if (rc != HP_OK) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!socket_ok(fd, port, udp)) {
        snprintf(e->msg, sizeof e->msg, "the socket of bind_port %s:%d is "
                 "not what was asked for", a[0], port);
        return -1;
    }
    return 0;
}

/* Client k: n requests, a quarter each of native ping, native TCP bind,
 * vmnetd TCP bind, and UDP binds (native and vmnetd in turn); its own
 * port (100 + k), so no two clients ever race for one. */
static void client(int k, int n, result *r)
{
    hp_ctx *c = client_ctx();
    int port = 100 + k;
    memset(r, 0, sizeof *r);
    for (int i = 0; i < n; i++) {
        hp_err e = HP_ERR_INIT;
        const char *why = NULL;
        double t0 = now_s();
        int rc;
        if (i % 50 == 49)
            hp_helper_disconnect(c);    /* a new native connection too */
        switch (i % 4) {
        case 0:
            rc = hp_helper_call(c, "ping", NULL, 0, NULL, 0, NULL, &e);
            r->ping++;
            break;
        case 1:
            rc = native_bind(c, port, 0, &e);
            r->nbind++;
            break;
        case 2:
            rc = vmnetd_bind(port, 0, &why);
            r->vbind++;
            break;
        default:
            if (i % 8 == 3) {
                rc = native_bind(c, port, 1, &e);
                r->nbind++;
            } else {
                rc = vmnetd_bind(port, 1, &why);
                r->vbind++;
            }
        }
        double ms = (now_s() - t0) * 1e3;
        if (ms > r->max_ms)
            r->max_ms = ms;
        if (rc == 0)
            r->ok++;
        else if (why)
            failed(r, "vmnetd bind: %s", why);
        else
            failed(r, "native: %s", e.msg);
    }
    hp_ctx_close(c);
}

/* CLIENTS processes as the test user; their results summed into *sum. */
static void load(int clients, int n, result *sum)
{
    int p[2];
    if (pipe(p) != 0)
        die("pipe");
    pid_t *kids = calloc((size_t)clients, sizeof *kids);
    for (int k = 0; k < clients; k++) {
        if ((kids[k] = fork()) == 0) {
            close(p[0]);
            as_test_user();
            result r;
            client(k, n, &r);
            (void)!write(p[1], &r, sizeof r);
            _exit(0);
        }
        if (kids[k] < 0)
            die("fork");
    }
    close(p[1]);
    memset(sum, 0, sizeof *sum);
    result r;
    int got = 0;
    while (read(p[0], &r, sizeof r) == (ssize_t)sizeof r) {
        got++;
        sum->ok += r.ok;
        sum->ping += r.ping;
        sum->nbind += r.nbind;
        sum->vbind += r.vbind;
        if (r.max_ms > sum->max_ms)
            sum->max_ms = r.max_ms;
        if (r.fail && !sum->fail)
            snprintf(sum->first, sizeof sum->first, "%s", r.first);
        sum->fail += r.fail;
    }
    close(p[0]);
    for (int k = 0; k < clients; k++)
        waitpid(kids[k], NULL, 0);
    free(kids);
    if (got != clients) {
        sum->fail += (long)(clients - got) * n;
        snprintf(sum->first, sizeof sum->first, "%d of %d clients died",
                 clients - got, clients);
    }
}

/* ---- slowloris -------------------------------------------------------- */

/* Two bytes of the native magic, then nothing: seconds until the helper
 * hangs up (-1: it did not within 15 s). */
static void slow_client(int out)
{
    as_test_user();
    double t0 = now_s(), t = -1;
    int s = dial();
    if (s >= 0 && send(s, "HP", 2, MSG_NOSIGNAL) == 2) {
        struct pollfd p = { .fd = s, .events = POLLIN };
        char b;
        if (poll(&p, 1, 15000) == 1 && recv(s, &b, 1, 0) <= 0)
            t = now_s() - t0;
    }
    (void)!write(out, &t, sizeof t);
    _exit(0);
}

/* ---- connection flood ------------------------------------------------- */

/* What the helper answers a native hello: 0 served, 1 refused for the
 * per-user cap (the reason in the reply), -1 anything else. */
static int hello(int s)
{
    const char *f[] = { "HPRV", "1" };
    uint8_t *fr;
    size_t l;
    if (hp_msg_encode(HP_MSG_HELLO, f, 2, &fr, &l, NULL) != HP_OK)
        return -1;
    (void)!send(s, HP_PROTO_MAGIC, 4, MSG_NOSIGNAL);
    (void)!send(s, fr, l, MSG_NOSIGNAL);
    free(fr);
    hp_msg m;
    if (hp_msg_recv(s, &m, NULL, 10000, NULL) != HP_OK)
        return -1;
    int rc = m.type == HP_MSG_HELLO ? 0
           : m.type == HP_MSG_REPLY && m.nfields == 2 &&
             strstr(m.field[1], "helper.user_connections") ? 1 : -1;
    hp_msg_free(&m);
    return rc;
}

/* As the test user: FLOOD connections at once.  Reports served, refused,
 * other; then, with all of them still open, waits for the parent (root)
 * to ping, closes them and pings itself. */
static void flood_client(int out, int go)
{
    as_test_user();
    int *s = malloc(FLOOD * sizeof *s);
    int served = 0, refused = 0, other = 0;
    for (int i = 0; i < FLOOD; i++) {
        s[i] = dial();
        int h = s[i] < 0 ? -1 : hello(s[i]);
        served += h == 0;
        refused += h == 1;
        other += h == -1;
    }
    int rep[4] = { served, refused, other, 0 };
    (void)!write(out, rep, sizeof rep);
    char b;
    (void)!read(go, &b, 1);
    for (int i = 0; i < FLOOD; i++)
        if (s[i] >= 0)
            close(s[i]);
    free(s);
    usleep(200000);
    hp_ctx *c = client_ctx();
    rep[3] = hp_helper_call(c, "ping", NULL, 0, NULL, 0, NULL, NULL) == HP_OK;
    hp_ctx_close(c);
    (void)!write(out, &rep[3], sizeof rep[3]);
    _exit(0);
}

static int flood(void)
{
    int rp[2], gp[2];
    if (pipe(rp) != 0 || pipe(gp) != 0)
        die("pipe");
    struct rlimit rl = { 1024, 1024 };
    pid_t pid = fork();
    if (pid == 0) {
        close(rp[0]);
        close(gp[1]);
        setrlimit(RLIMIT_NOFILE, &rl);
        flood_client(rp[1], gp[0]);
    }
    close(rp[1]);
    close(gp[0]);
    int rep[4] = { 0, 0, 0, 0 };
    int got = read(rp[0], rep, sizeof rep) == (ssize_t)sizeof rep;
    hp_ctx *c = client_ctx();          /* root, with the flood holding on */
    int root_ok = hp_helper_call(c, "ping", NULL, 0, NULL, 0, NULL, NULL) ==
                  HP_OK;
    hp_ctx_close(c);
    (void)!write(gp[1], "x", 1);
    int again = read(rp[0], &rep[3], sizeof rep[3]) == (ssize_t)sizeof rep[3]
                && rep[3];
    close(rp[0]);
    close(gp[1]);
    waitpid(pid, NULL, 0);
    printf("   flood: %d connections at once as " TEST_USER ": %d served, "
           "%d refused for helper.user_connections, %d otherwise; root "
           "%s; " TEST_USER " %s after\n", FLOOD, rep[0], rep[1], rep[2],
           root_ok ? "served meanwhile" : "NOT served",
           again ? "served again" : "NOT served");
    return got && rep[0] == USER_CAP && rep[1] == FLOOD - USER_CAP &&
           rep[2] == 0 && root_ok && again;
}

/* ---- the run ---------------------------------------------------------- */

static int settle_fds(int base)
{
    int n = helper_fds();
    for (int i = 0; i < 50 && n != base; i++) {     /* closes in flight */
        usleep(100000);
        n = helper_fds();
    }
    return n;
}

int main(int argc, char **argv)
{
    int clients = argc > 1 ? atoi(argv[1]) : 64;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    if (clients < 1 || clients > 800 || n < 1) {
        fprintf(stderr, "usage: stress [CLIENTS (1-800) [REQUESTS]]\n");
        return 64;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "stress: needs root (a root helper, privileged "
                "ports, a network namespace)\n");
        return 77;
    }
    struct passwd *pw = getpwnam(TEST_USER);
    if (!pw) {
        fprintf(stderr, "stress: no user " TEST_USER ": run "
                "scripts/test-user\n");
        return 77;
    }
    tuid = pw->pw_uid;
    tgid = pw->pw_gid;
    const char *b = getenv("HP_BUILD");
    snprintf(build, sizeof build, "%s", b ? b : "build");
    signal(SIGPIPE, SIG_IGN);
    netns();
    sandbox();
    start_helper();

    result warm, r;
    load(clients, n / 20 > 10 ? n / 20 : 10, &warm);    /* warm-up */
    int fd0 = settle_fds(-1);
    long rss0 = helper_rss_kb();
    printf("   helper pid %d: baseline %d descriptors, RSS %ld KiB (after "
           "a warm-up of %ld requests)\n", (int)helper, fd0, rss0, warm.ok);

    int sp[2];
    if (pipe(sp) != 0)
        die("pipe");
    pid_t slow[SLOW];
    for (int i = 0; i < SLOW; i++)
        if ((slow[i] = fork()) == 0)
            slow_client(sp[1]);
    close(sp[1]);
    double t0 = now_s();
    load(clients, n, &r);
    double secs = now_s() - t0;
    long rss_peak = helper_rss_kb();
    double cut_min = 1e9, cut_max = -1;
    int cut = 0;
    for (int i = 0; i < SLOW; i++) {
        double t;
        if (read(sp[0], &t, sizeof t) == (ssize_t)sizeof t && t >= 0) {
            cut++;
            cut_min = t < cut_min ? t : cut_min;
            cut_max = t > cut_max ? t : cut_max;
        }
        waitpid(slow[i], NULL, 0);
    }
    close(sp[0]);
    long total = (long)clients * n;
    printf("   load: %d clients x %d requests = %ld in %.1f s (%.0f/s): %ld "
           "ok, %ld failed (%ld pings, %ld native binds, %ld vmnetd binds); "
           "slowest request %.0f ms\n", clients, n, total, secs,
           total / secs, r.ok, r.fail, r.ping, r.nbind, r.vbind, r.max_ms);
    if (r.fail)
        printf("   first failure: %s\n", r.first);
    printf("   slow: %d of %d slowloris clients cut after %.1f-%.1f s "
           "(deadline 5 s), none holding up the load\n", cut, SLOW,
           cut > 0 ? cut_min : 0, cut > 0 ? cut_max : 0);
    int flood_ok = flood();
    int fd1 = settle_fds(fd0);
    long rss1 = helper_rss_kb();
    printf("   after: %d descriptors (baseline %d), RSS %ld KiB (baseline "
           "%ld, right after the load %ld; allowed +%d)\n", fd1, fd0, rss1,
           rss0, rss_peak, RSS_SLACK);
    int alive = kill(helper, 0) == 0 && waitpid(helper, NULL, WNOHANG) == 0;
    int ok = r.fail == 0 && r.ok == total && cut == SLOW && cut_max < 8.0 &&
             flood_ok && fd1 == fd0 && rss1 <= rss0 + RSS_SLACK && alive;
    if (!ok) {
        printf("stress: FAILED%s%s%s%s%s%s (helper log: %s)\n",
               r.fail || r.ok != total ? " load" : "",
               cut != SLOW || cut_max >= 8.0 ? " slow" : "",
               flood_ok ? "" : " flood", fd1 != fd0 ? " descriptors" : "",
               rss1 > rss0 + RSS_SLACK ? " rss" : "",
               alive ? "" : " helper-died", logf);
        char tail[PATH_MAX + 32];
        snprintf(tail, sizeof tail, "tail -20 '%s'", logf);
        (void)!system(tail);
        cleanup();
        return 1;
    }
    cleanup();
    printf("stress: ok\n");
    return 0;
}
