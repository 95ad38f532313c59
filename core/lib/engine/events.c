/* Events and logging: the one place lines leave the process.  An event is
 * one JSON object on one line, written with a single write(2) on an
 * O_APPEND descriptor so lines of concurrent writers never interleave.
 * Log lines have control characters escaped so a client-supplied string
 * cannot forge a second line or drive the terminal (log injection). */
#include "events.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "loader.h"
#include "loghold.h"

static const char *const task_names[HP_TASK__COUNT] = {
    "helper", "cli-links", "docker-socket", "privileged-port", "hosts",
    "policy", "settings", "uninstall"
};
static const char *const event_names[] = {
    "prompt", "granted", "declined", "timed-out", "done", "skipped",
    "failed", "warning"
};
static const char *const via_names[] = {
    "", "user", "helper", "elevated", "installer"
};
#define COUNT(a) (int)(sizeof a / sizeof a[0])

const char *hp_task_name(int task)
{
    return task >= 0 && task < HP_TASK__COUNT ? task_names[task] : "";
}

int hp_task_from_name(const char *name)
{
    for (int i = 0; name && i < HP_TASK__COUNT; i++)
        if (!strcmp(task_names[i], name))
            return i;
    return -1;
}

const char *hp_event_name(int kind)
{
    return kind >= 0 && kind < COUNT(event_names) ? event_names[kind] : "";
}

const char *hp_via_name(int via)
{
    return via >= 0 && via < COUNT(via_names) ? via_names[via] : "";
}

/* ---- JSON ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 when invalid:
 * overlong forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Bytes are written while they fit whole; after the first thing that does
 * not fit nothing more is written (no gap of garbage), but the length keeps
 * counting, snprintf-like. */
struct sink { char *out; size_t n, len; int full; };

static void put(struct sink *k, const void *s, size_t l)
{
    if (!k->full && k->len + l < k->n)
        memcpy(k->out + k->len, s, l);
    else if (!k->full) {
        k->full = 1;
        if (k->n)
            k->out[k->len] = '\0';
    }
    k->len += l;
}

/* Plain printable ASCII that needs no escape: copied in runs. */
static int json_plain(unsigned char b)
{
    return b >= 0x20 && b < 0x7f && b != '"' && b != '\\';
}

static void escape_into(struct sink *k, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const unsigned char *run = p;
        while (json_plain(*p))
            p++;
        if (p > run)
            put(k, run, (size_t)(p - run));
        if (!*p)
            break;
        char esc[8];
        size_t u = utf8_len(p);
        if (u == 0) {
            put(k, "\\ufffd", 6);
            p++;
            continue;
        }
        if (u > 1) {
            put(k, p, u);
            p += u;
            continue;
        }
        switch (*p) {
        case '"':  put(k, "\\\"", 2); break;
        case '\\': put(k, "\\\\", 2); break;
        case '\b': put(k, "\\b", 2); break;
        case '\f': put(k, "\\f", 2); break;
        case '\n': put(k, "\\n", 2); break;
        case '\r': put(k, "\\r", 2); break;
        case '\t': put(k, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(k, esc, 6);
        }
        p++;
    }
}

size_t hp_json_escape(char *out, size_t n, const char *s)
{
    struct sink k = { out, n, 0, 0 };
    escape_into(&k, s);
    if (!k.full && n)
        out[k.len] = '\0';
    return k.len;
}

/* Appends "name":"escaped" (with a leading comma unless first). */
static void field(struct sink *k, const char *name, const char *val,
                  int first)
{
    if (!first)
        put(k, ",", 1);
    put(k, "\"", 1);
    put(k, name, strlen(name));
    put(k, "\":\"", 3);
    escape_into(k, val);
    put(k, "\"", 1);
}

/* Built with memcpy, not snprintf: the helper formats one per bind. */
size_t hp_event_format(char *out, size_t n, const char *ts, const char *plugin,
                       const char *version, int kind, int task, int via,
                       const char *path, const char *detail)
{
    struct sink k = { out, n, 0, 0 };
    put(&k, "{", 1);
    field(&k, "ts", ts, 1);
    field(&k, "plugin", plugin, 0);
    field(&k, "version", version, 0);
    field(&k, "event", hp_event_name(kind), 0);
    field(&k, "task", hp_task_name(task), 0);
    field(&k, "via", hp_via_name(via), 0);
    field(&k, "path", path, 0);
    field(&k, "detail", detail, 0);
    put(&k, "}\n", 2);
    if (!k.full && n)
        out[k.len] = '\0';
    return k.len;
}

/* ---- writing --------------------------------------------------------- */

/* One write(2) for the whole line; loops only on a short write (a pipe or
 * full disk), which then cannot be atomic anyway. */
static void write_line(int fd, const char *s, size_t len);

/* Log lines to stderr gathered while held lines are released, so they
 * leave in one write (hp_log_batch). */
