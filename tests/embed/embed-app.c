/* A small program in the shape of a desktop app that embeds libhostpriv,
 * written only against the installed <hostpriv/hostpriv.h> and built with
 * `pkg-config --cflags --libs hostpriv` (tests/embed/run does both from a
 * `make install DESTDIR=` stage).  It shows its own "dialog" for prompts
 * (answers given on the command line, as a user would click them), prints
 * every event and log line it is handed, and does what an app does at
 * launch, for a privileged port, for its status and at uninstall.
 *
 *   embed-app [--root DIR] [--config FILE] [--set KEY=VALUE]...
 *             [--answers yes,no,...] COMMAND
 *   COMMAND: launch | serve ADDR PORT | status | uninstall | version
 *
 * serve binds ADDR:PORT (TCP) through the library, then serves one real
 * connection: it connects to itself from a child process, reads the
 * client's line and answers it. */
#include <hostpriv/hostpriv.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct app {
    const char *answers;        /* "yes,no,timeout,42": one per prompt */
    int asked;
} app;

/* The app's dialog: the next answer of the list; "yes" when it runs out.
 * "yes" is returned as C's true (1), which the library takes as granted. */
static int dialog(void *data, const char *task, const char *message)
{
    app *a = data;
    const char *p = a->answers ? a->answers : "";
    for (int i = 0; i < a->asked && p; i++)
        p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    a->asked++;
    char word[16] = "yes";
    if (p && *p)
        snprintf(word, sizeof word, "%.*s", (int)strcspn(p, ","), p);
    printf("dialog %s: %s -> %s\n", task, message, word);
    if (!strcmp(word, "yes"))
        return 1;
    if (!strcmp(word, "no"))
        return 0;
    if (!strcmp(word, "timeout"))
        return HP_PROMPT_TIMED_OUT;
    return atoi(word);          /* anything else, as a buggy dialog might */
}

static void on_event(void *data, const hp_event_info *ev)
{
    (void)data;
    printf("event %s\n", ev->json);
}

static void on_log(void *data, int level, const char *message)
{
    (void)data;
    printf("log %d %s\n", level, message);
}

static int serve_one(int fd, const char *addr, int port)
{
    pid_t pid = fork();
    if (pid == 0) {             /* the client: a real TCP connection */
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons((unsigned short)port) };
        inet_pton(AF_INET, addr, &sa.sin_addr);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        char buf[64] = "";
        if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            write(s, "ping\n", 5) != 5 || read(s, buf, sizeof buf - 1) <= 0)
            _exit(1);
        _exit(strcmp(buf, "pong\n") != 0);
    }
    int c = accept(fd, NULL, NULL);
    char line[64] = "";
    ssize_t n = c >= 0 ? read(c, line, sizeof line - 1) : -1;
    int ok = n == 5 && !strcmp(line, "ping\n") && write(c, "pong\n", 5) == 5;
    if (c >= 0)
        close(c);
    int st = 1;
    waitpid(pid, &st, 0);
    ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("served one connection on %s:%d: %s\n", addr, port,
           ok ? "ping/pong" : "FAILED");
    return ok ? 0 : 1;
}

static int serve(hp_ctx *c, const char *addr, const char *port)
{
    int fd = -1, p = atoi(port);
    int rc = hp_bind_port(c, HP_SOCK_TCP, addr, p, &fd);
    if (rc != HP_OK)
        return rc;
    printf("bound %s:%d (fd %d)\n", addr, p, fd);
    rc = serve_one(fd, addr, p);
    close(fd);
    return rc;
}

static int status(hp_ctx *c)
{
    hp_status *st = NULL;
    int rc = hp_status_get(c, &st);
    if (rc != HP_OK)
        return rc;
    printf("status plugin=%s version=%s helper=%s\n", st->plugin,
           st->version, st->helper_running ? "running" : "not-running");
    for (size_t i = 0; i < st->ntasks; i++)
        printf("status task %s %s %s\n", st->tasks[i].task,
               st->tasks[i].state, st->tasks[i].path);
    printf("status json %s", st->json);
    hp_status_free(st);
    return HP_OK;
}

static int run(hp_ctx *c, int argc, char **argv)
{
    const char *cmd = argc > 0 ? argv[0] : "";
    if (!strcmp(cmd, "launch"))
        return hp_start(c);
    if (!strcmp(cmd, "serve") && argc == 3)
        return serve(c, argv[1], argv[2]);
    if (!strcmp(cmd, "status"))
        return status(c);
    if (!strcmp(cmd, "uninstall"))
        return hp_uninstall(c);
    fprintf(stderr, "embed-app: say launch, serve ADDR PORT, status, "
            "uninstall or version\n");
    return HP_EUSAGE;
}

int main(int argc, char **argv)
{
    app a = { 0 };
    const char *sets[16];
    size_t nsets = 0;
    hp_options o = HP_OPTIONS_INIT;
    int i = 1;
    for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
        if (!strcmp(argv[i], "--root"))
            o.root = argv[i + 1];
        else if (!strcmp(argv[i], "--config"))
            o.config_file = argv[i + 1];
        else if (!strcmp(argv[i], "--answers"))
            a.answers = argv[i + 1];
        else if (!strcmp(argv[i], "--set") && nsets < 15)
            sets[nsets++] = argv[i + 1];
    }
    sets[nsets] = NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (i < argc && !strcmp(argv[i], "version")) {
        printf("embed-app built with %s, running %s\n",
               HOSTPRIV_VERSION_STRING, hp_version());
        return strcmp(hp_version(), HOSTPRIV_VERSION_STRING) != 0;
    }
    o.settings = sets;
    o.flags = HP_OPEN_NO_USER_CONFIG;
    o.prompt = dialog;
    o.prompt_data = &a;
    o.event = on_event;
    o.log = on_log;
    hp_ctx *c = NULL;
    char *err = NULL;
    int rc = hp_open_with(&c, &o, &err);
    if (rc != HP_OK) {
        printf("open failed (%d): %s\n", rc, err);
        free(err);
        return rc;
    }
    rc = run(c, argc - i, argv + i);
    printf("result %d %s%s%s\n", rc, hp_strerror(rc), rc ? ": " : "",
           hp_errmsg(c));
    hp_close(c);
    return rc;
}
