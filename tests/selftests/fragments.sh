#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragments are classified by the ports of the datagram they belong to:
# nf_sfb runs after defrag, so a 4000-byte UDP datagram (three fragments
# on the 1500-byte veth) to an allowed port crosses, one to a denied port
# does not, over IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10
catalogue_site enforce "front-end 192.0.2.10/32 2001:db8::10/128" > "$work/site.conf"
gw "$SFBCTL" load "$work/site.conf" || fail "load"

# front-end: udp 50000 is audio; 9999 is nothing of it.
for addr in 192.0.2.10 2001:db8::10; do
	"$NETNS" "$NS_C" "$PROBE" -l 4000 udp "$addr" 50000 9999 >/dev/null ||
		fail "probe $addr"
done
topo_sync
# The recorder also files some later IPv6 fragments under whatever their
# payload holds where ports would be: look for the two ports only.
topo_seen > "$work/seen"
for addr in 192.0.2.10 2001:db8::10; do
	grep -qx "$addr udp 50000" "$work/seen" || fail "$addr: allowed fragmented datagram dropped"
	grep -qx "$addr udp 9999" "$work/seen" && fail "$addr: denied fragmented datagram crossed"
done
echo "fragmented UDP: allowed port crosses, denied port does not, IPv4 and IPv6"
