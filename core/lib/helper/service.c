/* Service backends behind one interface.  launchd and systemd get the
 * file their manager reads and are then asked to load it; `direct` writes
 * the same file (so what is installed looks the same on disk) and plays
 * the manager itself: it reads the file back, spawns the program detached
 * with a pidfile, and stops it only after checking the pid still is that
 * program. */
#include "service.h"
#include "harden.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "host/atomicfile.h"
#include "base/proc.h"
#include "engine/events.h"
#include "host/journal.h"
#include "host/safepath.h"

#define SVC_FILE_MAX (256 * 1024)
#define SVC_ARGV_MAX 64
#define SVC_STOP_WAIT_MS 5000       /* SIGTERM, then SIGKILL */
#define SVC_ONESHOT_WAIT_MS 10000   /* a run-once task (no KeepAlive) */
#define SVC_CLEAN_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
/* The helper authenticates every peer itself (SO_PEERCRED), so its socket
 * is open to all as Docker's vmnetd socket is: 0666 (438 in a plist). */
#define SVC_SOCK_MODE 0666

enum { BK_LAUNCHD, BK_SYSTEMD, BK_DIRECT };
enum { FMT_PLIST, FMT_UNIT };

/* What a service file says, read back. */
typedef struct svc_file {
    char **argv;
    int run_at_load;
    int keep_alive;
} svc_file;

static void argv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* ------------------------------------------------------------ strings */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int failed;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        b->failed = 1;
    else
        sb_putn(b, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
             : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    if (!n || s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
        (s[0] == 0xf4 && s[1] > 0x8f) || (s[0] == 0xed && s[1] > 0x9f))
        return 0;       /* overlong, beyond U+10FFFF, surrogates */
    return n;
}

/* Service files are text a manager parses: valid UTF-8 and, for XML, no
 * control characters it cannot carry (XML 1.0 has no way to write them). */
static int text_ok(const char *s, int xml, const char *what, hp_err *e)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (!n)
            return hp_err_set(e, HP_EUSAGE, "%s is not valid UTF-8: a "
                              "service file cannot carry it", what);
        if (xml && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return hp_err_set(e, HP_EUSAGE, "%s contains control character "
                              "0x%02x, which a plist cannot carry", what, *p);
        p += n;
    }
    return HP_OK;
}

/* Labels become file names (LABEL.pid, LABEL.log, NAME.socket). */
static int label_ok(const char *label, hp_err *e)
{
    size_t n = label ? strlen(label) : 0;
    if (n == 0 || n > 200 || label[0] == '.' || label[0] == '-' ||
        strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") != n)
        return hp_err_set(e, HP_ECONFIG, "service label '%s' is not valid: "
                          "use letters, digits, '.', '_' and '-' (e.g. "
                          "com.docker.vmnetd)", label ? label : "");
    return HP_OK;
}

/* ----------------------------------------------------------- backends */

static int backend_of(const hp_ctx *c)
{
    const char *b = hp_conf(c, "helper.service");
    const char *plat = hp_conf(c, "host.platform");
    if (b && strcmp(b, "direct") == 0)
        return BK_DIRECT;
    if (b && strcmp(b, "systemd") == 0)
        return BK_SYSTEMD;
    if (b && strcmp(b, "launchd") == 0)
        return BK_LAUNCHD;
    return plat && strcmp(plat, "linux") == 0 ? BK_SYSTEMD : BK_LAUNCHD;
}

/* direct writes what the platform's own manager would read. */
static int format_of(const hp_ctx *c)
{
    switch (backend_of(c)) {
    case BK_LAUNCHD: return FMT_PLIST;
    case BK_SYSTEMD: return FMT_UNIT;
    default: {
        const char *plat = hp_conf(c, "host.platform");
        return plat && strcmp(plat, "linux") == 0 ? FMT_UNIT : FMT_PLIST;
    }
    }
}

static int in_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = &SVC_CLEAN_PATH[strlen("PATH=")];
    while (*path) {
        size_t n = strcspn(path, ":");
        char f[PATH_MAX];
        struct stat st;
        if (n > 0 && (size_t)snprintf(f, sizeof f, "%.*s/%s", (int)n, path,
                                      prog) < sizeof f &&
            stat(f, &st) == 0 && S_ISREG(st.st_mode) && access(f, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

/* launchd and systemd: the tool must be there, and a sandboxed root must
 * never reach the machine's real service manager. */
static int backend_ready(const hp_ctx *c, int bk, hp_err *e)
{
    if (bk == BK_DIRECT)
        return HP_OK;
    const char *tool = bk == BK_LAUNCHD ? "launchctl" : "systemctl";
    const char *name = bk == BK_LAUNCHD ? "launchd" : "systemd";
    if (!in_path(tool))
        return hp_err_set(e, HP_EUNAVAIL, "%s not found in PATH: "
                          "helper.service = %s needs %s; on a host without "
                          "it set helper.service = direct (hostpriv then "
                          "starts and stops the program itself)", tool,
                          name, name);
    if (c->root[0])
        return hp_err_set(e, HP_ECONFIG, "helper.service = %s would load "
                          "the service into this machine's %s, but "
                          "host.root is the sandbox %s: use helper.service "
                          "= direct there", name, name, c->root);
    return HP_OK;
}

/* ---------------------------------------------------------- rendering */

static void xml_text(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':  sb_puts(b, "&amp;");  break;
        case '<':  sb_puts(b, "&lt;");   break;
        case '>':  sb_puts(b, "&gt;");   break;
        case '"':  sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&apos;"); break;
        case '\r': sb_puts(b, "&#13;");  break;  /* else read back as \n */
        default:   sb_putn(b, s, 1);
        }
    }
}

/* The hardening lines (harden.c), written through a memory stream. */
static void sb_harden(sbuf *b, void (*fn)(FILE *, const hp_service_limits *),
                      const hp_service_limits *l)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) {
        b->failed = 1;
        return;
    }
    fn(f, l);
    if (fclose(f) != 0)
        b->failed = 1;
    else
        sb_putn(b, text, n);
    free(text);
}

