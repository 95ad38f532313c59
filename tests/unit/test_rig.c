/* hostpriv-rig as a program: it can fail (a wrong expectation gives exit 1,
 * `0 passed, 1 failed` and an expected-vs-actual report), it can pass, it
 * rejects a malformed scenario by file:line, it kills a step at its timeout,
 * it refuses to run unprivileged, and it leaves nothing behind: no sudoers
 * rule, no stage, no sandbox, also when it is interrupted. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
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
static int rig(const char *const *args, char **out, pid_t *pidp)
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

static void write_scenario(const char *name, const char *text, char *path,
                           size_t n)
{
    snprintf(path, n, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int count_sandboxes(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        n += !strncmp(de->d_name, "hpr.", 4) ||
             !strncmp(de->d_name, "hp-rig-stage.", 13);
    if (d)
        closedir(d);
    return n;
}

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
    int before = count_sandboxes();
    pid_t pid;
    const char *args[] = { "run", "--verbose",
                           src("tests/scenarios/rig-selftest/"
                               "helper-start-stop.ini", f, sizeof f), NULL };
    int rc = rig(args, &out, &pid);
    ck_assert_msg(rc == 0, "rc %d, output:\n%s", rc, out);
    const char *s = strstr(out, "# stage ");
    ck_assert_ptr_nonnull(s);
    sscanf(s, "# stage %4095s", stage);
    ck_assert_msg(!strncmp(stage, "/tmp/hp-rig-stage.", 18), "%s", stage);
    ck_assert_msg(!exists(stage), "stage %s left behind", stage);
    snprintf(sudoers, sizeof sudoers, "/etc/sudoers.d/hostpriv-rig-%ld",
             (long)pid);
    ck_assert_ptr_nonnull(strstr(out, sudoers));
    ck_assert_msg(!exists(sudoers), "%s left behind", sudoers);
    ck_assert_int_eq(count_sandboxes(), before);
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

/* SIGTERM in the middle of a step: exit 128+15, and the sudoers rule,
 * the stage and the sandbox are gone, the step's process too. */
START_TEST(interrupted_run_cleans_up)
{
    char f[PATH_MAX], bin[PATH_MAX], sudoers[PATH_MAX];
    write_scenario("hang.ini", "[scenario]\nname = hang\n\n[step.1]\n"
                   "run = sh 'echo $$ > \"$ROOT/../started\"; "
                   "exec sleep 600'\nas = root\n", f, sizeof f);
    int before = count_sandboxes();
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(bin, bin, "run", f, (char *)NULL);
        _exit(127);
    }
    snprintf(sudoers, sizeof sudoers, "/etc/sudoers.d/hostpriv-rig-%ld",
             (long)pid);
    /* wait until the step runs: its sandbox has the marker file */
    int started = 0;
    long step = 0;
    for (int i = 0; i < 1000 && !started; i++) {
        DIR *d = opendir("/tmp");
        struct dirent *de;
        while (d && (de = readdir(d)) && !started) {
            char m[PATH_MAX];
            snprintf(m, sizeof m, "/tmp/%s/started", de->d_name);
            FILE *mf = strncmp(de->d_name, "hpr.", 4) ? NULL : fopen(m, "r");
            started = mf && fscanf(mf, "%ld", &step) == 1;
            if (mf)
                fclose(mf);
        }
        if (d)
            closedir(d);
        usleep(10000);
    }
    ck_assert_msg(started, "the step never started");
    ck_assert(exists(sudoers));
    kill(pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM,
                  "status %d", st);
    ck_assert_msg(!exists(sudoers), "%s left behind", sudoers);
    ck_assert_int_eq(count_sandboxes(), before);
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
    suite_add_tcase(s, tc);
    return s;
}
