#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reload storm: $SFB_STRESS_RELOADS (default 1000; 100 on the debug
# kernel) reloads of the gateway's ruleset, alternating between two site
# files, while a UDP flood crosses the gateway as fast as the client can
# send it. The two files differ (roles, targets, address intervals) but
# give every flooded destination the same fate and class: allowed as
# service, allowed as media, not sfb's business (unbound), or denied. Not
# one packet may be misclassified:
#
#   - counted at the client (sfb_flood), at the gateway before sfb
#     (prerouting -300) and after it (forward, with the mark each class
#     sets), and at the servers: every allowed datagram crosses with its
#     class's mark, not one denied datagram does;
#   - the generation advances by exactly the number of reloads, and the
#     ruleset in force is the file loaded last;
#   - sfb's own counters restart at each commit, so they are checked on a
#     last, counted burst after the storm.
#
# An exec of sfbctl costs more under TCG than a load, so sfbctl loads one
# reload in a hundred and sfb_replay, in one process, the others: it sends
# the transaction sfbctl's load left in the kernel (GET_RULESET as LOAD_*
# messages), and `sfbctl show` proves it the same ruleset.
. "$(dirname "$0")/lib.sh"

reloads=${SFB_STRESS_RELOADS:-$(scaled 1000 100)}
# Every $chunk-th reload is an sfbctl load.
chunk=100
test_setup --topo --module
topo_server_addr 10 11

cat > "$work/a.conf" <<EOF
policy enforce
mark service 0x1
mark media 0x2
role fe "front end: sip and audio" {
	service sip udp 5000 udp
	media audio udp 6000-6009
}
role dir "director: web only" {
	service web tcp 443 https
}
bind fe 192.0.2.10/32 2001:db8::10/128
bind dir 192.0.2.11/32 2001:db8::11/128
EOF
# The same verdicts from other roles: 192.0.2.10 is two roles (one target
# of both), 192.0.2.11 lets another port through, and a prefix more.
cat > "$work/b.conf" <<EOF
policy enforce
mark service 0x1
mark media 0x2
role sip "sip and xmpp" {
	service sip udp 5000-5001 udp
	service xmpp tcp 5269 tcp
}
role media "audio only" {
	media audio udp 6000-6019
}
role edge "edge: turn" {
	service turn udp 7000 msturn
}
bind sip 192.0.2.10/32 2001:db8::10/128
bind media 192.0.2.10/32 2001:db8::10/128
bind edge 192.0.2.11/32 2001:db8::11/128 192.0.2.64/26
EOF

# The flooded destinations: address, port, fate (the mark the gateway
# sets, or "denied").
dests=(
	"192.0.2.10 5000 0x1"
	"2001:db8::10 5000 0x1"
	"192.0.2.10 6001 0x2"
	"2001:db8::10 6001 0x2"
	"192.0.2.2 5000 0x0"
	"2001:db8::2 5000 0x0"
	"192.0.2.10 9999 denied"
	"2001:db8::10 9999 denied"
	"192.0.2.11 5000 denied"
	"2001:db8::11 5000 denied"
)
ndests=${#dests[@]}

# nft matches of destination i, and counters: in_i at the gateway before
# sfb, ok_i (the expected mark) and bad_i (any other) after it, rx_i at
# the servers.
nft_match() {
	local addr port family=ip
	read -r addr port _ <<< "${dests[$1]}"
	case "$addr" in *:*) family=ip6 ;; esac
	echo "$family daddr $addr udp dport $port"
}
{
	echo "table inet stress {"
	for ((i = 0; i < ndests; i++)); do
		echo "counter in_$i {}; counter ok_$i {}; counter bad_$i {}"
	done
	echo "chain pre { type filter hook prerouting priority -300; policy accept;"
	for ((i = 0; i < ndests; i++)); do
		echo "$(nft_match $i) counter name in_$i"
	done
	echo "}"
	echo "chain crossing { type filter hook forward priority 0; policy accept;"
	for ((i = 0; i < ndests; i++)); do
		read -r _ _ fate <<< "${dests[$i]}"
		[ "$fate" = denied ] ||
			echo "$(nft_match $i) meta mark & 0x3 == $fate counter name ok_$i accept"
		echo "$(nft_match $i) counter name bad_$i"
	done
	echo "}"; echo "}"
} > "$work/gw.nft"
gw nft -f "$work/gw.nft" || fail "gateway counters"
{
	echo "table inet stress {"
	for ((i = 0; i < ndests; i++)); do echo "counter rx_$i {}"; done
	# After the recorder (-300); drop, so that no port unreachable answers.
	echo "chain pre { type filter hook prerouting priority -250; policy accept;"
	for ((i = 0; i < ndests; i++)); do
		echo "$(nft_match $i) counter name rx_$i drop"
	done
	echo "}"; echo "}"
} > "$work/s.nft"
"$NETNS" "$NS_S" nft -f "$work/s.nft" || fail "server counters"
# counters NETNS: "NAME PACKETS" lines, into the array cnt (few execs:
# each costs much under TCG).
declare -A cnt
counters() {
	local name packets
	while read -r name packets; do
		cnt[$name]=$packets
	done <<< "$("$NETNS" "$1" nft -j list counters table inet stress |
		jq -r '.nftables[] | select(.counter) | .counter |
			"\(.name) \(.packets)"')"
}

# Each file by sfbctl; what it leaves in the kernel is saved for
# sfb_replay.
for f in a b; do
	gw "$SFBCTL" load "$work/$f.conf" || fail "load $f.conf"
	gw "$SFBCTL" show | sed 1d > "$work/$f.show"
	gw "$REPLAY" save "$work/$f.bin" || fail "save $f"