static void plist_string(sbuf *b, const char *indent, const char *s)
{
    sb_puts(b, indent);
    sb_puts(b, "<string>");
    xml_text(b, s);
    sb_puts(b, "</string>\n");
}

static void plist_bool(sbuf *b, const char *key, int v)
{
    sb_printf(b, "\t<key>%s</key>\n\t<%s/>\n", key, v ? "true" : "false");
}

static void render_plist(sbuf *b, const hp_service *s, const char *sock)
{
    sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
               "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
               "<plist version=\"1.0\">\n<dict>\n\t<key>Label</key>\n");
    plist_string(b, "\t", s->label);
    sb_puts(b, "\t<key>ProgramArguments</key>\n\t<array>\n");
    for (size_t i = 0; s->argv[i]; i++)
        plist_string(b, "\t\t", s->argv[i]);
    sb_puts(b, "\t</array>\n");
    plist_bool(b, "RunAtLoad", s->run_at_load);
    plist_bool(b, "KeepAlive", s->keep_alive);
    if (s->limits)
        sb_harden(b, hp_harden_plist, s->limits);
    if (sock) {
        sb_puts(b, "\t<key>Sockets</key>\n\t<dict>\n"
                   "\t\t<key>Listener</key>\n\t\t<dict>\n"
                   "\t\t\t<key>SockPathName</key>\n");
        plist_string(b, "\t\t\t", sock);
        sb_printf(b, "\t\t\t<key>SockPathMode</key>\n"
                     "\t\t\t<integer>%d</integer>\n\t\t</dict>\n\t</dict>\n",
                  SVC_SOCK_MODE);
    }
    sb_puts(b, "</dict>\n</plist>\n");
}

/* One ExecStart word, always double-quoted (so `;` and white space are
 * literal), with C escapes for \ " and controls, %% for a specifier's %
 * and $$ for a literal $ (no environment expansion). */
static void unit_word(sbuf *b, const char *w)
{
    sb_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
        switch (*p) {
        case '\\': sb_puts(b, "\\\\"); break;
        case '"':  sb_puts(b, "\\\""); break;
        case '\n': sb_puts(b, "\\n");  break;
        case '\t': sb_puts(b, "\\t");  break;
        case '\r': sb_puts(b, "\\r");  break;
        case '%':  sb_puts(b, "%%");   break;
        case '$':  sb_puts(b, "$$");   break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sb_printf(b, "\\x%02x", *p);
            else
                sb_putn(b, (const char *)p, 1);
        }
    }
    sb_puts(b, "\"");
}

static void render_unit(sbuf *b, const hp_service *s, const char *sock)
{
    /* `systemctl help UNIT` opens the page of the program it runs: the
     * helper's, or hostpriv(1) for the boot task (`hostpriv boot`) */
    sb_printf(b, "# %s: written by hostpriv; `hostpriv uninstall` removes "
                 "it.\n[Unit]\nDescription=hostpriv %s\n"
                 "Documentation=man:%s\n", s->label, s->label,
              s->keep_alive ? "hostprivd(8)" : "hostpriv(1)");
    if (sock)
        sb_printf(b, "Requires=%s.socket\nAfter=%s.socket\n", s->label,
                  s->label);
    /* a run-once task (the boot task) is done when its program exits */
    sb_printf(b, "\n[Service]\nType=%s\nExecStart=",
              s->keep_alive ? "simple" : "oneshot");
    for (size_t i = 0; s->argv[i]; i++) {
        if (i)
            sb_puts(b, " ");
        unit_word(b, s->argv[i]);
    }
    sb_puts(b, "\n");
    if (s->keep_alive)
        sb_puts(b, "Restart=always\n");
    if (s->limits)
        sb_harden(b, hp_harden_unit, s->limits);
    if (s->run_at_load)
        sb_puts(b, "\n[Install]\nWantedBy=multi-user.target\n");
}

static void render_socket_unit(sbuf *b, const hp_service *s, const char *sock)
{
    sb_printf(b, "# %s: written by hostpriv; `hostpriv uninstall` removes "
                 "it.\n[Unit]\nDescription=hostpriv %s socket\n"
                 "Documentation=man:hostprivd(8)\n\n[Socket]\n"
                 "ListenStream=", s->label, s->label);
    for (const char *p = sock; *p; p++)
        sb_puts(b, *p == '%' ? "%%" : (char[2]){ *p, 0 });
    sb_printf(b, "\nSocketMode=%04o\n\n[Install]\nWantedBy=sockets.target\n",
              SVC_SOCK_MODE);
}

/* The socket as the program will really listen on it (under host.root),
 * like ProgramArguments, which are real paths too. */
static int real_socket(const hp_ctx *c, const hp_service *s, char *out,
                       size_t n, hp_err *e)
{
    if (!s->socket)
        return HP_OK;
    if (s->socket[0] != '/' || hp_real_path(c, s->socket, out, n) != 0)
        return hp_err_set(e, HP_EUSAGE, "service socket '%s' must be an "
                          "absolute host path", s->socket);
    return HP_OK;
}

static int check_service(const hp_service *s, int fmt, hp_err *e)
{
    int rc = label_ok(s->label, e);
    if (rc != HP_OK)
        return rc;
    if (!s->argv || !s->argv[0] || s->argv[0][0] != '/')
        return hp_err_set(e, HP_EUSAGE, "service %s: the program must be "
                          "an absolute path", s->label);
    size_t i;
    for (i = 0; s->argv[i]; i++) {
        char what[64];
        snprintf(what, sizeof what, "argument %zu of service %s", i,
                 s->label);
        if ((rc = text_ok(s->argv[i], fmt == FMT_PLIST, what, e)) != HP_OK)
            return rc;
    }
    if (i >= SVC_ARGV_MAX)
        return hp_err_set(e, HP_EUSAGE, "service %s: more than %d "
                          "arguments", s->label, SVC_ARGV_MAX - 1);
    return HP_OK;
}

