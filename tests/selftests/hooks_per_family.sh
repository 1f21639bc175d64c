#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A ruleset costs only what it configures: conntrack, and sfb's hooks, run
# for a family only while an address of that family is bound. Seen from
# the gateway's conntrack table: IPv6 traffic leaves no entry while only
# IPv4 is bound, and does once IPv6 is; with no ruleset, nothing does.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10

# entries FAMILY-ADDR: 20 datagrams through the gateway to ADDR (ports no
# role lists, 20000-20019, monitor mode: all pass); $grew: the conntrack
# entries they left
entries() {
	local before
	before=$(gw cat /proc/sys/net/netfilter/nf_conntrack_count)
	"$NETNS" "$NS_C" "$PROBE" udp "$1" 20000-20019 >/dev/null || fail "probe $1"
	topo_sync
	topo_seen | grep -q "^$1 udp 20019$" || fail "$1: the datagrams did not cross"
	grew=$(($(gw cat /proc/sys/net/netfilter/nf_conntrack_count) - before))
}

catalogue_site monitor "front-end 192.0.2.10/32" > "$work/v4.conf"
catalogue_site monitor "front-end 192.0.2.10/32 2001:db8::10/128" > "$work/both.conf"

gw "$SFBCTL" load "$work/v4.conf" || fail "load v4"
entries 2001:db8::10
# topo_sync's IPv4 datagram is tracked: one entry at most.
[ "$grew" -le 1 ] || fail "IPv4 bound only: IPv6 traffic left $grew conntrack entries"
entries 192.0.2.10
[ "$grew" -ge 20 ] || fail "IPv4 bound: IPv4 traffic left only $grew conntrack entries"
echo "IPv4 bound only: IPv6 is not tracked"

gw "$SFBCTL" load "$work/both.conf" || fail "load both"
entries 2001:db8::10
[ "$grew" -ge 20 ] || fail "IPv6 bound: IPv6 traffic left only $grew conntrack entries"
echo "IPv6 bound too: IPv6 is tracked"

gw "$SFBCTL" flush || fail "flush"
entries 2001:db8::10
[ "$grew" -le 0 ] || fail "no ruleset: IPv6 traffic left $grew conntrack entries"
echo "no ruleset: nothing is tracked"
