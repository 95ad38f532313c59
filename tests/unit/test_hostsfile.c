/* Hosts editor: names and addresses (SECURITY 17-19), the managed block
 * (20-22), the file level (23, 41, 43, 44, 48, 53).  Every refusal also
 * checks that nothing changed: the text transform returns no output, the
 * file keeps its bytes, inode and mtime. */
#include "testutil.h"
#include "host/atomicfile.h"
#include "host/dirlock.h"
#include "host/hostsfile.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static const hp_hosts_entry LOCALHOST = { "127.0.0.1", "localhost" };
static const hp_hosts_entry KUBE = { "127.0.0.1",
                                     "kubernetes.docker.internal" };

/* ---- helpers ------------------------------------------------------- */

static char *fixture(const char *name, size_t *len)
{
    char p[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(p, sizeof p, "%s/tests/unit/fixtures/hosts/%s", src ? src : ".",
             name);
    FILE *f = fopen(p, "rb");
    ck_assert_msg(f != NULL, "fixture %s: %s", p, strerror(errno));
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* add must refuse with code and leave nothing to write */
static void add_refused(const char *text, const hp_hosts_entry *ents,
                        size_t n, int code, const char *needle)
{
    hp_err e = HP_ERR_INIT;
    char *out = (char *)1;
    size_t outlen = 99;
    int r = hp_hosts_add(text, strlen(text), ents, n, &out, &outlen, NULL,
                         &e);
    ck_assert_int_eq(r, code);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(outlen, 0);
    if (needle)
        ck_assert_msg(strstr(e.msg, needle), "message '%s' lacks '%s'",
                      e.msg, needle);
}

static char *add_ok(const char *text, size_t len, const hp_hosts_entry *ents,
                    size_t n, size_t *outlen)
{
    hp_err e = HP_ERR_INIT;
    char *out = NULL;
    ck_assert_int_eq(hp_hosts_add(text, len, ents, n, &out, outlen, NULL, &e),
                     HP_OK);
    return out;
}

static void round_trip(const char *text, size_t len, const char *what)
{
    hp_hosts_entry two[2] = { LOCALHOST, KUBE };
    two[0].name = "host.docker.internal";
    size_t n1, n2;
    char *added = NULL, *rec = NULL;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_hosts_add(text, len, two, 2, &added, &n1, &rec, &e),
                     HP_OK);
    ck_assert_msg(added != NULL && rec != NULL, "%s: nothing added", what);
    ck_assert_msg(hp_hosts_has(added, n1, &two[0]) &&
                  hp_hosts_has(added, n1, &two[1]), "%s: entries missing",
                  what);
    /* the original bytes are kept as a prefix */
    ck_assert_msg(n1 > len && memcmp(added, text, len) == 0,
                  "%s: original bytes not kept", what);
    char *again = add_ok(added, n1, two, 2, &n2);
    ck_assert_msg(again == NULL, "%s: second add wrote again", what);
    /* by its record (what uninstall does) and whole (a journal entry
     * from before records): both give back the original */
    for (int legacy = 0; legacy < 2; legacy++) {
        char *back = NULL;
        ck_assert_int_eq(hp_hosts_remove(added, n1, legacy ? NULL : rec,
                                         &back, &n2, &e), HP_OK);
        ck_assert_ptr_nonnull(back);
        ck_assert_msg(n2 == len && memcmp(back, text, len) == 0,
                      "%s: add+remove%s not byte-identical (%zu vs %zu "
                      "bytes)", what, legacy ? " (whole block)" : "", n2,
                      len);
        free(back);
    }
    free(added);
    free(rec);
}

/* ---- names and addresses ------------------------------------------- */

START_TEST(names_valid)
{
    const char *ok[] = { "localhost", "kubernetes.docker.internal",
                         "a", "A-b.C9", "xn--bcher-kva.example", "1a.test",
                         "host.docker.internal" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_hosts_name_valid(ok[i], &e) == HP_OK, "%s: %s",
                      ok[i], e.msg);
    }
}
END_TEST

START_TEST(names_invalid)
{
    char l64[80], n254[300];
    memset(l64, 'a', 64);
    strcpy(l64 + 64, ".test");
    for (int i = 0; i < 254; i++)
        n254[i] = i % 50 == 49 ? '.' : 'b';
    n254[254] = '\0';
    struct { const char *name, *why; } bad[] = {
        { "", "empty" },
        { "evil\n127.0.0.1 bank.com", "line break" },
        { "evil\r# End of section", "line break" },
        { "a\tb", "control byte" },
        { "a b", "space" },
        { "a#b", "comment" },
        { "a\x01" "b", "control byte" },
        { "a\x7f" "b", "control byte" },
        { l64, "63" },
        { n254, "253" },
        { "*.docker.internal", "wildcards" },
        { "localhost.", "trailing dot" },
        { "b\xc3\xbc" "cher.example", "non-ASCII" },   /* IDN */
        { "\xd0\xb0pple.com", "non-ASCII" },            /* Cyrillic a */
        { "-a.test", "starts" },
        { "a-.test", "ends" },
        { "a..test", "empty label" },
        { ".a.test", "empty label" },
        { "a_b.test", "'_'" },
        { "10.0.0.1", "all-numeric" },
        { "a/../x", "'/'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_hosts_name_valid(bad[i].name, &e) == HP_EUSAGE,
                      "accepted bad name #%zu", i);
        ck_assert_msg(strstr(e.msg, bad[i].why), "#%zu: '%s' lacks '%s'", i,
                      e.msg, bad[i].why);
        /* and the editor refuses it with nothing to write */
        hp_hosts_entry ent = { "127.0.0.1", bad[i].name };
        add_refused("127.0.0.1 localhost\n", &ent, 1, HP_EUSAGE, NULL);
    }
}
END_TEST

