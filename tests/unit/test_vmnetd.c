/* vmnetd: the codec of PROTOCOL-vmnetd.md, byte for byte, and every
 * malformed hello and bind request it must refuse. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include "helper/vmnetd.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

START_TEST(hello_layout)
{
    hp_vmn_hello h = { .version = 22 };
    strcpy(h.commit, COMMIT);
    uint8_t b[HP_VMN_HELLO_LEN];
    ck_assert_int_eq(hp_vmn_hello_encode(&h, b), HP_OK);
    /* "VMN3T", 22 as LEB128 zero-padded to 4 bytes, 40 hex */
    ck_assert(memcmp(b, "VMN3T\x16\x00\x00\x00", 9) == 0);
    ck_assert(memcmp(b + 9, COMMIT, 40) == 0);
    hp_vmn_hello d;
    ck_assert_int_eq(hp_vmn_hello_decode(b, sizeof b, &d, NULL), HP_OK);
    ck_assert_uint_eq(d.version, 22);
    ck_assert_str_eq(d.commit, COMMIT);
    /* multi-byte varint: 300 = ac 02 */
    h.version = 300;
    ck_assert_int_eq(hp_vmn_hello_encode(&h, b), HP_OK);
    ck_assert(memcmp(b + 5, "\xac\x02\x00\x00", 4) == 0);
    ck_assert_int_eq(hp_vmn_hello_decode(b, sizeof b, &d, NULL), HP_OK);
    ck_assert_uint_eq(d.version, 300);
    /* the largest value 4 bytes carry, and one more */
    h.version = (1u << 28) - 1;
    ck_assert_int_eq(hp_vmn_hello_encode(&h, b), HP_OK);
    ck_assert_int_eq(hp_vmn_hello_decode(b, sizeof b, &d, NULL), HP_OK);
    ck_assert_uint_eq(d.version, (1u << 28) - 1);
    h.version = 1u << 28;
    ck_assert_int_eq(hp_vmn_hello_encode(&h, b), HP_EUSAGE);
    h.version = 22;
    strcpy(h.commit, "not-hex");
    ck_assert_int_eq(hp_vmn_hello_encode(&h, b), HP_EUSAGE);
}
END_TEST

static int hello_with(size_t off, const void *bytes, size_t n, size_t len)
{
    uint8_t b[64];
    hp_vmn_hello h = { .version = 22 };
    strcpy(h.commit, COMMIT);
    hp_vmn_hello_encode(&h, b);
    memcpy(b + off, bytes, n);
    hp_err e = HP_ERR_INIT;
    int rc = hp_vmn_hello_decode(b, len, &h, &e);
    if (rc != HP_OK)
        ck_assert(e.msg[0]);
    return rc;
}

START_TEST(hello_refused)
{
    ck_assert_int_eq(hello_with(0, "", 0, 49), HP_OK);
    ck_assert_int_eq(hello_with(0, "", 0, 48), HP_EUSAGE);     /* short */
    ck_assert_int_eq(hello_with(0, "", 0, 50), HP_EUSAGE);     /* long */
    ck_assert_int_eq(hello_with(0, "VMNET", 5, 49), HP_EUSAGE); /* old magic */
    ck_assert_int_eq(hello_with(0, "HPRV", 4, 49), HP_EUSAGE);
    /* varint never ends inside its 4 bytes */
    ck_assert_int_eq(hello_with(5, "\x80\x80\x80\x80", 4, 49), HP_EUSAGE);
    /* overlong: 22 spelled with a trailing zero group */
    ck_assert_int_eq(hello_with(5, "\x96\x00\x00\x00", 4, 49), HP_EUSAGE);
    /* padding after the varint must be zero */
    ck_assert_int_eq(hello_with(5, "\x16\x01\x00\x00", 4, 49), HP_EUSAGE);
    ck_assert_int_eq(hello_with(5, "\x16\x00\x00\xff", 4, 49), HP_EUSAGE);
    /* commit: non-hex byte, NUL */
    ck_assert_int_eq(hello_with(20, "g", 1, 49), HP_EUSAGE);
    ck_assert_int_eq(hello_with(48, "\0", 1, 49), HP_EUSAGE);
    ck_assert_int_eq(hello_with(9, "ABCDEF", 6, 49), HP_OK);   /* either case */
}
END_TEST

