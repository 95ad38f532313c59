/* hostprivd: the privileged helper.  Start-up puts the process in a known
 * state before it trusts anything: environment cleared (nothing it starts
 * inherits LD_*, GCONV_PATH, DYLD_*), umask 022, cwd /, stdio open, every
 * inherited descriptor closed except activation sockets, signals reset.
 * Then the root-owned configuration is loaded (role HELPER, no user
 * layer, every file and directory checked by the context), the socket is
 * set up and the loop runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "actions/hostapi.h"
#include "engine/events.h"
#include "hostprivd.h"
#include "engine/loader.h"
#include "host/dirlock.h"
#include "host/safepath.h"

#ifndef HP_VERSION
#define HP_VERSION "0"
#endif
#define HPD_SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define HPD_MAX_ACTIVATED 64

static const char usage[] =
    "usage: hostprivd [-c FILE] [--root DIR] [--plugin-dir DIR] "
    "[--foreground] [--socket-activation] [boot]\n"
    "  -c FILE              configuration file (absolute, root-owned)\n"
    "  --root DIR           host.root: every host path resolves under it\n"
    "  --plugin-dir DIR     where the plugins are (absolute, root-owned)\n"
    "  --foreground         do not detach\n"
    "  --socket-activation  listen on the sockets passed by LISTEN_FDS\n"
    "  boot                 run the boot task once (recreate the\n"
    "                       /var/run/docker.sock link) and exit\n";

typedef struct hpd_args {
    const char *cfg, *root, *plugin_dir;
    int foreground, activation, boot;
} hpd_args;

long long hpd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* LISTEN_FDS counts only when LISTEN_PID names this very process (it was
 * meant for us, not inherited by accident).  Read before the environment
 * is cleared. */
static int activation_count(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    char *end;
    if (!pid || !fds)
        return 0;
    errno = 0;
    long p = strtol(pid, &end, 10);
    if (errno || *end || !*pid || p != (long)getpid())
        return 0;
    long n = strtol(fds, &end, 10);
    if (errno || *end || !*fds || n < 1 || n > HPD_MAX_ACTIVATED)
        return 0;
    return (int)n;
}

static void clean_environment(void)
{
    const char *dbg = getenv("HOSTPRIV_DEBUG");
    int keep_debug = dbg && !strcmp(dbg, "1");
    clearenv();
    setenv("PATH", HPD_SAFE_PATH, 1);
    if (keep_debug)
        setenv("HOSTPRIV_DEBUG", "1", 1);
}

/* fds 0-2 open (on /dev/null if closed), so no socket we open later can
 * become "stderr" and receive log lines; everything above the activation
 * sockets closed. */
static void clean_descriptors(int first_free)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
    if (close_range((unsigned)first_free, ~0u, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = first_free; fd < (max > 0 ? max : 65536); fd++)
            close((int)fd);
    }
}

static int parse_args(int argc, char **argv, hpd_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char **slot = !strcmp(s, "-c") ? &a->cfg
                          : !strcmp(s, "--root") ? &a->root
                          : !strcmp(s, "--plugin-dir") ? &a->plugin_dir : NULL;
        if (slot) {
            if (i + 1 >= argc || argv[i + 1][0] != '/') {
                fprintf(stderr, "hostprivd: %s needs an absolute path\n%s", s,
                        usage);
                return HP_EUSAGE;
            }
            *slot = argv[++i];
        } else if (!strcmp(s, "--foreground")) {
            a->foreground = 1;
        } else if (!strcmp(s, "--socket-activation")) {
            a->activation = 1;
        } else if (!strcmp(s, "boot")) {
            a->boot = 1;
        } else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(s, "--version")) {
            printf("hostprivd %s\n", HP_VERSION);
            exit(0);
        } else {
            fprintf(stderr, "hostprivd: unknown argument '%s'\n%s", s, usage);
            return HP_EUSAGE;
        }
    }
    return HP_OK;
}

/* The helper says it is hostprivd (the library never takes the process
 * for one): a boot task it writes runs `hostprivd boot`. */
static const char *self_path(void)
{
    static char self[PATH_MAX];
    if (!self[0]) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = '\0';
    }
    return self[0] ? self : NULL;
}

int hpd_ctx_open(hpd *d, hp_ctx **out, hp_err *e)
{
    const char *sets[2] = { d->plugin_set[0] ? d->plugin_set : NULL, NULL };
    hp_open_opts o = {
        .role = HP_ROLE_HELPER,
        .root = d->root[0] ? d->root : NULL,
        .config_file = d->cfg_file[0] ? d->cfg_file : NULL,
        .sets = sets[0] ? sets : NULL,
        .no_user_layer = 1,
        .program = self_path(),
        .program_kind = HP_PROGRAM_HELPER,
    };
    return hp_ctx_open(out, &o, e);
}

void hpd_apply_config(hpd *d)
{
    hpd_auth_setup(d);
    d->idle_ms = hp_conf_int(d->ctx, "helper.idle_exit") * 1000;
    long uc = hp_conf_int(d->ctx, "helper.user_connections");
    d->user_conns = uc < 1 ? 1 : uc > HPD_MAX_CONNS - HPD_ROOT_SLOTS ?
                    HPD_MAX_CONNS - HPD_ROOT_SLOTS : (size_t)uc;
}

/* SIGHUP or a change on disk (confwatch.c): a new context from the same
 * files; the old one stays when the new configuration does not load.  The
 * watches are armed again first, so a change made while loading is seen
 * too. */
