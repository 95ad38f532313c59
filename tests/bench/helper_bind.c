/* Benchmark: privileged port binds, side by side in one run, in a private
 * network namespace with a real hostprivd (the legacy-vmnetd plugin, as
 * installed) in a sandbox root.
 *   floor      bind+listen+close in this process, as root
 *   round trip one byte to another process and back (the IPC floor)
 *   minimal    the peer design at its smallest: tests/bench/minihelper.c,
 *              a 60-line root helper, new and kept connection
 *   new conn   through the helper, a new connection per bind (hclient)
 *   kept conn  through the helper, one kept connection
 *   fork+exec  a one-shot root program per bind that hands the socket back
 *              (the cost of sudo/authbind-style designs)
 *   8 clients  binds/s with 8 concurrent kept connections, hostprivd and
 *              the minimal helper
 *   range      100 ports in one bind_ports request, against one single
 *              bind, 100 single binds and 100 binds in this process
 *   idle       the helper's RSS and CPU over HP_BENCH_IDLE_S (10) seconds
 * Every figure is also a row of the table `make bench` ends with
 * (benchrow.h).
 * BENCH_QUICK=1 (CI): a tenth of the iterations, 3 rounds, 1 s idle; that
 * every figure is still produced is what counts, not its value.
 * The per-bind figures are taken twice: where the scheduler puts the two
 * processes (on this 2-vCPU VM, the other CPU: every wake-up crosses
 * CPUs), and with client and helper pinned to one CPU (a wake-up is a
 * switch, no IPI), which shows what the helper's own work costs.
 * It measures and prints ratios; it never fails on a timing. */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
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
#include "actions/hostapi.h"
#include "benchrow.h"
#include "engine/ctx.h"
#include "helper/hclient.h"
#include "host/ports.h"
#include "helper/proto.h"
#include "../common/netns.h"

static char root[PATH_MAX], build[PATH_MAX];
static pid_t helper = -1, mini = -1;
static int quick;                       /* BENCH_QUICK */
enum { R = 7 };
static int nrounds = R;                 /* 3 when quick */

static int iters(int n)
{
    return quick ? n / 10 : n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "helper_bind: %s: %s\n", what, strerror(errno));
    if (helper > 0)
        kill(helper, SIGKILL);
    if (mini > 0)
        kill(mini, SIGKILL);
    if (root[0]) {
        char rm[PATH_MAX + 32];
        snprintf(rm, sizeof rm, "rm -rf -- '%s'", root);
        (void)!system(rm);
    }
    exit(1);
}

static void netns(void)
{
    const char *what;
    if (hpt_netns(&what) != 0)
        die(what);
}

static void write_file(const char *rel, const char *text)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s%s", root, rel);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die(p);
}

static void sandbox(void)
{
    snprintf(root, sizeof root, "/tmp/hp-bench.XXXXXX");
    if (!mkdtemp(root) || chmod(root, 0755) != 0)
        die("mkdtemp");
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/etc", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/hostpriv", root);
    mkdir(p, 0755);
    write_file("/etc/hostpriv/hostpriv.ini",
               "[core]\nplugin = legacy-vmnetd\n[host]\nuser = nobody\n"
               "platform = linux\n"
               "[helper]\nsocket = /var/run/bench.sock\n");
}

