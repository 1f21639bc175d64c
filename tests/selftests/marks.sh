#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Each class ORs its bits into skb->mark before routing, without touching
# the bits others set: the gateway's forward chain sees, for every probe,
# the bits another table set at -300 plus exactly the marks `sfbctl match`
# announces, and match agrees with the documented classes. marks_nft.sh
# runs it against the nft backend.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10 11

# monitor: denied probes pass too, so their marks can be seen.
cat > "$work/site.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy monitor
mark service 0x100
mark media 0x200
mark ipsec-exempt 0x400
bind director 192.0.2.10/32
bind mediation 192.0.2.11/32
EOF
gw_load "$work/site.conf" || fail "loading the site ($SFB_BACKEND)"
gw nft -f - <<'NFT' || fail "nft"
table inet marks {
	set seen { type ipv4_addr . inet_proto . inet_service . mark; flags dynamic; }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		meta mark set 0x1
	}
	chain seen_fw {
		type filter hook forward priority 0; policy accept;
		ip saddr 198.51.100.2 meta l4proto { tcp, udp } add @seen { ip daddr . meta l4proto . th dport . meta mark }
	}
}
NFT

# director: 443 service, no media, not exempt by role. mediation: 5070
# service, audio media, exempt from IPsec on every port (Microsoft's table).
probes="tcp:192.0.2.10:443 tcp:192.0.2.10:9999 udp:192.0.2.10:50000
	tcp:192.0.2.11:5070 udp:192.0.2.11:50000 udp:192.0.2.11:9999"
for p in $probes; do
	IFS=: read -r proto addr port <<< "$p"
	"$NETNS" "$NS_C" "$PROBE" "$proto" "$addr" "$port" >/dev/null
	mark=$(gw_match -j "$proto" from 198.51.100.2 port 40000 \
		to "$addr" port "$port" | jq -r .mark)
	printf '%s %s %s 0x%08x\n' "$addr" "$proto" "$port" $((mark | 1))
done | sort > "$work/want"
topo_sync
gw nft -j list set inet marks seen |
	jq -r '.nftables[] | select(.set) | .set.elem[] | (.elem.val // .) | .concat |
		"\(.[0]) \(.[1]) \(.[2]) \(.[3])"' |
	awk '$1 != "192.0.2.2" { printf "%s %s %s 0x%08x\n", $1, $2, $3, $4 }' |
	sort > "$work/seen"
cat "$work/seen"
diff -u "$work/want" "$work/seen" || fail "marks on the wire differ from sfbctl match"

# And both against the classes the tables give.
grep -qx '192.0.2.10 tcp 443 0x00000101' "$work/seen" || fail "director 443: service only"
grep -qx '192.0.2.10 tcp 9999 0x00000001' "$work/seen" || fail "director 9999: nothing"
# The table's "Clients" rule exempts any UDP sent from the client media
# range, 1024-65535 unless a site narrows it: the probe's source port is.
grep -qx '192.0.2.10 udp 50000 0x00000401' "$work/seen" || fail "director udp: exempt only"
grep -qx '192.0.2.11 tcp 5070 0x00000501' "$work/seen" || fail "mediation 5070: service, exempt"
grep -qx '192.0.2.11 udp 50000 0x00000601' "$work/seen" || fail "mediation audio: media, exempt"
grep -qx '192.0.2.11 udp 9999 0x00000401' "$work/seen" || fail "mediation 9999: exempt only"
echo "marks: OR-ed in, foreign bits kept, as sfbctl match says"
