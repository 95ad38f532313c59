/* Authorization prompts: one service for every plugin.  Whatever the
 * backend, the user sees the task and the message (what changes, why,
 * which paths), and anything but a clear yes is a no: a command that fails
 * or hangs, an exhausted answer list.  A prompt that cannot be shown at
 * all (no terminal, no dialog to run) is no answer, not a no: it is
 * reported as unavailable, and nothing is recorded for the rest of the
 * run. */
#include "prompt.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "engine/events.h"
#include "base/proc.h"

/* How long a prompt command gets between SIGTERM and SIGKILL. */
#define HP_PROMPT_GRACE_MS 500

/* ---------------------------------------------------------------- time */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (-1 = none) for poll(). */
static int ms_left(long long deadline)
{
    if (deadline < 0)
        return -1;
    long long left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* ----------------------------------------------------------------- tty */

/* A message may carry paths with control characters (a home with a
 * newline); on a terminal those could forge text or move the cursor, so
 * everything but newline and tab is shown as '?'. */
static void tty_puts(int fd, const char *s)
{
    char buf[512];
    size_t n = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        buf[n++] = (ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f
                       ? '?' : (char)ch;
        if (n == sizeof buf) {
            (void)!write(fd, buf, n);
            n = 0;
        }
    }
    if (n)
        (void)!write(fd, buf, n);
}

/* Read one line (up to n-1 bytes kept) before the deadline.
 * 1 line read, 0 end of file, -1 timed out, -2 error. */
static int tty_getline(int fd, char *line, size_t n, long long deadline)
{
    size_t len = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -2;
        if (r == 0)
            return -1;
        char ch;
        ssize_t got = read(fd, &ch, 1);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0)
            return -2;
        if (got == 0)
            return len ? 1 : 0;
        if (ch == '\n')
            break;
        if (len + 1 < n)
            line[len++] = ch;
    }
    line[len] = '\0';
    return 1;
}

static int is_yes(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return (n == 1 && tolower((unsigned char)s[0]) == 'y') ||
           (n == 3 && strncasecmp(s, "yes", 3) == 0);
}

int hp_prompt_tty(const char *task, const char *message, int timeout,
                  hp_err *e)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        hp_err_set(e, HP_EUNAVAIL, "no terminal to ask on (/dev/tty: %s): "
                   "run it from a terminal, or set prompt.backend = command "
                   "(a dialog in prompt.command), answers (prompt.answers) "
                   "or allow", strerror(err));
        e->sys = err;
        return HP_PROMPT_UNAVAILABLE;
    }
    tty_puts(fd, "\nhostpriv: authorization needed for task '");
    tty_puts(fd, task);
    tty_puts(fd, "'\n");
    tty_puts(fd, message);
    if (timeout > 0) {
        char t[64];
        snprintf(t, sizeof t, "\n(no answer in %d s counts as no)", timeout);
        tty_puts(fd, t);
    }
    tty_puts(fd, "\nAllow? [y/N] ");
    char line[128];
    long long deadline = timeout > 0 ? now_ms() + (long long)timeout * 1000
                                     : -1;
    int r = tty_getline(fd, line, sizeof line, deadline);
    int res;
    if (r == -1) {
        tty_puts(fd, "\n");
        hp_err_set(e, HP_EDENIED, "no answer in %d s", timeout);
        res = HP_PROMPT_TIMED_OUT;
    } else if (r == 1 && is_yes(line)) {
        hp_err_clear(e);
        res = HP_PROMPT_GRANTED;
    } else if (r == 1) {
        hp_err_clear(e);
        res = HP_PROMPT_DECLINED;
    } else {
        hp_err_set(e, HP_EDENIED, "declined: the terminal closed before "
                   "an answer");
        res = HP_PROMPT_DECLINED;
    }
    close(fd);
    return res;
}

/* ------------------------------------------------------------- command */

/* Without pidfds (kernels before 5.3) the command holds the write end of a
 * "life" pipe as fd 4; EOF on it means every holder has exited. */
static int have_pidfd(void)
{
    static int known = -1;
    if (known < 0) {
        int fd = hp_pidfd_open(getpid());
        known = fd >= 0;
        if (fd >= 0)
            close(fd);
    }
    return known;
}

