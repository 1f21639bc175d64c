#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Locally originated packets get their marks in LOCAL_OUT and are routed
# again, so routing and the xfrm "out" policy lookup see the marks: the
# gateway itself opens flows to an exempt role (mediation) and to one that
# is not (director); an `ip rule fwmark` sends marked packets over dum0.
# The exempt flow must leave marked over dum0, the other unmarked over g1,
# over IPv4 and IPv6; nothing is dropped in LOCAL_OUT.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
cat > "$work/site.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
mark ipsec-exempt 0x400
bind mediation 192.0.2.10/32 2001:db8::10/128
bind director 192.0.2.11/32 2001:db8::11/128
EOF
gw "$SFBCTL" load "$work/site.conf" || fail "load"

gw ip link add dum0 type dummy
gw ip link set dum0 up
for v in -4 -6; do
	gw ip $v rule add fwmark 0x400/0x400 lookup 100
done
gw ip route add 192.0.2.0/24 dev dum0 table 100
gw ip -6 route add 2001:db8::/64 dev dum0 table 100
gw nft -f - <<'NFT' || fail "nft"
table inet seen {
	set out { type nf_proto . ifname . inet_service . mark; flags dynamic; }
	chain post {
		type filter hook postrouting priority 0; policy accept;
		meta l4proto tcp add @out { meta nfproto . oifname . th dport . meta mark }
	}
}
NFT

# mediation 5070 is exempt (any -> mediation); director 443 is not.
for a in 192.0.2.10 2001:db8::10; do gw "$PROBE" tcp "$a" 5070 >/dev/null; done
for a in 192.0.2.11 2001:db8::11; do gw "$PROBE" tcp "$a" 443 >/dev/null; done
gw nft -j list set inet seen out | jq -r '.nftables[] | select(.set) |
	.set.elem[] | (.elem.val // .) | .concat | "\(.[0]) \(.[1]) \(.[2]) \(.[3])"' |
	sort > "$work/seen"
cat "$work/seen"
printf '%s\n' "ipv4 dum0 5070 1024" "ipv4 g1 443 0" "ipv6 dum0 5070 1024" \
	"ipv6 g1 443 0" > "$work/want"
diff -u "$work/want" "$work/seen" || fail "locally originated packets not marked and rerouted"
echo "LOCAL_OUT: exempt flows marked and rerouted (IPv4, IPv6), others untouched"
