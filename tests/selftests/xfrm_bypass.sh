#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl keeps xfrm bypass policies for the ipsec-exempt rules: six keyed
# on the exempt mark (dir in, out, fwd; IPv4, IPv6) and, for the socket-time
# lookup that has no mark, dir out selectors of the exempt flows (address
# prefix, protocol, port value/mask block). Load installs them with indices
# in sfb's range, a reload keeps what stays and replaces the rest, --check
# and a failed load leave them as they were, flush removes them, show lists
# them, and no other xfrm policy is ever touched. load --sysctl sets
# tcp_fwmark_accept and reserves the exempt source ports, keeping what the
# administrator reserved.
#
# nf_sfb only loads and flushes here, as in every test; the rest is sfbctl
# and the kernel's xfrm_user, which KASAN would check for the kernel's sake.
# Not on the debug kernel: the kernel side is xfrm_user's, not nf_sfb's
. "$(dirname "$0")/lib.sh"
test_setup --module jq

NS=$TEST_NS-x
ip netns add "$NS" || fail "ip netns add"
ns() { "$NETNS" "$NS" "$@"; }

# Policies that are not sfb's: a template policy, and an allow policy with
# the same mark, priority and action but a real selector.
ns ip xfrm policy add src 10.9.9.0/24 dst 10.9.9.0/24 dir out \
	tmpl proto esp mode transport || fail "a template policy"
ns ip xfrm policy add src 10.8.0.0/16 dst 0.0.0.0/0 dir in priority 10 \
	mark 0x400 mask 0x400 action allow || fail "a marked allow policy"

# snapshot: the namespace's policies into $work/all, one line each, with
# their index and action (ip -s); sfb's, by index, into $work/sfb-kernel:
# 0x5fb00000 + 8 * slot + dir, slot 1..2^17-1. One ip call: TCG is slow.
snapshot() {
	ns ip -s xfrm policy list | awk '
		function out() { gsub(/[ \t]+/, " ", l); if (l != "") print l }
		/^src / { out(); l = "" }
		{ l = l " " $0 }
		END { out() }' > "$work/all"
	awk '{
		for (i = 1; i < NF; i++)
			if ($i == "index" && $(i + 1) >= 1605369864 &&
			    $(i + 1) < 1606418432)
				print
	}' "$work/all" > "$work/sfb-kernel"
}
foreign() {
	grep -e tmpl -e '10\.[89]\.' "$work/all"
}
snapshot
foreign > "$work/foreign"
[ "$(wc -l < "$work/all")" -eq 2 ] || fail "setup: $(cat "$work/all")"

# sfb's policies as show lists them, sorted.
sfb_policies() {
	ns "$SFBCTL" show | sed -n 's/^# xfrm bypass: //p' | sort
}
foreign_intact() {
	foreign | diff -u "$work/foreign" - >&2 || fail "$1: a foreign policy changed"
}

# The site binds mediation to 192.0.2.11/32, on the catalogue: its
# mediation-in and mediation-out rules (TCP and UDP, any port) and the
# clients rule (UDP from client-media, 1024-65535 unless overridden).
# Every UDP port but 500 and 4500 (IKE), as value/mask blocks:
UDP_ANY="0/0xff00 256/0xff80 384/0xffc0 448/0xffe0 480/0xfff0 496/0xfffc
	501/0xffff 502/0xfffe 504/0xfff8 512/0xfe00 1024/0xfc00 2048/0xf800
	4096/0xff00 4352/0xff80 4480/0xfff0 4496/0xfffc 4501/0xffff
	4502/0xfffe 4504/0xfff8 4512/0xffe0 4544/0xffc0 4608/0xfe00
	5120/0xfc00 6144/0xf800 8192/0xe000 16384/0xc000 32768/0x8000"
# 1024-65535 but 4500:
CLIENT_MEDIA="1024/0xfc00 2048/0xf800 4096/0xff00 4352/0xff80 4480/0xfff0
	4496/0xfffc 4501/0xffff 4502/0xfffe 4504/0xfff8 4512/0xffe0
	4544/0xffc0 4608/0xfe00 5120/0xfc00 6144/0xf800 8192/0xe000
	16384/0xc000 32768/0x8000"
WANT_N=$((6 + 2 * (1 + 27) + 2 * 17))

want_set() {	# want_set MARK
	local f d b
	for f in ipv4 ipv6; do for d in in out fwd; do
		echo "dir $d $f mark $1/$1"
	done; done
	echo "dir out ipv4 src 192.0.2.11/32 proto tcp sport 0/0x0"
	echo "dir out ipv4 dst 192.0.2.11/32 proto tcp dport 0/0x0"
	for b in $UDP_ANY; do
		echo "dir out ipv4 src 192.0.2.11/32 proto udp sport $b"
		echo "dir out ipv4 dst 192.0.2.11/32 proto udp dport $b"
	done
	for b in $CLIENT_MEDIA; do
		echo "dir out ipv4 src 0.0.0.0/0 proto udp sport $b"
		echo "dir out ipv6 src ::/0 proto udp sport $b"
	done
}

