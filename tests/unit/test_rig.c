/* hostpriv-rig as a program: it can fail (a wrong expectation gives exit 1,
 * `0 passed, 1 failed` and an expected-vs-actual report), it can pass, it
 * rejects a malformed scenario by file:line, it kills a step at its timeout,
 * it refuses to run unprivileged, and it leaves nothing behind: no sudoers
 * rule, no stage, no sandbox, also when it is interrupted.  Its rule names a
 * path no other user can create, pinned by digest; one a SIGKILL left is
 * swept by the next run. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static char tmp[PATH_MAX];

static void setup(void)
{
    tu_sandbox(tmp, sizeof tmp);
}

static void teardown(void)
{
    tu_sandbox_rm(tmp);
}

static const char *src(const char *rel, char *out, size_t n)
{
    const char *s = getenv("HP_SRC");
    snprintf(out, n, "%s/%s", s ? s : ".", rel);
    return out;
}

/* Run the rig with args; stdout+stderr captured; *pid receives its pid. */
static int rig_in(const char *const *args, char **out, pid_t *pidp,
                  void (*before_exec)(void))
{
    char bin[PATH_MAX];
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    const char *argv[16] = { bin };
    size_t n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        if (before_exec)
            before_exec();
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    if (pidp)
        *pidp = pid;
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    while ((r = read(p[0], buf + len, cap - len)) > 0 ||
           (r < 0 && errno == EINTR)) {
        if (r < 0)
            continue;
        len += (size_t)r;
        if (len == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    buf[len] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int rig(const char *const *args, char **out, pid_t *pidp)
{
    return rig_in(args, out, pidp, NULL);
}

static void write_scenario(const char *name, const char *text, char *path,
                           size_t n)
{
    snprintf(path, n, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

#define STAGES "/var/lib/hostpriv-rig"

/* The rig may run beside other rigs (another checkout's tests): a test
 * follows its own run's sandbox, which its scenario writes down, never a
 * count of everyone's. */
static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

START_TEST(wrong_expectation_fails_with_a_diff)
{
    char f[PATH_MAX], *out;
    const char *args[] = { "run", src("tests/rig-failing/wrong-expectation.ini",
                                      f, sizeof f), NULL };
    int rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 1, "rc %d, output:\n%s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "FAIL "));
    /* the closing line, exactly */
    ck_assert_msg(strstr(out, "\n0 passed, 1 failed\n") != NULL, "%s", out);
    /* exit code: expected against actual */
    ck_assert_ptr_nonnull(strstr(out, "expected: exit 0"));
    ck_assert_ptr_nonnull(strstr(out, "actual:   exit 3"));
    /* output: what was wanted, what came */
    ck_assert_ptr_nonnull(strstr(out, "expected stdout to contain: \"goodbye\""));
    ck_assert_ptr_nonnull(strstr(out, "| hello"));
    /* file contents: a diff, - expected + actual, context kept */
    ck_assert_msg(strstr(out, "--- expected\n") && strstr(out, "+++ actual\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "       one\n      -deux\n      +two\n"
                              "       three\n") != NULL, "%s", out);
    /* events: the list actually seen */
    ck_assert_ptr_nonnull(strstr(out, "events seen in this step:"));
    ck_assert_ptr_nonnull(strstr(out, "prompt    task=hosts path=/etc/hosts"));
    free(out);
}
END_TEST

START_TEST(selftest_scenario_passes)
{
    char f[PATH_MAX], *out;
    const char *args[] = { "run", src("tests/scenarios/rig-selftest/"
                                      "user-writes-writable-dir.ini", f,
                                      sizeof f), NULL };
    int rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 0, "rc %d, output:\n%s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "ok   "));
    ck_assert_msg(strstr(out, "\n1 passed, 0 failed\n") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(leaves_nothing_behind)
{
    char f[PATH_MAX], *out, stage[PATH_MAX] = "", sudoers[PATH_MAX];
    char text[2 * PATH_MAX];
    /* a helper running when the scenario ends, and where its sandbox was */
    snprintf(text, sizeof text, "[scenario]\nversion = 4.14.0\n\n[step.1]\n"
             "run = helper start\n\n[step.2]\nas = root\nrun = sh 'echo "
             "\"$ROOT\" > %s/root'\nexpect.helper = running\n", tmp);
    write_scenario("helper.ini", text, f, sizeof f);
    pid_t pid;
    const char *args[] = { "run", "--verbose", f, NULL };
    int rc = rig(args, &out, &pid);
    ck_assert_msg(rc == 0, "rc %d, output:\n%s", rc, out);
    const char *s = strstr(out, "# stage ");
    ck_assert_ptr_nonnull(s);
    sscanf(s, "# stage %4095s", stage);
    ck_assert_msg(!strncmp(stage, STAGES "/run-", strlen(STAGES) + 5), "%s",
                  stage);
    ck_assert_msg(!exists(stage), "stage %s left behind", stage);
    snprintf(sudoers, sizeof sudoers, "/etc/sudoers.d/hostpriv-rig-%ld",
             (long)pid);
    ck_assert_ptr_nonnull(strstr(out, sudoers));
    ck_assert_msg(!exists(sudoers), "%s left behind", sudoers);
    char *root = tu_read(tmp, "/root", NULL);
    ck_assert_ptr_nonnull(root);
    root[strcspn(root, "\n")] = '\0';
    ck_assert_msg(!strncmp(root, "/tmp/hpr.", 9), "%s", root);
    ck_assert_msg(!exists(root), "sandbox %s left behind", root);
    free(root);
    free(out);
}
END_TEST

START_TEST(malformed_scenario_names_file_and_line)
{
    char f[PATH_MAX], *out;
    write_scenario("typo.ini", "[scenario]\nname = typo\n\n[step.1]\n"
                   "run = hostpriv plugins\nexpect.stdot = contains x\n",
                   f, sizeof f);
    const char *args[] = { "run", f, NULL };
    int rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 1, "rc %d, output:\n%s", rc, out);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:6: unknown expectation 'stdot'", f);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\n0 passed, 1 failed\n"));
    free(out);
}
END_TEST

/* The rig acts as root: a link in the sandbox pointing outside must never
 * lead it there, neither to remove nor to read. */
START_TEST(never_follows_a_link_out_of_the_sandbox)
{
    char f[PATH_MAX], *out;
    tu_write(tmp, "/victim", "keep me\n", 8, 0644, 0, 0);
    char text[2 * PATH_MAX];
    snprintf(text, sizeof text, "[host]\nlink = /opt/esc -> %s\n\n"
             "[step.1]\nexpect.file = /opt/esc/victim\n\n"
             "[step.2]\nhost.remove = /opt/esc/victim\n", tmp);
    write_scenario("escape.ini", text, f, sizeof f);
    const char *args[] = { "run", f, NULL };
    int rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 1, "rc %d, output:\n%s", rc, out);
    /* the read did not go through the link */
    ck_assert_msg(strstr(out, "nothing there (a directory on the way is "
                              "missing or a link)") != NULL, "%s", out);
    /* and the file outside is untouched */
    size_t len;
    char *data = tu_read(tmp, "/victim", &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_str_eq(data, "keep me\n");
    free(data);
    free(out);

    /* step 2 alone: the removal refuses the link on the way */
    snprintf(text, sizeof text, "[host]\nlink = /opt/esc -> %s\n\n"
             "[step.1]\nhost.remove = /opt/esc/victim\n", tmp);
    write_scenario("escape2.ini", text, f, sizeof f);
    args[1] = f;
    rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 1, "rc %d, output:\n%s", rc, out);
    ck_assert_msg(strstr(out, "cannot remove /opt/esc/victim") != NULL, "%s",
                  out);
    data = tu_read(tmp, "/victim", &len);
    ck_assert_ptr_nonnull(data);
    free(data);
    free(out);
}
END_TEST

START_TEST(step_timeout_kills_and_fails)
{
    char f[PATH_MAX], *out;
    write_scenario("slow.ini", "[scenario]\nname = slow\n\n[step.1]\n"
                   "run = sh 'sleep 60'\ntimeout = 1\n", f, sizeof f);
    const char *args[] = { "run", f, NULL };
    int rc = rig(args, &out, NULL);
    ck_assert_msg(rc == 1, "rc %d, output:\n%s", rc, out);
    ck_assert_msg(strstr(out, "timed out after 1 s") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(refuses_to_run_unprivileged)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    /* the test user may not reach the build tree: copy the rig */
    char bin[PATH_MAX], copy[PATH_MAX];
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    snprintf(copy, sizeof copy, "%s/hostpriv-rig", tmp);
    const char *cp[] = { "/bin/cp", bin, copy, NULL };
    ck_assert_int_eq(tu_run((uid_t)-1, 0, cp, NULL, NULL, NULL), 0);
    const char *argv[] = { copy, "run", tmp, NULL };
    char *out = NULL, *err = NULL;
    int rc = tu_run(uid, gid, argv, NULL, &out, &err);
    ck_assert_msg(rc == 77, "rc %d: %s%s", rc, out, err);
    ck_assert_ptr_nonnull(strstr(err, "must run as root"));
    ck_assert_str_eq(out, "");
    free(out);
    free(err);
}
END_TEST

/* Wait (10 s at most) for the marker the hanging scenario writes in tmp:
 * "STEP-PID SCENARIO-PID ROOT". */
static void await_marker(long *step, long *scen, char root[PATH_MAX])
{
    for (int i = 0; i < 1000; i++) {
        char *m = tu_read(tmp, "/started", NULL);
        int ok = m && strchr(m, '\n') &&
                 sscanf(m, "%ld %ld %4095s", step, scen, root) == 3;
        free(m);
        if (ok)
            return;
        usleep(10000);
    }
    ck_abort_msg("the step never started");
}

/* Start the rig on a step that hangs; returns its pid once the step runs,
 * with the step's pid, its parent (the scenario's process) and its host
 * root. */
static pid_t hanging_rig(long *step, long *scen, char root[PATH_MAX])
{
    char f[PATH_MAX], bin[PATH_MAX], text[2 * PATH_MAX];
    snprintf(text, sizeof text, "[scenario]\nname = hang\n\n[step.1]\n"
             "run = sh 'echo $$ $PPID \"$ROOT\" > %s/started; "
             "exec sleep 600'\nas = root\n", tmp);
    write_scenario("hang.ini", text, f, sizeof f);
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(bin, bin, "run", f, (char *)NULL);
        _exit(127);
    }
    await_marker(step, scen, root);
    return pid;
}

/* SIGTERM in the middle of a step: exit 128+15, and the sudoers rule,
 * the stage and the sandbox are gone, the step's process too. */
START_TEST(interrupted_run_cleans_up)
{
    char sudoers[PATH_MAX], root[PATH_MAX];
    long step = 0, scen = 0;
    pid_t pid = hanging_rig(&step, &scen, root);
    snprintf(sudoers, sizeof sudoers, "/etc/sudoers.d/hostpriv-rig-%ld",
             (long)pid);
    ck_assert(exists(sudoers));
    ck_assert(exists(root));
    kill(pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM,
                  "status %d", st);
    ck_assert_msg(!exists(sudoers), "%s left behind", sudoers);
    ck_assert_msg(!exists(root), "sandbox %s left behind", root);
    /* the step (sleep, in its own process group) was killed too */
    int gone = 0;
    for (int i = 0; i < 300 && !gone; i++) {
        char stat[64], buf[256] = "";
        snprintf(stat, sizeof stat, "/proc/%ld/stat", step);
        FILE *sf = fopen(stat, "r");
        char *rp = sf && fgets(buf, sizeof buf, sf) ? strrchr(buf, ')') : NULL;
        gone = !sf || (rp && rp[2] == 'Z');
        if (sf)
            fclose(sf);
        if (!gone)
            usleep(10000);
    }
    ck_assert_msg(gone, "step process %ld survived", step);
}
END_TEST

/* The command a rule file names: the path after NOPASSWD: (and after its
 * sha256:HEX, which *digest tells). */
static void rule_command(const char *file, char *path, size_t n, int *digest)
{
    char *text = tu_read("", file, NULL);
    ck_assert_msg(text != NULL, "%s missing", file);
    const char *p = strstr(text, "NOPASSWD:");
    ck_assert_ptr_nonnull(p);
    p += 9 + strspn(p + 9, " ");
    *digest = !strncmp(p, "sha256:", 7) && strspn(p + 7, "0123456789abcdef")
                                               == 64;
    if (*digest)
        p += 7 + 64 + 1;
    snprintf(path, n, "%.*s", (int)strcspn(p, " \n"), p);
    free(text);
}

/* Every component root-owned, writable by root alone, no link: no other
 * user could create this path, whatever happens to it later. */
static void assert_root_only(const char *path)
{
    char pre[PATH_MAX];
    ck_assert_msg(path[0] == '/', "%s", path);
    for (size_t i = 1; i <= strlen(path); i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        snprintf(pre, sizeof pre, "%.*s", (int)i, path);
        struct stat st;
        ck_assert_msg(lstat(pre, &st) == 0, "%s: %s", pre, strerror(errno));
        ck_assert_msg(!S_ISLNK(st.st_mode) && st.st_uid == 0 &&
                      !(st.st_mode & 022), "the rule names %s, but %s is "
                      "uid %d mode %o: another user could create it", path,
                      pre, (int)st.st_uid, (unsigned)st.st_mode);
    }
}

/* as the test user: sudo -n BIN privileged nope; returns the exit status */
static int sudo_as_user(const char *bin, char **out, char **err)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    const char *argv[] = { "/usr/bin/sudo", "-n", bin, "privileged", "nope",
                           NULL };
    return tu_run(uid, gid, argv, NULL, out, err);
}

/* kill -9 of the rig mid-run: its rule stays (nothing can run on
 * SIGKILL), but it names a path no other user can create, pinned by
 * digest so a replaced file is refused, and the next run sweeps it. */
START_TEST(killed_run_rule_is_safe_and_swept)
{
    char rule[PATH_MAX], cmd[PATH_MAX], stage[PATH_MAX], sandbox[PATH_MAX];
    long step = 0, scen = 0;
    int digest;
    pid_t pid = hanging_rig(&step, &scen, sandbox);
    *strrchr(sandbox, '/') = '\0';           /* the root's directory */
    snprintf(rule, sizeof rule, "/etc/sudoers.d/hostpriv-rig-%ld", (long)pid);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    kill((pid_t)scen, SIGKILL);          /* what the rig had running */
    kill(-(pid_t)step, SIGKILL);
    const char *rm[] = { "/bin/rm", "-rf", "--one-file-system", sandbox, NULL };
    tu_run((uid_t)-1, (gid_t)-1, rm, NULL, NULL, NULL);
    ck_assert_msg(exists(rule), "SIGKILL cannot have removed %s", rule);

    rule_command(rule, cmd, sizeof cmd, &digest);
    ck_assert_msg(digest, "%s names %s without a sha256 digest", rule, cmd);
    assert_root_only(cmd);
    /* the rule works for the staged hostpriv: root, and an unknown task */
    char *out = NULL, *err = NULL;
    int rc = sudo_as_user(cmd, &out, &err);
    ck_assert_msg(rc == 64, "sudo -n %s privileged nope: %d %s", cmd, rc, err);
    free(out);
    free(err);

    /* another file at the named path: sudo refuses it (the digest) */
    ck_assert_int_eq(unlink(cmd), 0);
    const char *script = "#!/bin/sh\necho ran-as-$(id -u)\n";
    tu_write("", cmd, script, strlen(script), 0755, 0, 0);
    rc = sudo_as_user(cmd, &out, &err);
    ck_assert_msg(rc != 0 && !strstr(out, "ran-as") &&
                  strstr(err, "a password is required"),
                  "a replaced %s ran through the rule: %d %s%s", cmd, rc, out,
                  err);
    free(out);
    free(err);

    /* the next run sweeps the rule and that run's stage */
    snprintf(stage, sizeof stage, "%.*s", (int)(strlen(cmd) -
             strlen("/bin/hostpriv")), cmd);
    char f[PATH_MAX];
    const char *args[] = { "run", src("tests/scenarios/rig-selftest/"
                                      "user-writes-writable-dir.ini", f,
                                      sizeof f), NULL };
    pid_t second;
    rc = rig(args, &out, &second);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, out);
    char said[PATH_MAX + 64];
    snprintf(said, sizeof said, "removed the stale sudoers rule %s", rule);
    ck_assert_msg(strstr(out, said) != NULL, "%s", out);
    free(out);
    ck_assert_msg(!exists(rule), "%s left behind", rule);
    ck_assert_msg(!exists(stage), "stage %s left behind", stage);
    snprintf(rule, sizeof rule, "/etc/sudoers.d/hostpriv-rig-%ld",
             (long)second);
    ck_assert_msg(!exists(rule), "%s left behind", rule);
}
END_TEST

/* A stage a run killed while staging left (no rule names it; nobody
 * holds its lock) is removed by the next run; one kept with --keep is
 * not, nor one without the lock file yet that is not a minute old (a run
 * starting in another PID namespace). */
START_TEST(rule_less_stage_of_an_ended_run_is_swept)
{
    char dead[PATH_MAX], kept[PATH_MAX], fresh[PATH_MAX], f[PATH_MAX];
    char mark[PATH_MAX + 8], *out;
    struct stat st;
    if (stat(STAGES, &st) != 0)
        ck_assert_int_eq(mkdir(STAGES, 0755), 0);
    /* this test's pid runs no hostpriv-rig: as good as ended */
    snprintf(dead, sizeof dead, STAGES "/run-%ld.dead01", (long)getpid());
    snprintf(kept, sizeof kept, STAGES "/run-%ld.kept01", (long)getpid());
    snprintf(fresh, sizeof fresh, STAGES "/run-%ld.new001", (long)getpid());
    ck_assert_int_eq(mkdir(dead, 0755), 0);
    ck_assert_int_eq(mkdir(kept, 0755), 0);
    ck_assert_int_eq(mkdir(fresh, 0755), 0);
    tu_write(dead, "/.alive", "", 0, 0600, 0, 0);     /* lock let go */
    tu_write(kept, "/.alive", "", 0, 0600, 0, 0);
    snprintf(mark, sizeof mark, "%s/kept", kept);
    tu_write("", mark, "", 0, 0644, 0, 0);
    const char *args[] = { "run", src("tests/scenarios/rig-selftest/"
                                      "host-items.ini", f, sizeof f), NULL };
    int rc = rig(args, &out, NULL);
    int dead_left = exists(dead), kept_left = exists(kept);
    int fresh_left = exists(fresh);
    const char *rm[] = { "/bin/rm", "-rf", dead, kept, fresh, NULL };
    tu_run((uid_t)-1, (gid_t)-1, rm, NULL, NULL, NULL);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, out);
    ck_assert_msg(!dead_left, "%s left: %s", dead, out);
    ck_assert_msg(kept_left, "the kept stage %s was removed", kept);
    ck_assert_msg(fresh_left, "the starting stage %s was removed", fresh);
    char said[PATH_MAX + 64];
    snprintf(said, sizeof said, "removed the stage %s of a run that has "
             "ended", dead);
    ck_assert_msg(strstr(out, said) != NULL, "%s", out);
    free(out);
}
END_TEST