START_TEST(addrs)
{
    const char *ok[] = { "127.0.0.1", "127.0.0.2", "::1",
                         "0:0:0:0:0:0:0:1" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_hosts_addr_valid(ok[i], &e) == HP_OK, "%s: %s",
                      ok[i], e.msg);
    }
    struct { const char *addr, *why; } bad[] = {
        { "127.1", "shorthand" }, { "0177.0.0.1", "octal" },
        { "0x7f.0.0.1", "dotted-quad" }, { "127.0.0.01", "dotted-quad" },
        { "::ffff:127.0.0.1", "IPv4-mapped" }, { "fe80::1%en0", "zone" },
        { "::1%lo", "zone" }, { "10.0.0.1", "loopback" },
        { "0.0.0.0", "loopback" }, { "192.168.1.1", "loopback" },
        { "::2", "loopback" }, { "fe80::1", "loopback" }, { "", "empty" },
        { " 127.0.0.1", "dotted-quad" }, { "127.0.0.1 ", "dotted-quad" },
        { "127.0.0.1\nx", "dotted-quad" }, { "::1\n", "IPv6" },
        { "localhost", "dotted-quad" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hp_err e = HP_ERR_INIT;
        ck_assert_msg(hp_hosts_addr_valid(bad[i].addr, &e) == HP_EUSAGE,
                      "accepted bad address #%zu", i);
        ck_assert_msg(strstr(e.msg, bad[i].why), "#%zu: '%s' lacks '%s'", i,
                      e.msg, bad[i].why);
        ck_assert_msg(!strchr(e.msg, '\n'), "raw newline in message");
        hp_hosts_entry ent = { bad[i].addr, "x.test" };
        add_refused("", &ent, 1, HP_EUSAGE, NULL);
    }
}
END_TEST

START_TEST(localhost_not_remapped)
{
    hp_hosts_entry ents[] = { { "127.0.0.2", "localhost" },
                              { "127.0.0.5", "LocalHost" } };
    for (size_t i = 0; i < 2; i++)
        add_refused("", &ents[i], 1, HP_EUSAGE, "localhost");
    hp_hosts_entry v6 = { "::1", "localhost" };
    size_t n;
    char *out = add_ok("", 0, &v6, 1, &n);
    ck_assert_ptr_nonnull(out);
    free(out);
}
END_TEST

/* ---- matching ------------------------------------------------------ */

START_TEST(has_any_spelling)
{
    const char *yes[] = {
        "127.0.0.1 localhost\n",
        "127.0.0.1\t\tlocalhost\n",
        "   127.0.0.1  foo localhost   bar\n",
        "127.0.0.1 LOCALHOST\r\n",
        "# x\n127.0.0.1 localhost # the loopback\n",
        "10.0.0.1 x\n127.0.0.1 localhost",
        "127.0.0.1\vlocalhost\n",
    };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        ck_assert_msg(hp_hosts_has(yes[i], strlen(yes[i]), &LOCALHOST),
                      "missed #%zu", i);
    const char *no[] = {
        "", "#127.0.0.1 localhost\n", "# 127.0.0.1 localhost\n",
        "127.0.0.1 localhostx\n", "127.0.0.1 xlocalhost\n",
        "127.0.0.10 localhost\n", "127.0.0.1 foo#localhost\n",
        "127.0.0.1localhost\n", "localhost 127.0.0.1\n",
        "127.0.0.2 localhost\n", "127.0.0.1 local\n",
        "127.0.0.1 local\0host\n", "127.0.0.1 foo # localhost\n",
        "127.0.0.1 foo #localhost\n",
    };
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        ck_assert_msg(!hp_hosts_has(no[i], strlen(no[i]) +
                                    (i == 11 ? 6 : 0), &LOCALHOST),
                      "false match #%zu", i);
    /* IPv6 has many spellings of one address */
    hp_hosts_entry v6 = { "::1", "localhost" };
    const char *t = "0:0:0:0:0:0:0:1 localhost\n";
    ck_assert(hp_hosts_has(t, strlen(t), &v6));
    t = "::2 localhost\n";
    ck_assert(!hp_hosts_has(t, strlen(t), &v6));
}
END_TEST

/* ---- the managed block --------------------------------------------- */

START_TEST(add_shapes)
{
    size_t n;
    char *out = add_ok("", 0, &KUBE, 1, &n);
    ck_assert_str_eq(out, HP_HOSTS_BEGIN "\n127.0.0.1 kubernetes.docker."
                     "internal\n" HP_HOSTS_END "\n");
    free(out);
    const char *t = "127.0.0.1 localhost\n";
    out = add_ok(t, strlen(t), &KUBE, 1, &n);
    ck_assert_str_eq(out, "127.0.0.1 localhost\n" HP_HOSTS_BEGIN "\n127.0.0."
                     "1 kubernetes.docker.internal\n" HP_HOSTS_END "\n");
    free(out);
    /* no final newline: a separator, and the end marker unterminated */
    t = "127.0.0.1 localhost";
    out = add_ok(t, strlen(t), &KUBE, 1, &n);
    ck_assert_str_eq(out, "127.0.0.1 localhost\n" HP_HOSTS_BEGIN "\n127.0.0."
                     "1 kubernetes.docker.internal\n" HP_HOSTS_END);
    free(out);
    /* CRLF files get CRLF block lines */
    t = "127.0.0.1 localhost\r\n";
    out = add_ok(t, strlen(t), &KUBE, 1, &n);
    ck_assert_str_eq(out, "127.0.0.1 localhost\r\n" HP_HOSTS_BEGIN "\r\n127."
                     "0.0.1 kubernetes.docker.internal\r\n" HP_HOSTS_END
                     "\r\n");
    free(out);
    /* an existing block gets the entry just before its end marker */
    t = "a\n" HP_HOSTS_BEGIN "\n127.0.0.1 x.test\n" HP_HOSTS_END "\nz\n";
    out = add_ok(t, strlen(t), &KUBE, 1, &n);
    ck_assert_str_eq(out, "a\n" HP_HOSTS_BEGIN "\n127.0.0.1 x.test\n127.0.0."
                     "1 kubernetes.docker.internal\n" HP_HOSTS_END "\nz\n");
    free(out);
    /* one call asking twice adds once */
    hp_hosts_entry twice[] = { KUBE, { "127.0.0.1",
                                       "Kubernetes.Docker.Internal" } };
    out = add_ok("", 0, twice, 2, &n);
    ck_assert_ptr_nonnull(strstr(out, "kubernetes"));
    ck_assert_ptr_null(strstr(out, "Kubernetes"));
    free(out);
}
END_TEST

