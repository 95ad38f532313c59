/* libFuzzer harness: bytes straight into every decoder that sees a peer's
 * or a user's input: the native frame and message decoder, the vmnetd
 * hello and bind decoders, the port/address parser and the port lists.
 * The first byte picks the target, the rest is its input.  A message that
 * decodes must encode back to the very same bytes (no two spellings).
 *
 * Without libFuzzer, replay.c feeds it every file of corpus/codec (sudo's
 * fuzzstub idea: the corpus runs as a plain test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "host/ports.h"
#include "helper/proto.h"
#include "helper/vmnetd.h"

static void hp_fuzz_msg(const uint8_t *d, size_t n)
{
    hp_msg m;
    if (hp_msg_decode(d, n, &m, NULL) != HP_OK) {
        if (m.buf)
            abort();            /* a failed decode leaves nothing to free */
        return;
    }
    uint8_t *fr;
    size_t len;
    if (hp_msg_encode(m.type, m.field, m.nfields, &fr, &len, NULL) != HP_OK ||
        len != n + 4 || memcmp(fr + 4, d, n) != 0)
        abort();
    free(fr);
    for (size_t i = 0; i < m.nfields; i++)
        if (strlen(m.field[i]) != m.flen[i])
            abort();
    hp_msg_free(&m);
}

static void hp_fuzz_vmn(const uint8_t *d, size_t n, int which)
{
    if (which == 0) {
        hp_vmn_hello h, h2;
        uint8_t out[HP_VMN_HELLO_LEN];
        if (hp_vmn_hello_decode(d, n, &h, NULL) != HP_OK)
            return;
        if (hp_vmn_hello_encode(&h, out) != HP_OK ||
            hp_vmn_hello_decode(out, sizeof out, &h2, NULL) != HP_OK ||
            h2.version != h.version || strcmp(h2.commit, h.commit) ||
            memcmp(out, d, n))
            abort();
    } else {
        hp_vmn_bind b;
        uint8_t out[HP_VMN_BIND_LEN];
        if (hp_vmn_bind_decode(d, n, &b, NULL) != HP_OK)
            return;
        if (hp_vmn_bind_encode(&b, out) != HP_OK || memcmp(out, d, n))
            abort();
    }
}

static void hp_fuzz_text(const uint8_t *d, size_t n, int which)
{
    char *s = malloc(n + 1);
    if (!s)
        return;
    memcpy(s, d, n);
    s[n] = '\0';
    if (which == 0) {
        char addr[64];
        int port = -1;
        if (hp_port_parse(s, addr, sizeof addr, &port, NULL) == HP_OK &&
            (port < 1 || port > 65535))
            abort();
    } else {
        int valid = hp_ports_valid(s, NULL) == HP_OK;
        for (int p = -1; p < 70000; p += 997)
            if (hp_ports_allowed(s, p) && (!valid || p < 1 || p > 65535))
                abort();
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0: hp_fuzz_msg(d, n); break;
    case 1: hp_fuzz_vmn(d, n, 0); break;
    case 2: hp_fuzz_vmn(d, n, 1); break;
    case 3: hp_fuzz_text(d, n, 0); break;
    case 4: hp_fuzz_text(d, n, 1); break;
    default: {
        size_t len;
        if (n >= 4 && hp_frame_len(d, &len, NULL) == HP_OK &&
            (len == 0 || len > HP_FRAME_MAX))
            abort();
    }
    }
    return 0;
}
