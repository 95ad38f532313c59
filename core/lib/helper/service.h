/* Service backends behind one interface: launchd (plist, launchctl),
 * systemd (.service + .socket units, systemctl), direct (writes the same
 * service file for the platform, then spawns/stops the program itself with a
 * pidfile: tests, rigs, hosts without a service manager).  All files land
 * under host.root and are journaled. */
#ifndef HP_SERVICE_H
#define HP_SERVICE_H
#include "engine/ctx.h"
#include "privs.h"

struct hp_journal;

/* What a hostpriv service may do, for the systemd hardening written into
 * its unit (and the launchd keys a plist can carry): the helper per
 * version (privs.h), or the docker.sock boot task. */
typedef struct hp_service_limits {
    int boot;                   /* the boot task: no network at all */
    uint64_t caps;              /* capabilities kept (HP_CAPBIT) */
    int acts_as_user;           /* keeps the set*id calls */
    hp_write_dirs rw;           /* ReadWritePaths= (real paths) */
} hp_service_limits;

typedef struct hp_service {
    const char *label;          /* com.docker.vmnetd */
    const char *file;           /* host path of the plist / unit */
    const char *const *argv;    /* ProgramArguments (real paths) */
    int run_at_load;
    int keep_alive;
    const char *socket;         /* host path of a listening socket
                                   (launchd Sockets, systemd .socket),
                                   NULL when none */
    const hp_service_limits *limits;    /* NULL: no hardening written */
} hp_service;

/* The limits of the helper for the active plugin, or of the boot task. */
void hp_service_limits_of(const hp_ctx *c, int boot, hp_service_limits *l);

/* Write the service file (and unit's .socket) root:root 0644, then load
 * it with the configured backend (helper.service).  A backend whose tool is
 * absent: HP_EUNAVAIL with a message saying which tool and how to pick
 * another backend. */
int hp_service_install(hp_ctx *c, const hp_service *s, struct hp_journal *j,
                       hp_err *e);
/* direct: a keep_alive service is spawned detached (double fork, setsid,
 * clean environment, output to <root>/var/log/hostpriv/LABEL.log, pidfile
 * <root>/var/run/LABEL.pid) and left running; a run-once one (no
 * KeepAlive: the boot task) is waited for, up to 10 s, and its exit status
 * is the result.  Starting a running service does nothing. */
int hp_service_start(hp_ctx *c, const char *label, const char *file,
                     hp_err *e);
/* Stop/unload: `launchctl unload -w`, `systemctl disable --now`, or the
 * direct backend's pidfile (the process is only signalled when its
 * /proc/PID/exe is the program the file names). */
int hp_service_stop(hp_ctx *c, const char *label, const char *file,
                    hp_err *e);
/* 1 when the direct backend's pidfile names a live process of ours. */
int hp_service_running(hp_ctx *c, const char *label);
/* Render the file text (tests check it; launchd plist or systemd unit). */
int hp_service_render(const hp_ctx *c, const hp_service *s, char **text,
                      hp_err *e);
/* The systemd .socket unit that goes with a unit's socket. */
int hp_service_render_socket(const hp_ctx *c, const hp_service *s,
                             char **text, hp_err *e);
/* Read back a service file we wrote: argv and RunAtLoad (rigs' reboot). */
int hp_service_parse(hp_ctx *c, const char *file, char ***argv,
                     int *run_at_load, hp_err *e);
/* What a boot does: start every service file hostpriv installed whose
 * RunAtLoad is set (the helper, the docker.sock boot task). */
int hp_service_boot(hp_ctx *c, hp_err *e);
#endif