static int render(const hp_ctx *c, const hp_service *s, int fmt, int socket,
                  char **text, hp_err *e)
{
    char sock[PATH_MAX];
    int rc = check_service(s, fmt, e);
    if (rc == HP_OK)
        rc = real_socket(c, s, sock, sizeof sock, e);
    if (rc == HP_OK && s->socket)
        rc = text_ok(sock, 1, "the service socket path", e);
    if (rc == HP_OK && s->socket && strpbrk(sock, "\n\r\t"))
        rc = hp_err_set(e, HP_EUSAGE, "the service socket path %s contains "
                        "a control character", s->socket);
    if (rc != HP_OK)
        return rc;
    sbuf b = { 0 };
    const char *sp = s->socket ? sock : NULL;
    if (socket)
        render_socket_unit(&b, s, sock);
    else if (fmt == FMT_PLIST)
        render_plist(&b, s, sp);
    else
        render_unit(&b, s, sp);
    if (b.failed) {
        free(b.s);
        return hp_err_sys(e, HP_EINTERNAL, ENOMEM, "rendering %s", s->label);
    }
    *text = b.s;
    return HP_OK;
}

int hp_service_render(const hp_ctx *c, const hp_service *s, char **text,
                      hp_err *e)
{
    *text = NULL;
    return render(c, s, format_of(c), 0, text, e);
}

int hp_service_render_socket(const hp_ctx *c, const hp_service *s,
                             char **text, hp_err *e)
{
    *text = NULL;
    return render(c, s, FMT_UNIT, 1, text, e);
}

/* ------------------------------------------------------------ parsing */

typedef struct strv {
    char **v;
    size_t n;
} strv;

static int strv_add(strv *s, const char *w, size_t n)
{
    if (s->n + 2 > SVC_ARGV_MAX)
        return -1;
    char **v = realloc(s->v, (s->n + 2) * sizeof *v);
    if (!v)
        return -1;
    s->v = v;
    if (!(v[s->n] = strndup(w, n)))
        return -1;
    v[++s->n] = NULL;
    return 0;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* UTF-8 encoding of code point cp into out (4 bytes max). */
static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decode XML text [s, s+n) (the five entities and &#N; / &#xN;). */
static int xml_decode(const char *s, size_t n, sbuf *out)
{
    static const struct { const char *ent; char ch; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
        { "&quot;", '"' }, { "&apos;", '\'' },
    };
    const char *end = s + n;
    while (s < end) {
        if (*s != '&') {
            sb_putn(out, s++, 1);
            continue;
        }
        size_t i;
        for (i = 0; i < 5; i++) {
            size_t l = strlen(ents[i].ent);
            if ((size_t)(end - s) >= l && strncmp(s, ents[i].ent, l) == 0) {
                sb_putn(out, &ents[i].ch, 1);
                s += l;
                break;
            }
        }
        if (i < 5)
            continue;
        if (end - s < 4 || s[1] != '#')
            return -1;
        char *stop;
        int hex = s[2] == 'x';
        unsigned long cp = strtoul(s + 2 + hex, &stop, hex ? 16 : 10);
        if (stop >= end || *stop != ';' || stop == s + 2 + hex || cp == 0 ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        char u[4];
        sb_putn(out, u, utf8_put(cp, u));
        s = stop + 1;
    }
    return out->failed ? -1 : 0;
}

/* After "<key>KEY</key>" and white space, or NULL. */
static const char *plist_after_key(const char *text, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "<key>%s</key>", key);
    const char *p = strstr(text, k);
    return p ? skip_ws(p + strlen(k)) : NULL;
}

static int parse_plist(const char *text, svc_file *f)
{
    const char *p = plist_after_key(text, "ProgramArguments");
    if (!p || strncmp(p, "<array>", 7) != 0)
        return -1;
    strv v = { 0 };
    for (p = skip_ws(p + 7); strncmp(p, "<string>", 8) == 0;) {
        const char *s = p + 8, *end = strstr(s, "</string>");
        sbuf w = { 0 };
        sb_puts(&w, "");
        if (!end || xml_decode(s, (size_t)(end - s), &w) != 0 ||
            strv_add(&v, w.s, w.n) != 0) {
            free(w.s);
            argv_free(v.v);
            return -1;
        }
        free(w.s);
        p = skip_ws(end + 9);
    }
    if (strncmp(p, "</array>", 8) != 0 || v.n == 0) {
        argv_free(v.v);
        return -1;
    }
    f->argv = v.v;
    p = plist_after_key(text, "RunAtLoad");
    f->run_at_load = p && strncmp(p, "<true/>", 7) == 0;
    p = plist_after_key(text, "KeepAlive");
    f->keep_alive = p && strncmp(p, "<true/>", 7) == 0;
    return 0;
}

/* One ExecStart word: quotes, C escapes, %% and $$ (what unit_word
 * writes).  Returns the position after it, NULL on a syntax error. */
static const char *unit_word_parse(const char *p, sbuf *w)
{
    char q = 0;
    if (*p == '"' || *p == '\'')
        q = *p++;
    for (; *p && (q ? *p != q : *p != ' ' && *p != '\t'); p++) {
        char ch = *p;
        if (ch == '\\') {
            static const char from[] = "\\\"'ntr", to[] = "\\\"'\n\t\r";
            const char *k = p[1] ? strchr(from, p[1]) : NULL;
            if (k) {
                ch = to[k - from];
                p++;
            } else if (p[1] == 'x' && p[2] && p[3]) {
                char hex[3] = { p[2], p[3], 0 }, *stop;
                ch = (char)strtoul(hex, &stop, 16);
                if (*stop || ch == 0)
                    return NULL;
                p += 3;
            } else {
                return NULL;
            }
        } else if ((ch == '%' || ch == '$') && p[1] == ch) {
            p++;
        }
        sb_putn(w, &ch, 1);
    }
    if (q && *p != q)
        return NULL;
    return q ? p + 1 : p;
}

static int unit_exec(const char *line, svc_file *f)
{
    strv v = { 0 };
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        sbuf w = { 0 };
        sb_puts(&w, "");
        p = unit_word_parse(p, &w);
        if (!p || w.failed || strv_add(&v, w.s, w.n) != 0) {
            free(w.s);
            argv_free(v.v);
            return -1;
        }
        free(w.s);
    }
    if (v.n == 0)
        return -1;
    argv_free(f->argv);
    f->argv = v.v;
    return 0;
}

static int parse_unit(char *text, svc_file *f)
{
    char section[32] = "";
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (line[0] == '[')
            snprintf(section, sizeof section, "%s", line);
        else if (strcmp(section, "[Service]") == 0 &&
                 strncmp(line, "ExecStart=", 10) == 0) {
            if (unit_exec(line + 10, f) != 0)
                return -1;
        } else if (strcmp(section, "[Service]") == 0 &&
                   strncmp(line, "Restart=", 8) == 0)
            f->keep_alive = strcmp(line + 8, "no") != 0;
        else if (strcmp(section, "[Install]") == 0 &&
                 strncmp(line, "WantedBy=", 9) == 0)
            f->run_at_load = strstr(line, "multi-user.target") != NULL;
    }
    return f->argv ? 0 : -1;
}

