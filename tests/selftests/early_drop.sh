#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The first stage, before conntrack, drops exactly what the verdict after
# conntrack would drop, and spares conntrack the entries:
#
#   - denied probes to a bound address create no conntrack entry in
#     enforce mode and are counted as drops, one each (monitor mode, which
#     has no first stage, lets conntrack create them);
#   - in conntrack zone 7 (set in the gateway's raw table), replies to a
#     flow a server opened from a port its role does not list pass: the
#     first stage finds the entry in the packet's zone;
#   - a conntrack helper's expectation: an FTP server's passive-mode reply
#     lets the client's data connection to a port the role does not list
#     through (RELATED), once; a second connection there is dropped;
#   - TCP port reuse: once that server-opened flow is closed, a new
#     connection on the same ports, the other way, is dropped and counted.
#
#   client 198.51.100.2 (director, 444)  --  gateway  --  192.0.2.10 (ftp, 21)
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10
load_module nf_conntrack_ftp || fail "cannot load nf_conntrack_ftp"

site() {
	cat <<-EOF
	policy $1
	role ftp "an FTP server: its control port only" {
		service ftp tcp 21 tcp
	}
	role director "a director" {
		service https tcp 444 https
	}
	bind ftp 192.0.2.10/32
	bind director 198.51.100.2/32
	EOF
}
site enforce > "$work/enforce.conf"
site monitor > "$work/monitor.conf"

# Everything the gateway forwards is tracked in zone 7; FTP control
# connections get the FTP helper.
gw nft -f - <<'NFT' || fail "nft"
table inet early {
	ct helper ftp { type "ftp" protocol tcp; }
	chain raw {
		type filter hook prerouting priority raw; policy accept;
		ct zone set 7
	}
	chain helpers {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 21 ct helper set "ftp"
	}
}
NFT

ct_count() {
	gw cat /proc/sys/net/netfilter/nf_conntrack_count
}

# dropped ROLE: the packets sfb dropped to ROLE's target
dropped() {
	gw "$SFBCTL" stats --json |
		jq ".targets[] | select(.roles == [\"$1\"]) | .counters.dropped.packets"
}

# probe MODE: 50 UDP datagrams to ports the ftp role does not list; $grew:
# how many conntrack entries they left
probe() {
	local before
	gw "$SFBCTL" load "$work/$1.conf" || fail "load $1"
	before=$(ct_count)
	"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 1000-1049 >/dev/null || fail "probe"
	topo_sync
	grew=$(($(ct_count) - before))
}

probe enforce
# The sync datagrams (to the unbound 192.0.2.2) may add an entry per family.
[ "$grew" -le 2 ] || fail "enforce: 50 denied datagrams left $grew conntrack entries"
expect_eq "$(dropped ftp)" 50 "enforce: drops counted"
[ -z "$(topo_seen | grep '^192\.0\.2\.10 ')" ] || fail "enforce: a denied datagram crossed"
probe monitor
[ "$grew" -ge 50 ] || fail "monitor: 50 datagrams left only $grew conntrack entries"
echo "denied probes: no conntrack entry in enforce mode ($grew in monitor mode)"
gw "$SFBCTL" load "$work/enforce.conf" || fail "load enforce"

# A server opens a flow from port 40000, which its role does not list.
echo_serve "$NS_C" tcp 198.51.100.2 444
director=$echo_pid
"$NETNS" "$NS_S" "$ECHO" ask -b 192.0.2.10 -s 40000 tcp 198.51.100.2 444 ||
	fail "ftp:40000 -> director:444 in zone 7: the reply did not come back"
echo "zone 7: replies of a server-opened flow pass"

# FTP, passive mode: the helper reads the server's "227" reply (the echo
# server sends back what it is sent; the helper parses a reply only after a
# first line) and expects the client at 192.0.2.10:50000.
echo_serve "$NS_S" tcp 192.0.2.10 21
echo_serve "$NS_S" tcp 192.0.2.10 50000
"$NETNS" "$NS_C" timeout 60 bash -c '
	exec 3<>/dev/tcp/192.0.2.10/21 || exit 1
	echo "220 sfb test" >&3 && read -r line <&3 || exit 1
	echo "227 Entering Passive Mode (192,0,2,10,195,80)." >&3 &&
		read -r line <&3' || fail "the FTP control connection"
"$NETNS" "$NS_C" "$ECHO" ask tcp 192.0.2.10 50000 ||
	fail "the data connection the helper expected was dropped"
before=$(dropped ftp)
"$NETNS" "$NS_C" "$ECHO" ask -w 3 tcp 192.0.2.10 50000 2>/dev/null &&
	fail "a second data connection, not expected, got through"
[ "$(dropped ftp)" -gt "$before" ] || fail "the unexpected data connection was not sfb's drop"
echo "FTP: the expected data connection passes, an unexpected one is dropped"

# Port reuse: the director connects from 444 to ftp:40000, the ports of the
# closed flow above, whose entry conntrack still holds (TIME_WAIT).
kill "$director"
wait_for 30 eval "! kill -0 $director 2>/dev/null" || fail "the director's server lives on"
topo_seen >/dev/null
before=$(dropped ftp)
"$NETNS" "$NS_C" "$ECHO" ask -b 198.51.100.2 -s 444 -w 3 tcp 192.0.2.10 40000 \
	2>/dev/null && fail "director:444 -> ftp:40000 got through"
topo_sync
topo_seen | grep -q '^192\.0\.2\.10 tcp 40000$' && fail "director:444 -> ftp:40000 crossed"
[ "$(dropped ftp)" -gt "$before" ] || fail "director:444 -> ftp:40000 was not sfb's drop"
echo "reuse: a new flow on a closed flow's ports, the other way, is dropped"
