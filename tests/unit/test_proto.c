/* proto: the native frame codec and the socket helpers under every
 * helper connection.  Each bad input of SECURITY.md 1-3, 5-7, 47 is fed
 * to the real decoder or over a real socketpair. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper/proto.h"

static int nfds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n - 1;       /* the DIR's own fd */
}

/* payload (no length prefix) built by hand */
static size_t put(uint8_t *p, size_t off, const void *b, size_t n)
{
    memcpy(p + off, b, n);
    return off + n;
}

static size_t field(uint8_t *p, size_t off, const char *s, size_t n)
{
    uint8_t l[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                     (uint8_t)n };
    off = put(p, off, l, 4);
    return put(p, off, s, n);
}

static int decode_raw(const uint8_t *p, size_t n, hp_msg *m)
{
    hp_err e = HP_ERR_INIT;
    int rc = hp_msg_decode(p, n, m, &e);
    if (rc != HP_OK)
        ck_assert_msg(e.msg[0] != '\0', "a refusal says why");
    return rc;
}

/* ---- codec ------------------------------------------------------------- */

START_TEST(roundtrip)
{
    const char *f[] = { "bind_port", "tcp", "127.0.0.1", "80", "", "é✓" };
    uint8_t *frame;
    size_t len, plen;
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, f, 6, &frame, &len, NULL), 0);
    ck_assert_int_eq(hp_frame_len(frame, &plen, NULL), 0);
    ck_assert_uint_eq(plen + 4, len);
    hp_msg m;
    ck_assert_int_eq(decode_raw(frame + 4, plen, &m), 0);
    ck_assert_int_eq(m.type, HP_MSG_REQ);
    ck_assert_uint_eq(m.nfields, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(m.field[i], f[i]);
        ck_assert_uint_eq(m.flen[i], strlen(f[i]));
    }
    hp_msg_free(&m);
    free(frame);
}
END_TEST

START_TEST(frame_lengths)
{
    size_t n = 7;
    uint8_t zero[4] = { 0, 0, 0, 0 }, cap[4] = { 0, 4, 0, 0 },
            over[4] = { 0, 4, 0, 1 }, ff[4] = { 0xff, 0xff, 0xff, 0xff };
    ck_assert_int_eq(hp_frame_len(zero, &n, NULL), HP_EUSAGE);
    ck_assert_uint_eq(n, 7);                       /* untouched */
    ck_assert_int_eq(hp_frame_len(cap, &n, NULL), HP_OK);
    ck_assert_uint_eq(n, HP_FRAME_MAX);
    ck_assert_int_eq(hp_frame_len(over, &n, NULL), HP_EUSAGE);
    ck_assert_int_eq(hp_frame_len(ff, &n, NULL), HP_EUSAGE);
}
END_TEST

START_TEST(decode_refuses)
{
    uint8_t p[64];
    hp_msg m;
    size_t o;
    /* too short, bad type, too many fields */
    ck_assert_int_eq(decode_raw((uint8_t *)"\x02\x00", 2, &m), HP_EUSAGE);
    ck_assert_int_eq(decode_raw((uint8_t *)"\x09\x00\x00", 3, &m), HP_EUSAGE);
    ck_assert_int_eq(decode_raw((uint8_t *)"\x00\x00\x00", 3, &m), HP_EUSAGE);
    ck_assert_int_eq(decode_raw((uint8_t *)"\x02\x00\x11", 3, &m), HP_EUSAGE);
    ck_assert_int_eq(decode_raw((uint8_t *)"\x02\xff\xff", 3, &m), HP_EUSAGE);
    /* field length cut short (1-3 bytes of it) */
    for (size_t cut = 1; cut <= 3; cut++) {
        o = put(p, 0, "\x02\x00\x01", 3);
        o = put(p, o, "\x00\x00\x00\x04", cut);
        ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
    }
    /* declared field length past the end: no terminator / overlong */
    o = put(p, 0, "\x02\x00\x01", 3);
    o = put(p, o, "\x00\x00\x00\x10" "ping", 8);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
    o = put(p, 0, "\x02\x00\x01", 3);
    o = put(p, o, "\xff\xff\xff\xff" "ping", 8);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
    /* embedded NUL */
    o = field(p, put(p, 0, "\x02\x00\x01", 3), "docker\0/../x", 12);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
    ck_assert_ptr_null(m.buf);
    /* trailing bytes after a valid message */
    o = field(p, put(p, 0, "\x02\x00\x01", 3), "ping", 4);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_OK);
    hp_msg_free(&m);
    p[o++] = 'x';
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
    /* fewer fields than announced */
    o = field(p, put(p, 0, "\x02\x00\x02", 3), "ping", 4);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
}
END_TEST