done
gw "$REPLAY" load 1 "$work/a.bin" >/dev/null || fail "replay a"
gw "$SFBCTL" show | sed 1d | diff -u "$work/a.show" - ||
	fail "sfb_replay did not load what sfbctl did"

# Reload i (from 0) loads b.conf if i is even, a.conf if odd: the files
# alternate from a.conf, in force now.
file() { [ $(($1 % 2)) -eq 0 ] && echo b || echo a; }
gen0=$(gw "$NL" generation)

targets=()
for d in "${dests[@]}"; do
	read -r addr port _ <<< "$d"
	targets+=("$addr,$port")
done
"$NETNS" "$NS_C" "$FLOOD" "${targets[@]}" > "$work/flood" &
flood=$!
flood_arrives() {
	[[ $("$NETNS" "$NS_S" nft list counter inet stress rx_0) == *"packets "[1-9]* ]]
}
wait_for 60 flood_arrives || fail "the flood does not reach the servers"

start=$(date +%s%N)
for ((i = 0; i < reloads; i += chunk)); do
	n=$((reloads - i < chunk ? reloads - i : chunk))
	# n-1 replayed reloads, from file i on, then sfbctl loads the n-th.
	if [ "$n" -gt 1 ]; then
		gw "$REPLAY" load $((n - 1)) "$work/$(file $i).bin" \
			"$work/$(file $((i + 1))).bin" > /dev/null ||
			fail "replayed reloads $i to $((i + n - 2))"
	fi
	gw "$SFBCTL" load "$work/$(file $((i + n - 1))).conf" ||
		fail "reload $((i + n - 1)) by sfbctl"
	kill -0 "$flood" 2>/dev/null || fail "the flood stopped"
done
seconds=$((($(date +%s%N) - start) / 1000000))
kill -TERM "$flood"
wait "$flood" || fail "sfb_flood failed"
topo_sync

gen1=$(gw "$NL" generation)
expect_eq "$((gen1 - gen0))" "$reloads" "generations advanced"
last=$(file $((reloads - 1)))
gw "$SFBCTL" show | sed 1d | diff -u "$work/$last.show" - ||
	fail "the ruleset in force is not $last.conf, loaded last"

# Every datagram accounted for, destination by destination.
declare -A sent
while read -r d n; do sent[$d]=$n; done < "$work/flood"
counters "$NS_GW"
counters "$NS_S"
sent_total=0
printf '%-20s %-6s %8s %8s %8s %8s %8s\n' destination fate sent gateway \
	"mark ok" "other" servers
for ((i = 0; i < ndests; i++)); do
	read -r addr port fate <<< "${dests[$i]}"
	s=${sent[$addr,$port]} in=${cnt[in_$i]} ok=${cnt[ok_$i]}
	bad=${cnt[bad_$i]} rx=${cnt[rx_$i]}
	printf '%-20s %-6s %8s %8s %8s %8s %8s\n' "$addr,$port" "$fate" \
		"$s" "$in" "$ok" "$bad" "$rx"
	sent_total=$((sent_total + s))
	[ "$s" -gt 0 ] || fail "$addr,$port: nothing sent"
	[ "$in" -eq "$s" ] || {
		ip -n "$NS_C" -s link show c0
		cat /proc/net/softnet_stat
		fail "$addr,$port: $s sent, $in reached the gateway"
	}
	[ "$bad" -eq 0 ] ||
		fail "$addr,$port: $bad datagrams crossed the gateway with the wrong mark"
	if [ "$fate" = denied ]; then
		[ "$rx" -eq 0 ] || fail "$addr,$port: $rx denied datagrams reached the servers"
	else
		[ "$ok" -eq "$in" ] || fail "$addr,$port: $in reached the gateway, $ok crossed it"
		[ "$rx" -eq "$ok" ] || {
			ip -n "$NS_GW" -s link show g1
			fail "$addr,$port: $ok crossed the gateway, $rx reached the servers"
		}
	fi
done

# sfb's counters: zeroed, then a burst of $burst datagrams per destination
# (two destinations per class, four denied: unmatched and dropped).
burst=500
gw "$SFBCTL" stats -z > /dev/null || fail "stats -z"
"$NETNS" "$NS_C" "$FLOOD" -n "$burst" "${targets[@]}" > /dev/null ||
	fail "burst"
topo_sync
expect_eq "$(gw "$SFBCTL" stats -j | jq -c '[.targets[].counters] |
	{service: (map(.service.packets) | add),
	 media: (map(.media.packets) | add),
	 unmatched: (map(.unmatched.packets) | add),
	 dropped: (map(.dropped.packets) | add),
	 would_drop: (map(.would_drop.packets) | add)}')" \
	"{\"service\":$((2 * burst)),\"media\":$((2 * burst)),\"unmatched\":$((4 * burst)),\"dropped\":$((4 * burst)),\"would_drop\":0}" \
	"sfb's counters after a burst of $burst per destination"
declare -A before
for ((i = 0; i < ndests; i++)); do before[$i]=${cnt[rx_$i]}; done
counters "$NS_S"
for ((i = 0; i < ndests; i++)); do
	read -r addr port fate <<< "${dests[$i]}"
	want=$((before[$i] + burst))
	[ "$fate" = denied ] && want=0
	expect_eq "${cnt[rx_$i]}" "$want" "$addr,$port: at the servers after the burst"
done

echo "$reloads reloads ($((reloads / chunk)) by sfbctl) in $((seconds / 1000)).$((seconds % 1000 / 100)) s" \
	"under a flood of $sent_total datagrams ($(tail -n 1 "$work/flood" | sed 's/.* s (//; s/)//'));" \
	"none misclassified; sfb's counters exact on a $((burst * ndests))-datagram burst"
