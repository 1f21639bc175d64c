#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ipset, iptables and ip6tables exports of the example site and a
# site on the catalogue, restored with the real tools into a private network namespace
# of this machine (unshare -rn: no root needed where user namespaces are
# allowed), with both iptables variants, nft and legacy: loading them twice,
# with the jumps made as the files' head says, gives the same state as
# once, one jump per built-in chain, and other rules and sets stay.
# tests/selftests/exports.sh sends packets through them in the VM (with
# the nft variant, Debian 12's default).
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail, 4
# skip (no user namespaces, no ipset or iptables, or a kernel without
# ip_set or, for legacy, ip_tables).

set -u
for tool in ipset iptables-nft-restore iptables-legacy-restore unshare; do
	command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 4; }
done
unshare -rn true 2>/dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
fail() { echo "FAIL: export restore: $*"; exit 1; }
tmp=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
SFBCTL=${SFBCTL:-build/san/sfbctl}
sed "s|^include \"sfb2015.conf\"|include \"$PWD/user/roles/sfb2015.conf\"|" \
	user/roles/example-site.conf > "$tmp/example.conf"
# Roles of the catalogue bound in enforce mode, overlapping on purpose.
cat > "$tmp/catalogue.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
mark media 0x1000
mark ipsec-exempt 0x2000
bind front-end 10.20.0.0/16 fd00:20::/48
bind mediation 10.20.5.0/24 fd00:20:5::/64
bind director 10.21.0.8/29 fd00:21::8/125
bind edge-av-internal 10.22.0.1/32 fd00:22::1/128
bind client 10.128.0.0/9 fd00:100::/40
EOF
for site in example catalogue; do
	for f in ipset iptables ip6tables; do
		"$SFBCTL" export --format "$f" "$tmp/$site.conf" > "$tmp/$site.$f" \
			2>/dev/null || fail "$site: export --format $f"
	done
done

# In the namespace: other rules and a set, then per variant and site the
# exports twice, with a snapshot after each load.
unshare -rn bash -s "$tmp" > "$tmp/log" 2>&1 <<'NS'
tmp=$1
ipset create other hash:ip && ipset add other 192.0.2.99 || exit 4
for v in nft legacy; do
	for t in iptables ip6tables; do
		printf '*%s\n-A %s -m comment --comment other\nCOMMIT\n' \
			mangle PREROUTING filter FORWARD | "$t-$v-restore" --noflush || exit 4
	done
done
snap() {
	iptables-$1-save; ip6tables-$1-save
	ipset list -t | grep -E '^(Name|Type|References|Number of entries):'
}
for v in nft legacy; do
	for site in example catalogue; do
		for i in 1 2; do
			ipset restore < "$tmp/$site.ipset" &&
				iptables-$v-restore --noflush < "$tmp/$site.iptables" &&
				ip6tables-$v-restore --noflush < "$tmp/$site.ip6tables" ||
				exit 1
			for t in iptables ip6tables; do
				for c in PREROUTING OUTPUT; do
					$t-$v -t mangle -C $c -j SFB-$c 2>/dev/null ||
						$t-$v -t mangle -I $c 1 -j SFB-$c || exit 1
				done
			done
			snap $v | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//' > "$tmp/$v.$site.$i"
		done
	done
done
NS
rc=$?
[ "$rc" -ne 4 ] || { echo "SKIP: no ipset or iptables in a user namespace here"; exit 4; }
[ "$rc" -eq 0 ] || fail "restoring the exports: $(tail -n 5 "$tmp/log")"
for v in nft legacy; do
	for site in example catalogue; do
		s=$tmp/$v.$site
		diff -u "$s.1" "$s.2" || fail "$v, $site: a second load changed something"
		for c in PREROUTING OUTPUT; do
			[ "$(grep -cx -- "-A $c -j SFB-$c" "$s.2")" -eq 2 ] ||
				fail "$v, $site: not one jump from $c per family"
		done
		[ "$(grep -c 'other' "$s.2")" -eq 5 ] || fail "$v, $site: other rules or sets"
		grep -q -- '^-A SFB-PRE -m set --match-set sfb-t[0-9]*-6 dst -g SFB-T' "$s.2" ||
			fail "$v, $site: no IPv6 dispatch"
	done
done
echo "export restore: example and catalogue, nft and legacy, twice as once, one jump each"
