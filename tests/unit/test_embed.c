/* The embedding API as a desktop app uses it: its own prompt callback,
 * hp_start and hp_bind_port, run as the unprivileged test user against a
 * sandbox root.  Proves the v4.15 declined-links fallback (B21, B22), the
 * DOCKER_HOST hint on a declined socket link (B26), and the documented port
 * error when the helper is declined (B32) or absent (legacy). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <hostpriv/hostpriv.h>
#include "testutil.h"
#include "../common/netns.h"

static char root[PATH_MAX];
static char cfgfile[PATH_MAX];
static uid_t uid;
static gid_t gid;

/* Stage the plugins inside the sandbox so the test user can load them
 * whatever the checkout's permissions are. */
static void stage_plugins(void)
{
    char src[PATH_MAX], cli[PATH_MAX], cmd[PATH_MAX * 4];
    tu_build("plugins", src, sizeof src);
    tu_build("bin/hostpriv", cli, sizeof cli);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/opt/plugins %s/opt/bin && cp %s/*.so "
             "%s/opt/plugins/ && cp %s %s/opt/bin/ && chmod 755 %s/opt "
             "%s/opt/plugins", root, root, src, root, cli, root, root, root);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_config(const char *version)
{
    char text[4096];
    snprintf(text, sizeof text,
             "[core]\nversion = %s\nplugin_dir = %s/opt/plugins\n"
             "cli_program = %s/opt/bin/hostpriv\n"
             "[host]\nroot = %s\nuser = %s\nplatform = macos\nshell = zsh\n"
             "[helper]\nservice = direct\n"
             "[elevate]\ncommand = /bin/false\n",
             version, root, root, root, HP_TEST_USER);
    snprintf(cfgfile, sizeof cfgfile, "%s/opt/app.ini", root);
    FILE *f = fopen(cfgfile, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);       /* not writable */
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_write(root, "/etc/hosts", "127.0.0.1\tlocalhost\n", 20, 0644, 0, 0);
    tu_mkdir(root, "/Users/" HP_TEST_USER, 0755, uid, gid);
    stage_plugins();
}

static void teardown(void) { tu_sandbox_rm(root); }

/* The app's dialog: says no to `no_task` (all when "*"), counts calls. */
struct dialog { const char *no_task; int asked; char tasks[512]; };

static int dialog_fn(void *data, const char *task, const char *message)
{
    struct dialog *d = data;
    d->asked++;
    strncat(d->tasks, task, sizeof d->tasks - strlen(d->tasks) - 2);
    strcat(d->tasks, " ");
    if (!message || !*message)
        return HP_PROMPT_GRANTED + 100;     /* a prompt must say why */
    if (strcmp(d->no_task, "*") == 0 || strcmp(d->no_task, task) == 0)
        return HP_PROMPT_DECLINED;
    return HP_PROMPT_GRANTED;
}

static int launch_declining(void *arg)
{
    struct dialog *d = arg;
    hp_ctx *c = NULL;
    char *err = NULL;
    setenv("HOME", "/nonexistent", 1);      /* no user config layer */
    if (hp_open(&c, cfgfile, &err) != HP_OK) {
        fprintf(stderr, "hp_open: %s\n", err ? err : "?");
        return 100;
    }
    hp_set_prompt(c, dialog_fn, d);
    int rc = hp_start(c);
    hp_close(c);
    /* exit code: rc, and the prompt count in the high bits */
    return (rc == HP_EDENIED ? 1 : rc == HP_OK ? 0 : 2) | (d->asked << 2);
}

START_TEST(decline_links_falls_back_and_is_remembered)
{
    write_config("4.16.2");
    struct dialog d = { "*", 0, "" };
    int r = tu_as(uid, gid, launch_declining, &d);
    /* declined socket link and hosts leave tasks unapplied: 77 */
    ck_assert_int_eq(r & 3, 1);
    ck_assert_int_eq(r >> 2, 2);    /* cli-links and docker-socket asked */
    char lnk[PATH_MAX], target[PATH_MAX];
    snprintf(lnk, sizeof lnk, "%s/Users/%s/.docker/bin/docker", root,
             HP_TEST_USER);
    ssize_t n = readlink(lnk, target, sizeof target - 1);
    ck_assert_int_gt(n, 0);
    target[n] = '\0';
    ck_assert_str_eq(target,
                     "/Applications/Docker.app/Contents/Resources/bin/docker");
    struct stat st;
    ck_assert_int_eq(lstat(lnk, &st), 0);
    ck_assert_int_eq(st.st_uid, uid);               /* written as the user */
    char *prof = tu_read(root, "/Users/" HP_TEST_USER "/.zprofile", NULL);
    ck_assert_ptr_nonnull(prof);
    ck_assert_ptr_nonnull(strstr(prof, ".docker/bin"));
    free(prof);
    ck_assert_int_eq(lstat(strcat(strcpy(lnk, root), "/usr/local/bin/docker"),
                           &st), -1);               /* nothing as root */
    /* second launch: the recorded decline is honoured, only the socket
     * link is asked again (it is not recorded in 4.15-4.17) */
    struct dialog d2 = { "*", 0, "" };
    r = tu_as(uid, gid, launch_declining, &d2);
    ck_assert_int_eq(r >> 2, 1);
}
END_TEST