# expect_set MARK WHEN: exactly the wanted policies, in sfb's index range,
# allow at priority 10 without template, and the foreign ones as they were.
expect_set() {
	want_set "$1" | sed 's/$/ priority 10 allow/' | sort > "$work/want"
	sfb_policies | diff -u "$work/want" - >&2 ||
		fail "$2: not the expected policies"
	snapshot
	[ "$(wc -l < "$work/sfb-kernel")" -eq $WANT_N ] ||
		fail "$2: $(wc -l < "$work/sfb-kernel") policies in sfb's index range"
	grep -v ' action allow index [0-9]* priority 10 ' "$work/sfb-kernel" &&
		fail "$2: an sfb policy is not allow at priority 10"
	grep tmpl "$work/sfb-kernel" && fail "$2: an sfb policy has a template"
	[ "$(wc -l < "$work/all")" -eq $((WANT_N + 2)) ] ||
		fail "$2: $(wc -l < "$work/all") policies"
	foreign_intact "$2"
}

conf() {	# conf FILE MARK [LINE]
	cat > "$1" <<EOF
include "$PWD/user/roles/sfb2015.conf"
${3:-}
policy monitor
mark ipsec-exempt $2
bind mediation 192.0.2.11/32
EOF
}
conf "$work/a.conf" 0x400
conf "$work/b.conf" 0x800
conf "$work/c.conf" 0x1000

ns "$SFBCTL" load "$work/a.conf" || fail "load"
expect_set 0x400 "load"
echo "load: $WANT_N policies: 6 for mark 0x400/0x400, the rest dir out selectors"

cp "$work/sfb-kernel" "$work/before"
ns "$SFBCTL" load "$work/a.conf" || fail "reload, same mark"
expect_set 0x400 "reload with the same mark"
diff -u "$work/before" "$work/sfb-kernel" >&2 || fail "reload: policies replaced"
echo "reload: every policy kept as it was (same indices)"

ns "$SFBCTL" load "$work/b.conf" || fail "reload, mark 0x800"
expect_set 0x800 "reload with mark 0x800"
grep -v ' mark ' "$work/before" > "$work/selectors"
grep -v ' mark ' "$work/sfb-kernel" | diff -u "$work/selectors" - >&2 ||
	fail "reload with mark 0x800: selector policies replaced"
echo "reload: six with 0x800, none with 0x400, selectors kept; foreign policies untouched"

cp "$work/sfb-kernel" "$work/before"
ns "$SFBCTL" load --check "$work/c.conf" || fail "load --check"
expect_set 0x800 "load --check"
diff -u "$work/before" "$work/sfb-kernel" >&2 || fail "load --check changed policies"
echo "load --check: no change"

# A load the kernel refuses after the policies went in: another socket
# holds a transaction open, so BEGIN fails with EBUSY.
"$NETNS" $NS "$NL" hold 600 > "$work/hold" &
holder=$!
wait_for 60 has_line "$work/hold" holding || fail "no transaction open"
ns "$SFBCTL" load "$work/c.conf" 2> "$work/err" && fail "load while held"
echo "refused: $(head -n 1 "$work/err")"
expect_set 0x800 "a failed load"
diff -u "$work/before" "$work/sfb-kernel" >&2 || fail "a failed load changed policies"
kill "$holder"
wait "$holder" 2>/dev/null
echo "failed load: the previous policies, exactly"

# A policy that is not sfb's holds one of the wanted identities (dir,
# selector, mark): the load fails before the commit and says why.
ns ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir fwd priority 20 \
	mark 0x1000 mask 0x1000 action allow || fail "a colliding policy"
expect_rc 4 ns "$SFBCTL" load "$work/c.conf" 2> "$work/err"
grep "dir fwd ipv4 mark 0x1000/0x1000" "$work/err" | grep -q "not sfb's exists" ||
	fail "collision: $(cat "$work/err")"
ns ip xfrm policy del src 0.0.0.0/0 dst 0.0.0.0/0 dir fwd \
	mark 0x1000 mask 0x1000 || fail "the colliding policy is gone"
expect_set 0x800 "a collision"
diff -u "$work/before" "$work/sfb-kernel" >&2 || fail "a collision changed policies"
echo "collision: $(cat "$work/err")"

# show: comment lines that keep the output valid input, and JSON.
ns "$SFBCTL" show > "$work/show"
[ "$(grep -c '^# xfrm bypass: ' "$work/show")" -eq $WANT_N ] ||
	fail "show: $(cat "$work/show")"
for l in 'dir in ipv4 mark 0x800/0x800' \
	'dir out ipv4 src 192.0.2.11/32 proto tcp sport 0/0x0' \
	'dir out ipv4 dst 192.0.2.11/32 proto udp dport 501/0xffff' \
	'dir out ipv6 src ::/0 proto udp sport 32768/0x8000'; do
	grep -qx "# xfrm bypass: $l priority 10 allow" "$work/show" ||
		fail "show: no line '$l'"
