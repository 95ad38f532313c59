/* Another user holding every lock it can take must not stall root's edits
 * nor the helper, and no root change may go unjournaled.  The real
 * legacy-vmnetd helper (build/bin/hostprivd with build/plugins) runs as
 * root in a sandbox root and a private network namespace; "nobody" opens
 * /etc, the journal's directory and /usr/local/bin and holds flock(2) on
 * each (what anyone who can read a directory can do); the installed user
 * then asks the helper for hosts ensure, a ping and a privileged bind,
 * each answered within 1 s; uninstall gives back the sandbox as it was.
 * Then, with the journal's directory on a full tmpfs, `hostpriv privileged`
 * makes no link and no hosts edit it cannot journal. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper/proto.h"
#include "testutil.h"

#define SOCK "/var/run/com.docker.vmnetd.sock"
#define STATE "/var/lib/hostpriv"
#define NOBODY 65534
static const char hosts0[] = "# the user's own hosts file\n"
                             "10.1.2.3 build.example\n";

static char root[PATH_MAX];
static pid_t helper = -1, holder = -1;

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc/hostpriv", 0755, 0, 0);
    tu_mkdir(root, "/var/run", 0755, 0, 0);
    tu_mkdir(root, STATE, 0755, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/home/" HP_TEST_USER, 0755, 0, 0);
    tu_write(root, "/etc/hosts", hosts0, strlen(hosts0), 0644, 0, 0);
    const char *ini = "[core]\nversion = 4.14.0\n"
                      "[host]\nuser = " HP_TEST_USER "\nplatform = linux\n"
                      "home = /home/" HP_TEST_USER "\n"
                      "[helper]\nservice = direct\nsocket = " SOCK "\n";
    tu_write(root, "/etc/hostpriv/hostpriv.ini", ini, strlen(ini), 0644, 0, 0);
}

static void stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
    }
    *pid = -1;
}

static void teardown(void)
{
    stop(&holder);
    stop(&helper);
    tu_sandbox_rm(root);
}

/* ---- the other user ------------------------------------------------------ */

static int hold_all(void *arg)
{
    int ready = *(int *)arg;
    static const char *const dirs[] = { "/etc", STATE, "/usr/local/bin",
                                        "/var/run" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s%s", root, dirs[i]);
        int d = open(p, O_RDONLY | O_DIRECTORY);
        if (d < 0 || flock(d, LOCK_EX) != 0)
            return 1;                   /* kept open: held until killed */
    }
    (void)!write(ready, "x", 1);
    pause();
    return 0;
}

static void other_user_holds_locks(void)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    holder = fork();
    if (holder == 0)
        _exit(tu_as(NOBODY, NOBODY, hold_all, &p[1]));
    char c;
    ck_assert_msg(read(p[0], &c, 1) == 1, "nobody could not take the locks");
    close(p[0]);
    close(p[1]);
}

/* ---- the helper and its client ------------------------------------------- */

static void helper_start(void)
{
    char bin[PATH_MAX], pd[PATH_MAX], so[PATH_MAX];
    tu_build("bin/hostprivd", bin, sizeof bin);
    tu_build("plugins", pd, sizeof pd);
    tu_build("plugins/legacy-vmnetd.so", so, sizeof so);
    ck_assert_msg(access(so, R_OK) == 0, "%s missing", so);
    helper = fork();
    if (helper == 0) {
        const char *argv[] = { bin, "--root", root, "--plugin-dir", pd,
                               "--foreground", NULL };
        char *env[] = { "PATH=/usr/bin:/bin", NULL };
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execve(bin, (char *const *)argv, env);
        _exit(127);
    }
    char sock[PATH_MAX];
    snprintf(sock, sizeof sock, "%s" SOCK, root);
    for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
        usleep(10000);
    ck_assert_msg(access(sock, F_OK) == 0, "the helper did not listen");
}

/* As the installed user: one request on a new connection, answered within
 * 1 s (every receive of the client is bounded by it).  Its reply code. */
struct call {
    const char *const *f;
    size_t n;
    int want_fd;
};

