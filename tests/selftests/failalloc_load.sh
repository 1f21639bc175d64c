#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl load into nf_sfb while its allocations fail: the module backend's
# part of tests/unit/failalloc_test.sh, which runs the nft backend natively
# (issue 20). build/vg/failalloc.so (LD_PRELOAD) makes the Nth heap
# allocation of sfbctl or of its libraries fail; the plain build/vg sfbctl
# runs under it, whatever sfbctl the suite tests (ASan has its own malloc).
#
# In a namespace of its own that holds an older ruleset and its xfrm
# bypass policies, the example site is loaded once clean (counting the
# allocations), then once per allocation failed, and every time:
#
#   - exit 0 (the failure was absorbed): the new ruleset is in force;
#   - exit 1: standard error says why ("sfb: out of memory", or an error
#     ending in ": Cannot allocate memory") and standard output is empty;
#   - never another status, never a signal;
#   - afterwards the ruleset and the xfrm policies are exactly the old ones
#     at the old generation, or exactly the new ones at the next: never a
#     mix. The new ones after exit 1 (a step after the commit failed) only
#     with a line that says the file is loaded; the old ones never with it.
#
# Points failed: the first FAILALLOC_FIRST (default 20), the last
# FAILALLOC_LAST (10) and every FAILALLOC_STRIDE-th between (7; 1: all of
# them): 45 of 131 in 150 s on 6.1 under TCG on a busy 2-CPU machine.
# Each run is an exec of sfbctl and of three tools that check, a few
# hundred ms each under TCG.
#
# Not on the debug kernel: the allocations failed are sfbctl's; nf_sfb's side is the load and abort every test runs
# Not on 6.12: sfbctl's allocations are the same whatever the kernel; 6.1 runs it
. "$(dirname "$0")/lib.sh"
test_setup --module
load_module xfrm_user || fail "modprobe xfrm_user"

SHIM=$PWD/build/vg/failalloc.so
SFB=$PWD/build/vg/sfbctl
: "${FAILALLOC_FIRST:=20}" "${FAILALLOC_LAST:=10}" "${FAILALLOC_STRIDE:=7}"
if [ ! -x "$SFB" ] || [ ! -f "$SHIM" ]; then
	fail "build/vg/sfbctl and build/vg/failalloc.so are not built (make selftest)"
fi

NS=$TEST_NS-gw
ip netns add "$NS" || fail "ip netns add"

# The older ruleset: other binds, another exempt mark, so that its bypass
# policies differ from the example site's.
catalogue_site enforce "director 198.51.100.7" \
	"edge-av-internal 198.51.100.48/32" "client 198.51.100.128/26" \
	> "$work/old.conf"
echo "mark ipsec-exempt 0x800" >> "$work/old.conf"
SITE=$PWD/user/roles/example-site.conf