START_TEST(add_idempotent)
{
    /* present anywhere, in any spelling: nothing to write */
    const char *t[] = {
        "127.0.0.1\tlocalhost kubernetes.docker.internal\n",
        "127.0.0.1 localhost\r\n127.0.0.1   KUBERNETES.docker.internal  x\r\n",
        "127.0.0.1 localhost # c\n127.0.0.1\tkubernetes.docker.internal",
    };
    hp_hosts_entry two[] = { LOCALHOST, KUBE };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        size_t n = 7;
        ck_assert_ptr_null(add_ok(t[i], strlen(t[i]), two, 2, &n));
        ck_assert_uint_eq(n, 0);
    }
    /* a commented-out mapping does not count */
    const char *c = "#127.0.0.1 kubernetes.docker.internal\n";
    size_t n;
    char *out = add_ok(c, strlen(c), &KUBE, 1, &n);
    ck_assert_ptr_nonnull(out);
    free(out);
    /* Docker Desktop's own block already maps it */
    char *dd = fixture("docker-desktop-block", &n);
    ck_assert_ptr_null(add_ok(dd, n, &KUBE, 1, &n));
    free(dd);
}
END_TEST

START_TEST(bad_markers_refused)
{
    const char *names[] = { "bad-missing-end", "bad-lone-end", "bad-reversed",
                            "bad-duplicated", "bad-nested",
                            "bad-forged-end" };
    const char *why[] = { "no '# End", "without", "reversed", "twice",
                          "twice", "forged" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t len;
        char *t = fixture(names[i], &len);
        add_refused(t, &KUBE, 1, HP_EFAIL, why[i]);
        /* also when the entry is there already: the file is wrong */
        hp_err e = HP_ERR_INIT;
        char *out = (char *)1;
        size_t n;
        ck_assert_int_eq(hp_hosts_remove(t, len, NULL, &out, &n, &e),
                         HP_EFAIL);
        ck_assert_ptr_null(out);
        ck_assert_msg(strstr(e.msg, "line"), "%s: no line in '%s'", names[i],
                      e.msg);
        free(t);
    }
}
END_TEST

START_TEST(remove_never_eats_content)
{
    /* An unterminated end marker at EOF says "the newline before the
     * block is ours" -- but only the bytes add would have written there
     * are taken: here the line before ends in LF while the block is CRLF,
     * so that newline is the user's and stays. */
    const char *t = "x\na\n" HP_HOSTS_BEGIN "\r\n127.0.0.1 k.test\r\n"
                    HP_HOSTS_END;
    hp_err e = HP_ERR_INIT;
    char *out = NULL;
    size_t n;
    ck_assert_int_eq(hp_hosts_remove(t, strlen(t), NULL, &out, &n, &e), HP_OK);
    ck_assert_str_eq(out, "x\na\n");
    free(out);
    /* block at the very start: nothing before it to take */
    t = HP_HOSTS_BEGIN "\n" HP_HOSTS_END;
    ck_assert_int_eq(hp_hosts_remove(t, strlen(t), NULL, &out, &n, &e), HP_OK);
    ck_assert_uint_eq(n, 0);
    free(out);
}
END_TEST

START_TEST(remove_without_block)
{
    hp_err e = HP_ERR_INIT;
    char *out = (char *)1;
    size_t n = 3;
    const char *t = "127.0.0.1 localhost\n# Added by Docker Desktop x\n";
    ck_assert_int_eq(hp_hosts_remove(t, strlen(t), NULL, &out, &n, &e), HP_OK);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* The record says what add wrote; remove takes out that and nothing else,
 * and refuses a damaged record rather than guess. */
START_TEST(remove_by_record)
{
    hp_err e = HP_ERR_INIT;
    char *out = NULL, *rec = NULL;
    size_t n;
    ck_assert_int_eq(hp_hosts_add("", 0, &KUBE, 1, &out, &n, &rec, &e),
                     HP_OK);
    ck_assert_str_eq(rec, "markers;127.0.0.1 kubernetes.docker.internal");
    free(out);
    free(rec);
    const char *dd = "a\n" HP_HOSTS_BEGIN "\n192.168.65.2 host.docker."
                     "internal\n" HP_HOSTS_END "\nz";
    ck_assert_int_eq(hp_hosts_add(dd, strlen(dd), &KUBE, 1, &out, &n, &rec,
                                  &e), HP_OK);
    ck_assert_str_eq(rec, "127.0.0.1 kubernetes.docker.internal");
    /* the line edited by the user is theirs: nothing of ours is left */
    char edited[512];
    snprintf(edited, sizeof edited, "a\n" HP_HOSTS_BEGIN "\n192.168.65.2 "
             "host.docker.internal\n127.0.0.1 kubernetes.docker.internal "
             "# mine\n" HP_HOSTS_END "\nz");
    char *back = (char *)1;
    ck_assert_int_eq(hp_hosts_remove(edited, strlen(edited), rec, &back, &n,
                                     &e), HP_OK);
    ck_assert_ptr_null(back);
    /* the same line outside the block was never ours either */
    const char *outside = "127.0.0.1 kubernetes.docker.internal\n"
                          HP_HOSTS_BEGIN "\n" HP_HOSTS_END "\n";
    ck_assert_int_eq(hp_hosts_remove(outside, strlen(outside), rec, &back,
                                     &n, &e), HP_OK);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(hp_hosts_remove(out, strlen(out), rec, &back, &n,
                                     &e), HP_OK);
    ck_assert_str_eq(back, dd);
    free(back);
    const char *damaged[] = {
        "", "markers;", "127.0.0.1", "127.0.0.1  x.test", "10.0.0.9 x.test",
        "127.0.0.1 x.test # c", "Markers", "127.0.0.1 -x.test",
    };
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++) {
        back = (char *)1;
        ck_assert_int_eq(hp_hosts_remove(out, strlen(out), damaged[i], &back,
                                         &n, &e), HP_EFAIL);
        ck_assert_ptr_null(back);
        ck_assert_msg(strstr(e.msg, "damaged"), "#%zu: %s", i, e.msg);
    }
    free(out);
    free(rec);
}
END_TEST

