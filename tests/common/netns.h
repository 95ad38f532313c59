/* A network namespace of the test's own with its loopback up, so that the
 * tests, the load test and the bench bind ports there and never on the
 * host's interfaces.  Header-only: the unit suites, tests/stress and
 * tests/bench are separate programs. */
#ifndef HPT_NETNS_H
#define HPT_NETNS_H

#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bring up "lo" of the current namespace: 0, or -1 with errno and *what
 * naming the step that failed. */
static inline int hpt_lo_up(const char **what)
{
    struct ifreq ifr;
    int rc = -1, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    *what = "socket";
    if (s >= 0) {
        *what = "SIOCGIFFLAGS";
        if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
            ifr.ifr_flags |= IFF_UP;
            *what = "SIOCSIFFLAGS";
            rc = ioctl(s, SIOCSIFFLAGS, &ifr) == 0 ? 0 : -1;
        }
        close(s);
    }
    return rc;
}

/* Move into a new network namespace and bring its loopback up. */
static inline int hpt_netns(const char **what)
{
    *what = "unshare(CLONE_NEWNET)";
    return unshare(CLONE_NEWNET) == 0 ? hpt_lo_up(what) : -1;
}

#endif