export SHIM SFB SITE NL REPLAY FAILALLOC_FIRST FAILALLOC_LAST FAILALLOC_STRIDE work
export -f fail
# The runs, in the namespace. An exec costs a few hundred ms under TCG:
# the checks are bash's own where they can be.
read -r -d '' runs <<'EOF'
set -u
shopt -s extglob
# xfrm: the policies, without the index a reload may change.
xfrm() {
	local out
	out=$(ip xfrm policy list) || fail "ip xfrm policy list"
	echo "${out//index +([0-9])/}"
}
# reset: the older ruleset in force; its generation in $gen, its
# policies in $work/old.xfrm.
reset() {
	"$SFB" load --backend module "$work/old.conf" > /dev/null ||
		fail "cannot load the older ruleset"
	gen=$("$NL" generation) || fail "sfb_nl generation"
	xfrm > "$work/old.xfrm"
}
# state I RC: the ruleset and policies after run I, which exited RC: the
# old ones or the new ones (then $changed=1), nothing between.
state() {
	local i=$1 rc=$2 now

	now=$("$NL" generation) || fail "sfb_nl generation"
	changed=0
	if [ "$now" = "$gen" ]; then
		"$REPLAY" same "$work/old.rs" ||
			fail "allocation $i: the generation stayed, the ruleset did not"
		[ "$(xfrm)" = "$(< "$work/old.xfrm")" ] ||
			fail "allocation $i: exit $rc, the old ruleset, other xfrm policies: $(xfrm)"
	elif [ "$now" = $((gen + 1)) ]; then
		"$REPLAY" same "$work/new.rs" ||
			fail "allocation $i: exit $rc, generation $now, but not the new ruleset"
		[ "$(xfrm)" = "$(< "$work/new.xfrm")" ] ||
			fail "allocation $i: exit $rc, the new ruleset, other xfrm policies: $(xfrm)"
		changed=1
	else
		fail "allocation $i: generation $gen became $now"
	fi
}
# judge I RC: run I's exit status RC and what it said, as the head of the
# file wants them, against the state it left ($changed).
judge() {
	local i=$1 rc=$2 err

	err=$'\n'$(< "$work/err")$'\n'
	case $rc in
	0)	[ "$changed" = 1 ] || fail "allocation $i: exit 0, the old ruleset"
		absorbed=$((absorbed + 1))
		;;
	1)	[[ $err =~ $'\n''sfb: '(.*': ')?'out of memory'$'\n'|': Cannot allocate memory'$'\n' ]] ||
			fail "allocation $i: exit 1 without a clear error: $err"
		[ ! -s "$work/out" ] || fail "allocation $i: exit 1, and output: $(< "$work/out")"
		if [[ $err =~ $'\n''sfb: '.*': loaded as generation '$((gen + 1))', but '.*' failed'$'\n' ]]; then
			[ "$changed" = 1 ] || fail "allocation $i: said loaded, the old ruleset: $err"
			late=$((late + 1))
		else
			[ "$changed" = 0 ] || fail "allocation $i: exit 1, the new ruleset, not said: $err"
		fi
		;;
	*)	fail "allocation $i: exit $rc: $err" ;;
	esac
}

reset
"$REPLAY" save "$work/old.rs" || fail "sfb_replay save"
[ -s "$work/old.xfrm" ] || fail "the older ruleset has no bypass policies"
start=$SECONDS
FAILALLOC_COUNT=$work/count LD_PRELOAD=$SHIM "$SFB" load --backend module "$SITE" \
	> "$work/out" 2> "$work/err" || fail "the clean load failed: $(< "$work/err")"
[ "$("$NL" generation)" = $((gen + 1)) ] || fail "the clean load made no generation"
"$REPLAY" save "$work/new.rs" || fail "sfb_replay save"
xfrm > "$work/new.xfrm"
[ "$(< "$work/old.xfrm")" != "$(< "$work/new.xfrm")" ] ||
	fail "the clean load kept the xfrm policies"
n=$(< "$work/count")
echo "a clean load: $n allocations, $((SECONDS - start)) s with the checks"
reset

tried=0 late=0 absorbed=0 start=$SECONDS
for ((i = 1; i <= n; i++)); do
	((i <= FAILALLOC_FIRST || i > n - FAILALLOC_LAST || i % FAILALLOC_STRIDE == 0)) ||
		continue
	FAILALLOC_NTH=$i LD_PRELOAD=$SHIM "$SFB" load --backend module "$SITE" \
		> "$work/out" 2> "$work/err"
	rc=$?
	state "$i" "$rc"
	judge "$i" "$rc"
	[ "$changed" = 0 ] || reset
	tried=$((tried + 1))
done
echo "load --backend module: $tried of $n allocation points failed (the first $FAILALLOC_FIRST, the last $FAILALLOC_LAST, every ${FAILALLOC_STRIDE}th between) in $((SECONDS - start)) s: $((tried - late - absorbed)) a clear error and the old ruleset, $late after the commit (the new ruleset, said so), $absorbed absorbed"
EOF
"$NETNS" "$NS" bash -c "$runs" || exit 1
