/* Whole-process wall time of commands, run interleaved (A B C A B C ...) so
 * machine load drifts over all of them alike; prints the median of each
 * and its ratio to the first command (the floor, e.g. /bin/true).
 * usage: proc_time [--part NAME] RUNS "CMD ARG..." "CMD ARG..." ...
 * (split on spaces).  With --part, each command after the first is also a
 * row of the bench's summary table (benchrow.h), beside the first. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "benchrow.h"

#define MAXCMD 8

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double run(char **argv)
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return now_ms() - t0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void name_of(char **args, char *name, size_t n)
{
    name[0] = '\0';
    for (int k = 0; args[k]; k++) {
        const char *w = k ? args[k] : strrchr(args[0], '/') + 1;
        snprintf(name + strlen(name), n - strlen(name), "%s%s", k ? " " : "",
                 w);
    }
}

int main(int argc, char **argv)
{
    const char *part = NULL;
    if (argc > 2 && !strcmp(argv[1], "--part")) {
        part = argv[2];
        bench_rows_on = 1;      /* the part asked: its environment may be
                                   cleared (run as the test user) */
        argc -= 2;
        argv += 2;
    }
    if (argc < 3 || argc - 2 > MAXCMD) {
        fprintf(stderr, "usage: proc_time RUNS \"CMD ARG...\"...\n");
        return 64;
    }
    int runs = atoi(argv[1]), n = argc - 2;
    char *args[MAXCMD][16];
    double *t[MAXCMD], med[MAXCMD];
    for (int c = 0; c < n; c++) {
        int k = 0;
        for (char *w = strtok(argv[c + 2], " "); w && k < 15; w = strtok(NULL, " "))
            args[c][k++] = w;
        args[c][k] = NULL;
        t[c] = calloc((size_t)runs, sizeof(double));
        run(args[c]);                          /* warm the page cache */
    }
    for (int i = 0; i < runs; i++)
        for (int c = 0; c < n; c++)
            t[c][i] = run(args[c]);
    for (int c = 0; c < n; c++) {
        qsort(t[c], (size_t)runs, sizeof(double), cmp);
        med[c] = t[c][runs / 2];
        char name[128], floor_name[128];
        name_of(args[c], name, sizeof name);
        name_of(args[0], floor_name, sizeof floor_name);
        printf("   %-26s %7.2f ms median  (%.2fx %s)\n", name, med[c],
               med[c] / med[0], c ? "the floor" : "= the floor");
        if (part && c > 0)
            bench_row(part, name, med[c], "ms", floor_name, med[0],
                      med[c] / med[0], "");
        free(t[c]);
    }
    return 0;
}
