# hostpriv: one Makefile, sources found by wildcard so each module is one
# file that nobody has to register by hand.
include config.mk

BUILD   ?= build
OBJ      = $(BUILD)/obj
SAN     ?=
ifneq ($(SAN),)
HP_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN     = -fsanitize=address,undefined
endif

# core/lib/ is one folder per layer (docs/ARCHITECTURE.md); scripts/layers
# checks that each includes only the ones below it.
CORE_SRC    = $(wildcard core/lib/*/*.c)
CORE_OBJ    = $(CORE_SRC:%.c=$(OBJ)/%.o)
CLI_SRC     = $(wildcard core/cmd/hostpriv/*.c)
HELPER_SRC  = $(wildcard core/cmd/hostprivd/*.c)
RIG_SRC     = $(wildcard core/cmd/rig/*.c)
# plugins/common/ holds code shared by plugins (compiled into each that
# includes it), not a plugin itself.
PLUGINS     = $(filter-out common,$(notdir $(wildcard plugins/*)))
PLUGIN_COMMON = $(wildcard plugins/common/*.c)
PLUGIN_SO   = $(PLUGINS:%=$(BUILD)/plugins/%.so)
TEST_SRC    = $(wildcard tests/unit/*.c)
TPLUG_SRC   = $(wildcard tests/unit/plugins/*.c)
TPLUG_SO    = $(TPLUG_SRC:tests/unit/plugins/%.c=$(BUILD)/tests/plugins/%.so)
BENCH_SRC   = $(wildcard tests/bench/*.c)
BENCH_BIN   = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)

# where make install puts the shell completion (packaging/completion/)
BASHCOMPDIR = $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  = $(DATADIR)/zsh/site-functions
FISHCOMPDIR = $(DATADIR)/fish/vendor_completions.d

LIBSO   = $(BUILD)/lib/libhostpriv.so
LIBA    = $(BUILD)/lib/libhostpriv.a
LIBPC   = $(BUILD)/lib/pkgconfig/hostpriv.pc
BINS    = $(BUILD)/bin/hostpriv $(BUILD)/bin/hostprivd $(BUILD)/bin/hostpriv-rig

.PHONY: all check check-layers check-coverage check-unit check-fuzz check-scenarios check-exports check-embed asan valgrind stress bench demo fuzz fuzz-build install uninstall clean deps test-user FORCE
all: $(LIBSO) $(LIBA) $(LIBPC) $(BINS) $(PLUGIN_SO)

$(OBJ)/%.o: %.c $(BUILD)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(HP_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# libhostpriv.so exports exactly the functions hostpriv.h marks HP_API
# (make check-exports); the programs and tests link libhostpriv.a, where
# every internal stays reachable.
$(OBJ)/core/lib/%.o: HP_CFLAGS += -fvisibility=hidden

# The install paths compiled in (config.mk) and the flags: everything is
# rebuilt when they change, so `make install PREFIX=/usr` after `make`
# does not ship a library that looks for its programs under /usr/local.
CORE_FLAGS = $(subst ','',$(HP_CFLAGS) -fvisibility=hidden $(CFLAGS) $(LIBDIR) $(INCLUDEDIR) LINK_DEPS=$(LINK_DEPS))
$(BUILD)/flags.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CORE_FLAGS)' | cmp -s - $@ 2>/dev/null || echo '$(CORE_FLAGS)' > $@

$(LIBSO): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libhostpriv.so.$(SOVERSION) $(LDFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS)

# pkg-config: `pkg-config --cflags --libs hostpriv`; --static adds what
# libhostpriv.a needs (Libs.private).
$(LIBPC): packaging/pkgconfig/hostpriv.pc.in $(BUILD)/flags.stamp
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@.tmp
	mv $@.tmp $@

$(LIBA): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Programs link the core statically: the installed helper must work from
# helper.path alone, with no library search path to trust.
$(BUILD)/bin/hostpriv: $(CLI_SRC:%.c=$(OBJ)/%.o) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(PROG_LIBS)
$(BUILD)/bin/hostprivd: $(HELPER_SRC:%.c=$(OBJ)/%.o) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(PROG_LIBS) $(HELPER_LIBS)
$(BUILD)/bin/hostpriv-rig: $(RIG_SRC:%.c=$(OBJ)/%.o) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(PROG_LIBS)

# Plugins export exactly one symbol, their descriptor.
$(OBJ)/plugins/%.o: HP_CFLAGS += -fvisibility=hidden

# Plugins link against nothing of the core: everything comes through the
# host-services table.
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(addprefix $(OBJ)/,$$(subst .c,.o,$$(wildcard plugins/$$*/*.c) $(PLUGIN_COMMON)))
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) $(LDSAN) -o $@ $^

$(BUILD)/tests/plugins/%.so: $(OBJ)/tests/unit/plugins/%.o
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) $(LDSAN) -o $@ $^

# One Check runner: every tests/unit/*.c defines make_<module>_suite(); the
# main is generated so adding a suite is adding a file.
$(BUILD)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	grep -ho 'Suite \*make_[a-z0-9_]*_suite' $(TEST_SRC) | sed 's/Suite \*//' | sort -u | \
	  awk '{printf "HP_SUITE(%s)\n", $$1}' > $@.tmp && mv $@.tmp $@