#define STAGES_OPEN_MODE "0775"

/* In the rig's process only: its own mount namespace, where the stage
 * root is a fresh tmpfs of mode 0775, so rigs running beside it (other
 * checkouts' tests) never see the real one change.  sudoers.d is an empty
 * tmpfs there too: the rig's sweep must not judge the rules of those rigs
 * by stages it cannot see. */
static void group_writable_stage_root(void)
{
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", STAGES, "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=" STAGES_OPEN_MODE) != 0 ||
        mount("tmpfs", "/etc/sudoers.d", "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0750") != 0) {
        dprintf(2, "test: private mounts: %s\n", strerror(errno));
        _exit(99);
    }
}

/* A stage directory another user could write in: the rig stops before
 * staging anything or writing a rule, and names the directory. */
START_TEST(refuses_a_stage_root_others_can_write)
{
    char f[PATH_MAX], *out;
    struct stat st;
    if (stat(STAGES, &st) != 0)
        ck_assert_int_eq(mkdir(STAGES, 0755), 0);
    const char *args[] = { "run", src("tests/scenarios/rig-selftest/"
                                      "plugins-listed.ini", f, sizeof f),
                           NULL };
    pid_t pid;
    int rc = rig_in(args, &out, &pid, group_writable_stage_root);
    char rule[PATH_MAX];
    snprintf(rule, sizeof rule, "/etc/sudoers.d/hostpriv-rig-%ld", (long)pid);
    ck_assert_msg(rc == 77, "rc %d: %s", rc, out);
    ck_assert_msg(strstr(out, STAGES " is writable by group or others") !=
                  NULL, "%s", out);
    ck_assert(!exists(rule));
    /* the real one was never touched */
    ck_assert_int_eq(stat(STAGES, &st), 0);
    ck_assert_msg((st.st_mode & 022) == 0, "%s is mode %o", STAGES,
                  (unsigned)st.st_mode);
    free(out);
}
END_TEST

Suite *make_rig_suite(void)
{
    Suite *s = suite_create("rig");
    TCase *tc = tcase_create("verdicts");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, wrong_expectation_fails_with_a_diff);
    tcase_add_test(tc, selftest_scenario_passes);
    tcase_add_test(tc, malformed_scenario_names_file_and_line);
    tcase_add_test(tc, step_timeout_kills_and_fails);
    tcase_add_test(tc, never_follows_a_link_out_of_the_sandbox);
    suite_add_tcase(s, tc);
    tc = tcase_create("hygiene");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, leaves_nothing_behind);
    tcase_add_test(tc, refuses_to_run_unprivileged);
    tcase_add_test(tc, interrupted_run_cleans_up);
    tcase_add_test(tc, killed_run_rule_is_safe_and_swept);
    tcase_add_test(tc, refuses_a_stage_root_others_can_write);
    tcase_add_test(tc, rule_less_stage_of_an_ended_run_is_swept);
    suite_add_tcase(s, tc);
    return s;
}