START_TEST(utf8)
{
    static const struct { const char *s; size_t n; int ok; } t[] = {
        { "plain", 5, 1 },
        { "\xc3\xa9", 2, 1 },               /* é */
        { "\xe2\x9c\x93", 3, 1 },           /* ✓ */
        { "\xf0\x9f\x90\xb3", 4, 1 },       /* U+1F433 */
        { "\xff", 1, 0 },
        { "\x80", 1, 0 },                   /* lone continuation */
        { "\xc0\xaf", 2, 0 },               /* overlong '/' */
        { "\xe0\x80\xaf", 3, 0 },           /* overlong '/' */
        { "\xed\xa0\x80", 3, 0 },           /* surrogate */
        { "\xf4\x90\x80\x80", 4, 0 },       /* above U+10FFFF */
        { "\xc3", 1, 0 },                   /* cut */
        { "a\0b", 3, 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        ck_assert_msg(hp_utf8_valid(t[i].s, t[i].n) == t[i].ok, "case %zu", i);
    uint8_t p[32];
    hp_msg m;
    size_t o = field(p, put(p, 0, "\x02\x00\x01", 3), "\xc0\xaf", 2);
    ck_assert_int_eq(decode_raw(p, o, &m), HP_EUSAGE);
}
END_TEST

START_TEST(encode_refuses)
{
    uint8_t *frame = (uint8_t *)"x";
    size_t len = 9;
    const char *bad[] = { "\xff" };
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, bad, 1, &frame, &len, NULL),
                     HP_EUSAGE);
    ck_assert_ptr_null(frame);
    char *big = malloc(HP_FRAME_MAX + 1);
    memset(big, 'a', HP_FRAME_MAX);
    big[HP_FRAME_MAX] = '\0';
    const char *f[] = { big };
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, f, 1, &frame, &len, NULL),
                     HP_EUSAGE);
    big[HP_FRAME_MAX - 7] = '\0';              /* exactly the cap */
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, f, 1, &frame, &len, NULL),
                     HP_OK);
    ck_assert_uint_eq(len, HP_FRAME_MAX + 4);
    free(frame);
    free(big);
    ck_assert_int_eq(hp_msg_encode(7, f, 0, &frame, &len, NULL), HP_EUSAGE);
}
END_TEST

/* ---- socket I/O ---------------------------------------------------------- */

static void pair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

START_TEST(send_recv_fd)
{
    int sv[2], fds[2];
    pair(sv);
    ck_assert_int_eq(pipe(fds), 0);
    const char *f[] = { "0", "ok" };
    ck_assert_int_eq(hp_msg_send(sv[0], HP_MSG_REPLY, f, 2, fds[1], NULL), 0);
    hp_msg m;
    int fd = -2;
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, &fd, 1000, NULL), 0);
    ck_assert_int_ge(fd, 0);
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);     /* MSG_CMSG_CLOEXEC */
    ck_assert_str_eq(m.field[1], "ok");
    hp_msg_free(&m);
    /* it is the pipe's write end: data goes through */
    ck_assert_int_eq(write(fd, "z", 1), 1);
    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fd);
    close(fds[0]);
    close(fds[1]);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* Several descriptors: one message carries up to HP_PROTO_FDS_PER_MSG;
 * a receiver keeps what it has room for and closes the rest (stray). */