$(OBJ)/tests/main/check_main.o: tests/main/check_main.c $(BUILD)/tests/suites.h
	@mkdir -p $(dir $@)
	$(CC) $(HP_CFLAGS) -I$(BUILD)/tests $(CFLAGS) -c $< -o $@
$(BUILD)/tests/check_hostpriv: $(TEST_SRC:%.c=$(OBJ)/%.o) $(OBJ)/tests/main/check_main.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS) $(CHECK_LIBS)

$(BUILD)/tests/bench/%: tests/bench/%.c tests/bench/benchrow.h $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(HP_CFLAGS) $(CFLAGS) -o $@ $(filter-out %.h,$^) $(HP_LIBS)

# Fuzzing (tests/fuzz/README.md): one libFuzzer harness per
# tests/fuzz/fuzz_NAME.c, its seeds in tests/fuzz/corpus/NAME.  Where
# libFuzzer is absent each harness is linked with tests/fuzz/replay.c (a
# main that feeds it every corpus file, sudo's fuzzstub) and run by
# `make check` (check-fuzz), under the sanitizers by `make asan` and under
# memcheck by `make valgrind`.  `make fuzz` builds the harnesses with clang
# into build-fuzz/ (the library too, instrumented) and runs each for
# FUZZ_SECONDS (60; 0: build only), then prints runs, coverage and
# findings (scripts/fuzz).
FUZZ_NAMES  = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN  = $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
FUZZ_SECONDS ?= 60
FUZZ        ?=
ifneq ($(FUZZ),)
# clang: coverage for libFuzzer in every object, ASan/UBSan stop at the
# first error (a finding); gcc's warning options clang does not know are
# not an error.
HP_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer -Wno-unknown-warning-option
endif

$(BUILD)/tests/fuzz/replay_%: $(OBJ)/tests/fuzz/fuzz_%.o $(OBJ)/tests/fuzz/replay.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS)
$(BUILD)/fuzz/fuzz_%: $(OBJ)/tests/fuzz/fuzz_%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $^ $(HP_LIBS)

# The daemon code logs what it refuses: its stderr is shown on a failure.
check-fuzz: all $(REPLAY_BIN)
	@for n in $(FUZZ_NAMES); do \
	  $(BUILD)/tests/fuzz/replay_$$n tests/fuzz/corpus/$$n \
	    2>$(BUILD)/tests/fuzz/replay_$$n.log || \
	    { cat $(BUILD)/tests/fuzz/replay_$$n.log; exit 1; }; done

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
fuzz:
	@scripts/install-deps fuzz
	$(MAKE) BUILD=build-fuzz FUZZ=1 CC=clang CFLAGS="-O1 -g" fuzz-build
	scripts/fuzz build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

deps:
	@scripts/install-deps
test-user:
	@scripts/test-user

check: deps
	$(MAKE) all
	@scripts/test-user
	$(MAKE) check-layers
	$(MAKE) check-completion
	$(MAKE) check-install
	$(MAKE) check-maintscripts
	$(MAKE) check-macos
	$(MAKE) check-packages
	$(MAKE) check-coverage
	$(MAKE) check-exports
	$(MAKE) check-unit
	$(MAKE) check-fuzz
	$(MAKE) check-embed
	$(MAKE) check-scenarios

# libhostpriv.so exports exactly what the installed headers declare, and
# the check catches what it is for (tests/exports/run plants an extra
# export and a declaration without one).
check-exports: all
	scripts/check-exports $(LIBSO) core/include
	tests/exports/run $(LIBSO) $(LIBA)

# tests/embed: a small app built only against a `make install DESTDIR=`
# stage (its header and pkg-config), run as the test user in a sandbox.
check-embed: all
	BINDIR=$(BINDIR) LIBDIR=$(LIBDIR) PKGCONFIGDIR=$(PKGCONFIGDIR) \
	  INCLUDEDIR=$(INCLUDEDIR) PLUGINDIR=$(PLUGINDIR) tests/embed/run $(BUILD)

# Layers call down only (scripts/layers), and the check catches what it is
# for (tests/layers/run plants each kind of violation in a copy).
check-layers: all
	scripts/layers --objects $(OBJ)/core/lib
	tests/layers/run $(OBJ)/core/lib

# The completion scripts as make install puts them: they parse (bash -n,
# zsh -n, fish -n) and complete (tests/completion/run).
.PHONY: check-completion
check-completion: all
	@rm -rf $(BUILD)/completion-install
	$(MAKE) install DESTDIR=$(abspath $(BUILD))/completion-install >/dev/null
	tests/completion/run $(BUILD)/bin/hostpriv $(BUILD)/completion-install$(DATADIR)
	@rm -rf $(BUILD)/completion-install

# Every threat of docs/THREATS.md maps to tests that exist
# (tests/SECURITY-COVERAGE.md), and the check catches a gap
# (tests/coverage/run plants each kind in a copy).
check-coverage:
	scripts/security-coverage
	tests/coverage/run

