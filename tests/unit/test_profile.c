/* Shell-profile PATH editor: which file, the snippet (really run by sh and
 * bash with hostile homes and directories, SECURITY 14), the block
 * (idempotent, malformed markers refused, byte-identical removal) and the
 * file level run as the unprivileged test user through hp_as_user. */
#include "testutil.h"
#include "host/identity.h"
#include "host/profile.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char *fixture(const char *name, size_t *len)
{
    char p[PATH_MAX];
    const char *src = getenv("HP_SRC");
    snprintf(p, sizeof p, "%s/tests/unit/fixtures/profile/%s",
             src ? src : ".", name);
    FILE *f = fopen(p, "rb");
    ck_assert_msg(f != NULL, "fixture %s: %s", p, strerror(errno));
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static const char *SNIP = "export PATH=\"$HOME/.docker/bin:$PATH\"\n";

/* ---- which file, which lines --------------------------------------- */

START_TEST(file_per_shell)
{
    char root[PATH_MAX];
    tu_sandbox(root, sizeof root);
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_str_eq(hp_profile_file(fd, "zsh"), ".zprofile");
    ck_assert_str_eq(hp_profile_file(fd, "/bin/zsh"), ".zprofile");
    ck_assert_str_eq(hp_profile_file(fd, "-zsh"), ".zprofile");
    ck_assert_str_eq(hp_profile_file(fd, "/usr/local/bin/fish"),
                     ".config/fish/config.fish");
    ck_assert_str_eq(hp_profile_file(fd, "/bin/bash"), ".profile");
    tu_write(root, "/.bash_profile", "", 0, 0644, 0, 0);
    ck_assert_str_eq(hp_profile_file(fd, "/bin/bash"), ".bash_profile");
    ck_assert_str_eq(hp_profile_file(fd, "bash"), ".bash_profile");
    ck_assert_str_eq(hp_profile_file(fd, "/bin/sh"), ".profile");
    ck_assert_str_eq(hp_profile_file(fd, "/bin/tcsh"), ".profile");
    ck_assert_str_eq(hp_profile_file(fd, "/bin/zshx"), ".profile");
    ck_assert_str_eq(hp_profile_file(fd, ""), ".profile");
    ck_assert_str_eq(hp_profile_file(fd, NULL), ".profile");
    ck_assert_str_eq(hp_profile_file(-1, "bash"), ".profile");
    close(fd);
    tu_sandbox_rm(root);
}
END_TEST

START_TEST(snippet_text)
{
    char s[512];
    ck_assert_int_eq(hp_profile_snippet("/bin/zsh", "$HOME/.docker/bin", s,
                                        sizeof s), HP_OK);
    ck_assert_str_eq(s, "export PATH=\"$HOME/.docker/bin:$PATH\"\n");
    ck_assert_int_eq(hp_profile_snippet("/usr/bin/fish", "$HOME/.docker/bin",
                                        s, sizeof s), HP_OK);
    ck_assert_str_eq(s, "set -gx PATH $HOME/.docker/bin $PATH\n");
    ck_assert_int_eq(hp_profile_snippet("bash", "/opt/docker/bin", s,
                                        sizeof s), HP_OK);
    ck_assert_str_eq(s, "export PATH=\"/opt/docker/bin:$PATH\"\n");
    ck_assert_int_eq(hp_profile_snippet("sh", "/opt/my tools/bin", s,
                                        sizeof s), HP_OK);
    ck_assert_str_eq(s, "export PATH='/opt/my tools/bin'\":$PATH\"\n");
    ck_assert_int_eq(hp_profile_snippet("fish", "$HOME/it's bin", s,
                                        sizeof s), HP_OK);
    ck_assert_str_eq(s, "set -gx PATH \"$HOME\"'/it\\'s bin' $PATH\n");
    /* refused: line injection, PATH's separator, relative, empty, small */
    const char *bad[] = { "/opt/a\nexport EVIL=1", "/opt/a\r", "/opt/a\tb",
                          "/opt/a:/evil", "relative/bin", "", "~/bin" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(hp_profile_snippet("zsh", bad[i], s, sizeof s) ==
                      HP_EUSAGE, "accepted #%zu", i);
    ck_assert_int_eq(hp_profile_snippet("zsh", "$HOME/.docker/bin", s, 10),
                     HP_EUSAGE);
}
END_TEST

/* Run the snippet in a real shell with HOME set to home and PATH to
 * /usr/bin:/bin; returns the resulting PATH. */
static char *run_snippet(const char *shell, const char *snip,
                         const char *home)
{
    char dir[PATH_MAX], file[PATH_MAX + 8];
    tu_sandbox(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/snip", dir);
    FILE *f = fopen(file, "w");
    fputs(snip, f);
    fclose(f);
    const char *argv[] = { shell, "-c",
        "HOME=$1; PATH=/usr/bin:/bin; cd \"$3\" && . \"$2\" && "
        "printf '%s' \"$PATH\"", "sh", home, file, dir, NULL };
    char *out = NULL, *err = NULL;
    int st = tu_run((uid_t)-1, (gid_t)-1, argv, NULL, &out, &err);
    ck_assert_msg(st == 0, "%s: exit %d: %s", shell, st, err);
    /* no command substitution ran: nothing was created next to it */
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        ck_assert_msg(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                      !strcmp(de->d_name, "snip"), "%s ran code: %s", shell,
                      de->d_name);
    closedir(d);
    free(err);
    tu_sandbox_rm(dir);
    return out;
}

START_TEST(snippet_runs_safely)
{
    const char *shells[] = { "/bin/sh", "/bin/bash" };
    const char *homes[] = { "/home/me", "/home/a b", "/home/x\ny",
                            "/home/q'\"$(touch PWNED)`touch PWNED2`;x" };
    struct { const char *bindir, *want_tail; } dirs[] = {
        { "$HOME/.docker/bin", NULL },
        { "/opt/my tools/bin", "/opt/my tools/bin" },
        { "/opt/it's/$(touch PWNED)/`touch X`/\"q\"", 
          "/opt/it's/$(touch PWNED)/`touch X`/\"q\"" },
        { "$HOME/sp ace/$(touch PWNED)", NULL },
    };
    for (size_t s = 0; s < 2; s++)
        for (size_t h = 0; h < 4; h++)
            for (size_t d = 0; d < 4; d++) {
                char snip[1024], want[1024];
                ck_assert_int_eq(hp_profile_snippet(shells[s], dirs[d].bindir,
                                                    snip, sizeof snip),
                                 HP_OK);
                if (dirs[d].want_tail)
                    snprintf(want, sizeof want, "%s:/usr/bin:/bin",
                             dirs[d].want_tail);
                else
                    snprintf(want, sizeof want, "%s%s:/usr/bin:/bin",
                             homes[h], dirs[d].bindir + 5);
                char *got = run_snippet(shells[s], snip, homes[h]);
                ck_assert_msg(!strcmp(got, want), "%s home#%zu dir#%zu: "
                              "PATH '%s', want '%s'", shells[s], h, d, got,
                              want);
                free(got);
            }
}
END_TEST

/* ---- the block ----------------------------------------------------- */

static char *add_ok(const char *t, size_t len, const char *snip, size_t *n)
{
    hp_err e = HP_ERR_INIT;
    char *out = NULL;
    ck_assert_msg(hp_profile_add(t, len, snip, &out, n, &e) == HP_OK, "%s",
                  e.msg);
    return out;
}

#define BLOCK(s) HP_PROFILE_BEGIN "\n" s HP_PROFILE_END

START_TEST(add_shapes)
{
    size_t n;
    char *o = add_ok("", 0, SNIP, &n);
    ck_assert_str_eq(o, BLOCK("export PATH=\"$HOME/.docker/bin:$PATH\"\n")
                     "\n");
    free(o);
    o = add_ok("a=1\n", 4, SNIP, &n);
    ck_assert_str_eq(o, "a=1\n" BLOCK("export PATH=\"$HOME/.docker/bin:"
                     "$PATH\"\n") "\n");
    free(o);
    o = add_ok("a=1", 3, SNIP, &n);     /* separator ours, end unterminated */
    ck_assert_str_eq(o, "a=1\n" BLOCK("export PATH=\"$HOME/.docker/bin:"
                     "$PATH\"\n"));
    free(o);
    /* shells read \r as part of a word: our lines are LF even in CRLF */
    o = add_ok("a=1\r\n", 5, SNIP, &n);
    ck_assert_str_eq(o, "a=1\r\n" BLOCK("export PATH=\"$HOME/.docker/bin:"
                     "$PATH\"\n") "\n");
    free(o);
}
END_TEST

START_TEST(add_idempotent_and_updates)
{
    size_t n, n2;
    const char *t = "x\n";
    char *o = add_ok(t, 2, SNIP, &n);
    ck_assert_ptr_null(add_ok(o, n, SNIP, &n2));
    ck_assert_uint_eq(n2, 0);
    /* a different bindir replaces the block's lines in place */
    const char *other = "export PATH=\"/opt/d/bin:$PATH\"\n";
    char *o2 = add_ok(o, n, other, &n2);
    ck_assert_str_eq(o2, "x\n" BLOCK("export PATH=\"/opt/d/bin:$PATH\"\n")
                     "\n");
    hp_err e = HP_ERR_INIT;
    char *back;
    ck_assert_int_eq(hp_profile_remove(o2, n2, &back, &n, &e), HP_OK);
    ck_assert_str_eq(back, "x\n");
    free(back);
    ck_assert_int_eq(hp_profile_remove(t, 2, &back, &n, &e), HP_OK);
    ck_assert_ptr_null(back);
    free(o);
    free(o2);
}
END_TEST

START_TEST(bad_markers_and_snippets)
{
    const char *names[] = { "bad-missing-end", "bad-reversed",
                            "bad-duplicated" };
    for (size_t i = 0; i < 3; i++) {
        size_t len, n = 5;
        char *t = fixture(names[i], &len), *o = (char *)1;
        hp_err e = HP_ERR_INIT;
        ck_assert_int_eq(hp_profile_add(t, len, SNIP, &o, &n, &e), HP_EFAIL);
        ck_assert_ptr_null(o);
        ck_assert_msg(strstr(e.msg, "by hand"), "%s", e.msg);
        o = (char *)1;
        ck_assert_int_eq(hp_profile_remove(t, len, &o, &n, &e), HP_EFAIL);
        ck_assert_ptr_null(o);
        free(t);
    }
    /* a snippet that could end the block early, or is not lines */
    const char *bad[] = { "x\n" HP_PROFILE_END "\nevil\n", "no newline",
                          "", "a\r\n" };
    for (size_t i = 0; i < 4; i++) {
        char *o = (char *)1;
        size_t n;
        hp_err e = HP_ERR_INIT;
        ck_assert_int_eq(hp_profile_add("a\n", 2, bad[i], &o, &n, &e),
                         HP_EUSAGE);
        ck_assert_ptr_null(o);
    }
}
END_TEST

START_TEST(fixtures_round_trip)
{
    const char *names[] = { "plain", "no-final-newline", "crlf", "empty",
                            "other-blocks", "cr-ending" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t len, n1, n2;
        char *t = fixture(names[i], &len);
        char *o = add_ok(t, len, SNIP, &n1);
        ck_assert_msg(o && n1 > len && !memcmp(o, t, len), "%s", names[i]);
        hp_err e = HP_ERR_INIT;
        char *back;
        ck_assert_int_eq(hp_profile_remove(o, n1, &back, &n2, &e), HP_OK);
        ck_assert_msg(n2 == len && !memcmp(back, t, len),
                      "%s: not byte-identical", names[i]);
        free(t);
        free(o);
        free(back);
    }
    const char nul[] = "a\0b\nc";
    size_t n1, n2;
    char *o = add_ok(nul, sizeof nul - 1, SNIP, &n1), *back;
    hp_err e = HP_ERR_INIT;
    ck_assert_int_eq(hp_profile_remove(o, n1, &back, &n2, &e), HP_OK);
    ck_assert(n2 == sizeof nul - 1 && !memcmp(back, nul, n2));
    free(o);
    free(back);
}
END_TEST

/* ---- file level, as the user --------------------------------------- */

static char root[PATH_MAX];
static int rootfd = -1;
static uid_t uid;
static gid_t gid;
static const char *HOME_ = "/home/hp user";

static void sb_setup(void)
{
    rootfd = tu_home_sandbox(root, sizeof root, HOME_, &uid, &gid);
}

static void sb_teardown(void)
{
    close(rootfd);
    tu_sandbox_rm(root);
}

/* Arguments and results live in shared memory: hp_as_user runs the call
 * in a child. */
struct call {
    const char *home, *shell, *bindir, *file;
    int remove, check, has, changed, rc;
    char out[PATH_MAX], msg[768];
};

static int do_call(void *arg, hp_err *e)
{
    struct call *c = arg;
    c->rc = c->check
        ? hp_profile_check_file(rootfd, c->home, c->shell, c->bindir, &c->has,
                                e)
        : c->remove
        ? hp_profile_remove_file(rootfd, c->home, c->file, &c->changed, e)
        : hp_profile_ensure_file(rootfd, c->home, c->shell, c->bindir,
                                 c->out, sizeof c->out, &c->changed, e);
    snprintf(c->msg, sizeof c->msg, "%s", e->msg);
    return c->rc;
}

static struct call *shared_call(void)
{
    struct call *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(c != MAP_FAILED);
    memset(c, 0, sizeof *c);
    return c;
}

static int ensure_as_user(struct call *c, const char *home, const char *shell,
                          const char *bindir)
{
    hp_err e = HP_ERR_INIT;
    c->home = home;
    c->shell = shell;
    c->bindir = bindir;
    c->remove = 0;
    c->check = 0;
    c->changed = -1;
    return hp_as_user(uid, gid, do_call, c, &e);
}

static int remove_as_user(struct call *c, const char *home, const char *file)
{
    hp_err e = HP_ERR_INIT;
    c->home = home;
    c->file = file;
    c->remove = 1;
    c->check = 0;
    c->changed = -1;
    return hp_as_user(uid, gid, do_call, c, &e);
}

/* *has from hp_profile_check_file, -1 when it failed. */
static int has_as_user(struct call *c, const char *shell, const char *bindir)
{
    hp_err e = HP_ERR_INIT;
    c->home = HOME_;
    c->shell = shell;
    c->bindir = bindir;
    c->check = 1;
    c->has = -1;
    int rc = hp_as_user(uid, gid, do_call, c, &e);
    return rc == HP_OK ? c->has : -1;
}

static struct stat st_of(const char *hpath)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", root, hpath);
    ck_assert_msg(lstat(p, &st) == 0, "%s: %s", p, strerror(errno));
    return st;
}

START_TEST(zsh_create_idempotent_remove)
{
    struct call *c = shared_call();
    char bindir[PATH_MAX];
    snprintf(bindir, sizeof bindir, "%s/.docker/bin", HOME_);
    ck_assert_msg(ensure_as_user(c, HOME_, "/bin/zsh", bindir) == HP_OK,
                  "%s", c->msg);
    ck_assert_int_eq(c->changed, 1);
    ck_assert_str_eq(c->out, "/home/hp user/.zprofile");
    struct stat st = st_of("/home/hp user/.zprofile");
    ck_assert_uint_eq(st.st_uid, uid);
    ck_assert_uint_eq(st.st_mode & 07777, 0644);
    size_t n;
    char *t = tu_read(root, "/home/hp user/.zprofile", &n);
    ck_assert_str_eq(t, BLOCK("export PATH=\"$HOME/.docker/bin:$PATH\"\n")
                     "\n");
    free(t);
    /* again: nothing written */
    ck_assert_int_eq(ensure_as_user(c, HOME_, "/bin/zsh", bindir), HP_OK);
    ck_assert_int_eq(c->changed, 0);
    struct stat st2 = st_of("/home/hp user/.zprofile");
    ck_assert_uint_eq(st2.st_ino, st.st_ino);
    ck_assert_int_eq(st2.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
    ck_assert_int_eq(remove_as_user(c, HOME_, "/home/hp user/.zprofile"),
                     HP_OK);
    ck_assert_int_eq(c->changed, 1);
    t = tu_read(root, "/home/hp user/.zprofile", &n);
    ck_assert_uint_eq(n, 0);
    free(t);
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(existing_files_byte_identical)
{
    const char *names[] = { "plain", "no-final-newline", "crlf",
                            "other-blocks" };
    struct call *c = shared_call();
    for (size_t i = 0; i < 4; i++) {
        size_t len, n;
        char *t = fixture(names[i], &len);
        tu_write(root, "/home/hp user/.bash_profile", t, len, 0600, uid, gid);
        ck_assert_msg(ensure_as_user(c, HOME_, "/bin/bash",
                                     "/home/hp user/.docker/bin") == HP_OK,
                      "%s", c->msg);
        ck_assert_str_eq(c->out, "/home/hp user/.bash_profile");
        ck_assert_uint_eq(st_of(c->out).st_mode & 07777, 0600);
        char *now = tu_read(root, c->out, &n);
        ck_assert_ptr_nonnull(strstr(now, "$HOME/.docker/bin"));
        free(now);
        ck_assert_int_eq(remove_as_user(c, HOME_, c->out), HP_OK);
        now = tu_read(root, "/home/hp user/.bash_profile", &n);
        ck_assert_msg(n == len && !memcmp(now, t, len), "%s differs",
                      names[i]);
        free(now);
        free(t);
    }
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(fish_dirs_made_as_user)
{
    struct call *c = shared_call();
    ck_assert_msg(ensure_as_user(c, HOME_, "/usr/bin/fish",
                                 "/home/hp user/.docker/bin") == HP_OK,
                  "%s", c->msg);
    ck_assert_str_eq(c->out, "/home/hp user/.config/fish/config.fish");
    struct stat d1 = st_of("/home/hp user/.config"),
                d2 = st_of("/home/hp user/.config/fish"),
                f = st_of(c->out);
    ck_assert(d1.st_uid == uid && d2.st_uid == uid && f.st_uid == uid);
    ck_assert_uint_eq(d2.st_mode & 07777, 0755);
    size_t n;
    char *t = tu_read(root, c->out, &n);
    ck_assert_ptr_nonnull(strstr(t, "\nset -gx PATH $HOME/.docker/bin "
                                    "$PATH\n"));
    free(t);
    /* removing from a fish config that does not exist: nothing to do */
    ck_assert_int_eq(remove_as_user(c, HOME_, "/home/hp user/.config/none/"
                                    "config.fish"), HP_OK);
    ck_assert_int_eq(c->changed, 0);
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(home_with_newline_never_written)
{
    const char *home = "/home/evil\nexport X=1 # ";
    tu_mkdir(root, home, 0755, uid, gid);
    struct call *c = shared_call();
    char bindir[PATH_MAX];
    snprintf(bindir, sizeof bindir, "%s/.docker/bin", home);
    ck_assert_msg(ensure_as_user(c, home, "zsh", bindir) == HP_OK, "%s",
                  c->msg);
    size_t n;
    char *t = tu_read(root, c->out, &n);
    ck_assert_ptr_null(strstr(t, "evil"));
    ck_assert_ptr_null(strstr(t, "export X"));
    free(t);
    /* a bindir outside home with a newline is refused, nothing written */
    ck_assert_int_eq(remove_as_user(c, home, c->out), HP_OK);
    struct stat st = st_of(c->out);
    ck_assert_int_eq(ensure_as_user(c, home, "zsh", "/opt/x\nexport Y=1"),
                     HP_EUSAGE);
    ck_assert_int_eq(c->changed, 0);
    struct stat st2 = st_of(c->out);
    ck_assert_uint_eq(st2.st_ino, st.st_ino);
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(root_refuses_user_home)
{
    hp_err e = HP_ERR_INIT;
    char out[PATH_MAX];
    int ch = 7;
    ck_assert_int_eq(hp_profile_ensure_file(rootfd, HOME_, "zsh",
                                            "/home/hp user/.docker/bin", out,
                                            sizeof out, &ch, &e),
                     HP_EINTERNAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "hp_as_user"));
    ck_assert_int_eq(ch, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s/.zprofile", root, HOME_);
    ck_assert_int_ne(access(p, F_OK), 0);
    /* fish: not even the directories */
    ck_assert_int_eq(hp_profile_ensure_file(rootfd, HOME_, "fish",
                                            "/home/hp user/.docker/bin", out,
                                            sizeof out, &ch, &e),
                     HP_EINTERNAL);
    snprintf(p, sizeof p, "%s%s/.config", root, HOME_);
    ck_assert_int_ne(access(p, F_OK), 0);
    tu_write(root, "/home/hp user/.profile", "a\n", 2, 0644, uid, gid);
    ck_assert_int_eq(hp_profile_remove_file(rootfd, HOME_,
                                            "/home/hp user/.profile", &ch,
                                            &e), HP_EINTERNAL);
}
END_TEST

START_TEST(remove_only_inside_home)
{
    struct call *c = shared_call();
    const char *bad[] = { "/etc/passwd", "/home/hp user/../other/.profile",
                          "/home/hp userx/.profile", "/home/hp user/..",
                          "/home/hp user/./.profile", "/home/hp user" };
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(remove_as_user(c, HOME_, bad[i]), HP_EUSAGE);
        ck_assert_int_eq(c->changed, 0);
    }
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(bad_markers_on_disk)
{
    size_t len, n;
    char *t = fixture("bad-reversed", &len);
    tu_write(root, "/home/hp user/.zprofile", t, len, 0644, uid, gid);
    struct stat st = st_of("/home/hp user/.zprofile");
    struct call *c = shared_call();
    ck_assert_int_eq(ensure_as_user(c, HOME_, "zsh",
                                    "/home/hp user/.docker/bin"), HP_EFAIL);
    ck_assert_int_eq(remove_as_user(c, HOME_, "/home/hp user/.zprofile"),
                     HP_EFAIL);
    char *now = tu_read(root, "/home/hp user/.zprofile", &n);
    ck_assert(n == len && !memcmp(now, t, len));
    ck_assert_uint_eq(st_of("/home/hp user/.zprofile").st_ino, st.st_ino);
    free(now);
    free(t);
    munmap(c, sizeof *c);
}
END_TEST

/* "On PATH" only when our block for that very directory is in the
 * profile the edit would use: not before, not after removal, not for
 * another directory, not when the profile cannot be read. */
START_TEST(check_says_on_path_only_when_it_is)
{
    struct call *c = shared_call();
    const char *bin = "/home/hp user/.docker/bin";
    ck_assert_int_eq(has_as_user(c, "zsh", bin), 0);        /* no file */
    ck_assert_int_eq(ensure_as_user(c, HOME_, "zsh", bin), HP_OK);
    ck_assert_int_eq(has_as_user(c, "zsh", bin), 1);
    ck_assert_int_eq(has_as_user(c, "zsh", "/opt/other/bin"), 0);
    ck_assert_int_eq(has_as_user(c, "fish", bin), 0);   /* another file */
    ck_assert_int_eq(remove_as_user(c, HOME_, "/home/hp user/.zprofile"),
                     HP_OK);
    ck_assert_int_eq(has_as_user(c, "zsh", bin), 0);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/home/hp user/.zprofile", root);
    ck_assert_int_eq(unlink(p), 0);
    tu_mkdir(root, "/home/hp user/.zprofile", 0755, uid, gid);
    ck_assert_int_eq(has_as_user(c, "zsh", bin), -1);   /* cannot be read */
    ck_assert_int_ne(ensure_as_user(c, HOME_, "zsh", bin), HP_OK);
    munmap(c, sizeof *c);
}
END_TEST

START_TEST(symlinked_dotfile)
{
    /* ~/.zprofile -> dotfiles/zprofile (stow): the target is edited and
     * the link stays; someone else's link is not followed */
    tu_mkdir(root, "/home/hp user/dotfiles", 0755, uid, gid);
    tu_write(root, "/home/hp user/dotfiles/zprofile", "a=1\n", 4, 0644, uid,
             gid);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/home/hp user/.zprofile", root);
    ck_assert_int_eq(symlink("dotfiles/zprofile", p), 0);
    ck_assert_int_eq(lchown(p, uid, gid), 0);
    struct call *c = shared_call();
    ck_assert_msg(ensure_as_user(c, HOME_, "zsh",
                                 "/home/hp user/.docker/bin") == HP_OK, "%s",
                  c->msg);
    ck_assert(S_ISLNK(st_of("/home/hp user/.zprofile").st_mode));
    size_t n;
    char *t = tu_read(root, "/home/hp user/dotfiles/zprofile", &n);
    ck_assert_ptr_nonnull(strstr(t, HP_PROFILE_BEGIN));
    free(t);
    ck_assert_int_eq(remove_as_user(c, HOME_, "/home/hp user/.zprofile"),
                     HP_OK);
    t = tu_read(root, "/home/hp user/dotfiles/zprofile", &n);
    ck_assert_str_eq(t, "a=1\n");
    free(t);
    ck_assert_int_eq(lchown(p, 0, 0), 0);
    ck_assert_int_eq(ensure_as_user(c, HOME_, "zsh",
                                    "/home/hp user/.docker/bin"), HP_EFAIL);
    ck_assert_ptr_nonnull(strstr(c->msg, "symlink"));
    t = tu_read(root, "/home/hp user/dotfiles/zprofile", &n);
    ck_assert_str_eq(t, "a=1\n");
    free(t);
    munmap(c, sizeof *c);
}
END_TEST

Suite *make_profile_suite(void)
{
    Suite *s = suite_create("profile");
    TCase *t = tcase_create("snippet");
    tcase_add_test(t, file_per_shell);
    tcase_add_test(t, snippet_text);
    tcase_add_test(t, snippet_runs_safely);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);

    t = tcase_create("block");
    tcase_add_test(t, add_shapes);
    tcase_add_test(t, add_idempotent_and_updates);
    tcase_add_test(t, bad_markers_and_snippets);
    tcase_add_test(t, fixtures_round_trip);
    suite_add_tcase(s, t);

    t = tcase_create("file");
    tcase_add_checked_fixture(t, sb_setup, sb_teardown);
    tcase_add_test(t, zsh_create_idempotent_remove);
    tcase_add_test(t, existing_files_byte_identical);
    tcase_add_test(t, fish_dirs_made_as_user);
    tcase_add_test(t, home_with_newline_never_written);
    tcase_add_test(t, root_refuses_user_home);
    tcase_add_test(t, remove_only_inside_home);
    tcase_add_test(t, bad_markers_on_disk);
    tcase_add_test(t, symlinked_dotfile);
    tcase_add_test(t, check_says_on_path_only_when_it_is);
    tcase_set_timeout(t, 30);
    suite_add_tcase(s, t);
    return s;
}
