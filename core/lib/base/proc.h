/* Process helpers shared by the prompt runner and the service backend. */
#ifndef HP_PROC_H
#define HP_PROC_H
#include <sys/types.h>

/* pidfd_open(2) through syscall(2) (glibc 2.36 has no wrapper everywhere);
 * -1 with errno ENOSYS where the kernel or headers lack it, so callers
 * fall back to waitpid. */
int hp_pidfd_open(pid_t pid);
/* Close every descriptor from lowfd up, in a child about to exec: what the
 * parent holds (a helper connection, an event log) is no business of a
 * dialog command or a service. */
void hp_close_from(int lowfd);
/* 1 when prog is an executable regular file in a $PATH directory. */
int hp_in_path(const char *prog);
#endif