void hpd_reload(hpd *d)
{
    hp_ctx *n = NULL;
    hp_err e = HP_ERR_INIT;
    d->cfg_dirty = 0;
    hpd_confwatch_setup(d);
    if (hpd_ctx_open(d, &n, &e) != HP_OK) {
        hpd_log(d, HP_LOG_ERR, "reload failed, keeping the old "
                "configuration: %s", e.msg);
        return;
    }
    if (hpd_confine_admits(d, n, &e) != HP_OK) {
        hpd_log(d, HP_LOG_ERR, "reload refused, keeping the old "
                "configuration: %s", e.msg);
        hp_ctx_close(n);
        return;
    }
    const char *old_sock = hp_conf(d->ctx, "helper.socket");
    const char *new_sock = hp_conf(n, "helper.socket");
    if (!d->activated && old_sock && new_sock && strcmp(old_sock, new_sock))
        hpd_log(d, HP_LOG_WARN, "helper.socket changed to %s: restart the "
                "helper to move its socket", new_sock);
    hp_ctx_close(d->ctx);
    d->ctx = n;
    hpd_apply_config(d);
    hpd_log(d, HP_LOG_NOTICE, "configuration reloaded (plugin %s)",
            d->ctx->active ? d->ctx->active->desc.name : "(none)");
}

/* Room for every connection while one of them holds a whole range
 * (bind_ports): the soft limit of open files goes up to what that needs,
 * as far as the hard limit allows (the usual soft 1024 is below it). */
static void nofile_for_ranges(void)
{
    rlim_t want = HPD_MAX_CONNS + HP_PORTS_PER_CALL + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want
                      ? rl.rlim_max : want;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static int setup(hpd *d, const hpd_args *a, int nact)
{
    nofile_for_ranges();
    hp_err e = HP_ERR_INIT;
    if (a->plugin_dir) {
        if (hp_sp_check_safe_dir(a->plugin_dir, &e) != HP_OK) {
            fprintf(stderr, "hostprivd: --plugin-dir %s: %s\n", a->plugin_dir,
                    e.msg);
            return HP_ECONFIG;
        }
        snprintf(d->plugin_set, sizeof d->plugin_set, "core.plugin_dir=%s",
                 a->plugin_dir);
    }
    snprintf(d->cfg_file, sizeof d->cfg_file, "%s", a->cfg ? a->cfg : "");
    snprintf(d->root, sizeof d->root, "%s", a->root ? a->root : "");
    int rc = hpd_ctx_open(d, &d->ctx, &e);
    if (rc != HP_OK) {
        fprintf(stderr, "hostprivd: %s\n", e.msg);
        return rc;
    }
    hpd_apply_config(d);
    hpd_confwatch_setup(d);
    rc = hpd_listen_setup(d, nact, &e);
    if (rc != HP_OK) {
        hpd_log(d, HP_LOG_ERR, "%s", e.msg);
        return rc;
    }
    d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* last: everything above may need what this gives up */
    rc = hpd_confine(d, &e);
    if (rc != HP_OK)
        hpd_log(d, HP_LOG_ERR, "cannot give up privileges: %s", e.msg);
    return rc;
}

/* Detach unless --foreground: the socket already listens, so when the
 * starting command returns the helper answers. */
static void detach(void)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("hostprivd: fork");
        exit(HP_EINTERNAL);
    }
    if (pid > 0)
        _exit(0);
    setsid();
    int n = open("/dev/null", O_RDONLY);
    if (n >= 0) {
        dup2(n, 0);
        if (n > 2)
            close(n);
    }
}

int main(int argc, char **argv)
{
    int nact = activation_count();
    clean_environment();
    hpd_args a;
    if (parse_args(argc, argv, &a) != HP_OK)
        return HP_EUSAGE;
    if (getuid() != 0 || geteuid() != 0) {
        fprintf(stderr, "hostprivd: must be started as root (by the service "
                "manager); it is not meant to be setuid\n");
        return HP_EDENIED;
    }
    if (a.activation && nact == 0) {
        fprintf(stderr, "hostprivd: --socket-activation but no sockets were "
                "passed (LISTEN_FDS/LISTEN_PID unset or not for this "
                "process)\n");
        return HP_ECONFIG;
    }
    umask(022);
    if (chdir("/") != 0)
        return HP_EINTERNAL;
    if (a.boot)     /* a boot task installed by the helper runs the helper */
        return hpd_boot(a.cfg, a.root, a.plugin_dir);
    clean_descriptors(3 + nact);
    /* one loop serves every client: never wait long for another root
     * process's edit (only root can hold root's locks, dirlock.h) */
    hp_af_set_lock_wait(HPD_LOCK_WAIT_MS);
    static hpd d;
    d.sock_dirfd = d.reserve_fd = d.cfg_ifd = -1;
    d.probe_fd[0] = d.probe_fd[1] = d.probe_held = -1;
    d.state = HPD_ST_SERVING;
    hpd_signals_setup(&d);
    hp_log_open_syslog("hostprivd");
    int rc = setup(&d, &a, nact);
    if (rc != HP_OK) {
        hpd_listen_cleanup(&d);
        if (d.ctx)
            hp_ctx_close(d.ctx);
        return rc;
    }
    hpd_log(&d, HP_LOG_NOTICE, "serving on %s (plugin %s, pid %d)",
            d.activated ? "activated sockets" : d.sock_hpath,
            d.ctx->active ? d.ctx->active->desc.name : "(none)", (int)getpid());
    if (!a.foreground)
        detach();
    rc = hpd_loop(&d);
    hpd_listen_cleanup(&d);
    hp_ctx_close(d.ctx);
    return rc;
}
