/* hostprivd internals: the daemon's state, its connections, and the parts
 * (start-up, socket, loop, auth, native requests, vmnetd session, logging)
 * each in its own file. */
#ifndef HPD_H
#define HPD_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "engine/ctx.h"

/* The longest the loop waits for a directory lock another root process
 * holds (a request that would wait longer fails with EBUSY, retryable). */
#define HPD_LOCK_WAIT_MS 1000

#define HPD_MAX_CONNS       256
/* Slots no one but root may take: however many connections users open,
 * root (the installer, uninstall, the boot task) still gets in. */
#define HPD_ROOT_SLOTS      16
#define HPD_MAX_LISTEN      4
/* A whole frame (or the vmnetd exchange's next step) must arrive within
 * this long of its first byte: a slow client holds a slot, never the loop. */
#define HPD_FRAME_MS        5000
/* A kept connection with nothing in flight is closed after this long, so
 * idle connections do not sit on slots; the client library reconnects
 * transparently. */
#define HPD_IDLE_CONN_MS    10000
/* Pending output must drain within this long. */
#define HPD_WRITE_MS        5000
#define HPD_INBUF_START     512
/* replies queued before they are sent (more input waits meanwhile) */
#define HPD_OUT_BATCH       65536
/* sockets remembered as handed out (grants.c); the oldest is forgotten.
 * Room for a user's dual-stack publish of every privileged port, twice. */
#define HPD_MAX_GRANTS      4096
/* directories watched for configuration changes (confwatch.c) */
#define HPD_MAX_WATCHES     8

enum hpd_proto { HPD_P_UNKNOWN = 0, HPD_P_NATIVE, HPD_P_VMNET };
/* Native stages, then vmnetd stages. */
enum hpd_stage { HPD_S_HELLO = 0, HPD_S_READY, HPD_S_VMN_CMD,
                 HPD_S_VMN_BIND, HPD_S_DONE };
/* Daemon-wide states a request may be allowed in (bit mask). */
enum hpd_state { HPD_ST_SERVING = 1, HPD_ST_EXITING = 2 };

typedef struct hpd_conn {
    int fd;
    uid_t uid;
    pid_t pid;
    int proto;                  /* enum hpd_proto */
    int stage;                  /* enum hpd_stage */
    uint8_t *in;
    size_t inlen, incap;
    uint8_t *out;
    size_t outlen, outoff, outcap;
    /* Descriptors to pass with out (one reply's): outfds[0..noutfds),
     * in batches of HP_PROTO_FDS_PER_MSG, batch k riding on byte
     * outfd_at + k; outfds_sent of them are gone.  A single one lives in
     * outfd1; more in a malloc'd array. */
    int *outfds;
    size_t noutfds, outfds_sent;
    int outfd1;
    size_t outfd_at;
    int close_after;            /* close once out is flushed */
    long long deadline;         /* monotonic ms */
} hpd_conn;

/* A socket the helper handed out: to whom, and which (its inode). */
typedef struct hpd_grant {
    uid_t uid;
    int socktype;               /* HP_SOCK_TCP, HP_SOCK_UDP */
    int port;
    unsigned long ino;
} hpd_grant;

/* An inotify watch: its directory's files that are configuration. */
typedef struct hpd_watch {
    int wd;
    char names[96];             /* "a b c", or "*.ini" */
} hpd_watch;

typedef struct hpd {
    hp_ctx *ctx;
    /* how the context was opened, for SIGHUP reloads */
    char cfg_file[PATH_MAX];
    char root[PATH_MAX];
    char plugin_dir[PATH_MAX];
    char plugin_set[PATH_MAX + 32];

    int lfd[HPD_MAX_LISTEN];
    size_t nlfd;
    int activated;              /* listeners came from LISTEN_FDS */
    int sock_dirfd;             /* our socket's directory, -1 */
    char sock_leaf[256];
    dev_t sock_dev;
    ino_t sock_ino;
    char sock_hpath[PATH_MAX];

    hpd_conn *conns[HPD_MAX_CONNS];
    size_t nconns;
    int reserve_fd;             /* spare fd for the EMFILE accept trick */
    int sigpipe[2];
    int state;                  /* enum hpd_state */
    int exit_code;
    int stop;                   /* leave the loop */
    long long last_active;
    long idle_ms;               /* helper.idle_exit, cached per (re)load */
    size_t user_conns;          /* helper.user_connections, likewise */
    uid_t user_uid;             /* host.user from root-owned config */
    int user_ok;                /* user_uid is valid */
    hpd_grant grants[HPD_MAX_GRANTS];   /* oldest first */
    size_t ngrants;
    /* which (type, port) has any grant: a bind of a port nobody was
     * given skips the table (TCP, UDP) */
    uint64_t granted_any[2][65536 / 64];
    int probe_fd[2], probe_family[2];   /* ready probes: TCP, UDP; -1 */
    /* A single bind's TCP probe, still bound until its reply is out,
     * then closed with the socket handed out (grants.c); -1 */
    int probe_held;
    int cfg_ifd;                /* inotify on the configuration, -1 */
    int cfg_watching;           /* every watch is in place */
    int cfg_dirty;              /* changed on disk since the last load */
    hpd_watch watches[HPD_MAX_WATCHES];
    size_t nwatches;
    uint64_t caps_kept;         /* capabilities kept at start-up */
    uint32_t serves_at_start;   /* the tasks they were kept for */
} hpd;

/* main.c: clock */
long long hpd_now(void);

