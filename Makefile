# SPDX-License-Identifier: GPL-2.0
#
# sfb: nf_sfb.ko (built by Kbuild against KDIR), sfbctl, and their tests.
#
#   make              kernel/nf_sfb.ko for the running kernel (or KVER=, KDIR=)
#                     and user/sfbctl
#   make module-K     nf_sfb for kernel K (6.1, 6.12, debug: tools/kernel)
#   make check        every test: native unit tests, then the selftests in VMs
#                     on Debian's 6.1 and 6.12 kernels and on the debug kernel
#   make debug-kernel the debug kernel (KASAN, lockdep, kmemleak), cached
#   make valgrind     sfbctl's unit tests again, under valgrind memcheck
#   make coverage     the selftests on the debug kernel, and the module's line
#                     and branch coverage they reach (tools/coverage)
#   make demo         the main job in a VM (VM_KERNEL=6.1, 6.12 or debug)
#   make style        checkpatch on the kernel side, and on user/ and tests;
#                     the module for 6.1 and 6.12 with W=1 and sparse
#   make install      sfbctl, the catalogue, man pages, completion, the unit
#                     and the module (DESTDIR, PREFIX); make uninstall
#   make dkms-install the module's source for DKMS; make deb: the packages

# The first rule make reads is its default goal, and the $(eval)'d
# templates below define rules (build/san/sfbctl...) before `all`: name it.
.DEFAULT_GOAL := all

VERSION := $(shell tools/version)

# Where `make install` puts things (FHS; DESTDIR stages them elsewhere).
# The unit goes where Debian 12's systemd looks for packaged units.
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
ROLESDIR ?= $(DATADIR)/sfb/roles
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
SYSCONFDIR ?= /etc
UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd \
	2>/dev/null),/lib/systemd/system)

# The kernel `make` builds nf_sfb for: KDIR, KVER's build dir, or the
# running kernel's. With none of them, `make module` stops and lists the
# installed kernels (tools/kernel): with two installed, a module for the
# wrong one is worse than no module.
ifeq ($(origin KDIR),undefined)
KDIR := $(shell tools/kernel --kdir $(or $(KVER),running) 2>/dev/null)
endif
# The release of the kernel KDIR builds for: where the module installs.
KVER := $(or $(KVER),$(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null))
# The kernel `make demo` and `make bench-load` boot (tools/kernel names).
VM_KERNEL ?= 6.1

# linux-source-6.1 provides the kselftest harness and checkpatch, and
# linux-source-6.12 the newer checkpatch; only the few files we need are
# extracted, once, into this cache.
SFB_CACHE ?= /var/tmp/sfb
LINUX_SRC_TAR ?= $(lastword $(sort $(wildcard /usr/src/linux-source-6.1.tar.xz)))
LINUX_SRC := $(SFB_CACHE)/linux-source-6.1
KSFT_DIR := $(LINUX_SRC)/tools/testing/selftests
CHECKPATCH := $(LINUX_SRC)/scripts/checkpatch.pl
CHECKPATCH_6.12 := $(SFB_CACHE)/linux-source-6.12/scripts/checkpatch.pl

