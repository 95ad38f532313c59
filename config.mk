# hostpriv build configuration (suckless/lz4 style): the user's flags are
# wrapped, never replaced.
VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR?= $(PREFIX)/include
# the system config is read from <root>/etc/hostpriv (docs/REFERENCE.md), so /etc
SYSCONFDIR?= /etc
MANDIR    ?= $(PREFIX)/share/man
PLUGINDIR ?= $(LIBDIR)/hostpriv/plugins
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
             $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
HP_LIBS    = $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -ldl
# The programs take those three from their static archives (the -dev
# packages ship them): a short command such as `hostpriv hosts ensure`
# then maps only libc, which saves a quarter of its start (make bench,
# the proc and hosts parts).  The shared library keeps them shared.
PROG_LIBS  = -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) \
             -Wl,-Bdynamic -ldl
# only the helper confines itself (capabilities, seccomp): the library and
# the other programs do not link these
HELPER_DEPS = libcap-ng libseccomp
HELPER_LIBS = $(shell $(PKG_CONFIG) --libs $(HELPER_DEPS) 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
