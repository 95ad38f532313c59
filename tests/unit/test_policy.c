/* Registry Access Management policy: parsing with jansson (size cap,
 * duplicates, shapes, patterns, each error saying where), matching, and
 * the root-owned cache (SECURITY 16, 41, 53): unsafe directories, a
 * planted symlink or FIFO, a full disk -- each refused with nothing
 * changed. */
#include "testutil.h"
#include "host/identity.h"
#include "host/journal.h"
#include "host/policy.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOOD "{\"allowedRegistries\": [\"docker.io\", \"*.corp.example\", " \
             "\"registry.local:5000\"]}"

static hp_policy *parse_ok(const char *json)
{
    hp_policy *p = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_policy_parse(json, strlen(json), &p, &e) == HP_OK,
                  "%s: %s", json, e.msg);
    return p;
}

static void parse_bad(const char *json, size_t len, const char *why)
{
    hp_policy *p = (hp_policy *)1;
    hp_err e = HP_ERR_INIT;
    ck_assert_msg(hp_policy_parse(json, len, &p, &e) == HP_EFAIL,
                  "accepted: %.80s", json);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(e.msg, why), "'%s' lacks '%s'", e.msg, why);
    ck_assert_msg(!strchr(e.msg, '\n'), "raw newline in '%s'", e.msg);
}

START_TEST(parse_good)
{
    hp_policy *p = parse_ok(GOOD);
    char *s = hp_policy_dump(p);
    ck_assert_str_eq(s, "{\n  \"allowedRegistries\": [\n    \"docker.io\",\n"
                     "    \"*.corp.example\",\n    \"registry.local:5000\"\n"
                     "  ]\n}\n");
    free(s);
    hp_policy_free(p);
    /* empty list: nothing allowed; other keys: accepted, not kept */
    p = parse_ok("{\"allowedRegistries\": [], \"comment\": {\"x\": [1]}}");
    s = hp_policy_dump(p);
    ck_assert_ptr_null(strstr(s, "comment"));
    ck_assert_int_eq(hp_policy_allows(p, "docker.io"), 0);
    free(s);
    hp_policy_free(p);
    /* the dump parses back to the same policy */
    p = parse_ok(GOOD);
    s = hp_policy_dump(p);
    hp_policy *q = parse_ok(s);
    char *s2 = hp_policy_dump(q);
    ck_assert_str_eq(s, s2);
    free(s);
    free(s2);
    hp_policy_free(p);
    hp_policy_free(q);
}
END_TEST

START_TEST(parse_bad_documents)
{
    /* size cap before parsing: even a valid document of 1 MiB + 1 */
    size_t big = HP_POLICY_MAX + 1;
    char *b = malloc(big + 1);
    memset(b, ' ', big);
    memcpy(b, "{\"allowedRegistries\": []}", 25);
    parse_bad(b, big, "limit");
    free(b);
    const char *j = "{\"allowedRegistries\": [\"a.io\",]}";
    parse_bad(j, strlen(j), "column");
    j = "{\"allowedRegistries\": []}\n{}";
    parse_bad(j, strlen(j), "line 2");
    j = "{\"allowedRegistries\": [], \"allowedRegistries\": [\"evil.io\"]}";
    parse_bad(j, strlen(j), "duplicate");
    parse_bad("", 0, "valid JSON");
    parse_bad("[\"docker.io\"]", 13, "object");
    parse_bad("\"docker.io\"", 11, "valid JSON");
    parse_bad("{}", 2, "no \"allowedRegistries\"");
    j = "{\"allowedRegistries\": \"docker.io\"}";
    parse_bad(j, strlen(j), "array");
    j = "{\"allowedRegistries\": [\"docker.io\", 5]}";
    parse_bad(j, strlen(j), "[1] is not a string");
    j = "{\"allowedRegistries\": [{\"host\": \"a\"}]}";
    parse_bad(j, strlen(j), "[0] is not a string");
    j = "{\"allowedRegistries\": [\"a\\u0000b\"]}";
    parse_bad(j, strlen(j), "valid JSON");
    const char nul[] = "{\"allowedRegistries\": [\"a\0\"]}";
    parse_bad(nul, sizeof nul - 1, "valid JSON");
    j = "\xef\xbb\xbf{\"allowedRegistries\": []}";
    parse_bad(j, strlen(j), "valid JSON");
}
END_TEST

