#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 packets with extension headers (hop-by-hop, destination options)
# before TCP/UDP are classified by their real ports; a truncated L4 header
# is dropped in enforce mode and let through in monitor mode.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10
for mode in enforce monitor; do
	catalogue_site "$mode" "front-end 192.0.2.10/32 2001:db8::10/128" > "$work/$mode.conf"
done
gw "$SFBCTL" load "$work/enforce.conf" || fail "load"

client() { "$NETNS" "$NS_C" "$PROBE" "$@" >/dev/null || fail "probe $*"; }

# front-end: udp 50000 (audio) and tcp 5061 allowed; udp 5061, tcp 9999 not.
for x in hbh dst both; do
	client -x $x udp 2001:db8::10 50000 5061
	client -x $x tcp 2001:db8::10 5061 9999
	topo_sync
	topo_seen | grep '^2001:db8::10 ' > "$work/seen"
	printf '2001:db8::10 tcp 5061\n2001:db8::10 udp 50000\n' > "$work/want"
	diff -u "$work/want" "$work/seen" ||
		fail "with IPv6 extension headers ($x), verdicts differ from the ports'"
done
echo "IPv6 hop-by-hop and destination options: classified by the real ports"

# A UDP or TCP header cut after the ports, to an allowed port.
truncated() {
	client -t udp 192.0.2.10 50001
	client -t udp 2001:db8::10 50001
	client -t tcp 192.0.2.10 5061
	client -t tcp 2001:db8::10 5061
	topo_sync
	topo_seen | grep -c '^\(192\.0\.2\.10\|2001:db8::10\) '
}
n=$(truncated)
[ "$n" -eq 0 ] || fail "$n truncated headers got through in enforce mode"
gw "$SFBCTL" load "$work/monitor.conf" || fail "load monitor"
n=$(truncated)
[ "$n" -eq 4 ] || fail "monitor mode let $n of 4 truncated headers through"
echo "truncated L4 headers: dropped in enforce mode, passed in monitor mode"