/* Read host path `file` (a plist or a unit we wrote) under host.root. */
static int read_service(hp_ctx *c, const char *file, svc_file *f, hp_err *e)
{
    memset(f, 0, sizeof *f);
    char leaf[256], *text = NULL;
    size_t len = 0;
    int dfd;
    struct stat st;
    int rc = hp_sp_open_parent(c->rootfd, file, &dfd, leaf, e);
    if (rc != HP_OK)
        return rc;
    rc = hp_af_read(dfd, leaf, SVC_FILE_MAX, &text, &len, &st, e);
    close(dfd);
    if (rc != HP_OK)
        return rc;
    int bad = strlen(text) != len;
    if (!bad)
        bad = strstr(text, "<plist") ? parse_plist(text, f)
                                     : parse_unit(text, f);
    free(text);
    if (bad) {
        argv_free(f->argv);
        f->argv = NULL;
        return hp_err_set(e, HP_EFAIL, "%s is not a service file hostpriv "
                          "can read (no ProgramArguments / ExecStart)", file);
    }
    return HP_OK;
}

int hp_service_parse(hp_ctx *c, const char *file, char ***argv,
                     int *run_at_load, hp_err *e)
{
    svc_file f;
    *argv = NULL;
    int rc = read_service(c, file, &f, e);
    if (rc != HP_OK)
        return rc;
    *argv = f.argv;
    if (run_at_load)
        *run_at_load = f.run_at_load;
    return HP_OK;
}

/* -------------------------------------------------------------- files */

static uid_t file_uid(void) { return geteuid() == 0 ? 0 : (uid_t)-1; }

/* root:root 0644 even when a file was already there with other bits: a
 * service file anyone may edit is root for anyone. */
static int write_file(hp_ctx *c, const char *hpath, const char *text,
                      hp_journal *j, hp_err *e)
{
    char dir[PATH_MAX], leaf[256];
    snprintf(dir, sizeof dir, "%s", hpath);
    int dfd = -1;
    int rc = hp_journal_mkdir_p(j, c->rootfd, dirname(dir), 0755,
                                file_uid(), file_uid(), e);
    if (rc == HP_OK)
        rc = hp_sp_open_parent(c->rootfd, hpath, &dfd, leaf, e);
    if (rc == HP_OK)
        rc = hp_sp_root_may_write(dfd, hpath, e);
    hp_af_opts o = { .mode = 0644, .uid = file_uid(), .gid = file_uid(),
                     .create = 1 };
    int added = 0;
    if (rc == HP_OK && j)       /* journaled before it is written */
        rc = hp_journal_intend(j, HP_J_FILE, hpath, NULL, &added, e);
    if (rc == HP_OK)
        rc = hp_af_replace(dfd, leaf, text, strlen(text), &o, e);
    if (j)
        hp_journal_settle(j, HP_J_FILE, hpath, rc == HP_OK, added);
    if (rc == HP_OK) {
        int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, 0644) != 0 ||
            (geteuid() == 0 && fchown(fd, 0, 0) != 0))
            rc = hp_err_sys(e, HP_EFAIL, errno, "cannot set root:root 0644 "
                            "on %s", hpath);
        if (fd >= 0)
            close(fd);
    }
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* NAME.socket next to NAME.service: systemd pairs them by name. */
static void socket_unit_path(const char *file, char *out, size_t n)
{
    size_t l = strlen(file);
    if (l > 8 && strcmp(file + l - 8, ".service") == 0)
        snprintf(out, n, "%.*s.socket", (int)(l - 8), file);
    else
        snprintf(out, n, "%s.socket", file);
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* -------------------------------------------------------------- tools */

/* Run launchctl/systemctl; its output is kept for the error message. */
static int run_tool(const char *const *argv, hp_err *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot run %s", argv[0]);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 ||
            dup2(p[1], 2) < 0)
            _exit(127);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int err = errno;
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return hp_err_sys(e, HP_EINTERNAL, err, "cannot run %s", argv[0]);
    }
    char out[512] = "", buf[1024];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR)) {
        if (r <= 0)
            continue;
        /* keep the tail: where tools put their last word */
        size_t k = (size_t)r < sizeof out - 1 ? (size_t)r : sizeof out - 1;
        if (n + k > sizeof out - 1) {
            size_t drop = n + k - (sizeof out - 1);
            memmove(out, out + drop, n - drop);
            n -= drop;
        }
        memcpy(out + n, buf + r - k, k);
        n += k;
    }
    out[n] = '\0';
    close(p[0]);
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (w != pid)           /* SIGCHLD ignored: no status is no success */
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot read the exit "
                          "status of %s", argv[0]);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return HP_OK;
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    return hp_err_set(e, HP_EFAIL, "%s %s failed (%s %d)%s%s", argv[0],
                      argv[1], WIFEXITED(st) ? "exit" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                      n ? ": " : "", out);
}

