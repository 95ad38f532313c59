/* The vmnetd bind exchange (PROTOCOL-vmnetd.md) on the helper's socket,
 * so a vpnkit-style client binds through hostprivd unchanged: hello both
 * ways, command 6, the 7-byte request, one 8-byte reply (the code as a
 * little-endian uint64, the socket attached on success), then the
 * connection ends: bytes after the request (vpnkit pads its command and
 * request to 41 bytes with zeros) are never read as another request.  The bind takes the
 * same path as the native bind_port request: the port policy, then the
 * active plugin's op. */
#include <stdio.h>
#include <string.h>
#include "engine/events.h"
#include "hostprivd.h"
#include "helper/vmnetd.h"

#define HPD_VMN_VERSION 22
/* Any 40 hex digits identify the server build; this spells "hostprivd". */
#define HPD_VMN_COMMIT "686f737470726976640000000000000000000001"

static void vmn_consume(hpd_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->inlen - n);
    c->inlen -= n;
}

/* The result: exactly 8 bytes, the code as a little-endian uint64, the
 * socket (on success) in the same message.  vpnkit's bind.ml requires
 * exactly these 8 bytes with the descriptor; a client reading only the
 * first byte sees the code as well. */
static int vmn_send_code(hpd *d, hpd_conn *c, int code, int fd)
{
    uint8_t out[HP_VMN_REPLY_LEN];
    hp_vmn_reply_encode(code, out);
    c->close_after = 1;
    c->stage = HPD_S_DONE;
    return hpd_conn_send(d, c, out, sizeof out, fd) < 0 ? -1 : 1;
}

static int vmn_on_hello(hpd *d, hpd_conn *c)
{
    hp_vmn_hello h, mine = { .version = HPD_VMN_VERSION };
    hp_err e = HP_ERR_INIT;
    int rc = hp_vmn_hello_decode(c->in, HP_VMN_HELLO_LEN, &h, &e);
    vmn_consume(c, HP_VMN_HELLO_LEN);
    if (rc != HP_OK) {
        hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_WARN, "uid %u pid %d: %s: "
                        "dropped", (unsigned)c->uid, (int)c->pid, e.msg);
        return -1;
    }
    uint8_t out[HP_VMN_HELLO_LEN];
    snprintf(mine.commit, sizeof mine.commit, "%s", HPD_VMN_COMMIT);
    hp_vmn_hello_encode(&mine, out);
    c->stage = HPD_S_VMN_CMD;
    return hpd_conn_send(d, c, out, sizeof out, -1) < 0 ? -1 : 1;
}

static int vmn_on_bind(hpd *d, hpd_conn *c)
{
    hp_vmn_bind b;
    hp_err e = HP_ERR_INIT;
    int rc = hp_vmn_bind_decode(c->in, HP_VMN_BIND_LEN, &b, &e);
    vmn_consume(c, HP_VMN_BIND_LEN);
    int fd = -1, err = 0;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)b.port);
    if (rc == HP_OK)
        rc = hpd_bind(d, c->uid, b.udp ? "udp" : "tcp", b.addr, port, &fd,
                      &err, &e);
    int code = rc == HP_OK ? HP_VMN_OK
             : err ? hp_vmn_code_for_errno(err) : HP_VMN_FAILED;
    hpd_log_limited(d, HPD_LOG_REQ, rc == HP_OK ? HP_LOG_INFO : HP_LOG_WARN,
                    "uid %u pid %d: vmnetd bind %s %s:%s: %d%s%s",
                    (unsigned)c->uid, (int)c->pid, b.udp ? "udp" : "tcp",
                    b.addr, port, code, rc == HP_OK ? "" : ": ",
                    rc == HP_OK ? "" : e.msg);
    return vmn_send_code(d, c, code, fd);
}

int hpd_vmnet_input(hpd *d, hpd_conn *c)
{
    switch (c->stage) {
    case HPD_S_HELLO:
        return c->inlen < HP_VMN_HELLO_LEN ? 0 : vmn_on_hello(d, c);
    case HPD_S_VMN_CMD:
        if (c->inlen < 1)
            return 0;
        if (c->in[0] != HP_VMN_CMD_BIND_V4) {
            hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_WARN, "uid %u pid %d: "
                            "vmnetd command %u is not served", (unsigned)c->uid,
                            (int)c->pid, c->in[0]);
            vmn_consume(c, 1);
            return vmn_send_code(d, c, HP_VMN_FAILED, -1);
        }
        vmn_consume(c, 1);
        c->stage = HPD_S_VMN_BIND;
        return 1;
    case HPD_S_VMN_BIND:
        return c->inlen < HP_VMN_BIND_LEN ? 0 : vmn_on_bind(d, c);
    default:
        return -1;
    }
}
