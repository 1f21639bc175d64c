#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In enforce mode only new flows are judged: replies of flows a server
# opened pass whatever their ports (conntrack), and two bound roles talk on
# the ports the seed lists for the receiving role, in both directions.
#
#   director 198.51.100.2 (sfb-c)  --  sfb-gw  --  front-end 192.0.2.10 (sfb-s)
. "$(dirname "$0")/lib.sh"
need socat
need ss

trap 'topo_down; kill $(jobs -p) 2>/dev/null' EXIT
topo_up
topo_server_addr 10
sfb_insmod || fail "insmod"
cat > /tmp/conntrack_flows.conf <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
bind director 198.51.100.2/32 2001:db8:c::2/128
bind front-end 192.0.2.10/32 2001:db8::10/128
EOF
ip netns exec sfb-gw "$SFBCTL" load /tmp/conntrack_flows.conf || fail "sfbctl load"

# socat's address type for ADDR: TCP or TCP6
tcp() {
	case "$1" in *:*) echo TCP6 ;; *) echo TCP ;; esac
}

# listen NS ADDR PORT: answer "pong" to every connection
listen() {
	ip netns exec "$1" socat "$(tcp "$2")-LISTEN:$3,bind=$2,reuseaddr,fork" \
		SYSTEM:'echo pong' &
	wait_for 30 sh -c "ip netns exec $1 ss -ltnH | grep -q ':$3 '" ||
		fail "listener $2:$3 not up"
}

# talk NS FROM TO PORT: connect from FROM (ADDR or ADDR:PORT), expect "pong".
# stdin is empty: socat half-closes at once and, with -t 20, waits that
# long (not its default 0.5 s, too short on a debug kernel) for the reply.
talk() {
	local host=$3
	case "$host" in *:*) host="[$host]" ;; esac
	ip netns exec "$1" socat -T 20 -t 20 - "$(tcp "$3"):$host:$4,bind=$2,connect-timeout=20" \
		</dev/null 2>/dev/null | grep -qx pong
}

# A server opens a flow from a port its own role does not list (40000);
# the replies to that port must pass: they belong to an established flow.
listen sfb-c 198.51.100.2 444
talk sfb-s 192.0.2.10:40000 198.51.100.2 444 ||
	fail "front-end:40000 -> director:444: the reply did not come back"
echo "replies of a server-opened flow pass"

# Server to server, both ways, on ports the receiving role lists.
listen sfb-s 192.0.2.10 5061
talk sfb-c 198.51.100.2 192.0.2.10 5061 || fail "director -> front-end:5061 (sip mtls)"
talk sfb-s 192.0.2.10 198.51.100.2 444 || fail "front-end -> director:444 (https)"
listen sfb-s "[2001:db8::10]" 8057
talk sfb-c "[2001:db8:c::2]" 2001:db8::10 8057 || fail "director -> front-end:8057 over IPv6"
echo "server to server on the seed's ports, IPv4 and IPv6"

# A port the receiving role does not list: the SYN is dropped.
listen sfb-c 198.51.100.2 5062
if ip netns exec sfb-s socat -T 3 - "TCP:198.51.100.2:5062,bind=192.0.2.10,connect-timeout=3" \
	</dev/null >/dev/null 2>&1; then
	fail "front-end -> director:5062 got through; the director does not list 5062"
fi
echo "a port the receiving role does not list is dropped"
