/* Faults across whole flows (SECURITY.md 41, 48-52): what the root side
 * does for a task, run as `hostpriv privileged` runs it (as root, in a
 * sandbox root, journaled), interrupted at every step.
 *
 *   kill -9   at the Nth fault point of a flow, N = 1, 2, ... until the
 *             flow completes: every step of every atomic rewrite
 *             (hp_af_fault_hook: temp made, written, synced, renamed,
 *             directory synced) and of every journal change
 *             (hp_journal_fault_hook), for the hosts file, the policy
 *             cache, the CLI links and uninstall;
 *   errors    ENOSPC, EIO, EDQUOT, EROFS, EXDEV, EBUSY on write, fsync,
 *             rename (and the temp's creation) of the CLI `hostpriv
 *             privileged hosts`, at each occurrence in turn (strace
 *             inject=SYSCALL:error=E:when=N).
 * After each: every file is wholly old or wholly new, the journal reads,
 * a failure said what failed; running the flow again completes it to
 * exactly the tree an uninterrupted run makes, and uninstall then gives
 * back the original tree byte for byte (nothing lost, nothing left: no
 * temp, no lock file, no directory).
 * The helper killed mid-request is in test_hostprivd.c. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/actions.h"
#include "actions/hostapi.h"
#include "engine/ctx.h"
#include "helper/hclient.h"
#include "host/atomicfile.h"
#include "host/journal.h"
#include "testutil.h"
#include "helpers/tree.h"

#define HOSTS   "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
#define POLICY  "{\"allowedRegistries\": [\"docker.io\", \"*.corp.example\"]}"
#define JOURNAL "/var/lib/hostpriv/journal"
#define CACHE   "/var/lib/hostpriv/registry-access-management.json"

static char root[PATH_MAX];

enum flow { F_HOSTS, F_POLICY, F_LINKS, F_UNINSTALL, F__COUNT };
static const char *const flow_name[] = { "hosts", "policy", "cli-links",
                                         "uninstall" };

/* A Linux host: Debian's hosts file, the app's binaries, no hostpriv. */
static void host(void)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/var/lib", 0755, 0, 0);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/opt/app/bin", 0755, 0, 0);
    tu_mkdir(root, "/home/" HP_TEST_USER, 0755, uid, gid);
    tu_write(root, "/etc/hosts", HOSTS, strlen(HOSTS), 0644, 0, 0);
    const char *ini = "[host]\nuser = " HP_TEST_USER "\nplatform = linux\n"
                      "home = /home/" HP_TEST_USER "\nshell = /bin/sh\n"
                      "app_bin_dir = /opt/app/bin\n"
                      "cli_tools = docker kubectl\nkubernetes = true\n"
                      "[helper]\nservice = direct\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
    tu_write(root, "/opt/app/bin/docker", "#!/bin/sh\n", 10, 0755, 0, 0);
    tu_write(root, "/opt/app/bin/kubectl", "#!/bin/sh\n", 10, 0755, 0, 0);
}

/* A helper a failed run left (its supervisor ends with it: SIGTERM is a
 * clean exit), then the sandbox. */
static void teardown(void)
{
    if (!root[0])
        return;
    char *t = tu_read(root, "/var/run/com.docker.vmnetd.pid", NULL);
    pid_t pid = t ? (pid_t)atol(t) : -1;
    free(t);
    char exe[64], buf[PATH_MAX];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)pid);
    ssize_t n = pid > 1 ? readlink(exe, buf, sizeof buf - 1) : -1;
    if (n > 0 && (buf[n] = '\0', !strncmp(buf, root, strlen(root)))) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 300 && readlink(exe, buf, sizeof buf) > 0; i++)
            usleep(10000);
    }
    tu_sandbox_rm(root);
    root[0] = '\0';
}

