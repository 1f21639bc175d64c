#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Atomic reload: while a UDP flow runs to a port both rulesets allow
# (audio, 50000) and probes go to a port both deny (9999), $SFB_RELOADS
# loads (default 200, 50 on the debug kernel) alternate between two
# different rulesets. Not one datagram of the flow may be lost and not one
# probe may get through.
#
# The flow runs at $SFB_RELOAD_PPS datagrams per second (default 200), a
# rate the TCG VM sustains with no ruleset loaded at all.
. "$(dirname "$0")/lib.sh"
need iperf3
need jq

loads=${SFB_RELOADS:-$(scaled 200)}
pps=${SFB_RELOAD_PPS:-200}
work=$(mktemp -d)
trap 'topo_down; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
topo_up
topo_server_addr 10
topo_server_addr 11
sfb_insmod || fail "insmod"

# Small self-contained rulesets, so that loads are quick under TCG; b
# differs from a by a role, a binding and the mark bits.
cat > "$work/a.conf" <<EOF
policy enforce
role fe "front-end audio" {
	service sip tcp 5061 tls
	media audio tcp,udp 49152-57500
}
bind fe 192.0.2.10/32
EOF
cat "$work/a.conf" - > "$work/b.conf" <<EOF
role dir "director" {
	service web tcp 443 https
}
bind dir 192.0.2.11/32
mark media 0x10
EOF
gwload() {
	ip netns exec sfb-gw "$SFBCTL" load "$work/$1.conf" || fail "load $1"
}

# The flow must outlast the loads: time a few first, on this machine as
# loaded as it is now, and give the flow twice that plus a margin.
start=$(date +%s%N)
for v in b a b a; do gwload $v; done
seconds=$(( ($(date +%s%N) - start) * loads * 2 / 4 / 1000000000 + 20 ))

ip netns exec sfb-s iperf3 -s -B 192.0.2.10 -p 50000 -1 --json > "$work/server.json" &
wait_for 30 sh -c "ip netns exec sfb-s ss -ltnH | grep -q ':50000 '" ||
	fail "iperf3 server not up"
ip netns exec sfb-c iperf3 -c 192.0.2.10 -p 50000 -u -l 100 \
	-b $((pps * 100 * 8)) -t "$seconds" --json > "$work/client.json" &
client=$!

for i in $(seq "$loads"); do
	gwload "$([ $((i % 2)) -eq 1 ] && echo b || echo a)"
	ip netns exec sfb-c "$PROBE" udp 192.0.2.10 9999 >/dev/null || fail "probe"
	kill -0 "$client" 2>/dev/null ||
		fail "the ${seconds}s flow ended after $i of $loads loads"
done
wait "$client" || fail "iperf3 client failed"
wait_for 60 sh -c "jq -e '.end.sum' '$work/server.json' >/dev/null 2>&1" ||
	fail "iperf3 server gave no result"

jq -M '.end.sum | {packets, lost_packets, seconds}' "$work/server.json"
sent=$(jq '.end.sum.packets' "$work/server.json")
lost=$(jq '.end.sum.lost_packets' "$work/server.json")
[ "$sent" -gt $((pps * 5)) ] || fail "only $sent datagrams in the flow"
[ "$lost" -eq 0 ] || fail "$lost of $sent datagrams lost during $loads reloads"

topo_sync
topo_seen | grep '^192\.0\.2\.10 udp 9999$' && fail "a probe to the denied port got through"
echo "$loads reloads under a ${seconds}s $pps pps flow: $sent datagrams, none lost;" \
	"$loads denied probes, none through"
