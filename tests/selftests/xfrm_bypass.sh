#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl keeps six xfrm bypass policies (dir in, out, fwd; IPv4, IPv6) keyed
# on the ipsec-exempt mark: load installs them, a reload with another mark
# replaces them, --check and a failed load leave them as they were, flush
# removes them, show lists them, and no other xfrm policy is ever touched.
. "$(dirname "$0")/lib.sh"
need jq

NL=$PWD/build/selftests/sfb_nl
NS=sfb-xfrm
work=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$work"' EXIT
sfb_insmod || fail "insmod"
ip netns del $NS 2>/dev/null
ip netns add $NS || fail "ip netns add"
ns() { ip netns exec $NS "$@"; }

# Policies that are not sfb's: a template policy, and an allow policy with
# the same mark, priority and action but a real selector.
ns ip xfrm policy add src 10.9.9.0/24 dst 10.9.9.0/24 dir out \
	tmpl proto esp mode transport || fail "a template policy"
ns ip xfrm policy add src 10.8.0.0/16 dst 0.0.0.0/0 dir in priority 10 \
	mark 0x400 mask 0x400 action allow || fail "a marked allow policy"

# One line per policy.
policies() {
	ns ip xfrm policy list | awk '
		/^src / { if (l != "") print l; l = $0; next }
		{ l = l " " $0 }
		END { if (l != "") print l }' | tr -s ' \t' ' '
}
policies > "$work/foreign"
[ "$(wc -l < "$work/foreign")" -eq 2 ] || fail "setup: $(cat "$work/foreign")"

# sfb's policies, as "dir DIR FAMILY mark M/M", sorted.
sfb_policies() {
	policies | grep -v -e tmpl -e '10\.[89]\.' |
		sed -n 's/^src \(0\.0\.0\.0\/0\|::\/0\) dst [^ ]* dir \([a-z]*\) priority \([0-9]*\) .*mark \([0-9a-fx\/]*\).*/\1 \2 \3 \4/p' |
		sed 's/^0\.0\.0\.0\/0/ipv4/; s/^::\/0/ipv6/' | sort
}
foreign_intact() {
	policies | grep -e tmpl -e '10\.[89]\.' > "$work/now"
	diff -u "$work/foreign" "$work/now" >&2 || fail "$1: a foreign policy changed"
}
# expect_six MARK WHEN
expect_six() {
	local m=$1 want
	want=$(for f in ipv4 ipv6; do for d in fwd in out; do
		echo "$f $d 10 $m/$m"; done; done | sort)
	sfb_policies > "$work/sfb"
	[ "$(cat "$work/sfb")" = "$want" ] || {
		policies >&2
		fail "$2: expected the six policies for $m, got: $(cat "$work/sfb")"
	}
	[ "$(policies | wc -l)" -eq 8 ] || fail "$2: $(policies | wc -l) policies"
	foreign_intact "$2"
}

conf() {	# conf FILE MARK
	cat > "$1" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy monitor
mark ipsec-exempt $2
bind mediation 192.0.2.11/32
EOF
}
conf "$work/a.conf" 0x400
conf "$work/b.conf" 0x800
conf "$work/c.conf" 0x1000

ns "$SFBCTL" load "$work/a.conf" || fail "load"
expect_six 0x400 "load"
# ip prints the action only when it is not allow, "tmpl" only with one.
policies | grep -v '10\.[89]\.' | grep -e block -e tmpl &&
	fail "an sfb policy blocks or has a template"
echo "load: six bypass policies, mark 0x400/0x400, priority 10, no template"

ns "$SFBCTL" load "$work/a.conf" || fail "reload, same mark"
expect_six 0x400 "reload with the same mark"

ns "$SFBCTL" load "$work/b.conf" || fail "reload, mark 0x800"
expect_six 0x800 "reload with mark 0x800"
echo "reload: six with 0x800, none with 0x400; foreign policies untouched"

ns "$SFBCTL" load --check "$work/c.conf" || fail "load --check"
expect_six 0x800 "load --check"
echo "load --check: no change"

# A load the kernel refuses after the policies went in: another socket
# holds a transaction open, so BEGIN fails with EBUSY.
ip netns exec $NS "$NL" hold 600 > "$work/hold" &
holder=$!
wait_for 60 grep -q holding "$work/hold" || fail "no transaction open"
ns "$SFBCTL" load "$work/c.conf" 2> "$work/err" && fail "load while held"
echo "refused: $(head -n 1 "$work/err")"
expect_six 0x800 "a failed load"
kill "$holder"
wait "$holder" 2>/dev/null
holder=
echo "failed load: the previous six policies, exactly"

# show: comment lines that keep the output valid input, and JSON.
ns "$SFBCTL" show > "$work/show"
grep -c '^# xfrm bypass: dir .* mark 0x800/0x800 priority 10 allow$' "$work/show" |
	grep -qx 6 || fail "show: $(cat "$work/show")"
grep -qx '# xfrm bypass: dir in ipv4 mark 0x800/0x800 priority 10 allow' "$work/show" ||
	fail "show: no in ipv4 line"
ns "$SFBCTL" check "$work/show" 2>/dev/null || fail "show output is not valid input"
ns "$SFBCTL" show -j | jq -e '.xfrm_bypass | length == 6 and
	all(.mark == 2048 and .mask == 2048 and .priority == 10) and
	([.[] | "\(.family) \(.dir)"] | sort) ==
	["ipv4 fwd","ipv4 in","ipv4 out","ipv6 fwd","ipv6 in","ipv6 out"]' \
	>/dev/null || fail "show -j: $(ns "$SFBCTL" show -j)"
echo "show: six comment lines; show -j: xfrm_bypass with six objects"

# A configuration without the exempt mark has no policies.
catalogue_site monitor "mediation 192.0.2.11/32" > "$work/nomark.conf"
ns "$SFBCTL" load "$work/nomark.conf" || fail "load without the mark"
[ -z "$(sfb_policies)" ] || fail "policies without the mark: $(sfb_policies)"
foreign_intact "load without the mark"
ns "$SFBCTL" load "$work/a.conf" || fail "load again"
expect_six 0x400 "load again"

ns "$SFBCTL" flush || fail "flush"
[ -z "$(sfb_policies)" ] || fail "flush left: $(sfb_policies)"
foreign_intact "flush"
[ "$(ns "$SFBCTL" show -j)" = '{"loaded":false,"xfrm_bypass":[]}' ] ||
	fail "show -j after flush: $(ns "$SFBCTL" show -j)"
echo "flush: all six removed, foreign policies untouched"
