/* The SHA-256 of core/lib/base/sha256.c, which pins hostpriv in a sudoers
 * rule (`hostpriv sudoers`, the rig's rule): the FIPS 180-4 examples, and
 * every length around the padding boundaries against coreutils' sha256sum
 * (the digest sudo recomputes must be the one the rule names), fed at once,
 * in pieces of every size, and read from a file descriptor. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include "base/sha256.h"

/* At once, then in pieces of every size from 1 to 70 (blocks filled
 * across calls): all must agree. */
static void hex_of(const char *s, size_t n, char out[65])
{
    hp_sha256_hex(s, n, out);
    for (size_t piece = 1; piece <= 70 && n <= 4096; piece++) {
        hp_sha256_ctx c;
        unsigned char d[32];
        char h[65];
        hp_sha256_init(&c);
        for (size_t at = 0; at < n; at += piece)
            hp_sha256_update(&c, s + at, n - at < piece ? n - at : piece);
        hp_sha256_final(&c, d);
        hp_sha256_tohex(d, h);
        ck_assert_msg(!strcmp(h, out), "length %zu in pieces of %zu: %s, "
                      "at once %s", n, piece, h, out);
    }
}

START_TEST(fips_180_4_examples)
{
    char h[65];
    hex_of("abc", 3, h);
    ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
                        "b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, h);
    ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
                        "27ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, strlen(m448), h);
    ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039"
                        "a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    hex_of(m896, strlen(m896), h);
    ck_assert_str_eq(h, "cf5b16a778af8380036ce59e7b0492370"
                        "b249b11e8f07a51afac45037afee9d1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    hex_of(million, 1000000, h);
    free(million);
    ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
                        "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* 0..200 bytes covers one and two padding blocks and every tail length;
 * one sha256sum run digests all the files. */
START_TEST(same_as_sha256sum)
{
    char dir[] = "/tmp/hp-test.sha.XXXXXX", path[PATH_MAX], buf[201], h[65];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (size_t n = 0; n <= 200; n++) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(i * 7 + n);
        snprintf(path, sizeof path, "%s/%03zu", dir, n);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
        fclose(f);
    }
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "cd %s && /usr/bin/sha256sum [0-9]*", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char want[80];
    size_t n, seen = 0;
    while (fscanf(p, "%64s %zu", want, &n) == 2) {
        ck_assert_uint_le(n, 200);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(i * 7 + n);
        hex_of(buf, n, h);
        ck_assert_msg(!strcmp(h, want), "length %zu: %s, sha256sum %s", n, h,
                      want);
        snprintf(path, sizeof path, "%s/%03zu", dir, n);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(hp_sha256_fd_hex(fd, h), 0);
        close(fd);
        ck_assert_msg(!strcmp(h, want), "length %zu from its fd: %s, "
                      "sha256sum %s", n, h, want);
        seen++;
    }
    pclose(p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_uint_eq(seen, 201);
}
END_TEST

/* A file longer than hp_sha256_fd_hex's read buffer: several reads. */
START_TEST(fd_reads_past_its_buffer)
{
    char path[] = "/tmp/hp-test.sha.XXXXXX", a[65], b[65];
    size_t n = 3 * 65536 + 17;
    char *data = malloc(n);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 31 + (i >> 9));
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    int rc = hp_sha256_fd_hex(fd, a);
    close(fd);
    unlink(path);
    hp_sha256_hex(data, n, b);
    free(data);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(a, b);
}
END_TEST

Suite *make_sha256_suite(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, fips_180_4_examples);
    tcase_add_test(tc, same_as_sha256sum);
    tcase_add_test(tc, fd_reads_past_its_buffer);
    suite_add_tcase(s, tc);
    return s;
}
