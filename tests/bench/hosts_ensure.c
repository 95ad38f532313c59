/* `make bench` part: hp_hosts_ensure_file on a 100,000-line hosts file
 * (ad-block lists are that long), entry present and absent, side by side
 * with `cat` of the same file; and the whole command, `hostpriv --root
 * WORKDIR --set host.kubernetes=true hosts ensure`, as a user runs it (as root it applies the
 * change: the absent case writes the file and journals it).
 *
 *   hosts_ensure WORKDIR [RUNS]          run the benchmark in WORKDIR
 *                                        (HP_BUILD: the build, for the CLI)
 *   hosts_ensure --once present|absent WORKDIR
 *                                        one ensure, as its own process
 *   hosts_ensure --once remove WORKDIR   take the block out again
 *   hosts_ensure --once rewrite WORKDIR  the floor of any crash-safe
 *                                        rewrite: read the file, write a
 *                                        temp beside it, fsync, rename,
 *                                        fsync the directory
 *
 * Process figures (fork+exec, as a user runs `hostpriv hosts ensure`) are
 * compared with `cat FILE >/dev/null`, the floor for "read the file once",
 * and the absent case also with the rewrite floor above (what writing the
 * file at all costs, before any editing or journaling); in-process
 * figures show the editor's own cost.  "Present" must write
 * nothing: every run compares inode, size and mtime before and after.  It
 * measures; it never fails on a timing. */
#include "host/hostsfile.h"
#include "benchrow.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINES 100000
#define MAXRUNS 200

static const hp_hosts_entry KUBE = { "127.0.0.1",
                                     "kubernetes.docker.internal" };
static char *orig;
static size_t origlen;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "hosts_ensure: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* The generated hosts file: a normal head, then the ad-block list; with
 * `present` the entry sits in the middle, so the scan cannot stop early
 * (it never does: markers are checked to the end). */
static void generate(int present)
{
    size_t cap = (size_t)LINES * 48 + 256;
    orig = malloc(cap);
    origlen = (size_t)snprintf(orig, cap, "##\n# Host Database\n##\n"
                               "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
    for (int i = 0; i < LINES; i++) {
        if (present && i == LINES / 2)
            origlen += (size_t)snprintf(orig + origlen, cap - origlen,
                                        "127.0.0.1   kubernetes.docker."
                                        "internal\n");
        origlen += (size_t)snprintf(orig + origlen, cap - origlen,
                                    "0.0.0.0 ad%06d.tracker.example\n", i);
    }
}

static void put_file(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/etc/hosts", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, orig, origlen) != (ssize_t)origlen)
        die(p);
    close(fd);
}

static int ensure(const char *dir, int *changed)
{
    int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    hp_err e = HP_ERR_INIT;
    int r = hp_hosts_ensure_file(rootfd, "/etc/hosts", &KUBE, 1, changed,
                                 NULL, &e);
    if (r != HP_OK)
        fprintf(stderr, "hosts_ensure: %s\n", e.msg);
    close(rootfd);
    return r;
}

/* Fork+exec argv (stdout to /dev/null); wall time in ms. */
static double run_ms(char *const argv[])
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    double t = now_ms() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "hosts_ensure: %s failed\n", argv[0]);
        exit(2);
    }
    return t;
}

static int same(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

struct fig {
    double cat, present, absent;        /* process medians */
    double cli_present, cli_absent;     /* the CLI; < 0: not measured */
    double rewrite;                     /* the rewrite floor (process) */
    double in_present, in_absent, in_read;
    int writes_present, cli_writes, runs;
};

static void in_process(const char *dir, const char *file, struct fig *f)
{
    double v[MAXRUNS];
    int n = f->runs, ch;
    struct stat a, b;
    /* present: zero writes, checked on every run */
    generate(1);
    put_file(dir);
    f->writes_present = 0;
    for (int i = 0; i < n; i++) {
        stat(file, &a);
        double t0 = now_ms();
        if (ensure(dir, &ch) != HP_OK)
            exit(2);
        v[i] = now_ms() - t0;
        stat(file, &b);
        f->writes_present += ch || !same(&a, &b);
    }
    f->in_present = median(v, n);
    /* the floor for one read of the same bytes, in-process */
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        int fd = open(file, O_RDONLY);
        char *buf = malloc(origlen + 1);
        ssize_t r = read(fd, buf, origlen + 1);
        close(fd);
        free(buf);
        v[i] = now_ms() - t0;
        if (r != (ssize_t)origlen)
            die("read");
    }
    f->in_read = median(v, n);
    free(orig);
    generate(0);
    for (int i = 0; i < n; i++) {
        put_file(dir);
        double t0 = now_ms();
        if (ensure(dir, &ch) != HP_OK || ch != 1)
            exit(2);
        v[i] = now_ms() - t0;
    }
    f->in_absent = median(v, n);
    free(orig);
}

