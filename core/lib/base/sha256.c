/* SHA-256 (FIPS 180-4).  Small and dependency free on purpose: the rule
 * sudo checks must come from code the programs carry, whatever libraries
 * the machine has.  tests/unit/test_sha256.c checks it against the FIPS
 * 180-4 examples and coreutils' sha256sum. */
#include "sha256.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }

/* One 64-byte block into the state (FIPS 180-4, 6.2.2). */
static void block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3;
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10;
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & v[5]) ^ (~e & v[6])) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

void hp_sha256_init(hp_sha256_ctx *s)
{
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                    0xa54ff53a, 0x510e527f, 0x9b05688c,
                                    0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->used = 0;
}

void hp_sha256_update(hp_sha256_ctx *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->len += len;
    if (s->used) {                      /* fill the waiting block first */
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->buf + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used < 64)
            return;
        block(s->h, s->buf);
        s->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        block(s->h, p);
    memcpy(s->buf, p, len);
    s->used = len;
}

void hp_sha256_final(hp_sha256_ctx *s, unsigned char out[32])
{
    /* the tail, 0x80, zeros, and the length in bits: one or two blocks */
    unsigned char last[128] = { 0 };
    size_t n = s->used, end = n < 56 ? 64 : 128;
    memcpy(last, s->buf, n);
    last[n] = 0x80;
    uint64_t bits = s->len * 8;
    for (int i = 0; i < 8; i++)
        last[end - 1 - i] = (unsigned char)(bits >> (8 * i));
    block(s->h, last);
    if (end == 128)
        block(s->h, last + 64);
    for (int i = 0; i < 32; i++)
        out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void hp_sha256(const void *data, size_t len, unsigned char out[32])
{
    hp_sha256_ctx s;
    hp_sha256_init(&s);
    hp_sha256_update(&s, data, len);
    hp_sha256_final(&s, out);
}

void hp_sha256_tohex(const unsigned char d[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[64] = '\0';
}

void hp_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char d[32];
    hp_sha256(data, len, d);
    hp_sha256_tohex(d, hex);
}

int hp_sha256_fd_hex(int fd, char hex[65])
{
    hp_sha256_ctx s;
    unsigned char buf[65536], d[32];
    hp_sha256_init(&s);
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        hp_sha256_update(&s, buf, (size_t)r);
    }
    hp_sha256_final(&s, d);
    hp_sha256_tohex(d, hex);
    return 0;
}