static int launchctl(hp_ctx *c, const char *verb, const char *file,
                     hp_err *e)
{
    char real[PATH_MAX];
    hp_real_path(c, file, real, sizeof real);
    const char *argv[] = { "launchctl", verb, "-w", real, NULL };
    return run_tool(argv, e);
}

/* systemctl VERB [--now] UNIT [UNIT.socket]. */
static int systemctl(hp_ctx *c, const char *verb, int now, const char *file,
                     hp_err *e)
{
    char sock[PATH_MAX];
    socket_unit_path(file, sock, sizeof sock);
    const char *argv[6];
    size_t n = 0;
    argv[n++] = "systemctl";
    argv[n++] = verb;
    if (now)
        argv[n++] = "--now";
    argv[n++] = base_name(file);
    char leaf[256];
    int dfd;
    hp_err e2 = HP_ERR_INIT;
    if (hp_sp_open_parent(c->rootfd, sock, &dfd, leaf, &e2) == HP_OK) {
        struct stat st;
        if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0)
            argv[n++] = base_name(sock);
        close(dfd);
    }
    argv[n] = NULL;
    return run_tool(argv, e);
}

/* ------------------------------------------------------------- direct */

#define RUN_DIR "/var/run"
#define LOG_DIR "/var/log/hostpriv"

/* Signal through the pidfd where we have one: it cannot have been
 * recycled for another process since we checked what it runs. */
static int pidfd_kill(int pidfd, pid_t pid, int sig)
{
#ifdef SYS_pidfd_send_signal
    if (pidfd >= 0)
        return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#endif
    return kill(pid, sig);
}

static int exe_is(pid_t pid, const char *prog);

/* 1 when pid has ended within ms: the pidfd reports it, or without one
 * (a kernel or a valgrind without pidfd_open) the process is gone or a
 * zombie, looked at every 10 ms. */
static int wait_exit(int pidfd, pid_t pid, int ms)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long spent = (t1.tv_sec - t0.tv_sec) * 1000 +
                     (t1.tv_nsec - t0.tv_nsec) / 1000000;
        long left = spent >= ms ? 0 : ms - spent;
        if (pidfd < 0) {
            waitpid(pid, NULL, WNOHANG);    /* when it is our child */
            if (!exe_is(pid, NULL))
                return 1;
            if (!left)
                return 0;
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0;
    }
}

/* Root keeps pidfiles and logs only where no one else can swap them. */
static int open_state_dir(hp_ctx *c, const char *hpath, int create, int *dfd,
                          hp_err *e)
{
    int rc = HP_OK;
    if (create)
        rc = hp_sp_mkdir_p(c->rootfd, hpath, 0755, file_uid(), file_uid(),
                           NULL, e);
    if (rc == HP_OK)
        rc = hp_sp_open_dir(c->rootfd, hpath, dfd, e);
    if (rc != HP_OK)
        return rc;
    struct stat st;
    if (geteuid() == 0 && (fstat(*dfd, &st) != 0 || st.st_uid != 0 ||
                           (st.st_mode & 022))) {
        close(*dfd);
        return hp_err_set(e, HP_ECONFIG, "%s must be owned by root and "
                          "writable by no one else to hold service state",
                          hpath);
    }
    return HP_OK;
}

/* The pid in <root>/var/run/LABEL.pid: 1 found, 0 none (or not a pid). */
static int read_pid(int rundir, const char *label, pid_t *pid)
{
    char name[256], *text = NULL;
    size_t len;
    struct stat st;
    hp_err e = HP_ERR_INIT;
    snprintf(name, sizeof name, "%s.pid", label);
    if (hp_af_read(rundir, name, 64, &text, &len, &st, &e) != HP_OK)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    int ok = text[0] >= '1' && text[0] <= '9' && errno == 0 && v > 0 &&
             v <= 0x3fffffff && (*end == '\0' || strcmp(end, "\n") == 0);
    free(text);
    if (ok)
        *pid = (pid_t)v;
    return ok;
}

static void remove_pid(int rundir, const char *label)
{
    char name[256];
    snprintf(name, sizeof name, "%s.pid", label);
    (void)unlinkat(rundir, name, 0);
}

/* 1 when pid runs prog (its /proc/PID/exe, a zombie has none). */
static int exe_is(pid_t pid, const char *prog)
{
    char link[64], exe[PATH_MAX], want[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    const char *del = " (deleted)";     /* upgraded under it: still it */
    size_t dl = strlen(del);
    if ((size_t)n > dl && strcmp(exe + n - dl, del) == 0)
        exe[n - dl] = '\0';
    if (!prog)
        return 1;
    if (!realpath(prog, want))
        snprintf(want, sizeof want, "%s", prog);
    return strcmp(exe, want) == 0;
}

/* In the service process: what a service manager gives a daemon.  execfd
 * (>= 0) receives errno when the exec fails. */
static void exec_service(char *const *argv, int logfd, int execfd)
{
    static char *const envp[] = { SVC_CLEAN_PATH, NULL };
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    umask(022);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || chdir("/") != 0 || dup2(null, 0) < 0 ||
        dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 ||
        (execfd >= 0 && dup2(execfd, 3) < 0))
        _exit(127);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    hp_close_from(4);
    execve(argv[0], argv, envp);
    int err = errno;
    if (execfd >= 0)
        (void)!write(3, &err, sizeof err);
    _exit(127);
}

static int write_pid(int rundir, const char *label, pid_t pid, hp_err *e);

#define SVC_RESTART_MS 1000         /* between a crash and the restart */
#define SVC_QUICK_MS 10000          /* a run shorter than this is quick */
#define SVC_QUICK_MAX 5             /* quick crashes in a row: give up */

/* KeepAlive for the direct backend, as launchd's KeepAlive and systemd's
 * Restart=always do it for a crash: a small process that started the
 * service waits for it, and when it ends by a signal or a non-zero
 * status while its pidfile still names it, starts it again (1 s later;
 * after 5 quick crashes in a row it gives up).  A clean exit (stopped,
 * idle exit, uninstalled) or a pidfile no longer naming it (stop_pid
 * removes it first) ends the watch.  It keeps only the log (stdout and
 * stderr) and the run directory (fd 3) of what the caller had open. */