static int call_once(void *arg)
{
    struct call *c = arg;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s" SOCK, root);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        return 101;
    const char *hf[] = { "HPRV", "1" };
    uint8_t *fr;
    size_t l;
    hp_msg m;
    int fd = -1;
    hp_msg_encode(HP_MSG_HELLO, hf, 2, &fr, &l, NULL);
    if (hp_sock_send_all(s, "HPRV", 4, -1, 1000) ||
        hp_sock_send_all(s, fr, l, -1, 1000) ||
        hp_msg_recv(s, &m, NULL, 1000, NULL) != HP_OK)
        return 102;
    free(fr);
    hp_msg_free(&m);
    if (hp_msg_send(s, HP_MSG_REQ, c->f, c->n, -1, NULL) != HP_OK ||
        hp_msg_recv(s, &m, &fd, 1000, NULL) != HP_OK)
        return 103;                     /* not answered within 1 s */
    int code = m.type == HP_MSG_REPLY && m.nfields == 2 ? atoi(m.field[0])
                                                        : 104;
    hp_msg_free(&m);
    if (c->want_fd && fd < 0)
        return 105;
    return code;
}

static int as_user(const char *const *f, size_t n, int want_fd)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    struct call c = { f, n, want_fd };
    return tu_as(uid, gid, call_once, &c);
}

/* ---- snapshot -------------------------------------------------------------- */

static char snap_buf[65536];
static size_t snap_len;
static int snap_one(const char *p, const struct stat *st, int fl,
                    struct FTW *ftw)
{
    (void)fl; (void)ftw;
    snap_len += (size_t)snprintf(snap_buf + snap_len,
                                 sizeof snap_buf - snap_len, "%s %o %lld\n",
                                 p + strlen(root), (unsigned)st->st_mode,
                                 S_ISREG(st->st_mode) ? (long long)st->st_size
                                                      : 0LL);
    return snap_len >= sizeof snap_buf - 1;
}

static char *snapshot(void)
{
    snap_len = 0;
    snap_buf[0] = '\0';
    nftw(root, snap_one, 16, FTW_PHYS);
    return strdup(snap_buf);
}

START_TEST(helper_serves_while_others_hold_locks)
{
    tu_netns();
    char *before = snapshot();
    helper_start();
    other_user_holds_locks();
    const char *hosts[] = { "hosts_ensure" };
    const char *ping[] = { "ping" };
    const char *bind[] = { "bind_port", "tcp", "127.0.0.1", "80" };
    ck_assert_int_eq(as_user(hosts, 1, 0), HP_OK);
    ck_assert_int_eq(as_user(ping, 1, 0), HP_OK);
    ck_assert_int_eq(as_user(bind, 4, 1), HP_OK);
    char *h = tu_read(root, "/etc/hosts", NULL);
    ck_assert_ptr_nonnull(strstr(h, "127.0.0.1 localhost"));
    free(h);
    /* journaled although the journal's directory was flocked by nobody:
     * uninstall takes the hosts lines out again */
    const char *un[] = { "uninstall" };
    ck_assert_int_eq(as_user(un, 1, 0), HP_OK);
    int st;
    ck_assert_int_eq(waitpid(helper, &st, 0), helper);
    helper = -1;
    stop(&holder);
    size_t n;
    h = tu_read(root, "/etc/hosts", &n);
    ck_assert_int_eq(n, strlen(hosts0));
    ck_assert_int_eq(memcmp(h, hosts0, n), 0);
    free(h);
    char *after = snapshot();
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
}
END_TEST

/* `hostpriv privileged TASK` in a private mount namespace whose journal
 * directory is a full tmpfs: the journal cannot be written. */
static int privileged_journal_full(const char *task, char **err)
{
    char bin[PATH_MAX], cmd[PATH_MAX * 4];
    tu_build("bin/hostpriv", bin, sizeof bin);
    snprintf(cmd, sizeof cmd,
             "mount -t tmpfs -o size=16k tmpfs '%s" STATE "' && "
             "(head -c 65536 /dev/zero > '%s" STATE "/fill' || true) && "
             "exec '%s' --root '%s' privileged %s",
             root, root, bin, root, task);
    const char *argv[] = { "/usr/bin/unshare", "-m", "/bin/sh", "-c", cmd,
                           NULL };
    return tu_run((uid_t)-1, 0, argv, NULL, NULL, err);
}

START_TEST(no_change_without_its_journal_entry)
{
    char *before = snapshot(), *err = NULL;
    ck_assert_int_ne(privileged_journal_full("cli-links", &err), 0);
    ck_assert_msg(strstr(err, "journal") || strstr(err, "space"), "%s", err);
    free(err);
    err = NULL;
    ck_assert_int_ne(privileged_journal_full("hosts", &err), 0);
    free(err);
    char *after = snapshot();   /* no link in /usr/local/bin, hosts as was */
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
}
END_TEST

Suite *make_lockdos_suite(void)
{
    Suite *s = suite_create("lockdos");
    TCase *t = tcase_create("other_users");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, helper_serves_while_others_hold_locks);
    tcase_add_test(t, no_change_without_its_journal_entry);
    suite_add_tcase(s, t);
    return s;
}
