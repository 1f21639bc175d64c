#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel side is checkpatch-clean (--strict) by the checkpatch of each
# kernel it builds for, 6.1's and 6.12's (`make style` does the same;
# make check extracts both from the linux-source packages). So is the
# userspace C (sfbctl, the unit, fuzz and selftest programs, the bench),
# but for the checks that only make sense inside the kernel.
#
# Run from the repository root; exit 0 pass, 1 fail.

set -u
cache=${SFB_CACHE:-/var/tmp/sfb}
kernel=$(ls kernel/*.[ch] core/*.c include/sfb/*.h include/uapi/linux/sfb.h | grep -v '\.mod\.c$')
user=$(ls user/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c tests/selftests/*.[ch] tools/bench/*.c)
# Kernel-only, so not checked in userspace:
#   PREFER_KERNEL_TYPES, BIT_MACRO, PREFER_DEFINED_ATTRIBUTE_MACRO: u32,
#     BIT(), __packed and the like exist in the kernel only (<stdint.h> here)
#   CAMELCASE: the names are C's and libraries' (_Alignas, PRIu64,
#     LLVMFuzzerTestOneInput); the kernel's exceptions come from its tree
#   VOLATILE: the kernel has READ_ONCE and barriers; userspace needs
#     volatile sig_atomic_t for signal flags (and a benchmark, its sink)
#   ENOSYS: a rule for what kernel code returns; userspace tests for it
#   EMBEDDED_FUNCTION_NAME: kernel log lines name the function that prints
#     them; these programs speak to users, so a hit is a word like "usage"
user_ignore=PREFER_KERNEL_TYPES,BIT_MACRO,PREFER_DEFINED_ATTRIBUTE_MACRO
user_ignore+=,CAMELCASE,VOLATILE,ENOSYS,EMBEDDED_FUNCTION_NAME
failed=0

# check VERSION GROUP FILES [CHECKPATCH OPTION...]
check() {
	local k=$1 group=$2 files=$3 out
	local checkpatch=$cache/linux-source-$k/scripts/checkpatch.pl

	shift 3
	# shellcheck disable=SC2086 # a list of files
	if [ ! -x "$checkpatch" ]; then
		echo "not ok - checkpatch of $k, $group: $checkpatch is missing (make style extracts it)"
		failed=1
	elif out=$("$checkpatch" --no-tree --strict --terse "$@" -f $files 2>&1); then
		echo "ok - checkpatch of $k, $group: $(echo $files | wc -w) files clean"
	else
		echo "$out"
		echo "not ok - checkpatch of $k, $group"
		failed=1
	fi
}

for k in 6.1 6.12; do
	check "$k" kernel "$kernel"
	check "$k" userspace "$user" --ignore "$user_ignore"
done
exit "$failed"
