/* helper-test: the smallest plugin hostprivd's tests need.  It serves
 * bind_port (through the host API's bind_direct, as the real plugins do in
 * the HELPER role), policy_set and uninstall; hosts_ensure exists but the
 * helper does not serve it, so a request for it proves the helper_serves
 * gate.  Every op that acts leaves a marker file under host.root so the
 * tests can see what happened, and that nothing happened when refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hostpriv/plugin.h>

typedef struct ht { const hp_host_api *api; hp_host *h; } ht;

static int ht_init(const hp_host_api *api, hp_host *h, void **st)
{
    ht *t = calloc(1, sizeof *t);
    if (!t)
        return HP_EINTERNAL;
    t->api = api;
    t->h = h;
    *st = t;
    return HP_OK;
}

static void ht_fini(void *st) { free(st); }
static int ht_launch(void *st) { (void)st; return HP_OK; }

/* <host.root>/NAME with text; mode 0644, never through a symlink. */
static int marker(ht *t, const char *name, const char *text)
{
    const char *root = t->api->conf(t->h, "host.root");
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root && strcmp(root, "/") ? root : "",
             name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0644);
    if (fd < 0)
        return HP_EFAIL;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok ? HP_OK : HP_EFAIL;
}

/* Port 1005: a call outside the helper's seccomp allow-list
 * (memfd_create, which succeeds anywhere else); its result is left in
 * marker-denied ("ok", or the errno's name) and the bind fails. */
static int ht_denied_call(ht *t)
{
    int fd = (int)syscall(SYS_memfd_create, "hp-test", 0u);
    char text[64];
    snprintf(text, sizeof text, "%s", fd >= 0 ? "ok" : errno == EPERM ?
             "EPERM" : errno == ENOSYS ? "ENOSYS" : "other");
    if (fd >= 0)
        close(fd);
    marker(t, "marker-denied", text);
    return HP_EFAIL;
}

/* Ports 1000 to 1002 misbehave, so the tests can see the helper refuse
 * what a plugin hands back: 1000 another descriptor of this process, 1001
 * a socket bound for another port, 1002 UDP when TCP was asked. */
static int ht_bind(void *st, int socktype, const char *addr, int port,
                   int *fd)
{
    ht *t = st;
    if (port == 1005)
        return ht_denied_call(t);
    if (port == 1000) {
        *fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        return *fd >= 0 ? HP_OK : HP_EFAIL;
    }
    if (port == 1001 || port == 1002) {
        int other = port == 1001 ? 1003 : port;
        int type = port == 1002 ? 3 - socktype : socktype;  /* tcp <-> udp */
        return t->api->bind_direct(t->h, type, addr, other, fd) == 0
                   ? HP_OK : HP_EFAIL;
    }
    return t->api->bind_direct(t->h, socktype, addr, port, fd) == 0
               ? HP_OK : HP_EFAIL;
}

#ifndef HT_NO_BIND_PORTS
/* ABI 1.3: a range through bind_direct, port by port, as the real
 * plugins do in the HELPER role.  1000 hands back another descriptor,
 * 1001 the socket of port 1003 (as ht_bind), 1005 fails. */
static int ht_bind_ports(void *st, int socktype, const char *addr,
                         const int *ports, size_t n, int *fds)
{
    ht *t = st;
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int port = ports[i] == 1001 ? 1003 : ports[i];
        if (ports[i] == 1000)
            fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        else if (ports[i] == 1005 ||
                 t->api->bind_direct(t->h, socktype, addr, port, &fds[i]))
            fds[i] = -1;
        if (fds[i] < 0) {
            for (size_t k = 0; k < i; k++)
                close(fds[k]);
            for (size_t k = 0; k < n; k++)
                fds[k] = -1;
            return HP_EFAIL;
        }
    }
    return HP_OK;
}
#endif

/* The output of a program the helper starts (fork+exec). */
static void run_output(const char *prog, const char *arg, char *out,
                       size_t n)
{
    int pfd[2];
    out[0] = '\0';
    if (pipe(pfd) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        execl(prog, prog, arg, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    size_t k = 0;
    ssize_t r;
    while (k < n - 1 && (r = read(pfd[0], out + k, n - 1 - k)) > 0)
        k += (size_t)r;
    out[k] = '\0';
    close(pfd[0]);
    waitpid(pid, NULL, 0);
}

/* Also records what a program started by the helper gets: its
 * environment (`env`) and its privileges (its /proc/self/status), so the
 * tests can check both. */
static int ht_policy(void *st, const char *json)
{
    ht *t = st;
    static char env[8192], status[8192];
    run_output("/usr/bin/env", NULL, env, sizeof env);
    run_output("/bin/cat", "/proc/self/status", status, sizeof status);
    int rc = marker(t, "marker-policy", json);
    if (rc == HP_OK)
        rc = marker(t, "marker-status", status);
    return rc == HP_OK ? marker(t, "marker-env", env) : rc;
}

static int ht_hosts(void *st) { return marker(st, "marker-hosts", "x"); }
static int ht_uninstall(void *st)
{
    return marker(st, "marker-uninstall", "x");
}

HP_PLUGIN_EXPORT const hp_plugin hp_plugin_descriptor = {
    HP_PLUGIN_HEADER,
    .name = "helper-test",
    .description = "hostprivd test plugin: bind, policy and uninstall only",
    .version_min = "0.0.1",
    .version_max = "0.0.2",
    .versions_text = "0.0.1 (tests only)",
    .helper_serves = HP_TASK_BIT(HP_TASK_PRIVILEGED_PORT) |
                     HP_TASK_BIT(HP_TASK_POLICY) |
                     HP_TASK_BIT(HP_TASK_UNINSTALL),
    .init = ht_init,
    .fini = ht_fini,
    .ops = {
        .launch = ht_launch,
        .bind_port = ht_bind,
        .hosts_ensure = ht_hosts,
        .policy_set = ht_policy,
        .uninstall = ht_uninstall,
    },
#ifndef HT_NO_BIND_PORTS
    .bind_ports = ht_bind_ports,
#endif
};