START_TEST(fixtures_round_trip)
{
    char p[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(p, sizeof p, "%s/tests/unit/fixtures/hosts", src ? src : ".");
    DIR *d = opendir(p);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    int count = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !strncmp(de->d_name, "bad-", 4) ||
            !strcmp(de->d_name, "docker-desktop-block"))
            continue;
        size_t len;
        char *t = fixture(de->d_name, &len);
        round_trip(t, len, de->d_name);
        free(t);
        count++;
    }
    closedir(d);
    ck_assert_int_ge(count, 9);
}
END_TEST

START_TEST(odd_bytes_round_trip)
{
    /* NULs, a file ending in a lone CR, only CRs, junk: all kept */
    const char nul[] = "127.0.0.1 localhost\n\0\0junk\0\n10.0.0.1 a\0b\n";
    round_trip(nul, sizeof nul - 1, "nul");
    const char nul_end[] = "x\0";
    round_trip(nul_end, sizeof nul_end - 1, "nul-end");
    round_trip("a\rb\rc\r", 6, "cr-only");
    round_trip("\r\n\r\n", 4, "crlf-blank");
    round_trip("\xff\xfe\x80", 3, "binary");
    const char *big = "# x\r\ny\n";      /* mixed endings: first wins */
    size_t n;
    char *out = add_ok(big, strlen(big), &KUBE, 1, &n);
    ck_assert_ptr_nonnull(strstr(out, HP_HOSTS_BEGIN "\r\n"));
    free(out);
    round_trip(big, strlen(big), "mixed");
}
END_TEST

START_TEST(large_one_pass)
{
    /* 100k lines: one pass, nothing truncated, nothing duplicated */
    size_t cap = 100000 * 40, len = 0;
    char *t = malloc(cap);
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(t + len, cap - len,
                                "0.0.0.0 ad%06d.tracker.example\n", i);
    size_t n1, n2;
    char *out = add_ok(t, len, &KUBE, 1, &n1);
    ck_assert_uint_eq(n1, len + strlen(HP_HOSTS_BEGIN "\n127.0.0.1 "
                      "kubernetes.docker.internal\n" HP_HOSTS_END "\n"));
    ck_assert_ptr_null(add_ok(out, n1, &KUBE, 1, &n2));
    round_trip(t, len, "100k");
    free(out);
    free(t);
}
END_TEST

/* Once every lookup is decided the scan looks only at lines that start
 * with '#' (markers): line numbers, CRLF and the terminator before a
 * block must come out as a line-by-line walk gives them. */
START_TEST(markers_after_lookups)
{
    hp_hosts_entry both[2] = { LOCALHOST, KUBE };
    size_t cap = 200000, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t + len, cap - len, "127.0.0.1 localhost\r\n"
                            "127.0.0.1 kubernetes.docker.internal\r\n");
    for (int i = 0; i < 2000; i++)      /* '#' inside lines: no markers */
        len += (size_t)snprintf(t + len, cap - len, "0.0.0.0 ad%d # "
                                HP_HOSTS_BEGIN "\r\n\r\n", i);
    size_t base = len;
    /* nothing to do, and not malformed */
    ck_assert_ptr_null(add_ok(t, len, both, 2, &(size_t){ 0 }));
    /* a block further down: removal gives the text before it back */
    hp_hosts_entry other = { "127.0.0.1", "host.docker.internal" };
    size_t n1, n2;
    char *added = add_ok(t, len, &other, 1, &n1), *back = NULL;
    ck_assert_ptr_nonnull(added);
    ck_assert_ptr_null(add_ok(added, n1, both, 2, &n2));
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_hosts_remove(added, n1, NULL, &back, &n2, &e), HP_OK);
    ck_assert(back && n2 == base && memcmp(back, t, base) == 0);
    ck_assert_ptr_nonnull(strstr(added + base, "\r\n"));    /* CRLF kept */
    free(back);
    free(added);
    /* a second begin marker, far down: both line numbers are right */
    len += (size_t)snprintf(t + len, cap - len, HP_HOSTS_BEGIN "\r\n"
                            HP_HOSTS_END "\r\n\n" HP_HOSTS_BEGIN "\n");
    add_refused(t, both, 2, HP_EFAIL, "twice (lines 4003 and 4006)");
    free(t);
}
END_TEST

/* ---- file level ---------------------------------------------------- */

static char root[PATH_MAX];
static int rootfd = -1;

/* The journal's part, played here: what each ensure of this process
 * added is kept (appended, as the journal does) and handed to remove, as
 * uninstall does.  Nothing kept: remove takes the whole block. */
static char kept[8192];

static int ensure(int fd, const char *hpath, const hp_hosts_entry *ents,
                  size_t n, int *ch, hp_err *e)
{
    char *rec = NULL;
    int r = hp_hosts_ensure_file(fd, hpath, ents, n, ch, &rec, e);
    if (rec) {
        size_t l = strlen(kept);
        snprintf(kept + l, sizeof kept - l, "%s%s",
                 l ? HP_HOSTS_REC_SEP : "", rec);
    }
    free(rec);
    return r;
}

static int remove_ours(int fd, const char *hpath, int *ch, hp_err *e)
{
    int r = hp_hosts_remove_file(fd, hpath, *kept ? kept : NULL, ch, e);
    if (r == HP_OK)
        *kept = '\0';
    return r;
}

