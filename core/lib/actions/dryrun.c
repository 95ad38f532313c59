/* `install --dry-run`: what each action would change (dryrun.h).  The
 * owners and modes are those the actions give (act_*.c, service.c): root
 * 0755 directories and programs, root 0644 service files, links owned by
 * whoever makes them, the hosts file keeping its own. */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act.h"
#include "actions.h"
#include "dryrun.h"
#include "auth/elevate.h"
#include "engine/config.h"
#include "engine/events.h"
#include "helper/hclient.h"
#include "host/safepath.h"

static void field(FILE *f, const char *name, const char *v, int *first)
{
    char esc[2 * PATH_MAX];
    if (!v)
        return;
    hp_json_escape(esc, sizeof esc, v);
    fprintf(f, "%s\"%s\":\"%s\"", *first ? "" : ",", name, esc);
    *first = 0;
}

void hp_dry_say(hp_ctx *c, const char *change, const char *path,
                const char *owner, const char *mode, const char *via,
                const char *detail)
{
    if (c->json) {
        int first = 1;
        fputs("{\"dry_run\":{", stdout);
        field(stdout, "change", change, &first);
        field(stdout, "path", path, &first);
        field(stdout, "owner", owner, &first);
        field(stdout, "mode", mode, &first);
        field(stdout, "via", via, &first);
        field(stdout, "detail", detail, &first);
        fputs("}}\n", stdout);
    } else {
        printf("would %s %s:", change, path);
        if (owner)
            printf(" owner %s,", owner);
        if (mode)
            printf(" mode %s,", mode);
        printf(" via %s%s%s\n", via, detail ? "; " : "", detail ? detail : "");
    }
    fflush(stdout);
}

void hp_dry_owner(uid_t uid, gid_t gid, char *out, size_t n)
{
    struct passwd *pw = getpwuid(uid);
    char u[64];
    snprintf(u, sizeof u, "%s", pw ? pw->pw_name : "");
    struct group *gr = getgrgid(gid);
    if (*u && gr)
        snprintf(out, n, "%s:%s", u, gr->gr_name);
    else
        snprintf(out, n, "%u:%u", (unsigned)uid, (unsigned)gid);
}

/* The via a route's change would carry (events' names). */
static const char *via_name(hp_ctx *c, int route)
{
    if (route == HP_ROUTE_HELPER)
        return "helper";
    if (route == HP_ROUTE_ELEVATE)
        return "elevated";
    return c->role == HP_ROLE_USER ? "user" : "installer";
}

static void root_owner(char *out, size_t n) { hp_dry_owner(0, 0, out, n); }

static void dir_if_missing(hp_ctx *c, const char *hpath, const char *owner,
                           const char *via)
{
    if (!hp_act_exists(c, hpath))
        hp_dry_say(c, "create directory", hpath, owner, "0755", via, NULL);
}

static void links(hp_ctx *c, int action, const char *via)
{
    char dir[PATH_MAX], owner[160], buf[HP_CLI_TOOLS_BUF];
    const char *names[HP_CLI_TOOLS_MAX];
    int user = action != HP_ACT_LINKS_SYSTEM;
    if (user) {
        hp_path_user(c, ".docker/bin", dir, sizeof dir);
        hp_dry_owner(c->uid, c->gid, owner, sizeof owner);
        via = "user";               /* the user's own home: as the user */
    } else {
        snprintf(dir, sizeof dir, "%s", HP_SYSTEM_BIN_DIR);
        root_owner(owner, sizeof owner);
    }
    dir_if_missing(c, dir, owner, via);
    size_t n = hp_config_list(hp_conf(c, "host.cli_tools"), buf, sizeof buf,
                              names, HP_CLI_TOOLS_MAX);
    for (size_t i = 0; n != (size_t)-1 && i < n; i++) {
        char hp[PATH_MAX], target[PATH_MAX + 64];
        snprintf(hp, sizeof hp, "%s/%s", dir, names[i]);
        if (hp_act_exists(c, hp))
            continue;
        snprintf(target, sizeof target, "symlink to %s/%s",
                 hp_conf(c, "host.app_bin_dir"), names[i]);
        hp_dry_say(c, "create", hp, owner, "0777 (symlink)", via, target);
    }
    if (action == HP_ACT_LINKS_USER)
        hp_dry_say(c, "edit", "the shell profile", owner, NULL, "user",
                   "a managed block that puts ~/.docker/bin on PATH");
}

static void hosts(hp_ctx *c, const char *via)
{
    const char *file = hp_conf(c, "host.hosts_file");
    char owner[160] = "", mode[16] = "", leaf[256];
    hp_err e = HP_ERR_INIT;
    int dfd;
    struct stat st;
    if (hp_sp_open_parent(c->rootfd, file, &dfd, leaf, &e) == HP_OK) {
        if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            hp_dry_owner(st.st_uid, st.st_gid, owner, sizeof owner);
            snprintf(mode, sizeof mode, "%04o (kept)",
                     (unsigned)(st.st_mode & 07777));
        }
        close(dfd);
    }
    if (!*owner) {
        root_owner(owner, sizeof owner);
        snprintf(mode, sizeof mode, "0644");
    }
    hp_dry_say(c, *mode == '0' && strstr(mode, "kept") ? "edit" : "create",
               file, owner, mode, via, hp_conf_bool(c, "host.kubernetes")
               ? "add \"127.0.0.1 localhost\" and \"127.0.0.1 "
                 "kubernetes.docker.internal\" where missing, in a block "
                 "between # Added by Docker Desktop and # End of section"
               : "add \"127.0.0.1 localhost\" in a block between # Added "
                 "by Docker Desktop and # End of section");
}

