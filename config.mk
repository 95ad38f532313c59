# hostpriv build configuration (suckless/lz4 style): the user's flags are
# wrapped, never replaced.
# The version is the one of <hostpriv/hostpriv.h> (HOSTPRIV_VERSION_*), so
# the header an app compiles against and the library agree by construction.
VERSION   := $(shell sed -n 's/.*define HOSTPRIV_VERSION_STRING "\(.*\)"/\1/p' \
               core/include/hostpriv/hostpriv.h)
# libhostpriv.so.$(SOVERSION): bumped only when the ABI breaks (1: the
# prompt answers became HP_PROMPT_DECLINED 0 / HP_PROMPT_GRANTED 1, and
# only the functions of hostpriv.h are exported).
SOVERSION  = 1
PREFIX    ?= /usr/local
# Where `make install` puts the programs, and where the library looks for
# them when nothing tells it otherwise (core.cli_program and
# core.helper_program, hostpriv.ini(5)): the hostpriv CLI in BINDIR (the
# library elevates through it and a boot task runs it), hostprivd in
# HELPERDIR (the payload root copies to helper.path; nobody runs it from
# there).
BINDIR    ?= $(PREFIX)/bin
LIBEXECDIR?= $(PREFIX)/libexec
HELPERDIR ?= $(LIBEXECDIR)/hostpriv
LIBDIR    ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INCLUDEDIR?= $(PREFIX)/include
# Where installed programs (and an embedding app) read the system config:
# <host.root>$(SYSCONFDIR)/hostpriv, /etc as for system daemons whatever
# PREFIX is; a build-tree program reads <host.root>/etc/hostpriv
# (engine/programs.h).
SYSCONFDIR?= /etc
MANDIR    ?= $(PREFIX)/share/man
# shell completion goes under DATADIR (bash-completion, zsh, fish dirs)
DATADIR   ?= $(PREFIX)/share
PLUGINDIR ?= $(LIBDIR)/hostpriv/plugins
# the systemd units of packaging/systemd (templates, paths substituted)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR   ?=

CC        ?= cc
CFLAGS    ?= -O2 -g
PKG_CONFIG?= pkg-config
DEPS       = inih libffi jansson

# -Wno-format-truncation: messages are built with snprintf on purpose and
# a cut message is acceptable; the warning fires on every bounded buffer.
HP_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-format-truncation -fPIC \
             -Icore/include -Icore/lib \
             -DHP_VERSION=\"$(VERSION)\" -DHP_PLUGINDIR=\"$(PLUGINDIR)\" \
             -DHP_SYSCONFDIR=\"$(SYSCONFDIR)\" \
             -DHP_CLI_PROGRAM=\"$(BINDIR)/hostpriv\" \
             -DHP_HELPER_PROGRAM=\"$(HELPERDIR)/hostprivd\" \
             $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
HP_LIBS    = $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -ldl
# The programs take those three from their static archives (the -dev
# packages ship them): a short command such as `hostpriv hosts ensure`
# then maps only libc, which saves a quarter of its start (make bench,
# the proc and hosts parts).  The shared library keeps them shared.
# LINK_DEPS=shared links them shared, as a distribution package does, so a
# security update of one of them reaches the programs too (debian/rules).
LINK_DEPS ?= static
ifeq ($(LINK_DEPS),shared)
PROG_LIBS  = $(HP_LIBS)
else
PROG_LIBS  = -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) \
             -Wl,-Bdynamic -ldl
endif
# only the helper confines itself (capabilities, seccomp): the library and
# the other programs do not link these
HELPER_DEPS = libcap-ng libseccomp
HELPER_LIBS = $(shell $(PKG_CONFIG) --libs $(HELPER_DEPS) 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
