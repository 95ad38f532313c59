/* journal.c: the undo journal (SECURITY.md 15, 45, 52).  An install
 * followed by an uninstall leaves the sandbox byte-identical; a second
 * uninstall is a no-op; what someone else changed stays. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/atomicfile.h"
#include "host/hostsfile.h"
#include "host/identity.h"
#include "host/journal.h"
#include "host/links.h"
#include "host/safepath.h"
#include "testutil.h"
#include "helpers/tree.h"

#define JPATH "/var/lib/hostpriv/journal"
#define TARGET "/Applications/Docker.app/Contents/Resources/bin/docker"
/* hand-written: CRLF, a tab, junk, no final newline */
#define HOSTS "127.0.0.1\tlocalhost\r\n# my comment\r\n10.0.0.1 nas  # junk\r\n::1 localhost"

static char root[PATH_MAX];
static int rootfd = -1;
static uid_t uid;
static gid_t gid;

static void setup(void)
{
    tu_sandbox(root, sizeof root);
    tu_user(&uid, &gid);
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_write(root, "/etc/hosts", HOSTS, strlen(HOSTS), 0644, 0, 0);
    tu_mkdir(root, "/usr/local/bin", 0755, 0, 0);
    tu_mkdir(root, "/home/u/bin", 0755, uid, gid);
    tu_mkdir(root, "/home/u", 0755, uid, gid);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(rootfd, 0);
}

static void teardown(void)
{
    close(rootfd);
    tu_sandbox_rm(root);
}

static int stops;
static int stop_ok(void *arg, const char *label, const char *hpath)
{
    (void)arg;
    ck_assert_str_eq(label, "com.docker.vmnetd");
    ck_assert_str_eq(hpath, "/etc/systemd/system/com.docker.vmnetd.service");
    stops++;
    return 0;
}

static int stop_fails(void *arg, const char *label, const char *hpath)
{
    (void)arg, (void)label, (void)hpath;
    return 1;
}

static int list_fn(void *arg, int kind, const char *hpath, const char *extra)
{
    char *acc = arg;
    snprintf(acc + strlen(acc), 4096 - strlen(acc), "%d:%s:%s,", kind, hpath,
             extra ? extra : "");
    return 0;
}

static int dirfd_of(const char *hpath)
{
    int fd;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_sp_open_dir(rootfd, hpath, &fd, &e), HP_OK);
    return fd;
}

struct ulink { int dirfd; };

static int user_link(void *arg, hp_err *e)
{
    int created;
    return hp_link_install(((struct ulink *)arg)->dirfd, "docker", TARGET,
                           &created, e);
}

/* What an install does, each step journaled after it is made. */
static void install(hp_journal *j)
{
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_mkdir_p(j, rootfd, "/opt/hp/lib", 0755, -1, -1, &e),
                     HP_OK);
    int fd = dirfd_of("/opt/hp/lib");
    hp_af_opts o = { 0755, 0, 0, 1, NULL };
    ck_assert_int_eq(hp_af_replace(fd, "helper", "ELF", 3, &o, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "/opt/hp/lib/helper", NULL,
                                    &e), HP_OK);
    close(fd);
    fd = dirfd_of("/usr/local/bin");
    int created;
    ck_assert_int_eq(hp_link_install(fd, "docker", TARGET, &created, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/usr/local/bin/docker",
                                    TARGET, &e), HP_OK);
    close(fd);
    hp_hosts_entry ent = { "127.0.0.1", "kubernetes.docker.internal" };
    int changed = 0;
    char *rec = NULL;
    ck_assert_int_eq(hp_hosts_ensure_file(rootfd, "/etc/hosts", &ent, 1,
                                          &changed, &rec, &e), HP_OK);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(hp_journal_add(j, HP_J_HOSTS, "/etc/hosts", rec, &e),
                     HP_OK);
    free(rec);
    ck_assert_int_eq(hp_journal_add(j, HP_J_SERVICE,
                                    "/etc/systemd/system/com.docker.vmnetd.service",
                                    "com.docker.vmnetd", &e), HP_OK);
    /* a link in the user's directory, made with the user's rights */
    struct ulink ul = { dirfd_of("/home/u/bin") };
    ck_assert_int_eq(hp_as_user(uid, gid, user_link, &ul, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/home/u/bin/docker", TARGET,
                                    &e), HP_OK);
    close(ul.dirfd);
}

