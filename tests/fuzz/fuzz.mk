# fuzz.mk — libFuzzer targets and their regression replays (included by
# the Makefile). tests/fuzz/README.md says how to use them.
#
#   make fuzz          build every target with clang (libFuzzer, ASan,
#                      UBSan) in build-fuzz/ and run each for FUZZ_SECONDS
#   make fuzz-build    only build them
#   make fuzz FUZZ_TARGETS=message FUZZ_SECONDS=600   one target, longer
#
# `make test` builds build-asan/tests/test-fuzz-<target>: the same
# fuzz-<target>.c linked with replay.c instead of libFuzzer (normal
# compiler, no clang needed), which runs the saved regression inputs and
# seeds as TAP. tests/test-fuzz-brief.sh runs each libFuzzer target for a
# few seconds when clang is there.

FUZZ_TARGETS ?= message refs templates holidays config staffcmd authres relay survey
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B        = build-fuzz
# Coverage instrumentation everywhere, libFuzzer's main only at link time.
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(CFLAGS_BASE) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -I$(B)
FUZZ_LDFLAGS  = $(FUZZ_SAN) -fsanitize=fuzzer

# The libraries, and the daemon's ground floor (daemon/base/: the
# configuration and the bank-holidays loader with what they call); the
# other rooms are network, casework and commands.
FUZZ_DAEMON_SRCS = $(wildcard daemon/base/*.c)
FUZZ_LIB_SRCS = $(foreach d,$(LIBDIRS),$(call lib_srcs,$(d))) $(FUZZ_DAEMON_SRCS)
FUZZ_LIB_OBJS = $(patsubst %.c,$(FUZZ_B)/%.o,$(FUZZ_LIB_SRCS))
FUZZ_BINS     = $(patsubst %,$(FUZZ_B)/fuzz-%,$(FUZZ_TARGETS))

# Regression inputs are named by target; "templates" keeps "template-".
fuzz_prefix = $(if $(filter templates,$(1)),template,$(1))-

.PHONY: fuzz fuzz-build

$(FUZZ_B)/%.o: %.c tests/fuzz/fuzz.h $(B)/version.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_B)/fuzz-%: $(FUZZ_B)/tests/fuzz/fuzz-%.o $(FUZZ_LIB_OBJS)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The replays: one TAP program per target, found by tests/run.sh as
# $(RD_BUILD)/tests/test-*.
TEST_BINS += $(patsubst %,$(B)/tests/test-fuzz-%,$(FUZZ_TARGETS))

$(B)/tests/test-fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c tests/fuzz/fuzz.h \
                        $(DAEMON_LIB_OBJS) $(LIBS_A)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_ALL) -DRD_SRCDIR='"$(CURDIR)"' -DRD_FUZZ_NAME='"$*"' \
	  -DRD_FUZZ_PREFIX='"$(call fuzz_prefix,$*)"' -o $@ tests/fuzz/fuzz-$*.c tests/fuzz/replay.c \
	  $(DAEMON_LIB_OBJS) $(LIBS_A) $(LDFLAGS_ALL) $(PKG_LIBS)

# Header dependencies of the fuzz objects (-MMD, as for the others).
-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)

.PHONY: fuzz-clean
clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_B)
