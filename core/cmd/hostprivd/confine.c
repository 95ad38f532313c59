/* Least privilege for the running helper (hostprivd(8), PRIVILEGES).  Once
 * start-up is done (socket bound or received, configuration and plugin
 * loaded, checks passed) the helper keeps only what its plugin's served
 * requests need (helper/privs.h), in this order, each step needing what
 * the one after it removes:
 *   1. securebits noroot (locked), no ambient raise (locked), keep-caps
 *      off (locked): a program it starts gets no capability from being
 *      uid 0; needs CAP_SETPCAP, so done only where the helper has it
 *      (started as full root: the direct backend; the systemd unit sets
 *      SecureBits=noroot itself).
 *   2. capabilities (libcap-ng): permitted = effective = bounding = the
 *      kept set; inheritable and ambient empty.  A bounding set wider than
 *      the kept one that cannot be narrowed (no CAP_SETPCAP: a service
 *      manager's own CapabilityBoundingSet=) is logged.
 *   3. PR_SET_NO_NEW_PRIVS: no exec can raise privileges again.
 *   4. a seccomp allow-list (libseccomp) of the calls the helper, the
 *      forked steps it runs as the user and the programs it starts make;
 *      anything else fails with EPERM (never a kill: one request fails,
 *      every other client is still served).
 * A step that fails stops the helper (fail closed). */
#include <cap-ng.h>
#include <errno.h>
#include <linux/securebits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include "engine/loader.h"
#include "helper/privs.h"
#include "hostprivd.h"

#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
                        CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                        CLONE_NEWNET)

/* Every call the helper makes after start-up, grouped as systemd groups
 * them.  A name this architecture does not have is skipped. */
static const char *const allowed[] = {
    /* basic I/O */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
    "pwritev", "lseek", "close", "close_range", "dup", "dup2", "dup3",
    "fcntl", "ioctl", "flock", "fsync", "fdatasync", "syncfs", "ftruncate",
    "fallocate", "sendfile", "copy_file_range",
    /* files: the safe-path walk, atomic replace, links, journal */
    "open", "openat", "openat2", "creat", "access", "faccessat",
    "faccessat2", "stat", "lstat", "fstat", "newfstatat", "statx", "statfs",
    "fstatfs", "readlink", "readlinkat", "getdents", "getdents64", "mkdir",
    "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
    "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod",
    "fchmodat", "chown", "fchown", "fchownat", "lchown", "utimensat",
    "umask", "chdir", "fchdir", "getcwd", "fgetxattr", "fsetxattr",
    "flistxattr", "fremovexattr", "getxattr", "lgetxattr", "listxattr",
    "llistxattr", "fadvise64",
    /* configuration changes on disk (confwatch.c) */
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
    /* the loop */
    "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "eventfd2", "pipe", "pipe2",
    /* clients, binds, the port probe (socket() is filtered below) */
    "bind", "listen", "accept", "accept4", "connect", "getsockname",
    "getpeername", "getsockopt", "setsockopt", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "socketpair",
    /* memory, the loader (plugins on reload) */
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync",
    /* signals, children: steps as the user, the services it starts */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigsuspend", "sigaltstack", "kill", "tgkill",
    "tkill", "pidfd_open", "pidfd_send_signal", "fork", "vfork", "execve",
    "execveat", "wait4", "waitid", "exit", "exit_group", "setsid",
    "setpgid",
    /* process and thread bookkeeping (libc, the dynamic loader) */
    "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
    "futex", "arch_prctl", "prctl", "sched_yield", "sched_getaffinity",
    "prlimit64", "getrlimit", "getrusage", "getpid", "getppid", "gettid",
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
    "getgroups", "getpgrp", "getpgid", "getsid", "capget", "capset",
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
    "gettimeofday", "time", "times", "getrandom", "uname", "sysinfo",
    "membarrier", "restart_syscall",
};

/* Only where the helper acts as the app's user (hp_as_user's child). */
static const char *const setid[] = {
    "setgroups", "setresgid", "setresuid", "setgid", "setuid", "setregid",
    "setreuid", "setfsgid", "setfsuid",
};

#if defined(__SANITIZE_ADDRESS__)
#define HPD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HPD_SANITIZED 1
#endif
#endif
#ifdef HPD_SANITIZED
/* LeakSanitizer stops the world at exit through ptrace, and the runtime
 * asks personality(2) at start (also in a program the helper starts). */
static const char *const sanitizer[] = { "ptrace", "personality" };
#endif

static int allow_names(scmp_filter_ctx f, const char *const *names,
                       size_t n, hp_err *e)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;
        int rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
        if (rc < 0)
            return hp_err_sys(e, HP_EINTERNAL, -rc, "seccomp: allowing %s",
                              names[i]);
    }
    return HP_OK;
}

/* socket() for the three families the helper speaks (syslog and clients:
 * AF_UNIX; binds and the probe: AF_INET, AF_INET6); clone() without new
 * namespaces; clone3() ENOSYS, so libc falls back to clone(), whose flags
 * a filter can see. */