static hp_ctx *client_ctx(void)
{
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c;
    hp_err e = HP_ERR_INIT;
    if (hp_ctx_open(&c, &o, &e) != HP_OK) {
        fprintf(stderr, "helper_bind: %s\n", e.msg);
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
        int n = open("/dev/null", O_WRONLY);
        dup2(n, 1);
        dup2(n, 2);
        execl(bin, bin, "--root", root, "--plugin-dir", pd, "--foreground",
              (char *)NULL);
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

static const char *args80[] = { "tcp", "127.0.0.1", "80" };

/* The app side is unprivileged: measure the client as it runs there
 * (nobody is host.user in the bench config). */
static void as_nobody(void)
{
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
        _exit(126);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    double t[64];
    memcpy(t, v, sizeof *v * (size_t)n);
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    return t[n / 2];
}

/* µs per bind of each method.  Each binds its own port (floor 79,
 * hostprivd 80, minimal helper 82, fork+exec 83): a helper closes its copy
 * just after the send, so the next method binding the same port directly
 * could find it still taken for a moment. */
static double floor_us(int n)
{
    double t = now_s();
    for (int i = 0; i < n; i++) {
        int fd, tries = 0;
        hp_err e = HP_ERR_INIT;
        /* a rare EADDRINUSE on this fresh namespace's port was seen once
         * and never again: retry briefly rather than lose the whole run */
        while (hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 79, &fd, &e) != 0)
            if (e.sys != EADDRINUSE || ++tries > 100)
                die("in-process bind");
            else
                usleep(1000);
        close(fd);
    }
    return (now_s() - t) * 1e6 / n;
}

static double helper_us_here(int n, int kept)
{
    hp_ctx *c = client_ctx();
    double t = now_s();
    for (int i = 0; i < n; i++) {
        int fd;
        hp_err e = HP_ERR_INIT;
        if (hp_helper_call(c, "bind_port", args80, 3, NULL, 0, &fd, &e)) {
            fprintf(stderr, "helper_bind: %s\n", e.msg);
            exit(1);
        }
        close(fd);
        if (!kept)
            hp_helper_disconnect(c);
    }
    double us = (now_s() - t) * 1e6 / n;
    hp_ctx_close(c);
    return us;
}

static double client_cpu_us;    /* the last as_client's CPU per bind */

static double cpu_now_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Run fn as the unprivileged app side in a child; its µs per bind. */
static double as_client(double (*fn)(int, int), int n, int kept)
{
    int p[2];
    double r[2] = { -1, -1 };
    if (pipe(p) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        as_nobody();
        double c0 = cpu_now_us();
        r[0] = fn(n, kept);
        r[1] = (cpu_now_us() - c0) / n;
        (void)!write(p[1], r, sizeof r);
        _exit(0);
    }
    close(p[1]);
    if (read(p[0], r, sizeof r) != sizeof r)
        die("client measurement");
    close(p[0]);
    waitpid(pid, NULL, 0);
    client_cpu_us = r[1];
    return r[0];
}

static double helper_us(int n, int kept)
{
    return as_client(helper_us_here, n, kept);
}

/* ---- the peer: tests/bench/minihelper.c --------------------------------- */

static struct sockaddr_un mini_sa;

static void start_mini(void)
{
    char bin[PATH_MAX + 32];
    snprintf(bin, sizeof bin, "%s/tests/bench/minihelper", build);
    mini_sa.sun_family = AF_UNIX;
    snprintf(mini_sa.sun_path, sizeof mini_sa.sun_path, "%s/mini.sock", root);
    if ((mini = fork()) == 0) {
        execl(bin, bin, mini_sa.sun_path, "65534", "82", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int ok = connect(s, (struct sockaddr *)&mini_sa, sizeof mini_sa) == 0;
        close(s);
        if (ok)
            return;
        usleep(10000);
    }
    errno = ETIMEDOUT;
    die("minihelper did not start");
}

static int mini_dial(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&mini_sa, sizeof mini_sa))
        _exit(1);
    return s;
}

static double mini_us_here(int n, int kept)
{
    int s = kept ? mini_dial() : -1;
    double t = now_s();
    for (int i = 0; i < n; i++) {
        if (!kept)
            s = mini_dial();
        char code;
        int fd = -1;
        if (write(s, "", 1) != 1 ||     /* byte 0: port 82 */
            hp_sock_recv(s, &code, 1, 0, &fd, NULL) != 1 || code || fd < 0)
            _exit(1);
        close(fd);
        if (!kept)
            close(s);
    }
    double us = (now_s() - t) * 1e6 / n;
    if (kept)
        close(s);
    return us;
}

static double mini_us(int n, int kept)
{
    return as_client(mini_us_here, n, kept);
}

/* What any helper design pays before doing anything: one byte to another
 * process and back over a unix socket (two wake-ups).  Printed so the
 * helper's ratios can be read against the machine's IPC cost. */
static double pingpong_us(int n)
{
    int sv[2];
    char b = 'x';
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        while (read(sv[1], &b, 1) == 1 && write(sv[1], &b, 1) == 1)
            ;
        _exit(0);
    }
    close(sv[1]);
    double t = now_s();
    for (int i = 0; i < n; i++)
        if (write(sv[0], &b, 1) != 1 || read(sv[0], &b, 1) != 1)
            die("ping-pong");
    double us = (now_s() - t) * 1e6 / n;
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return us;
}

