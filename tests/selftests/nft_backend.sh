#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nft backend installs exactly what the nft export writes: for sites
# in both modes, with marks and with ipsec-exempt rules of every side,
# `sfbctl load --backend nft` in one namespace and `sfbctl export --format
# nft | nft -f -` in another give the same `nft list table inet sfb`. The
# backend touches no other table; --check and a refused file change
# nothing; flush removes table sfb and may run again.
#
# Read back, the table is the module's ruleset: the same file loaded with
# nf_sfb in another namespace, show prints the same configuration, match
# gives the same answers, and after the same packets stats the same
# counters, rule by rule. A load with one backend removes the other's
# policy. Both backends' -j output holds to user/man/sfb-json.schema.json.
# Not on the debug kernel: nf_sfb's part in it is loads, flushes and reads every other test makes
. "$(dirname "$0")/lib.sh"
test_setup --module nft
A=$TEST_NS-a
B=$TEST_NS-b
ip netns add "$A" && ip netns add "$B" || fail "namespaces"
in_a() { "$NETNS" "$A" "$@"; }
in_b() { "$NETNS" "$B" "$@"; }
[ ! -d /sys/module/nf_sfb ] ||
	[ "$(in_a "$SFBCTL" show 2>/dev/null)" = "# no ruleset is loaded" ] ||
	fail "nf_sfb holds a ruleset in a new namespace"

sed "s|^include \"sfb2015.conf\"|include \"$PWD/user/roles/sfb2015.conf\"|" \
	user/roles/example-site.conf > "$work/monitor.conf"
sed 's/^policy monitor/policy enforce/' "$work/monitor.conf" > "$work/enforce.conf"
cat > "$work/sides.conf" <<'CONF'
policy enforce
mark media 0x2
mark ipsec-exempt 0x4
role web "web" {
	service https tcp 443 https
	media rtp udp 10000-20000
}
role peer "peer" {
}
bind web 10.0.0.0/24 2001:db8::/64 10.0.2.0/23
bind peer 10.0.1.5/32 2001:db8:1::/48 0.0.0.0/1
ipsec-exempt turn { from any; to any; proto tcp,udp; sport any; dport 3478-3481 }
ipsec-exempt media { from any; to any; proto udp; sport 50000-50019; dport any }
ipsec-exempt peer-out { from peer; to any; proto tcp; sport 7000; dport any }
ipsec-exempt to-web { from any; to web; proto udp; sport any; dport 10000-10009 }
CONF

in_a nft add table inet other \; add chain inet other keep \
	'{ type filter hook input priority 0; policy accept; }' \; \
	add rule inet other keep counter || fail "another table"
for site in monitor enforce sides; do
	in_a "$SFBCTL" load --backend nft "$work/$site.conf" ||
		fail "load --backend nft $site"
	"$SFBCTL" export --format nft "$work/$site.conf" > "$work/$site.nft" ||
		fail "export $site"
	in_b nft -f "$work/$site.nft" || fail "nft -f of the $site export"
	in_a nft -s list table inet sfb > "$work/$site.backend"
	in_b nft -s list table inet sfb > "$work/$site.export"
	diff -u "$work/$site.export" "$work/$site.backend" ||
		fail "$site: the backend's table differs from the export's"
	grep -q 'chain prerouting' "$work/$site.backend" || fail "$site: no prerouting chain"
	echo "$site: backend and export install the same table ($(wc -l < "$work/$site.backend") lines)"
done

in_a nft -s list table inet sfb > "$work/before"
in_a "$SFBCTL" load --check --backend nft "$work/monitor.conf" || fail "load --check"
in_a nft -s list table inet sfb | diff -u "$work/before" - || fail "--check changed the table"
echo "load --check: validated, nothing changed"

# What the module refuses, the backend refuses too, before the kernel.
printf 'policy enforce\nrole a "a" {\n\tservice s tcp 1 tcp\n}\nbind a iface eth0\n' \
	> "$work/iface.conf"
in_a "$SFBCTL" load --backend nft "$work/iface.conf" 2> "$work/err" &&
	fail "an interface-only bind was loaded"
grep -qxF "$work/iface.conf:5:1: error: interface-only bindings are not supported by nf_sfb yet; bind addresses" \
	"$work/err" || fail "an interface-only bind: $(cat "$work/err")"
in_a nft -s list table inet sfb | diff -u "$work/before" - || fail "a refused load changed the table"
echo "an interface-only bind: refused at its line, the table in force unchanged"

in_a "$SFBCTL" flush --backend nft || fail "flush"
in_a nft list tables > "$work/tables"
grep -qx 'table inet other' "$work/tables" || fail "flush took another table"
! grep -q 'table inet sfb' "$work/tables" || fail "table sfb is still there"
in_a nft list chain inet other keep | grep -q counter || fail "another table's rule changed"
in_a "$SFBCTL" flush --backend nft || fail "a second flush"
echo "flush: table sfb gone, table other untouched, flush again succeeds"

# Read back: the table (in A) against nf_sfb (in B), the same file.
in_a "$SFBCTL" load --backend nft "$work/sides.conf" || fail "load sides in A"
in_b nft delete table inet sfb || fail "B: drop the export's table"
in_b "$SFBCTL" load --backend module "$work/sides.conf" || fail "load sides in B"
# The generation is nftables' own, after the load's commit.
expect_eq "$(in_a "$SFBCTL" show | head -1)" \
	"# table inet sfb (nft backend), generation $(in_a "$SFBCTL" version -j | jq .ruleset.generation)" \
	"show's first line"