/* What a run may have written: the file, a lock or temp beside it, the
 * journal's directories under the root (their times change). */
struct marks {
    struct stat file, etc, top;
};

static void mark(const char *dir, const char *file, struct marks *m)
{
    char etc[4096];
    snprintf(etc, sizeof etc, "%s/etc", dir);
    stat(file, &m->file);
    stat(etc, &m->etc);
    stat(dir, &m->top);
}

static int marks_same(const struct marks *a, const struct marks *b)
{
    return same(&a->file, &b->file) &&
           a->etc.st_mtim.tv_nsec == b->etc.st_mtim.tv_nsec &&
           a->etc.st_mtim.tv_sec == b->etc.st_mtim.tv_sec &&
           a->top.st_mtim.tv_nsec == b->top.st_mtim.tv_nsec &&
           a->top.st_mtim.tv_sec == b->top.st_mtim.tv_sec;
}

static void processes(const char *self, const char *dir, const char *file,
                      const char *cli, struct fig *f)
{
    double vc[MAXRUNS], vp[MAXRUNS], va[MAXRUNS], vcp[MAXRUNS],
           vca[MAXRUNS], vr[MAXRUNS];
    char *cat[] = { "/bin/cat", (char *)file, NULL };
    char *pres[] = { (char *)self, "--once", "present", (char *)dir, NULL };
    char *abs_[] = { (char *)self, "--once", "absent", (char *)dir, NULL };
    char *rew[] = { (char *)self, "--once", "rewrite", (char *)dir, NULL };
    /* host.kubernetes: the entry of the generated file counts */
    char *cmd[] = { (char *)cli, "--root", (char *)dir, "--set",
                    "host.kubernetes=true", "hosts", "ensure", NULL };
    /* as root the command applies the change; as a user it only checks
     * (and fails when the entries are missing): absent is root's case */
    int cli_absent = cli && geteuid() == 0;
    generate(1);
    put_file(dir);
    f->cli_writes = 0;
    for (int i = 0; i < f->runs; i++) {
        vc[i] = run_ms(cat);
        vp[i] = run_ms(pres);
        if (cli) {
            struct marks a, b;
            mark(dir, file, &a);
            vcp[i] = run_ms(cmd);
            mark(dir, file, &b);
            f->cli_writes += !marks_same(&a, &b);
        }
    }
    free(orig);
    generate(0);
    for (int i = 0; i < f->runs; i++) {
        put_file(dir);
        vr[i] = run_ms(rew);
        put_file(dir);
        va[i] = run_ms(abs_);
        if (cli_absent) {
            put_file(dir);
            vca[i] = run_ms(cmd);
        }
    }
    free(orig);
    f->cat = median(vc, f->runs);
    f->present = median(vp, f->runs);
    f->absent = median(va, f->runs);
    f->rewrite = median(vr, f->runs);
    f->cli_present = cli ? median(vcp, f->runs) : -1;
    f->cli_absent = cli_absent ? median(vca, f->runs) : -1;
}