/* The one-shot program: bind, send the socket to fd 3, exit. */
static int oneshot(void)
{
    int fd;
    if (hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 83, &fd, NULL) != 0)
        return 1;
    return hp_sock_send_all(3, "B", 1, fd, 5000) == 0 ? 0 : 1;
}

static double forkexec_us(int n)
{
    double t = now_s();
    for (int i = 0; i < n; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            die("socketpair");
        pid_t pid = fork();
        if (pid == 0) {
            dup2(sv[1], 3);
            execl("/proc/self/exe", "helper_bind", "--oneshot", (char *)NULL);
            _exit(127);
        }
        close(sv[1]);
        char b;
        int fd = -1;
        if (hp_sock_recv(sv[0], &b, 1, 0, &fd, NULL) != 1 || fd < 0)
            die("one-shot bind");
        close(fd);
        close(sv[0]);
        waitpid(pid, NULL, 0);
    }
    return (now_s() - t) * 1e6 / n;
}

/* 8 clients, each on its own port and kept connection, for `secs`. */
static double throughput(int clients, double secs)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        die("pipe");
    pid_t kids[64];
    for (int k = 0; k < clients && k < 64; k++) {
        if ((kids[k] = fork()) == 0) {
            as_nobody();
            char port[8];
            snprintf(port, sizeof port, "%d", 100 + k);
            const char *a[] = { "tcp", "127.0.0.1", port };
            hp_ctx *c = client_ctx();
            long n = 0;
            double end = now_s() + secs;
            while (now_s() < end) {
                int fd;
                if (hp_helper_call(c, "bind_port", a, 3, NULL, 0, &fd, NULL))
                    _exit(1);
                close(fd);
                n++;
            }
            (void)!write(pfd[1], &n, sizeof n);
            _exit(0);
        }
    }
    close(pfd[1]);
    long total = 0, n;
    while (read(pfd[0], &n, sizeof n) == sizeof n)
        total += n;
    close(pfd[0]);
    for (int k = 0; k < clients && k < 64; k++)
        waitpid(kids[k], NULL, 0);     /* not wait(): the helper is ours too */
    return total / secs;
}

/* The same load on the minimal helper: client k asks for port 200+k
 * (its byte, 118+k, is added to the helper's base port 82). */
static double throughput_mini(int clients, double secs)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        die("pipe");
    pid_t kids[64];
    for (int k = 0; k < clients && k < 64; k++) {
        if ((kids[k] = fork()) == 0) {
            as_nobody();
            int s = mini_dial();
            unsigned char b = (unsigned char)(118 + k);
            long n = 0;
            double end = now_s() + secs;
            while (now_s() < end) {
                char code;
                int fd = -1;
                if (write(s, &b, 1) != 1 ||
                    hp_sock_recv(s, &code, 1, 0, &fd, NULL) != 1 || code ||
                    fd < 0)
                    _exit(1);
                close(fd);
                n++;
            }
            (void)!write(pfd[1], &n, sizeof n);
            _exit(0);
        }
    }
    close(pfd[1]);
    long total = 0, n;
    while (read(pfd[0], &n, sizeof n) == sizeof n)
        total += n;
    close(pfd[0]);
    for (int k = 0; k < clients && k < 64; k++)
        waitpid(kids[k], NULL, 0);
    return total / secs;
}

/* ---- a range: 100 ports --------------------------------------------- */

#define RANGE 100
static const char *range_args[] = { "tcp", "127.0.0.1", "200-299" };

/* µs per range: kind 0 one bind_ports request, kind 1 a bind_port
 * request per port (on one kept connection, as the app side). */