/* One flow as `hostpriv privileged TASK` runs it. */
static int run_flow(int f, hp_err *e)
{
    static const int action[] = { HP_ACT_HOSTS_ENSURE, HP_ACT_POLICY_SET,
                                  HP_ACT_LINKS_SYSTEM, HP_ACT_UNINSTALL };
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    int rc = hp_ctx_open(&c, &o, e);
    char path[PATH_MAX];
    if (rc == HP_OK)
        rc = hp_action_do(c, action[f], f == F_POLICY ? POLICY : NULL,
                          f == F_POLICY ? strlen(POLICY) : 0, path,
                          sizeof path, e);
    hp_ctx_close(c);
    return rc;
}

static void run_ok(int f)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(run_flow(f, &e) == HP_OK, "%s: %s", flow_name[f], e.msg);
}

/* The state a flow starts from: the host, and the flows before it (all
 * three for uninstall). */
static void start_of(int f)
{
    host();
    for (int g = 0; g < (f == F_UNINSTALL ? F_UNINSTALL : f); g++)
        run_ok(g);
}

static char *snap(void)
{
    return tree_snap(root);
}

/* ---- kill -9 at the Nth fault point ------------------------------------ */

static int fault_count, fault_at, fault_pipe = -1;

/* Where a flow was killed: which hook, which of its steps. */
typedef struct where { int journal, step; } where;

static void hit(int journal, int step)
{
    if (++fault_count != fault_at)
        return;
    where w = { journal, step };
    (void)!write(fault_pipe, &w, sizeof w);
    kill(0, SIGKILL);           /* the flow and any child it forked */
}

static void af_fault(int step) { hit(0, step); }
static void journal_fault(int step) { hit(1, step); }

/* Run flow f in a child killed at fault point n; 1 when it was killed
 * (*w: where), 0 when the flow ended first (it has fewer points). */
static int killed_at(int f, int n, where *w)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        setpgid(0, 0);
        fault_count = 0;
        fault_at = n;
        fault_pipe = p[1];
        hp_af_fault_hook = af_fault;
        hp_journal_fault_hook = journal_fault;
        hp_err e = HP_ERR_INIT;
        _exit(run_flow(f, &e) == HP_OK ? 0 : 3);
    }
    close(p[1]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    memset(w, 0, sizeof *w);
    int got = read(p[0], w, sizeof *w) == (ssize_t)sizeof *w;
    close(p[0]);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        ck_assert(got);
        return 1;
    }
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "%s with no kill at %d: status %d", flow_name[f], n, st);
    return 0;
}

/* File hpath is one of the two contents (NULL: absent). */
static void wholly(const char *hpath, const char *a, const char *b, int f,
                   int n)
{
    size_t len;
    char *t = tu_read(root, hpath, &len);
    int is_a = a ? t && len == strlen(a) && !memcmp(t, a, len) : !t;
    int is_b = b ? t && len == strlen(b) && !memcmp(t, b, len) : !t;
    ck_assert_msg(is_a || is_b, "%s killed at %d: %s is neither old nor new:"
                  "\n%s", flow_name[f], n, hpath, t ? t : "(absent)");
    free(t);
}

static char *content(const char *hpath)
{
    return tu_read(root, hpath, NULL);
}

static void journal_reads(int f, int n)
{
    hp_open_opts o = { .role = HP_ROLE_INSTALLER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_ctx_open(&c, &o, &e), HP_OK);
    hp_journal *j = NULL;
    int rc = hp_journal_open(c->rootfd, JOURNAL, &j, &e);
    ck_assert_msg(rc == HP_OK, "%s killed at %d: the journal does not read: "
                  "%s", flow_name[f], n, e.msg);
    hp_journal_close(j);
    hp_ctx_close(c);
}

/* Killed while the journal made its own directory and had not yet
 * written its first entry there, or had removed its emptied file and not
 * yet its directory (journal.h): the directory stays, empty but for the
 * lock file, and nothing records it any more.  Seen right after the
 * kill as the directory without the journal.  That residue, and only it,
 * is taken out of the snapshots; and as the journal run again then lacks
 * its JDIR line, its content is not compared. */
