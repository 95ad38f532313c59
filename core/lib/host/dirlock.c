/* Directory locks through a private lock file (dirlock.h says why). */
#include "dirlock.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int lock_wait_ms = 20000;

void hp_af_set_lock_wait(int ms)
{
    lock_wait_ms = ms < 0 ? 0 : ms;
}

/* Locks this process holds: one entry per fd handed out.  A nested lock
 * of a held directory gets a dup of the lock file's fd (flock(2) locks
 * belong to the open file description, which the dup shares); the last
 * unlock of a directory removes its lock file. */
static struct held {
    int fd;             /* handed to the caller */
    int dirfd;          /* O_PATH on the directory, for the unlink */
    dev_t dev;          /* the directory */
    ino_t ino;
} held[64];
static int nheld;
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the lock file's name in dirfd is still the inode fd has open. */
static int name_is(int dirfd, int fd)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 &&
           fstatat(dirfd, HP_DIRLOCK_NAME, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int lock_err(hp_err *e, int err, const char *what)
{
    hp_err_sys(e, HP_EFAIL, err, "%s the lock file %s", what,
               HP_DIRLOCK_NAME);
    return -1;
}

/* Open (creating) the lock file and check it is a private one of ours. */
static int open_lockfile(int dirfd, hp_err *e)
{
    int fd = openat(dirfd, HP_DIRLOCK_NAME,
                    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return lock_err(e, errno, "cannot create or open");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 077)) {
        close(fd);
        hp_err_set(e, HP_EDENIED, "refusing the lock file %s: it is not a "
                   "private file of this user (owner uid %u, mode %04o); "
                   "remove it if no hostpriv is running", HP_DIRLOCK_NAME,
                   (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return fd;
}

static int lock_fresh(int dirfd, hp_err *e)
{
    long waited = 0, step = 1, bound = lock_wait_ms;
    for (;;) {
        int fd = open_lockfile(dirfd, e);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if (name_is(dirfd, fd))
                return fd;
            close(fd);          /* its holder removed it: take the new one */
            continue;
        }
        int err = errno;
        close(fd);
        if (err != EWOULDBLOCK && err != EINTR)
            return lock_err(e, err, "cannot lock");
        if (waited >= bound) {
            hp_err_sys(e, HP_EFAIL, EBUSY, "the directory stayed locked by "
                       "another hostpriv process of this user for %ld ms; "
                       "try again when it is done", bound);
            return -1;
        }
        struct timespec ts = { 0, step * 1000000L };
        nanosleep(&ts, NULL);
        waited += step;
        step = step < 16 ? step * 2 : 16;
    }
}

static int held_dup(dev_t dev, ino_t ino)
{
    for (int i = 0; i < nheld; i++)
        if (held[i].dev == dev && held[i].ino == ino)
            return fcntl(held[i].fd, F_DUPFD_CLOEXEC, 0);
    return -1;
}

int hp_af_lock_dir(int dirfd, hp_err *e)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0) {
        hp_err_sys(e, HP_EFAIL, errno, "cannot stat the directory to lock");
        return -1;
    }
    pthread_mutex_lock(&held_mu);
    int fd = held_dup(st.st_dev, st.st_ino);
    pthread_mutex_unlock(&held_mu);
    int fresh = fd < 0;
    if (fresh && (fd = lock_fresh(dirfd, e)) < 0)
        return -1;
    int dfd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int err = dfd < 0 ? errno : EMFILE, tracked = 0;
    pthread_mutex_lock(&held_mu);
    if (dfd >= 0 && nheld < (int)(sizeof held / sizeof held[0])) {
        held[nheld++] = (struct held){ fd, dfd, st.st_dev, st.st_ino };
        tracked = 1;
    }
    pthread_mutex_unlock(&held_mu);
    if (!tracked) {             /* an untracked lock could not be shared */
        if (fresh && name_is(dirfd, fd))
            unlinkat(dirfd, HP_DIRLOCK_NAME, 0);
        if (dfd >= 0)
            close(dfd);
        close(fd);
        return lock_err(e, err, "too many locks to track for");
    }
    return fd;
}

/* Take fd's entry out; its directory, and whether it was the last. */
static int held_take(int fd, int *dirfd)
{
    int last = 1;
    *dirfd = -1;
    for (int i = 0; i < nheld; i++)
        if (held[i].fd == fd) {
            *dirfd = held[i].dirfd;
            dev_t dev = held[i].dev;
            ino_t ino = held[i].ino;
            held[i] = held[--nheld];
            for (int k = 0; k < nheld; k++)
                last &= !(held[k].dev == dev && held[k].ino == ino);
            break;
        }
    return last;
}

void hp_af_lock_drop_name(int lockfd)
{
    pthread_mutex_lock(&held_mu);
    for (int i = 0; i < nheld; i++)
        if (held[i].fd == lockfd && name_is(held[i].dirfd, lockfd))
            unlinkat(held[i].dirfd, HP_DIRLOCK_NAME, 0);
    pthread_mutex_unlock(&held_mu);
}

void hp_af_unlock(int lockfd)
{
    if (lockfd < 0)
        return;
    int dirfd;
    pthread_mutex_lock(&held_mu);
    int last = held_take(lockfd, &dirfd);
    /* removed while still locked, so a waiter never takes a file that is
     * about to go: it finds the name gone and opens a new one */
    if (last && dirfd >= 0 && name_is(dirfd, lockfd))
        unlinkat(dirfd, HP_DIRLOCK_NAME, 0);
    pthread_mutex_unlock(&held_mu);
    if (dirfd >= 0)
        close(dirfd);
    close(lockfd);
}

void hp_af_locks_forget(void)
{
    pthread_mutex_lock(&held_mu);
    nheld = 0;
    pthread_mutex_unlock(&held_mu);
}
