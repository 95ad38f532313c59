/* Elevation: after a granted prompt, one privileged step runs as
 * `elevate.command` + the absolute hostpriv + `privileged TASK`, so the
 * only thing a sudoers rule (or polkit action) has to allow is
 * `hostpriv privileged *`, and what runs as root decides everything else
 * from root-owned config. */
#include "elevate.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine/config.h"
#include "engine/events.h"

/* ------------------------------------------------------------- names */

static const struct {
    const char *name;       /* NULL: never run as a privileged step */
    int task;
} actions[HP_ACT__COUNT] = {
    [HP_ACT_LINKS_SYSTEM]        = { "cli-links",            HP_TASK_CLI_LINKS },
    [HP_ACT_LINKS_SYSTEM_REMOVE] = { "cli-links-remove",     HP_TASK_CLI_LINKS },
    [HP_ACT_LINKS_USER]          = { NULL,                   HP_TASK_CLI_LINKS },
    [HP_ACT_LINKS_USER_REMOVE]   = { NULL,                   HP_TASK_CLI_LINKS },
    [HP_ACT_SOCKET_LINK]         = { "docker-socket",        HP_TASK_DOCKER_SOCKET },
    [HP_ACT_SOCKET_LINK_REMOVE]  = { "docker-socket-remove", HP_TASK_DOCKER_SOCKET },
    [HP_ACT_BOOT]                = { "boot",                 HP_TASK_DOCKER_SOCKET },
    [HP_ACT_HOSTS_ENSURE]        = { "hosts",                HP_TASK_HOSTS },
    [HP_ACT_HOSTS_REMOVE]        = { "hosts-remove",         HP_TASK_HOSTS },
    [HP_ACT_POLICY_SET]          = { "policy",               HP_TASK_POLICY },
    [HP_ACT_HELPER_INSTALL]      = { "helper-install",       HP_TASK_HELPER },
    [HP_ACT_HELPER_START]        = { "helper-start",         HP_TASK_HELPER },
    [HP_ACT_HELPER_UNINSTALL]    = { "helper-uninstall",     HP_TASK_HELPER },
    [HP_ACT_UNINSTALL]           = { "uninstall",            HP_TASK_UNINSTALL },
    [HP_ACT_LINKS_USER_BIN]      = { NULL,                   HP_TASK_CLI_LINKS },
};

const char *hp_action_name(int action)
{
    if (action < 0 || action >= HP_ACT__COUNT)
        return NULL;
    return actions[action].name;
}

int hp_action_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < HP_ACT__COUNT; i++)
        if (actions[i].name && strcmp(actions[i].name, name) == 0)
            return i;
    return -1;
}

int hp_action_task(int action)
{
    if (action < 0 || action >= HP_ACT__COUNT)
        return -1;
    return actions[action].task;
}

/* --------------------------------------------------------------- argv */

void hp_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static int strv_push(strv *s, const char *w, size_t len)
{
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    char *c = strndup(w, len);
    if (!c)
        return -1;
    s->v[s->n++] = c;
    s->v[s->n] = NULL;
    return 0;
}

/* One word of elevate.command, sh-style: '...' literal, "..." with \" \\
 * \$ \` escapes, a backslash outside quotes escapes the next byte. */
static int split_word(const char **pp, char *out, size_t cap, size_t *len,
                      hp_err *e)
{
    const char *p = *pp;
    size_t n = 0;
#define PUT(ch) do { if (n + 1 >= cap) goto toolong; out[n++] = (ch); } while (0)
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end)
                goto unterminated;
            for (p++; p < end; p++)
                PUT(*p);
            p++;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                    p++;
                PUT(*p);
            }
            if (!*p)
                goto unterminated;
            p++;
        } else if (*p == '\\' && p[1]) {
            PUT(p[1]);
            p += 2;
        } else {
            PUT(*p);
            p++;
        }
    }
#undef PUT
    *pp = p;
    *len = n;
    return HP_OK;
unterminated:
    return hp_err_set(e, HP_ECONFIG, "elevate.command: unterminated quote "
                      "in '%s'", *pp);
toolong:
    return hp_err_set(e, HP_ECONFIG, "elevate.command: a word is longer "
                      "than %zu bytes", cap - 1);
}

static int split_words(const char *cmd, strv *out, hp_err *e)
{
    char word[PATH_MAX];
    const char *p = cmd;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        if (split_word(&p, word, sizeof word, &n, e) != HP_OK)
            return e ? e->code : HP_ECONFIG;
        if (strv_push(out, word, n) != 0)
            return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "elevate.command");
    }
    if (out->n == 0)
        return hp_err_set(e, HP_ECONFIG, "elevate.command is empty: set it "
                          "to a prefix such as 'sudo -n' or 'pkexec'");
    return HP_OK;
}

