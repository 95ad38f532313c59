/* The vmnetd bind exchange (PROTOCOL-vmnetd.md): pure codec over byte
 * buffers.  Decoders accept exactly the documented layout and nothing
 * else, so the daemon never acts on a half-understood request. */
#include "vmnetd.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define HP_VMN_MAGIC_LEN   5
#define HP_VMN_VARINT_LEN  4
#define HP_VMN_COMMIT_LEN  40
/* Four 7-bit groups: the largest version the 4-byte field can carry. */
#define HP_VMN_VERSION_MAX ((1u << 28) - 1)

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

int hp_vmn_hello_encode(const hp_vmn_hello *h, uint8_t out[HP_VMN_HELLO_LEN])
{
    if (h->version > HP_VMN_VERSION_MAX ||
        strlen(h->commit) != HP_VMN_COMMIT_LEN)
        return HP_EUSAGE;
    for (size_t i = 0; i < HP_VMN_COMMIT_LEN; i++)
        if (!is_hex((unsigned char)h->commit[i]))
            return HP_EUSAGE;
    memset(out, 0, HP_VMN_HELLO_LEN);
    memcpy(out, HP_VMN_MAGIC, HP_VMN_MAGIC_LEN);
    uint32_t v = h->version;
    uint8_t *p = out + HP_VMN_MAGIC_LEN;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        *p++ = v ? (uint8_t)(b | 0x80) : b;
    } while (v);
    memcpy(out + HP_VMN_MAGIC_LEN + HP_VMN_VARINT_LEN, h->commit,
           HP_VMN_COMMIT_LEN);
    return HP_OK;
}

/* LEB128 in a zero-padded 4-byte field: the varint must end inside the
 * field and every byte after it must be zero. */
static int varint_decode(const uint8_t *f, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;
    for (;; i++) {
        if (i == HP_VMN_VARINT_LEN)
            return -1;
        v |= (uint32_t)(f[i] & 0x7F) << (7 * i);
        if (!(f[i] & 0x80))
            break;
    }
    /* one spelling per number: no overlong form ending in a zero group */
    if (i > 0 && f[i] == 0)
        return -1;
    for (size_t k = i + 1; k < HP_VMN_VARINT_LEN; k++)
        if (f[k] != 0)
            return -1;
    *out = v;
    return 0;
}

int hp_vmn_hello_decode(const uint8_t *in, size_t len, hp_vmn_hello *h,
                        hp_err *e)
{
    memset(h, 0, sizeof *h);
    if (len != HP_VMN_HELLO_LEN)
        return hp_err_set(e, HP_EUSAGE,
                          "vmnetd: hello of %zu bytes, expected %d", len,
                          HP_VMN_HELLO_LEN);
    if (memcmp(in, HP_VMN_MAGIC, HP_VMN_MAGIC_LEN) != 0)
        return hp_err_set(e, HP_EUSAGE, "vmnetd: hello without \"%s\"",
                          HP_VMN_MAGIC);
    if (varint_decode(in + HP_VMN_MAGIC_LEN, &h->version) != 0)
        return hp_err_set(e, HP_EUSAGE,
                          "vmnetd: malformed version varint in the hello");
    const uint8_t *c = in + HP_VMN_MAGIC_LEN + HP_VMN_VARINT_LEN;
    for (size_t i = 0; i < HP_VMN_COMMIT_LEN; i++)
        if (!is_hex(c[i]))
            return hp_err_set(e, HP_EUSAGE,
                              "vmnetd: commit id byte %zu is not hex", i);
    memcpy(h->commit, c, HP_VMN_COMMIT_LEN);
    h->commit[HP_VMN_COMMIT_LEN] = '\0';
    return HP_OK;
}

int hp_vmn_bind_encode(const hp_vmn_bind *b, uint8_t out[HP_VMN_BIND_LEN])
{
    uint8_t a[4];
    if (inet_pton(AF_INET, b->addr, a) != 1 || b->port == 0 ||
        (b->udp != 0 && b->udp != 1))
        return HP_EUSAGE;
    /* The address travels in reverse byte order (127.0.0.1 -> 01 00 00 7f) */
    out[0] = a[3];
    out[1] = a[2];
    out[2] = a[1];
    out[3] = a[0];
    out[4] = (uint8_t)(b->port & 0xFF);
    out[5] = (uint8_t)(b->port >> 8);
    out[6] = (uint8_t)b->udp;
    return HP_OK;
}

int hp_vmn_bind_decode(const uint8_t *in, size_t len, hp_vmn_bind *b,
                       hp_err *e)
{
    memset(b, 0, sizeof *b);
    if (len != HP_VMN_BIND_LEN)
        return hp_err_set(e, HP_EUSAGE,
                          "vmnetd: bind request of %zu bytes, expected %d",
                          len, HP_VMN_BIND_LEN);
    if (in[6] > 1)
        return hp_err_set(e, HP_EUSAGE,
                          "vmnetd: protocol byte %u (0 TCP, 1 UDP)", in[6]);
    uint16_t port = (uint16_t)(in[4] | in[5] << 8);
    if (port == 0)
        return hp_err_set(e, HP_EUSAGE, "vmnetd: port 0 cannot be exposed");
    snprintf(b->addr, sizeof b->addr, "%u.%u.%u.%u", in[3], in[2], in[1],
             in[0]);
    b->port = port;
    b->udp = in[6];
    return HP_OK;
}

void hp_vmn_reply_encode(int code, uint8_t out[HP_VMN_REPLY_LEN])
{
    uint64_t v = (uint64_t)(unsigned)code;
    for (size_t i = 0; i < HP_VMN_REPLY_LEN; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

int hp_vmn_code_for_errno(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case 0:             return HP_VMN_OK;
    case EADDRINUSE:    return HP_VMN_IN_USE;
    case EADDRNOTAVAIL: return HP_VMN_CANT_ASSIGN;
    default:            return HP_VMN_FAILED;
    }
}
