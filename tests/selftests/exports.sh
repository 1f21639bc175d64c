#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ipset, iptables, ip6tables and xfrm exports, loaded into the real
# tools on the gateway, for the example site (monitor) and the catalogue
# site of enforce_catalogue.sh (enforce, with marks):
# - ipset restore, iptables-restore --noflush and ip6tables-restore
#   --noflush of the exports, and the jumps as the files' head says: the
#   catalogue's over the example's, then again, which changes nothing;
#   one jump per built-in chain, and the sets, tables and rules of others
#   untouched (tests/unit/export_restore_test.sh loads both twice
#   natively, with both iptables variants, nft and legacy);
# - probes from the client, TCP and UDP, IPv4 and IPv6, to a sample of
#   open and closed ports get the verdict and the mark `sfbctl match`
#   predicts (nf_sfb, loaded from the same file before, then flushed),
#   over a foreign mark bit set in table raw;
# - the xfrm export loads with `ip -batch`; `sfbctl load` of the same file
#   keeps each of its policies (so they are exactly ones load wants, and
#   sfb's to it) and adds only the port blocks ip cannot state; `sfbctl
#   flush` removes them all and no other policy;
# - sfbctl(8)'s teardown removes sfb's chains and sets, nothing else.
# Not on the debug kernel: its kernel work is ipset's, iptables' and xfrm's; nf_sfb only answers match
. "$(dirname "$0")/lib.sh"
need ipset
# The modules the exports use (Debian builds them as modules), loaded
# while the topology comes up: under TCG each modprobe costs.
if [ -d "/lib/modules/$(uname -r)" ]; then
	modprobe -a ip_set_bitmap_port ip_set_hash_net xt_set xt_conntrack \
		xt_multiport xt_comment xt_mark nft_compat xfrm_user &
	modprobe_pid=$!
fi
test_setup --topo --module iptables ip6tables
[ -z "${modprobe_pid:-}" ] || wait "$modprobe_pid" || fail "modprobe"

# The gateway routes the example site's IPv6 prefixes to the servers too.
ip -n "$NS_GW" -6 route add 2001:db8::/32 via 2001:db8::2 dev g1 ||
	fail "route"

# Other users of the same tables and sets: a foreign mark bit before sfb
# (raw), a counting rule in mangle's and filter's chains, a set.
for t in iptables ip6tables; do
	gw "$t-restore" --noflush <<-EOF || fail "$t: other rules"
	*raw
	-A PREROUTING -j MARK --or-mark 0x1
	COMMIT
	*mangle
	-A PREROUTING -m comment --comment other
	-A OUTPUT -m comment --comment other
	COMMIT
	*filter
	-A FORWARD -m comment --comment other
	COMMIT
	EOF
done
gw ipset create other hash:ip && gw ipset add other 192.0.2.99 ||
	fail "another set"
gw nft -f - <<'NFT' || fail "nft recorder"
table inet rec {
	set seen { type ipv4_addr . inet_proto . inet_service . mark; flags dynamic; }
	set seen6 { type ipv6_addr . inet_proto . inet_service . mark; flags dynamic; }
	chain fw {
		type filter hook forward priority 0; policy accept;
		ip saddr 198.51.100.2 meta l4proto { tcp, udp } add @seen { ip daddr . meta l4proto . th dport . meta mark }
		ip6 saddr 2001:db8:c::2 meta l4proto { tcp, udp } add @seen6 { ip6 daddr . meta l4proto . th dport . meta mark }
	}
}
NFT