static int is_osascript(const strv *w)
{
    if (w->n != 1)
        return 0;
    const char *b = strrchr(w->v[0], '/');
    return strcmp(b ? b + 1 : w->v[0], "osascript") == 0;
}

/* A growing string; after an allocation failure s is NULL for good. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int failed;
} sbuf;

static void sb_put(sbuf *b, char ch)
{
    if (b->failed)
        return;
    if (b->n + 2 > b->cap) {
        size_t cap = b->cap * 2 + 64;
        char *s = realloc(b->s, cap);
        if (!s) {
            free(b->s);
            b->s = NULL;
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    b->s[b->n++] = ch;
    b->s[b->n] = '\0';
}

/* sh single quoting: ' becomes '\'' so nothing inside is special. */
static void sh_quote(sbuf *b, const char *w)
{
    sb_put(b, '\'');
    for (; *w; w++) {
        if (*w == '\'') {
            sb_put(b, '\'');
            sb_put(b, '\\');
            sb_put(b, '\'');
        }
        sb_put(b, *w);
    }
    sb_put(b, '\'');
}

/* AppleScript string literal body: backslash and double quote escaped,
 * line breaks and tabs as \n \r \t (a raw newline would end the -e line
 * for some tools; the escapes are what the AppleScript compiler reads). */
static char *as_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += strchr("\\\"\n\r\t", *p) ? 2 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '"':  *o++ = '\\'; *o++ = '"';  break;
        case '\n': *o++ = '\\'; *o++ = 'n';  break;
        case '\r': *o++ = '\\'; *o++ = 'r';  break;
        case '\t': *o++ = '\\'; *o++ = 't';  break;
        default:   *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int hp_elevate_osascript(const char *const *words, char ***argv, hp_err *e)
{
    sbuf b = { 0 };
    for (size_t i = 0; words[i]; i++) {
        if (i)
            sb_put(&b, ' ');
        sh_quote(&b, words[i]);
    }
    char *cmd = b.s;
    if (!cmd)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "osascript wrapper");
    char *body = as_escape(cmd);
    free(cmd);
    if (!body)
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "osascript wrapper");
    const char *pre = "do shell script \"";
    const char *post = "\" with administrator privileges";
    size_t len = strlen(pre) + strlen(body) + strlen(post) + 1;
    char *script = malloc(len);
    strv v = { 0 };
    if (script)
        snprintf(script, len, "%s%s%s", pre, body, post);
    free(body);
    if (!script || strv_push(&v, "osascript", 9) || strv_push(&v, "-e", 2) ||
        strv_push(&v, script, strlen(script))) {
        free(script);
        hp_argv_free(v.v);
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "osascript wrapper");
    }
    free(script);
    *argv = v.v;
    return HP_OK;
}

int hp_elevate_argv(const char *elevate_cmd, const char *self,
                    const char *task, const char *root, const char *cfg,
                    char ***argv, hp_err *e)
{
    *argv = NULL;
    if (!self || self[0] != '/')
        return hp_err_set(e, HP_EINTERNAL, "cannot elevate: the absolute "
                          "path of the hostpriv CLI is unknown");
    strv w = { 0 };
    int rc = split_words(elevate_cmd ? elevate_cmd : "", &w, e);
    if (rc != HP_OK) {
        hp_argv_free(w.v);
        return rc;
    }
    int osa = is_osascript(&w);
    if (osa) {          /* the wrapper replaces the prefix word */
        free(w.v[0]);
        w.n = 0;
        w.v[0] = NULL;
    }
    const char *tail[] = { self, "privileged", task,
                           root && *root ? "--root" : NULL, root, NULL };
    const char *tail2[] = { cfg && *cfg ? "-c" : NULL, cfg, NULL };
    for (int i = 0; tail[i]; i++)
        if (strv_push(&w, tail[i], strlen(tail[i])))
            goto nomem;
    for (int i = 0; tail2[i]; i++)
        if (strv_push(&w, tail2[i], strlen(tail2[i])))
            goto nomem;
    if (!osa) {
        *argv = w.v;
        return HP_OK;
    }
    rc = hp_elevate_osascript((const char *const *)w.v, argv, e);
    hp_argv_free(w.v);
    return rc;
nomem:
    hp_argv_free(w.v);
    return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "elevate argv");
}

/* ---------------------------------------------------------------- run */

/* What we keep of the child's stderr (it is passed through as it comes)
 * to explain a failure: the tail, where tools put their last word. */
#define TAIL_MAX 1024

typedef struct child_io {
    int in;             /* our end of its stdin (a socket: MSG_NOSIGNAL) */
    int err;            /* its stderr */
    const char *data;
    size_t len, off;
    char tail[TAIL_MAX + 1];
    size_t tail_n;
} child_io;