START_TEST(parse_bad_patterns)
{
    char l64[100];
    memset(l64, 'a', 64);
    strcpy(l64 + 64, ".io");
    struct { const char *pat, *why; } bad[] = {
        { "", "empty" }, { "Docker.io", "upper-case" },
        { "https://docker.io", "scheme" }, { "docker.io/library", "path" },
        { "*", "'*'" }, { "*.", "empty host" }, { "a.*.io", "'*'" },
        { "foo*.io", "'*'" }, { "**.io", "'*'" }, { "*.*.io", "'*'" },
        { "a.io:0", "port" }, { "a.io:65536", "port" }, { "a.io:080", "port" },
        { "a.io:", "port" }, { "a.io:x", "port" }, { "a.io:-1", "port" },
        { ":5000", "empty host" }, { "[::1]:5000", "IPv6" },
        { "::1", "IPv6" }, { l64, "63" }, { "a.io.", "dot" },
        { "a..io", "empty label" }, { "-a.io", "'-'" }, { "a-.io", "'-'" },
        { "a io", "lower-case letter" }, { "a\\nb.io", "lower-case letter" },
        { "b\\u00fccher.io", "lower-case letter" },
        { "a_b.io", "lower-case letter" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char j[512];
        snprintf(j, sizeof j, "{\"allowedRegistries\": [\"ok.io\", \"%s\"]}",
                 bad[i].pat);
        parse_bad(j, strlen(j), bad[i].why);
        parse_bad(j, strlen(j), "allowedRegistries[1]");
    }
}
END_TEST

START_TEST(allows)
{
    hp_policy *p = parse_ok(GOOD);
    struct { const char *reg; int want; } t[] = {
        { "docker.io", 1 }, { "DOCKER.IO", 1 }, { "docker.io:443", 1 },
        { "index.docker.io", 0 }, { "docker.iox", 0 }, { "xdocker.io", 0 },
        { "a.corp.example", 1 }, { "a.b.corp.example", 1 },
        { "A.Corp.Example:8443", 1 }, { "corp.example", 0 },
        { "xcorp.example", 0 }, { "a.corp.example.evil", 0 },
        { ".corp.example", 0 }, { "registry.local:5000", 1 },
        { "registry.local", 0 }, { "registry.local:5001", 0 },
        { "", 0 }, { "*.corp.example", 0 }, { "docker.io/library", 0 },
        { "https://docker.io", 0 }, { "docker.io\n", 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        ck_assert_msg(hp_policy_allows(p, t[i].reg) == t[i].want,
                      "%s: want %d", t[i].reg, t[i].want);
    ck_assert_int_eq(hp_policy_allows(p, NULL), 0);
    ck_assert_int_eq(hp_policy_allows(NULL, "docker.io"), 0);
    hp_policy_free(p);
}
END_TEST

/* ---- the cache ----------------------------------------------------- */

static char root[PATH_MAX];
static int rootfd = -1;
#define DIR_ "/Library/Application Support/com.docker.docker"
#define CACHE DIR_ "/registry-access-management.json"
#define JOURNAL "/var/lib/hostpriv/journal"

static void sb_setup(void)
{
    tu_sandbox(root, sizeof root);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void sb_teardown(void)
{
    close(rootfd);
    tu_sandbox_rm(root);
}

static int count_entry(void *arg, int kind, const char *hpath,
                       const char *extra)
{
    (void)extra;
    char *log = arg;
    size_t n = strlen(log);
    snprintf(log + n, 2048 - n, "%d:%s;", kind, hpath);
    return 0;
}

static struct stat st_of(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_msg(lstat(p, &st) == 0, "%s: %s", p, strerror(errno));
    return st;
}

static int exists(const char *hpath)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, hpath);
    return access(p, F_OK) == 0;
}

static int load_as_user(void *arg, hp_err *e)
{
    (void)arg;
    hp_policy *p = NULL;
    char path[PATH_MAX];
    int r = hp_policy_load(rootfd, CACHE, &p, e);
    if (r == HP_OK && hp_policy_allows(p, "x.corp.example") != 1)
        r = hp_err_set(e, HP_EFAIL, "allows gave the wrong answer");
    hp_policy_free(p);
    snprintf(path, sizeof path, "%s%s", root, CACHE);
    if (r == HP_OK && (open(path, O_WRONLY) >= 0 || errno != EACCES))
        r = hp_err_set(e, HP_EFAIL, "the user could open the cache to write");
    snprintf(path, sizeof path, "%s%s/x", root, DIR_);
    if (r == HP_OK && (open(path, O_WRONLY | O_CREAT, 0644) >= 0 ||
                       errno != EACCES))
        r = hp_err_set(e, HP_EFAIL, "the user could create in the cache dir");
    return r;
}

START_TEST(store_and_load)
{
    hp_journal *j = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_journal_open(rootfd, JOURNAL, &j, &e), HP_OK);
    ck_assert_msg(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), j, &e)
                  == HP_OK, "%s", e.msg);
    struct stat f = st_of(CACHE), d = st_of(DIR_), l = st_of("/Library");
    ck_assert(S_ISREG(f.st_mode) && f.st_uid == 0 && f.st_gid == 0);
    ck_assert_uint_eq(f.st_mode & 07777, 0644);
    ck_assert(d.st_uid == 0 && (d.st_mode & 07777) == 0755);
    ck_assert(l.st_uid == 0 && (l.st_mode & 07777) == 0755);
    char log[2048] = "";
    hp_journal_each(j, count_entry, log);
    /* newest first: the file, then the three directories made */
    ck_assert_str_eq(log, "1:" CACHE ";0:" DIR_ ";0:/Library/Application "
                     "Support;0:/Library;");
    /* the user reads it and gets the same answers, and cannot change it */
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    ck_assert_int_eq(hp_as_user(uid, gid, load_as_user, NULL, &e), HP_OK);
    hp_policy *p = NULL;
    /* a second store replaces it, still root:root 0644 */
    const char *v2 = "{\"allowedRegistries\": [\"ghcr.io\"]}";
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, v2, strlen(v2), j, &e),
                     HP_OK);
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_OK);
    ck_assert_int_eq(hp_policy_allows(p, "docker.io"), 0);
    ck_assert_int_eq(hp_policy_allows(p, "ghcr.io"), 1);
    hp_policy_free(p);
    ck_assert_uint_eq(st_of(CACHE).st_mode & 07777, 0644);
    /* uninstall reverts exactly that: nothing of it is left */
    ck_assert_int_eq(hp_journal_undo(j, NULL, NULL, &e), HP_OK);
    hp_journal_close(j);
    ck_assert(!exists("/Library"));
}
END_TEST