static double range_us_here(int n, int kind)
{
    hp_ctx *c = client_ctx();
    int fds[RANGE];
    hp_err e = HP_ERR_INIT;
    double t = now_s();
    for (int i = 0; i < n; i++) {
        if (kind == 0 && hp_helper_call_fds(c, "bind_ports", range_args, 3,
                                            fds, RANGE, &e) != HP_OK) {
            fprintf(stderr, "helper_bind: bind_ports: %s\n", e.msg);
            exit(1);
        }
        for (int k = 0; kind == 1 && k < RANGE; k++) {
            char port[8];
            snprintf(port, sizeof port, "%d", 200 + k);
            const char *a[] = { "tcp", "127.0.0.1", port };
            if (hp_helper_call(c, "bind_port", a, 3, NULL, 0, &fds[k], &e)) {
                fprintf(stderr, "helper_bind: bind_port: %s\n", e.msg);
                exit(1);
            }
        }
        for (int k = 0; k < RANGE; k++)
            close(fds[k]);
    }
    double us = (now_s() - t) * 1e6 / n;
    hp_ctx_close(c);
    return us;
}

/* The floor of a range: its 100 binds in this process (held together,
 * then closed, as the range's sockets are). */
static double range_floor_us(int n)
{
    int fds[RANGE];
    double t = now_s();
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < RANGE; k++)
            if (hp_bind_socket(HP_SOCK_TCP, "127.0.0.1", 300 + k, &fds[k],
                               NULL) != 0)
                die("in-process range bind");
        for (int k = 0; k < RANGE; k++)
            close(fds[k]);
    }
    return (now_s() - t) * 1e6 / n;
}

typedef struct rfigs {
    double one, range, singles, floor;          /* µs */
    double r_one, r_singles, r_floor;           /* range / each */
} rfigs;

static void range_rounds(rfigs *f)
{
    double v[7][R];
    for (int r = 0; r < nrounds; r++) {
        v[0][r] = helper_us(iters(1000), 1);
        v[1][r] = as_client(range_us_here, iters(100), 0);
        v[2][r] = as_client(range_us_here, iters(20) ? iters(20) : 1, 1);
        v[3][r] = range_floor_us(iters(100));
        v[4][r] = v[1][r] / v[0][r];
        v[5][r] = v[1][r] / v[2][r];
        v[6][r] = v[1][r] / v[3][r];
    }
    double *out[] = { &f->one, &f->range, &f->singles, &f->floor, &f->r_one,
                      &f->r_singles, &f->r_floor };
    for (int k = 0; k < 7; k++)
        *out[k] = median(v[k], nrounds);
}

static void range_report(const rfigs *f)
{
    printf("   range of %d ports (kept connection, medians of %d rounds):\n",
           RANGE, nrounds);
    printf("   %-34s %9.1f us\n", "one bind_port request", f->one);
    printf("   %-34s %9.1f us  %5.2fx one bind (aim <= 3x)\n",
           "one bind_ports request, 100 ports", f->range, f->r_one);
    printf("   %-34s %9.1f us  the range takes %.2fx their time\n",
           "100 bind_port requests", f->singles, f->r_singles);
    printf("   %-34s %9.1f us  the range takes %.2fx it; it alone is "
           "%.2fx one bind request\n", "100 binds in this process (floor)",
           f->floor, f->r_floor, f->floor / f->one);
    bench_row("helper", "range: 100 ports, one bind_ports request", f->range,
              "us", "one bind_port request", f->one, f->r_one, "<= 3");
    bench_row("helper", "range: 100 ports, one bind_ports request", f->range,
              "us", "100 binds in-process (floor)", f->floor, f->r_floor,
              "");
    bench_row("helper", "range: 100 ports, one bind_ports request", f->range,
              "us", "100 bind_port requests", f->singles, f->r_singles, "");
    /* the kernel's share alone: what "<= 3x one bind" asks is below it
     * whenever this is above 3 */
    bench_row("helper", "range floor: 100 binds in-process", f->floor, "us",
              "one bind_port request", f->one, f->floor / f->one, "");
}

