/* The peer the helper bench compares hostprivd with: the smallest honest
 * root bind helper (about 60 lines).  One poll loop; each connection is
 * checked with SO_PEERCRED (root or the uid given) and then every byte it
 * sends asks for 127.0.0.1:PORT+byte, which comes back bound and listening
 * with SCM_RIGHTS (a byte per client: concurrent clients bind their own
 * ports).  No protocol, no config, no plugin, no log: the cost floor
 * of the helper design on this machine.
 *   usage: minihelper SOCKET-PATH UID PORT  (run as root by helper_bind) */
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static in_port_t port;

static int bind_port(unsigned char off)
{
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((in_port_t)(port + off)),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, SOMAXCONN)) {
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

static void answer(int c, unsigned char off)
{
    int fd = bind_port(off);
    char code = fd < 0, cm[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { &code, 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        mh.msg_control = cm;
        mh.msg_controllen = sizeof cm;
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &fd, sizeof fd);
    }
    (void)!sendmsg(c, &mh, MSG_NOSIGNAL);
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 64;
    port = (in_port_t)atoi(argv[3]);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, argv[1], sizeof sa.sun_path - 1);
    uid_t allowed = (uid_t)atol(argv[2]);
    struct pollfd p[256] = { { .fd = socket(AF_UNIX, SOCK_STREAM, 0),
                               .events = POLLIN } };
    unlink(sa.sun_path);
    if (bind(p[0].fd, (struct sockaddr *)&sa, sizeof sa) ||
        chmod(sa.sun_path, 0666) || listen(p[0].fd, SOMAXCONN))
        return 1;
    for (nfds_t n = 1;;) {
        if (poll(p, n, -1) < 0)
            continue;
        for (nfds_t i = n; i-- > 1;) {
            unsigned char b[64];
            ssize_t r = p[i].revents ? read(p[i].fd, b, sizeof b) : -2;
            for (ssize_t k = 0; k < r; k++)
                answer(p[i].fd, b[k]);
            if (r == 0 || r == -1) {
                close(p[i].fd);
                p[i] = p[--n];
            }
        }
        if (p[0].revents & POLLIN) {
            struct ucred cr;
            socklen_t l = sizeof cr;
            int c = accept4(p[0].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0 && (n == 256 ||
                getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l) ||
                (cr.uid != 0 && cr.uid != allowed)))
                close(c);
            else if (c >= 0)
                p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
        }
    }
}
