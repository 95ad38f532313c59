/* A scenario's outcome crosses from its process to the rig's through a
 * memfd the rig made before the fork: the verdict, its time and four
 * texts, each as `TAG LENGTH\n` and the bytes, so no text can be mistaken
 * for the framing.  The rig reads it once the process has ended; a
 * process that died before writing it all leaves no result, never half
 * of one. */
#include "rig.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "hostpriv-rig result 1\n"

static int put(FILE *f, char tag, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    return fprintf(f, "%c %zu\n", tag, n) < 0 ||
           (n && fwrite(text, 1, n, f) != n) ? -1 : 0;
}

int hp_rig_result_write(int fd, const hp_rig_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    int rc = fprintf(f, MAGIC "v %d\ns %.6f\n", r->verdict, r->secs) < 0 ||
             put(f, 'w', r->why) || put(f, 'h', r->head) ||
             put(f, 't', r->trace) || put(f, 'f', r->fail) ||
             put(f, 'k', r->kept) || fputs("end\n", f) < 0;
    fclose(f);
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = -1;
        else
            off += (size_t)w;
    }
    free(buf);
    return rc ? -1 : 0;
}

static char *read_all(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf || lseek(fd, 0, SEEK_SET) != 0)
        return free(buf), NULL;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return free(buf), NULL;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            char *p = realloc(buf, (cap *= 2) + 1);
            if (!p)
                return free(buf), NULL;
            buf = p;
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One `TAG LENGTH\n` and its bytes at *p; the text (NULL when empty). */
static int get(const char **p, const char *end, char tag, char **out)
{
    char *nl;
    unsigned long long n;
    if (end - *p < 4 || (*p)[0] != tag || (*p)[1] != ' ')
        return -1;
    errno = 0;
    n = strtoull(*p + 2, &nl, 10);
    if (errno || *nl != '\n' || n > (unsigned long long)(end - nl - 1))
        return -1;
    *out = n ? hp_rig_memdup(nl + 1, (size_t)n) : NULL;
    *p = nl + 1 + n;
    return 0;
}

int hp_rig_result_read(int fd, hp_rig_result *r)
{
    size_t len;
    char *buf = read_all(fd, &len);
    memset(r, 0, sizeof *r);
    if (!buf)
        return -1;
    const char *p = buf, *end = buf + len;
    int used = 0;
    int ok = len > strlen(MAGIC) && !strncmp(buf, MAGIC, strlen(MAGIC)) &&
             sscanf(buf + strlen(MAGIC), "v %d\ns %lf\n%n", &r->verdict,
                    &r->secs, &used) == 2 && used > 0;
    if (ok)
        p = buf + strlen(MAGIC) + used;
    ok = ok && r->verdict >= HP_RIG_PASS && r->verdict <= HP_RIG_SKIP &&
         get(&p, end, 'w', &r->why) == 0 && get(&p, end, 'h', &r->head) == 0
         && get(&p, end, 't', &r->trace) == 0 &&
         get(&p, end, 'f', &r->fail) == 0 && get(&p, end, 'k', &r->kept) == 0
         && end - p == 4 && !memcmp(p, "end\n", 4);
    free(buf);
    if (!ok) {
        hp_rig_result_free(r);
        return -1;
    }
    return 0;
}

void hp_rig_result_free(hp_rig_result *r)
{
    free(r->why);
    free(r->head);
    free(r->trace);
    free(r->fail);
    free(r->kept);
    memset(r, 0, sizeof *r);
}

char *hp_rig_result_headline(const hp_rig_result *r)
{
    const char *p = r->fail ? r->fail : "";
    p += strspn(p, " ");
    return hp_rig_memdup(p, strcspn(p, "\n"));
}