static struct {
    int on;
    size_t len;
    char b[32768];
} batch;

void hp_log_batch(int on)
{
    if (!on && batch.len) {
        batch.on = 0;
        write_line(STDERR_FILENO, batch.b, batch.len);
    }
    batch.len = 0;
    batch.on = on;
}

/* A line for stderr: into the batch when one is open (written first when
 * it would not fit). */
static void err_line(const char *s, size_t len)
{
    if (!batch.on) {
        write_line(STDERR_FILENO, s, len);
        return;
    }
    if (len > sizeof batch.b - batch.len) {
        write_line(STDERR_FILENO, batch.b, batch.len);
        batch.len = 0;
    }
    if (len > sizeof batch.b) {
        write_line(STDERR_FILENO, s, len);
        return;
    }
    memcpy(batch.b + batch.len, s, len);
    batch.len += len;
}

static void write_line(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        len -= (size_t)w;
    }
}

/* The text of the last second is kept (per thread): the helper stamps
 * an event per bind, many within one second. */
static void rfc3339(time_t sec, char *ts, size_t n)
{
    static _Thread_local time_t last = -1;
    static _Thread_local char text[32];
    if (sec != last) {
        struct tm tm;
        gmtime_r(&sec, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = sec;
    }
    snprintf(ts, n, "%s", text);
}

static size_t format_at(hp_ctx *c, char *out, size_t n, const char *ts,
                        int kind, int task, int via, const char *path,
                        const char *detail)
{
    const char *plugin = c && c->active ? c->active->desc.name : "";
    const char *version = c ? hp_ctx_version(c) : NULL;
    return hp_event_format(out, n, ts, plugin, version, kind, task, via,
                           path, detail);
}

/* The embedder's event callback: the fields and the line as one JSON
 * object (line without its newline). */
static void deliver(hp_ctx *c, const char *ts, int kind, int task, int via,
                    const char *path, const char *detail, const char *json)
{
    const char *version = hp_ctx_version(c);
    hp_event_info ev = {
        .kind = kind, .task = task, .via = via,
        .event = hp_event_name(kind), .task_name = hp_task_name(task),
        .via_name = hp_via_name(via),
        .path = path ? path : "", .detail = detail ? detail : "",
        .plugin = c->active ? c->active->desc.name : "",
        .version = version ? version : "", .ts = ts, .json = json,
    };
    c->event_fn(c->event_data, &ev);
}

static int root_role(const hp_ctx *c)
{
    return c && (c->role == HP_ROLE_HELPER || c->role == HP_ROLE_PRIVILEGED);
}

/* How much the log says (hp_log_set_verbosity), and who sees each line
 * first (hp_log_set_tap): one program, one setting. */
static int verbosity;
static hp_log_tap_fn log_tap;

void hp_log_set_verbosity(int v)
{
    verbosity = v;
}

void hp_log_set_tap(hp_log_tap_fn fn)
{
    log_tap = fn;
}

int hp_log_enabled(int level)
{
    if (level == HP_LOG_DEBUG)
        return verbosity > 0 || secure_getenv("HOSTPRIV_DEBUG") != NULL;
    return verbosity >= 0 || level == HP_LOG_NOTICE || level >= HP_LOG_ERR;
}

/* --verbose: each event is a step, said in words on stderr as well. */
static void say_step(int kind, int task, int via, const char *path,
                     const char *detail)
{
    char line[2048];
    const char *v = hp_via_name(via);
    snprintf(line, sizeof line, "%s %s%s%s%s%s%s%s", hp_event_name(kind),
             hp_task_name(task), *v ? " via " : "", v,
             path && *path ? " " : "", path ? path : "",
             detail && *detail ? ": " : "", detail ? detail : "");
    hp_log_line(HP_LOG_INFO, line);
}

/* In root roles the line goes to the log as "event {...}" (PRE is that
 * prefix, room kept in front of the JSON so it is not copied again). */
#define PRE "event "
#define PRELEN (sizeof PRE - 1)

void hp_event_at(hp_ctx *c, time_t when, int kind, int task, int via,
                 const char *path, const char *detail)
{
    char stack[2048], *buf = stack, ts[32];
    rfc3339(when, ts, sizeof ts);
    size_t len = format_at(c, stack + PRELEN, sizeof stack - PRELEN, ts,
                           kind, task, via, path, detail);
    if (len >= sizeof stack - PRELEN) {
        if (!(buf = malloc(PRELEN + len + 1)))
            return;
        format_at(c, buf + PRELEN, len + 1, ts, kind, task, via, path,
                  detail);
    }
    char *line = buf + PRELEN;
    if (root_role(c)) {
        memcpy(buf, PRE, PRELEN);
        line[len - 1] = '\0';
        hp_log_line(kind == HP_EV_FAILED ? HP_LOG_WARN : HP_LOG_INFO, buf);
    } else if (c) {
        if (c->evlog && !(c->evlog_is_stdout && c->json)) {
            if (c->evlog_is_stdout)
                fflush(stdout);
            write_line(fileno(c->evlog), line, len);
        }
        if (c->json) {
            fflush(stdout);
            write_line(STDOUT_FILENO, line, len);
        }
        if (c->event_fn) {
            line[len - 1] = '\0';
            deliver(c, ts, kind, task, via, path, detail, line);
        }
    }
    if (buf != stack)
        free(buf);
    if (verbosity > 0 && c && !root_role(c))
        say_step(kind, task, via, path, detail);
}

void hp_event(hp_ctx *c, int kind, int task, int via, const char *path,
              const char *detail)
{
    time_t now = time(NULL);
    /* the helper's events are log lines: they may wait for the reply */
    if (root_role(c) && hp_log_held_event(c, now, kind, task, via, path,
                                          detail, hp_event_at))
        return;
    hp_event_at(c, now, kind, task, via, path, detail);
}

/* ---- logging --------------------------------------------------------- */

static int use_syslog;

/* Only where a syslog socket exists: without one, glibc tries to connect
 * again on every message (four system calls per line), and the messages go
 * nowhere anyway; stderr (or the service's log file) still has them. */
void hp_log_open_syslog(const char *ident)
{
    struct stat st;
    if (stat("/dev/log", &st) != 0 || !S_ISSOCK(st.st_mode))
        return;
    openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    use_syslog = 1;
}

/* Escape controls (C0, DEL, C1 as U+0080..U+009F or raw bytes) and
 * invalid UTF-8 so one message stays one harmless line. */
static void sanitise(char *out, size_t n, const char *in)
{
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p && o + 9 < n) {
        const unsigned char *run = p;      /* printable ASCII: in runs */
        while (*p >= 0x20 && *p < 0x7f && (size_t)(p - run) + o + 9 < n)
            p++;
        if (p > run) {
            memcpy(out + o, run, (size_t)(p - run));
            o += (size_t)(p - run);
            continue;
        }
        size_t u = utf8_len(p);
        if (*p == '\n' || *p == '\r') {
            o += (size_t)snprintf(out + o, n - o, *p == '\n' ? "\\n" : "\\r");
        } else if (*p == '\t') {
            out[o++] = ' ';
        } else if (u == 0 || *p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
        } else if (u == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x\\x%02x", p[0], p[1]);
            p++;
        } else {
            memcpy(out + o, p, u);
            o += u;
            p += u - 1;
        }
        p++;
    }
    out[o] = '\0';
}