static void supervise(char *const *argv, const char *label, int rundir,
                      pid_t child)
{
    hp_af_locks_forget();
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 ||
        (rundir != 3 && dup3(rundir, 3, O_CLOEXEC) < 0) ||
        fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        _exit(1);
    hp_close_from(4);
    int quick = 0;
    for (;;) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int st;
        while (waitpid(child, &st, 0) < 0)
            if (errno != EINTR)
                _exit(1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            _exit(0);
        quick = t1.tv_sec - t0.tv_sec < SVC_QUICK_MS / 1000 ? quick + 1 : 0;
        struct timespec ts = { SVC_RESTART_MS / 1000,
                               (SVC_RESTART_MS % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        hp_err e = HP_ERR_INIT;
        int lk = hp_af_lock_dir(3, &e);
        pid_t named = -1;
        if (lk < 0 || !read_pid(3, label, &named) || named != child) {
            hp_af_unlock(lk);
            _exit(0);                       /* stopped meanwhile */
        }
        if (quick >= SVC_QUICK_MAX) {
            dprintf(2, "hostpriv: service %s: ended %d times within %d s "
                    "of starting: not restarted again\n", label, quick,
                    SVC_QUICK_MS / 1000);
            remove_pid(3, label);
            hp_af_unlock(lk);
            _exit(1);
        }
        pid_t old = child;
        child = fork();
        if (child == 0)
            exec_service(argv, 1, -1);
        if (child < 0 || write_pid(3, label, child, &e) != HP_OK) {
            hp_af_unlock(lk);
            _exit(1);
        }
        hp_af_unlock(lk);
        dprintf(2, "hostpriv: service %s: pid %d ended by %s %d: started "
                "again as pid %d\n", label, (int)old,
                WIFSIGNALED(st) ? "signal" : "status",
                WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), (int)child);
    }
}

/* Start argv in its own session.  keep_alive: detached, so it is no child
 * of ours and outlives us, watched by supervise(); else one fork we wait
 * for (bounded) so a run-once task such as the boot task is done when
 * start returns. */
static int spawn(char **argv, int logfd, int detach, const char *label,
                 int rundir, pid_t *pid, int *xerr, hp_err *e)
{
    int pp[2], xp[2];
    if (pipe2(pp, O_CLOEXEC) != 0)
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot start %s", argv[0]);
    if (pipe2(xp, O_CLOEXEC) != 0) {
        close(pp[0]);
        close(pp[1]);
        return hp_err_sys(e, HP_EINTERNAL, errno, "cannot start %s", argv[0]);
    }
    pid_t mid = fork();
    if (mid == 0) {
        setsid();
        pid_t sup = detach ? fork() : 0;
        if (sup == 0) {
            pid_t p = detach ? fork() : 0;
            if (p == 0)
                exec_service(argv, logfd, xp[1]);
            (void)!write(pp[1], &p, sizeof p);
            if (p < 0)
                _exit(1);
            close(pp[1]);
            close(xp[1]);   /* the caller's read ends with the exec */
            if (dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
                _exit(1);
            supervise(argv, label, rundir, p);
        }
        _exit(sup < 0);
    }
    int err = errno;
    close(pp[1]);
    close(xp[1]);
    if (mid > 0 && detach)
        while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
            ;
    if (mid > 0 && detach &&
        read(pp[0], pid, sizeof *pid) != (ssize_t)sizeof *pid)
        *pid = -1;
    if (mid > 0 && !detach)
        *pid = mid;
    *xerr = 0;
    if (mid > 0 && read(xp[0], xerr, sizeof *xerr) != (ssize_t)sizeof *xerr)
        *xerr = 0;
    close(pp[0]);
    close(xp[0]);
    if (mid < 0 || *pid <= 0)
        return hp_err_sys(e, HP_EINTERNAL, mid < 0 ? err : EAGAIN,
                          "cannot start %s", argv[0]);
    return HP_OK;
}

static int open_log(hp_ctx *c, const char *label, int *fd, char *shown,
                    size_t n, hp_err *e)
{
    int dfd;
    int rc = open_state_dir(c, LOG_DIR, 1, &dfd, e);
    if (rc != HP_OK)
        return rc;
    char name[256];
    snprintf(name, sizeof name, "%s.log", label);
    snprintf(shown, n, "%s/%s", LOG_DIR, name);
    *fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
                                O_NOCTTY | O_CLOEXEC, 0644);
    int err = errno;
    close(dfd);
    if (*fd < 0)
        return hp_err_sys(e, HP_EFAIL, err, "cannot open the log %s", shown);
    return HP_OK;
}

static int write_pid(int rundir, const char *label, pid_t pid, hp_err *e)
{
    char name[256], text[32];
    snprintf(name, sizeof name, "%s.pid", label);
    snprintf(text, sizeof text, "%d\n", (int)pid);
    hp_af_opts o = { .mode = 0644, .uid = file_uid(), .gid = file_uid(),
                     .create = 1 };
    return hp_af_replace(rundir, name, text, strlen(text), &o, e);
}

/* A run-once task: wait for it, its exit status is the result. */
static int finish_oneshot(pid_t pid, const char *label, const char *log,
                          hp_err *e)
{
    int pidfd = hp_pidfd_open(pid), st = 0;
    if (pidfd >= 0 && !wait_exit(pidfd, pid, SVC_ONESHOT_WAIT_MS)) {
        close(pidfd);
        return HP_OK;       /* still going: it finishes on its own */
    }
    if (pidfd >= 0)
        close(pidfd);
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (w != pid)
        return hp_err_sys(e, HP_EFAIL, errno, "%s ran, but its exit status "
                          "cannot be read: see %s", label, log);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return HP_OK;
    return hp_err_set(e, HP_EFAIL, "%s exited with %s %d: see %s", label,
                      WIFEXITED(st) ? "status" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log);
}

static int start_direct(hp_ctx *c, const char *label, const char *file,
                        hp_err *e)
{
    svc_file f;
    int rundir = -1, logfd = -1, xerr = 0;
    pid_t pid = -1, old;
    char log[PATH_MAX];
    int rc = read_service(c, file, &f, e);
    if (rc != HP_OK)
        return rc;
    rc = open_state_dir(c, RUN_DIR, 1, &rundir, e);
    if (rc == HP_OK && read_pid(rundir, label, &old) && exe_is(old, f.argv[0]))
        goto out;                                   /* running already */
    if (rc == HP_OK)
        rc = open_log(c, label, &logfd, log, sizeof log, e);
    if (rc == HP_OK)
        rc = spawn(f.argv, logfd, f.keep_alive, label, rundir, &pid, &xerr, e);
    if (rc == HP_OK && xerr)
        rc = hp_err_sys(e, HP_EFAIL, xerr, "cannot start %s: %s", label,
                        f.argv[0]);
    if (rc == HP_OK)
        rc = write_pid(rundir, label, pid, e);
    if (rc == HP_OK && !f.keep_alive) {
        rc = finish_oneshot(pid, label, log, e);
        if (!exe_is(pid, f.argv[0]))
            remove_pid(rundir, label);
    } else if (pid > 0 && xerr && !f.keep_alive) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;       /* our own child, which failed to exec: reap it */
    }
out:
    if (logfd >= 0)
        close(logfd);
    if (rundir >= 0)
        close(rundir);
    argv_free(f.argv);
    return rc;
}

