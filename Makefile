# redress — build, test, benchmark and demo.
#
#   make          build build/redress (optimised, warning-free with -Wall -Wextra)
#   make deps     apt-get install every build and test dependency (idempotent)
#   make test     build under ASan+UBSan and run every test (TAP, via prove)
#   make asan     only build the sanitised binary and tests in build-asan/
#   make faults   the full fault campaign on build/redress (tests/faults/)
#   make check-letters
#                 the letters oracle (tests/oracle/) on a larger seeded
#                 run than make test's: 300 cases over 2022–2027 (the
#                 jubilee and coronation years included), under ASan;
#                 ORACLE_SEED, ORACLE_CASES, ORACLE_YEARS change it
#   make bench    ingest benchmark (20,000 messages), deadline sweep over
#                 1,000,000 open cases, the annual and quarterly HTML report
#                 over 1,000,000 generated cases (bench/report.sh), a
#                 retention purge over a busy case file (bench/purge.sh), IMAP
#                 fetch and SMTP send against the
#                 local test servers, then the latency of a complaint's
#                 acknowledgement with the daemon in IDLE (bench/latency.sh);
#                 figures in bench/out/results.txt
#   make deb      the Debian package (debhelper, debian/), built from a copy
#                 of the tree in DEB_OUT (default build/deb), where the
#                 .deb files are left; then lintian on it
#   make demo     examples/demo.sh: starts throwaway Dovecot and Postfix on
#                 127.0.0.1 and redress daemon on them, sends sample
#                 complaints by SMTP, shows the cases, the status and a
#                 letter as delivered, then stops it all; without root (or
#                 if the servers cannot start) examples/demo-offline.sh
#                 ingests the sample mail from files and writes the letters
#                 to a folder
#
# Each library folder becomes a static library; the daemon's rooms
# (daemon/*/) are compiled into the program, and the tests link the rooms
# and the libraries. New .c files, and new rooms, are picked up by
# wildcard, so adding a module needs no edit here. Each object records the
# headers it includes (-MMD), so a header change rebuilds only what uses it.

# Debian 12 packages needed to build, test and benchmark.
DEB_PKGS = build-essential pkg-config perl sqlite3 tzdata \
           libglib2.0-dev libgmime-3.0-dev libsqlite3-dev libxml2-dev \
           libjson-glib-dev nettle-dev \
           libetpan-dev libcurl4-gnutls-dev libgnutls28-dev libsystemd-dev \
           dovecot-imapd dovecot-lmtpd postfix openssl ca-certificates curl \
           opendkim opendkim-tools opendmarc dbconfig-no-thanks s-nail \
           python3 clang libclang-rt-14-dev
# jq reads `redress show --json` in the shell tests.
DEB_PKGS += jq
# libarchive writes `redress export --to FILE.zip` (kept by Debian's
# security team in bookworm); mutt reads the export's mbox in
# tests/test-sar.sh, as a person's mail client would.
DEB_PKGS += libarchive-dev mutt
# Headless Chromium renders the HTML report in tests/test-report-html.sh.
DEB_PKGS += chromium
# The man pages are written in scdoc (docs/man/); man-db renders them in
# the tests, bash-completion loads the completion in its test; debhelper,
# lintian and fakeroot build and check the package (make deb,
# tests/test-deb.sh).
DEB_PKGS += scdoc man-db bash-completion debhelper lintian fakeroot
BENCH_PKGS = notmuch maildir-utils time sqlite3

PKGS     = gmime-3.0 glib-2.0 json-glib-1.0 sqlite3 libxml-2.0 nettle \
           libcurl gnutls libsystemd libarchive
# libetpan is linked directly: its libetpan.pc (not shipped by every
# release) carries Debian's build flags (-specs=…no-pie…), which would make
# the binary non-PIE. Its headers are in the default include path.
NOPC_LIBS = -letpan
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(NOPC_LIBS)