START_TEST(open_creates_nothing)
{
    char *before = tree_snap(root);
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert(hp_journal_empty(j));
    ck_assert_int_eq(hp_journal_forget(j, HP_J_FILE, "/x", &e), HP_OK);
    ck_assert_int_eq(hp_journal_undo(j, stop_ok, NULL, &e), HP_OK);
    /* refused fields write nothing either */
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "/a\tb", NULL, &e),
                     HP_EINTERNAL);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "/a\nFILE\t/etc/passwd",
                                    NULL, &e), HP_EINTERNAL);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/a", "t\nx", &e),
                     HP_EINTERNAL);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "relative", NULL, &e),
                     HP_EINTERNAL);
    ck_assert_int_eq(hp_journal_add(j, 99, "/a", NULL, &e), HP_EINTERNAL);
    hp_journal_close(j);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(records_and_reloads)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "/a", NULL, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/b", "/t1", &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE, "/a", NULL, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/b", "/t2", &e), HP_OK);
    hp_journal_close(j);
    /* its own directories were made and recorded */
    size_t len;
    char *text = tu_read(root, JPATH, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "JDIR\t/var\n") &&
                  strstr(text, "JDIR\t/var/lib/hostpriv\n") &&
                  strstr(text, "FILE\t/a\n") && strstr(text, "LINK\t/b\t/t2\n"),
                  "%s", text);
    free(text);
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    char acc[4096] = "";
    hp_journal_each(j, list_fn, acc);
    ck_assert_str_eq(acc, "2:/b:/t2,1:/a:,");   /* newest first, no dups */
    ck_assert(!hp_journal_empty(j));
    ck_assert_int_eq(hp_journal_forget(j, HP_J_LINK, "/b", &e), HP_OK);
    ck_assert_int_eq(hp_journal_forget(j, HP_J_FILE, "/a", &e), HP_OK);
    ck_assert(hp_journal_empty(j));
    hp_journal_close(j);
    /* empty: the file and the directories it made are gone */
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/var", root);
    ck_assert_int_eq(lstat(p, &st), -1);
}
END_TEST

/* What is asked for is on disk already (an intent recorded before, the
 * same EXTRA, a forgotten entry that is not there): nothing is rewritten,
 * the file keeps its inode; a change is written. */
static ino_t journal_ino(void)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s" JPATH, root);
    ck_assert_int_eq(stat(p, &st), 0);
    return st.st_ino;
}

START_TEST(unchanged_not_rewritten)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/usr/local/bin/docker",
                                    TARGET, &e), HP_OK);
    int added = -1;
    ck_assert_int_eq(hp_journal_intend(j, HP_J_HOSTS, "/etc/hosts", NULL,
                                       &added, &e), HP_OK);
    ck_assert_int_eq(added, 1);
    ino_t ino = journal_ino();
    ck_assert_int_eq(hp_journal_intend(j, HP_J_HOSTS, "/etc/hosts", NULL,
                                       &added, &e), HP_OK);
    ck_assert_int_eq(added, 0);
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/usr/local/bin/docker",
                                    TARGET, &e), HP_OK);
    ck_assert_int_eq(hp_journal_forget(j, HP_J_FILE, "/nowhere", &e), HP_OK);
    ck_assert_msg(journal_ino() == ino, "an unchanged journal was rewritten");
    ck_assert_int_eq(hp_journal_add(j, HP_J_LINK, "/usr/local/bin/docker",
                                    "/elsewhere", &e), HP_OK);
    ck_assert_msg(journal_ino() != ino, "a changed EXTRA was not written");
    hp_journal_close(j);
}
END_TEST

START_TEST(corrupt_journal_refused)
{
    tu_mkdir(root, "/var/lib/hostpriv", 0755, 0, 0);
    const char *bad = "FILE\t/a\nBOGUS\t/etc/passwd\n";
    tu_write(root, JPATH, bad, strlen(bad), 0644, 0, 0);
    char *before = tree_snap(root);
    hp_journal *j = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_EFAIL);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(e.msg, "line 2"), "%s", e.msg);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(install_undo_byte_identical)
{
    char *before = tree_snap(root);
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    install(j);
    hp_journal_close(j);
    char *mid = tree_snap(root);
    ck_assert_str_ne(before, mid);
    /* a later uninstall */
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    stops = 0;
    ck_assert_msg(hp_journal_undo(j, stop_ok, NULL, &e) == HP_OK, "%s", e.msg);
    ck_assert_msg(e.msg[0] == '\0', "unexpected warning: %s", e.msg);
    ck_assert_int_eq(stops, 1);
    ck_assert(hp_journal_empty(j));
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    /* again: nothing to do, nothing stopped, nothing changed */
    ck_assert_int_eq(hp_journal_undo(j, stop_ok, NULL, &e), HP_OK);
    hp_journal_close(j);
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_int_eq(hp_journal_undo(j, stop_ok, NULL, &e), HP_OK);
    hp_journal_close(j);
    ck_assert_int_eq(stops, 1);
    char *again = tree_snap(root);
    ck_assert_str_eq(before, again);
    free(before);
    free(mid);
    free(after);
    free(again);
}
END_TEST