static void sb_setup(void)
{
    *kept = '\0';
    tu_sandbox(root, sizeof root);
    tu_mkdir(root, "/etc", 0755, 0, 0);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(rootfd, 0);
}

static void sb_teardown(void)
{
    close(rootfd);
    tu_sandbox_rm(root);
}

static struct stat st_of(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_int_eq(lstat(p, &st), 0);
    return st;
}

/* The file has exactly these bytes, and (st given) the same inode and
 * mtime: it was not rewritten. */
static void unchanged(const char *hpath, const char *want, size_t wlen,
                      const struct stat *before)
{
    size_t len;
    char *got = tu_read(root, hpath, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(len == wlen && memcmp(got, want, len) == 0,
                  "%s changed (%zu bytes, expected %zu)", hpath, len, wlen);
    free(got);
    if (before) {
        struct stat now = st_of(hpath);
        ck_assert_uint_eq(now.st_ino, before->st_ino);
        ck_assert_int_eq(now.st_mtim.tv_sec, before->st_mtim.tv_sec);
        ck_assert_int_eq(now.st_mtim.tv_nsec, before->st_mtim.tv_nsec);
    }
}

static void no_temps(void)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc", root);
    DIR *d = opendir(p);
    struct dirent *de;
    while ((de = readdir(d)))
        ck_assert_msg(!strstr(de->d_name, ".hp-") &&
                      !strstr(de->d_name, "hostpriv-bak"),
                      "leftover %s", de->d_name);
    closedir(d);
}

/* The file-level checks read the file in pieces: what they conclude is
 * what the whole text says, whatever falls on a piece's edge (a CRLF, a
 * marker, the entry, a line longer than a piece). */
START_TEST(file_check_in_pieces)
{
    hp_hosts_entry both[2] = { LOCALHOST, KUBE };
    static const char *tails[] = {
        "127.0.0.1 kubernetes.docker.internal\r\n",
        HP_HOSTS_BEGIN "\r\n127.0.0.1 kubernetes.docker.internal\r\n"
        HP_HOSTS_END "\r\n",
        HP_HOSTS_BEGIN "\n127.0.0.1 kubernetes.docker.internal\n",
        "10.0.0.9 kubernetes.docker.internal\n127.0.0.1 "
        "kubernetes.docker.internal",
        "",
    };
    size_t cap = 1 << 20;
    char *t = malloc(cap);
    for (size_t pad = 0; pad < 3; pad++)
        for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
            size_t len = (size_t)snprintf(t, cap, "127.0.0.1 localhost\r\n");
            /* lines up to just before the 128 KiB edge, then one line
             * long enough to cross it (and in one case longer than it) */
            while (len < 131000 - pad * 7)
                len += (size_t)snprintf(t + len, cap - len,
                                        "0.0.0.0 ad%zu.example\r\n", len);
            size_t longline = pad == 2 ? 300000 : 40;
            memset(t + len, 'x', longline);
            len += longline;
            len += (size_t)snprintf(t + len, cap - len, "\r\n%s", tails[k]);
            tu_write(root, "/etc/hosts", t, len, 0644, 0, 0);
            int whole = hp_hosts_has(t, len, &KUBE) &&
                        hp_hosts_has(t, len, &LOCALHOST);
            char *out = NULL;
            size_t outlen;
            hp_err e = HP_ERR_INIT;
            int add = hp_hosts_add(t, len, both, 2, &out, &outlen, NULL, &e);
            free(out);
            ck_assert_msg(hp_hosts_check_file(rootfd, "/etc/hosts", both, 2,
                                              NULL) == whole,
                          "check differs: tail %zu, pad %zu", k, pad);
            ck_assert_msg(hp_hosts_ensure_needed(rootfd, "/etc/hosts", both,
                                                 2) ==
                          !(add == HP_OK && out == NULL),
                          "ensure_needed differs: tail %zu, pad %zu", k, pad);
        }
    free(t);
}
END_TEST

START_TEST(file_ensure_then_idempotent)
{
    const char *orig = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    hp_err e = HP_ERR_INIT;
    int ch = -1;
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 1);
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", &KUBE, 1, &e),
                     1);
    struct stat st = st_of("/etc/hosts");
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    size_t len;
    char *now = tu_read(root, "/etc/hosts", &len);
    /* present: nothing written at all */
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", both, 2, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 0);
    unchanged("/etc/hosts", now, len, &st);
    /* remove: byte-identical to the start */
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 1);
    unchanged("/etc/hosts", orig, strlen(orig), NULL);
    st = st_of("/etc/hosts");
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 0);
    unchanged("/etc/hosts", orig, strlen(orig), &st);
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", &KUBE, 1, &e),
                     0);
    no_temps();
    free(now);
}
END_TEST

/* An editor killed mid-way leaves the directory's lock file (and perhaps
 * its temp): the entries may well be in place already (killed after the
 * rename), yet the read-only shortcut must not skip the locked path, which
 * takes the dead editor's lock over and clears both. */
START_TEST(file_ensure_clears_killed_editor)
{
    const char *orig = "127.0.0.1 localhost kubernetes.docker.internal\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    ck_assert_int_eq(hp_hosts_ensure_needed(rootfd, "/etc/hosts", both, 2),
                     0);
    tu_write(root, "/etc/" HP_DIRLOCK_NAME, "", 0, 0600, 0, 0);
    tu_write(root, "/etc/.hosts.hp-Ab12Cd", "half", 4, 0600, 0, 0);
    ck_assert_int_eq(hp_hosts_ensure_needed(rootfd, "/etc/hosts", both, 2),
                     1);
    hp_err e = HP_ERR_INIT;
    int ch = -1;
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", both, 2, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 0);
    unchanged("/etc/hosts", orig, strlen(orig), NULL);
    no_temps();
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/" HP_DIRLOCK_NAME, root);
    ck_assert_msg(access(p, F_OK) != 0, "the dead editor's lock file stays");
    ck_assert_int_eq(hp_hosts_ensure_needed(rootfd, "/etc/hosts", both, 2),
                     0);
}
END_TEST

