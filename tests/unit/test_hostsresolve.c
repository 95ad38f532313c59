/* The hosts editor makes names *resolve*: checked with a first-match
 * lookup, as glibc's files backend does it for AF_INET (the first line
 * whose names include the name and whose address is IPv4 decides).  A
 * user's earlier line mapping the name elsewhere is a conflict: hostpriv's
 * lines go before it, the user's line stays byte for byte, and the "present"
 * check still writes nothing once the name resolves. */
#include "testutil.h"
#include "host/hostsfile.h"
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const hp_hosts_entry LOCALHOST = { "127.0.0.1", "localhost" };
static const hp_hosts_entry KUBE = { "127.0.0.1",
                                     "kubernetes.docker.internal" };
#define KN "kubernetes.docker.internal"

/* ---- a first-match resolver, independent of the editor ------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Does one line (no terminator) map name to an IPv4 address?  Then its
 * address is copied to out and 1 is returned. */
static int line_maps(const char *s, size_t n, const char *name,
                     char out[INET_ADDRSTRLEN])
{
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    char field[300], addr[300] = "";
    int nf = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && is_ws(s[i]))
            i++;
        size_t f0 = i;
        while (i < n && !is_ws(s[i]))
            i++;
        if (i == f0 || i - f0 >= sizeof field)
            continue;
        memcpy(field, s + f0, i - f0);
        field[i - f0] = '\0';
        if (nf++ == 0) {
            struct in_addr a;
            if (inet_pton(AF_INET, field, &a) != 1)
                return 0;       /* not an IPv4 line: skipped for AF_INET */
            strcpy(addr, field);
        } else if (strcasecmp(field, name) == 0) {
            snprintf(out, INET_ADDRSTRLEN, "%s", addr);
            return 1;
        }
    }
    return 0;
}

/* The address a first-match AF_INET lookup of name returns, "" if none. */
static const char *lookup4(const char *t, size_t len, const char *name)
{
    static char out[INET_ADDRSTRLEN];
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(t + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - t) : len;
        if (line_maps(t + pos, end - pos, name, out))
            return out;
        pos = end + 1;
    }
    return "";
}

/* ---- text level ---------------------------------------------------- */

/* add to text; the result must make every entry resolve to 127.0.0.1,
 * keep each of the user's lines, be stable (a second add writes nothing)
 * and come off again byte for byte. */
static char *resolve_after_add(const char *text, const hp_hosts_entry *ents,
                               size_t n)
{
    hp_err e = HP_ERR_INIT;
    size_t len = strlen(text), olen = 0, n2 = 9;
    char *out = NULL, *again = (char *)1, *back = NULL, *rec = NULL;
    ck_assert_int_eq(hp_hosts_add(text, len, ents, n, &out, &olen, &rec, &e),
                     HP_OK);
    ck_assert_msg(out != NULL, "nothing added to:\n%s", text);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(!strcmp(lookup4(out, olen, ents[i].name), "127.0.0.1"),
                      "%s resolves to '%s' in:\n%s", ents[i].name,
                      lookup4(out, olen, ents[i].name), out);
        ck_assert_msg(hp_hosts_has(out, olen, &ents[i]), "has() disagrees "
                      "for %s in:\n%s", ents[i].name, out);
    }
    ck_assert_int_eq(hp_hosts_add(out, olen, ents, n, &again, &n2, NULL,
                                  &e), HP_OK);
    ck_assert_msg(again == NULL, "second add wrote again:\n%s", out);
    ck_assert_int_eq(hp_hosts_remove(out, olen, rec, &back, &n2, &e), HP_OK);
    ck_assert_msg(back && n2 == len && !memcmp(back, text, len),
                  "add+remove not byte-identical:\n%s", back ? back : "");
    free(back);
    free(rec);
    return out;
}

START_TEST(conflict_earlier_line_kube)
{
    const char *t = "127.0.0.1\tlocalhost\n10.0.0.9 " KN "\n::1 localhost\n";
    ck_assert_str_eq(lookup4(t, strlen(t), KN), "10.0.0.9");
    ck_assert(!hp_hosts_has(t, strlen(t), &KUBE));
    char *out = resolve_after_add(t, &KUBE, 1);
    /* the block goes just before the user's line, which stays as it was */
    ck_assert_str_eq(out, "127.0.0.1\tlocalhost\n" HP_HOSTS_BEGIN "\n"
                     "127.0.0.1 " KN "\n" HP_HOSTS_END "\n10.0.0.9 " KN "\n"
                     "::1 localhost\n");
    free(out);
}
END_TEST