check-unit: all $(BUILD)/tests/check_hostpriv $(TPLUG_SO)
	HP_BUILD=$(abspath $(BUILD)) HP_SRC=$(CURDIR) $(BUILD)/tests/check_hostpriv

# The scenarios run in parallel, RIG_JOBS at a time (default: the CPUs),
# each in its own sandbox and network namespace; the behaviour table of
# tests/scenarios/README.md is `hostpriv-rig matrix`, checked first.
RIG_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check-scenarios: all
	HOSTPRIV_RIG=$(BUILD)/bin/hostpriv-rig scripts/scenario-table --check
	$(BUILD)/bin/hostpriv-rig run -j $(RIG_JOBS) tests/scenarios

asan: deps
	@scripts/test-user
	$(MAKE) BUILD=build-asan SAN=1 CFLAGS="-O1 -g" check-unit check-fuzz check-scenarios

# The unit suites and the corpus replays under valgrind's memcheck
# (scripts/valgrind): 0 errors and 0 bytes definitely lost, or it fails.
valgrind: deps
	@scripts/install-deps valgrind
	@scripts/test-user
	$(MAKE) all $(BUILD)/tests/check_hostpriv $(TPLUG_SO) $(REPLAY_BIN)
	scripts/valgrind $(BUILD)

# Load (tests/stress/stress.c): one helper, 64 clients x 2,000 requests as
# the test user, slowloris clients and a connection flood in the same run;
# 0 failures, the helper's descriptors and RSS back to their baseline.
STRESS_CLIENTS  ?= 64
STRESS_REQUESTS ?= 2000
$(BUILD)/tests/stress/stress: tests/stress/stress.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(HP_CFLAGS) $(CFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS)
stress: deps
	@scripts/test-user
	$(MAKE) all $(BUILD)/tests/stress/stress
	HP_BUILD=$(abspath $(BUILD)) $(BUILD)/tests/stress/stress $(STRESS_CLIENTS) $(STRESS_REQUESTS)

# BENCH_QUICK=1: every part runs a few iterations and prints its table
# (CI runs it so a missing or broken part fails); timings never fail.
bench: deps
	$(MAKE) all $(BENCH_BIN)
	@BENCH_QUICK=$(BENCH_QUICK) scripts/bench $(BUILD)

demo: deps
	$(MAKE) all
	@scripts/test-user
	@scripts/demo $(BUILD)

# scripts/install records what it installs and the directories it creates
# in $(LIBDIR)/hostpriv/install.manifest; uninstall removes exactly those
# (give it the same PREFIX/LIBDIR/DESTDIR).  The programs, the library and
# hostpriv.pc are rebuilt first when the paths they embed differ from the
# last build's ($(BUILD)/flags.stamp), so what is installed looks for its
# plugins, programs and system config where it is installed.
INSTALL_ENV = BUILD='$(BUILD)' DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' \
  HELPERDIR='$(HELPERDIR)' LIBDIR='$(LIBDIR)' PKGCONFIGDIR='$(PKGCONFIGDIR)' \
  INCLUDEDIR='$(INCLUDEDIR)' SYSCONFDIR='$(SYSCONFDIR)' MANDIR='$(MANDIR)' \
  PLUGINDIR='$(PLUGINDIR)' BASHCOMPDIR='$(BASHCOMPDIR)' \
  ZSHCOMPDIR='$(ZSHCOMPDIR)' FISHCOMPDIR='$(FISHCOMPDIR)' \
  SYSTEMDUNITDIR='$(SYSTEMDUNITDIR)' SOVERSION='$(SOVERSION)'
.PHONY: install-rig uninstall-rig check-install check-packages check-maintscripts check-macos
install: all
	@$(INSTALL_ENV) scripts/install install main
uninstall:
	@$(INSTALL_ENV) scripts/install uninstall main
# hostpriv-rig is a test tool: only on request (or the hostpriv-rig package)
install-rig: all
	@$(INSTALL_ENV) scripts/install install rig
uninstall-rig:
	@$(INSTALL_ENV) scripts/install uninstall rig

# make install as a packager uses it: staged with PREFIX=/usr, the
# installed CLI finds its plugins, pkg-config works against the stage;
# PREFIX=/opt/x SYSCONFDIR=/opt/x/etc writes only under /opt/x, its
# programs read <root>/opt/x/etc/hostpriv, and uninstall leaves nothing
# (tests/install/run; builds in $(BUILD)/install-test).
check-install: all
	tests/install/run $(BUILD)

# packaging/macos: the plists parse (plistlib) and say what launchd runs;
# postinstall's console-user logic with stubbed stat and scutil
# (tests/macos/run; seconds, in make check).
check-macos:
	tests/macos/run

# The maintainer scripts' logic against a stub hostpriv under DPKG_ROOT
# (tests/packages/maintscripts; seconds, in make check).
check-maintscripts:
	tests/packages/maintscripts

# The Debian packages built from a copy of the tree, lintian, their
# contents, and installed into a throwaway root with dpkg --root
# (tests/packages/run; installs the Build-Depends and lintian; 1 to 2.5
# minutes on 2 cores, in make check).
check-packages:
	tests/packages/run $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