START_TEST(file_missing_created)
{
    hp_err e = HP_ERR_INIT;
    int ch = 0;
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", &KUBE, 1, &e),
                     0);
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &LOCALHOST, 1,
                            &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 1);
    struct stat st = st_of("/etc/hosts");
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    ck_assert_uint_eq(st.st_uid, 0);
    ck_assert_uint_eq(st.st_gid, 0);
    /* removing leaves the (now empty) file: hostpriv recorded no creation */
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    unchanged("/etc/hosts", "", 0, NULL);
    /* no /etc at all: an error, nothing made */
    ck_assert_int_ne(ensure(rootfd, "/nope/hosts", &KUBE, 1, &ch, &e), HP_OK);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/nope", root);
    ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

START_TEST(file_keeps_owner_mode_xattr)
{
    const char *orig = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0600, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    int xa = setxattr(p, "user.hostpriv-test", "kept", 4, 0) == 0;
    ck_assert_msg(xa || errno == ENOTSUP, "setxattr: %s", strerror(errno));
    hp_err e = HP_ERR_INIT;
    int ch;
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch, &e), HP_OK);
    struct stat st = st_of("/etc/hosts");
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    if (xa) {
        char v[16] = "";
        ck_assert_int_eq(getxattr(p, "user.hostpriv-test", v, sizeof v), 4);
        ck_assert_mem_eq(v, "kept", 4);
    }
    /* an owner other than root is kept too (a hosts file root doesn't own
     * is odd, but it is not ours to change) */
    ck_assert_int_eq(chown(p, 1234, 1234), 0);
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    st = st_of("/etc/hosts");
    ck_assert_uint_eq(st.st_uid, 1234);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    unchanged("/etc/hosts", orig, strlen(orig), NULL);
}
END_TEST

START_TEST(file_symlink_rules)
{
    /* a root-owned link in a root-only directory is followed, and stays a
     * link: the target is what gets edited */
    const char *orig = "127.0.0.1 localhost\n";
    tu_mkdir(root, "/private/etc", 0755, 0, 0);
    tu_write(root, "/private/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    ck_assert_int_eq(symlink("/private/etc/hosts", p), 0);
    hp_err e = HP_ERR_INIT;
    int ch;
    ck_assert_msg(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                         &e) == HP_OK, "%s", e.msg);
    ck_assert(S_ISLNK(st_of("/etc/hosts").st_mode));
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", &KUBE, 1, &e),
                     1);
    size_t len;
    char *t = tu_read(root, "/private/etc/hosts", &len);
    ck_assert(hp_hosts_has(t, len, &KUBE));
    free(t);
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    unchanged("/private/etc/hosts", orig, strlen(orig), NULL);

    /* a link a user owns is not followed: nothing changes anywhere */
    ck_assert_int_eq(lchown(p, 1234, 1234), 0);
    struct stat before = st_of("/private/etc/hosts");
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                            &e), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
    unchanged("/private/etc/hosts", orig, strlen(orig), &before);
    ck_assert(S_ISLNK(st_of("/etc/hosts").st_mode));

    /* nor a root-owned link in a directory others can write */
    ck_assert_int_eq(lchown(p, 0, 0), 0);
    snprintf(p, sizeof p, "%s/etc", root);
    ck_assert_int_eq(chmod(p, 0777), 0);
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                            &e), HP_EFAIL);
    unchanged("/private/etc/hosts", orig, strlen(orig), &before);
    ck_assert_int_eq(chmod(p, 0755), 0);
}
END_TEST

START_TEST(file_not_regular)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    hp_err e = HP_ERR_INIT;
    int ch = 9;
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    ck_assert_int_ne(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 0);
    ck_assert(S_ISFIFO(st_of("/etc/hosts").st_mode));
    ck_assert_int_lt(hp_hosts_check_file(rootfd, "/etc/hosts", &KUBE, 1, &e),
                     0);
    unlink(p);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    ck_assert_int_ne(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    ck_assert(S_ISDIR(st_of("/etc/hosts").st_mode));
}
END_TEST

START_TEST(file_bad_input_nothing_changed)
{
    const char *orig = "127.0.0.1 localhost\n# Added by Docker Desktop\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    struct stat before = st_of("/etc/hosts");
    hp_err e = HP_ERR_INIT;
    int ch = 5;
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                            &e), HP_EFAIL);
    ck_assert_int_eq(ch, 0);
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_EFAIL);
    unchanged("/etc/hosts", orig, strlen(orig), &before);
    hp_hosts_entry bad = { "127.0.0.1", "x\n127.0.0.1 evil" };
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &bad, 1, &ch,
                            &e), HP_EUSAGE);
    unchanged("/etc/hosts", orig, strlen(orig), &before);
    /* a bad entry never creates a missing file */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    unlink(p);
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &bad, 1, &ch,
                            &e), HP_EUSAGE);
    ck_assert_ptr_null(tu_read(root, "/etc/hosts", NULL));
    no_temps();
}
END_TEST

START_TEST(file_adblock_100k)
{
    size_t cap = 100002 * 40, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t, cap, "127.0.0.1 localhost\n");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(t + len, cap - len,
                                "0.0.0.0 ad%06d.tracker.example\n", i);
    tu_write(root, "/etc/hosts", t, len, 0644, 0, 0);
    hp_err e = HP_ERR_INIT;
    int ch;
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", both, 2, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 1);
    size_t n;
    char *now = tu_read(root, "/etc/hosts", &n);
    ck_assert(n > len && memcmp(now, t, len) == 0);     /* not truncated */
    ck_assert_ptr_null(strstr(now + len, "localhost")); /* already there */
    struct stat st = st_of("/etc/hosts");
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", both, 2, &ch, &e), HP_OK);
    ck_assert_int_eq(ch, 0);                            /* no duplicate */
    unchanged("/etc/hosts", now, n, &st);
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    unchanged("/etc/hosts", t, len, NULL);
    free(now);
    free(t);
}
END_TEST