static void proc_stat(pid_t pid, long *ticks, long *rss_kb)
{
    char p[64], buf[2048];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    long ut = 0, st = 0, rss = 0;
    if (s)
        sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld "
               "%*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st, &rss);
    *ticks = ut + st;
    *rss_kb = rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- side by side ---------------------------------------------------- */


/* Medians over interleaved rounds: this machine's speed drifts by tens of
 * percent within a minute, so each ratio is taken within one round. */
typedef struct figs {
    double fl, pp, nc, kc, mnc, mkc;            /* µs */
    double rpp, rnc, rkc, rmnc, rmkc;           /* x floor */
    double vs_mini_nc, vs_mini_kc;              /* x the minimal helper */
} figs;

static void rounds(figs *f)
{
    double v[13][R];
    for (int r = 0; r < nrounds; r++) {
        v[0][r] = floor_us(iters(3000));
        v[1][r] = pingpong_us(iters(3000));
        v[2][r] = helper_us(iters(1500), 0);
        v[3][r] = helper_us(iters(3000), 1);
        v[4][r] = mini_us(iters(1500), 0);
        v[5][r] = mini_us(iters(3000), 1);
        for (int k = 1; k < 6; k++)
            v[5 + k][r] = v[k][r] / v[0][r];
        v[11][r] = v[2][r] / v[4][r];
        v[12][r] = v[3][r] / v[5][r];
    }
    double *out[] = { &f->fl, &f->pp, &f->nc, &f->kc, &f->mnc, &f->mkc,
                      &f->rpp, &f->rnc, &f->rkc, &f->rmnc, &f->rmkc,
                      &f->vs_mini_nc, &f->vs_mini_kc };
    for (int k = 0; k < 13; k++)
        *out[k] = median(v[k], nrounds);
}

/* cpu >= 0: this process, the helper and the minimal helper on that CPU
 * (children inherit it); -1: every CPU again. */
static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
        CPU_SET(c, &set);
    if (cpu >= 0)
        CPU_SET(cpu, &set);
    pid_t who[] = { 0, helper, mini };
    for (int i = 0; i < 3; i++)
        if (sched_setaffinity(who[i], sizeof set, &set) != 0)
            die("sched_setaffinity");
}

static void row(const char *what, double a, double b, double ra, double rb,
                const char *note)
{
    if (ra > 0)
        printf("   %-27s %7.1f us %5.1fx  | %7.1f us %5.1fx  %s\n", what, a,
               ra, b, rb, note);
    else
        printf("   %-27s %7.1f us         | %7.1f us\n", what, a, b);
}

/* Stop what we started (by pid) and remove the sandbox. */
static int finish(void)
{
    pid_t ours[] = { helper, mini };
    for (int i = 0; i < 2; i++)
        if (ours[i] > 0) {
            kill(ours[i], SIGTERM);
            waitpid(ours[i], NULL, 0);
        }
    char rm[PATH_MAX + 32];
    snprintf(rm, sizeof rm, "rm -rf -- '%s'", root);
    return system(rm) == 0 ? 0 : 1;
}

/* helper_bind --only [mini-]new|kept N: just that loop (hostprivd's or
 * the minimal helper's) and the CPU per bind of both sides, for
 * strace/perf. */
static int only(const char *what, int n)
{
    n = n > 0 ? n : 1000;
    int minimal = !strncmp(what, "mini-", 5);
    if (minimal)
        start_mini();
    pid_t served = minimal ? mini : helper;
    long t0, t1, rss;
    proc_stat(served, &t0, &rss);
    double us = minimal ? mini_us(n, !strcmp(what + 5, "kept"))
                        : helper_us(n, !strcmp(what, "kept"));
    proc_stat(served, &t1, &rss);
    printf("   %s connection %8.1f us; CPU per bind: client %.1f us, "
           "helper %.1f us\n", what, us, client_cpu_us,
           (t1 - t0) * 1e6 / sysconf(_SC_CLK_TCK) / n);
    return finish();
}

