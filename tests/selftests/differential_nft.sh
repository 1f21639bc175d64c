#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nft backend against the module, on random sites and packets: for
# seeded random site files (sfb_randsite: roles with random TCP/UDP
# service and media ranges, extends, either mode, random marks,
# ipsec-exempt rules of both sides, overlapping IPv4 and IPv6 binds in
# the servers' subnets, sometimes the client's too) the module, loaded
# with the file, says with `sfbctl match` what each random packet gets
# (verdict and mark); then table inet sfb, loaded from the same file by
# `sfbctl load --backend nft` in its place, meets the real packets, sent
# from the client: each one must reach the servers exactly when the
# module's verdict is not drop, and carry through the gateway exactly the
# mark match gave it, plus a foreign bit set before sfb (kept); the
# table's counters count the packets the module drops (or would).
#
# Each site prints its seed: SFB_SEED=N SFB_SITES=1 replays site N alone.
# The default seeds are fixed; SFB_SEED=N starts from N instead.
#
# Then what the backends refuse: more roles than nf_sfb holds (64) is
# refused by both, with a message and exit 1, the ruleset and the table
# in force staying as they were; 64 load.
# Not on the debug kernel: it compares the backends; the module's part in it (load, match) is other tests'
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
RANDSITE=$PWD/build/selftests/sfb_randsite
SEED=${SFB_SEED:-261}
SITES=${SFB_SITES:-2}
PACKETS=${SFB_PACKETS:-50}
FOREIGN=0x10000	# a mark bit set before sfb, above the bits sfb_randsite uses

# What the gateway forwards from the client: destination, protocol,
# ports and the mark it carries after sfb's prerouting.
gw nft -f - <<NFT || fail "nft"
table inet difftest {
	set fwd4 { type ipv4_addr . inet_proto . inet_service . inet_service . mark; flags dynamic; size 65536; }
	set fwd6 { type ipv6_addr . inet_proto . inet_service . inet_service . mark; flags dynamic; size 65536; }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		meta mark set $FOREIGN
	}
	chain fw {
		type filter hook forward priority 0; policy accept;
		ip saddr 198.51.100.2 meta l4proto { tcp, udp } add @fwd4 { ip daddr . meta l4proto . th dport . th sport . meta mark }
		ip6 saddr 2001:db8:c::2 meta l4proto { tcp, udp } add @fwd6 { ip6 daddr . meta l4proto . th dport . th sport . meta mark }
	}
}
NFT

# not_sync: drop the lines of topo_sync's probes (to 192.0.2.2 and
# 2001:db8::2); no exec, as every exec costs under TCG.
not_sync() {
	local line
	while read -r line; do
		case $line in
		"192.0.2.2 "* | "2001:db8::2 "*) ;;
		*) echo "$line" ;;
		esac
	done
}

# hex_marks: "DADDR PROTO DPORT SPORT MARK" lines, MARK (decimal, as nft
# and jq give it) in hex, as sfb.conf and the diffs below write it
hex_marks() {
	local a p d s m
	while read -r a p d s m; do
		printf '%s %s %s %s %#x\n' "$a" "$p" "$d" "$s" "$m"
	done
}

# match_all PACKETS: `sfbctl match -j` of each "PROTO SADDR SPORT DADDR
# DPORT" line of PACKETS in the gateway, one JSON object per line, in
# order; half of them each in two shells at once (sfbctl's exec is most
# of the test's time).
match_all() {
	local k pids=()

	split -n l/2 -d "$1" "$1."
	for k in 00 01; do
		gw bash -c 'while read -r proto sa sp da dp; do
			"$0" match -j "$proto" from "$sa" port "$sp" to "$da" port "$dp" || exit
		done < "$1" > "$1.json"' "$SFBCTL" "$1.$k" &
		pids+=($!)
	done
	wait "${pids[0]}" && wait "${pids[1]}" || return 1
	cat "$1.00.json" "$1.01.json"
}

# site_fail MSG: fail, saying how to have the site and its packets again
# ($work goes with the test)
site_fail() {
	fail "seed $seed: $1 (\`sfb_randsite $seed $PACKETS SITE PACKETS\` writes them" \
		"again; SFB_SEED=$seed SFB_SITES=1 runs this site alone)"
}