static void command_child(const char *cmd, const char *task,
                          const char *message, int errfd, int lifefd)
{
    setpgid(0, 0);
    for (int sig = 1; sig < NSIG; sig++)    /* ignored ones survive exec */
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* fd 3: exec status (close-on-exec), fd 4: the life pipe if any */
    if (dup2(errfd, 3) < 0 || (lifefd >= 0 && dup2(lifefd, 4) < 0))
        _exit(127);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    if (lifefd >= 0)
        fcntl(4, F_SETFD, 0);
    hp_close_from(lifefd >= 0 ? 5 : 4);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0)
        _exit(127);
    /* stdout goes where stderr goes: a --json run keeps stdout for JSON */
    dup2(2, 1);
    if (setenv("HOSTPRIV_TASK", task, 1) != 0 ||
        setenv("HOSTPRIV_MESSAGE", message, 1) != 0)
        _exit(127);
    execl("/bin/sh", "sh", "-c", cmd, "hostpriv-prompt", task, message,
          (char *)NULL);
    int err = errno;
    (void)!write(3, &err, sizeof err);
    _exit(127);
}

/* Wait until the child exits or the deadline (-1: none) passes, without
 * a polling timer.  1 exited, 0 deadline passed. */
static int wait_until(int waitfd, long long deadline)
{
    for (;;) {
        struct pollfd p = { .fd = waitfd, .events = POLLIN };
        int r = poll(&p, 1, ms_left(deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return 0;
        if (r < 0)
            return 1;
        char buf[64];
        /* pidfd: readable = exited; life pipe: drain until EOF */
        ssize_t got = read(waitfd, buf, sizeof buf);
        if (got <= 0 && !(got < 0 && (errno == EINTR || errno == EAGAIN)))
            return 1;
    }
}

/* The timeout: the whole process group goes, not only the shell (a dialog
 * it started would otherwise outlive the prompt).  The group is signalled
 * before the leader is reaped, so its id cannot have been reused. */
static void kill_group(pid_t pid, int waitfd)
{
    kill(-pid, SIGTERM);
    (void)wait_until(waitfd, now_ms() + HP_PROMPT_GRACE_MS);
    kill(-pid, SIGKILL);
}

static int command_result(int st, int exec_err, hp_err *e)
{
    if (exec_err) {
        hp_err_sys(e, HP_EUNAVAIL, exec_err, "prompt.command could not be "
                   "started (/bin/sh)");
        return HP_PROMPT_UNAVAILABLE;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        hp_err_clear(e);
        return HP_PROMPT_GRANTED;
    }
    if (WIFEXITED(st))
        hp_err_set(e, HP_EDENIED, "command exited %d", WEXITSTATUS(st));
    else
        hp_err_set(e, HP_EDENIED, "command killed by signal %d",
                   WTERMSIG(st));
    return HP_PROMPT_DECLINED;
}

static int spawn_failed(hp_err *e, int err, int fds[4])
{
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    hp_err_sys(e, HP_EUNAVAIL, err, "cannot run prompt.command");
    return HP_PROMPT_UNAVAILABLE;
}

/* Read the exec status: errno from a failed exec, 0 once exec closed it. */
static int exec_status(int fd)
{
    int err = 0;
    ssize_t got;
    while ((got = read(fd, &err, sizeof err)) < 0 && errno == EINTR)
        ;
    return got == (ssize_t)sizeof err ? err : 0;
}

int hp_prompt_command(const char *cmd, const char *task, const char *message,
                      int timeout, hp_err *e)
{
    if (!cmd || !*cmd) {
        hp_err_set(e, HP_EUNAVAIL, "prompt.backend = command but "
                   "prompt.command is empty: set it to a dialog command "
                   "(exit 0 = allow), or use prompt.backend = tty (from a "
                   "terminal), answers or allow");
        return HP_PROMPT_UNAVAILABLE;
    }
    int fds[4] = { -1, -1, -1, -1 };    /* exec pipe, life pipe */
    if (pipe2(fds, O_CLOEXEC) != 0 ||
        (!have_pidfd() && pipe2(fds + 2, O_CLOEXEC) != 0))
        return spawn_failed(e, errno, fds);
    pid_t pid = fork();
    if (pid < 0)
        return spawn_failed(e, errno, fds);
    if (pid == 0)
        command_child(cmd, task, message, fds[1], fds[3]);
    close(fds[1]);
    if (fds[3] >= 0)
        close(fds[3]);
    setpgid(pid, pid);      /* both sides: no window where kill(-pid) misses */
    long long deadline = timeout > 0 ? now_ms() + (long long)timeout * 1000
                                     : -1;
    int exec_err = exec_status(fds[0]);
    close(fds[0]);
    int waitfd = fds[2] >= 0 ? fds[2] : hp_pidfd_open(pid);
    int timed_out = waitfd >= 0 && !wait_until(waitfd, deadline);
    if (timed_out)
        kill_group(pid, waitfd);
    int st = 0;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (waitfd >= 0)
        close(waitfd);
    if (timed_out) {
        hp_err_set(e, HP_EDENIED, "no answer in %d s (the prompt command "
                   "was stopped)", timeout);
        return HP_PROMPT_TIMED_OUT;
    }
    if (r != pid) {         /* SIGCHLD ignored: its answer is lost, so no */
        hp_err_sys(e, HP_EDENIED, errno, "declined: cannot read how the "
                   "prompt command ended");
        return HP_PROMPT_DECLINED;
    }
    return command_result(st, exec_err, e);
}

/* ------------------------------------------------------------- answers */

enum { ANS_YES = 0, ANS_NO, ANS_TIMEOUT, ANS_BAD };

static int answer_word(const char *w, size_t n)
{
    if (n == 3 && strncmp(w, "yes", 3) == 0)
        return ANS_YES;
    if (n == 2 && strncmp(w, "no", 2) == 0)
        return ANS_NO;
    if (n == 7 && strncmp(w, "timeout", 7) == 0)
        return ANS_TIMEOUT;
    return ANS_BAD;
}

/* Next item of a list separated by commas or white space. */
static const char *next_item(const char *p, size_t *n)
{
    while (*p == ',' || isspace((unsigned char)*p))
        p++;
    if (!*p)
        return NULL;
    const char *s = p;
    while (*p && *p != ',' && !isspace((unsigned char)*p))
        p++;
    *n = (size_t)(p - s);
    return s;
}

/* One item: *task_len = 0 for a bare answer; returns ANS_* or ANS_BAD with
 * e set. */
static int parse_item(const char *it, size_t n, size_t *task_len, hp_err *e)
{
    const char *eq = memchr(it, '=', n);
    *task_len = 0;
    if (eq) {
        char task[64];
        size_t tl = (size_t)(eq - it);
        if (tl == 0 || tl >= sizeof task) {
            hp_err_set(e, HP_ECONFIG, "prompt.answers: '%.*s' has no task "
                       "name before '='", (int)(n > 80 ? 80 : n), it);
            return ANS_BAD;
        }
        memcpy(task, it, tl);
        task[tl] = '\0';
        if (hp_task_from_name(task) < 0) {
            hp_err_set(e, HP_ECONFIG, "prompt.answers: unknown task '%s' "
                       "(tasks: helper, cli-links, docker-socket, "
                       "privileged-port, hosts, policy, settings, "
                       "uninstall)", task);
            return ANS_BAD;
        }
        *task_len = tl;
        it = eq + 1;
        n -= tl + 1;
    }
    int a = answer_word(it, n);
    if (a == ANS_BAD)
        hp_err_set(e, HP_ECONFIG, "prompt.answers: '%.*s' is not an answer: "
                   "use yes, no or timeout, optionally as TASK=ANSWER",
                   (int)(n > 80 ? 80 : n), it);
    return a;
}

int hp_prompt_answers_valid(const char *answers, hp_err *e)
{
    size_t n, tl;
    for (const char *p = answers ? answers : ""; (p = next_item(p, &n));
         p += n)
        if (parse_item(p, n, &tl, e) == ANS_BAD)
            return HP_ECONFIG;
    return HP_OK;
}

static int answer_result(int a, const char *why, hp_err *e)
{
    if (a == ANS_YES) {
        hp_err_clear(e);
        return HP_PROMPT_GRANTED;
    }
    if (a == ANS_NO) {
        hp_err_clear(e);
        return HP_PROMPT_DECLINED;
    }
    hp_err_set(e, HP_EDENIED, "timed out (%s)", why);
    return HP_PROMPT_TIMED_OUT;
}

int hp_prompt_answers(const char *answers, size_t *used, const char *task,
                      hp_err *e)
{
    if (hp_prompt_answers_valid(answers, e) != HP_OK)
        return HP_ECONFIG;
    size_t n, tl, tasklen = strlen(task), bare = 0;
    const char *p;
    /* an answer for this very task wins, however often it is asked */
    for (p = answers ? answers : ""; (p = next_item(p, &n)); p += n) {
        int a = parse_item(p, n, &tl, e);
        if (tl == tasklen && strncmp(p, task, tl) == 0)
            return answer_result(a, "prompt.answers", e);
    }
    for (p = answers ? answers : ""; (p = next_item(p, &n)); p += n) {
        int a = parse_item(p, n, &tl, e);
        if (tl)
            continue;
        if (bare++ == *used) {
            (*used)++;
            return answer_result(a, "prompt.answers", e);
        }
    }
    hp_err_set(e, HP_EDENIED, "no answers left in prompt.answers (%zu "
               "used): declined", bare);
    return HP_PROMPT_DECLINED;
}

/* ----------------------------------------------------------------- ask */

static int ask_backend(hp_ctx *c, const char *task, const char *message,
                       hp_err *e)
{
    const char *backend = hp_conf(c, "prompt.backend");
    long t = hp_conf_int(c, "prompt.timeout");
    int timeout = t < 0 ? 0 : t > 86400 ? 86400 : (int)t;
    if (!backend || !*backend || strcmp(backend, "tty") == 0)
        return hp_prompt_tty(task, message, timeout, e);
    if (strcmp(backend, "command") == 0)
        return hp_prompt_command(hp_conf(c, "prompt.command"), task, message,
                                 timeout, e);
    if (strcmp(backend, "answers") == 0)
        return hp_prompt_answers(hp_conf(c, "prompt.answers"),
                                 &c->answers_used, task, e);
    if (strcmp(backend, "allow") == 0) {
        hp_err_set(e, HP_OK, "prompt.backend = allow");
        return HP_PROMPT_GRANTED;
    }
    if (strcmp(backend, "deny") == 0) {
        hp_err_set(e, HP_EDENIED, "prompt.backend = deny");
        return HP_PROMPT_DECLINED;
    }
    hp_err_set(e, HP_ECONFIG, "declined: unknown prompt.backend '%s' (use "
               "tty, command, answers, allow or deny)", backend);
    return HP_PROMPT_DECLINED;
}

/* Nobody could be asked: the `failed` event and the notice say why and
 * how to answer; from now on this run records no decision, so a plugin
 * that takes this for a no cannot record one. */
static int unavailable(hp_ctx *c, int task, const char *tname,
                       const hp_err *why)
{
    char d[sizeof why->msg + 32];
    snprintf(d, sizeof d, "prompt-unavailable: %s", why->msg);
    hp_event(c, HP_EV_FAILED, task, HP_VIA_NONE, NULL, d);
    hp_notice(c, "%s: the prompt could not be shown, so nothing was asked "
              "or recorded: %s", tname, why->msg);
    c->err = *why;
    c->err.code = HP_EUNAVAIL;
    c->prompt_unavailable = 1;
    return HP_PROMPT_UNAVAILABLE;
}

/* The embedder's dialog.  Its answer is taken only when it is one of the
 * four: anything else (a bool's 2, a -1 error) is a no, and a `warning`
 * event says the app returned something the library does not know. */
static int callback_answer(hp_ctx *c, int task, const char *tname,
                           const char *message, hp_err *e)
{
    int r = c->prompt_fn(c->prompt_data, tname, message);
    switch (r) {
    case HP_PROMPT_GRANTED:
    case HP_PROMPT_DECLINED:
    case HP_PROMPT_TIMED_OUT:
        return r;
    case HP_PROMPT_UNAVAILABLE:
        hp_err_set(e, HP_EUNAVAIL, "the application's prompt callback could "
                   "not show it");
        return r;
    }
    hp_err_set(e, HP_EDENIED, "the application's prompt callback returned "
               "%d, which is not an answer (HP_PROMPT_GRANTED %d, "
               "HP_PROMPT_DECLINED %d, HP_PROMPT_TIMED_OUT %d, "
               "HP_PROMPT_UNAVAILABLE %d): counted as declined", r,
               HP_PROMPT_GRANTED, HP_PROMPT_DECLINED, HP_PROMPT_TIMED_OUT,
               HP_PROMPT_UNAVAILABLE);
    hp_event(c, HP_EV_WARNING, task, HP_VIA_NONE, NULL, e->msg);
    return HP_PROMPT_DECLINED;
}

int hp_prompt_ask(hp_ctx *c, int task, const char *message)
{
    const char *tname = hp_task_name(task);
    if (!tname)
        tname = "unknown";
    if (!message)
        message = "";
    c->prompts_asked++;
    hp_event(c, HP_EV_PROMPT, task, HP_VIA_NONE, NULL, message);
    hp_err e = HP_ERR_INIT;
    int r;
    if (c->prompt_fn) {
        r = callback_answer(c, task, tname, message, &e);
    } else {
        r = ask_backend(c, tname, message, &e);
        if (r != HP_PROMPT_GRANTED && r != HP_PROMPT_TIMED_OUT &&
            r != HP_PROMPT_UNAVAILABLE)
            r = HP_PROMPT_DECLINED;      /* a bad answer list is a no too */
    }
    if (r == HP_PROMPT_UNAVAILABLE)
        return unavailable(c, task, tname, &e);
    const char *why = e.msg[0] ? e.msg : NULL;
    int kind = r == HP_PROMPT_GRANTED  ? HP_EV_GRANTED
             : r == HP_PROMPT_TIMED_OUT ? HP_EV_TIMED_OUT : HP_EV_DECLINED;
    hp_event(c, kind, task, HP_VIA_NONE, NULL, why);
    /* a "no" the user did not give themselves must be explained to them */
    if (r != HP_PROMPT_GRANTED && why && e.code != HP_OK)
        hp_notice(c, "%s: %s", tname, why);
    return r;
}
