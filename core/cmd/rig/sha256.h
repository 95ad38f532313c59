/* SHA-256 of a buffer (sha256.c): the digest a sudoers rule pins. */
#ifndef HP_RIG_SHA256_H
#define HP_RIG_SHA256_H
#include <stddef.h>
#include <stdint.h>

void hp_rig_sha256(const void *data, size_t len, unsigned char out[32]);
/* The same as 64 lowercase hex digits and a NUL (sudoers' and
 * sha256sum's form). */
void hp_rig_sha256_hex(const void *data, size_t len, char hex[65]);
#endif