static void nothing_changed(const char *before, size_t blen)
{
    size_t n;
    char *now = tu_read(root, CACHE, &n);
    if (!before) {
        ck_assert_ptr_null(now);
        return;
    }
    ck_assert_ptr_nonnull(now);
    ck_assert(n == blen && !memcmp(now, before, n));
    free(now);
}

START_TEST(store_refuses_bad_json_creating_nothing)
{
    hp_err e = HP_ERR_INIT;
    const char *bad = "{\"allowedRegistries\": [\"Docker.io\"]}";
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, bad, strlen(bad), NULL,
                                     &e), HP_EFAIL);
    ck_assert(!exists("/Library"));
    ck_assert_int_eq(hp_policy_store(rootfd, "relative.json", GOOD,
                                     strlen(GOOD), NULL, &e), HP_EUSAGE);
}
END_TEST

START_TEST(store_refuses_unsafe_dirs)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    hp_err e = HP_ERR_INIT;
    const char *old = "{\"allowedRegistries\": [\"old.io\"]}";
    tu_mkdir(root, DIR_, 0755, 0, 0);
    tu_write(root, CACHE, old, strlen(old), 0644, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, DIR_);
    /* the cache directory owned by the user */
    ck_assert_int_eq(chown(p, uid, gid), 0);
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                     &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "someone other than root"));
    nothing_changed(old, strlen(old));
    /* root's, but group- or world-writable (sticky or not) */
    ck_assert_int_eq(chown(p, 0, 0), 0);
    mode_t modes[] = { 0775, 0757, 01777 };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(chmod(p, modes[i]), 0);
        ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD),
                                         NULL, &e), HP_EFAIL);
        nothing_changed(old, strlen(old));
    }
    ck_assert_int_eq(chmod(p, 0755), 0);
    /* a parent writable by others */
    snprintf(p, sizeof p, "%s/Library/Application Support", root);
    ck_assert_int_eq(chmod(p, 0777), 0);
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                     &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "Application Support"));
    nothing_changed(old, strlen(old));
    /* ... unless root-owned and sticky, like /tmp */
    ck_assert_int_eq(chmod(p, 01777), 0);
    ck_assert_msg(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                  &e) == HP_OK, "%s", e.msg);
    ck_assert_int_eq(chmod(p, 0755), 0);
    /* a missing cache dir below an unsafe parent is not created */
    snprintf(p, sizeof p, "%s/Library", root);
    ck_assert_int_eq(chmod(p, 0777), 0);
    ck_assert_int_eq(hp_policy_store(rootfd, "/Library/New/x.json", GOOD,
                                     strlen(GOOD), NULL, &e), HP_EFAIL);
    ck_assert(!exists("/Library/New"));
}
END_TEST

