/* libFuzzer harness for the vmnetd exchange (PROTOCOL-vmnetd.md) past its
 * hello: random bytes rarely make a hello that decodes (magic, varint,
 * 40 hex digits), so fuzz_helper seldom gets further; here the input is
 * what follows a valid client hello.
 *
 * First byte: bit 0 picks the mode, the other bits the chunk size.
 *   0  session: a valid hello (its version from the next byte), then the
 *      rest of the input, through hostprivd's own session code
 *      (hpd_session.h): the command byte, the 7-byte bind request, bytes
 *      after it, in chunks of 1..64.  No plugin is active: a bind is
 *      answered with a failure code and nothing is bound.
 *   1  decoders: hello (49 bytes), command, bind request (7 bytes) and
 *      reply code taken from the input in turn.  What decodes must encode
 *      back to the very same bytes; a bind that decodes names a dotted
 *      IPv4 address, a port 1..65535 and TCP or UDP.
 * Without libFuzzer, replay.c feeds it every file of corpus/vmnetd. */
#include <arpa/inet.h>
#include "hpd_session.h"
#include "helper/vmnetd.h"

static void vmn_session(const uint8_t *d, size_t n, size_t chunk)
{
    uint8_t *s = malloc(HP_VMN_HELLO_LEN + n);
    if (!s)
        return;
    hp_vmn_hello h = { .version = n ? d[0] : 22 };
    memcpy(h.commit, "0123456789abcdef0123456789abcdef01234567", 41);
    if (hp_vmn_hello_encode(&h, s) != HP_OK)
        abort();
    if (n)
        memcpy(s + HP_VMN_HELLO_LEN, d + 1, n - 1);
    hp_fuzz_session(s, HP_VMN_HELLO_LEN + (n ? n - 1 : 0), chunk);
    free(s);
}

static void vmn_decoders(const uint8_t *d, size_t n)
{
    hp_vmn_hello h;
    uint8_t hb[HP_VMN_HELLO_LEN];
    if (n >= HP_VMN_HELLO_LEN &&
        hp_vmn_hello_decode(d, HP_VMN_HELLO_LEN, &h, NULL) == HP_OK &&
        (hp_vmn_hello_encode(&h, hb) != HP_OK || memcmp(hb, d, sizeof hb) ||
         strlen(h.commit) != 40))
        abort();
    /* any other length is refused */
    if (n != HP_VMN_HELLO_LEN && hp_vmn_hello_decode(d, n, &h, NULL) == HP_OK)
        abort();
    if (n > HP_VMN_HELLO_LEN) {
        d += HP_VMN_HELLO_LEN + 1;      /* the command byte */
        n -= HP_VMN_HELLO_LEN + 1;
    }
    hp_vmn_bind b;
    uint8_t bb[HP_VMN_BIND_LEN];
    struct in_addr a;
    if (n >= HP_VMN_BIND_LEN &&
        hp_vmn_bind_decode(d, HP_VMN_BIND_LEN, &b, NULL) == HP_OK &&
        (b.port == 0 || (b.udp != 0 && b.udp != 1) ||
         inet_pton(AF_INET, b.addr, &a) != 1 ||
         hp_vmn_bind_encode(&b, bb) != HP_OK || memcmp(bb, d, sizeof bb)))
        abort();
    if (n != HP_VMN_BIND_LEN && hp_vmn_bind_decode(d, n, &b, NULL) == HP_OK)
        abort();
    if (n >= HP_VMN_BIND_LEN + 1) {
        uint8_t r[HP_VMN_REPLY_LEN];
        int code = hp_vmn_code_for_errno((int8_t)d[HP_VMN_BIND_LEN]);
        hp_vmn_reply_encode(code, r);
        if (r[0] != code || (code != HP_VMN_OK && code != HP_VMN_FAILED &&
                             code != HP_VMN_IN_USE &&
                             code != HP_VMN_CANT_ASSIGN))
            abort();
        for (int i = 1; i < HP_VMN_REPLY_LEN; i++)
            if (r[i])
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        vmn_decoders(data + 1, size - 1);
    else
        vmn_session(data + 1, size - 1, (size_t)(data[0] >> 1) % 64 + 1);
    return 0;
}
