#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures in sfbctl: a clear error, nothing half-done. The
# userspace side of the kernel's fail-nth runs (issue 20).
#
# build/vg/failalloc.so (tests/unit/failalloc.c, LD_PRELOAD) makes the Nth
# heap allocation of a process fail, sfbctl's and its libraries' alike
# (glibc's stdio, libmnl, libnftnl, jansson, libkmod). For each command
# below the test counts the allocations of a clean run, then fails the 1st,
# the 2nd, ... the last, one run each, and asserts every time:
#
#   - no crash: exit status 0 or 1, never a signal;
#   - exit 1: standard error says why, "sfb: out of memory" or an error
#     ending in ": Cannot allocate memory" (a file fopen could not open),
#     and standard output is empty: no half-written export;
#   - exit 0 (glibc absorbed the failure: stdout's buffer, for one, falls
#     back to unbuffered): the same output as the clean run;
#   - load --backend nft (natively, in a network namespace of our own:
#     unshare -rn): the nft ruleset and the xfrm policies afterwards are
#     the ones before, byte for byte, or the ones a clean load makes,
#     never something in between; the new ones after exit 1 (a step after
#     the commit failed: the /run/sfb record, nf_sfb's ruleset) only with
#     the line "sfb: FILE: loaded as table inet sfb (nft backend), but
#     STEP failed", the old ones never with it. Before each run the
#     namespace holds an older sfb table (and its IPsec bypass policies)
#     and a table of someone else's.
#
# The module backend's load is tests/selftests/failalloc_load.sh's (VM).
#
# Commands: check, export --format csv, nft and xfrm, load --backend nft,
# all of the example site. Each command's every allocation point is failed
# except load's: its thousands of points (a libnftnl object per set
# element) are failed at the first 200, the last 50 and every STRIDE-th
# between (FAILALLOC_STRIDE, default 10; 1 fails them all: 13 minutes at
# nice 19 on a busy 2-CPU machine). The output says how many points each
# command had failed.
#
# It runs the build/vg sfbctl whatever sfbctl the suite tests (ASan has
# its own malloc), and tests/run-valgrind leaves it out, for it does not
# name the variable that runner looks for (a thousand sfbctl runs under
# valgrind would take hours). 60 to 110 s at nice 19 (stride 10).
#
# Run from the repository root; exit 0 pass, 1 fail, 4 skip.

. "$(dirname "$0")/lib.sh"

SHIM=$PWD/build/vg/failalloc.so
SFB=$PWD/build/vg/sfbctl
: "${FAILALLOC_STRIDE:=10}"
if [ ! -x "$SFB" ] || [ ! -f "$SHIM" ]; then
	fail "build/vg/sfbctl and build/vg/failalloc.so are not built (make test-bins)"
fi

# points N: the allocations to fail of N, in order: the first 200, the
# last 50 and every FAILALLOC_STRIDE-th between; all of them if STRIDE=1.
points() {
	local n=$1 i

	for ((i = 1; i <= n; i++)); do
		((i <= 200 || i > n - 50 || i % FAILALLOC_STRIDE == 0)) && echo "$i"
	done
}

# judge WHAT I RC OUT ERR WANT_OUT: one failing run's outcome, as above.
judge() {
	local what=$1 i=$2 rc=$3 out=$4 err=$5 want=$6

	case $rc in
	0)	cmp -s "$want" "$out" ||
			fail "$what, allocation $i failed: exit 0 with other output"
		;;
	1)	grep -qxE 'sfb: (.*: )?out of memory|.*: Cannot allocate memory' "$err" ||
			fail "$what, allocation $i failed: exit 1 without a clear error: $(cat "$err")"
		[ ! -s "$out" ] ||
			fail "$what, allocation $i failed: exit 1 after writing $(wc -c < "$out") bytes to standard output"
		;;
	*)	fail "$what, allocation $i failed: exit $rc: $(tail -n 5 "$err")" ;;
	esac
}

