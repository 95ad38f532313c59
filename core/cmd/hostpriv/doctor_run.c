/* doctor: running a probe (`sudo -n -l ...`) with its output captured and
 * a deadline, so a check can never hang the report. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/proc.h"
#include "doctor.h"

#define DEADLINE_MS 10000

static void child(char *const *argv, int out)
{
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(127);
    hp_close_from(3);
    setsid();
    execvp(argv[0], argv);
    _exit(127);
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Read what comes until EOF or the deadline; 0 at EOF, -1 at the end. */
static int drain(int fd, char *out, size_t n)
{
    size_t len = 0;
    long end = now_ms() + DEADLINE_MS;
    for (;;) {
        long left = end - now_ms();
        struct pollfd p = { fd, POLLIN, 0 };
        if (left <= 0 || (poll(&p, 1, (int)left) < 0 && errno != EINTR))
            break;
        char buf[512];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0) {
            out[len] = '\0';
            return 0;
        }
        size_t take = (size_t)r < n - 1 - len ? (size_t)r : n - 1 - len;
        memcpy(out + len, buf, take);
        len += take;
    }
    out[len] = '\0';
    return -1;
}

int hp_doc_run(char *const *argv, char *out, size_t n)
{
    int p[2];
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) != 0)
        return 127;
    pid_t pid = fork();
    if (pid == 0)
        child(argv, p[1]);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return 127;
    }
    int timed_out = drain(p[0], out, n) != 0;
    close(p[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return 124;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
