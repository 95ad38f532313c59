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

LIBSO   = $(BUILD)/lib/libhostpriv.so
LIBA    = $(BUILD)/lib/libhostpriv.a
BINS    = $(BUILD)/bin/hostpriv $(BUILD)/bin/hostprivd $(BUILD)/bin/hostpriv-rig

.PHONY: all check check-layers check-unit check-scenarios asan bench demo fuzz install uninstall clean deps test-user
all: $(LIBSO) $(LIBA) $(BINS) $(PLUGIN_SO)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(HP_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBSO): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libhostpriv.so.0 $(LDFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS)

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
# The rig's SHA-256 (its sudoers digest) is tested with the unit suites.
$(BUILD)/tests/check_hostpriv: $(TEST_SRC:%.c=$(OBJ)/%.o) $(OBJ)/tests/main/check_main.o $(OBJ)/core/cmd/rig/sha256.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(HP_LIBS) $(CHECK_LIBS)

$(BUILD)/tests/bench/%: tests/bench/%.c tests/bench/benchrow.h $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(HP_CFLAGS) $(CFLAGS) -o $@ $(filter-out %.h,$^) $(HP_LIBS)

# libFuzzer harnesses (clang): `make fuzz`, then run build/fuzz/fuzz_codec
# tests/fuzz/corpus/codec (tests/fuzz/README.md).  Without clang the corpora
# are replayed by the Check suite instead.
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
             -DHP_VERSION='"$(VERSION)"' -Icore/include -Icore/lib
$(BUILD)/fuzz/fuzz_codec: tests/fuzz/fuzz_codec.c core/lib/helper/proto.c core/lib/helper/vmnetd.c core/lib/host/ports.c core/lib/base/err.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_helper: tests/fuzz/fuzz_helper.c core/lib/helper/proto.c core/lib/helper/vmnetd.c core/lib/host/ports.c $(LIBA)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $^ $(HP_LIBS)
fuzz:
	@scripts/install-deps fuzz
	$(MAKE) all $(BUILD)/fuzz/fuzz_codec $(BUILD)/fuzz/fuzz_helper

deps:
	@scripts/install-deps
test-user:
	@scripts/test-user

check: deps
	$(MAKE) all
	@scripts/test-user
	$(MAKE) check-layers
	$(MAKE) check-unit
	$(MAKE) check-scenarios

# Layers call down only (scripts/layers), and the check catches what it is
# for (tests/layers/run plants each kind of violation in a copy).
check-layers: all
	scripts/layers --objects $(OBJ)/core/lib
	tests/layers/run $(OBJ)/core/lib

check-unit: all $(BUILD)/tests/check_hostpriv $(TPLUG_SO)
	HP_BUILD=$(abspath $(BUILD)) HP_SRC=$(CURDIR) $(BUILD)/tests/check_hostpriv

check-scenarios: all
	scripts/scenario-table --check
	$(BUILD)/bin/hostpriv-rig run tests/scenarios

asan: deps
	@scripts/test-user
	$(MAKE) BUILD=build-asan SAN=1 CFLAGS="-O1 -g" check-unit check-scenarios

# BENCH_QUICK=1: every part runs a few iterations and prints its table
# (CI runs it so a missing or broken part fails); timings never fail.
bench: deps
	$(MAKE) all $(BENCH_BIN)
	@BENCH_QUICK=$(BENCH_QUICK) scripts/bench $(BUILD)

demo: deps
	$(MAKE) all
	@scripts/test-user
	@scripts/demo $(BUILD)

install: all
	install -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PLUGINDIR) \
	  $(DESTDIR)$(INCLUDEDIR)/hostpriv $(DESTDIR)$(SYSCONFDIR)/hostpriv $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libhostpriv.so.0
	ln -sf libhostpriv.so.0 $(DESTDIR)$(LIBDIR)/libhostpriv.so
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 core/include/hostpriv/hostpriv.h core/include/hostpriv/plugin.h $(DESTDIR)$(INCLUDEDIR)/hostpriv/
	test -e $(DESTDIR)$(SYSCONFDIR)/hostpriv/hostpriv.ini || install -m 644 conf/hostpriv.ini $(DESTDIR)$(SYSCONFDIR)/hostpriv/
	for m in packaging/man/*.[158]; do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,hostpriv hostprivd hostpriv-rig)
	rm -f $(DESTDIR)$(LIBDIR)/libhostpriv.so.0 $(DESTDIR)$(LIBDIR)/libhostpriv.so $(DESTDIR)$(LIBDIR)/libhostpriv.a
	rm -f $(PLUGINS:%=$(DESTDIR)$(PLUGINDIR)/%.so)
	-rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(LIBDIR)/hostpriv 2>/dev/null
	rm -f $(DESTDIR)$(INCLUDEDIR)/hostpriv/hostpriv.h $(DESTDIR)$(INCLUDEDIR)/hostpriv/plugin.h
	-rmdir $(DESTDIR)$(INCLUDEDIR)/hostpriv 2>/dev/null
	for m in packaging/man/*.[158]; do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