/* A directory recorded by someone else's mkdir_p that ends up holding the
 * journal (the policy cache under the root state directory) goes too. */
START_TEST(dirs_holding_the_journal)
{
    char *before = tree_snap(root);
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_int_eq(hp_journal_mkdir_p(j, rootfd, "/var/lib/hostpriv/cache",
                                        0755, 0, 0, &e), HP_OK);
    int fd = dirfd_of("/var/lib/hostpriv/cache");
    hp_af_opts o = { 0644, 0, 0, 1, NULL };
    ck_assert_int_eq(hp_af_replace(fd, "policy.json", "{}", 2, &o, &e), HP_OK);
    close(fd);
    ck_assert_int_eq(hp_journal_add(j, HP_J_FILE,
                                    "/var/lib/hostpriv/cache/policy.json", NULL,
                                    &e), HP_OK);
    ck_assert_int_eq(hp_journal_undo(j, NULL, NULL, &e), HP_OK);
    hp_journal_close(j);
    char *after = tree_snap(root);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}
END_TEST

START_TEST(foreign_changes_left_alone)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    install(j);
    /* after the install, others change things */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/usr/local/bin/docker", root);
    ck_assert_int_eq(unlink(p), 0);
    ck_assert_int_eq(symlink("/opt/homebrew/bin/docker", p), 0);
    tu_write(root, "/opt/hp/notes.txt", "mine", 4, 0644, 0, 0);
    snprintf(p, sizeof p, "%s/opt/hp/lib/helper", root);
    ck_assert_int_eq(unlink(p), 0);
    tu_mkdir(root, "/opt/hp/lib/helper", 0755, 0, 0);
    char *changed = tree_snap(root);
    ck_assert_int_eq(hp_journal_undo(j, stop_ok, NULL, &e), HP_OK);
    ck_assert_msg(strstr(e.msg, "/usr/local/bin/docker") &&
                  strstr(e.msg, "/opt/hp/lib/helper") &&
                  strstr(e.msg, "/opt/hp"), "warnings: %s", e.msg);
    ck_assert(hp_journal_empty(j));
    hp_journal_close(j);
    char *t = tree_snap(root);
    /* theirs stays */
    ck_assert(strstr(t, "/usr/local/bin/docker 0120777 0:0 24 /opt/homebrew"));
    ck_assert(strstr(t, "/opt/hp/notes.txt"));
    ck_assert(strstr(t, "/opt/hp/lib/helper 004"));
    /* ours went: the hosts block, the user's link, the journal */
    ck_assert(!strstr(t, "/home/u/bin/docker"));
    ck_assert(!strstr(t, "/var/"));
    free(t);
    free(changed);
    size_t len;
    char *hosts = tu_read(root, "/etc/hosts", &len);
    ck_assert_uint_eq(len, strlen(HOSTS));
    ck_assert_int_eq(memcmp(hosts, HOSTS, len), 0);
    free(hosts);
}
END_TEST

START_TEST(service_stop_failure_keeps_files)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    install(j);
    char *mid = tree_snap(root);
    ck_assert_int_eq(hp_journal_undo(j, stop_fails, NULL, &e), HP_EFAIL);
    ck_assert_msg(strstr(e.msg, "com.docker.vmnetd"), "%s", e.msg);
    char *after = tree_snap(root);
    ck_assert_str_eq(mid, after);
    ck_assert(!hp_journal_empty(j));
    hp_journal_close(j);
    free(mid);
    free(after);
}
END_TEST

static int count_fn(void *arg, int kind, const char *hpath, const char *extra)
{
    (void)kind, (void)hpath, (void)extra;
    ++*(int *)arg;
    return 0;
}

