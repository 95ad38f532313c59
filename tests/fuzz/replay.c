/* The corpus replay (sudo's lib/fuzzstub): a main for a libFuzzer harness
 * where libFuzzer is absent.  `make check` links each tests/fuzz/fuzz_X.c
 * with this file and runs it on corpus/X, so every seed and every input a
 * fuzzing run kept is a plain test: the harness's own checks abort on a
 * wrong result, the sanitizers (make asan) and memcheck (make valgrind)
 * see the same code paths.
 *
 *   replay_X [-q] PATH...   each PATH a file or a directory of files
 *
 * Each file is fed whole, then every prefix at a stride (a client that
 * stopped there, a file cut short): stride 7, or len/128 for long inputs.
 * Fails (exit 1) when a path is missing, a directory holds no input (an
 * empty corpus must not pass as tested), or the harness left a file
 * descriptor open; a finding aborts the process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *prog;

static int lowest_free_fd(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return fd;
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = 0;
    while (buf && n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf && n != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The input in a buffer of exactly its size, so ASan and memcheck see a
 * read one byte past the end. */
static void feed(const char *data, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    memcpy(copy, data, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
}

static long replay_file(const char *path)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    if (!data) {
        fprintf(stderr, "%s: cannot read %s: %s\n", prog, path,
                strerror(errno));
        exit(1);
    }
    long runs = 1;
    feed(data, len);
    size_t stride = len / 128 > 7 ? len / 128 : 7;
    for (size_t k = 0; k < len; k += stride, runs++)
        feed(data, k);
    free(data);
    return runs;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order (a run is repeatable). */
static long replay_dir(const char *dir, long *files)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open %s: %s\n", prog, dir,
                strerror(errno));
        exit(1);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                exit(1);
            names = nn;
        }
        if (!(names[n++] = strdup(de->d_name)))
            exit(1);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    long runs = 0;
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            runs += replay_file(p);
            (*files)++;
        }
        free(names[i]);
    }
    free(names);
    if (n == 0) {
        fprintf(stderr, "%s: %s holds no input: a corpus must have seeds\n",
                prog, dir);
        exit(1);
    }
    return runs;
}

int main(int argc, char **argv)
{
    prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int quiet = argc > 1 && !strcmp(argv[1], "-q");
    if (argc < 2 + quiet) {
        fprintf(stderr, "usage: %s [-q] FILE|DIR...\n", prog);
        return 64;
    }
    int fd0 = lowest_free_fd();
    long runs = 0, files = 0;
    for (int i = 1 + quiet; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            runs += replay_dir(argv[i], &files);
        } else {
            runs += replay_file(argv[i]);
            files++;
        }
    }
    int fd1 = lowest_free_fd();
    if (fd1 != fd0) {
        fprintf(stderr, "%s: the harness left descriptor %d open\n", prog,
                fd0);
        return 1;
    }
    if (!quiet)
        printf("%s: %ld inputs replayed (%ld files and their prefixes): ok\n",
               prog, runs, files);
    return 0;
}
