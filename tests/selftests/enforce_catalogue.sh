#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every role of the catalogue that lists ports, bound to its own address in
# sfb-s, enforced by nf_sfb on sfb-gw: from sfb-c, over IPv4 and IPv6, TCP
# and UDP, every port a rule names and both edges of every range get
# through; the ports just outside every range and a random sample of the
# rest do not. The expectation comes from `sfbctl export` (the parser), the
# verdict from what reaches sfb-s.
. "$(dirname "$0")/lib.sh"
need nft
need jq

work=$(mktemp -d)
trap 'topo_down; rm -rf "$work"' EXIT
topo_up
sfb_insmod || fail "insmod"

# role,service,protocol,ports,transport,class,note -> "role proto first last";
# quoted fields (transport, note) may hold commas: blank them out first.
"$SFBCTL" export --format csv user/roles/sfb2015.conf |
	sed -E 's/"([^"]|"")*"/q/g' |
	awk -F, 'NR > 1 && ($6 == "service" || $6 == "media") {
		split($4, p, "-"); print $1, $3, p[1], (p[2] == "" ? p[1] : p[2]) }' |
	sort -u > "$work/rules"
[ -s "$work/rules" ] || fail "sfbctl export gave no rules"

{
	echo "include \"$PWD/user/roles/sfb2015.conf\""
	echo "policy enforce"
	n=10
	for role in $(cut -d' ' -f1 "$work/rules" | sort -u); do
		echo "bind $role 192.0.2.$n/32 2001:db8::$n/128"
		echo "$role $n" >> "$work/addrs"
		topo_server_addr "$n"
		n=$((n + 1))
	done
} > "$work/site.conf"
ip netns exec sfb-gw "$SFBCTL" load "$work/site.conf" || fail "sfbctl load"

# Probe each role: range edges, their outer neighbours, a fixed random sample.
RANDOM=5061
while read -r role n; do
	for proto in tcp udp; do
		awk -v r="$role" -v p="$proto" '$1 == r && $2 == p { print $3, $4 }' \
			"$work/rules" > "$work/ranges"
		{
			while read -r first last; do
				echo $((first - 1)) "$first" "$last" $((last + 1))
			done < "$work/ranges"
			for _ in $(seq 30); do echo $((RANDOM * 2 + RANDOM % 2)); done
		} | tr ' ' '\n' | awk '$1 >= 1 && $1 <= 65535' | sort -un > "$work/ports"
		# Expected: a port passes if some range of the role holds it.
		awk 'FILENAME == ARGV[1] { f[++n] = $1; l[n] = $2; next }
		     { pass = 0; for (i = 1; i <= n; i++) if ($1 >= f[i] && $1 <= l[i]) pass = 1
		       print $1, pass }' "$work/ranges" "$work/ports" > "$work/expect"
		for fam in 4 6; do
			if [ $fam = 4 ]; then addr=192.0.2.$n; else addr=2001:db8::$n; fi
			ip netns exec sfb-c "$PROBE" "$proto" "$addr" $(cut -d' ' -f1 "$work/expect") \
				>/dev/null || fail "probe $role $proto $addr"
			awk -v a="$addr" -v p="$proto" '$2 == 1 { print a, p, $1 }' \
				"$work/expect" >> "$work/want"
			awk -v a="$addr" -v p="$proto" '{ print a, p, $1 }' \
				"$work/expect" >> "$work/probed"
		done
	done
done < "$work/addrs"

sort -u "$work/want" -o "$work/want"
sort -u "$work/probed" -o "$work/probed"
topo_sync
topo_seen | sort -u > "$work/seen.all"
comm -12 "$work/seen.all" "$work/probed" > "$work/seen"

missing=$(comm -23 "$work/want" "$work/seen")
leaked=$(comm -13 "$work/want" "$work/seen")
echo "probed $(wc -l < "$work/probed"), expected to pass $(wc -l < "$work/want")," \
	"passed $(wc -l < "$work/seen")"
[ -z "$missing" ] || fail "allowed but dropped:
$(echo "$missing" | head -n 20)"
[ -z "$leaked" ] || fail "denied but let through:
$(echo "$leaked" | head -n 20)"
# Every probe that did not pass was dropped by sfb, and counted so.
dropped=$(ip netns exec sfb-gw "$SFBCTL" stats --json |
	jq '[.targets[].counters.dropped.packets] | add')
denied=$(comm -23 "$work/probed" "$work/want" | wc -l)
[ "$dropped" -eq "$denied" ] || fail "counted $dropped drops for $denied denied probes"
echo "$(wc -l < "$work/addrs") roles enforced exactly over IPv4 and IPv6; $dropped drops counted"