# failnth WHAT CMD...: CMD, once clean, then once per point failed.
failnth() {
	local what=$1 n i rc tried=0

	shift
	FAILALLOC_COUNT=$tmp/count LD_PRELOAD=$SHIM "$@" > "$tmp/want" 2> "$tmp/err" ||
		fail "$what: the clean run failed: $(cat "$tmp/err")"
	n=$(cat "$tmp/count")
	for i in $(points "$n"); do
		FAILALLOC_NTH=$i LD_PRELOAD=$SHIM "$@" > "$tmp/out" 2> "$tmp/err"
		rc=$?
		judge "$what" "$i" "$rc" "$tmp/out" "$tmp/err" "$tmp/want"
		tried=$((tried + 1))
	done
	echo "$what: $tried of $n allocation points failed, each a clear error or absorbed"
}

failnth "check" "$SFB" check "$SITE"
for format in csv nft xfrm; do
	failnth "export --format $format" "$SFB" export --format "$format" "$SITE"
done

command -v unshare > /dev/null || { echo "SKIP: no unshare"; exit 4; }
unshare -rn true 2> /dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
command -v nft > /dev/null || { echo "SKIP: no nft"; exit 4; }

# The older sfb table the namespace holds: other roles and addresses,
# another exempt mark: other bypass policies, which the load replaces.
cat > "$tmp/old.conf" <<CONF
include "$PWD/user/roles/sfb2015.conf"
mark ipsec-exempt 0x800
bind director 198.51.100.7
bind edge-av-internal 198.51.100.48/32
CONF

# load: in one namespace; before each run, the older table and a foreign
# one, as a clean load and nft make them.
export -f points judge fail
export SHIM SFB SITE FAILALLOC_STRIDE tmp
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -rn bash -c '
	set -u
	state() { nft list ruleset && ip xfrm policy list; }
	reset() {
		nft flush ruleset &&
		printf "table ip other {\n\tchain c {\n\t\ttype filter hook input priority 0\n\t\tcounter\n\t}\n}\n" | nft -f - &&
		"$SFB" load --backend nft "$tmp/old.conf" 2> /dev/null &&
		state > "$tmp/before"
	}
	reset || fail "load: cannot set the namespace up"
	FAILALLOC_COUNT=$tmp/count LD_PRELOAD=$SHIM "$SFB" load --backend nft "$SITE" \
		> "$tmp/want" 2> "$tmp/err" || fail "load: the clean run failed: $(cat "$tmp/err")"
	state > "$tmp/new"
	cmp -s "$tmp/before" "$tmp/new" && fail "load: the clean load changed nothing"
	n=$(cat "$tmp/count") tried=0 late=0
	for i in $(points "$n"); do
		reset || fail "load: cannot set the namespace up"
		FAILALLOC_NTH=$i LD_PRELOAD=$SHIM "$SFB" load --backend nft "$SITE" \
			> "$tmp/out" 2> "$tmp/err"
		rc=$?
		judge "load --backend nft" "$i" "$rc" "$tmp/out" "$tmp/err" "$tmp/want"
		state > "$tmp/after"
		said=$(grep -c "^sfb: $SITE: loaded as table inet sfb (nft backend), but .* failed$" "$tmp/err")
		if [ "$rc" -eq 0 ]; then
			cmp -s "$tmp/new" "$tmp/after" ||
				fail "load, allocation $i failed: exit 0, but not the new ruleset"
		elif cmp -s "$tmp/before" "$tmp/after"; then
			[ "$said" = 0 ] ||
				fail "load, allocation $i failed: says it loaded, but the old ruleset is in force: $(cat "$tmp/err")"
		else
			cmp -s "$tmp/new" "$tmp/after" ||
				fail "load, allocation $i failed: exit 1, and neither the old ruleset nor the new: $(diff "$tmp/before" "$tmp/after" | head -n 20)"
			[ "$said" = 1 ] ||
				fail "load, allocation $i failed: exit 1, the new ruleset in force, not said: $(cat "$tmp/err")"
			late=$((late + 1))
		fi
		tried=$((tried + 1))
	done
	echo "load --backend nft: $tried of $n allocation points failed (stride $FAILALLOC_STRIDE), each a clear error and the previous ruleset, or absorbed and the new one; $late failed after the commit: the new ruleset, and a line that says so"
' || exit 1