static void report(const figs *spread, const figs *one, double fe,
                   double fe1)
{
    printf("   medians of %d interleaved rounds;  where the scheduler puts "
           "them  |  both on one CPU\n", nrounds);
    row("in-process bind (floor)", spread->fl, one->fl, 0, 0, "");
    row("unix-socket round trip", spread->pp, one->pp, spread->rpp, one->rpp,
        "no work: the IPC any helper pays");
    row("minimal helper, new conn", spread->mnc, one->mnc, spread->rmnc,
        one->rmnc, "the 60-line peer");
    row("minimal helper, kept conn", spread->mkc, one->mkc, spread->rmkc,
        one->rmkc, "");
    row("hostprivd, new connection", spread->nc, one->nc, spread->rnc,
        one->rnc, "aim <= 6x");
    row("hostprivd, kept connection", spread->kc, one->kc, spread->rkc,
        one->rkc, "aim <= 3x");
    row("fork+exec one-shot helper", fe, fe1, fe / spread->fl, fe1 / one->fl,
        "");
    printf("   hostprivd (new conn) vs fork+exec: %.1fx | %.1fx faster (aim "
           ">= 30x); vs the minimal helper: new %.2fx | %.2fx, kept %.2fx | "
           "%.2fx its time (aim <= 1.10x)\n", fe / spread->nc, fe1 / one->nc,
           spread->vs_mini_nc, one->vs_mini_nc, spread->vs_mini_kc,
           one->vs_mini_kc);
    const figs *pl[2] = { spread, one };
    const char *where[2] = { "spread", "one CPU" };
    for (int k = 0; k < 2; k++) {
        char a[96], b[96];
        snprintf(a, sizeof a, "hostprivd, new connection (%s)", where[k]);
        snprintf(b, sizeof b, "minimal helper, new conn (%s)", where[k]);
        bench_row("helper", a, pl[k]->nc, "us", b, pl[k]->mnc,
                  pl[k]->vs_mini_nc, "<= 1.10");
        snprintf(a, sizeof a, "hostprivd, kept connection (%s)", where[k]);
        snprintf(b, sizeof b, "minimal helper, kept conn (%s)", where[k]);
        bench_row("helper", a, pl[k]->kc, "us", b, pl[k]->mkc,
                  pl[k]->vs_mini_kc, "<= 1.10");
    }
    bench_row("helper", "hostprivd, new connection (spread)", spread->nc,
              "us", "in-process bind (floor)", spread->fl, spread->rnc,
              "<= 6");
    bench_row("helper", "hostprivd, kept connection (spread)", spread->kc,
              "us", "in-process bind (floor)", spread->fl, spread->rkc,
              "<= 3");
    bench_row("helper", "fork+exec one-shot helper (spread)", fe, "us",
              "hostprivd, new connection", spread->nc, fe / spread->nc,
              ">= 30");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--oneshot"))
        return oneshot();
    if (geteuid() != 0) {
        printf("   helper: needs root (a root helper, real privileged ports): "
               "skipped\n");
        return 0;
    }
    const char *b = getenv("HP_BUILD"), *idle_env = getenv("HP_BENCH_IDLE_S");
    const char *q = getenv("BENCH_QUICK");
    snprintf(build, sizeof build, "%s", b ? b : "build");
    quick = q && *q && strcmp(q, "0") != 0;
    nrounds = quick ? 3 : R;
    int idle_s = idle_env ? atoi(idle_env) : quick ? 1 : 10;
    signal(SIGPIPE, SIG_IGN);
    netns();
    sandbox();
    start_helper();
    if (argc > 3 && !strcmp(argv[1], "--only"))
        return only(argv[2], atoi(argv[3]));
    start_mini();
    floor_us(iters(500));                       /* warm up */
    helper_us(iters(200), 1);
    figs spread, one;
    rounds(&spread);
    pin(0);
    rounds(&one);
    double fe1 = forkexec_us(iters(200));
    pin(-1);
    double fe = forkexec_us(iters(300));
    rfigs rf;
    range_rounds(&rf);
    double tp = throughput(8, quick ? 0.5 : 2.0);
    double tpm = throughput_mini(8, quick ? 0.5 : 2.0);
    long t0, t1, rss;
    usleep(200000);
    proc_stat(helper, &t0, &rss);
    sleep((unsigned)idle_s);
    proc_stat(helper, &t1, &rss);
    report(&spread, &one, fe, fe1);
    printf("   8 concurrent clients       %8.0f binds/s (aim >= 10000); "
           "minimal helper %.0f: %.2fx it (aim >= 0.9x)\n", tp, tpm,
           tp / tpm);
    bench_row("helper", "8 clients, hostprivd", tp, "binds/s",
              "8 clients, minimal helper", tpm, tp / tpm, ">= 0.9");
    range_report(&rf);
    printf("   idle helper over %d s       %8ld ticks CPU (aim 0), RSS %ld "
           "KiB\n", idle_s, t1 - t0, rss);
    bench_row("helper", "idle helper: CPU ticks", (double)(t1 - t0), "ticks",
              "seconds idle", idle_s, (double)(t1 - t0), "= 0");
    return finish();
}