/* log.c: stderr/syslog through hp_log, with a rate limit per kind so a
 * flood of refused clients cannot flood the log (SECURITY.md 42). */
enum hpd_logkind { HPD_LOG_REQ = 0, HPD_LOG_REFUSED, HPD_LOG_PROTO,
                   HPD_LOG_ACCEPT, HPD_LOG__COUNT };
void hpd_log(hpd *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 1: a line of this kind may be written now (and is counted) */
int hpd_log_allowed(hpd *d, int kind);
void hpd_log_limited(hpd *d, int kind, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* auth.c */
int hpd_auth_setup(hpd *d);
/* 1 while uid may use the helper (root, host.user as configured now). */
int hpd_uid_served(const hpd *d, uid_t uid);
/* Read the peer's credentials from the kernel; 1 allowed (uid/pid set),
 * 0 refused (logged).  Unreadable credentials refuse. */
int hpd_auth_peer(hpd *d, int fd, uid_t *uid, pid_t *pid);

/* listen.c */
int hpd_listen_setup(hpd *d, int nactivated, hp_err *e);
void hpd_listen_cleanup(hpd *d);

/* loop.c */
int hpd_loop(hpd *d);
void hpd_signals_setup(hpd *d);
/* Queue bytes (and one fd, >= 0, taken over) for the peer; sent at once
 * when the socket takes them. */
int hpd_conn_send(hpd *d, hpd_conn *c, const void *buf, size_t len,
                  int passfd);
/* The same with fds[0..n) (a malloc'd array, taken over with its
 * descriptors; NULL with n 0 for none). */
int hpd_conn_send_fds(hpd *d, hpd_conn *c, const void *buf, size_t len,
                      int *fds, size_t n);
/* Close fds[0..n): runs of consecutive descriptors in one close_range. */
void hpd_close_fds(const int *fds, size_t n);

/* native.c: process buffered input of a native connection.  Returns 1
 * when it consumed something, 0 when it needs more bytes, -1 to drop. */
int hpd_native_input(hpd *d, hpd_conn *c);
/* The bind path shared with vmnetd, for a client of uid: policy checks,
 * the port not held by anyone else (grants.c), then the plugin's
 * bind_port op.  HP_OK with *fd, else an hp_code; *err the errno behind
 * a failed bind (0 when none). */
int hpd_bind(hpd *d, uid_t uid, const char *socktype, const char *addr,
             const char *port, int *fd, int *err, hp_err *e);
/* bind.c: a range ("8000-8099", "80,443") for uid, all or nothing: every
 * port passes the checks of hpd_bind before any is bound; then the
 * plugin's bind_ports (or its bind_port, port by port).  HP_OK with *fds
 * (malloc'd, the socket of each port in the order listed) and *n; else
 * nothing is bound and the message names the port that failed. */
int hpd_bind_ports(hpd *d, uid_t uid, const char *socktype, const char *addr,
                   const char *list, int **fds, size_t *n, hp_err *e);

/* grants.c: HP_OK when nothing holds the port, in either address family,
 * but sockets the helper handed to uid; else HP_EFAIL, e->sys EADDRINUSE,
 * the message naming the port. */
int hpd_port_check(hpd *d, uid_t uid, int socktype, int port, hp_err *e);
/* The same for ports[0..n) (a range): each probed, and the kernel's
 * socket tables read once for all the held ones. */
int hpd_ports_check(hpd *d, uid_t uid, int socktype, const int *ports,
                    size_t n, hp_err *e);
/* Remember that fd (bound to port) goes to uid. */
void hpd_port_granted(hpd *d, uid_t uid, int socktype, int port, int fd);
/* A reply has left: the held TCP probe (or -1), handed to the caller to
 * close along with the descriptors that left.  hpd_reply_done once a
 * reply was tried, whether it could leave or not: the probe goes. */
int hpd_reply_sent(hpd *d);
void hpd_reply_done(hpd *d);
/* Make the probe sockets the next binds use, between requests (the loop
 * calls it before it waits): a bind then pays only the probe's bind and
 * close.  _close at exit. */
void hpd_probes_ready(hpd *d);
void hpd_probes_close(hpd *d);

/* vmnet.c */
int hpd_vmnet_input(hpd *d, hpd_conn *c);

/* confwatch.c: watch the configuration's files (again: on every load); a
 * request that depends on the configuration calls hpd_conf_fresh first,
 * which reloads it when it changed on disk (one read() when it did not). */
void hpd_confwatch_setup(hpd *d);
void hpd_conf_fresh(hpd *d);

/* main.c: open the context; take in what the loop caches from it */
int hpd_ctx_open(hpd *d, hp_ctx **out, hp_err *e);
void hpd_apply_config(hpd *d);
void hpd_reload(hpd *d);

/* confine.c: keep only what the active plugin's served tasks need
 * (capabilities, no_new_privs, a seccomp allow-list), once, after
 * start-up.  _admits: HP_OK when a newly loaded context's plugin needs
 * nothing the helper gave up, else HP_EDENIED saying what. */
int hpd_confine(hpd *d, hp_err *e);
int hpd_confine_admits(const hpd *d, const hp_ctx *n, hp_err *e);

/* `hostprivd boot`: the boot task when the helper installed it (the helper
 * runs from helper.path alone, so it cannot name the hostpriv CLI).  Runs
 * the same action as `hostpriv boot`, as root, and exits: boot.c */
int hpd_boot(const char *cfg, const char *root, const char *plugin_dir);
#endif