static int exists(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return lstat(p, &st) == 0;
}

static int orphaned_dir(void)
{
    return exists("/var/lib/hostpriv") && !exists(JOURNAL);
}

static char what[128];      /* the fault, for messages */

static void forget_line(char *t, const char *prefix, int must)
{
    char *at = strstr(t, prefix);
    ck_assert_msg(at != NULL || !must, "%s: no %s in:\n%s", what, prefix, t);
    if (!at)
        return;
    char *nl = strchr(at, '\n');
    memmove(at, nl + 1, strlen(nl + 1) + 1);
}

static void forget_residue(char *t)
{
    forget_line(t, "/var/lib/hostpriv/.hostpriv.lock 0100600 0:0 0 ", 0);
    forget_line(t, "/var/lib/hostpriv 0040755 0:0 0 \n", 1);
}

/* The tree is want.  The journal's own content is compared only at the
 * end (uninstall leaves none): run again after a kill it may lack a JDIR
 * line (above) or, killed between the hosts edit and its record, the
 * record (actions.c: the entry then stands for hostpriv's whole block). */
static void assert_tree(const char *want, int orphan, int f, int n,
                        const where *w, const char *when)
{
    char *now = snap(), *exp = strdup(want);
    if (strstr(exp, "/var/lib/hostpriv/journal ")) {
        forget_line(now, "/var/lib/hostpriv/journal ", 1);
        forget_line(exp, "/var/lib/hostpriv/journal ", 1);
    } else if (orphan) {
        forget_residue(now);
    }
    ck_assert_msg(!strcmp(now, exp), "%s killed at %d (%s step %d), %s:\n%s"
                  "\nwanted:\n%s", flow_name[f], n,
                  w->journal ? "journal" : "rewrite", w->step, when, now, exp);
    free(now);
    free(exp);
}

static void kill_each_step(int f)
{
    /* the references: the tree before, after, and after uninstall */
    start_of(f);
    char *before = snap(), *hosts0 = content("/etc/hosts"),
         *cache0 = content(CACHE);
    run_ok(f);
    char *after = snap(), *hosts1 = content("/etc/hosts"),
         *cache1 = content(CACHE);
    teardown();
    host();
    char *pristine = snap();
    teardown();
    int n, orphans = 0;
    for (n = 1; n < 400; n++) {
        start_of(f);
        char *now = snap();
        ck_assert_str_eq(now, before);
        free(now);
        where w;
        if (!killed_at(f, n, &w)) {
            teardown();
            break;
        }
        wholly("/etc/hosts", hosts0, hosts1, f, n);
        wholly(CACHE, cache0, cache1, f, n);
        journal_reads(f, n);
        int orphan = orphaned_dir();
        if (orphan)
            orphans++;
        /* run again: done, exactly as an uninterrupted run leaves it */
        run_ok(f);
        assert_tree(after, orphan, f, n, &w, "run again");
        /* and uninstall gives the host back */
        if (f != F_UNINSTALL)
            run_ok(F_UNINSTALL);
        assert_tree(pristine, orphan, f, n, &w, "then uninstalled");
        teardown();
    }
    ck_assert_msg(n > 5 && n < 400, "%s: %d fault points", flow_name[f],
                  n - 1);
    fprintf(stderr, "kill -9 at each of the %d fault points of %s: ok (%d "
            "left the journal's own directory unrecorded)\n", n - 1,
            flow_name[f], orphans);
    free(before);
    free(after);
    free(pristine);
    free(hosts0);
    free(hosts1);
    free(cache0);
    free(cache1);
}

START_TEST(kill9_each_step_of_each_flow)
{
    kill_each_step(_i);
}
END_TEST

/* ---- storage errors at each occurrence (strace inject) ------------------ */

/* Each system call the hosts task makes to change a file, failing in
 * turn with the errors storage gives: the Nth call of the set fails, N =
 * 1, 2, ... until a run sees no injection.  openat covers the temp's
 * creation (and every read before it: a configuration or plugin that
 * cannot be opened must fail as cleanly). */