START_TEST(send_recv_many_fds)
{
    int sv[2], p[2], many[HP_PROTO_FDS_PER_MSG + 1];
    pair(sv);
    ck_assert_int_eq(pipe(p), 0);
    for (int i = 0; i < 3; i++)
        many[i] = p[1];
    ck_assert_int_eq(hp_sock_send_fds(sv[0], "abc", 3, many, 3), 3);
    int got[4];
    size_t n = 0;
    int stray = 0;
    char b[8];
    ck_assert_int_eq(hp_sock_recv_fds(sv[1], b, sizeof b, 0, got, 4, &n,
                                      &stray), 3);
    ck_assert(n == 3 && !stray);
    for (int i = 0; i < 3; i++) {
        ck_assert(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
        ck_assert_int_eq(write(got[i], "z", 1), 1);
        close(got[i]);
    }
    /* room for one: two are closed, and it says so */
    ck_assert_int_eq(hp_sock_send_fds(sv[0], "d", 1, many, 3), 1);
    n = 0;
    ck_assert_int_eq(hp_sock_recv_fds(sv[1], b, sizeof b, 0, got, 1, &n,
                                      &stray), 1);
    ck_assert(n == 1 && stray);
    close(got[0]);
    /* more than one message may carry is refused before sending */
    for (int i = 0; i <= HP_PROTO_FDS_PER_MSG; i++)
        many[i] = p[1];
    ck_assert_int_eq(hp_sock_send_fds(sv[0], "e", 1, many,
                                      HP_PROTO_FDS_PER_MSG + 1), -EINVAL);
    ck_assert_int_eq(hp_sock_send_fds(sv[0], "e", 1, many,
                                      HP_PROTO_FDS_PER_MSG), 1);
    static int all[HP_PROTO_FDS_PER_MSG];
    n = 0;
    stray = 0;
    ck_assert_int_eq(hp_sock_recv_fds(sv[1], b, sizeof b, 0, all,
                                      HP_PROTO_FDS_PER_MSG, &n, &stray), 1);
    ck_assert(n == HP_PROTO_FDS_PER_MSG && !stray);
    for (size_t i = 0; i < n; i++)
        close(all[i]);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(unexpected_fds_closed)
{
    int sv[2], fds[2];
    pair(sv);
    ck_assert_int_eq(pipe(fds), 0);
    int base = nfds();
    const char *f[] = { "ping" };
    /* one fd where none is wanted: refused, and the received copy closed */
    ck_assert_int_eq(hp_msg_send(sv[0], HP_MSG_REQ, f, 1, fds[1], NULL), 0);
    hp_msg m;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 1000, &e), HP_EUSAGE);
    ck_assert_int_eq(nfds(), base);
    /* many fds in one message (more than the control buffer holds):
     * MSG_CTRUNC, an error, and nothing leaks */
    int many[24];
    for (int i = 0; i < 24; i++)
        many[i] = fds[1];
    char cbuf[CMSG_SPACE(sizeof many)];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { .iov_base = "\0\0\0\x07\x02\0\x01\0\0\0\0", .iov_len = 11 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof many);
    memcpy(CMSG_DATA(c), many, sizeof many);
    ck_assert_int_eq(sendmsg(sv[0], &mh, 0), 11);
    int fd = -1;
    ck_assert_int_ne(hp_msg_recv(sv[1], &m, &fd, 1000, &e), HP_OK);
    ck_assert_int_eq(fd, -1);
    ck_assert_int_eq(nfds(), base);
    /* two messages, each with an fd, where one is wanted: the reply read
     * second carries a second fd: refused, closed */
    close(sv[0]);
    close(sv[1]);
    pair(sv);
    base = nfds();
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REPLY, f, 1, &frame, &len, NULL), 0);
    ck_assert_int_eq(hp_sock_send_all(sv[0], frame, 3, fds[1], 1000), 0);
    ck_assert_int_eq(hp_sock_send_all(sv[0], frame + 3, len - 3, fds[0], 1000),
                     0);
    free(frame);
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, &fd, 1000, &e), HP_EUSAGE);
    ck_assert_int_eq(fd, -1);
    ck_assert_int_eq(nfds(), base);
    close(sv[0]);
    close(sv[1]);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

START_TEST(cut_and_stall)
{
    hp_msg m;
    hp_err e = HP_ERR_INIT;
    for (size_t cut = 1; cut <= 3; cut++) {
        int sv[2];
        pair(sv);
        /* header cut, then close: an error, not a hang */
        ck_assert_int_eq(write(sv[0], "\0\0\0\x07", cut), (ssize_t)cut);
        close(sv[0]);
        ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 2000, &e), HP_EUSAGE);
        close(sv[1]);
        /* header cut, then stall: the deadline ends it */
        pair(sv);
        ck_assert_int_eq(write(sv[0], "\0\0\0\x07", cut), (ssize_t)cut);
        ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 50, &e), HP_EFAIL);
        ck_assert_int_eq(e.sys, ETIMEDOUT);
        close(sv[0]);
        close(sv[1]);
    }
    /* nothing at all, then close: the peer is gone */
    int sv[2];
    pair(sv);
    close(sv[0]);
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 1000, &e), HP_EUNAVAIL);
    ck_assert_int_eq(e.sys, EPIPE);
    close(sv[1]);
    /* a length over the cap: refused from the header alone */
    pair(sv);
    ck_assert_int_eq(write(sv[0], "\xff\xff\xff\xff", 4), 4);
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 1000, &e), HP_EUSAGE);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