for ((i = 0; i < SITES; i++)); do
	seed=$((SEED + i))
	site=$work/site-$seed.conf
	packets=$work/packets-$seed
	summary=$("$RANDSITE" "$seed" "$PACKETS" "$site" "$packets") ||
		fail "sfb_randsite $seed"
	echo "seed $seed: $summary"
	# shellcheck disable=SC2046 # one address per word
	topo_server_neigh $(cut -d' ' -f4 "$packets")

	# The module's word.
	gw "$SFBCTL" load --backend module "$site" ||
		site_fail "load --backend module"
	match_all "$packets" > "$work/match" || site_fail "sfbctl match"
	gw "$SFBCTL" flush --backend module || site_fail "flush --backend module"
	# "DADDR PROTO DPORT SPORT MARK" of each packet the module passes.
	jq -r --argjson f "$((FOREIGN))" '"\(.verdict) \(.mark + $f)"' "$work/match" |
		awk -v n="$PACKETS" 'NR == FNR { v[FNR] = $0; nv++; next }
			{ split(v[FNR], a) } a[1] != "drop" { print $4, $1, $5, $3, a[2] }
			END { if (FNR != n || nv != n) exit 1 }' - "$packets" |
		hex_marks | sort > "$work/want" && [ "${PIPESTATUS[1]}" -eq 0 ] ||
		site_fail "sfbctl match answered $(wc -l < "$work/match") of $PACKETS"

	# The table's deed: the real packets through the gateway.
	gw "$SFBCTL" load --backend nft "$site" ||
		site_fail "load --backend nft"
	awk '{ print "-s", $3, $1, $4, $5 }' "$packets" |
		"$NETNS" "$NS_C" "$PROBE" - >/dev/null || site_fail "probes"
	topo_sync
	gw nft -j list table inet difftest |
		jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			(.elem.val // .) | .concat | "\(.[0]) \(.[1]) \(.[2]) \(.[3]) \(.[4])"' |
		not_sync | hex_marks | sort > "$work/seen"
	gw nft flush set inet difftest fwd4 \; flush set inet difftest fwd6 ||
		fail "nft flush set"
	topo_seen | not_sync > "$work/delivered"
	counted=$(SFB_BACKEND=nft gw_dropped)
	gw "$SFBCTL" flush --backend nft || site_fail "flush --backend nft"

	cut -d' ' -f1-3 "$work/want" | sort | diff -u - "$work/delivered" ||
		site_fail "delivered (+) or dropped (-) unlike the module's verdict"
	diff -u "$work/want" "$work/seen" ||
		site_fail "marks at the gateway (+) differ from sfbctl match's (-)"
	denied=$(grep -cE '"verdict":"(would-)?drop"' "$work/match")
	[ "$counted" -eq "$denied" ] ||
		site_fail "table sfb counted $counted drops, the module $denied"
	echo "seed $seed: $PACKETS packets, $(wc -l < "$work/want") delivered, each" \
		"with the module's mark; $denied (would-)drops counted"
done

# More roles than the module holds: refused by both backends, before
# anything changes. 64 are fine.
roles_site() {	# roles_site N: N roles, each bound to an address of its own
	local r

	echo 'policy enforce'
	for ((r = 0; r < $1; r++)); do
		printf 'role r%d "r" {\n\tservice s tcp 1 tcp\n}\nbind r%d 192.0.2.%d\n' \
			"$r" "$r" $((r + 100))
	done
}
roles_site 64 > "$work/64.conf"
roles_site 65 > "$work/65.conf"
msg="65 roles are bound or named by ipsec-exempt rules; at most 64 can be"
gw "$SFBCTL" load --backend nft "$work/64.conf" || fail "load --backend nft: 64 roles"
gw nft -s list table inet sfb > "$work/table" || fail "no table inet sfb"
gw "$SFBCTL" load --backend nft "$work/65.conf" 2> "$work/err"
rc=$?
[ "$rc" -eq 1 ] || fail "load --backend nft, 65 roles: exit $rc, expected 1"
grep -qxF "sfb: $work/65.conf: $msg" "$work/err" ||
	fail "load --backend nft, 65 roles: $(cat "$work/err")"
gw nft -s list table inet sfb | diff -u "$work/table" - ||
	fail "a refused load --backend nft changed table inet sfb"
gw "$SFBCTL" flush --backend nft || fail "flush --backend nft"
echo "load --backend nft: 64 roles load, 65 refused, the table in force unchanged"

gw "$SFBCTL" load --backend module "$work/64.conf" || fail "load --backend module: 64 roles"
gen=$(gw "$SFBCTL" show -j | jq .generation)
gw "$SFBCTL" load --backend module "$work/65.conf" 2> "$work/err"
rc=$?
[ "$rc" -eq 1 ] || fail "load --backend module, 65 roles: exit $rc, expected 1"
grep -qF "error: too many roles to load: nf_sfb holds at most 64" "$work/err" ||
	fail "load --backend module, 65 roles: $(cat "$work/err")"
expect_eq "$(gw "$SFBCTL" show -j | jq .generation)" "$gen" "generation after a refused load"
echo "load --backend module: 64 roles load, 65 refused, generation $gen stays"
