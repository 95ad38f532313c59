/* The rig's SHA-256 (core/cmd/rig/sha256.c), which pins the staged
 * hostpriv in the run's sudoers rule: the FIPS 180-4 examples, and every
 * length around the padding boundaries against coreutils' sha256sum (the
 * digest sudo recomputes must be the one the rule names). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/cmd/rig/sha256.h"

static void hex_of(const char *s, size_t n, char out[65])
{
    hp_rig_sha256_hex(s, n, out);
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
        seen++;
    }
    pclose(p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_uint_eq(seen, 201);
}
END_TEST

Suite *make_rig_sha256_suite(void)
{
    Suite *s = suite_create("rig_sha256");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, fips_180_4_examples);
    tcase_add_test(tc, same_as_sha256sum);
    suite_add_tcase(s, tc);
    return s;
}
