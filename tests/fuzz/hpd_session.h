/* The daemon's session code for the harnesses that drive hostprivd
 * (fuzz_helper.c, fuzz_vmnetd.c) and for test_hostprivd.c, which pins the
 * auth decision on it: the real sources of core/cmd/hostprivd (protocol
 * detection, native framing, the request table, the vmnetd exchange)
 * compiled in, with the clock and the reload hook main.c would provide.
 * Included once per program (it defines functions). */
#ifndef HP_FUZZ_HPD_SESSION_H
#define HP_FUZZ_HPD_SESSION_H
#include <stdint.h>
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

/* One client connection that sends `data`, `chunk` bytes per arrival,
 * through conn_process as the loop runs it; replies are drained from the
 * other end of a real socketpair.  The context has no active plugin, so
 * nothing is dispatched to plugin code and nothing on the host changes:
 * what runs is the parsing and the state machine. */
void hp_fuzz_session(const uint8_t *data, size_t size, size_t chunk);
void hp_fuzz_session(const uint8_t *data, size_t size, size_t chunk)
{
    static hp_ctx ctx;
    static hpd d;
    if (!ctx.cfg) {
        ctx.cfg = hp_config_new();
        ctx.rootfd = ctx.helper_fd = -1;
        d.ctx = &ctx;
        d.cfg_ifd = d.probe_fd[0] = d.probe_fd[1] = d.probe_held = -1;
    }
    d.state = HPD_ST_SERVING;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv) != 0)
        return;
    hpd_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    c->fd = sv[0];
    c->outfd1 = -1;
    c->uid = 0;
    size_t off = 0;
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
}
#endif
