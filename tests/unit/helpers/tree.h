/* Tree snapshots for "nothing changed on disk" assertions: every entry
 * under a directory with its type, mode, owner, size and a hash of its
 * content (or its link target), one line each, in name order. */
#ifndef HP_TEST_TREE_H
#define HP_TEST_TREE_H
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct tree_buf { char *s; size_t n, cap; } tree_buf;

static inline void tree_put(tree_buf *b, const char *line)
{
    size_t l = strlen(line);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->n + l + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, line, l + 1);
    b->n += l;
}

static inline uint64_t tree_hash_file(const char *p)
{
    uint64_t h = 1469598103934665603ull;
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char buf[8192];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < r; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    close(fd);
    return h;
}

static inline void tree_walk(const char *root, const char *rel, tree_buf *b)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s", root, rel);
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        if (strcmp(nm, ".") && strcmp(nm, "..")) {
            char r2[PATH_MAX], p[PATH_MAX], line[PATH_MAX * 2 + 128],
                extra[PATH_MAX] = "";
            snprintf(r2, sizeof r2, "%s/%s", rel, nm);
            snprintf(p, sizeof p, "%s%s", root, r2);
            struct stat st;
            if (lstat(p, &st) == 0) {
                if (S_ISLNK(st.st_mode)) {
                    ssize_t l = readlink(p, extra, sizeof extra - 1);
                    extra[l > 0 ? l : 0] = '\0';
                } else if (S_ISREG(st.st_mode)) {
                    snprintf(extra, sizeof extra, "%016llx",
                             (unsigned long long)tree_hash_file(p));
                }
                snprintf(line, sizeof line, "%s %07o %u:%u %lld %s\n", r2,
                         (unsigned)st.st_mode, (unsigned)st.st_uid,
                         (unsigned)st.st_gid,
                         S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
                         extra);
                tree_put(b, line);
                if (S_ISDIR(st.st_mode))
                    tree_walk(root, r2, b);
            }
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);
}

/* malloc'd snapshot of everything under root ("" for an empty tree). */
static inline char *tree_snap(const char *root)
{
    tree_buf b = { NULL, 0, 0 };
    tree_put(&b, "");
    tree_walk(root, "", &b);
    return b.s;
}
#endif
