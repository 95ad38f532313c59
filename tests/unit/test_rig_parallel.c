/* hostpriv-rig -j N: scenarios really run at the same time; the report
 * lists them in the sorted order whatever the timing, each with its time;
 * scenarios running side by side keep their own helper, port 80, home and
 * events while sharing the one stage, and one ending never stops what
 * another runs from that stage; a scenario's process killed outright
 * leaves no process behind (the rig, a child subreaper, stops its
 * orphans). */
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

#include "testutil.h"
#include "helpers/rigtest.h"

static char tmp[PATH_MAX], meet[PATH_MAX];

static void setup(void)
{
    uid_t uid;
    gid_t gid;
    tu_sandbox(tmp, sizeof tmp);
    tu_user(&uid, &gid);
    /* where the scenarios' steps (as the test user) leave marks */
    tu_mkdir(tmp, "/meet", 0755, uid, gid);
    snprintf(meet, sizeof meet, "%s/meet", tmp);
}

static void teardown(void)
{
    tu_sandbox_rm(tmp);
}

static const char *at(const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmp, rel);
    return out;
}

/* The text with every @ replaced by the meeting directory. */
static void scenario(const char *rel, const char *text)
{
    char buf[16384], *o = buf;
    for (const char *p = text; *p && o < buf + sizeof buf - PATH_MAX; p++)
        if (*p == '@')
            o += sprintf(o, "%s", meet);
        else
            *o++ = *p;
    *o = '\0';
    rt_file(tmp, rel, buf);
}

static int ends_with_time(const char *line, size_t l)
{
    /* " 1.23s" */
    size_t k = l;
    if (k < 6 || line[k - 1] != 's')
        return 0;
    k--;
    int digits = 0;
    while (k && line[k - 1] >= '0' && line[k - 1] <= '9')
        k--, digits++;
    if (digits != 2 || !k || line[--k] != '.')
        return 0;
    digits = 0;
    while (k && line[k - 1] >= '0' && line[k - 1] <= '9')
        k--, digits++;
    return digits > 0 && k && line[k - 1] == ' ';
}

START_TEST(report_is_sorted_whatever_the_timing)
{
    char dir[PATH_MAX], *out, *err;
    scenario("o/1-slow.ini", "[step.1]\nrun = sleep 1.5\n");
    scenario("o/2-mid.ini", "[step.1]\nrun = sleep 0.7\n");
    scenario("o/3-fast.ini", "[step.1]\nrun = sh true\n");
    int rc = rt_rig(&out, &err, "run", "-j", "3", at("o", dir, sizeof dir),
                    NULL);
    ck_assert_msg(rc == 0, "%d %s%s", rc, out, err);
    char *names = rt_names(out);
    ck_assert_str_eq(names, "1-slow.ini 2-mid.ini 3-fast.ini ");
    free(names);
    for (const char *p = out; *p; p += strcspn(p, "\n") + 1)
        if (!strncmp(p, "ok   ", 5))
            ck_assert_msg(ends_with_time(p, strcspn(p, "\n")), "no time at "
                          "the end: %.*s", (int)strcspn(p, "\n"), p);
    ck_assert_msg(strstr(out, "\n# 3 scenarios in ") &&
                  strstr(out, "s with -j 3 (") &&
                  strstr(out, "slowest: 1-slow.ini "), "%s", out);
    size_t l = strlen(out);
    ck_assert_msg(l > 20 && !strcmp(out + l - 20, "\n3 passed, 0 failed\n"),
                  "%s", out);
    free(out);
    free(err);
}
END_TEST

/* Three scenarios that each wait (20 s at most) until all three have
 * started: they pass only when the rig runs them at the same time. */
START_TEST(scenarios_run_at_the_same_time)
{
    char dir[PATH_MAX], *out, *err;
    static const char *const names[] = { "x", "y", "z" };
    for (int i = 0; i < 3; i++) {
        char rel[32], text[1024];
        snprintf(rel, sizeof rel, "w/%s.ini", names[i]);
        snprintf(text, sizeof text, "[scenario]\ntimeout = 60\n\n[step.1]\n"
                 "run = sh 'touch @/%s; i=0; until [ \"$(ls @ | wc -l)\" "
                 "-ge 3 ]; do i=$((i+1)); [ $i -lt 400 ] || exit 9; "
                 "sleep 0.05; done'\n", names[i]);
        scenario(rel, text);
    }
    int rc = rt_rig(&out, &err, "run", "-j", "3", at("w", dir, sizeof dir),
                    NULL);
    ck_assert_msg(rc == 0, "%d %s%s", rc, out, err);
    ck_assert_ptr_nonnull(strstr(out, "\n3 passed, 0 failed\n"));
    free(out);
    free(err);
}
END_TEST

/* a and b, side by side: each starts hostprivd from the shared stage,
 * binds 127.0.0.1:80 through it and holds it until the other holds it
 * too, and finds its own home file; then a ends while b waits until a's
 * sandbox is gone and still finds its helper running. */