void hp_log_line(int level, const char *msg)
{
    if (hp_log_held_line(level, msg, hp_log_line))
        return;
    static const char *const tag[] = { "debug: ", "", "", "warning: ",
                                       "error: " };
    static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING,
                                LOG_ERR };
    if (level < HP_LOG_DEBUG || level > HP_LOG_ERR)
        level = HP_LOG_ERR;
    if (log_tap)
        log_tap(level, msg);
    /* --quiet: what asks something of the user, and errors */
    if (!hp_log_enabled(level))
        return;
    /* room for clean, a program name (NAME_MAX) and the tag: it fits */
    char clean[2048], line[2048 + 256 + 32];
    sanitise(clean, sizeof clean, msg);
    /* "prog: tag clean\n", by memcpy: the helper logs every bind */
    struct sink k = { line, sizeof line, 0, 0 };
    put(&k, program_invocation_short_name,
        strlen(program_invocation_short_name));
    put(&k, ": ", 2);
    put(&k, tag[level], strlen(tag[level]));
    put(&k, clean, strlen(clean));
    put(&k, "\n", 1);
    if (!k.full)
        err_line(line, k.len);
    if (use_syslog)
        syslog(prio[level], "%s%s", tag[level], clean);
}

void hp_log_to(hp_ctx *c, int level, const char *msg)
{
    if (!c || !c->log_fn) {
        hp_log_line(level, msg);
        return;
    }
    if (level < HP_LOG_DEBUG || level > HP_LOG_ERR)
        level = HP_LOG_ERR;
    if (level == HP_LOG_DEBUG && !secure_getenv("HOSTPRIV_DEBUG"))
        return;
    char clean[2048];
    sanitise(clean, sizeof clean, msg);
    c->log_fn(c->log_data, level, clean);
}

void hp_log(hp_ctx *c, int level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hp_log_to(c, level, msg);
}

void hp_notice(hp_ctx *c, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hp_log_to(c, HP_LOG_NOTICE, msg);
    /* An embedder without a terminal reads it through hp_errmsg(); a
     * failure already recorded there is not overwritten. */
    if (c && c->err.code == HP_OK)
        snprintf(c->err.msg, sizeof c->err.msg, "%s", msg);
}
