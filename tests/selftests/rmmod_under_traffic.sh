#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod nf_sfb while traffic crosses the gateway's hooks and while a load
# transaction is open, ten times over: no crash, no leak, no splat (the
# runner fails the test on any kernel report), and traffic keeps flowing.
. "$(dirname "$0")/lib.sh"
need iperf3
need jq

NL=$PWD/build/selftests/sfb_nl
work=$(mktemp -d)
trap 'topo_down; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
topo_up
topo_server_addr 10
catalogue_site enforce "front-end 192.0.2.10/32" > "$work/site.conf"

ip netns exec sfb-s iperf3 -s -B 192.0.2.10 -p 50000 -1 --json > "$work/server.json" &
wait_for 30 sh -c "ip netns exec sfb-s ss -ltnH | grep -q ':50000 '" ||
	fail "iperf3 server not up"
ip netns exec sfb-c iperf3 -c 192.0.2.10 -p 50000 -u -l 100 -b 400k -t 3600 \
	> /dev/null &
client=$!

for i in $(seq 1 10); do
	sfb_insmod || fail "insmod $i"
	ip netns exec sfb-gw "$SFBCTL" load "$work/site.conf" || fail "load $i"
	ip netns exec sfb-gw "$NL" hold 600 > "$work/hold" &
	holder=$!
	wait_for 60 grep -q holding "$work/hold" || fail "no transaction open ($i)"
	rmmod nf_sfb || fail "rmmod $i"
	kill "$holder"
	wait "$holder" 2>/dev/null
	rm -f "$work/hold"
	kill -0 "$client" || fail "the flow died ($i)"
done
kill -INT "$client"
wait "$client"
wait_for 60 sh -c "jq -e '.end.sum.packets > 0' '$work/server.json' >/dev/null 2>&1" ||
	fail "no traffic crossed the gateway"
echo "10 rmmods under a UDP flow with a load in progress: clean"