static const char clash_head[] =
    "[scenario]\nversion = 4.14.0\ntimeout = 60\n\n"
    "[step.1]\nrun = helper start\nhost.file = ~/mine content=%s\n\n"
    "[step.2]\nrun = hostpriv bind tcp 127.0.0.1:80 -- /bin/sh -c "
    "'touch @/%s.bound;\n"
    "  i=0;\n"
    "  until [ -e @/a.bound ] && [ -e @/b.bound ]; do i=$((i+1));\n"
    "  [ $i -lt 400 ] || exit 9;\n"
    "  sleep 0.05; done;\n"
    "  test -S /proc/self/fd/3'\n"
    "expect.event = done task=privileged-port via=helper "
    "detail=\"TCP 127.0.0.1:80\"\n"
    "expect.file = ~/mine equals %s\n\n";

START_TEST(side_by_side_scenarios_do_not_collide)
{
    char dir[PATH_MAX], text[4096], *out, *err;
    int n = snprintf(text, sizeof text, clash_head, "a", "a", "a");
    snprintf(text + n, sizeof text - (size_t)n, "[step.3]\nrun = sh 'echo "
             "\"$ROOT\" > @/a.root; echo \"$HOSTPRIV\" > @/a.stage'\n"
             "expect.helper = running\n\n[expect]\n"
             "event = done task=privileged-port count=1\n");
    scenario("c/a.ini", text);
    n = snprintf(text, sizeof text, clash_head, "b", "b", "b");
    snprintf(text + n, sizeof text - (size_t)n, "[step.3]\nrun = sh 'echo "
             "\"$HOSTPRIV\" > @/b.stage;\n  i=0;\n  until [ -s @/a.root ] && "
             "[ ! -e \"$(cat @/a.root)\" ]; do i=$((i+1));\n"
             "  [ $i -lt 400 ] || exit 9;\n  sleep 0.05; done'\n"
             "expect.helper = running\n"
             "expect.file = ~/mine equals b\n\n[expect]\n"
             "event = done task=privileged-port count=1\n");
    scenario("c/b.ini", text);
    int rc = rt_rig(&out, &err, "run", "-j", "2", at("c", dir, sizeof dir),
                    NULL);
    ck_assert_msg(rc == 0, "%d %s%s", rc, out, err);
    ck_assert_ptr_nonnull(strstr(out, "\n2 passed, 0 failed\n"));
    /* one stage (and so one sudoers rule) for both */
    char *sa = tu_read(meet, "/a.stage", NULL), *sb = tu_read(meet,
                                                             "/b.stage", NULL);
    ck_assert(sa && sb);
    ck_assert_str_eq(sa, sb);
    free(sa);
    free(sb);
    free(out);
    free(err);
}
END_TEST

static long read_long(const char *file)
{
    char *s = tu_read(meet, file, NULL);
    long v = s ? atol(s) : 0;
    free(s);
    return v;
}

static int gone(long pid)
{
    char stat[64], buf[256] = "";
    snprintf(stat, sizeof stat, "/proc/%ld/stat", pid);
    FILE *f = fopen(stat, "r");
    char *rp = f && fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
    if (f)
        fclose(f);
    return !f || (rp && rp[2] == 'Z');
}

/* The scenario's own process killed with SIGKILL (nothing of it can clean
 * up): the rig reports it, and stops the helper and the step it left. */
START_TEST(a_killed_scenario_process_leaves_nothing)
{
    char dir[PATH_MAX], bin[PATH_MAX], outf[PATH_MAX];
    scenario("k/dies.ini", "[scenario]\nversion = 4.14.0\n\n[step.1]\n"
             "run = helper start\n\n[step.2]\nas = root\nrun = sh 'cat "
             "\"$ROOT/../rig.pids\" > @/helper; echo $$ > @/step; "
             "echo $PPID > @/scenario; exec sleep 600'\n");
    at("k", dir, sizeof dir);
    at("out", outf, sizeof outf);
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    pid_t rig = fork();
    ck_assert(rig >= 0);
    if (rig == 0) {
        int fd = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        execl(bin, bin, "run", dir, (char *)NULL);
        _exit(127);
    }
    long scen = 0;
    for (int i = 0; i < 2000 && !(scen = read_long("/scenario")); i++)
        usleep(10000);
    ck_assert_msg(scen > 0, "the step never started");
    long helper = read_long("/helper"), step = read_long("/step");
    ck_assert(helper > 0 && step > 0 && !gone(helper) && !gone(step));
    kill((pid_t)scen, SIGKILL);
    int st;
    ck_assert_int_eq(waitpid(rig, &st, 0), rig);
    char *out = tu_read("", outf, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "%d %s", st, out);
    ck_assert_msg(strstr(out, "FAIL dies.ini") &&
                  strstr(out, "the rig's process for it died (signal 9)") &&
                  strstr(out, "\n0 passed, 1 failed\n"), "%s", out);
    ck_assert_msg(gone(helper), "the helper %ld survived", helper);
    ck_assert_msg(gone(step), "the step %ld survived", step);
    free(out);
}
END_TEST

Suite *make_rig_parallel_suite(void)
{
    Suite *s = suite_create("rig_parallel");
    TCase *tc = tcase_create("jobs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, report_is_sorted_whatever_the_timing);
    tcase_add_test(tc, scenarios_run_at_the_same_time);
    tcase_add_test(tc, side_by_side_scenarios_do_not_collide);
    tcase_add_test(tc, a_killed_scenario_process_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}
