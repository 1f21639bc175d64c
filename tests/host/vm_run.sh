#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/vm-run propagates the command's exit status, fails a run whose
# kernel log shows a WARNING, and fails on timeout.
cd "$(dirname "$0")/../.."

fail() {
	echo "FAIL: $*"
	exit 1
}

check() {	# check WANT ARGS...
	local want=$1 rc
	shift
	tools/vm-run --timeout 120 "$@" > /tmp/vm-run-test.$$ 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { cat /tmp/vm-run-test.$$; fail "vm-run $* exited $rc, expected $want"; }
	echo "vm-run $*: exit $rc"
}

trap 'rm -f /tmp/vm-run-test.$$' EXIT
check 0 -- true
check 1 -- false
check 7 -- sh -c 'exit 7'
check 0 -- sh -c 'test "$(pwd)" = "$1" && touch /tmp/x && modprobe -a $(modinfo -F depends kernel/nf_sfb.ko | tr , " ") && insmod kernel/nf_sfb.ko && rmmod nf_sfb' - "$PWD"
check 1 -- sh -c "echo 'WARNING: CPU: 0 PID: 1 at test' > /dev/kmsg"
grep -q 'the kernel log shows a problem' /tmp/vm-run-test.$$ || fail "WARNING not reported"
grep -q 'WARNING: CPU: 0 PID: 1 at test' /tmp/vm-run-test.$$ || fail "WARNING line not shown"
SFB_X=1 check 124 --timeout 15 -- sleep 600