/* Stop what the pidfile names, only if it still runs the program the
 * service file names: a stale pidfile (the pid reused after a reboot) must
 * never get someone else's process killed.  The pidfile goes first, under
 * the run directory's lock: the keep-alive supervisor (spawn) restarts
 * only a process its pidfile still names, so a stopped service stays
 * stopped even when it takes a SIGKILL to end it. */
static int stop_pid(hp_ctx *c, const char *label, const char *prog,
                    int rundir, pid_t pid, hp_err *e)
{
    int pidfd = hp_pidfd_open(pid);
    if (pidfd < 0 && errno == ESRCH) {
        remove_pid(rundir, label);          /* gone already */
        return HP_OK;
    }
    if (!exe_is(pid, prog)) {
        hp_log(c, HP_LOG_WARN, "service %s: pid %d in its pidfile is not %s "
               "(a stale pidfile): not signalled, pidfile removed", label,
               (int)pid, prog);
        if (pidfd >= 0)
            close(pidfd);
        remove_pid(rundir, label);
        return HP_OK;
    }
    hp_err le = HP_ERR_INIT;
    int lk = hp_af_lock_dir(rundir, &le);
    pid_t now = -1;
    if (read_pid(rundir, label, &now) && now == pid)
        remove_pid(rundir, label);
    hp_af_unlock(lk);
    int gone = 0;
    if (pidfd_kill(pidfd, pid, SIGTERM) == 0 || errno == ESRCH)
        gone = wait_exit(pidfd, pid, SVC_STOP_WAIT_MS);
    if (!gone && pidfd_kill(pidfd, pid, SIGKILL) == 0)
        gone = wait_exit(pidfd, pid, SVC_STOP_WAIT_MS);
    if (pidfd >= 0)
        close(pidfd);
    waitpid(pid, NULL, WNOHANG);    /* in case it was our child after all */
    if (!gone)
        return hp_err_set(e, HP_EFAIL, "service %s (pid %d) did not exit "
                          "after SIGKILL", label, (int)pid);
    return HP_OK;
}

static int stop_direct(hp_ctx *c, const char *label, const char *file,
                       hp_err *e)
{
    int rundir;
    pid_t pid;
    hp_err e2 = HP_ERR_INIT;
    if (open_state_dir(c, RUN_DIR, 0, &rundir, &e2) != HP_OK)
        return HP_OK;                       /* no run dir: nothing runs */
    if (!read_pid(rundir, label, &pid)) {
        remove_pid(rundir, label);          /* none, or not a pid */
        close(rundir);
        return HP_OK;
    }
    int rc = HP_OK;
    if (pid == getpid()) {
        /* the helper uninstalling itself: it replies, then exits */
        remove_pid(rundir, label);
    } else {
        svc_file f;
        hp_err why = HP_ERR_INIT;
        if (read_service(c, file, &f, &why) != HP_OK)
            rc = hp_err_set(e, HP_EFAIL, "service %s: cannot tell whether "
                            "pid %d is its program (%s): not signalled",
                            label, (int)pid, why.msg);
        else
            rc = stop_pid(c, label, f.argv[0], rundir, pid, e);
        argv_free(f.argv);
    }
    close(rundir);
    return rc;
}

/* The service file installed for a label we know (helper, boot task). */
static const char *file_of(const hp_ctx *c, const char *label)
{
    if (label && hp_conf(c, "helper.label") &&
        strcmp(label, hp_conf(c, "helper.label")) == 0)
        return hp_conf(c, "helper.service_file");
    if (label && hp_conf(c, "boot.label") &&
        strcmp(label, hp_conf(c, "boot.label")) == 0)
        return hp_conf(c, "boot.service_file");
    return NULL;
}

static int running_direct(hp_ctx *c, const char *label)
{
    int rundir;
    pid_t pid;
    hp_err e = HP_ERR_INIT;
    if (open_state_dir(c, RUN_DIR, 0, &rundir, &e) != HP_OK)
        return 0;
    int found = read_pid(rundir, label, &pid);
    close(rundir);
    if (!found)
        return 0;
    const char *file = file_of(c, label);
    svc_file f;
    if (!file || read_service(c, file, &f, &e) != HP_OK)
        return exe_is(pid, NULL);           /* alive, not a zombie */
    int r = exe_is(pid, f.argv[0]);
    argv_free(f.argv);
    return r;
}

/* --------------------------------------------------------- interface */

static int common(hp_ctx *c, const char *label, int *bk, hp_err *e)
{
    int rc = label_ok(label, e);
    if (rc != HP_OK)
        return rc;
    *bk = backend_of(c);
    return backend_ready(c, *bk, e);
}