struct bindarg { const char *expect_code_name; int code; char msg[1024]; };

static int bind_as_user(void *arg)
{
    struct dialog *d = arg;
    hp_ctx *c = NULL;
    setenv("HOME", "/nonexistent", 1);
    if (hp_open(&c, cfgfile, NULL) != HP_OK)
        return 100;
    hp_set_prompt(c, dialog_fn, d);
    int fd = -1, rc = hp_bind_port(c, HP_SOCK_TCP, "127.0.0.1", 80, &fd);
    const char *want = "Ports are not available: exposing port TCP "
                       "127.0.0.1:80 -> 0.0.0.0:0: failed to connect to "
                       "/var/run/com.docker.vmnetd.sock: is vmnetd running?: "
                       "dial unix /var/run/com.docker.vmnetd.sock: connect: "
                       "connection refused";
    int ok = strstr(hp_errmsg(c), want) != NULL;
    hp_close(c);
    return (ok ? 0 : 64) | rc;
}

/* Fork into a fresh network namespace, then become the test user. */
static int in_netns_as_user(int (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        const char *what;
        if (hpt_netns(&what) != 0)
            _exit(120);
        if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
            setresuid(uid, uid, uid))
            _exit(121);
        _exit(fn(arg));
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(declined_helper_gives_documented_port_error)
{
    write_config("4.16.2");
    struct dialog d = { "helper", 0, "" };
    int r = in_netns_as_user(bind_as_user, &d);
    ck_assert_int_eq(r, HP_EDENIED);        /* message matched, 77 */
}
END_TEST

START_TEST(legacy_without_helper_is_unavailable)
{
    write_config("4.14.9");
    struct dialog d = { "*", 0, "" };
    int r = in_netns_as_user(bind_as_user, &d);
    ck_assert_int_eq(r, HP_EUNAVAIL);       /* message matched, 69 */
}
END_TEST

/* 1 when port (TCP, 127.0.0.1) can be bound now: nothing holds it. */
static int port_free(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* A range as the user: the ports a user may bind come directly (no
 * helper, no prompt); a range that needs the helper and cannot get it
 * fails whole with the documented error, naming the first port that
 * needed it, and leaves none of the others bound. */
static int range_as_user(void *arg)
{
    struct dialog *d = arg;
    hp_ctx *c = NULL;
    setenv("HOME", "/nonexistent", 1);
    if (hp_open(&c, cfgfile, NULL) != HP_OK)
        return 100;
    hp_set_prompt(c, dialog_fn, d);
    static int ports[100], fds[100];
    for (int i = 0; i < 100; i++)
        ports[i] = 8000 + i;
    if (hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", ports, 100, fds) != HP_OK)
        return 101;
    for (int i = 0; i < 100; i++) {
        struct sockaddr_in a;
        socklen_t l = sizeof a;
        if (getsockname(fds[i], (struct sockaddr *)&a, &l) != 0 ||
            ntohs(a.sin_port) != 8000 + i)
            return 102;
        close(fds[i]);
    }
    if (d->asked)
        return 103;                 /* nothing to ask for */
    for (int i = 0; i < 11; i++)
        ports[i] = 1020 + i;        /* 1020-1023 need the helper */
    int rc = hp_bind_ports(c, HP_SOCK_TCP, "127.0.0.1", ports, 11, fds);
    int ok = strstr(hp_errmsg(c), "Ports are not available: exposing port "
                    "TCP 127.0.0.1:1020 -> 0.0.0.0:0") != NULL;
    for (int i = 0; i < 11; i++)
        ok = ok && fds[i] == -1;
    for (int p = 1024; p <= 1030; p++)
        ok = ok && port_free(p);
    ok = ok && (!d->asked || strstr(d->tasks, "helper"));
    hp_close(c);
    return (ok ? 0 : 64) | rc;
}

START_TEST(range_direct_then_helper_all_or_nothing)
{
    write_config("4.14.9");         /* legacy: the helper is not there */
    struct dialog d = { "*", 0, "" };
    ck_assert_int_eq(in_netns_as_user(range_as_user, &d), HP_EUNAVAIL);
    write_config("4.16.2");         /* 4.15: asked for, declined */
    struct dialog d2 = { "helper", 0, "" };
    ck_assert_int_eq(in_netns_as_user(range_as_user, &d2), HP_EDENIED);
}
END_TEST

Suite *make_embed_suite(void)
{
    Suite *s = suite_create("embed");
    TCase *tc = tcase_create("launch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, decline_links_falls_back_and_is_remembered);
    suite_add_tcase(s, tc);
    tc = tcase_create("ports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, declined_helper_gives_documented_port_error);
    tcase_add_test(tc, legacy_without_helper_is_unavailable);
    tcase_add_test(tc, range_direct_then_helper_all_or_nothing);
    suite_add_tcase(s, tc);
    return s;
}
