#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod nf_sfb under traffic, ten times over (three on the debug kernel).
# While a ruleset is loaded the module is in use: rmmod fails and the
# policy stays in force. Once it is flushed (under traffic: the hooks go),
# rmmod succeeds although a load transaction is open. No crash, no leak,
# no splat (the runner fails the test on any kernel report), and traffic
# keeps flowing.
. "$(dirname "$0")/lib.sh"
test_setup --topo
topo_server_addr 10
# A small ruleset: what is unloaded with it matters, not its size, and a
# catalogue load costs seconds on the debug kernel.
cat > "$work/site.conf" <<EOF
policy enforce
role fe "front end: sip and audio" {
	service sip tcp 5061 tls
	media audio udp 49152-57500
}
bind fe 192.0.2.10/32 2001:db8::10/128
EOF

# Audio to the front-end, 200 datagrams a second, until the end.
"$NETNS" "$NS_C" "$FLOOD" -r 200 192.0.2.10,50000 > "$work/flood" &
client=$!

rounds=$(scaled 10)
for i in $(seq 1 "$rounds"); do
	sfb_insmod || fail "insmod $i"
	gw "$SFBCTL" load "$work/site.conf" || fail "load $i"
	"$NETNS" "$NS_GW" "$NL" hold 600 > "$work/hold" &
	holder=$!
	wait_for 60 has_line "$work/hold" holding || fail "no transaction open ($i)"
	rmmod nf_sfb 2> "$work/rmmod" && fail "rmmod with a ruleset loaded ($i)"
	grep -q 'in use' "$work/rmmod" || fail "rmmod ($i): $(cat "$work/rmmod")"
	gw "$SFBCTL" show > "$work/show" || fail "show after rmmod ($i)"
	grep -q '^bind fe ' "$work/show" || fail "the ruleset went with the failed rmmod ($i)"
	gw "$SFBCTL" flush || fail "flush $i"
	rmmod nf_sfb || fail "rmmod $i"
	kill "$holder"
	wait "$holder" 2>/dev/null
	rm -f "$work/hold"
	kill -0 "$client" || fail "the flow died ($i)"
done
kill -INT "$client"
wait "$client" || fail "sfb_flood failed"
topo_sync
topo_seen | grep -qx '192.0.2.10 udp 50000' || fail "no traffic crossed the gateway"
echo "$rounds rounds under a UDP flow: rmmod refused while a ruleset is loaded," \
	"then flushed and removed with a load in progress: clean;" \
	"$(tail -n 1 "$work/flood")"
