/* Hardening of the helper's and the boot task's service files (harden.h).
 * The unit says, next to every option, why it is there or why a stronger
 * one is not: `systemd-analyze security` lists what it checks, and each
 * of its items is answered here.  The helper confines itself too
 * (hostprivd(8)), so the direct backend, which ignores these lines, and a
 * packager's own unit get the same process. */
#include "harden.h"
#include <string.h>

/* One ReadWritePaths= word: quoted, C escapes, %% for a specifier's %;
 * "-" first: a directory that is gone is no reason not to start. */
static void rw_path(FILE *out, const char *p)
{
    fputs("ReadWritePaths=\"-", out);
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '%')
            fputs("%%", out);
        else if ((unsigned char)*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", (unsigned char)*p);
        else
            fputc(*p, out);
    }
    fputs("\"\n", out);
}

static void caps_lines(FILE *out, const hp_service_limits *l)
{
    char names[256];
    hp_caps_text(l->caps, names, sizeof names);
    fprintf(out,
        "# Root, but only these capabilities (hostprivd(8), PRIVILEGES):\n"
        "# what this version's helper needs for the requests it serves.\n"
        "CapabilityBoundingSet=%s\n", names);
    if (l->boot) {
        fputs("# uid 0 with no capability: the link and its directory are "
              "root's own.\nSecureBits=noroot noroot-locked\n", out);
        return;
    }
    fprintf(out,
        "# uid 0 gets no capability from being root (noroot), only these,\n"
        "# through the ambient set; the helper clears the ambient set once\n"
        "# started, so what it starts gets none.\n"
        "SecureBits=noroot noroot-locked\nAmbientCapabilities=%s\n", names);
}

static void fs_lines(FILE *out, const hp_service_limits *l)
{
    fputs("NoNewPrivileges=yes\n"
          "# The whole file system read-only but the directories this "
          "version\n# writes in (from the configuration, under host.root; "
          "hostprivd(8)).\nProtectSystem=strict\n", out);
    for (size_t i = 0; i < l->rw.n; i++)
        rw_path(out, l->rw.dir[i]);
    fputs("# read-only, not yes: nothing is written under /home, /root or\n"
          "# /run/user (a user's files are written as that user, never by "
          "root\n# here), but host.root, the plugins or -c may lie there.\n"
          "ProtectHome=read-only\n"
          "PrivateTmp=yes\n"
          "# /dev/null is all it opens there.\n"
          "PrivateDevices=yes\nDevicePolicy=closed\n"
          "ProtectKernelTunables=yes\nProtectKernelModules=yes\n"
          "ProtectKernelLogs=yes\nProtectControlGroups=yes\n"
          "ProtectClock=yes\nProtectHostname=yes\n"
          "# /proc/self is all it reads: its descriptors, the socket "
          "tables.\nProtectProc=invisible\nProcSubset=pid\n"
          "PrivateMounts=yes\nKeyringMode=private\n", out);
}

static void net_lines(FILE *out, const hp_service_limits *l)
{
    if (l->boot) {
        fputs("# No network: a file-system socket for user lookups is all.\n"
              "PrivateNetwork=yes\nIPAddressDeny=any\n"
              "RestrictAddressFamilies=AF_UNIX\n", out);
        return;
    }
    fputs("# PrivateNetwork= and IPAddressDeny= left out: it binds sockets "
          "on\n# the host's network for its clients, and a socket keeps the "
          "IP\n# filter of the cgroup that made it.\n"
          "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n", out);
}

static void call_lines(FILE *out, const hp_service_limits *l)
{
    fputs("RestrictNamespaces=yes\nLockPersonality=yes\n"
          "# Plugins are mapped from files; libffi calls need no writable "
          "code.\nMemoryDenyWriteExecute=yes\n"
          "RestrictRealtime=yes\nRestrictSUIDSGID=yes\n", out);
    if (l->boot)
        fputs("SystemCallFilter=@system-service\n", out);
    else
        fputs("# seccomp: the helper loads its own, narrower allow-list at "
              "start-up.\n# @privileged is not removed: it holds capset "
              "(dropping capabilities)\n# and fchown (root:root on what it "
              "writes).\nSystemCallFilter=@system-service seccomp\n", out);
    fprintf(out, "SystemCallFilter=~@clock @cpu-emulation @debug @module "
                 "@mount @obsolete @raw-io @reboot @resources @swap%s\n",
            l->acts_as_user ? "" : " @setuid");
    if (l->acts_as_user)
        fputs("# @setuid stays: steps done as the app's user (hp_as_user).\n",
              out);
    fputs("# EPERM, not a kill: one request fails, the other clients are "
          "served.\nSystemCallErrorNumber=EPERM\n"
          "SystemCallArchitectures=native\n"
          "# The starting umask; the helper sets 022 itself for the modes "
          "it\n# documents (0644 files others read).\nUMask=0077\n", out);
}

void hp_harden_unit(FILE *out, const hp_service_limits *l)
{
    fputs("# Runs as root (User= left out): it edits root's files as their "
          "owner.\n# PrivateUsers= and RootDirectory= left out: it acts on "
          "the host's\n# files and users.\n", out);
    caps_lines(out, l);
    fs_lines(out, l);
    net_lines(out, l);
    call_lines(out, l);
}

/* launchd has no capability sets, system-call filter, read-only file
 * system or network limit (nothing keeps the helper off the network
 * beyond its Sockets): it gets a umask, a working directory and no
 * inherited environment. */
void hp_harden_plist(FILE *out, const hp_service_limits *l)
{
    (void)l;
    fputs("\t<!-- launchd offers no capability sets, system-call filter,\n"
          "\t     read-only file system or network limit: see "
          "hostprivd(8) -->\n"
          "\t<key>UserName</key>\n\t<string>root</string>\n"
          "\t<key>Umask</key>\n\t<integer>63</integer>\n"
          "\t<key>WorkingDirectory</key>\n\t<string>/</string>\n", out);
}

void hp_service_limits_of(const hp_ctx *c, int boot, hp_service_limits *l)
{
    memset(l, 0, sizeof *l);
    l->boot = boot;
    uint32_t serves = boot ? 0 : hp_helper_serves(c);
    l->caps = hp_helper_caps(serves);
    l->acts_as_user = hp_helper_acts_as_user(serves);
    hp_helper_write_dirs(c, serves, boot, &l->rw);
}