static const struct {
    const char *calls;
    const char *errs[6];
} storage[] = {
    { "write,pwrite64", { "ENOSPC", "EIO", "EDQUOT", NULL } },
    { "fsync,fdatasync", { "EIO", "ENOSPC", NULL } },
    { "rename,renameat,renameat2", { "EROFS", "EIO", "ENOSPC", "EXDEV",
                                     "EBUSY", NULL } },
    { "mkdir,mkdirat", { "EROFS", "ENOSPC", NULL } },
    { "openat", { "EROFS", NULL } },
};

static const char *errtext(const char *name)
{
    static const struct { const char *n; int e; } t[] = {
        { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT },
        { "EROFS", EROFS }, { "EXDEV", EXDEV }, { "EBUSY", EBUSY } };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].n, name))
            return strerror(t[i].e);
    return "?";
}

/* `hostpriv privileged hosts` under strace, the Nth of calls failing
 * with err; its exit status, stderr in *err_out, *hit whether the
 * injection happened. */
static int cli_injected(const char *calls, const char *err, int n,
                        int *hit, char **err_out)
{
    char bin[PATH_MAX], trace[PATH_MAX + 8], tr[128], inj[160];
    tu_build("bin/hostpriv", bin, sizeof bin);
    snprintf(trace, sizeof trace, "%s.trace", root);
    snprintf(tr, sizeof tr, "trace=%s", calls);
    snprintf(inj, sizeof inj, "inject=%s:error=%s:when=%d", calls, err, n);
    const char *argv[] = { "/usr/bin/strace", "-f", "-qq", "-o", trace, "-e",
                           tr, "-e", inj, bin, "--root", root, "privileged",
                           "hosts", NULL };
    int rc = tu_run((uid_t)-1, 0, argv, NULL, NULL, err_out);
    char *t = tu_read("", trace, NULL);
    *hit = t && strstr(t, "(INJECTED)");
    free(t);
    unlink(trace);
    return rc;
}

START_TEST(storage_faults_each_occurrence)
{
    ck_assert_msg(access("/usr/bin/strace", X_OK) == 0, "strace missing");
    /* make asan: LeakSanitizer stops the world with ptrace, which a
     * process strace traces cannot; it would fail every run at its exit */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    host();
    char *pristine = snap(), *hosts0 = content("/etc/hosts");
    run_ok(F_HOSTS);
    char *after = snap(), *hosts1 = content("/etc/hosts");
    teardown();
    int runs = 0, failed_runs = 0;
    for (size_t i = 0; i < sizeof storage / sizeof *storage; i++)
        for (const char *const *err = storage[i].errs; *err; err++)
            for (int n = 1; n < 200; n++) {
                host();
                snprintf(what, sizeof what, "%s %s #%d", storage[i].calls,
                         *err, n);
                char *msg = NULL;
                int hit, rc = cli_injected(storage[i].calls, *err, n, &hit,
                                           &msg);
                where w = { 0, 0 };
                if (!hit) {
                    ck_assert_msg(rc == 0, "no fault, exit %d: %s", rc, msg);
                    free(msg);
                    teardown();
                    break;
                }
                runs++;
                failed_runs += rc != 0;
                /* a failure says so, with the cause (an open may be the
                 * C library's own, of /etc/passwd, which reports only
                 * "not found": then a message is all there is) */
                int is_open = !strcmp(storage[i].calls, "openat");
                ck_assert_msg(rc == 0 || (msg && strlen(msg) > 20 &&
                              (is_open || strstr(msg, errtext(*err)))),
                              "%s: exit %d without the cause: %s", what, rc,
                              msg);
                free(msg);
                wholly("/etc/hosts", hosts0, hosts1, F_HOSTS, n);
                journal_reads(F_HOSTS, n);
                int orphan = orphaned_dir();
                run_ok(F_HOSTS);
                assert_tree(after, orphan, F_HOSTS, n, &w, "run again");
                run_ok(F_UNINSTALL);
                assert_tree(pristine, orphan, F_HOSTS, n, &w,
                            "then uninstalled");
                teardown();
            }
    ck_assert_int_gt(runs, 50);
    fprintf(stderr, "storage errors at each write, fsync, rename, mkdir and "
            "open of the hosts task: %d runs (%d failed cleanly, the rest "
            "recovered), each file whole\n", runs, failed_runs);
    free(pristine);
    free(after);
    free(hosts0);
    free(hosts1);
}
END_TEST

