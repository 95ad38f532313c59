/* The vmnetd bind exchange (PROTOCOL-vmnetd.md), codec only: pure functions
 * over byte buffers, so the daemon, a test client and the fuzzer share them.
 *
 *   hello  49 bytes: "VMN3T", version as unsigned LEB128 in a 4-byte
 *          zero-padded field, 40-byte ASCII hex commit id
 *   cmd    1 byte: 6 = bind IPv4
 *   bind   7 bytes: IPv4 in reverse byte order, port uint16 LE, 0 TCP/1 UDP
 *   reply  8 bytes: the code as a little-endian uint64 (0 + one SCM_RIGHTS
 *          fd in the same message, 48, 49, 1).  vpnkit's bind.ml reads
 *          exactly 8 bytes with the descriptor and fails on any other
 *          length; clients that read the first byte only see the code too.
 *          (That client writes the command, the 7 request bytes and 33
 *          zero bytes in one 41-byte buffer: the helper reads the 8 it
 *          needs and ends the connection.)
 */
#ifndef HP_VMNETD_H
#define HP_VMNETD_H
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

#define HP_VMN_MAGIC        "VMN3T"
#define HP_VMN_HELLO_LEN    49
#define HP_VMN_CMD_BIND_V4  6
#define HP_VMN_BIND_LEN     7
#define HP_VMN_REPLY_LEN    8
enum { HP_VMN_OK = 0, HP_VMN_FAILED = 1, HP_VMN_IN_USE = 48,
       HP_VMN_CANT_ASSIGN = 49 };

typedef struct hp_vmn_hello { uint32_t version; char commit[41]; } hp_vmn_hello;
typedef struct hp_vmn_bind {
    char addr[16];      /* dotted IPv4 */
    uint16_t port;
    int udp;            /* 0 TCP, 1 UDP */
} hp_vmn_bind;

/* Encoders: HP_OK, or HP_EUSAGE for a version above 2^28-1, a commit that
 * is not 40 hex digits, an address inet_pton rejects, port 0, udp not 0/1. */
int hp_vmn_hello_encode(const hp_vmn_hello *h, uint8_t out[HP_VMN_HELLO_LEN]);
/* Decoders take exactly the documented length; anything else (magic,
 * unterminated varint or non-zero padding, non-hex commit, protocol byte
 * > 1, port 0) is HP_EUSAGE with a message. */
int hp_vmn_hello_decode(const uint8_t *in, size_t len, hp_vmn_hello *h,
                        hp_err *e);
int hp_vmn_bind_encode(const hp_vmn_bind *b, uint8_t out[HP_VMN_BIND_LEN]);
int hp_vmn_bind_decode(const uint8_t *in, size_t len, hp_vmn_bind *b,
                       hp_err *e);
/* The reply: code as a little-endian uint64, exactly HP_VMN_REPLY_LEN. */
void hp_vmn_reply_encode(int code, uint8_t out[HP_VMN_REPLY_LEN]);
/* errno of a failed bind (sign ignored) -> reply code. */
int hp_vmn_code_for_errno(int err);
#endif
