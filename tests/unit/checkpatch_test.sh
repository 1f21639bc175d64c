#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel side is checkpatch-clean (--strict) by the checkpatch of each
# kernel it builds for, 6.1's and 6.12's (`make style` does the same;
# make check extracts both from the linux-source packages).
#
# Run from the repository root; exit 0 pass, 1 fail.

set -u
cache=${SFB_CACHE:-/var/tmp/sfb}
files=$(ls kernel/*.[ch] core/*.c include/sfb/*.h include/uapi/linux/sfb.h | grep -v '\.mod\.c$')
failed=0
for k in 6.1 6.12; do
	checkpatch=$cache/linux-source-$k/scripts/checkpatch.pl
	if [ ! -x "$checkpatch" ]; then
		echo "not ok - $checkpatch is missing (make style extracts it)"
		failed=1
	# shellcheck disable=SC2086 # a list of files
	elif out=$("$checkpatch" --no-tree --strict --terse -f $files 2>&1); then
		echo "ok - checkpatch of $k: $(echo $files | wc -w) files clean"
	else
		echo "$out"
		echo "not ok - checkpatch of $k"
		failed=1
	fi
done
exit "$failed"
