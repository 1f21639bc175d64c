#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In enforce mode only new flows are judged: replies of flows a server
# opened pass whatever their ports (conntrack), and two bound roles talk on
# the ports the seed lists for the receiving role, in both directions.
# conntrack_flows_nft.sh runs it against the nft backend.
#
#   director 198.51.100.2 (client) -- gateway -- front-end 192.0.2.10 (servers)
. "$(dirname "$0")/lib.sh"

test_setup --topo --module
topo_server_addr 10
cat > "$work/site.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
bind director 198.51.100.2/32 2001:db8:c::2/128
bind front-end 192.0.2.10/32 2001:db8::10/128
EOF
gw_load "$work/site.conf" || fail "loading the site ($SFB_BACKEND)"

# talk NS FROM TO PORT [sfb_echo ask OPTION...]: a TCP connection from
# FROM whose line comes back
talk() {
	local ns=$1 from=$2 to=$3 port=$4
	shift 4
	"$NETNS" "$ns" "$ECHO" ask -b "$from" "$@" tcp "$to" "$port"
}

# A server opens a flow from a port its own role does not list (40000);
# the replies to that port must pass: they belong to an established flow.
echo_serve "$NS_C" tcp 198.51.100.2 444
talk "$NS_S" 192.0.2.10 198.51.100.2 444 -s 40000 ||
	fail "front-end:40000 -> director:444: the reply did not come back"
echo "replies of a server-opened flow pass"

# Server to server, both ways, on ports the receiving role lists.
echo_serve "$NS_S" tcp 192.0.2.10 5061
talk "$NS_C" 198.51.100.2 192.0.2.10 5061 || fail "director -> front-end:5061 (sip mtls)"
talk "$NS_S" 192.0.2.10 198.51.100.2 444 || fail "front-end -> director:444 (https)"
echo_serve "$NS_S" tcp 2001:db8::10 8057
talk "$NS_C" 2001:db8:c::2 2001:db8::10 8057 || fail "director -> front-end:8057 over IPv6"
echo "server to server on the seed's ports, IPv4 and IPv6"

# A port the receiving role does not list: the SYN is dropped.
echo_serve "$NS_C" tcp 198.51.100.2 5062
talk "$NS_S" 192.0.2.10 198.51.100.2 5062 -w 3 2>/dev/null &&
	fail "front-end -> director:5062 got through; the director does not list 5062"
echo "a port the receiving role does not list is dropped"

# An untracked flow (notrack in the raw table, before sfb) has no state to
# pass its replies: each packet is judged as a new flow (sfbctl.8). The
# SYN to the director's 444 passes; the SYN-ACK back to the front-end's
# unlisted port 40001 is dropped, where conntrack let it through above.
gw nft -f - <<NFT || fail "nft: notrack"
table inet sfb_test_notrack {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp sport 444 notrack
		tcp dport 444 notrack
	}
}
NFT
dropped=$(gw_dropped)
talk "$NS_S" 192.0.2.10 198.51.100.2 444 -s 40001 -w 3 2>/dev/null &&
	fail "front-end:40001 -> director:444 untracked: the reply passed"
[ "$(gw_dropped)" -gt "$dropped" ] ||
	fail "front-end:40001 -> director:444 untracked failed, but not by a drop"
talk "$NS_C" 198.51.100.2 192.0.2.10 5061 ||
	fail "director -> front-end:5061 (tracked) stopped passing"
echo "an untracked flow's replies are judged as new flows: dropped"
