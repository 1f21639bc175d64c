#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Through gateways: real ESP in tunnel mode between two gateways that both
# run nf_sfb with the same site (ipsec_site), with policies that require
# the tunnel for all traffic between the client and server subnets. The
# traffic is forwarded, so the gateways' "fwd" policy checks and their
# output lookups for forwarded packets are what sfb's marks must satisfy.
#
#   sfb-tc c0 198.51.100.2     sfb-ta g0 .1 / t0 203.0.113.1
#             2001:db8:c::2             ::1 /    2001:db8:f::1
#                                          | ESP tunnel |
#   sfb-ts s0 192.0.2.10 (mediation)  sfb-tb t1 203.0.113.2 / g1 192.0.2.1
#             192.0.2.11 (director)         2001:db8:f::2 /    2001:db8::1
#             2001:db8::10, ::11
#
# Asserted on the wire between the gateways, IPv4 and IPv6, TCP and UDP,
# both directions: exempt flows are answered and cross in clear with no
# ESP; protected flows are answered and cross only as ESP; reloads under
# live exempt flows keep them flowing; no ACQUIRE and no xfrm_stat error
# in either gateway; after `sfbctl flush` everything crosses as ESP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ipsec_lib.sh"
need tcpdump
need stdbuf

C=sfb-tc
GA=sfb-ta
GB=sfb-tb
S=sfb-ts
IPSEC_CLIENT4=198.51.100.2
IPSEC_CLIENT6=2001:db8:c::2
work=$(mktemp -d)
IPSEC_CAPTURE=(out $GA/t0 $GB/t1)
cleanup() {
	local ns
	ipsec_cleanup
	for ns in $C $GA $GB $S; do
		ip netns del $ns 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
sfb_insmod || fail "insmod"
ipsec_modules

for ns in $C $GA $GB $S; do
	ip netns del $ns 2>/dev/null
	ip netns add $ns || fail "ip netns add $ns"
	ip -n $ns link set lo up
done
# link NS_A IF_A NS_B IF_B: a veth pair, both ends up.
link() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
link $C c0 $GA g0
link $GA t0 $GB t1
link $GB g1 $S s0
addr() {	# addr NS IF ADDR/LEN...
	local ns=$1 ifc=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$ifc" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$ifc" ;;
		esac
	done
}
addr $C c0 198.51.100.2/24 2001:db8:c::2/64
addr $GA g0 198.51.100.1/24 2001:db8:c::1/64
addr $GA t0 203.0.113.1/24 2001:db8:f::1/64
addr $GB t1 203.0.113.2/24 2001:db8:f::2/64
addr $GB g1 192.0.2.1/24 2001:db8::1/64
addr $S s0 192.0.2.10/24 192.0.2.11/24 2001:db8::10/64 2001:db8::11/64
ip -n $C route add default via 198.51.100.1
ip -n $C -6 route add default via 2001:db8:c::1
ip -n $S route add default via 192.0.2.1
ip -n $S -6 route add default via 2001:db8::1
ip -n $GA route add 192.0.2.0/24 via 203.0.113.2
ip -n $GA -6 route add 2001:db8::/64 via 2001:db8:f::2
ip -n $GB route add 198.51.100.0/24 via 203.0.113.1
ip -n $GB -6 route add 2001:db8:c::/64 via 2001:db8:f::1
for ns in $GA $GB; do
	ip netns exec $ns sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
done

# The tunnel: one SA each way per family, in both gateways; policies out
# one way and fwd + in the other, for the whole subnets.
for f in "198.51.100.0/24 192.0.2.0/24 203.0.113.1 203.0.113.2 0x2100" \
	"2001:db8:c::/64 2001:db8::/64 2001:db8:f::1 2001:db8:f::2 0x2600"; do
	set -- $f
	for ns in $GA $GB; do
		esp_sa $ns tunnel "$3" "$4" "$5"
		esp_sa $ns tunnel "$4" "$3" "$(($5 + 1))"
	done
	esp_policy $GA out "$1" "$2" tunnel "$3" "$4"
	esp_policy $GB out "$2" "$1" tunnel "$4" "$3"
	for dir in fwd in; do
		esp_policy $GA $dir "$2" "$1" tunnel "$4" "$3"
		esp_policy $GB $dir "$1" "$2" tunnel "$3" "$4"
	done
done

ipsec_site 0x10000000 > "$work/site.conf"
for ns in $GA $GB; do
	ip netns exec $ns "$SFBCTL" load "$work/site.conf" || fail "load in $ns"
done
ipsec_servers $C $S
ipsec_bypass_checks $C $S "0x00002100 0x00002101 0x00002600 0x00002601" $GA $GB

for ns in $GA $GB; do
	ip netns exec $ns "$SFBCTL" flush || fail "flush in $ns"
done
captured flushed exempt_flows $C $S
expect_esp "$work/flushed.wire" 0x00002100 0x00002101 0x00002600 0x00002601
echo "flush: every flow goes through the tunnel again"