CC ?= cc
CLANG ?= clang
CFLAGS ?= -O2 -g
MNL_CFLAGS := $(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
KMOD_CFLAGS := $(shell pkg-config --cflags libkmod 2>/dev/null)
KMOD_LIBS := $(shell pkg-config --libs libkmod 2>/dev/null || echo -lkmod)
NFTNL_LIBS := $(shell pkg-config --libs libnftnl 2>/dev/null || echo -lnftnl)
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
# sfbctl links all four; the selftest tools only libmnl.
USER_LIBS = $(MNL_LIBS) $(KMOD_LIBS) $(NFTNL_LIBS) $(JANSSON_LIBS)
SFB_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser \
	-DSFB_VERSION='"$(VERSION)"' -DSFB_ROLES_DIR='"$(ROLESDIR)"' \
	-DSFB_SITE_CONF='"$(SYSCONFDIR)/sfb/site.conf"' \
	$(MNL_CFLAGS) $(KMOD_CFLAGS) $(JANSSON_CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
# Valgrind cannot run sanitized code: its flavour has none, at -O1.
VG_FLAGS := -O1 -g

# Everything under user/ and core/ except main() forms the library that
# sfbctl, the unit tests and the fuzz targets link.
CORE_SRCS := $(wildcard core/*.c)
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c)) $(CORE_SRCS)
# failalloc.c is no test: an LD_PRELOAD shim (build/vg/failalloc.so).
UNIT_SRCS := $(filter-out tests/unit/failalloc.c,$(wildcard tests/unit/*.c))
FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
BENCH_SRCS := $(wildcard tools/bench/*.c)
# Helpers the selftests run inside the VM (probes, raw netlink clients).
SELFTEST_SRCS := $(wildcard tests/selftests/*.c)

objs = $(patsubst %.c,$(1)/%.o,$(2))

# One object tree per build flavour: plain, sanitizers, valgrind, fuzzing.
define flavour
$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$(2) $$(CPPFLAGS) $$(CFLAGS) $(3) $$(SFB_CFLAGS) -MMD -MP -c -o $$@ $$<
endef
$(eval $(call flavour,build/obj,$$(CC),))
$(eval $(call flavour,build/san,$$(CC),$$(SAN_FLAGS)))
$(eval $(call flavour,build/vg,$$(CC),$$(VG_FLAGS)))
$(eval $(call flavour,build/fuzz,$$(CLANG),$$(FUZZ_FLAGS)))

# The flavours the unit tests run in, each with its own sfbctl and C unit
# tests: sanitizers (tests/run-tests), valgrind (tests/run-valgrind).
# $(3): the directory of the kselftest_harness.h they include.
define checked
$(1)/sfbctl: $$(call objs,$(1),user/main.c $$(LIB_SRCS))
	$$(CC) $$(CFLAGS) $(2) -o $$@ $$^ $$(USER_LIBS)

$(1)/tests/%: tests/unit/%.c $$(call objs,$(1),$$(LIB_SRCS)) \
		$(3)/kselftest_harness.h
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $(2) $$(SFB_CFLAGS) -I$(3) \
		$$(filter-out -I$(3),-I$$(KSFT_DIR)) -MMD -MP \
		-Wno-unused-parameter -o $$@ $$< \
		$$(call objs,$(1),$$(LIB_SRCS)) $$(USER_LIBS)
endef
$(eval $(call checked,build/san,$$(SAN_FLAGS),$$(KSFT_DIR)))
$(eval $(call checked,build/vg,$$(VG_FLAGS),build/vg/ksft))

# make tracks files, not flags: the objects that use SFB_VERSION and
# SFB_ROLES_DIR (and report.c, SFB_SITE_CONF) depend on a file that
# changes when any does.
STAMPED := user/version.c user/parse.c user/report.c
build/stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION) $(ROLESDIR) $(SYSCONFDIR)' | cmp -s - $@ || \
		echo '$(VERSION) $(ROLESDIR) $(SYSCONFDIR)' > $@
$(foreach f,build/obj build/san build/vg build/fuzz,\
	$(call objs,$(f),$(STAMPED))): build/stamp

unit_bins = $(patsubst tests/unit/%.c,$(1)/tests/%,$(UNIT_SRCS))
UNIT_BINS := $(call unit_bins,build/san)
VG_UNIT_BINS := $(call unit_bins,build/vg)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/tests/%,$(FUZZ_SRCS))
BENCH_BINS := $(patsubst tools/bench/%.c,build/bench/%,$(BENCH_SRCS))
SELFTEST_BINS := $(patsubst tests/selftests/%.c,build/selftests/%,$(SELFTEST_SRCS))

.PHONY: all module user check unit selftest demo style clean fuzz coverage \
	bench-portmap bench-load bench-vm test-bins valgrind debug-kernel \
	install install-user install-module uninstall dkms-install deb FORCE

all: module user

# Debian's headers lack the vmlinux that BTF for modules is made from:
# without the override every build warns that it skips it.
KBUILD_ARGS = SFB_VERSION=$(VERSION) CONFIG_DEBUG_INFO_BTF_MODULES=

module:
	@test -n "$(KDIR)" || tools/kernel --kdir $(or $(KVER),running) >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_ARGS) modules

# nf_sfb for a kernel tools/kernel names (6.1, 6.12, debug, a release),
# in build/module-NAME: what the VM tests load. Kbuild writes objects next
# to the sources, so each kernel's module is built from a copy of them.
KBUILD_SRCS := Kbuild kernel/Kbuild \
	$(filter-out %.mod.c,$(wildcard kernel/*.[ch])) \
	$(CORE_SRCS) $(wildcard include/sfb/*.h) include/uapi/linux/sfb.h

# These are the builds the tests load: W=1's warnings too, sparse on each
# file compiled (C=1; `make style`: on every file, C=2), and any warning of
# either fails them (an admin's build with a newer compiler only warns).
SPARSE = 1
module-%: KBUILD_ARGS += W=1 KCFLAGS=-Werror C=$(SPARSE) CF=-Wsparse-error
module-%: FORCE
	@mkdir -p build/module-$*
	cp -u --parents $(KBUILD_SRCS) build/module-$*/
	kdir=$$(tools/kernel --kdir $*) && \
		$(MAKE) -C $$kdir M=$(CURDIR)/build/module-$* $(KBUILD_ARGS) modules

# The debug kernel: tools/debug-kernel builds it once and caches it.
debug-kernel:
	tools/debug-kernel

module-debug: debug-kernel
module-debug: KBUILD_ARGS += SFB_COVERAGE=y

user: user/sfbctl

user/sfbctl: $(call objs,build/obj,user/main.c $(LIB_SRCS))
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(USER_LIBS)

$(KSFT_DIR)/kselftest_harness.h $(CHECKPATCH) &:
	@test -n "$(LINUX_SRC_TAR)" || \
		{ echo "linux-source-6.1 is not installed" >&2; exit 1; }
	mkdir -p $(SFB_CACHE)
	tar -xJf $(LINUX_SRC_TAR) -C $(SFB_CACHE) \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $(KSFT_DIR)/kselftest_harness.h $(CHECKPATCH)

$(CHECKPATCH_6.12):
	@test -r /usr/src/linux-source-6.12.tar.xz || \
		{ echo "linux-source-6.12 is not installed" >&2; exit 1; }
	mkdir -p $(SFB_CACHE)
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(SFB_CACHE) \
		$(addprefix linux-source-6.12/scripts/,checkpatch.pl spelling.txt \
			const_structs.checkpatch)
	touch $@

# Valgrind runs code tens of times slower: under it, a test the harness
# kills after 30 s (its fixed default) gets 300.
build/vg/ksft/kselftest_harness.h: $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(@D)
	sed 's/^\(#define TEST_TIMEOUT_DEFAULT\) 30$$/\1 300/' $< >$@.tmp
	grep -q '^#define TEST_TIMEOUT_DEFAULT 300$$' $@.tmp
	mv $@.tmp $@

# The shim that fails the Nth allocation (tests/unit/failalloc_test.sh): in
# the unsanitized flavour, whose sfbctl calls malloc rather than ASan's.
build/vg/failalloc.so: tests/unit/failalloc.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VG_FLAGS) -std=gnu11 -Wall -Wextra -Werror -fPIC \
		-shared -o $@ $<

build/fuzz/tests/%: tests/fuzz/%.c $(call objs,build/fuzz,$(LIB_SRCS))
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(SFB_CFLAGS) \
		-o $@ $^ $(USER_LIBS)

# The selftest tools run thousands of times per suite, and under TCG a
# dynamic exec costs a few times a static one; only the netlink tools link
# libmnl, which Debian ships as a shared library alone.
SELFTEST_LINK := -static
$(addprefix build/selftests/,sfb_nl sfb_nlfuzz sfb_replay): \
	SELFTEST_LINK := $(MNL_LIBS)
build/selftests/%: tests/selftests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SFB_CFLAGS) -MMD -MP -o $@ $< $(SELFTEST_LINK)

build/bench/%: tools/bench/%.c $(CORE_SRCS)
	@mkdir -p $(@D)
	$(CC) -O2 -march=native $(SFB_CFLAGS) -MMD -MP -o $@ $^

# What tests/run-tests needs: the tools under test in every flavour.
test-bins: user build/san/sfbctl $(UNIT_BINS) $(FUZZ_BINS) $(SELFTEST_BINS) \
		build/vg/sfbctl build/vg/failalloc.so $(VG_UNIT_BINS) \
		$(CHECKPATCH) $(CHECKPATCH_6.12)

unit: test-bins
	tests/run-tests --unit

# The selftests run on both of Debian's kernels and on the debug kernel,
# which run-tests builds (make module-debug) while the other tests run.
STOCK_MODULES := module-6.1 module-6.12

# nft_backend.sh validates JSON with a unit test's program, unsanitized;
# failalloc_load.sh runs the unsanitized sfbctl under the failalloc shim.
selftest: user $(SELFTEST_BINS) build/vg/tests/json_schema_test \
		build/vg/sfbctl build/vg/failalloc.so $(STOCK_MODULES)
	tests/run-tests --selftest

check: test-bins $(STOCK_MODULES)
	tests/run-tests --unit --selftest

# nf_sfb's line and branch coverage: the selftests on the debug kernel,
# whose module counts them (make check prints the same figure), then
# tools/coverage's report, kept in build/coverage/report.txt.
coverage: user $(SELFTEST_BINS) build/vg/tests/json_schema_test
	tests/run-tests --selftest --kernel debug

valgrind: build/vg/sfbctl $(VG_UNIT_BINS)
	tests/run-valgrind

fuzz: $(FUZZ_BINS)
	tests/run-fuzz 600

bench-portmap: build/bench/portmap_bench
	build/bench/portmap_bench

bench-load: user $(SELFTEST_BINS) module-$(VM_KERNEL)
	tools/vm-run --kernel $(VM_KERNEL) --timeout 3000 -- tools/bench/load.sh

bench-vm: user $(SELFTEST_BINS) module-$(VM_KERNEL)
	tools/vm-run --kernel $(VM_KERNEL) --smp 2 --timeout 5400 -- tools/bench/datapath.sh

demo: user $(SELFTEST_BINS) module-$(VM_KERNEL)
	tools/vm-run --kernel $(VM_KERNEL) --timeout 600 -- tools/demo

# checkpatch of both kernels the module builds for: 6.12's knows newer
# rules, 6.1's is the one its maintainers apply. The kernel side with every
# check, the userspace C (user/, the tests' and tools' programs) without
# the kernel-only ones. The unit test that make check runs is the one place
# that names the files and those checks. Then the module for both, W=1 and
# sparse on every file.
style: SPARSE = 2
style: $(CHECKPATCH) $(CHECKPATCH_6.12) module-6.1 module-6.12
	SFB_CACHE=$(SFB_CACHE) tests/unit/checkpatch_test.sh

# make install: what the packages install, by hand. The module goes to
# /lib/modules/KVER/updates, which depmod ranks above the kernel's own
# tree, so that modprobe, sfbctl and the genl family alias find it. An
# existing site file is the admin's: never overwritten.
INSTALL ?= install
SITE_CONF := $(DESTDIR)$(SYSCONFDIR)/sfb/site.conf
# compressed (.ko.xz) if the kernel compresses its own modules, as 6.12 does
MODULE_DEST := $(DESTDIR)/lib/modules/$(KVER)/updates/kernel/nf_sfb.ko
substitute = sed -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

install: install-user install-module

install-user: user
	$(INSTALL) -D -m 0755 user/sfbctl $(DESTDIR)$(SBINDIR)/sfbctl
	$(INSTALL) -d $(DESTDIR)$(ROLESDIR)
	$(INSTALL) -m 0644 user/roles/sfb2015.conf user/roles/example-site.conf \
		$(DESTDIR)$(ROLESDIR)/
	$(INSTALL) -D -m 0644 user/man/sfbctl.8 $(DESTDIR)$(MANDIR)/man8/sfbctl.8
	$(INSTALL) -D -m 0644 user/man/sfb.conf.5 $(DESTDIR)$(MANDIR)/man5/sfb.conf.5
	$(INSTALL) -m 0644 user/man/sfb-json.schema.json $(DESTDIR)$(DATADIR)/sfb/
	$(INSTALL) -D -m 0644 packaging/sfbctl.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/sfbctl
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(substitute) packaging/sfb.service > $(DESTDIR)$(UNITDIR)/sfb.service
	test -e $(SITE_CONF) || { $(INSTALL) -d $(dir $(SITE_CONF)) && \
		$(INSTALL) -m 0644 packaging/site.conf $(SITE_CONF); }

# With DESTDIR, depmod is the package's business (its postinst). Debian's
# kernels sign every module they install, but the headers carry no key:
# signing for Secure Boot is the admin's (README) or DKMS's.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= DEPMOD=true \
		modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sfbctl \
		$(DESTDIR)$(ROLESDIR)/sfb2015.conf \
		$(DESTDIR)$(ROLESDIR)/example-site.conf \
		$(DESTDIR)$(MANDIR)/man8/sfbctl.8 \
		$(DESTDIR)$(MANDIR)/man5/sfb.conf.5 \
		$(DESTDIR)$(DATADIR)/sfb/sfb-json.schema.json \
		$(DESTDIR)$(BASHCOMPDIR)/sfbctl \
		$(DESTDIR)$(UNITDIR)/sfb.service $(MODULE_DEST) $(MODULE_DEST).*
	-rmdir $(DESTDIR)$(ROLESDIR) $(dir $(DESTDIR)$(ROLESDIR)) 2>/dev/null
	$(if $(DESTDIR),,depmod -a $(KVER))

# The module's source for DKMS, which rebuilds it for every kernel (and
# every kernel installed later). That tree has no git: dkms.conf carries
# the version and passes it to Kbuild.
DKMS_SRC := $(DESTDIR)/usr/src/sfb-$(VERSION)

dkms-install:
	rm -rf $(DKMS_SRC)
	$(INSTALL) -d $(DKMS_SRC)
	cp --parents $(KBUILD_SRCS) $(DKMS_SRC)/
	$(substitute) packaging/dkms.conf.in > $(DKMS_SRC)/dkms.conf
	$(if $(DESTDIR),,dkms install --force sfb/$(VERSION) \
		$(foreach k,$(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build))),-k $(k)))

# sfb (the tool, catalogue, unit) and sfb-dkms, in build/deb.
deb:
	tools/build-deb

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build user/sfbctl

# Keep objects make sees as intermediate: no "rm" after the totals line.
.SECONDARY:

-include $(shell find build -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
