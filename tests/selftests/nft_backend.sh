#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nft backend installs exactly what the nft export writes: for sites
# in both modes, with marks and with ipsec-exempt rules of every side,
# `sfbctl load --backend nft` in one namespace and `sfbctl export --format
# nft | nft -f -` in another give the same `nft list table inet sfb`. The
# backend touches no other table; --check and a refused file change
# nothing; flush removes table sfb and may run again. No module: the
# backend does not need one.
# Not on the debug kernel: nf_sfb takes no part in it
. "$(dirname "$0")/lib.sh"
test_setup nft
A=$TEST_NS-a
B=$TEST_NS-b
ip netns add "$A" && ip netns add "$B" || fail "namespaces"
in_a() { "$NETNS" "$A" "$@"; }
in_b() { "$NETNS" "$B" "$@"; }
[ ! -d /sys/module/nf_sfb ] || [ -z "$(in_a "$SFBCTL" show 2>/dev/null)" ] ||
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
	in_a nft list table inet sfb > "$work/$site.backend"
	in_b nft list table inet sfb > "$work/$site.export"
	diff -u "$work/$site.export" "$work/$site.backend" ||
		fail "$site: the backend's table differs from the export's"
	grep -q 'chain prerouting' "$work/$site.backend" || fail "$site: no prerouting chain"
	echo "$site: backend and export install the same table ($(wc -l < "$work/$site.backend") lines)"
done

in_a nft list table inet sfb > "$work/before"
in_a "$SFBCTL" load --check --backend nft "$work/monitor.conf" || fail "load --check"
in_a nft list table inet sfb | diff -u "$work/before" - || fail "--check changed the table"
echo "load --check: validated, nothing changed"

# What the module refuses, the backend refuses too, before the kernel.
printf 'policy enforce\nrole a "a" {\n\tservice s tcp 1 tcp\n}\nbind a iface eth0\n' \
	> "$work/iface.conf"
in_a "$SFBCTL" load --backend nft "$work/iface.conf" 2> "$work/err" &&
	fail "an interface-only bind was loaded"
grep -qxF "$work/iface.conf:5:1: error: interface-only bindings are not supported by nf_sfb yet; bind addresses" \
	"$work/err" || fail "an interface-only bind: $(cat "$work/err")"
in_a nft list table inet sfb | diff -u "$work/before" - || fail "a refused load changed the table"
echo "an interface-only bind: refused at its line, the table in force unchanged"

in_a "$SFBCTL" flush --backend nft || fail "flush"
in_a nft list tables > "$work/tables"
grep -qx 'table inet other' "$work/tables" || fail "flush took another table"
! grep -q 'table inet sfb' "$work/tables" || fail "table sfb is still there"
in_a nft list chain inet other keep | grep -q counter || fail "another table's rule changed"
in_a "$SFBCTL" flush --backend nft || fail "a second flush"
echo "flush: table sfb gone, table other untouched, flush again succeeds"
