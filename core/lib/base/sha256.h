/* SHA-256 (FIPS 180-4): the digest a sudoers rule pins a program by
 * (`sha256:HEX PATH`; sudo recomputes it before it runs the file, so a
 * replaced binary is refused).  Used by `hostpriv sudoers` and the rig's
 * rule alike, so the two can never disagree on a digest. */
#ifndef HP_SHA256_H
#define HP_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct hp_sha256_ctx {
    uint32_t h[8];
    uint64_t len;               /* bytes taken so far */
    unsigned char buf[64];      /* a block not yet full */
    size_t used;
} hp_sha256_ctx;

void hp_sha256_init(hp_sha256_ctx *s);
void hp_sha256_update(hp_sha256_ctx *s, const void *data, size_t len);
void hp_sha256_final(hp_sha256_ctx *s, unsigned char out[32]);

/* One buffer at once. */
void hp_sha256(const void *data, size_t len, unsigned char out[32]);
/* 64 lowercase hex digits and a NUL (sudoers' and sha256sum's form). */
void hp_sha256_hex(const void *data, size_t len, char hex[65]);
void hp_sha256_tohex(const unsigned char d[32], char hex[65]);
/* The digest of what fd reads to its end, in hex: 0, or -errno. */
int hp_sha256_fd_hex(int fd, char hex[65]);
#endif