#define WRITERS 3
#define PER 30

START_TEST(concurrent_writers)
{
    pid_t kids[WRITERS];
    for (int k = 0; k < WRITERS; k++) {
        if ((kids[k] = fork()) == 0) {
            hp_journal *j;
            hp_err e = HP_ERR_INIT;
            if (hp_journal_open(rootfd, JPATH, &j, &e) != HP_OK)
                _exit(1);
            for (int i = 0; i < PER; i++) {
                char p[64];
                snprintf(p, sizeof p, "/f/%d/%d", k, i);
                if (hp_journal_add(j, HP_J_FILE, p, NULL, &e) != HP_OK)
                    _exit(2);
            }
            hp_journal_close(j);
            _exit(0);
        }
    }
    for (int k = 0; k < WRITERS; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    int n = 0;
    hp_journal_each(j, count_fn, &n);
    ck_assert_int_eq(n, WRITERS * PER);     /* no add was lost */
    for (int k = 0; k < WRITERS; k++)
        for (int i = 0; i < PER; i++) {
            char p[64];
            snprintf(p, sizeof p, "/f/%d/%d", k, i);
            ck_assert_int_eq(hp_journal_forget(j, HP_J_FILE, p, &e), HP_OK);
        }
    ck_assert(hp_journal_empty(j));
    hp_journal_close(j);
}
END_TEST

/* ---- hosts: exactly the lines hostpriv added (SECURITY 20, 52) ----- */

#define DD_BLOCK "# Added by Docker Desktop\n" \
                 "192.168.65.2 host.docker.internal\n# End of section\n"
#define KN "kubernetes.docker.internal"

/* ensure one name and journal what it added, as the hosts action does */
static void ensure_journaled(hp_journal *j, const char *name)
{
    hp_hosts_entry ent = { "127.0.0.1", name };
    hp_err e = HP_ERR_INIT;
    int changed = 0;
    char *rec = NULL;
    ck_assert_msg(hp_hosts_ensure_file(rootfd, "/etc/hosts", &ent, 1,
                                       &changed, &rec, &e) == HP_OK,
                  "%s", e.msg);
    ck_assert_int_eq(changed, 1);
    ck_assert_ptr_nonnull(rec);
    ck_assert_int_eq(hp_journal_add(j, HP_J_HOSTS, "/etc/hosts", rec, &e),
                     HP_OK);
    free(rec);
}

static void hosts_is(const char *want)
{
    size_t len;
    char *t = tu_read(root, "/etc/hosts", &len);
    ck_assert_msg(len == strlen(want) && !memcmp(t, want, len),
                  "hosts file is\n%s\n--- expected\n%s", t, want);
    free(t);
}

static void undo_all(void)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_msg(hp_journal_undo(j, NULL, NULL, &e) == HP_OK, "%s", e.msg);
    ck_assert(hp_journal_empty(j));
    hp_journal_close(j);
}

/* Docker Desktop's block was there first: ours go in it, and out again
 * alone, after two edits and the user's own changes around and inside
 * the block (a line they wrote like ours is theirs). */
START_TEST(hosts_existing_block_kept)
{
    const char *orig = "127.0.0.1 localhost\n" DD_BLOCK;
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ensure_journaled(j, KN);
    hosts_is("127.0.0.1 localhost\n# Added by Docker Desktop\n192.168.65.2 "
             "host.docker.internal\n127.0.0.1 " KN "\n# End of section\n");
    /* the user edits: a line on top, one of theirs in the block */
    const char *edited = "# mine\n127.0.0.1 localhost\n# Added by Docker "
        "Desktop\n192.168.65.2 host.docker.internal\n127.0.0.1 " KN "\n"
        "127.0.0.1 theirs.test\n# End of section\n";
    tu_write(root, "/etc/hosts", edited, strlen(edited), 0644, 0, 0);
    ensure_journaled(j, "more.test");      /* a second edit, journaled too */
    /* the user then copies that line of ours */
    const char *copied = "# mine\n127.0.0.1 localhost\n# Added by Docker "
        "Desktop\n192.168.65.2 host.docker.internal\n127.0.0.1 " KN "\n"
        "127.0.0.1 theirs.test\n127.0.0.1 more.test\n127.0.0.1 more.test\n"
        "# End of section\n";
    tu_write(root, "/etc/hosts", copied, strlen(copied), 0644, 0, 0);
    hp_journal_close(j);
    undo_all();
    hosts_is("# mine\n127.0.0.1 localhost\n# Added by Docker Desktop\n"
             "192.168.65.2 host.docker.internal\n127.0.0.1 theirs.test\n"
             "127.0.0.1 more.test\n# End of section\n");
}
END_TEST