/* ---- the helper killed mid-request ---------------------------------------- */

#define HELPER_PIDFILE "/var/run/com.docker.vmnetd.pid"

/* The permanent helper (legacy-vmnetd) installed by `hostpriv privileged
 * helper-install` with the direct backend, which plays launchd/systemd
 * (KeepAlive / Restart=always). */
static void helper_host(void)
{
    host();
    const char *ini = "[core]\nplugin = legacy-vmnetd\n"
                      "[host]\nuser = " HP_TEST_USER "\nplatform = linux\n"
                      "home = /home/" HP_TEST_USER "\nshell = /bin/sh\n"
                      "kubernetes = true\n[helper]\nservice = direct\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0,
             0);
}

static int cli_root(const char *task, char **err)
{
    char bin[PATH_MAX];
    tu_build("bin/hostpriv", bin, sizeof bin);
    const char *argv[] = { bin, "--root", root, "privileged", task, NULL };
    return tu_run((uid_t)-1, 0, argv, NULL, NULL, err);
}

static pid_t helper_pid(void)
{
    char *t = tu_read(root, HELPER_PIDFILE, NULL);
    pid_t pid = t ? (pid_t)atol(t) : -1;
    free(t);
    return pid;
}

/* A request as the test user through the client library: its code, the
 * message in msg. */
static char *shared_msg;

static int user_request(void *arg)
{
    hp_open_opts o = { .role = HP_ROLE_USER, .root = root,
                       .no_user_layer = 1, .no_plugin = 1 };
    hp_ctx *c = NULL;
    hp_err e = HP_ERR_INIT;
    int rc = hp_ctx_open(&c, &o, &e);
    if (rc == HP_OK)
        rc = hp_helper_call(c, arg, NULL, 0, NULL, 0, NULL, &e);
    snprintf(shared_msg, 1024, "%s", e.msg);
    hp_ctx_close(c);
    return rc;
}

static int served(void)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    return tu_as(uid, gid, user_request, "ping") == HP_OK;
}

static int traced(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    char *t = tu_read("", p, NULL);
    const char *tp = t ? strstr(t, "TracerPid:") : NULL;
    int r = tp && atol(tp + 10) != 0;
    free(t);
    return r;
}

/* strace attached to the running helper, killing it at the Nth call. */
static pid_t strace_kill_at(pid_t helper, const char *call, int n,
                            const char *trace)
{
    char p[32], tr[64], inj[96];
    snprintf(p, sizeof p, "%d", (int)helper);
    snprintf(tr, sizeof tr, "trace=%s", call);
    snprintf(inj, sizeof inj, "inject=%s:signal=SIGKILL:when=%d", call, n);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 2);
        execl("/usr/bin/strace", "strace", "-qq", "-o", trace, "-e", tr, "-e",
              inj, "-p", p, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && !traced(helper); i++)
        usleep(10000);
    ck_assert_msg(traced(helper), "strace did not attach to %d", (int)helper);
    return pid;
}

