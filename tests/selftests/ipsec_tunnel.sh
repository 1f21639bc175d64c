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
#
# nf_sfb's part here, marks on forwarded packets and reloads under ESP
# flows, is what marks and ipsec_transport run on the debug kernel; the
# rest is ESP in two gateways, 100 s of TCG under KASAN.
# Not on the debug kernel: nf_sfb's part is that of marks and ipsec_transport
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ipsec_lib.sh"
test_setup --module tcpdump stdbuf

C=$TEST_NS-c
GA=$TEST_NS-ga
GB=$TEST_NS-gb
S=$TEST_NS-s
IPSEC_CLIENT4=198.51.100.2
IPSEC_CLIENT6=2001:db8:c::2
IPSEC_CAPTURE=(out $GA/t0 $GB/t1)
ipsec_modules

ip -batch - <<EOF || fail "namespaces and veths"
netns add $C
netns add $GA
netns add $GB
netns add $S
link add c0 netns $C type veth peer name g0 netns $GA
link add t0 netns $GA type veth peer name t1 netns $GB
link add g1 netns $GB type veth peer name s0 netns $S
EOF
# tunnel A|B: that gateway's SAs (one each way per family, the same in
# both) and policies (out towards the other side's subnet, fwd and in from
# it).
tunnel() {
	local side=$1 f
	for f in "198.51.100.0/24 192.0.2.0/24 203.0.113.1 203.0.113.2 0x2100" \
		"2001:db8:c::/64 2001:db8::/64 2001:db8:f::1 2001:db8:f::2 0x2600"; do
		# client subnet, server subnet, A's end, B's end, SPI
		set -- $f
		esp_sa tunnel "$3" "$4" "$5"
		esp_sa tunnel "$4" "$3" "$(($5 + 1))"
		# seen from B, the subnets and the ends swap roles
		[ "$side" = B ] && set -- "$2" "$1" "$4" "$3"
		esp_policy out "$1" "$2" tunnel "$3" "$4"
		esp_policy fwd "$2" "$1" tunnel "$4" "$3"
		esp_policy in "$2" "$1" tunnel "$4" "$3"
	done
}
client_batch | ip -n $C -batch - || fail "client"
{
	cat <<-EOF
	link set lo up
	link set g0 up
	link set t0 up
	addr add 198.51.100.1/24 dev g0
	addr add 2001:db8:c::1/64 dev g0 nodad
	addr add 203.0.113.1/24 dev t0
	addr add 2001:db8:f::1/64 dev t0 nodad
	route add 192.0.2.0/24 via 203.0.113.2
	route add 2001:db8::/64 via 2001:db8:f::2
	EOF
	tunnel A
} | ip -n $GA -batch - || fail "gateway A"
{
	cat <<-EOF
	link set lo up
	link set t1 up
	link set g1 up
	addr add 203.0.113.2/24 dev t1
	addr add 2001:db8:f::2/64 dev t1 nodad
	addr add 192.0.2.1/24 dev g1
	addr add 2001:db8::1/64 dev g1 nodad
	route add 198.51.100.0/24 via 203.0.113.1
	route add 2001:db8:c::/64 via 2001:db8:f::1
	EOF
	tunnel B
} | ip -n $GB -batch - || fail "gateway B"
ip -n $S -batch - <<EOF || fail "servers"
link set lo up
link set s0 up
addr add 192.0.2.10/24 dev s0
addr add 192.0.2.11/24 dev s0
addr add 2001:db8::10/64 dev s0 nodad
addr add 2001:db8::11/64 dev s0 nodad
route add default via 192.0.2.1
route add default via 2001:db8::1
EOF
for ns in $GA $GB; do
	"$NETNS" $ns sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
done

ipsec_site 0x10000000 > "$work/site.conf"
for ns in $GA $GB; do
	"$NETNS" $ns "$SFBCTL" load "$work/site.conf" || fail "load in $ns"
done
ipsec_servers $C $S
ipsec_bypass_checks $C $S "0x00002100 0x00002101 0x00002600 0x00002601" $GA $GB

for ns in $GA $GB; do
	"$NETNS" $ns "$SFBCTL" flush || fail "flush in $ns"
done
captured flushed exempt_flows $C $S
expect_esp "$work/flushed.wire" 0x00002100 0x00002101 0x00002600 0x00002601
echo "flush: every flow goes through the tunnel again"
