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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/actions.h"
#include "actions/hostapi.h"
#include "engine/ctx.h"
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

static void teardown(void)
{
    if (root[0])
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

static void forget_line(char *t, const char *prefix, int must)
{
    char *at = strstr(t, prefix);
    ck_assert_msg(at != NULL || !must, "no %s in:\n%s", prefix, t);
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

Suite *make_faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *t = tcase_create("kill9");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, kill9_each_step_of_each_flow, 0, F__COUNT);
    suite_add_tcase(s, t);
    return s;
}
