/* A run's sudoers rule is kept exactly as long as the run lives, whatever
 * its pid means to the rig that sweeps: a rig in another PID namespace
 * (its rule is named after a pid that, seen from here, is another
 * process) stays alive through another run's sweep, and once it is
 * killed the next sweep removes its rule. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static char dir[PATH_MAX], marker[64];

static void scenario(const char *name, const char *text, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The rig in a new PID namespace (it is pid 1 there), hanging in a step
 * that leaves the marker; it gets SIGTERM when child dies. */
static pid_t rig_in_pidns(const char *ini)
{
    char bin[PATH_MAX];
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    pid_t child = fork();
    ck_assert(child >= 0);
    if (child == 0) {
        if (unshare(CLONE_NEWPID) != 0)
            _exit(126);
        pid_t g = fork();
        if (g == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
            execl(bin, bin, "run", ini, (char *)NULL);
            _exit(127);
        }
        int st;
        waitpid(g, &st, 0);
        _exit(0);
    }
    return child;
}

/* The sandbox's marker file, once the hanging step has written it. */
static int started(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *de;
    int found = 0;
    while (d && (de = readdir(d)) && !found) {
        char m[PATH_MAX];
        snprintf(m, sizeof m, "/tmp/%s/%s", de->d_name, marker);
        found = !strncmp(de->d_name, "hpr.", 4) && access(m, F_OK) == 0;
    }
    if (d)
        closedir(d);
    return found;
}

/* The rules whose stage the namespaced rig's marker run staged: the rule
 * named hostpriv-rig-1 (pid 1 in its namespace). */
static int rule_exists(void)
{
    return access("/etc/sudoers.d/hostpriv-rig-1", F_OK) == 0;
}

static int rig_here(const char *ini, char **out)
{
    char bin[PATH_MAX];
    tu_build("bin/hostpriv-rig", bin, sizeof bin);
    const char *argv[] = { bin, "run", ini, NULL };
    char *err = NULL;
    int rc = tu_run((uid_t)-1, 0, argv, NULL, out, &err);
    free(err);
    return rc;
}

START_TEST(rule_of_a_run_in_another_pid_namespace_is_kept)
{
    snprintf(dir, sizeof dir, "/tmp/hp-rigalive.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(marker, sizeof marker, "alive-%ld", (long)getpid());
    char hang[PATH_MAX], quick[PATH_MAX], text[512];
    snprintf(text, sizeof text, "[scenario]\nname = hang\n\n[step.1]\n"
             "run = sh 'touch \"$ROOT/../%s\"; exec sleep 600'\nas = root\n",
             marker);
    scenario("hang.ini", text, hang, sizeof hang);
    scenario("quick.ini", "[scenario]\nname = quick\n\n[step.1]\n"
             "run = sh 'true'\nas = root\n", quick, sizeof quick);
    ck_assert_msg(!rule_exists(), "a hostpriv-rig-1 rule is already there");

    pid_t a = rig_in_pidns(hang);
    int i;
    for (i = 0; i < 1000 && !started(); i++)
        usleep(10000);
    ck_assert_msg(i < 1000, "the namespaced run never started its step");
    ck_assert_msg(rule_exists(), "the namespaced run wrote no rule");

    /* another run sweeps: pid 1 here is init, not a rig, yet the run lives */
    char *out = NULL;
    ck_assert_int_eq(rig_here(quick, &out), 0);
    free(out);
    ck_assert_msg(rule_exists(), "a live run's rule was swept");

    /* killed, it holds nothing: the next sweep removes its rule */
    kill(a, SIGKILL);       /* its rig dies with it, and the namespace */
    ck_assert_int_eq(waitpid(a, NULL, 0), a);
    usleep(200000);
    ck_assert_int_eq(rig_here(quick, &out), 0);
    free(out);
    ck_assert_msg(!rule_exists(), "the killed run's rule was left behind");
    /* what a killed run leaves in /tmp is ours to remove here */
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'; for d in /tmp/hpr.*; do "
             "[ -e \"$d/%s\" ] && rm -rf --one-file-system \"$d\"; done; "
             "true", dir, marker);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *make_rig_alive_suite(void)
{
    Suite *s = suite_create("rig_alive");
    TCase *t = tcase_create("sweep");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, rule_of_a_run_in_another_pid_namespace_is_kept);
    suite_add_tcase(s, t);
    return s;
}
