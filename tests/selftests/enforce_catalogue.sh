#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every role of the catalogue that lists ports, bound to its own address in
# the servers' namespace, enforced by nf_sfb on the gateway: from the
# client, over IPv4 and IPv6, TCP and UDP, every port a rule names and both
# edges of every range get through; the ports just outside every range and
# a random sample of the rest do not. The expectation comes from `sfbctl
# export` (the parser), the verdict from what reaches the servers.
# The sweep checks the parser against the kernel port by port; the kernel
# runs the same code for any port. enforce_catalogue_nft.sh runs it
# against the nft backend.
# Not on the debug kernel: its kernel work is that of monitor_mode, marks and early_drop
. "$(dirname "$0")/lib.sh"
test_setup --topo --module

# role,service,protocol,ports,transport,class,note -> "role proto first last";
# quoted fields (transport, note) may hold commas: blank them out first.
"$SFBCTL" export --format csv user/roles/sfb2015.conf |
	sed -E 's/"([^"]|"")*"/q/g' |
	awk -F, 'NR > 1 && ($6 == "service" || $6 == "media") {
		split($4, p, "-"); print $1, $3, p[1], (p[2] == "" ? p[1] : p[2]) }' |
	sort -u > "$work/rules"
[ -s "$work/rules" ] || fail "sfbctl export gave no rules"

roles=$(cut -d' ' -f1 "$work/rules" | sort -u)
{
	echo "include \"$PWD/user/roles/sfb2015.conf\""
	echo "policy enforce"
	n=10
	for role in $roles; do
		echo "bind $role 192.0.2.$n/32 2001:db8::$n/128"
		echo "$role $n" >> "$work/addrs"
		n=$((n + 1))
	done
} > "$work/site.conf"
topo_server_addr $(cut -d' ' -f2 "$work/addrs")
gw_load "$work/site.conf" || fail "loading the site ($SFB_BACKEND)"

# Probe each role, over both families and protocols: the edges of its
# ranges, their outer neighbours, and a fixed random sample of 30 ports.
# "ADDR PROTO PORT PASS" per probe, PASS 1 if a range of the role holds it.
awk -v seed=5061 '
	BEGIN { srand(seed) }
	FILENAME == ARGV[1] {
		k = $1 " " $2; n[k]++; first[k, n[k]] = $3; last[k, n[k]] = $4
		next
	}
	{
		for (pr = 1; pr <= 2; pr++) {
			proto = pr == 1 ? "tcp" : "udp"; k = $1 " " proto
			delete port
			for (i = 1; i <= n[k]; i++) {
				port[first[k, i] - 1]; port[first[k, i]]
				port[last[k, i]]; port[last[k, i] + 1]
			}
			for (i = 0; i < 30; i++)
				port[int(rand() * 65535) + 1]
			for (key in port) {
				p = key + 0
				if (p < 1 || p > 65535)
					continue
				pass = 0
				for (i = 1; i <= n[k]; i++)
					if (p >= first[k, i] && p <= last[k, i])
						pass = 1
				print "192.0.2." $2, proto, p, pass
				print "2001:db8::" $2, proto, p, pass
			}
		}
	}' "$work/rules" "$work/addrs" > "$work/expect"
# sfb_probe takes "PROTO ADDR PORTS..." lines: one process for them all.
awk '{ ports[$2 " " $1] = ports[$2 " " $1] " " $3 }
     END { for (k in ports) print k ports[k] }' "$work/expect" |
	"$NETNS" "$NS_C" "$PROBE" - || fail "probes"
awk '$4 == 1 { print $1, $2, $3 }' "$work/expect" | sort -u > "$work/want"
cut -d' ' -f1-3 "$work/expect" | sort -u > "$work/probed"
topo_sync
topo_seen | sort -u > "$work/seen.all"
comm -12 "$work/seen.all" "$work/probed" > "$work/seen"

missing=$(comm -23 "$work/want" "$work/seen")
leaked=$(comm -13 "$work/want" "$work/seen")
echo "probed $(wc -l < "$work/probed"), expected to pass $(wc -l < "$work/want")," \
	"passed $(wc -l < "$work/seen")"
[ -z "$missing" ] || fail "allowed but dropped:
$(echo "$missing" | head -n 20)"
[ -z "$leaked" ] || fail "denied but let through:
$(echo "$leaked" | head -n 20)"
# Every probe that did not pass was dropped by sfb, and counted so.
dropped=$(gw_dropped)
denied=$(comm -23 "$work/probed" "$work/want" | wc -l)
[ "$dropped" -eq "$denied" ] || fail "counted $dropped drops for $denied denied probes"
echo "$(wc -l < "$work/addrs") roles enforced exactly over IPv4 and IPv6; $dropped drops counted"
