/* The hardening a service file of hostpriv carries: the systemd options of
 * the helper's and the boot task's units, each kept or left out with its
 * reason in a comment of the unit itself, and what a launchd plist can
 * say.  service.c writes it into the file it renders; the copies in
 * packaging/ are that rendering (tests compare them). */
#ifndef HP_HARDEN_H
#define HP_HARDEN_H
#include <stdio.h>
#include "service.h"

/* The [Service] lines after ExecStart/Restart. */
void hp_harden_unit(FILE *out, const hp_service_limits *l);
/* The plist keys before </dict>. */
void hp_harden_plist(FILE *out, const hp_service_limits *l);
#endif
