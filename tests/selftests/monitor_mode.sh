#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Monitor mode drops nothing and counts as would-drop exactly the new flows
# enforce mode drops; the per-rule counters see the allowed ones.
# monitor_mode_nft.sh runs it against the nft backend.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10

# front-end lists tcp 5061 and udp 50000 (audio), none of the others.
denied_tcp="7 9998 9999"
denied_udp="1000 5061 9999"
run() {		# run MODE: probe, print what passed and the counters
	catalogue_site "$1" "front-end 192.0.2.10/32" > "$work/$1.conf"
	gw_load "$work/$1.conf" || fail "load $1"
	"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 5061 $denied_tcp >/dev/null
	"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 50000 $denied_udp >/dev/null
	topo_sync
	topo_seen | grep -c '^192\.0\.2\.10 ' > "$work/$1.passed"
	gw "$SFBCTL" stats --json | jq -c '.targets[] | select(.roles | index("front-end"))' \
		> "$work/$1.stats"
}
count() {	# count MODE JQ
	jq "$2" "$work/$1.stats"
}

run monitor
[ "$(cat "$work/monitor.passed")" -eq 8 ] ||
	fail "monitor mode let $(cat "$work/monitor.passed") of 8 probes through"
[ "$(count monitor .counters.would_drop.packets)" -eq 6 ] ||
	fail "monitor: would_drop $(count monitor .counters.would_drop.packets), expected 6"
[ "$(count monitor .counters.dropped.packets)" -eq 0 ] || fail "monitor mode dropped"

run enforce
[ "$(cat "$work/enforce.passed")" -eq 2 ] ||
	fail "enforce mode let $(cat "$work/enforce.passed") probes through, expected 2"
[ "$(count enforce .counters.dropped.packets)" -eq 6 ] ||
	fail "enforce: dropped $(count enforce .counters.dropped.packets), expected 6"
[ "$(count enforce .counters.would_drop.packets)" -eq 0 ] || fail "enforce counted would_drop"

for m in monitor enforce; do
	sip=$(count $m '[.rules[] | select(.rule == "sip-5061") | .packets] | add')
	[ "$sip" -ge 1 ] || fail "$m: rule sip-5061 counted $sip packets"
	[ "$(count $m .counters.service.packets)" -ge 1 ] || fail "$m: no service packets"
	[ "$(count $m .counters.media.packets)" -ge 1 ] || fail "$m: no media packets"
done
echo "monitor: 8 of 8 passed, 6 would-drop; enforce: 2 of 8 passed, 6 dropped; rule counters agree"