static void keep_tail(child_io *io, const char *buf, size_t n)
{
    if (n >= TAIL_MAX) {
        memcpy(io->tail, buf + n - TAIL_MAX, TAIL_MAX);
        io->tail_n = TAIL_MAX;
    } else {
        if (io->tail_n + n > TAIL_MAX) {
            size_t drop = io->tail_n + n - TAIL_MAX;
            memmove(io->tail, io->tail + drop, io->tail_n - drop);
            io->tail_n -= drop;
        }
        memcpy(io->tail + io->tail_n, buf, n);
        io->tail_n += n;
    }
    io->tail[io->tail_n] = '\0';
}

/* Feed stdin and pass stderr through until both are done; both at once,
 * so a child that writes a lot before reading cannot deadlock us. */
static void pump(child_io *io)
{
    if (io->in >= 0 && io->off >= io->len) {
        close(io->in);
        io->in = -1;
    }
    while (io->in >= 0 || io->err >= 0) {
        struct pollfd p[2] = { { .fd = io->in, .events = POLLOUT },
                               { .fd = io->err, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (io->in >= 0 && p[0].revents) {
            ssize_t w = send(io->in, io->data + io->off, io->len - io->off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                io->off += (size_t)w;
            if ((w < 0 && errno != EINTR && errno != EAGAIN) ||
                io->off >= io->len) {
                close(io->in);      /* EOF (or it stopped reading) */
                io->in = -1;
            }
        }
        if (io->err >= 0 && p[1].revents) {
            char buf[4096];
            ssize_t r = read(io->err, buf, sizeof buf);
            if (r > 0) {
                (void)!write(2, buf, (size_t)r);
                keep_tail(io, buf, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(io->err);
                io->err = -1;
            }
        }
    }
}

static void spawn_child(char *const *argv, int in, int err, int execfd)
{
    if (dup2(in, 0) < 0 || dup2(err, 2) < 0)
        _exit(127);
    /* dup2 onto itself keeps close-on-exec: clear it in every case */
    fcntl(0, F_SETFD, 0);
    fcntl(2, F_SETFD, 0);
    for (int sig = 1; sig < NSIG; sig++)    /* ignored ones survive exec */
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (strchr(argv[0], '/'))
        execv(argv[0], argv);
    else
        execvp(argv[0], argv);
    int e = errno;
    (void)!write(execfd, &e, sizeof e);
    _exit(127);
}

/* Run argv with data on stdin, stdout shared, stderr passed through and
 * its tail kept.  Returns HP_OK with *status set, or an error when it
 * could not be started (*exec_err = errno of a failed exec). */
static int run_argv(char *const *argv, const char *data, size_t len,
                    int *status, int *exec_err, char *tail, size_t tailsz,
                    hp_err *e)
{
    int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, xp[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        pipe2(ep, O_CLOEXEC) != 0 || pipe2(xp, O_CLOEXEC) != 0) {
        int err = errno;
        for (int i = 0; i < 2; i++) {
            if (sv[i] >= 0) close(sv[i]);
            if (ep[i] >= 0) close(ep[i]);
            if (xp[i] >= 0) close(xp[i]);
        }
        return hp_err_sys(e, HP_EINTERNAL, err, "cannot start %s", argv[0]);
    }
    pid_t pid = fork();
    if (pid == 0)
        spawn_child(argv, sv[1], ep[1], xp[1]);
    int forkerr = errno;
    close(sv[1]);
    close(ep[1]);
    close(xp[1]);
    if (pid < 0) {
        close(sv[0]);
        close(ep[0]);
        close(xp[0]);
        return hp_err_sys(e, HP_EINTERNAL, forkerr, "cannot start %s",
                          argv[0]);
    }
    *exec_err = 0;
    if (read(xp[0], exec_err, sizeof *exec_err) != (ssize_t)sizeof *exec_err)
        *exec_err = 0;
    close(xp[0]);
    child_io io = { .in = sv[0], .err = ep[0], .data = data ? data : "",
                    .len = data ? len : 0 };
    pump(&io);
    pid_t r;
    while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    snprintf(tail, tailsz, "%s", io.tail);
    if (r != pid)           /* SIGCHLD ignored: no status is no success */
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot read the exit "
                          "status of %s", argv[0]);
    return HP_OK;
}

/* The last non-empty line of a tool's stderr, for the error message. */
static const char *last_line(char *tail)
{
    size_t n = strlen(tail);
    while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
        tail[--n] = '\0';
    char *nl = strrchr(tail, '\n');
    return nl ? nl + 1 : tail;
}

/* The child's exit status -> hp_code.  hostpriv privileged exits with the
 * codes of docs/REFERENCE.md; sudo, pkexec and osascript fail in their own ways
 * when the user is not allowed or cancels, which is a "no" (77). */
static int map_status(int st, const char *what, int pkexec, char *tail,
                      hp_err *e)
{
    if (WIFSIGNALED(st))
        return hp_err_set(e, HP_EFAIL, "%s was killed by signal %d", what,
                          WTERMSIG(st));
    int x = WEXITSTATUS(st);
    const char *last = last_line(tail);
    switch (x) {
    case 0:  hp_err_clear(e); return HP_OK;
    case 64: return hp_err_set(e, HP_EUSAGE, "%s: usage error: %s", what, last);
    case 69: return hp_err_set(e, HP_EUNAVAIL, "%s: unavailable: %s", what, last);
    case 70: return hp_err_set(e, HP_EINTERNAL, "%s: internal error: %s", what, last);
    case 77: return hp_err_set(e, HP_EDENIED, "%s: not permitted: %s", what, last);
    case 78: return hp_err_set(e, HP_ECONFIG, "%s: configuration error: %s", what, last);
    }
    if (pkexec && (x == 126 || x == 127))   /* dismissed / not authorized */
        return hp_err_set(e, HP_EDENIED, "%s: authorization refused%s%s",
                          what, *last ? ": " : "", last);
    if (!pkexec && x == 127)                /* sh: command not found */
        return hp_err_set(e, HP_ECONFIG, "%s: command not found%s%s", what,
                          *last ? ": " : "", last);
    if (x == 1 && (strstr(tail, "a password is required") ||
        strstr(tail, "is not allowed to execute") ||
        strstr(tail, "is not in the sudoers file") ||
        strstr(tail, "User canceled") || strstr(tail, "(-128)")))
        return hp_err_set(e, HP_EDENIED, "%s: %s", what, last);
    return hp_err_set(e, HP_EFAIL, "%s failed (exit %d)%s%s", what, x,
                      *last ? ": " : "", last);
}

/* A relative -c/--root means nothing to a process started elsewhere
 * (pkexec runs in /): pass them on absolute. */
static const char *abs_arg(const char *p, char *buf, size_t n)
{
    if (!p || !*p || p[0] == '/')
        return p;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) ||
        (size_t)snprintf(buf, n, "%s/%s", cwd, p) >= n)
        return p;
    return buf;
}

/* --verbose: the command line, as it runs. */
static void say_argv(char *const *argv)
{
    char line[2048];
    size_t o = 0;
    line[0] = '\0';
    for (size_t i = 0; argv[i] && o + 2 < sizeof line; i++)
        o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", i ? " " : "",
                              argv[i]);
    hp_log(NULL, HP_LOG_DEBUG, "running: %s", line);
}