static int allow_filtered(scmp_filter_ctx f, hp_err *e)
{
    static const int fams[] = { AF_UNIX, AF_INET, AF_INET6 };
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fams[i]));
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_FLAGS, 0));
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return rc == 0 ? HP_OK
                   : hp_err_sys(e, HP_EINTERNAL, -rc, "seccomp: filtered "
                                "rules");
}

static int load_filter(int acts_as_user, hp_err *e)
{
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!f)
        return hp_err_set(e, HP_EINTERNAL, "seccomp_init failed");
    int rc = allow_names(f, allowed, sizeof allowed / sizeof *allowed, e);
    if (rc == HP_OK && acts_as_user)
        rc = allow_names(f, setid, sizeof setid / sizeof *setid, e);
#ifdef HPD_SANITIZED
    if (rc == HP_OK)
        rc = allow_names(f, sanitizer, sizeof sanitizer / sizeof *sanitizer,
                         e);
#endif
    if (rc == HP_OK)
        rc = allow_filtered(f, e);
    if (rc == HP_OK) {
        int r = seccomp_load(f);
        if (r < 0)
            rc = hp_err_sys(e, HP_EINTERNAL, -r, "cannot load the seccomp "
                            "filter");
    }
    seccomp_release(f);
    return rc;
}

/* 1. What a program the helper starts gets from uid 0: nothing. */
static int lock_securebits(hp_err *e)
{
    int cur = prctl(PR_GET_SECUREBITS);
    unsigned long want = (unsigned long)(cur < 0 ? 0 : cur) |
        SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
        SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    want &= ~(unsigned long)SECBIT_KEEP_CAPS;
    if (cur < 0 || prctl(PR_SET_SECUREBITS, want, 0, 0, 0) != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot set securebits");
    return HP_OK;
}

/* 2. Keep `keep`, drop the rest (bounding set too where possible). */
static int drop_caps(hpd *d, uint64_t keep, hp_err *e)
{
    if (capng_get_caps_process() != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot read the "
                          "capabilities");
    int setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
    int wider = 0;
    for (unsigned i = 0; i <= CAP_LAST_CAP; i++)
        wider |= !(keep & HP_CAPBIT(i)) &&
                 capng_have_capability(CAPNG_BOUNDING_SET, i);
    if (setpcap) {
        int rc = lock_securebits(e);
        if (rc != HP_OK)
            return rc;
    }
    capng_clear(CAPNG_SELECT_ALL);
    for (unsigned i = 0; i <= CAP_LAST_CAP; i++)
        if (keep & HP_CAPBIT(i) &&
            capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
                                        CAPNG_BOUNDING_SET, i) != 0)
            return hp_err_set(e, HP_EINTERNAL, "capng_update(%u)", i);
    capng_select_t sel = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;
    if (wider && setpcap)
        sel |= CAPNG_SELECT_BOUNDS;
    int r = capng_apply(sel);
    if (r != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot drop capabilities "
                          "(capng_apply %d)", r);
    if (wider && !setpcap)
        hpd_log(d, HP_LOG_WARN, "the bounding set is wider than what this "
                "version's helper keeps and cannot be narrowed without "
                "CAP_SETPCAP: set CapabilityBoundingSet= in its unit");
    return HP_OK;
}

int hpd_confine(hpd *d, hp_err *e)
{
    uint32_t serves = hp_helper_serves(d->ctx);
    uint64_t keep = hp_helper_caps(serves);
    int rc = drop_caps(d, keep, e);
    if (rc == HP_OK && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        rc = hp_err_sys(e, HP_EINTERNAL, errno, "PR_SET_NO_NEW_PRIVS");
    if (rc == HP_OK)
        rc = load_filter(hp_helper_acts_as_user(serves), e);
    if (rc != HP_OK)
        return rc;
    d->caps_kept = keep;
    d->serves_at_start = serves;
    char names[256];
    hp_caps_text(keep, names, sizeof names);
    hpd_log(d, HP_LOG_NOTICE, "confined: capabilities kept: %s; "
            "no_new_privs; seccomp allow-list", *names ? names : "none");
    return HP_OK;
}

int hpd_confine_admits(const hpd *d, const hp_ctx *n, hp_err *e)
{
    uint32_t serves = hp_helper_serves(n);
    uint64_t more = hp_helper_caps(serves) & ~d->caps_kept;
    int setid = hp_helper_acts_as_user(serves) &&
                !hp_helper_acts_as_user(d->serves_at_start);
    if (!more && !setid)
        return HP_OK;
    char names[256];
    hp_caps_text(more, names, sizeof names);
    return hp_err_set(e, HP_EDENIED, "the plugin %s needs %s, which this "
                      "helper gave up at start-up: restart the helper to "
                      "serve it", n->active ? n->active->desc.name : "",
                      names);
}