START_TEST(conflict_earlier_line_localhost)
{
    const char *t = "# mine\r\n10.0.0.9\tlocalhost  # lab box\r\n"
                    "127.0.0.1 localhost\r\n";
    ck_assert(!hp_hosts_has(t, strlen(t), &LOCALHOST));
    char *out = resolve_after_add(t, &LOCALHOST, 1);
    ck_assert_str_eq(out, "# mine\r\n" HP_HOSTS_BEGIN "\r\n127.0.0.1 "
                     "localhost\r\n" HP_HOSTS_END "\r\n10.0.0.9\tlocalhost  "
                     "# lab box\r\n127.0.0.1 localhost\r\n");
    free(out);
    /* the conflict on the first line, in a file without a final newline */
    t = "127.0.1.1 localhost " KN;
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    out = resolve_after_add(t, both, 2);
    ck_assert_str_eq(out, HP_HOSTS_BEGIN "\n127.0.0.1 localhost\n127.0.0.1 "
                     KN "\n" HP_HOSTS_END "\n127.0.1.1 localhost " KN);
    free(out);
}
END_TEST

START_TEST(ipv6_lines_are_not_conflicts)
{
    /* ::1 (any spelling) before the IPv4 line: it resolves, nothing to do */
    const char *t = "::1 localhost " KN "\n0:0::1 " KN "\n127.0.0.1 "
                    "localhost " KN "\n";
    ck_assert(hp_hosts_has(t, strlen(t), &KUBE));
    ck_assert(hp_hosts_has(t, strlen(t), &LOCALHOST));
    hp_err e = HP_ERR_INIT;
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    char *out = (char *)1;
    size_t n = 3;
    ck_assert_int_eq(hp_hosts_add(t, strlen(t), both, 2, &out, &n, NULL, &e),
                     HP_OK);
    ck_assert_ptr_null(out);
    /* only ::1: no IPv4 answer yet, so the block is added at the end */
    t = "::1 " KN "\n";
    out = resolve_after_add(t, &KUBE, 1);
    ck_assert_str_eq(out, "::1 " KN "\n" HP_HOSTS_BEGIN "\n127.0.0.1 " KN
                     "\n" HP_HOSTS_END "\n");
    free(out);
    /* a conflict seen through an IPv4-mapped address (glibc maps those for
     * IPv4 lookups) gets the block before it too */
    t = "::ffff:10.0.0.9 " KN "\n";
    out = resolve_after_add(t, &KUBE, 1);
    ck_assert_ptr_nonnull(strstr(out, HP_HOSTS_END "\n::ffff:10.0.0.9"));
    free(out);
}
END_TEST

START_TEST(later_conflict_is_harmless)
{
    /* the name resolves on the first line: a later remap is never seen */
    const char *t = "127.0.0.1 " KN "\n10.0.0.9 " KN "\n";
    ck_assert(hp_hosts_has(t, strlen(t), &KUBE));
    /* a conflict after the block: the entry goes into the block as ever */
    t = HP_HOSTS_BEGIN "\n" HP_HOSTS_END "\n10.0.0.9 " KN "\n";
    char *out = resolve_after_add(t, &KUBE, 1);
    ck_assert_str_eq(out, HP_HOSTS_BEGIN "\n127.0.0.1 " KN "\n" HP_HOSTS_END
                     "\n10.0.0.9 " KN "\n");
    free(out);
}
END_TEST

START_TEST(conflict_inside_existing_block)
{
    /* Docker Desktop's block maps the name elsewhere: ours goes in the
     * block, before that line */
    const char *t = "127.0.0.1 localhost\n" HP_HOSTS_BEGIN "\n192.168.65.2 "
                    "host.docker.internal\n10.0.0.9 " KN "\n" HP_HOSTS_END
                    "\n";
    char *out = resolve_after_add(t, &KUBE, 1);
    ck_assert_str_eq(out, "127.0.0.1 localhost\n" HP_HOSTS_BEGIN "\n"
                     "192.168.65.2 host.docker.internal\n127.0.0.1 " KN "\n"
                     "10.0.0.9 " KN "\n" HP_HOSTS_END "\n");
    free(out);
}
END_TEST

