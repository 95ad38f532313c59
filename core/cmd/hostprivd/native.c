/* The native request table (OpenSSH monitor style): a fixed list of
 * requests, each with the task it belongs to and the daemon states it is
 * allowed in.  Anything not in the table is refused; a request whose task
 * the active plugin's helper does not serve gets HP_ENOTSUP; the plugin
 * op behind it is called through the ffi dispatch with the wire strings.
 * The helper takes no paths from clients: no request here has a path
 * argument. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "engine/dispatch.h"
#include "engine/events.h"
#include "hostprivd.h"
#include "engine/loader.h"
#include "host/ports.h"
#include "helper/proto.h"

#ifndef HP_VERSION
#define HP_VERSION "0"
#endif

/* What a request hands back besides its code and message: one descriptor
 * (bind_port) or several (bind_ports: a malloc'd array). */
typedef struct hpd_out {
    int fd;                     /* -1: none */
    int *fds;
    size_t nfds;
} hpd_out;

typedef int (*hpd_fn)(hpd *d, const hpd_conn *c, int argc,
                      const char *const *argv, hpd_out *o, hp_err *e);

typedef struct hpd_req {
    const char *op;
    int task;           /* enum hp_task; -1: protocol level, always served */
    unsigned states;    /* enum hpd_state bits it is allowed in */
    int once;           /* success ends the helper (uninstall) */
    hpd_fn fn;          /* NULL: the plugin op of the same name */
} hpd_req;

static int req_ping(hpd *d, const hpd_conn *c, int argc,
                    const char *const *argv, hpd_out *o, hp_err *e);
static int req_version(hpd *d, const hpd_conn *c, int argc,
                       const char *const *argv, hpd_out *o, hp_err *e);
static int req_bind(hpd *d, const hpd_conn *c, int argc,
                    const char *const *argv, hpd_out *o, hp_err *e);
static int req_bind_ports(hpd *d, const hpd_conn *c, int argc,
                          const char *const *argv, hpd_out *o, hp_err *e);

#define ANY (HPD_ST_SERVING | HPD_ST_EXITING)
#define SRV HPD_ST_SERVING
static const hpd_req reqs[] = {
    { "ping",                -1,                       ANY, 0, req_ping },
    { "version",             -1,                       ANY, 0, req_version },
    { "bind_port",           HP_TASK_PRIVILEGED_PORT,  SRV, 0, req_bind },
    { "bind_ports",          HP_TASK_PRIVILEGED_PORT,  SRV, 0, req_bind_ports },
    { "links_install",       HP_TASK_CLI_LINKS,        SRV, 0, NULL },
    { "links_remove",        HP_TASK_CLI_LINKS,        SRV, 0, NULL },
    { "socket_link_install", HP_TASK_DOCKER_SOCKET,    SRV, 0, NULL },
    { "socket_link_remove",  HP_TASK_DOCKER_SOCKET,    SRV, 0, NULL },
    { "hosts_ensure",        HP_TASK_HOSTS,            SRV, 0, NULL },
    { "policy_set",          HP_TASK_POLICY,           SRV, 0, NULL },
    { "helper_uninstall",    HP_TASK_HELPER,           SRV, 1, NULL },
    { "uninstall",           HP_TASK_UNINSTALL,        SRV, 1, NULL },
};

static const hpd_req *find_req(const char *op)
{
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++)
        if (!strcmp(reqs[i].op, op))
            return &reqs[i];
    return NULL;
}

static int served(hpd *d, int task)
{
    return d->ctx->active &&
           (d->ctx->active->desc.helper_serves & HP_TASK_BIT(task));
}

static const char *plugin_name(hpd *d)
{
    return d->ctx->active ? d->ctx->active->desc.name : "(none)";
}

/* ---- requests of the helper itself ------------------------------------ */

static int req_ping(hpd *d, const hpd_conn *c, int argc,
                    const char *const *argv, hpd_out *o, hp_err *e)
{
    (void)d; (void)c; (void)argv; (void)o;
    if (argc != 0)
        return hp_err_set(e, HP_EUSAGE, "ping takes no arguments");
    return hp_err_set(e, HP_OK, "pong");
}

static int req_version(hpd *d, const hpd_conn *c, int argc,
                       const char *const *argv, hpd_out *o, hp_err *e)
{
    (void)c; (void)argv; (void)o;
    if (argc != 0)
        return hp_err_set(e, HP_EUSAGE, "version takes no arguments");
    return hp_err_set(e, HP_OK, "hostprivd %s, protocol %d, plugin %s (%s)",
                      HP_VERSION, HP_PROTO_VERSION, plugin_name(d),
                      d->ctx->active ? d->ctx->active->desc.versions_text
                                     : "");
}