START_TEST(store_refuses_planted_targets)
{
    hp_err e = HP_ERR_INIT;
    tu_mkdir(root, DIR_, 0755, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s", root, CACHE);
    /* a symlink to somewhere root would otherwise overwrite */
    tu_mkdir(root, "/etc", 0755, 0, 0);
    tu_write(root, "/etc/sudoers", "root ALL\n", 9, 0440, 0, 0);
    ck_assert_int_eq(symlink("/etc/sudoers", p), 0);
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                     &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
    ck_assert(S_ISLNK(st_of(CACHE).st_mode));
    size_t n;
    char *s = tu_read(root, "/etc/sudoers", &n);
    ck_assert_str_eq(s, "root ALL\n");
    free(s);
    hp_policy *pol = NULL;
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &pol, &e), HP_EFAIL);
    unlink(p);
    /* a FIFO: refused at once, no hang */
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                     &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "FIFO"));
    ck_assert(S_ISFIFO(st_of(CACHE).st_mode));
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &pol, &e), HP_EFAIL);
    unlink(p);
    /* an odd existing file (0600, another owner) ends up root:root 0644 */
    tu_write(root, CACHE, "{}", 2, 0600, 1234, 1234);
    ck_assert_int_eq(hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL,
                                     &e), HP_OK);
    struct stat st = st_of(CACHE);
    ck_assert(st.st_uid == 0 && st.st_gid == 0 &&
              (st.st_mode & 07777) == 0644);
}
END_TEST

static int store_as_user(void *arg, hp_err *e)
{
    (void)arg;
    return hp_policy_store(rootfd, CACHE, GOOD, strlen(GOOD), NULL, e);
}