static void on_alarm(int sig) { (void)sig; }

/* One byte per write from a slow writer while signals interrupt every
 * wait (no SA_RESTART): the reader still gets the whole message. */
START_TEST(byte_per_write_eintr)
{
    int sv[2];
    pair(sv);
    const char *f[] = { "bind_port", "tcp", "127.0.0.1", "80" };
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, f, 4, &frame, &len, NULL), 0);
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < len; i++) {
            if (write(sv[0], frame + i, 1) != 1)
                _exit(1);
            usleep(2000);
        }
        _exit(0);
    }
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 500 }, { 0, 500 } };
    setitimer(ITIMER_REAL, &it, NULL);
    hp_msg m;
    hp_err e = HP_ERR_INIT;
    int rc = hp_msg_recv(sv[1], &m, NULL, 10000, &e);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    ck_assert_msg(rc == HP_OK, "%s", e.msg);
    ck_assert_uint_eq(m.nfields, 4);
    ck_assert_str_eq(m.field[3], "80");
    hp_msg_free(&m);
    int st;
    waitpid(pid, &st, 0);
    free(frame);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* Several messages in one write come out one by one, in order; a frame
 * larger than the socket buffer goes through short writes. */
START_TEST(several_in_one_write_and_short_writes)
{
    int sv[2];
    pair(sv);
    uint8_t buf[256];
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        char num[4];
        snprintf(num, sizeof num, "%d", i);
        const char *f[] = { "ping", num };
        uint8_t *fr;
        size_t l;
        ck_assert_int_eq(hp_msg_encode(HP_MSG_REQ, f, 2, &fr, &l, NULL), 0);
        memcpy(buf + o, fr, l);
        o += l;
        free(fr);
    }
    ck_assert_int_eq(write(sv[0], buf, o), (ssize_t)o);
    for (int i = 0; i < 3; i++) {
        hp_msg m;
        ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 1000, NULL), 0);
        ck_assert_int_eq(m.field[1][0], '0' + i);
        hp_msg_free(&m);
    }
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    char *big = malloc(200000);
    memset(big, 'q', 199999);
    big[199999] = '\0';
    pid_t pid = fork();
    if (pid == 0) {
        const char *f[] = { "policy_set", big };
        _exit(hp_msg_send(sv[0], HP_MSG_REQ, f, 2, -1, NULL));
    }
    hp_msg m;
    ck_assert_int_eq(hp_msg_recv(sv[1], &m, NULL, 10000, NULL), 0);
    ck_assert_uint_eq(m.flen[1], 199999);
    hp_msg_free(&m);
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(big);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* Sending to a peer that is gone: an error code, never SIGPIPE. */
START_TEST(no_sigpipe)
{
    signal(SIGPIPE, SIG_DFL);
    int sv[2];
    pair(sv);
    close(sv[1]);
    const char *f[] = { "ping" };
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_msg_send(sv[0], HP_MSG_REQ, f, 1, -1, &e), HP_EUNAVAIL);
    ck_assert_int_eq(e.sys, EPIPE);
    close(sv[0]);
}
END_TEST

Suite *make_proto_suite(void)
{
    Suite *s = suite_create("proto");
    TCase *t = tcase_create("codec");
    tcase_add_test(t, roundtrip);
    tcase_add_test(t, send_recv_many_fds);
    tcase_add_test(t, frame_lengths);
    tcase_add_test(t, decode_refuses);
    tcase_add_test(t, utf8);
    tcase_add_test(t, encode_refuses);
    suite_add_tcase(s, t);
    t = tcase_create("socket");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, send_recv_fd);
    tcase_add_test(t, unexpected_fds_closed);
    tcase_add_test(t, cut_and_stall);
    tcase_add_test(t, byte_per_write_eintr);
    tcase_add_test(t, several_in_one_write_and_short_writes);
    tcase_add_test(t, no_sigpipe);
    suite_add_tcase(s, t);
    return s;
}