static int req_bind(hpd *d, const hpd_conn *c, int argc,
                    const char *const *argv, hpd_out *o, hp_err *e)
{
    int err;
    if (argc != 3)
        return hp_err_set(e, HP_EUSAGE, "bind_port takes 3 arguments "
                          "(tcp|udp ADDR PORT), got %d", argc);
    return hpd_bind(d, c->uid, argv[0], argv[1], argv[2], &o->fd, &err, e);
}

/* A range in one request (bind.c): all or nothing, the sockets in one
 * reply. */
static int req_bind_ports(hpd *d, const hpd_conn *c, int argc,
                          const char *const *argv, hpd_out *o, hp_err *e)
{
    if (argc != 3)
        return hp_err_set(e, HP_EUSAGE, "bind_ports takes 3 arguments "
                          "(tcp|udp ADDR PORTS, PORTS as 8000-8099 or "
                          "80,443), got %d", argc);
    return hpd_bind_ports(d, c->uid, argv[0], argv[1], argv[2], &o->fds,
                          &o->nfds, e);
}

/* A plugin op that takes no paths: its code, its message from ctx->err. */
static int call_op(hpd *d, const hpd_req *r, int argc,
                   const char *const *argv, hpd_out *o, hp_err *e)
{
    hp_err_clear(&d->ctx->err);
    int rc = hp_dispatch_call(d->ctx, r->op, argc, argv, &o->fd, e);
    if (o->fd >= 0) {           /* only bind_port hands out descriptors */
        close(o->fd);
        o->fd = -1;
    }
    if (e && e->code == HP_OK && rc != HP_OK)
        *e = d->ctx->err;
    return rc;
}

/* A request that acts on the configuration acts on the one on disk now
 * (confwatch.c).  A bind relies on the loop having loaded any change
 * before this turn (no system call on its path); the rarer requests that
 * edit the host check right here.  0 (with *code) when the client is no
 * longer served by the configuration just loaded. */
static int fresh_for(hpd *d, const hpd_conn *c, const hpd_req *r, int *code,
                     hp_err *e)
{
    if (r->fn != req_bind && r->fn != req_bind_ports)
        hpd_conf_fresh(d);
    if (hpd_uid_served(d, c->uid))
        return 1;
    *code = hp_err_set(e, HP_EDENIED, "uid %u is no longer served: host.user "
                       "changed in the helper's configuration",
                       (unsigned)c->uid);
    return 0;
}

/* ---- replies ------------------------------------------------------------ */

/* A failed request hands nothing back. */
static void out_close(hpd_out *o)
{
    if (!o)
        return;
    if (o->fd >= 0)
        close(o->fd);
    hpd_close_fds(o->fds, o->nfds);
    free(o->fds);
    *o = (hpd_out){ -1, NULL, 0 };
}

/* Replies carry text the plugin or the OS produced (paths may hold any
 * byte): make it valid UTF-8 so the reply can always be encoded. */
static void clean_text(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (k <= 4 && k <= n - i && !hp_utf8_valid(s + i, k))
            k++;
        if (k > 4 || k > n - i) {
            s[i] = '?';
            k = 1;
        }
        i += k;
    }
}

static int reply(hpd *d, hpd_conn *c, int code, const char *msg, hpd_out *o)
{
    char cbuf[16], text[sizeof ((hp_err *)0)->msg];
    snprintf(cbuf, sizeof cbuf, "%d", code);
    snprintf(text, sizeof text, "%s", msg && *msg ? msg : hp_strerror(code));
    clean_text(text);
    const char *f[2] = { cbuf, text };
    uint8_t *frame;
    size_t len;
    int r = -1;
    if (hp_msg_encode(HP_MSG_REPLY, f, 2, &frame, &len, NULL) != HP_OK)
        out_close(o);
    else if (o && o->nfds)
        r = hpd_conn_send_fds(d, c, frame, len, o->fds, o->nfds);
    else
        r = hpd_conn_send(d, c, frame, len, o ? o->fd : -1);
    free(frame);
    return r;
}

/* A protocol violation: say why, then hang up once it is sent. */
static int violation(hpd *d, hpd_conn *c, const char *why)
{
    hpd_log_limited(d, HPD_LOG_PROTO, HP_LOG_WARN, "uid %u pid %d: %s: "
                    "connection closed", (unsigned)c->uid, (int)c->pid, why);
    c->close_after = 1;
    return reply(d, c, HP_EUSAGE, why, NULL) < 0 ? -1 : 1;
}

