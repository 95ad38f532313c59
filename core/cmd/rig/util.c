/* Small helpers the rig's files share: growable arrays, strings, reading a
 * file, removing a tree we made, showing bytes readably. */
#include "rig.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void oom(void)
{
    static const char m[] = "hostpriv-rig: out of memory\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(70);
}

void *hp_rig_push(void *arr, size_t *n, size_t sz)
{
    /* Capacity is implied by n: 4, then doubled whenever n reaches a
     * power of two, so no separate field has to travel with each array. */
    size_t n0 = *n;
    if (n0 == 0 || (n0 >= 4 && (n0 & (n0 - 1)) == 0)) {
        void *p = realloc(arr, (n0 ? n0 * 2 : 4) * sz);
        if (!p)
            oom();
        arr = p;
    }
    memset((char *)arr + *n * sz, 0, sz);
    (*n)++;
    return arr;
}

char *hp_rig_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *hp_rig_memdup(const void *src, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        oom();
    if (n)
        memcpy(p, src, n);
    p[n] = '\0';
    return p;
}

char *hp_rig_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    va_end(ap);
    return s;
}

char *hp_rig_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        oom();
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            char *p = realloc(buf, (cap *= 2) + 1);
            if (!p)
                oom();
            buf = p;
        }
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int hp_rig_rmtree(const char *path)
{
    /* Only ever our own temporary trees: a typo must not become rm -rf /. */
    static const char stages[] = HP_RIG_STAGE_ROOT "/run-";
    if ((strncmp(path, "/tmp/hpr.", 9) != 0 &&
         strncmp(path, "/tmp/hp-rig", 11) != 0 &&
         strncmp(path, stages, sizeof stages - 1) != 0) || strstr(path, ".."))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        static char *const env[] = { "PATH=/usr/bin:/bin", NULL };
        execle("/bin/rm", "rm", "-rf", "--one-file-system", "--", path,
               (char *)NULL, env);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void hp_rig_quote(FILE *f, const char *p, size_t n, size_t max)
{
    size_t i;
    for (i = 0; i < n && i < max; i++) {
        unsigned char ch = (unsigned char)p[i];
        switch (ch) {
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                fprintf(f, "\\x%02x", ch);
            else
                fputc(ch, f);
        }
    }
    if (i < n)
        fprintf(f, "... (%zu bytes more)", n - i);
}

size_t hp_rig_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
        return 0;
    return len;
}