/* Item 44: someone edits the file between our read and our rename.  The
 * fault hook plays the other editor at step 1 (temp created). */
static int foreign_edits;
static char foreign_path[PATH_MAX];

static void other_editor(int step)
{
    if (step != 1 || foreign_edits == 0)
        return;
    foreign_edits--;
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.vi", foreign_path);
    FILE *f = fopen(tmp, "w");
    fprintf(f, "127.0.0.1 localhost\n10.9.9.9 user-edit-%d.lan\n",
            foreign_edits);
    fclose(f);
    rename(tmp, foreign_path);
}

START_TEST(file_concurrent_editor)
{
    const char *orig = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    snprintf(foreign_path, sizeof foreign_path, "%s/etc/hosts", root);
    hp_af_fault_hook = other_editor;
    /* once: detected, re-read, retried; both edits survive */
    foreign_edits = 1;
    hp_err e = HP_ERR_INIT;
    int ch;
    ck_assert_msg(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                         &e) == HP_OK, "%s", e.msg);
    size_t n;
    char *t = tu_read(root, "/etc/hosts", &n);
    ck_assert_ptr_nonnull(strstr(t, "user-edit-0.lan"));
    ck_assert(hp_hosts_has(t, n, &KUBE));
    free(t);
    /* every time: after one retry it fails, and the user's edit stands */
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    foreign_edits = 2;
    ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch,
                            &e), HP_EFAIL);
    ck_assert_int_eq(ch, 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "changed"));
    t = tu_read(root, "/etc/hosts", &n);
    ck_assert_ptr_nonnull(strstr(t, "user-edit-0.lan"));
    ck_assert(!hp_hosts_has(t, n, &KUBE));
    free(t);
    hp_af_fault_hook = NULL;
    no_temps();
}
END_TEST

/* Item 43: two processes ensuring different entries at once. */
#define RACE_N 40

static int racer(const char *prefix)
{
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < RACE_N; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%d.race.test", prefix, i);
        hp_hosts_entry ent = { "127.0.0.1", name };
        hp_err e = HP_ERR_INIT;
        int ch;
        if (ensure(fd, "/etc/hosts", &ent, 1, &ch, &e) != HP_OK
            || ch != 1) {
            fprintf(stderr, "racer %s%d: %s\n", prefix, i, e.msg);
            return 1;
        }
    }
    return 0;
}

