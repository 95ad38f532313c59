/* Who may talk to the helper: decided from the kernel (SO_PEERCRED) on
 * every accepted connection before a single byte is read.  Root and the
 * user named by host.user in the root-owned configuration; nobody else.
 * Every path that cannot establish the peer refuses (fail closed); no
 * variable ever starts out as uid 0 (polkit CVE-2021-3560). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "engine/config.h"
#include "engine/events.h"
#include "hostprivd.h"

/* host.user counts only when a root-owned file set it: the built-in
 * default ("invoking user") means nothing inside a root daemon. */
int hpd_auth_setup(hpd *d)
{
    d->user_ok = 0;
    d->user_uid = (uid_t)-1;
    const char *name = hp_conf(d->ctx, "host.user");
    const char *origin = hp_config_origin(d->ctx->cfg, "host.user");
    if (!name || !*name || !origin || strncmp(origin, "default", 7) == 0 ||
        !d->ctx->user_known) {
        hpd_log(d, HP_LOG_WARN, "host.user is not set in the root-owned "
                "configuration: only root may use the helper");
        return 0;
    }
    d->user_uid = d->ctx->uid;
    d->user_ok = 1;
    hpd_log(d, HP_LOG_INFO, "serving root and %s (uid %u, from %s)",
            d->ctx->user, (unsigned)d->user_uid, origin);
    return 0;
}

int hpd_uid_served(const hpd *d, uid_t uid)
{
    return uid == 0 || (d->user_ok && uid == d->user_uid);
}

int hpd_auth_peer(hpd *d, int fd, uid_t *uid, pid_t *pid)
{
    struct ucred cr;
    memset(&cr, 0xff, sizeof cr);          /* uid (uid_t)-1, not 0 */
    socklen_t len = sizeof cr;
    *uid = (uid_t)-1;
    *pid = -1;
    errno = 0;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
        len != sizeof cr || cr.uid == (uid_t)-1) {
        hpd_log_limited(d, HPD_LOG_REFUSED, HP_LOG_WARN,
                        "refused a connection: peer credentials unavailable "
                        "(%s)", strerror(errno ? errno : EPROTO));
        return 0;
    }
    if (!hpd_uid_served(d, cr.uid)) {
        hpd_log_limited(d, HPD_LOG_REFUSED, HP_LOG_WARN,
                        "refused a connection from uid %u pid %d: only root "
                        "and host.user may use the helper",
                        (unsigned)cr.uid, (int)cr.pid);
        return 0;
    }
    *uid = cr.uid;
    *pid = cr.pid;
    return 1;
}