in_b "$SFBCTL" show | tail -n +2 > "$work/show.module"
in_a "$SFBCTL" show | tail -n +2 > "$work/show.nft"
diff -u "$work/show.module" "$work/show.nft" ||
	fail "show: the table's configuration is not the module's"
in_a "$SFBCTL" version | tail -1 |
	grep -Eqx 'policy: table inet sfb \(nft backend\), generation [1-9][0-9]*' ||
	fail "version: $(in_a "$SFBCTL" version | tail -1)"
while read -r proto saddr sport daddr dport; do
	q=("$proto" from "$saddr" port "$sport" to "$daddr" port "$dport")
	in_b "$SFBCTL" match -j "${q[@]}" | jq -c 'del(.generation)' > "$work/match.module"
	in_a "$SFBCTL" match -j "${q[@]}" | jq -c 'del(.generation)' > "$work/match.nft"
	diff -u "$work/match.module" "$work/match.nft" ||
		fail "match ${q[*]}: the table's answer is not the module's"
done <<'PACKETS'
tcp 198.51.100.1 40000 10.0.0.1 443
tcp 198.51.100.1 40000 10.0.0.1 444
udp 198.51.100.1 40000 10.0.0.1 10005
udp 198.51.100.1 40000 10.0.0.1 15000
udp 198.51.100.1 50010 10.0.0.1 9
udp 10.0.1.5 40000 10.0.0.1 3479
tcp 10.0.1.5 7000 198.51.100.1 80
udp 10.0.3.7 500 10.0.0.9 10001
udp 2001:db8::1 40000 2001:db8:1::1 20000
tcp 2001:db8:1::2 7000 2001:db8::5 443
tcp 198.51.100.1 40000 198.51.100.2 443
PACKETS
echo "show, version and 11 matches: the table's as the module's"

# The same packets through both, over lo (prerouting sees them): the same
# counters. From port 40000, outside every exempt rule's source ports.
for ns in "$A" "$B"; do
	"$NETNS" "$ns" sh -c 'ip link set lo up && ip addr add 10.0.0.1/32 dev lo' ||
		fail "$ns: address"
	"$NETNS" "$ns" "$SFBCTL" stats --zero > /dev/null || fail "$ns: stats --zero"
	"$NETNS" "$ns" "$PROBE" -s 40000 udp 10.0.0.1 10005 10015 15000 9 9 443 ||
		fail "$ns: probes"
done
counters='del(.generation) | del(.counters.other_proto) | .targets[] |
	select(any(.counters[]; .packets > 0))'
in_a "$SFBCTL" stats -j | jq -S "$counters" > "$work/stats.nft"
in_b "$SFBCTL" stats -j | jq -S "$counters" > "$work/stats.module"
diff -u "$work/stats.module" "$work/stats.nft" ||
	fail "stats: the table's counters are not the module's"
expect_eq "$(jq -s 'map(.counters.dropped.packets) | add' "$work/stats.nft")" 3 \
	"drops counted"
expect_eq "$(jq -s '[.[].rules[] | select(.rule == "rtp") | .packets] | add' \
	"$work/stats.nft")" 3 "rtp's packets"
echo "6 datagrams: stats per target, class and rule as the module's"

# Both backends' -j documents hold to the schema (json_output_test.sh
# checks the nft backend's natively; here the module's too).
for ns in a b; do
	"in_$ns" "$SFBCTL" show -j > "$work/show.$ns.json"
	"in_$ns" "$SFBCTL" stats -j > "$work/stats.$ns.json"
	"in_$ns" "$SFBCTL" match -j udp from 198.51.100.1 port 40000 to 10.0.0.1 port 10005 \
		> "$work/match.$ns.json"
	"in_$ns" "$SFBCTL" version -j > "$work/version.$ns.json"
	for doc in show stats match version; do
		"$VALIDATE" user/man/sfb-json.schema.json "$doc" "$work/$doc.$ns.json" ||
			fail "$ns: sfbctl $doc -j is not in the schema"
	done
done
echo "show, stats, match and version -j of both backends: in the schema"

# One backend's load removes the other's policy.
in_a "$SFBCTL" load --backend module "$work/sides.conf" 2> "$work/err" ||
	fail "module load in A: $(cat "$work/err")"
# (sfbctl's lines: the file's lint, a redundant bind, comes first)
expect_eq "$(grep '^sfb: ' "$work/err")" \
	"sfb: removed the policy of the other backend (table inet sfb)" "module load's note"
! in_a nft list table inet sfb 2> /dev/null || fail "table inet sfb outlived a module load"
in_a "$SFBCTL" show | head -1 | grep -q '^# nf_sfb ruleset' || fail "show: not the module's"
in_a "$SFBCTL" load --backend nft "$work/sides.conf" 2> "$work/err" ||
	fail "nft load in A: $(cat "$work/err")"
expect_eq "$(grep '^sfb: ' "$work/err")" \
	"sfb: removed the policy of the other backend (nf_sfb's ruleset)" "nft load's note"
in_a "$SFBCTL" show | head -1 | grep -q '^# table inet sfb' || fail "show: not the table's"
in_a "$SFBCTL" flush || fail "flush in A"
in_b "$SFBCTL" flush || fail "flush in B"
echo "a load with one backend removes the other's policy"