static int on_hello(hpd *d, hpd_conn *c, const hp_msg *m)
{
    if (m->type != HP_MSG_HELLO || m->nfields != 2 ||
        strcmp(m->field[0], HP_PROTO_MAGIC))
        return violation(d, c, "protocol error: expected HELLO [HPRV, "
                         "version] first");
    char want[16];
    snprintf(want, sizeof want, "%d", HP_PROTO_VERSION);
    if (strcmp(m->field[1], want)) {
        char why[160];
        snprintf(why, sizeof why, "protocol version '%.32s' is not "
                 "supported: this helper speaks %d", m->field[1],
                 HP_PROTO_VERSION);
        return violation(d, c, why);
    }
    const char *f[3] = { want, plugin_name(d), HP_VERSION };
    uint8_t *frame;
    size_t len;
    if (hp_msg_encode(HP_MSG_HELLO, f, 3, &frame, &len, NULL) != HP_OK)
        return -1;
    int r = hpd_conn_send(d, c, frame, len, -1);
    free(frame);
    c->stage = HPD_S_READY;
    return r < 0 ? -1 : 1;
}

static void log_request(hpd *d, hpd_conn *c, const hp_msg *m, int code)
{
    if (!hpd_log_allowed(d, HPD_LOG_REQ))
        return;
    char args[160] = "";
    size_t o = 0;
    for (size_t i = 1; i < m->nfields && o < sizeof args - 1; i++)
        o += (size_t)snprintf(args + o, sizeof args - o, " %.40s",
                              m->field[i]);
    hpd_log(d, code == HP_OK ? HP_LOG_INFO : HP_LOG_WARN, "uid %u pid %d: "
            "%.40s%s: %s", (unsigned)c->uid, (int)c->pid, m->field[0], args,
            hp_strerror(code));
}

static int on_request(hpd *d, hpd_conn *c, const hp_msg *m)
{
    if (m->type != HP_MSG_REQ || m->nfields < 1)
        return violation(d, c, "protocol error: expected a request");
    const hpd_req *r = find_req(m->field[0]);
    hp_err e = HP_ERR_INIT;
    hpd_out o = { -1, NULL, 0 };
    int code;
    int argc = (int)m->nfields - 1;
    const char *const *argv = m->field + 1;
    if (!r)
        code = hp_err_set(&e, HP_EUSAGE, "unknown request '%.64s'",
                          m->field[0]);
    else if (!(r->states & (unsigned)d->state))
        code = hp_err_set(&e, HP_EUNAVAIL, "the helper is shutting down "
                          "(after an uninstall): %s is no longer served",
                          r->op);
    else if (r->task >= 0 && !fresh_for(d, c, r, &code, &e))
        ;       /* code and message set: no longer served */
    else if (r->task >= 0 && !served(d, r->task))
        code = hp_err_set(&e, HP_ENOTSUP, "this version's helper does not "
                          "do that: %s (the %s task) is not served by the "
                          "helper of %s", r->op, hp_task_name(r->task),
                          plugin_name(d));
    else
        code = r->fn ? r->fn(d, c, argc, argv, &o, &e)
                     : call_op(d, r, argc, argv, &o, &e);
    log_request(d, c, m, code);
    if (code != HP_OK)
        out_close(&o);
    if (r && r->once && code == HP_OK) {
        hpd_log(d, HP_LOG_NOTICE, "%s done: the helper exits", r->op);
        d->state = HPD_ST_EXITING;
        c->close_after = 1;
    }
    return reply(d, c, code, e.msg, &o) < 0 ? -1 : 1;
}

int hpd_native_input(hpd *d, hpd_conn *c)
{
    if (c->inlen < 4)
        return 0;
    size_t plen;
    hp_err e = HP_ERR_INIT;
    if (hp_frame_len(c->in, &plen, &e) != HP_OK)
        return violation(d, c, e.msg);
    if (c->inlen - 4 < plen)
        return 0;
    hp_msg m;
    int rc = hp_msg_decode(c->in + 4, plen, &m, &e);
    memmove(c->in, c->in + 4 + plen, c->inlen - 4 - plen);
    c->inlen -= 4 + plen;
    if (rc != HP_OK)
        return violation(d, c, e.msg);
    int r = c->stage == HPD_S_HELLO ? on_hello(d, c, &m)
                                    : on_request(d, c, &m);
    hp_msg_free(&m);
    return r;
}