START_TEST(bind_layout)
{
    hp_vmn_bind b = { .addr = "127.0.0.1", .port = 80, .udp = 0 };
    uint8_t o[HP_VMN_BIND_LEN];
    ck_assert_int_eq(hp_vmn_bind_encode(&b, o), HP_OK);
    ck_assert(memcmp(o, "\x01\x00\x00\x7f\x50\x00\x00", 7) == 0);
    b = (hp_vmn_bind){ .addr = "10.1.2.3", .port = 0x1234, .udp = 1 };
    ck_assert_int_eq(hp_vmn_bind_encode(&b, o), HP_OK);
    ck_assert(memcmp(o, "\x03\x02\x01\x0a\x34\x12\x01", 7) == 0);
    hp_vmn_bind d;
    ck_assert_int_eq(hp_vmn_bind_decode(o, 7, &d, NULL), HP_OK);
    ck_assert_str_eq(d.addr, "10.1.2.3");
    ck_assert_uint_eq(d.port, 0x1234);
    ck_assert_int_eq(d.udp, 1);
    ck_assert_int_eq(hp_vmn_bind_decode((uint8_t *)"\x00\x00\x00\x00\xff\xff"
                                        "\x00", 7, &d, NULL), HP_OK);
    ck_assert_str_eq(d.addr, "0.0.0.0");
    ck_assert_uint_eq(d.port, 65535);
    /* encoder refuses what the decoder would */
    b = (hp_vmn_bind){ .addr = "127.1", .port = 80 };
    ck_assert_int_eq(hp_vmn_bind_encode(&b, o), HP_EUSAGE);
    b = (hp_vmn_bind){ .addr = "127.0.0.1", .port = 0 };
    ck_assert_int_eq(hp_vmn_bind_encode(&b, o), HP_EUSAGE);
    b = (hp_vmn_bind){ .addr = "127.0.0.1", .port = 80, .udp = 2 };
    ck_assert_int_eq(hp_vmn_bind_encode(&b, o), HP_EUSAGE);
}
END_TEST

START_TEST(bind_refused)
{
    hp_vmn_bind d;
    hp_err e = HP_ERR_INIT;
    const uint8_t *ok = (const uint8_t *)"\x01\x00\x00\x7f\x50\x00\x00";
    ck_assert_int_eq(hp_vmn_bind_decode(ok, 6, &d, &e), HP_EUSAGE);
    ck_assert_int_eq(hp_vmn_bind_decode(ok, 8, &d, &e), HP_EUSAGE);
    /* protocol byte: only 0 and 1 (no raw protocol numbers) */
    ck_assert_int_eq(hp_vmn_bind_decode((uint8_t *)"\x01\x00\x00\x7f\x50\x00"
                                        "\x02", 7, &d, &e), HP_EUSAGE);
    ck_assert_int_eq(hp_vmn_bind_decode((uint8_t *)"\x01\x00\x00\x7f\x50\x00"
                                        "\xff", 7, &d, &e), HP_EUSAGE);
    /* port 0 */
    ck_assert_int_eq(hp_vmn_bind_decode((uint8_t *)"\x01\x00\x00\x7f\x00\x00"
                                        "\x00", 7, &d, &e), HP_EUSAGE);
    ck_assert(strstr(e.msg, "port 0") != NULL);
}
END_TEST

START_TEST(reply_codes)
{
    ck_assert_int_eq(hp_vmn_code_for_errno(0), HP_VMN_OK);
    ck_assert_int_eq(hp_vmn_code_for_errno(EADDRINUSE), 48);
    ck_assert_int_eq(hp_vmn_code_for_errno(-EADDRINUSE), 48);
    ck_assert_int_eq(hp_vmn_code_for_errno(EADDRNOTAVAIL), 49);
    ck_assert_int_eq(hp_vmn_code_for_errno(EACCES), 1);
    ck_assert_int_eq(hp_vmn_code_for_errno(EINVAL), 1);
}
END_TEST

/* The reply is 8 bytes, the code as a little-endian uint64: what vpnkit's
 * bind.ml reads (exactly 8), and a first-byte reader sees the code too. */
START_TEST(reply_layout)
{
    uint8_t r[HP_VMN_REPLY_LEN + 1];
    memset(r, 0xee, sizeof r);
    ck_assert_int_eq(HP_VMN_REPLY_LEN, 8);
    hp_vmn_reply_encode(HP_VMN_OK, r);
    ck_assert(memcmp(r, "\0\0\0\0\0\0\0\0\xee", 9) == 0);
    hp_vmn_reply_encode(HP_VMN_IN_USE, r);
    ck_assert(memcmp(r, "\x30\0\0\0\0\0\0\0\xee", 9) == 0);
    hp_vmn_reply_encode(HP_VMN_CANT_ASSIGN, r);
    ck_assert(memcmp(r, "\x31\0\0\0\0\0\0\0", 8) == 0);
    hp_vmn_reply_encode(HP_VMN_FAILED, r);
    ck_assert(memcmp(r, "\x01\0\0\0\0\0\0\0", 8) == 0);
}
END_TEST

Suite *make_vmnetd_suite(void)
{
    Suite *s = suite_create("vmnetd");
    TCase *t = tcase_create("hello");
    tcase_add_test(t, hello_layout);
    tcase_add_test(t, hello_refused);
    suite_add_tcase(s, t);
    t = tcase_create("bind");
    tcase_add_test(t, bind_layout);
    tcase_add_test(t, bind_refused);
    tcase_add_test(t, reply_codes);
    tcase_add_test(t, reply_layout);
    suite_add_tcase(s, t);
    return s;
}