CC      ?= cc
OPT     ?= -O2
WARN     = -Wall -Wextra -Wno-unused-parameter -Wformat=2 -Wshadow -Wstrict-prototypes
CFLAGS_BASE = -std=gnu11 -g $(WARN) -D_GNU_SOURCE \
              -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
              -Iparsers -Iprocedure -Istore -Itemplates -Idaemon -MMD -MP
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The version the program reports (`redress --version`, and in the triage
# reason of a message that crashed the parser): the release, and in a git
# checkout the commit it was built from.
VERSION = 0.9
GIT_REV := $(shell git rev-parse --short=10 HEAD 2>/dev/null)
RD_VERSION_STRING = $(VERSION)$(if $(GIT_REV),+git.$(GIT_REV))

B ?= build
ifeq ($(SANITIZE),1)
  B = build-asan
  OPT = -O1
  EXTRA_CFLAGS = $(SAN)
  EXTRA_LDFLAGS = $(SAN)
endif

# CPPFLAGS: dpkg-buildflags puts _FORTIFY_SOURCE there for the package.
CFLAGS_ALL  = $(CFLAGS_BASE) $(OPT) $(EXTRA_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(EXTRA_LDFLAGS) $(LDFLAGS)

LIBDIRS  = parsers procedure store templates
# Link order: later libraries are used by earlier ones.
LIBS_A   = $(B)/libstore.a $(B)/libtemplates.a $(B)/libparsers.a $(B)/libprocedure.a

lib_srcs = $(wildcard $(1)/*.c)
lib_objs = $(patsubst %.c,$(B)/%.o,$(call lib_srcs,$(1)))

DAEMON_SRCS = $(wildcard daemon/*/*.c)
DAEMON_OBJS = $(patsubst %.c,$(B)/%.o,$(DAEMON_SRCS))
TEST_SRCS   = $(wildcard tests/test-*.c)
TEST_BINS   = $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS))
BENCH_SRCS  = $(wildcard bench/*.c)
BENCH_BINS  = $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))

.SECONDEXPANSION:
# Objects are kept so a rebuild only compiles what changed.
.PRECIOUS: $(B)/%.o
.PHONY: FORCE all build deps deps-bench test asan check bench demo clean install install-files man deb
# pkg-config flags are read when make starts, so on a fresh machine the
# packages must be installed by one make and the build done by another.
all:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build
build: $(B)/redress man

# The man pages, from their scdoc sources: the one description of every
# command, option and configuration key (tests/test-man.sh holds them to
# the code's own tables, and to the README).
MAN_PAGES = $(B)/man/redress.1 $(B)/man/redress.conf.5
man: $(MAN_PAGES)
$(B)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	@echo "  SCDOC   $@"
	@scdoc < $< > $@.tmp && mv $@.tmp $@

# Written only when the version changes, so nothing is rebuilt otherwise.
$(B)/version.h: FORCE
	@mkdir -p $(B)
	@v='#define RD_VERSION "$(RD_VERSION_STRING)"'; \
	 [ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@
$(B)/daemon/base/version.o: $(B)/version.h
$(B)/daemon/base/version.o: CFLAGS_ALL += -I$(B)
FORCE:

# Objects built before this Makefile wrote dependency files (-MMD) would
# not see a header change: the stamp, made once, is newer than all of them.
$(B)/.deps-mmd:
	@mkdir -p $(B)
	@touch $@

$(B)/%.o: %.c $(B)/.deps-mmd
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

# An empty folder (templates/ before it has code) still yields an archive.
$(B)/lib%.a: $$(call lib_objs,$$*)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(B)/redress: $(DAEMON_OBJS) $(LIBS_A)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(DAEMON_OBJS) $(LIBS_A) $(PKG_LIBS)

# Tests link everything except daemon/cli/main.c, so they can call the
# rooms (casework, ingest, config) directly.
DAEMON_LIB_OBJS = $(filter-out $(B)/daemon/cli/main.o,$(DAEMON_OBJS))
$(B)/tests/%: tests/%.c $(DAEMON_LIB_OBJS) $(LIBS_A)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_ALL) -DRD_SRCDIR='"$(CURDIR)"' -o $@ $< $(DAEMON_LIB_OBJS) $(LIBS_A) $(LDFLAGS_ALL) $(PKG_LIBS)

$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) $(PKG_LIBS)

deps:
	@DEB_PKGS="$(DEB_PKGS)" sh .ci/deps.sh

deps-bench:
	@DEB_PKGS="$(DEB_PKGS) $(BENCH_PKGS)" sh .ci/deps.sh

asan:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory SANITIZE=1 build-asan/redress $(patsubst $(B)/%,build-asan/%,$(TEST_BINS))

# Tests always run sanitised: ASan+UBSan abort on the first report, so a
# green run means no sanitizer finding anywhere, the corpus included.
test: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 G_SLICE=always-malloc G_DEBUG=gc-friendly \
	 RD_BUILD=build-asan sh tests/run.sh
check: test

# The letters oracle, larger than the fixed-seed run in make test
# (tests/test-oracle.sh): same checks, more cases, more years.
ORACLE_SEED  ?= 20261
ORACLE_CASES ?= 300
ORACLE_YEARS ?= 2022-2027
.PHONY: check-letters
check-letters:
	@$(MAKE) --no-print-directory SANITIZE=1 build-asan/redress
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 python3 -B tests/oracle/oracle.py --redress build-asan/redress --seed $(ORACLE_SEED) \
	   --cases $(ORACLE_CASES) --years $(ORACLE_YEARS) --jobs 2

# The full fault campaign (kill -9, disk full, servers dying, read-only
# database, broken reload) on the release build: tests/faults/README.md.
.PHONY: faults
faults: all
	@RD_BUILD=build sh tests/faults/run.sh

bench:
	@$(MAKE) --no-print-directory deps-bench
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@sh bench/run.sh && sh bench/sweep.sh | tee -a bench/out/results.txt && \
	 sh bench/report.sh | tee -a bench/out/results.txt && \
	 sh bench/purge.sh | tee -a bench/out/results.txt && sh bench/mail.sh && \
	 sh bench/latency.sh

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory build
	@sh examples/demo.sh

# Install: PREFIX (default /usr, which the systemd unit names) and DESTDIR
# for packaging. Templates go where the binary looks for them
# (PREFIX/share/redress/templates). install-files installs what is built
# without installing packages first (debian/rules uses it).
PREFIX ?= /usr
SYSTEMD_UNITDIR ?= /lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: all
	@$(MAKE) --no-print-directory install-files
install-files: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/redress/templates \
	           $(DESTDIR)$(PREFIX)/share/doc/redress/examples $(DESTDIR)$(SYSTEMD_UNITDIR) \
	           $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d \
	           $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	           $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(B)/redress $(DESTDIR)$(PREFIX)/bin/redress
	cp -R templates/letters/. $(DESTDIR)$(PREFIX)/share/redress/templates/
	install -m 0644 examples/bank-holidays.json $(DESTDIR)$(PREFIX)/share/redress/bank-holidays.json
	sed 's#/usr/bin/redress#$(PREFIX)/bin/redress#g' systemd/redress.service > $(DESTDIR)$(SYSTEMD_UNITDIR)/redress.service
	sed 's#/usr/bin/redress#$(PREFIX)/bin/redress#g' systemd/redress-backup.service > $(DESTDIR)$(SYSTEMD_UNITDIR)/redress-backup.service
	install -m 0644 systemd/redress-backup.timer $(DESTDIR)$(SYSTEMD_UNITDIR)/redress-backup.timer
	install -m 0644 systemd/redress.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/redress.conf
	install -m 0644 systemd/redress.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/redress.conf
	install -m 0644 $(B)/man/redress.1 $(DESTDIR)$(PREFIX)/share/man/man1/redress.1
	install -m 0644 $(B)/man/redress.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/redress.conf.5
	install -m 0644 completion/redress $(DESTDIR)$(BASHCOMPDIR)/redress
	install -m 0644 examples/redress.conf examples/bank-holidays.json $(DESTDIR)$(PREFIX)/share/doc/redress/examples/
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/redress/README.md
	install -m 0644 templates/README.md $(DESTDIR)$(PREFIX)/share/doc/redress/TEMPLATES.md
	install -m 0644 docs/staff-by-email.md docs/procedure.md $(DESTDIR)$(PREFIX)/share/doc/redress/

# The Debian package. dpkg-buildpackage works on a copy of the tree (no
# build/, build-asan/ or .git), so the package is built from clean and the
# developer's own builds are left alone; the .deb files end up in
# DEB_OUT. The project's tests are not run inside it (nocheck): make test
# runs them. The copy has no .git, so the commit is handed over for
# `redress --version`.
DEB_OUT ?= build/deb
deb:
	@$(MAKE) --no-print-directory deps
	@rm -rf $(DEB_OUT)/redress-$(VERSION) && mkdir -p $(DEB_OUT)/redress-$(VERSION)
	@tar -C . --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./bench/out \
	     --exclude='./$(DEB_OUT)' -cf - . | tar -C $(DEB_OUT)/redress-$(VERSION) -xf -
	@cd $(DEB_OUT)/redress-$(VERSION) && \
	 REDRESS_GIT_REV=$(GIT_REV) DEB_BUILD_OPTIONS="nocheck parallel=$$(nproc)" \
	 dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	@rm -rf $(DEB_OUT)/redress-$(VERSION)
	@ls $(DEB_OUT)/*.deb
	@lintian --fail-on error $(DEB_OUT)/*.changes

clean:
	rm -rf build build-asan

include tests/fuzz/fuzz.mk

# The header dependencies each compile wrote (absent before the first build).
-include $(shell find $(B) -name '*.d' 2>/dev/null)
