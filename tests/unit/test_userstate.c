/* A small file of hostpriv's in the user's ~/.docker/hostpriv
 * (host/userstate), with a format of one word a line: a missing file or
 * directory reads as empty, the directory and file made as the user's,
 * an edit that changes nothing rewrites nothing and one that leaves
 * nothing removes the file, an edit's error or a file too large changes
 * nothing, a symlink in the file's place is refused and left, root never
 * writes into a home a user owns, and another writer between our read
 * and our rename is merged once, never twice.  decisions and
 * usersettings test their formats on top of this. */
#include "testutil.h"
#include "host/userstate.h"
#include "host/atomicfile.h"
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];
static int rootfd = -1;
static uid_t uid;
static gid_t gid;
#define HOME "/home/ust"
#define DIR_ HOME "/.docker/hostpriv"
#define FILE_ DIR_ "/words"

static int refuse(int homefd, const char *home, hp_err *e)
{
    (void)homefd;
    return hp_err_set(e, HP_ECONFIG, "the hook refuses %s", home);
}

static const hp_ustate plain = { ".docker/hostpriv/words", 64, NULL };
static const hp_ustate hooked = { ".docker/hostpriv/words", 64, refuse };

static void sb_setup(void)
{
    rootfd = tu_home_sandbox(root, sizeof root, HOME, &uid, &gid);
}

static void sb_teardown(void)
{
    hp_af_fault_hook = NULL;
    close(rootfd);
    tu_sandbox_rm(root);
}

/* One call (as the test user through tu_as_user_call, or as root). */
struct call {
    char op;            /* r read, c clear; edits: a append word, k keep,
                         * d remove the file, f fail */
    const hp_ustate *f;
    const char *home, *word;
    int adds, calls, bad;       /* bad: a callback got what it should not */
    char seen[256], msg[768];
};
static struct call call, *const C = &call;

/* Both callbacks note what they were given (the last call's text); no
 * assertion here: they may run in the hp_as_user child. */
static int seen(struct call *c, const char *path, const char *text,
                size_t len)
{
    c->calls++;
    c->bad |= strlen(text) != len || !strstr(path, "/.docker/hostpriv/words");
    snprintf(c->seen, sizeof c->seen, "%s", text);
    return HP_OK;
}

static int read_cb(void *arg, const char *path, const char *text,
                   size_t len, hp_err *e)
{
    (void)e;
    return seen(arg, path, text, len);
}

static int edit_cb(void *arg, const char *path, const char *old, size_t len,
                   hp_ustate_new *out, hp_err *e)
{
    struct call *c = arg;
    seen(c, path, old, len);
    switch (c->op) {
    case 'f': return hp_err_set(e, HP_ECONFIG, "the edit fails");
    case 'k': return HP_OK;
    case 'd': out->remove = 1; return HP_OK;
    }
    if (asprintf(&out->text, "%s%s\n", old, c->word) < 0)
        return hp_err_set(e, HP_EINTERNAL, "out of memory");
    out->len = strlen(out->text);
    return HP_OK;
}

static int do_call(void *arg, hp_err *e)
{
    struct call *c = arg;
    c->calls = c->bad = 0;
    c->seen[0] = '\0';
    switch (c->op) {
    case 'r': return hp_ustate_read(c->f, rootfd, c->home, read_cb, c, e);
    case 'c': return hp_ustate_clear(c->f, rootfd, c->home, e);
    default:  return hp_ustate_edit(c->f, rootfd, c->home, c->adds, edit_cb,
                                    c, e);
    }
}

static void prep(char op, const hp_ustate *f, const char *word, int adds)
{
    C->op = op;
    C->f = f;
    C->home = HOME;
    C->word = word;
    C->adds = adds;
}

static int as_user(char op, const char *word, int adds)
{
    prep(op, &plain, word, adds);
    int r = tu_as_user_call(uid, gid, do_call, C, sizeof *C, C->msg,
                            sizeof C->msg);
    ck_assert(!C->bad);
    return r;
}

static int as_root(char op, const hp_ustate *f, const char *word, int adds)
{
    hp_err e = HP_ERR_INIT;
    prep(op, f, word, adds);
    int r = do_call(C, &e);
    snprintf(C->msg, sizeof C->msg, "%s", e.msg);
    ck_assert(!C->bad);
    return r;
}