static void report(const struct fig *f)
{
    printf("   hosts file: %d lines, %.1f MB; median of %d runs\n",
           LINES + 5, origlen / 1e6, f->runs);
    printf("   %-34s %9s %10s\n", "", "ms", "vs cat");
    printf("   %-34s %9.2f %9.2fx\n", "cat FILE (process)", f->cat, 1.0);
    if (f->cli_present >= 0)
        printf("   %-34s %9.2f %9.2fx   aim <= 1.5x, 0 writes\n",
               "hostpriv hosts ensure, present", f->cli_present,
               f->cli_present / f->cat);
    printf("   %-34s %9.2f %9.2fx   (cp to a temp, fsync, rename, fsync dir)\n",
           "rewrite floor (read+write+fsyncs)",
           f->rewrite, f->rewrite / f->cat);
    if (f->cli_absent >= 0)
        printf("   %-34s %9.2f %9.2fx   aim <= 3x (root: writes it); "
               "%.2fx the rewrite floor\n", "hostpriv hosts ensure, absent",
               f->cli_absent, f->cli_absent / f->cat,
               f->cli_absent / f->rewrite);
    printf("   %-34s %9.2f %9.2fx\n", "the editor alone, present (process)",
           f->present, f->present / f->cat);
    printf("   %-34s %9.2f %9.2fx\n", "the editor alone, absent (process)",
           f->absent, f->absent / f->cat);
    printf("   %-34s %9.2f %9.2fx   (vs one read() of it)\n",
           "the editor, present (in-process)", f->in_present,
           f->in_present / f->in_read);
    printf("   %-34s %9.2f %9.2fx\n", "the editor, absent (in-process)",
           f->in_absent, f->in_absent / f->in_read);
    printf("   present: %d of %d runs of the editor changed the file",
           f->writes_present, f->runs);
    if (f->cli_present >= 0)
        printf(", %d of %d of the command wrote anything", f->cli_writes,
               f->runs);
    printf(" (inode/size/mtime)\n");
    if (f->cli_present >= 0) {
        bench_row("hosts", "hosts ensure, present (process)", f->cli_present,
                  "ms", "cat FILE", f->cat, f->cli_present / f->cat,
                  "<= 1.5");
        bench_row("hosts", "hosts ensure, present: runs that wrote",
                  f->cli_writes, "runs", "runs", f->runs, f->cli_writes,
                  "= 0");
    }
    bench_row("hosts", "rewrite floor (process)", f->rewrite, "ms",
              "cat FILE", f->cat, f->rewrite / f->cat, "");
    if (f->cli_absent >= 0) {
        bench_row("hosts", "hosts ensure, absent (process)", f->cli_absent,
                  "ms", "cat FILE", f->cat, f->cli_absent / f->cat, "<= 3");
        bench_row("hosts", "hosts ensure, absent (process)", f->cli_absent,
                  "ms", "rewrite floor", f->rewrite,
                  f->cli_absent / f->rewrite, "");
    }
    bench_row("hosts", "editor alone, present (process)", f->present, "ms",
              "cat FILE", f->cat, f->present / f->cat, "");
    bench_row("hosts", "editor, present (in-process)", f->in_present, "ms",
              "one read() of it", f->in_read, f->in_present / f->in_read, "");
    bench_row("hosts", "editor, absent (in-process)", f->in_absent, "ms",
              "one read() of it", f->in_read, f->in_absent / f->in_read, "");
}

/* The least a crash-safe rewrite of the file does, with plain system
 * calls: one read, a temp written, fsync, rename over, fsync of the
 * directory.  0, or 1 on a failure. */
static int rewrite_once(const char *dir)
{
    char etc[4096], file[4096], tmp[4096];
    snprintf(etc, sizeof etc, "%s/etc", dir);
    snprintf(file, sizeof file, "%s/hosts", etc);
    snprintf(tmp, sizeof tmp, "%s/.hosts.floor", etc);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 1;
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t n = buf ? read(fd, buf, (size_t)st.st_size + 1) : -1;
    close(fd);
    int t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int bad = n < 0 || t < 0 || write(t, buf, (size_t)n) != n ||
              fsync(t) != 0;
    free(buf);
    if (t >= 0)
        close(t);
    if (bad || rename(tmp, file) != 0)
        return 1;
    int d = open(etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bad = d < 0 || fsync(d) != 0;
    if (d >= 0)
        close(d);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--once")) {
        int ch = -1;
        if (!strcmp(argv[2], "rewrite"))
            return rewrite_once(argv[3]);
        if (!strcmp(argv[2], "remove")) {
            int rootfd = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
            hp_err e = HP_ERR_INIT;
            /* the block is all ours: no record needed to take it out */
            return hp_hosts_remove_file(rootfd, "/etc/hosts", NULL, &ch,
                                        &e) != 0;
        }
        if (ensure(argv[3], &ch) != HP_OK)
            return 1;
        return ch == !strcmp(argv[2], "absent") ? 0 : 3;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: hosts_ensure WORKDIR [RUNS]\n");
        return 64;
    }
    const char *dir = argv[1];
    struct fig f = { .runs = argc > 2 ? atoi(argv[2]) : 30 };
    if (f.runs < 1 || f.runs > MAXRUNS)
        f.runs = 30;
    char etc[4096], file[4096], self[4096];
    snprintf(etc, sizeof etc, "%s/etc", dir);
    snprintf(file, sizeof file, "%s/hosts", etc);
    if (mkdir(etc, 0755) != 0 && errno != EEXIST)
        die(etc);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        die("/proc/self/exe");
    self[sl] = '\0';
    const char *b = getenv("HP_BUILD");
    char cli[4096];
    snprintf(cli, sizeof cli, "%s/bin/hostpriv", b ? b : "build");
    in_process(dir, file, &f);
    processes(self, dir, file, access(cli, X_OK) == 0 ? cli : NULL, &f);
    generate(0);
    report(&f);
    free(orig);
    return 0;
}