START_TEST(helper_killed_mid_request)
{
    ck_assert_msg(access("/usr/bin/strace", X_OK) == 0, "strace missing");
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);     /* as above */
    shared_msg = mmap(NULL, 1024, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(shared_msg != MAP_FAILED);
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    helper_host();
    char *pristine = snap(), *hosts0 = content("/etc/hosts"), *err = NULL;
    teardown();
    const char *calls[] = { "renameat", "fsync", NULL };
    int kills = 0;
    for (const char *const *call = calls; *call; call++)
        for (int n = 1; n < 50; n++) {
            helper_host();
            snprintf(what, sizeof what, "helper killed at %s #%d", *call, n);
            ck_assert_msg(cli_root("helper-install", &err) == 0, "%s", err);
            free(err);
            ck_assert(served());
            pid_t first = helper_pid();
            char trace[PATH_MAX + 8];
            snprintf(trace, sizeof trace, "%s.trace", root);
            pid_t st = strace_kill_at(first, *call, n, trace);
            int rc = tu_as(uid, gid, user_request, "hosts_ensure");
            /* killed: the helper is gone (its supervisor reaps it) */
            int hit = 0;
            for (int i = 0; i < 200 && !hit; i++) {
                char pp[64];
                snprintf(pp, sizeof pp, "/proc/%d/exe", (int)first);
                char buf[PATH_MAX];
                hit = readlink(pp, buf, sizeof buf) < 0;
                if (!hit && rc == HP_OK)
                    break;          /* served, and still there */
                if (!hit)
                    usleep(10000);
            }
            int status;
            kill(st, SIGTERM);      /* it detaches, if it is still there */
            waitpid(st, &status, 0);
            unlink(trace);
            if (!hit) {
                ck_assert_msg(rc == HP_OK, "%s: no kill, yet %d: %s", what,
                              rc, shared_msg);
                ck_assert_msg(cli_root("uninstall", &err) == 0, "%s", err);
                free(err);
                teardown();
                break;
            }
            kills++;
            /* the client is told, clearly */
            ck_assert_msg(rc != HP_OK && strstr(shared_msg, "helper") &&
                          strstr(shared_msg, "before replying"),
                          "%s: %d: %s", what, rc, shared_msg);
            /* every file whole, the journal readable */
            char *now = content("/etc/hosts");
            ck_assert_msg(!strcmp(now, hosts0) ||
                          strstr(now, "kubernetes.docker.internal"),
                          "%s: /etc/hosts torn:\n%s", what, now);
            free(now);
            journal_reads(F_HOSTS, n);
            /* the permanent helper comes back, as another process */
            int back = 0;
            for (int i = 0; i < 500 && !back; i++) {
                back = helper_pid() > 0 && helper_pid() != first && served();
                if (!back)
                    usleep(10000);
            }
            ck_assert_msg(back, "%s: the helper did not come back", what);
            /* the request again: done; uninstall: the host as it was */
            ck_assert_msg(tu_as(uid, gid, user_request, "hosts_ensure") ==
                          HP_OK, "%s: again: %s", what, shared_msg);
            ck_assert_msg(cli_root("uninstall", &err) == 0, "%s", err);
            free(err);
            ck_assert(!served());
            char *after = snap();
            if (strcmp(after, pristine))
                forget_residue(after);
            ck_assert_msg(!strcmp(after, pristine), "%s, uninstalled:\n%s\n"
                          "wanted:\n%s", what, after, pristine);
            free(after);
            teardown();
        }
    ck_assert_int_ge(kills, 4);
    fprintf(stderr, "the helper killed at each rename and fsync of a hosts "
            "request: %d kills, each answered with an error, each file "
            "whole, the helper back each time\n", kills);
    free(pristine);
    free(hosts0);
    munmap(shared_msg, 1024);
}
END_TEST

Suite *make_faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *t = tcase_create("kill9");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, kill9_each_step_of_each_flow, 0, F__COUNT);
    suite_add_tcase(s, t);
    t = tcase_create("storage");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_set_timeout(t, 300);
    tcase_add_test(t, storage_faults_each_occurrence);
    suite_add_tcase(s, t);
    t = tcase_create("helper");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_set_timeout(t, 300);
    tcase_add_test(t, helper_killed_mid_request);
    suite_add_tcase(s, t);
    return s;
}