/* hostpriv made the block (CRLF file, no final newline): after two edits
 * it goes entirely, the file is byte-identical; with a line of the user's
 * inside, the markers and our lines go and theirs stays. */
START_TEST(hosts_own_block_goes)
{
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ensure_journaled(j, KN);
    ensure_journaled(j, "more.test");
    hp_journal_close(j);
    undo_all();
    hosts_is(HOSTS);

    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ensure_journaled(j, KN);
    hp_journal_close(j);
    size_t len;
    char *t = tu_read(root, "/etc/hosts", &len);
    const char *mark = "127.0.0.1 " KN "\r\n";
    char *at = strstr(t, mark);
    ck_assert_ptr_nonnull(at);
    char edited[1024];
    snprintf(edited, sizeof edited, "%.*s%s10.1.1.1 nas.test\r\n%s",
             (int)(at - t), t, mark, at + strlen(mark));
    tu_write(root, "/etc/hosts", edited, strlen(edited), 0644, 0, 0);
    free(t);
    undo_all();
    hosts_is(HOSTS "\r\n10.1.1.1 nas.test\r\n");
}
END_TEST

/* `privileged hosts-remove` undoes the journal's entry only: a block
 * hostpriv did not write is not touched, not even its lines like ours. */
START_TEST(hosts_remove_only_journaled)
{
    const char *orig = "127.0.0.1 localhost\n# Added by Docker Desktop\n"
                       "127.0.0.1 " KN "\n# End of section\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    hp_journal *j;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JPATH, &j, &e), HP_OK);
    ck_assert_int_eq(hp_journal_undo_entry(j, HP_J_HOSTS, "/etc/hosts", &e),
                     HP_OK);
    hosts_is(orig);
    ensure_journaled(j, "more.test");
    ck_assert_int_eq(hp_journal_undo_entry(j, HP_J_HOSTS, "/etc/hosts", &e),
                     HP_OK);
    hosts_is(orig);
    ck_assert(hp_journal_empty(j));
    hp_journal_close(j);
}
END_TEST

/* Two writers (the helper and a `privileged` run) each journal their own
 * edit of the one file: neither record is lost. */
START_TEST(hosts_records_two_writers)
{
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        if ((kids[k] = fork()) == 0) {
            hp_journal *j;
            hp_err e = HP_ERR_INIT;
            if (hp_journal_open(rootfd, JPATH, &j, &e) != HP_OK)
                _exit(1);
            for (int i = 0; i < 10; i++) {
                char name[64], *rec = NULL;
                int ch;
                snprintf(name, sizeof name, "w%d-%d.test", k, i);
                hp_hosts_entry ent = { "127.0.0.1", name };
                if (hp_hosts_ensure_file(rootfd, "/etc/hosts", &ent, 1, &ch,
                                         &rec, &e) != HP_OK ||
                    hp_journal_add(j, HP_J_HOSTS, "/etc/hosts", rec, &e))
                    _exit(2);
                free(rec);
            }
            hp_journal_close(j);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    undo_all();
    hosts_is(HOSTS);
}
END_TEST

Suite *make_journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *t = tcase_create("records");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, open_creates_nothing);
    tcase_add_test(t, records_and_reloads);
    tcase_add_test(t, corrupt_journal_refused);
    tcase_add_test(t, unchanged_not_rewritten);
    tcase_add_test(t, concurrent_writers);
    suite_add_tcase(s, t);
    t = tcase_create("undo");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, install_undo_byte_identical);
    tcase_add_test(t, dirs_holding_the_journal);
    tcase_add_test(t, foreign_changes_left_alone);
    tcase_add_test(t, service_stop_failure_keeps_files);
    suite_add_tcase(s, t);
    t = tcase_create("hosts");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 30);
    tcase_add_test(t, hosts_existing_block_kept);
    tcase_add_test(t, hosts_own_block_goes);
    tcase_add_test(t, hosts_remove_only_journaled);
    tcase_add_test(t, hosts_records_two_writers);
    suite_add_tcase(s, t);
    return s;
}