done
ns "$SFBCTL" check "$work/show" 2>/dev/null || fail "show output is not valid input"
ns "$SFBCTL" show -j | jq -e --argjson n $WANT_N '.xfrm_bypass as $p |
	($p | length == $n) and
	($p | all(.priority == 10 and .index >= 1605369864 and
		  .index < 1606418432 and
		  .index % 8 == ({"in": 0, "out": 1, "fwd": 2}[.dir]))) and
	($p | map(.index) | unique | length == $n) and
	([$p[] | select(.kind == "mark")] | length == 6 and
	 all(.mark == 2048 and .mask == 2048) and
	 (map("\(.family) \(.dir)") | sort) ==
	 ["ipv4 fwd","ipv4 in","ipv4 out","ipv6 fwd","ipv6 in","ipv6 out"]) and
	([$p[] | select(.kind == "selector")] | length == $n - 6 and
	 all(.dir == "out" and .mark == 0 and .mask == 0)) and
	any($p[]; .kind == "selector" and .family == "ipv4" and
	    .protocol == "udp" and .saddr == "0.0.0.0/0" and
	    .sport == {"first": 32768, "last": 65535} and
	    .daddr == "0.0.0.0/0" and .dport == {"first": 0, "last": 65535})' \
	>/dev/null || fail "show -j: $(ns "$SFBCTL" show -j)"
echo "show: $WANT_N comment lines; show -j: xfrm_bypass with $WANT_N objects"

# A configuration without the exempt mark has no policies.
catalogue_site monitor "mediation 192.0.2.11/32" > "$work/nomark.conf"
ns "$SFBCTL" load "$work/nomark.conf" || fail "load without the mark"
snapshot
[ -z "$(sfb_policies)" ] && [ ! -s "$work/sfb-kernel" ] ||
	fail "policies without the mark: $(sfb_policies)"
foreign_intact "load without the mark"
ns "$SFBCTL" load "$work/a.conf" || fail "load again"
expect_set 0x400 "load again"

# load --sysctl. The catalogue's client-media (1024-65535) would reserve
# every ephemeral port: refused before anything changes (b.conf's other
# mark does not replace a.conf's).
ns sysctl -qw net.ipv4.ip_local_reserved_ports=8080 \
	net.ipv4.tcp_fwmark_accept=0 || fail "sysctl setup"
expect_rc 1 ns "$SFBCTL" load --sysctl "$work/b.conf" > "$work/out" 2> "$work/err"
grep -q 'would reserve every port of net.ipv4.ip_local_port_range' "$work/err" ||
	fail "load --sysctl, every port: $(cat "$work/err")"
expect_eq "$(ns sysctl -n net.ipv4.tcp_fwmark_accept)" 0 "refused: tcp_fwmark_accept"
expect_eq "$(ns sysctl -n net.ipv4.ip_local_reserved_ports)" 8080 "refused: reserved ports"
expect_set 0x400 "load --sysctl refused"
echo "load --sysctl, catalogue client media: $(cat "$work/err")"

conf "$work/d.conf" 0x400 "override media-range client-media 50000-50039"
ns "$SFBCTL" load --check --sysctl "$work/d.conf" > "$work/out" || fail "load --check --sysctl"
[ -s "$work/out" ] && fail "load --check --sysctl printed: $(cat "$work/out")"
expect_eq "$(ns sysctl -n net.ipv4.tcp_fwmark_accept)" 0 "--check: tcp_fwmark_accept"
ns "$SFBCTL" load --sysctl "$work/d.conf" > "$work/out" || fail "load --sysctl"
printf '%s\n' 'sfb: sysctl net.ipv4.tcp_fwmark_accept = 1' \
	'sfb: sysctl net.ipv4.ip_local_reserved_ports = 8080,50000-50039' |
	diff -u - "$work/out" >&2 || fail "load --sysctl output"
expect_eq "$(ns sysctl -n net.ipv4.tcp_fwmark_accept)" 1 "tcp_fwmark_accept"
expect_eq "$(ns sysctl -n net.ipv4.ip_local_reserved_ports)" 8080,50000-50039 \
	"reserved ports"
expect_eq "$(sysctl -n net.ipv4.tcp_fwmark_accept)" 0 \
	"tcp_fwmark_accept outside the namespace"
ns "$SFBCTL" load --sysctl "$work/d.conf" > "$work/out" || fail "load --sysctl again"
[ -s "$work/out" ] && fail "nothing to change, yet: $(cat "$work/out")"
sfb_policies | grep -c 'src 0.0.0.0/0 proto udp sport 500[0-9][0-9]/' |
	grep -qx 3 || fail "client media 50000-50039: $(sfb_policies)"
echo "load --sysctl: tcp_fwmark_accept 1, reserved ports 8080 kept and 50000-50039 added"

ns "$SFBCTL" flush || fail "flush"
snapshot
[ -z "$(sfb_policies)" ] && [ ! -s "$work/sfb-kernel" ] ||
	fail "flush left: $(sfb_policies)"
foreign_intact "flush"
[ "$(ns "$SFBCTL" show -j)" = '{"loaded":false,"xfrm_bypass":[]}' ] ||
	fail "show -j after flush: $(ns "$SFBCTL" show -j)"
echo "flush: all removed, foreign policies untouched"