START_TEST(conflict_above_existing_block_refused)
{
    /* the block sits below the user's line: nothing inside it can win; the
     * user is told which line, nothing is written */
    const char *t = "10.0.0.9 " KN "\n" HP_HOSTS_BEGIN "\n192.168.65.2 "
                    "host.docker.internal\n" HP_HOSTS_END "\n";
    hp_err e = HP_ERR_INIT;
    char *out = (char *)1;
    size_t n = 3;
    ck_assert_int_eq(hp_hosts_add(t, strlen(t), &KUBE, 1, &out, &n, NULL, &e),
                     HP_EFAIL);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(e.msg, "line 1") && strstr(e.msg, "10.0.0.9") &&
                  strstr(e.msg, KN), "unclear: %s", e.msg);
}
END_TEST

START_TEST(two_addresses_for_one_name_refused)
{
    /* a first-match lookup returns one of them: asking for both at once
     * could never be satisfied (and would add again on every run) */
    hp_hosts_entry two[] = { { "127.0.0.1", "a.test" },
                             { "127.0.0.2", "A.test" } };
    hp_err e = HP_ERR_INIT;
    char *out = (char *)1;
    size_t n = 3;
    ck_assert_int_eq(hp_hosts_add("", 0, two, 2, &out, &n, NULL, &e),
                     HP_EUSAGE);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(e.msg, "a.test"), "%s", e.msg);
}
END_TEST

/* ---- file level ---------------------------------------------------- */

static char root[PATH_MAX];
static int rootfd = -1;

static void sb_setup(void)
{
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

START_TEST(file_conflict_resolves_then_quiet)
{
    const char *orig = "127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost"
                       "\n::1 localhost\n10.0.0.9 " KN "\n";
    tu_write(root, "/etc/hosts", orig, strlen(orig), 0644, 0, 0);
    hp_err e = HP_ERR_INIT;
    hp_hosts_entry both[] = { LOCALHOST, KUBE };
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", both, 2, &e),
                     0);
    int ch = 0;
    ck_assert_int_eq(hp_hosts_ensure_file(rootfd, "/etc/hosts", both, 2, &ch,
                                          NULL, &e), HP_OK);
    ck_assert_int_eq(ch, 1);
    size_t len;
    char *now = tu_read(root, "/etc/hosts", &len);
    ck_assert_str_eq(lookup4(now, len, KN), "127.0.0.1");
    ck_assert_str_eq(lookup4(now, len, "localhost"), "127.0.0.1");
    ck_assert_ptr_nonnull(strstr(now, "\n10.0.0.9 " KN "\n"));
    ck_assert_int_eq(hp_hosts_check_file(rootfd, "/etc/hosts", both, 2, &e),
                     1);
    /* resolving now: the next ensure writes nothing (same inode, mtime) */
    struct stat a, b;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/etc/hosts", root);
    ck_assert_int_eq(stat(p, &a), 0);
    ck_assert_int_eq(hp_hosts_ensure_file(rootfd, "/etc/hosts", both, 2, &ch,
                                          NULL, &e), HP_OK);
    ck_assert_int_eq(ch, 0);
    ck_assert_int_eq(stat(p, &b), 0);
    ck_assert(a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
              a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
    free(now);
}
END_TEST

Suite *make_hostsresolve_suite(void)
{
    Suite *s = suite_create("hostsresolve");
    TCase *t = tcase_create("text");
    tcase_add_test(t, conflict_earlier_line_kube);
    tcase_add_test(t, conflict_earlier_line_localhost);
    tcase_add_test(t, ipv6_lines_are_not_conflicts);
    tcase_add_test(t, later_conflict_is_harmless);
    tcase_add_test(t, conflict_inside_existing_block);
    tcase_add_test(t, conflict_above_existing_block_refused);
    tcase_add_test(t, two_addresses_for_one_name_refused);
    suite_add_tcase(s, t);
    t = tcase_create("file");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, file_conflict_resolves_then_quiet);
    suite_add_tcase(s, t);
    return s;
}