START_TEST(file_two_processes)
{
    const char *orig = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    pid_t a = fork();
    if (a == 0)
        _exit(racer("a"));
    pid_t b = fork();
    if (b == 0)
        _exit(racer("b"));
    int sa, sb;
    ck_assert_int_eq(waitpid(a, &sa, 0), a);
    ck_assert_int_eq(waitpid(b, &sb, 0), b);
    ck_assert(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
    ck_assert(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
    size_t n;
    char *t = tu_read(root, "/etc/hosts", &n);
    for (int i = 0; i < RACE_N; i++)
        for (const char *p = "ab"; *p; p++) {
            char name[64];
            snprintf(name, sizeof name, "%c%d.race.test", *p, i);
            hp_hosts_entry ent = { "127.0.0.1", name };
            ck_assert_msg(hp_hosts_has(t, n, &ent), "lost update %s", name);
        }
    free(t);
    hp_err e = HP_ERR_INIT;
    int ch;
    ck_assert_int_eq(remove_ours(rootfd, "/etc/hosts", &ch, &e), HP_OK);
    unchanged("/etc/hosts", orig, strlen(orig), NULL);
}
END_TEST

/* Item 48: kill -9 at every step of the rewrite: wholly old or new. */
static void die_now(int step)
{
    (void)step;
    kill(getpid(), SIGKILL);
}

static int die_at;
static void die_at_step(int step)
{
    if (step == die_at)
        die_now(step);
}

START_TEST(file_kill9_each_step)
{
    const char *orig = "127.0.0.1 localhost";
    for (die_at = 1; die_at <= 5; die_at++) {
        tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
        pid_t pid = fork();
        if (pid == 0) {
            hp_af_fault_hook = die_at_step;
            hp_err e = HP_ERR_INIT;
            int ch;
            ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch, &e);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        size_t n;
        char *t = tu_read(root, "/etc/hosts", &n);
        int old = n == strlen(orig) && !memcmp(t, orig, n);
        int new = hp_hosts_has(t, n, &KUBE) && !memcmp(t, orig, strlen(orig));
        ck_assert_msg(old || new, "step %d: torn file", die_at);
        ck_assert_msg(die_at > 3 ? new : old, "step %d: unexpected state",
                      die_at);
        ck_assert_uint_eq(st_of("/etc/hosts").st_mode & 07777, 0644);
        /* the next edit works and cleans the killed run's temp */
        hp_err e = HP_ERR_INIT;
        int ch;
        ck_assert_int_eq(ensure(rootfd, "/etc/hosts", &KUBE, 1,
                                &ch, &e), HP_OK);
        ck_assert_int_eq(ch, !new);
        no_temps();
        free(t);
    }
}
END_TEST

/* Item 23: an immutable hosts file (chattr +i, Linux's uchg) is refused
 * and stays as it was. */
START_TEST(file_immutable)
{
    const char *orig = "127.0.0.1 localhost\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    int fd = open(p, O_RDONLY);
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0 ||
        (flags |= FS_IMMUTABLE_FL, ioctl(fd, FS_IOC_SETFLAGS, &flags)) != 0) {
        /* tmpfs and some overlays have no inode flags: nothing to test */
        ck_assert_msg(errno == ENOTTY || errno == EOPNOTSUPP,
                      "chattr +i: %s", strerror(errno));
        fprintf(stderr, "file_immutable: no inode flags on %s, skipped\n",
                root);
        close(fd);
        return;
    }
    struct stat before = st_of("/etc/hosts");
    hp_err e = HP_ERR_INIT;
    int ch;
    int r = ensure(rootfd, "/etc/hosts", &KUBE, 1, &ch, &e);
    flags &= ~FS_IMMUTABLE_FL;
    ioctl(fd, FS_IOC_SETFLAGS, &flags);
    close(fd);
    ck_assert_int_eq(r, HP_EFAIL);
    ck_assert_int_eq(ch, 0);
    unchanged("/etc/hosts", orig, strlen(orig), &before);
    no_temps();
}
END_TEST

/* Items 41, 49, 50 in a private mount namespace: a genuinely full tmpfs,
 * and a bind-mounted hosts file (rename gives EBUSY, as in containers). */
static int in_namespace(int (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 ||
            mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
            _exit(90);
        _exit(fn());
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int disk_full(void)
{
    char etc[PATH_MAX];
    snprintf(etc, sizeof etc, "%s/etc", root);
    if (mount("tmpfs", etc, "tmpfs", 0, "size=64k,mode=0755") != 0)
        return 91;
    /* 40 KiB fills most of 64k: the temp copy cannot fit */
    size_t len = 40 * 1024;
    char *t = malloc(len);
    for (size_t i = 0; i < len; i++)
        t[i] = i % 32 == 31 ? '\n' : 'a';
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/hosts", etc);
    FILE *f = fopen(p, "w");
    if (!f || fwrite(t, 1, len, f) != len || fclose(f) != 0)
        return 92;
    chmod(p, 0644);
    int fd = open(root, O_PATH | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    int ch = 0;
    int r = ensure(fd, "/etc/hosts", &KUBE, 1, &ch, &e);
    if (r != HP_EFAIL || ch != 0 || !strstr(e.msg, "space"))
        return fprintf(stderr, "disk full: %d %s\n", r, e.msg), 93;
    size_t n;
    char *now = tu_read(root, "/etc/hosts", &n);
    int same = n == len && memcmp(now, t, len) == 0;
    free(now);
    free(t);
    if (!same)
        return 94;
    struct stat st;
    stat(p, &st);
    if ((st.st_mode & 07777) != 0644)
        return 95;
    DIR *d = opendir(etc);
    struct dirent *de;
    int temps = 0;
    while ((de = readdir(d)))
        temps += strstr(de->d_name, ".hp-") != NULL;
    closedir(d);
    return temps ? 96 : 0;
}

START_TEST(file_disk_full)
{
    ck_assert_int_eq(in_namespace(disk_full), 0);
}
END_TEST

static int bind_mounted(void)
{
    char real[PATH_MAX], p[PATH_MAX];
    const char *orig = "127.0.0.1 localhost\n";
    snprintf(real, sizeof real, "%s/hosts.real", root);
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    FILE *f = fopen(real, "w");
    fputs(orig, f);
    fclose(f);
    f = fopen(p, "w");
    fclose(f);
    if (mount(real, p, "none", MS_BIND, NULL) != 0)
        return 91;
    int fd = open(root, O_PATH | O_DIRECTORY);
    hp_err e = HP_ERR_INIT;
    int ch = 0;
    if (ensure(fd, "/etc/hosts", &KUBE, 1, &ch, &e) != HP_OK ||
        ch != 1)
        return fprintf(stderr, "bind: %s\n", e.msg), 92;
    size_t n;
    char *t = tu_read(root, "/hosts.real", &n);  /* through the mount */
    int has = hp_hosts_has(t, n, &KUBE);
    free(t);
    if (!has)
        return 93;
    if (remove_ours(fd, "/etc/hosts", &ch, &e) != HP_OK)
        return 94;
    t = tu_read(root, "/hosts.real", &n);
    int back = n == strlen(orig) && !memcmp(t, orig, n);
    free(t);
    if (!back)
        return 95;
    snprintf(p, sizeof p, "%s/etc/hosts.hostpriv-bak", root);
    return access(p, F_OK) == 0 ? 96 : 0;
}

START_TEST(file_bind_mounted)
{
    ck_assert_int_eq(in_namespace(bind_mounted), 0);
}
END_TEST

Suite *make_hostsfile_suite(void)
{
    Suite *s = suite_create("hostsfile");
    TCase *t = tcase_create("names");
    tcase_add_test(t, names_valid);
    tcase_add_test(t, names_invalid);
    tcase_add_test(t, addrs);
    tcase_add_test(t, localhost_not_remapped);
    suite_add_tcase(s, t);

    t = tcase_create("block");
    tcase_add_test(t, has_any_spelling);
    tcase_add_test(t, add_shapes);
    tcase_add_test(t, add_idempotent);
    tcase_add_test(t, bad_markers_refused);
    tcase_add_test(t, remove_without_block);
    tcase_add_test(t, remove_never_eats_content);
    tcase_add_test(t, remove_by_record);
    tcase_add_test(t, fixtures_round_trip);
    tcase_add_test(t, odd_bytes_round_trip);
    tcase_add_test(t, large_one_pass);
    tcase_add_test(t, markers_after_lookups);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);

    t = tcase_create("file");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, file_ensure_then_idempotent);
    tcase_add_test(t, file_ensure_clears_killed_editor);
    tcase_add_test(t, file_check_in_pieces);
    tcase_add_test(t, file_missing_created);
    tcase_add_test(t, file_keeps_owner_mode_xattr);
    tcase_add_test(t, file_symlink_rules);
    tcase_add_test(t, file_not_regular);
    tcase_add_test(t, file_bad_input_nothing_changed);
    tcase_add_test(t, file_adblock_100k);
    tcase_add_test(t, file_immutable);
    suite_add_tcase(s, t);
    tcase_set_timeout(t, 30);

    t = tcase_create("concurrency");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, file_concurrent_editor);
    tcase_add_test(t, file_two_processes);
    tcase_add_test(t, file_kill9_each_step);
    tcase_add_test(t, file_disk_full);
    tcase_add_test(t, file_bind_mounted);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    return s;
}
