/* The scenarios a command works on: every *.ini under the PATHs given
 * (directories recursively, each sorted by the name as printed, which is
 * the path below the directory named), each parsed once up front so that
 * filters, `list` and `matrix` see what a run would see and a run never
 * forks for a file that cannot run. */
#include "rig.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void walk(const char *dir, const char *rel, hp_rig_case **v,
                 size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = hp_rig_fmt("%s/%s", dir, de->d_name);
        char *r = *rel ? hp_rig_fmt("%s/%s", rel, de->d_name)
                       : hp_rig_strdup(de->d_name);
        struct stat st;
        size_t l = strlen(de->d_name);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk(p, r, v, n);
        } else if (l > 4 && !strcmp(de->d_name + l - 4, ".ini") &&
                   S_ISREG(st.st_mode)) {
            hp_rig_case *c = HP_RIG_PUSH(*v, *n);
            c->path = p;
            c->name = r;
            continue;
        }
        free(p);
        free(r);
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const hp_rig_case *)a)->name,
                  ((const hp_rig_case *)b)->name);
}

/* The JUnit testsuite: the directory part of the name, else the
 * directory the file was found in. */
static char *suite_of(const char *name, const char *dir)
{
    const char *slash = strrchr(name, '/');
    if (slash)
        return hp_rig_memdup(name, (size_t)(slash - name));
    return hp_rig_strdup(dir);
}

static void parse(hp_rig_case *c)
{
    char err[1024];
    if (hp_rig_scenario_load(c->path, &c->sc, err, sizeof err)) {
        hp_rig_scenario_free(&c->sc);
        c->error = hp_rig_strdup(err);
    }
}

int hp_rig_suite_collect(hp_rig_suite *s, char **paths, int n)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "hostpriv-rig: %s: %s\n", paths[i],
                    strerror(errno));
            return -1;
        }
        size_t from = s->n;
        if (S_ISDIR(st.st_mode)) {
            char *dir = hp_rig_strdup(paths[i]);
            size_t l = strlen(dir);
            while (l > 1 && dir[l - 1] == '/')
                dir[--l] = '\0';
            walk(dir, "", &s->v, &s->n);
            qsort(s->v + from, s->n - from, sizeof *s->v, by_name);
            for (size_t k = from; k < s->n; k++)
                s->v[k].suite = suite_of(s->v[k].name, dir);
            free(dir);
        } else {
            hp_rig_case *c = HP_RIG_PUSH(s->v, s->n);
            c->path = hp_rig_strdup(paths[i]);
            c->name = hp_rig_strdup(paths[i]);
            c->suite = suite_of(c->name, ".");
        }
    }
    for (size_t k = 0; k < s->n; k++)
        parse(&s->v[k]);
    return 0;
}

void hp_rig_suite_free(hp_rig_suite *s)
{
    for (size_t i = 0; i < s->n; i++) {
        hp_rig_case *c = &s->v[i];
        free(c->path);
        free(c->name);
        free(c->suite);
        free(c->error);
        free(c->generation);
        hp_rig_scenario_free(&c->sc);
        hp_rig_result_free(&c->res);
    }
    free(s->v);
    for (size_t i = 0; i < s->ngens; i++) {
        free(s->gens[i].name);
        free(s->gens[i].min);
        free(s->gens[i].max);
    }
    free(s->gens);
    memset(s, 0, sizeof *s);
}
