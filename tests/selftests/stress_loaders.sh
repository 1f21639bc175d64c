#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two loaders in one namespace at once: one transaction wins, the other is
# refused at BEGIN with EBUSY and a message that says why; the ruleset in
# force is always exactly one of the two files, never a mix, and the
# generation advances once per load that succeeded.
#
#   - $SFB_STRESS_RACES (default 500) rounds of sfb_replay race: two
#     threads, two sockets, loading file a and file b at the same instant
#     or a little apart; after every round the dumped ruleset is compared
#     with the file whose commit came last;
#   - $SFB_STRESS_SFBCTL_RACES (default 20, 5 on the debug kernel) rounds
#     of two sfbctl processes started together: each exits 0, or 4 with the
#     kernel's EBUSY message.
. "$(dirname "$0")/lib.sh"

races=${SFB_STRESS_RACES:-500}
sfbctl_races=${SFB_STRESS_SFBCTL_RACES:-$(scaled 20)}
ns=$TEST_NS-x
test_setup --module
ip netns add "$ns" || fail "ip netns add"
in_ns() { "$NETNS" "$ns" "$@"; }

# Two rulesets that share nothing but their shape: a mix of them would
# show in the dump as roles or bindings of both.
cat > "$work/a.conf" <<EOF
policy enforce
role fe "front end" {
	service sip tcp 5061 tls
	media audio udp 49152-57500
}
bind fe 192.0.2.10/32 2001:db8::10/128
EOF
cat > "$work/b.conf" <<EOF
policy monitor
mark service 0x10
role med "mediation" {
	service sip tcp 5067-5070 tls
}
role dir "director" {
	service web tcp 443 https
}
bind med 192.0.2.20/32
bind dir 192.0.2.21/32 2001:db8::21/128
EOF
for f in a b; do
	in_ns "$SFBCTL" load "$work/$f.conf" || fail "load $f.conf"
	in_ns "$SFBCTL" show > "$work/$f.show" || fail "show $f.conf"
	in_ns "$REPLAY" save "$work/$f.bin" || fail "save $f.conf"
done

in_ns "$REPLAY" race "$races" "$work/a.bin" "$work/b.bin" || fail "sfb_replay race"

# The same with sfbctl, whose refusal a user reads.
# `sfbctl show`: line 1 names the generation, the rest is the ruleset.
for f in a b; do
	sed -i 1d "$work/$f.show"
done
declare -A pid
wins=0 busy=0
for ((i = 0; i < sfbctl_races; i++)); do
	gen0=$(in_ns "$NL" generation)
	for f in a b; do
		in_ns "$SFBCTL" load "$work/$f.conf" > "$work/$f.out" 2>&1 &
		pid[$f]=$!
	done
	ok=0
	for f in a b; do
		wait "${pid[$f]}"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok=$((ok + 1))
		elif [ "$rc" -eq 4 ] && grep -q \
			"a load transaction of another socket is open" "$work/$f.out"; then
			busy=$((busy + 1))
		else
			cat "$work/$f.out"
			fail "round $i: loading $f.conf exited $rc"
		fi
	done
	[ "$ok" -ge 1 ] || fail "round $i: both loads refused"
	wins=$((wins + ok))
	expect_eq "$(in_ns "$NL" generation)" "$((gen0 + ok))" \
		"round $i: generation after $ok loads"
	in_ns "$SFBCTL" show > "$work/now.show" || fail "round $i: show"
	sed -i 1d "$work/now.show"
	cmp -s "$work/now.show" "$work/a.show" || cmp -s "$work/now.show" "$work/b.show" ||
		fail "round $i: the ruleset in force is neither a.conf nor b.conf"
done
echo "$sfbctl_races rounds of two sfbctl loads: $wins loaded, $busy refused with EBUSY"