/* The direct backend's log directory and file are hostpriv's too: made
 * (empty) and journaled before the service starts, so uninstall leaves no
 * trace of them. */
static int journal_log(hp_ctx *c, const char *label, hp_journal *j,
                       hp_err *e)
{
    char hpath[PATH_MAX], name[256];
    int dfd, rc = hp_journal_mkdir_p(j, c->rootfd, LOG_DIR, 0755,
                                     file_uid(), file_uid(), e);
    if (rc != HP_OK || (rc = open_state_dir(c, LOG_DIR, 0, &dfd, e)) != HP_OK)
        return rc;
    snprintf(name, sizeof name, "%s.log", label);
    snprintf(hpath, sizeof hpath, "%s/%s", LOG_DIR, name);
    int added = 0;              /* journaled before it is made */
    if ((rc = hp_journal_intend(j, HP_J_FILE, hpath, NULL, &added, e))) {
        close(dfd);
        return rc;
    }
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                   O_CLOEXEC, 0644);
    int err = errno;
    hp_journal_settle(j, HP_J_FILE, hpath, fd >= 0, added);
    close(dfd);
    if (fd < 0)
        return err == EEXIST ? HP_OK
                             : hp_err_sys(e, HP_EFAIL, err, "cannot create "
                                          "the log %s", hpath);
    close(fd);
    return HP_OK;
}

int hp_service_install(hp_ctx *c, const hp_service *s, hp_journal *j,
                       hp_err *e)
{
    int bk, fmt = format_of(c);
    int rc = common(c, s->label, &bk, e);
    char *text = NULL, *stext = NULL, sfile[PATH_MAX];
    if (rc == HP_OK && (!s->file || s->file[0] != '/'))
        rc = hp_err_set(e, HP_ECONFIG, "service %s: its file must be an "
                        "absolute host path", s->label);
    if (rc == HP_OK)
        rc = render(c, s, fmt, 0, &text, e);
    if (rc == HP_OK && s->socket && fmt == FMT_UNIT)
        rc = render(c, s, fmt, 1, &stext, e);
    if (rc == HP_OK)
        rc = write_file(c, s->file, text, j, e);
    socket_unit_path(s->file ? s->file : "", sfile, sizeof sfile);
    if (rc == HP_OK && stext)
        rc = write_file(c, sfile, stext, j, e);
    if (rc == HP_OK && j && bk == BK_DIRECT)
        rc = journal_log(c, s->label, j, e);
    if (rc == HP_OK && j)
        rc = hp_journal_add(j, HP_J_SERVICE, s->file, s->label, e);
    free(text);
    free(stext);
    if (rc != HP_OK)
        return rc;
    switch (bk) {
    case BK_LAUNCHD:
        return launchctl(c, "load", s->file, e);
    case BK_SYSTEMD: {
        const char *argv[] = { "systemctl", "daemon-reload", NULL };
        rc = run_tool(argv, e);
        return rc == HP_OK ? systemctl(c, "enable", 1, s->file, e) : rc;
    }
    default:
        return start_direct(c, s->label, s->file, e);
    }
}

int hp_service_start(hp_ctx *c, const char *label, const char *file,
                     hp_err *e)
{
    int bk;
    int rc = common(c, label, &bk, e);
    if (rc != HP_OK)
        return rc;
    switch (bk) {
    case BK_LAUNCHD: return launchctl(c, "load", file, e);
    case BK_SYSTEMD: return systemctl(c, "start", 0, file, e);
    default:         return start_direct(c, label, file, e);
    }
}

static int file_exists(hp_ctx *c, const char *hpath)
{
    char leaf[256];
    int dfd;
    hp_err e = HP_ERR_INIT;
    if (hp_sp_open_parent(c->rootfd, hpath, &dfd, leaf, &e) != HP_OK)
        return 0;
    struct stat st;
    int r = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
    close(dfd);
    return r;
}

int hp_service_stop(hp_ctx *c, const char *label, const char *file,
                    hp_err *e)
{
    int bk;
    int rc = common(c, label, &bk, e);
    if (rc != HP_OK)
        return rc;
    if (bk != BK_DIRECT && !file_exists(c, file))
        return HP_OK;       /* nothing installed: nothing to unload */
    switch (bk) {
    case BK_LAUNCHD: return launchctl(c, "unload", file, e);
    case BK_SYSTEMD: return systemctl(c, "disable", 1, file, e);
    default:         return stop_direct(c, label, file, e);
    }
}

int hp_service_running(hp_ctx *c, const char *label)
{
    hp_err e = HP_ERR_INIT;
    if (label_ok(label, &e) != HP_OK)
        return 0;
    int bk = backend_of(c);
    if (bk == BK_DIRECT)
        return running_direct(c, label);
    if (backend_ready(c, bk, &e) != HP_OK)
        return 0;
    char unit[256];
    snprintf(unit, sizeof unit, "%s.service", label);
    const char *file = file_of(c, label);
    const char *sd[] = { "systemctl", "is-active", "--quiet",
                         file ? base_name(file) : unit, NULL };
    const char *ld[] = { "launchctl", "list", label, NULL };
    return run_tool(bk == BK_SYSTEMD ? sd : ld, &e) == HP_OK;
}

int hp_service_boot(hp_ctx *c, hp_err *e)
{
    const char *which[][2] = {
        { hp_conf(c, "helper.label"), hp_conf(c, "helper.service_file") },
        { hp_conf(c, "boot.label"), hp_conf(c, "boot.service_file") },
    };
    int first = HP_OK;
    for (size_t i = 0; i < 2; i++) {
        const char *label = which[i][0], *file = which[i][1];
        char **argv = NULL;
        int ral = 0;
        hp_err e2 = HP_ERR_INIT;
        if (!label || !file || !file_exists(c, file))
            continue;
        int rc = hp_service_parse(c, file, &argv, &ral, &e2);
        argv_free(argv);
        if (rc == HP_OK && ral)
            rc = hp_service_start(c, label, file, &e2);
        if (rc != HP_OK && first == HP_OK) {
            first = rc;
            if (e)
                *e = e2;
        }
    }
    return first;
}
