#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# export --format ipset, iptables, ip6tables, xfrm on a small file with
# every side of exemption: the address sets are the targets' ranges in
# the fewest CIDR blocks (no /0, which hash:net refuses); every set the
# iptables files match is one the ipset file makes, every chain they
# jump to is one they declare, they never ACCEPT and touch no built-in
# chain; the xfrm file holds the policies ip can state with sfb's indices
# and a comment for each port block it cannot; --role is refused.
# tests/selftests/exports.sh loads them into the real tools.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

cat > "$tmp/site.conf" <<'CONF'
# A pool (service and media ports) inside a site whose peers are
# everywhere else: the sets of both are ranges, not prefixes.
mark ipsec-exempt 0x4
mark media 0x2
policy enforce
role site-peer "any address outside the pool" {
}
role pool "the pool" {
	media audio udp 10000-20000
	service sip-tls tcp 443 mtls
}
bind pool 2001:db8::/32 10.0.0.0/8
bind site-peer ::/0 0.0.0.0/0 10.1.0.0/16
ipsec-exempt stun { from any; to any; proto udp; sport any; dport 3478-3481 }
ipsec-exempt peer-out { from site-peer; to any; proto tcp; sport 7000; dport any }
ipsec-exempt to-pool { from any; to pool; proto tcp; sport any; dport any }
CONF
for f in ipset iptables ip6tables xfrm; do
	"$SFBCTL" export --format $f "$tmp/site.conf" > "$tmp/out.$f" ||
		fail "export --format $f"
	"$SFBCTL" export --format $f --role pool "$tmp/site.conf" > "$tmp/role" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "$f --role: exit $rc, expected 2"
	grep -qx "sfb: export: --role is for csv and markdown; $f writes the whole policy" \
		"$tmp/role" || fail "$f --role: $(cat "$tmp/role")"
done

# site-peer alone holds everything but 10/8; both roles hold 10/8.
printf '%s\n' 0.0.0.0/5 8.0.0.0/7 11.0.0.0/8 12.0.0.0/6 16.0.0.0/4 \
	32.0.0.0/3 64.0.0.0/2 128.0.0.0/1 > "$tmp/want"
sed -n 's/^add sfb-t0-4-new //p' "$tmp/out.ipset" | diff -u "$tmp/want" - ||
	fail "the CIDR blocks of 0.0.0.0/0 without 10.0.0.0/8"
[ "$(sed -n 's/^add sfb-t1-6-new //p' "$tmp/out.ipset")" = 2001:db8::/32 ] ||
	fail "the pool's IPv6 set"
[ "$(sed -n 's/^add sfb-t0-6-new //p' "$tmp/out.ipset" | wc -l)" -eq 32 ] ||
	fail "::/0 without 2001:db8::/32 is not 32 blocks"
for set in $(sed -n 's/^create \(sfb-[^ ]*\) .*/\1/p' "$tmp/out.ipset" | grep -v -- '-new$'); do
	[ ${#set} -le 27 ] || fail "$set: too long for ipset with -new"
	grep -qx "create $set-new .* -exist" "$tmp/out.ipset" &&
		grep -qx "flush $set-new" "$tmp/out.ipset" &&
		grep -qx "swap $set-new $set" "$tmp/out.ipset" &&
		grep -qx "destroy $set-new" "$tmp/out.ipset" || fail "$set: not swapped in"
done
! grep -v -e '^#' -e ' sfb-' "$tmp/out.ipset" || fail "a line about a set not sfb's"

for f in iptables ip6tables; do
	out=$tmp/out.$f
	[ "$(grep -v '^#' "$out" | head -n 1)" = '*mangle' ] &&
		[ "$(tail -n 1 "$out")" = COMMIT ] &&
		[ "$(grep -c '^\*' "$out")" -eq 1 ] || fail "$f: not one commit to mangle"
	for set in $(grep -o -- '--match-set [^ ]*' "$out" | cut -d' ' -f2 | sort -u); do
		grep -q "^create $set " "$tmp/out.ipset" || fail "$f: $set is not made"
	done
	for chain in $(grep -o -- '-[jg] SFB-[^ ]*' "$out" | cut -d' ' -f2 | sort -u); do
		grep -qx ":$chain - \[0:0\]" "$out" || fail "$f: $chain is not declared"
	done
	! grep -n -e '-j ACCEPT' -e '^-[AIDR] [A-Z]*ROUTING' -e '^-[AIDR] OUTPUT' \
		-e '^:[^S]' "$out" || fail "$f: a built-in chain or ACCEPT"
	grep -qx -- '-A SFB-PREROUTING -p udp -g SFB-PRE' "$out" ||
		fail "$f: no gate to SFB-PRE"
done
grep -qx -- '-A SFB-PRE -m set --match-set sfb-t1-4 dst -g SFB-T1' "$tmp/out.iptables" ||
	fail "iptables: no dispatch to the pool's target"
grep -qx -- '-A SFB-PRE -m set --match-set sfb-t1-6 dst -g SFB-T1' "$tmp/out.ip6tables" ||
	fail "ip6tables: no dispatch to the pool's target"
! grep -q 'sfb-t[0-9]*-6' "$tmp/out.iptables" || fail "iptables names an IPv6 set"
grep -qx -- '-A SFB-T1 -m comment --comment "would drop in enforce mode"' "$tmp/out.iptables" &&
	fail "enforce: a monitor rule"
grep -qx -- '-A SFB-T1 -j DROP' "$tmp/out.iptables" || fail "enforce: no drop"

x=$tmp/out.xfrm
grep -qx 'xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir in mark 0x4 mask 0x4 index 0x5fb00008 priority 10 action allow' "$x" ||
	fail "xfrm: the first mark policy"
[ "$(grep -c ' mark 0x4 mask 0x4 ' "$x")" -eq 6 ] || fail "xfrm: not six mark policies"
grep -qx 'xfrm policy add src 10.1.0.0/16 dst 0.0.0.0/0 proto tcp sport 7000 dir out index 0x5fb00051 priority 10 action allow' "$x" ||
	fail "xfrm: a single source port"
grep -qx 'xfrm policy add src ::/0 dst 2001:db8::/32 proto tcp dir out index 0x5fb00079 priority 10 action allow' "$x" ||
	fail "xfrm: every port (no mask)"
[ "$(grep -c '^# sfbctl load only (ip cannot give dport 34[78][08] the mask 0xfffe): dir out src .* proto udp$' "$x")" -eq 4 ] ||
	fail "xfrm: the blocks of 3478-3481"
[ "$(grep -c -e '^xfrm ' -e '^# sfbctl load only' "$x")" -eq 15 ] || fail "xfrm: not 15 policies"

sed '/^mark ipsec-exempt/d' "$tmp/site.conf" > "$tmp/nomark.conf"
"$SFBCTL" export --format xfrm "$tmp/nomark.conf" > "$x" || fail "xfrm without the mark"
grep -qx '# None: the file sets no mark ipsec-exempt.' "$x" && ! grep -q '^xfrm' "$x" ||
	fail "xfrm without the mark: $(cat "$x")"
echo "export ipset, iptables, ip6tables, xfrm: CIDR blocks, sets and chains agree, ip's limits stated"