static int exists(const char *hpath, struct stat *st)
{
    char p[PATH_MAX];
    struct stat tmp;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return lstat(p, st ? st : &tmp) == 0;
}

static void file_is(const char *want)
{
    size_t n;
    char *t = tu_read(root, FILE_, &n);
    ck_assert_msg(t && !strcmp(t, want), "file is '%s', not '%s'",
                  t ? t : "(none)", want);
    free(t);
}

START_TEST(missing_reads_empty)
{
    /* taking away from nothing: the callback is not even called */
    ck_assert_int_eq(as_user('d', NULL, 0), HP_OK);
    ck_assert_int_eq(C->calls, 0);
    ck_assert(!exists(HOME "/.docker", NULL));
    ck_assert_int_eq(as_user('r', NULL, 0), HP_OK);
    ck_assert_int_eq(C->calls, 1);
    ck_assert_str_eq(C->seen, "");
    ck_assert_int_eq(as_root('r', &plain, NULL, 0), HP_OK);
    ck_assert_int_eq(C->calls, 1);
    tu_hostpriv_file(root, HOME, "words", NULL, 0, uid, gid);
    ck_assert_int_eq(as_user('r', NULL, 0), HP_OK);
    ck_assert_int_eq(C->calls, 1);
    ck_assert_str_eq(C->seen, "");
    ck_assert_int_eq(as_user('c', NULL, 0), HP_OK);
    hp_err e = HP_ERR_INIT;
    C->home = "relative/home";
    ck_assert_int_eq(do_call(C, &e), HP_EUSAGE);
    ck_assert_int_eq(C->calls, 0);
}
END_TEST

START_TEST(write_keep_remove)
{
    struct stat st, st2;
    ck_assert_msg(as_user('a', "one", 1) == HP_OK, "%s", C->msg);
    file_is("one\n");
    /* the directory and the file: the user's, 0755 and 0644 */
    ck_assert(exists(DIR_, &st));
    ck_assert_uint_eq(st.st_uid, uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0755);
    ck_assert(exists(FILE_, &st));
    ck_assert_uint_eq(st.st_uid, uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(as_user('a', "two", 1), HP_OK);
    ck_assert_str_eq(C->seen, "one\n");
    ck_assert_int_eq(as_user('r', NULL, 0), HP_OK);
    ck_assert_str_eq(C->seen, "one\ntwo\n");
    /* nothing changed: not rewritten */
    ck_assert(exists(FILE_, &st));
    ck_assert_int_eq(as_user('k', NULL, 1), HP_OK);
    ck_assert(exists(FILE_, &st2));
    ck_assert_uint_eq(st.st_ino, st2.st_ino);
    /* nothing left: no file; the directory stays */
    ck_assert_int_eq(as_user('d', NULL, 0), HP_OK);
    ck_assert(!exists(FILE_, NULL));
    ck_assert(exists(DIR_, NULL));
    ck_assert_int_eq(as_user('a', "three", 1), HP_OK);
    ck_assert_int_eq(as_user('c', NULL, 0), HP_OK);
    ck_assert(!exists(FILE_, NULL));
    ck_assert_int_eq(as_user('c', NULL, 0), HP_OK);
    /* no temp file or lock left behind: the directory is empty */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, DIR_);
    ck_assert_int_eq(rmdir(p), 0);
}
END_TEST

/* An edit's error, a file over the limit: the file stays as it was. */
START_TEST(errors_change_nothing)
{
    tu_hostpriv_file(root, HOME, "words", "one\n", 4, uid, gid);
    ck_assert_int_eq(as_user('f', "x", 1), HP_ECONFIG);
    ck_assert_int_eq(C->calls, 1);
    ck_assert_str_eq(C->msg, "the edit fails");
    file_is("one\n");
    char big[66];
    memset(big, 'w', 64);
    strcpy(big + 64, "\n");
    tu_hostpriv_file(root, HOME, "words", big, 65, uid, gid);
    ck_assert_int_eq(as_user('r', NULL, 0), HP_EFAIL);
    ck_assert_int_eq(C->calls, 0);
    ck_assert_ptr_nonnull(strstr(C->msg, "more than the 64"));
    ck_assert_int_eq(as_user('a', "x", 1), HP_EFAIL);
    ck_assert_int_eq(C->calls, 0);
    file_is(big);
}
END_TEST

