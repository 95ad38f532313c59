/* libFuzzer harness for the daemon's request handler (OpenSSH's
 * agent_fuzz idea): the bytes are what a connected client sends, fed in
 * chunks through the real session code of hostprivd (protocol detection,
 * native framing, the request table, the vmnetd exchange), replies
 * drained from a real socketpair.  The context has no active plugin, so
 * nothing is dispatched to plugin code and nothing on the host changes:
 * what is fuzzed is the parsing and the state machine.
 *
 * The first byte sets the chunk size (1..64), so byte-at-a-time and
 * batched arrival are both explored.  Built with HP_FUZZ_REPLAY it only
 * provides hp_fuzz_helper_one() for the Check suite's corpus replay. */
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../../core/cmd/hostprivd/auth.c"
#include "../../core/cmd/hostprivd/bind.c"
#include "../../core/cmd/hostprivd/confwatch.c"
#include "../../core/cmd/hostprivd/grants.c"
#include "../../core/cmd/hostprivd/log.c"
#include "../../core/cmd/hostprivd/loop.c"
#include "../../core/cmd/hostprivd/native.c"
#include "../../core/cmd/hostprivd/vmnet.c"
#include "engine/config.h"

long long hpd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hpd_reload(hpd *d) { (void)d; }

static void hp_fuzz_drain(int fd)
{
    char b[4096];
    while (recv(fd, b, sizeof b, MSG_DONTWAIT) > 0)
        ;
}

int hp_fuzz_helper_one(const uint8_t *data, size_t size);
int hp_fuzz_helper_one(const uint8_t *data, size_t size)
{
    static hp_ctx ctx;
    static hpd d;
    if (!ctx.cfg) {
        ctx.cfg = hp_config_new();
        ctx.rootfd = ctx.helper_fd = -1;
        d.ctx = &ctx;
        d.cfg_ifd = d.probe_fd[0] = d.probe_fd[1] = d.probe_held = -1;
    }
    if (size < 1)
        return 0;
    d.state = HPD_ST_SERVING;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv) != 0)
        return 0;
    hpd_conn *c = calloc(1, sizeof *c);
    c->fd = sv[0];
    c->outfd1 = -1;
    c->uid = 0;
    size_t chunk = (size_t)(data[0] % 64) + 1, off = 1;
    int r = 0;
    while (off < size && r == 0) {
        if (conn_room(c) != 0)
            break;
        size_t n = size - off;
        if (n > chunk)
            n = chunk;
        if (n > c->incap - c->inlen)
            n = c->incap - c->inlen;
        memcpy(c->in + c->inlen, data + off, n);
        c->inlen += n;
        off += n;
        r = conn_process(&d, c);
        while (r == 0 && c->outlen > 0) {
            hp_fuzz_drain(sv[1]);
            r = conn_flush(&d, c);
            if (r == 0 && c->outlen == 0)
                r = conn_process(&d, c);
        }
    }
    hp_fuzz_drain(sv[1]);
    conn_free(&d, c);
    close(sv[1]);
    return 0;
}

#ifndef HP_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hp_fuzz_helper_one(data, size);
}
#endif
