#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/vm-run propagates the command's exit status, fails a run whose
# kernel log shows a WARNING, and fails on timeout; --kernel boots the
# kernel tools/kernel names, with the module built for it as SFB_MODULE,
# and refuses a name that means no installed kernel.
. "$(dirname "$0")/lib.sh"

# A guard against hangs, not a time limit: beside make check's other jobs
# on a cold machine (the debug kernel building), booting 6.1 to insmod
# nf_sfb once took over 120 s.
check() {	# check WANT ARGS...
	local want=$1 rc
	shift
	tools/vm-run --timeout 600 "$@" > "$work/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { cat "$work/out"; fail "vm-run $* exited $rc, expected $want"; }
	echo "vm-run $*: exit $rc"
}

check 0 -- true
check 1 -- false
check 7 -- sh -c 'exit 7'
for k in 6.1 6.12; do
	kver=$(tools/kernel "$k") || fail "tools/kernel $k"
	check 0 --kernel "$k" -- sh -c 'test "$(pwd)" = "$1" && touch /tmp/x &&
		test "$(uname -r)" = "$2" && test "$SFB_KERNEL" = "$3" &&
		modprobe -a $(modinfo -F depends "$SFB_MODULE" | tr , " ") &&
		insmod "$SFB_MODULE" && rmmod nf_sfb' - "$PWD" "$kver" "$k"
done
check 2 --kernel 5.10 -- true
grep -q '^installed kernels with headers:' "$work/out" ||
	fail "--kernel 5.10: no list of the installed kernels"
check 1 -- sh -c "echo 'WARNING: CPU: 0 PID: 1 at test' > /dev/kmsg"
grep -q 'the kernel log shows a problem' "$work/out" || fail "WARNING not reported"
grep -q 'WARNING: CPU: 0 PID: 1 at test' "$work/out" || fail "WARNING line not shown"
SFB_X=1 check 124 --timeout 15 -- sleep 600