START_TEST(not_a_regular_file)
{
    tu_hostpriv_file(root, HOME, "words", NULL, 0, uid, gid);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, FILE_);
    ck_assert_int_eq(symlink("/etc/passwd", p), 0);
    ck_assert_int_eq(lchown(p, uid, gid), 0);
    ck_assert_int_ne(as_user('r', NULL, 0), HP_OK);
    ck_assert_int_eq(C->calls, 0);
    ck_assert_int_ne(as_user('a', "x", 1), HP_OK);
    ck_assert_int_eq(C->calls, 0);
    ck_assert_int_ne(as_user('d', NULL, 0), HP_OK);
    ck_assert_int_ne(as_user('c', NULL, 0), HP_OK);
    ck_assert_ptr_nonnull(strstr(C->msg, "not a regular file"));
    struct stat st;
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

START_TEST(root_and_the_users_home)
{
    /* into the user's home: the default refusal, or the file's own */
    ck_assert_int_eq(as_root('a', &plain, "x", 1), HP_EDENIED);
    ck_assert_ptr_nonnull(strstr(C->msg, "as root"));
    ck_assert_int_eq(as_root('a', &hooked, "x", 1), HP_ECONFIG);
    ck_assert_str_eq(C->msg, "the hook refuses " HOME);
    ck_assert_int_eq(C->calls, 0);
    ck_assert(!exists(HOME "/.docker", NULL));
    /* the hook is root's alone; reading as root is fine */
    prep('a', &hooked, "x", 1);
    ck_assert_int_eq(tu_as_user_call(uid, gid, do_call, C, sizeof *C,
                                     NULL, 0), HP_OK);
    ck_assert_int_eq(as_root('r', &hooked, NULL, 0), HP_OK);
    ck_assert_str_eq(C->seen, "x\n");
    ck_assert_int_eq(as_root('c', &plain, NULL, 0), HP_EDENIED);
    file_is("x\n");
    /* a home of root's own: root writes there */
    tu_mkdir(root, "/home/rootown", 0755, 0, 0);
    prep('a', &plain, "r", 1);
    C->home = "/home/rootown";
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(do_call(C, &e) == HP_OK, "%s", e.msg);
    struct stat st;
    ck_assert(exists("/home/rootown/.docker/hostpriv/words", &st));
    ck_assert_uint_eq(st.st_uid, 0);
}
END_TEST

/* Another writer between our read and our rename (the fault hook, run in
 * the hp_as_user child at step 1). */
static int other_writes;

static void other_writer(int step)
{
    char p[PATH_MAX], tmp[PATH_MAX + 8];
    if (step != 1 || other_writes-- <= 0)
        return;
    snprintf(p, sizeof p, "%s%s", root, FILE_);
    snprintf(tmp, sizeof tmp, "%s.x", p);
    FILE *f = fopen(tmp, "w");
    fprintf(f, "other%d\n", other_writes);
    fclose(f);
    rename(tmp, p);
}

START_TEST(concurrent_writer)
{
    /* once: read again, the edit made on the other's text */
    ck_assert_int_eq(as_user('a', "first", 1), HP_OK);
    hp_af_fault_hook = other_writer;
    other_writes = 1;
    ck_assert_msg(as_user('a', "mine", 1) == HP_OK, "%s", C->msg);
    ck_assert_int_eq(C->calls, 2);
    ck_assert_str_eq(C->seen, "other0\n");
    file_is("other0\nmine\n");
    /* every time: two attempts, then the other's file is left */
    other_writes = 5;
    ck_assert_int_eq(as_user('a', "lost", 1), HP_EFAIL);
    ck_assert_int_eq(C->calls, 2);
    ck_assert_msg(strstr(C->msg, "changed while we edited it"), "%s", C->msg);
    file_is("other3\n");
}
END_TEST

Suite *make_userstate_suite(void)
{
    Suite *s = suite_create("userstate");
    TCase *t = tcase_create("file");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, missing_reads_empty);
    tcase_add_test(t, write_keep_remove);
    tcase_add_test(t, errors_change_nothing);
    tcase_add_test(t, not_a_regular_file);
    tcase_add_test(t, root_and_the_users_home);
    tcase_add_test(t, concurrent_writer);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    return s;
}