# snap NS VARIANT: the tables of both families, counters left out, and
# a line per set with its type, size and references (ipset save would
# write each port of a range); one exec in NS.
snap() {
	"$NETNS" "$1" sh -c '
		iptables-$0-save; ip6tables-$0-save
		ipset list -t | awk "/^Name:/ { printf \"\\nset %s\", \$2 }
			/^(Type|References|Number of entries):/ { printf \" %s\", \$0 }
			END { print \"\" }"' "$2" |
		sed -e '/^#/d' -e '/^$/d' -e 's/\[[0-9]*:[0-9]*\]//'
}
# What is not sfb's in a snapshot: six rules and a set.
others() {
	grep -v -e 'SFB-' -e 'sfb-' "$1"
}
snap "$NS_GW" nft > "$work/snap0"
others "$work/snap0" > "$work/others"
[ "$(grep -c other "$work/others")" -eq 7 ] || fail "others: $(cat "$work/others")"

# load_exports SITE NS VARIANT: the site's exports into NS, with
# iptables-VARIANT (nft or legacy), and the jumps as the file's head says.
load_exports() {
	"$NETNS" "$2" sh -c '
		ipset restore < "$0.ipset" &&
		iptables-$1-restore --noflush < "$0.iptables" &&
		ip6tables-$1-restore --noflush < "$0.ip6tables" || exit 1
		for t in iptables ip6tables; do
			for c in PREROUTING OUTPUT; do
				$t-$1 -t mangle -C $c -j SFB-$c 2>/dev/null ||
					$t-$1 -t mangle -I $c 1 -j SFB-$c || exit 1
			done
		done' "$work/$1" "$3"
}

# Each iptables export's head names the jumps load_exports makes.
check_heads() {
	[ "$(cat "$work/$1.iptables" "$work/$1.ip6tables" | grep -cxF \
		-e "#   iptables -t mangle -C PREROUTING -j SFB-PREROUTING 2>/dev/null ||" \
		-e "#     iptables -t mangle -I OUTPUT 1 -j SFB-OUTPUT" \
		-e "#   ip6tables -t mangle -C PREROUTING -j SFB-PREROUTING 2>/dev/null ||" \
		-e "#     ip6tables -t mangle -I OUTPUT 1 -j SFB-OUTPUT")" -eq 4 ] ||
		fail "$1: an iptables export's head does not say how to jump"
}

# load SITE [twice]: load the site's exports (with "twice", again: the
# second load must change nothing); one jump per built-in chain.
load() {
	local site=$1 ns=$NS_GW v=nft c
	load_exports "$site" "$ns" "$v" || fail "$site: loading the exports ($v)"
	snap "$ns" "$v" > "$work/snap2"
	if [ "${2:-}" = twice ]; then
		mv "$work/snap2" "$work/snap1"
		load_exports "$site" "$ns" "$v" || fail "$site: loading the exports again ($v)"
		snap "$ns" "$v" > "$work/snap2"
		diff -u "$work/snap1" "$work/snap2" || fail "$site: a second load ($v) changed something"
	fi
	for c in PREROUTING OUTPUT; do
		[ "$(grep -cx -- "-A $c -j SFB-$c" "$work/snap2")" -eq 2 ] ||
			fail "$site ($v): not one jump from $c per family"
	done
	grep -q -- '-A SFB-PRE -m set --match-set sfb-t[0-9]*-4 dst -g SFB-T' "$work/snap2" &&
		grep -q -- '-A SFB-PRE -m set --match-set sfb-t[0-9]*-6 dst -g SFB-T' "$work/snap2" ||
		fail "$site ($v): no dispatch to the targets"
	echo "$site ($v, ${SECONDS}s): loaded${2:+ $2}, $(grep -c -e SFB- -e sfb- "$work/snap2")" \
		"lines of chains and sets, one jump per built-in chain"
}

# probe SITE: the probes of $work/SITE.probes ("ADDR PROTO PORT") get
# the verdict and mark $work/SITE.want says.
probe() {
	local site=$1
	# From port 40000, the port sfbctl match was asked about.
	awk '{ p[$2 " " $1] = p[$2 " " $1] " " $3 } END { for (k in p) print k p[k] }' \
		"$work/$site.probes" | "$NETNS" "$NS_C" "$PROBE" -s 40000 - >/dev/null ||
		fail "$site: probes"
	topo_sync
	gw nft -j list table inet rec |
		jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			(.elem.val // .) | .concat | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' |
		awk '$1 != "192.0.2.2" && $1 != "2001:db8::2" { printf "%s %s %s 0x%x\n", $1, $2, $3, $4 }' |
		sort > "$work/$site.seen"
	gw nft flush set inet rec seen \; flush set inet rec seen6
	diff -u "$work/$site.want" "$work/$site.seen" ||
		fail "$site: verdicts or marks differ from sfbctl match's"
	echo "$site: $(wc -l < "$work/$site.probes") probes, $(wc -l < "$work/$site.seen")" \
		"passed, each with the mark sfbctl match gives"
}

# The gateway's xfrm policies' indices.
xfrm_policies() {
	gw ip -s xfrm policy list | sed -n 's/.*index \([0-9]*\) .*/\1/p' | sort -n
}

# module SITE: the xfrm export by `ip -batch`, then nf_sfb and its xfrm
# bypass by `sfbctl load`, which must keep every policy of the export (it
# replaces an sfb policy that is not one it wants) and add only the port
# blocks ip cannot state; sfbctl match's word on every probe ("ADDR PROTO
# PORT MARK" for those that pass, with the foreign bit); then `sfbctl
# flush` removes every sfb policy and no other.
module() {
	local site=$1 lines n
	lines=$(grep -c '^xfrm policy add' "$work/$site.xfrm")
	[ "$lines" -gt 6 ] || fail "$site: only $lines xfrm policies"
	gw ip -batch "$work/$site.xfrm" || fail "$site: ip -batch of the xfrm export"
	# Had ip made one policy differently, load would have failed (it
	# exists, not sfb's) or replaced it (sfb's, not one it wants).
	gw "$SFBCTL" load "$work/$site.conf" || fail "$site: sfbctl load"
	sed -n 's/.* index \(0x[0-9a-f]*\) .*/\1/p' "$work/$site.xfrm" |
		while read -r i; do echo $((i)); done | sort -n > "$work/exported"
	xfrm_policies > "$work/loaded"
	comm -23 "$work/exported" "$work/loaded" > "$work/gone"
	[ ! -s "$work/gone" ] || fail "$site: load replaced exported policies"
	n=$(($(wc -l < "$work/loaded") - lines - 1))
	[ "$n" -eq "$(grep -c '^# sfbctl load only (ip cannot give' "$work/$site.xfrm")" ] ||
		fail "$site: load added $n policies"
	# One shell in the gateway runs every match: an exec costs under TCG.
	gw bash -c '
		while read -r addr proto port; do
			case $addr in
			*:*) from=2001:db8:c::2 ;;
			*) from=198.51.100.2 ;;
			esac
			out=$("$0" match "$proto" from "$from" port 40000 to "$addr" port "$port") ||
				exit 1
			[[ $out =~ verdict:\ ([a-z-]+).*mark:\ (0x[0-9a-f]+) ]] || exit 1
			[ "${BASH_REMATCH[1]}" = drop ] ||
				printf "%s %s %s 0x%x\n" "$addr" "$proto" "$port" \
					$((BASH_REMATCH[2] | 1))
		done' "$SFBCTL" < "$work/$site.probes" | sort > "$work/$site.want" ||
		fail "$site: sfbctl match"
	gw "$SFBCTL" flush || fail "$site: sfbctl flush"
	[ "$(xfrm_policies)" = "$FOREIGN" ] || fail "$site: flush left sfb policies, or took another"
	echo "$site: xfrm: $lines policies by ip -batch, kept by load, which added the $n" \
		"blocks ip cannot state; flush removed them all"
}

# sfbctl(8)'s teardown of the exports, in the gateway.
teardown() {
	gw sh -c '
		for t in iptables ip6tables; do
			chains=$($t-save -t mangle | sed -n "s/^:\(SFB-[^ ]*\).*/\1/p")
			{
				echo "*mangle"
				echo "-D PREROUTING -j SFB-PREROUTING"
				echo "-D OUTPUT -j SFB-OUTPUT"
				for c in $chains; do echo "-F $c"; done
				for c in $chains; do echo "-X $c"; done
				echo COMMIT
			} | $t-restore --noflush || exit 1
		done
		ipset list -n | sed -n "s/^sfb-.*/destroy &/p" | ipset restore'
}

gw ip xfrm policy add src 10.9.9.0/24 dst 10.9.8.0/24 dir out priority 100 ||
	fail "a foreign xfrm policy"
FOREIGN=$(xfrm_policies)

# The sites.
sed -e "s|^include \"sfb2015.conf\"|include \"$PWD/user/roles/sfb2015.conf\"|" \
	-e 's/ iface [^ ]*$//' user/roles/example-site.conf > "$work/example.conf"
# enforce_catalogue.sh's: each role with ports at 192.0.2.N, 2001:db8::N.
roles=$("$SFBCTL" export --format csv user/roles/sfb2015.conf |
	sed -E 's/"([^"]|"")*"/q/g' |
	awk -F, 'NR > 1 && ($6 == "service" || $6 == "media") { print $1 }' | sort -u)
n=10
binds=()
for role in $roles; do
	binds+=("$role 192.0.2.$n/32 2001:db8::$n/128")
	printf '%s %s\n' "$role" "$n" >> "$work/addrs"
	n=$((n + 1))
done
{
	catalogue_site enforce "${binds[@]}"
	printf 'mark service 0x100\nmark media 0x200\nmark ipsec-exempt 0x400\n'
} > "$work/catalogue.conf"
topo_server_addr $(cut -d' ' -f2 "$work/addrs")

# The samples (each costs a `sfbctl match`): ports open for some roles
# and closed for others; the example's client media range 50000-50039,
# which exempts by source port.
for a in 192.0.2.17 192.0.2.33 2001:db8:0:30::5; do
	for p in tcp:443 tcp:9999 udp:50000 udp:3478; do
		echo "$a ${p%:*} ${p#*:}"
	done
done > "$work/example.probes"
for role in front-end mediation; do
	n=$(awk -v r="$role" '$1 == r { print $2 }' "$work/addrs")
	[ -n "$n" ] || fail "no address for $role"
	for a in "192.0.2.$n" "2001:db8::$n"; do
		for p in tcp:443 tcp:5070 udp:50000; do
			echo "$a ${p%:*} ${p#*:}"
		done
	done
done > "$work/catalogue.probes"

# The catalogue's load goes over the example's: a reload with another
# configuration, then one with the same (export_restore_test.sh loads
# each site twice, natively).
for site in example catalogue; do
	for f in ipset iptables ip6tables xfrm; do
		"$SFBCTL" export --format "$f" "$work/$site.conf" > "$work/$site.$f" ||
			fail "$site: export --format $f"
	done
	check_heads "$site"
	module "$site"
	load "$site" "$([ "$site" = catalogue ] && echo twice)"
	others "$work/snap2" | diff -u "$work/others" - || fail "$site: others' rules or sets changed"
	probe "$site"
done
teardown || fail "sfbctl(8)'s teardown"
snap "$NS_GW" nft > "$work/snap3"
! grep -e SFB- -e sfb- "$work/snap3" || fail "teardown left some"
others "$work/snap3" | diff -u "$work/others" - || fail "teardown changed others' rules or sets"
echo "teardown as in sfbctl(8): no SFB- chain, no sfb- set, the rest as it was"
echo "exports (${SECONDS}s): ipset, iptables, ip6tables and xfrm load, reload and act as nf_sfb"