static void service_file(hp_ctx *c, const char *key, const char *label,
                         const char *what, const char *via)
{
    char owner[160], d[512];
    root_owner(owner, sizeof owner);
    snprintf(d, sizeof d, "%s %s, loaded and started by %s", what,
             hp_conf(c, label), hp_conf(c, "helper.service"));
    hp_dry_say(c, "write", hp_conf(c, key), owner, "0644", via, d);
}

static void helper_install(hp_ctx *c, const char *via)
{
    char owner[160], d[PATH_MAX + 32], dir[PATH_MAX];
    root_owner(owner, sizeof owner);
    if (!c->dry_helper_gone &&
        hp_act_helper_check(c, HP_ACT_HELPER_INSTALL) == 1) {
        if (!hp_helper_alive(c))
            hp_dry_say(c, "start", hp_conf(c, "helper.label"), NULL, NULL,
                       via, "the installed helper");
        return;
    }
    snprintf(dir, sizeof dir, "%s", hp_conf(c, "helper.path"));
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        dir_if_missing(c, dir, owner, via);
    }
    snprintf(d, sizeof d, "a copy of %s", hp_conf(c, "core.helper_program"));
    hp_dry_say(c, "write", hp_conf(c, "helper.path"), owner, "0755", via, d);
    service_file(c, "helper.service_file", "helper.label",
                 "the privileged helper's service", via);
}

static void helper_uninstall(hp_ctx *c, const char *via)
{
    hp_dry_say(c, "stop", hp_conf(c, "helper.label"), NULL, NULL, via,
               "the privileged helper, through its service manager");
    const char *p[2] = { hp_conf(c, "helper.service_file"),
                         hp_conf(c, "helper.path") };
    for (int i = 0; i < 2; i++)
        if (hp_act_exists(c, p[i]))
            hp_dry_say(c, "remove", p[i], NULL, NULL, via, NULL);
    c->dry_helper_gone = 1;
}

static void socket_link(hp_ctx *c, const char *via)
{
    char owner[160], sock[PATH_MAX], d[PATH_MAX + 16];
    root_owner(owner, sizeof owner);
    dir_if_missing(c, "/var/run", owner, via);
    if (!hp_act_exists(c, HP_DOCKER_SOCK_LINK)) {
        hp_path_user(c, ".docker/run/docker.sock", sock, sizeof sock);
        snprintf(d, sizeof d, "symlink to %s", sock);
        hp_dry_say(c, "create", HP_DOCKER_SOCK_LINK, owner, "0777 (symlink)",
                   via, d);
    }
    if (!hp_act_exists(c, hp_conf(c, "boot.service_file")))
        service_file(c, "boot.service_file", "boot.label",
                     "the boot task that recreates the link,", via);
}

void hp_dry_action(hp_ctx *c, int action, int route)
{
    const char *via = via_name(c, route);
    char path[PATH_MAX];
    switch (action) {
    case HP_ACT_LINKS_SYSTEM: case HP_ACT_LINKS_USER:
    case HP_ACT_LINKS_USER_BIN:
        links(c, action, via); break;
    case HP_ACT_HOSTS_ENSURE:
        hosts(c, via); break;
    case HP_ACT_SOCKET_LINK:
        socket_link(c, via); break;
    case HP_ACT_HELPER_INSTALL: case HP_ACT_HELPER_START:
        helper_install(c, via); break;
    case HP_ACT_HELPER_UNINSTALL:
        helper_uninstall(c, via); break;
    default:
        hp_action_path(c, action, path, sizeof path);
        hp_dry_say(c, "run", *path ? path : hp_action_name(action), NULL,
                   NULL, via, hp_action_name(action));
    }
}

void hp_dry_settings(hp_ctx *c, const char *const *kv, size_t npairs)
{
    char path[PATH_MAX], owner[160], d[1024] = "";
    size_t k = 0;
    hp_path_user(c, ".docker/hostpriv/settings.ini", path, sizeof path);
    hp_dry_owner(c->uid, c->gid, owner, sizeof owner);
    for (int i = 0; i < 2; i++) {
        char dir[PATH_MAX];
        hp_path_user(c, i ? ".docker/hostpriv" : ".docker", dir, sizeof dir);
        dir_if_missing(c, dir, owner, "user");
    }
    for (size_t i = 0; i < npairs && k < sizeof d; i++)
        k += (size_t)snprintf(d + k, sizeof d - k, "%s%s = %s", i ? ", " : "",
                              kv[2 * i], kv[2 * i + 1] ? kv[2 * i + 1]
                                                       : "(forgotten)");
    hp_dry_say(c, "write", path, owner, "0644", "user", d);
}

void hp_dry_journal(hp_ctx *c)
{
    char path[PATH_MAX], owner[160];
    snprintf(path, sizeof path, "%s/journal", hp_path_root_state(c));
    root_owner(owner, sizeof owner);
    hp_dry_say(c, "record", path, owner, "0644", "installer", "each root "
               "change above, before it is made, so hostpriv uninstall "
               "reverts exactly those");
}