static int run_and_map(char **argv, const char *what, const char *data,
                       size_t len, hp_err *e)
{
    int st = 0, exec_err = 0;
    if (hp_log_enabled(HP_LOG_DEBUG))
        say_argv(argv);
    char tail[TAIL_MAX + 1] = "";
    int rc = run_argv(argv, data, len, &st, &exec_err, tail, sizeof tail, e);
    if (rc != HP_OK)
        return rc;
    if (exec_err)
        return hp_err_sys(e, HP_ECONFIG, exec_err, "cannot run '%s' for %s; "
                          "check elevate.command", argv[0], what);
    const char *b = strrchr(argv[0], '/');
    return map_status(st, what, strcmp(b ? b + 1 : argv[0], "pkexec") == 0,
                      tail, e);
}

int hp_elevate_run(hp_ctx *c, int action, const char *data, size_t len,
                   hp_err *e)
{
    const char *task = hp_action_name(action);
    if (!task)
        return hp_err_set(e, HP_EUSAGE, "action %d has no privileged task "
                          "name: it is never run elevated", action);
    const char *cmd = hp_conf(c, "elevate.command");
    if (!cmd || !*cmd)
        cmd = hp_elevate_default(hp_conf(c, "host.platform"));
    char self[PATH_MAX] = "";
    if (c->self_exe[0])
        snprintf(self, sizeof self, "%s", c->self_exe);
    else if (readlink("/proc/self/exe", self, sizeof self - 1) < 0)
        self[0] = '\0';
    char rb[PATH_MAX], cb[PATH_MAX];
    const char *root = abs_arg(c->root_arg, rb, sizeof rb);
    const char *cfg = abs_arg(c->config_arg, cb, sizeof cb);
    char **argv;
    int rc = hp_elevate_argv(cmd, self, task, root, cfg, &argv, e);
    if (rc != HP_OK)
        return rc;
    char what[128];
    snprintf(what, sizeof what, "privileged %s (through %s)", task, argv[0]);
    rc = run_and_map(argv, what, data, len, e);
    hp_argv_free(argv);
    return rc;
}

int hp_elevate_shell(hp_ctx *c, const char *command, hp_err *e)
{
    (void)c;
    if (!command || !*command)
        return hp_err_set(e, HP_ECONFIG, "helper.start_command is empty");
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    return run_and_map(argv, "helper.start_command", NULL, 0, e);
}