START_TEST(store_needs_root_load_distrusts)
{
    uid_t uid;
    gid_t gid;
    tu_user(&uid, &gid);
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_as_user(uid, gid, store_as_user, NULL, &e),
                     HP_EDENIED);
    ck_assert(!exists("/Library"));
    hp_policy *p = NULL;
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "no policy cached"));
    /* a cache someone else could have written is not believed */
    tu_mkdir(root, DIR_, 0755, 0, 0);
    tu_write(root, CACHE, GOOD, strlen(GOOD), 0644, uid, gid);
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_EFAIL);
    ck_assert_ptr_null(p);
    tu_write(root, CACHE, GOOD, strlen(GOOD), 0666, 0, 0);
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_EFAIL);
    tu_write(root, CACHE, GOOD, strlen(GOOD), 0644, 0, 0);
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s%s", root, DIR_);
    ck_assert_int_eq(chmod(d, 0777), 0);
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_EFAIL);
    ck_assert_int_eq(chmod(d, 0755), 0);
    ck_assert_int_eq(hp_policy_load(rootfd, CACHE, &p, &e), HP_OK);
    hp_policy_free(p);
}
END_TEST

/* Item 41: the disk fills while the cache is written. */
static int disk_full(void)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s%s", root, DIR_);
    if (unshare(CLONE_NEWNS) != 0 ||
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", d, "tmpfs", 0, "size=64k,mode=0755") != 0)
        return 90;
    const char *old = "{\"allowedRegistries\": [\"old.io\"]}";
    char p[PATH_MAX + 40];
    snprintf(p, sizeof p, "%s/filler", d);
    int fd = open(p, O_WRONLY | O_CREAT, 0600);
    char blk[4096] = { 0 };
    while (write(fd, blk, sizeof blk) == (ssize_t)sizeof blk)
        ;
    close(fd);
    unlink(p);                  /* free exactly enough for the old file */
    snprintf(p, sizeof p, "%s/registry-access-management.json", d);
    fd = open(p, O_WRONLY | O_CREAT, 0644);
    if (fd < 0 || write(fd, old, strlen(old)) != (ssize_t)strlen(old))
        return 91;
    close(fd);
    snprintf(p, sizeof p, "%s/filler", d);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    while (write(fd, blk, sizeof blk) > 0)
        ;
    close(fd);
    /* a big (valid) policy cannot fit now */
    size_t cap = 200 * 1024, len = 0;
    char *big = malloc(cap);
    len += (size_t)snprintf(big, cap, "{\"allowedRegistries\": [");
    for (int i = 0; i < 5000; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s\"r%d.example\"",
                                i ? ", " : "", i);
    len += (size_t)snprintf(big + len, cap - len, "]}");
    int rfd = open(root, O_PATH | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    int rc = hp_policy_store(rfd, CACHE, big, len, NULL, &e);
    free(big);
    if (rc != HP_EFAIL || !strstr(e.msg, "space"))
        return fprintf(stderr, "policy disk full: %s\n", e.msg), 92;
    size_t n;
    snprintf(p, sizeof p, "%s/registry-access-management.json", d);
    FILE *f = fopen(p, "r");
    char buf[256] = "";
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n != strlen(old) || memcmp(buf, old, n))
        return 93;
    DIR *dir = opendir(d);
    struct dirent *de;
    int temps = 0;
    while ((de = readdir(dir)))
        temps += strstr(de->d_name, ".hp-") != NULL;
    closedir(dir);
    return temps ? 94 : 0;
}

START_TEST(store_disk_full)
{
    tu_mkdir(root, DIR_, 0755, 0, 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(disk_full());
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

Suite *make_policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *t = tcase_create("parse");
    tcase_add_test(t, parse_good);
    tcase_add_test(t, parse_bad_documents);
    tcase_add_test(t, parse_bad_patterns);
    tcase_add_test(t, allows);
    suite_add_tcase(s, t);
    t = tcase_create("cache");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, store_and_load);
    tcase_add_test(t, store_refuses_bad_json_creating_nothing);
    tcase_add_test(t, store_refuses_unsafe_dirs);
    tcase_add_test(t, store_refuses_planted_targets);
    tcase_add_test(t, store_needs_root_load_distrusts);
    tcase_add_test(t, store_disk_full);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    return s;
}
