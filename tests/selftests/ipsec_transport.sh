#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host to host, real ESP in transport mode (rfc4106(gcm(aes)), static SAs)
# and policies that require it for all traffic between the hosts. Both
# hosts run nf_sfb with the same site (ipsec_site: host B holds a Mediation
# Server, exempt both ways, and a Director, not exempt; UDP from the client
# media range is exempt).
#
# The hosts are ipsec_hosts_up's. Only the A <-> director pairs have SAs:
# an exempt packet that met IPsec
# would raise an ACQUIRE and be dropped. Asserted, IPv4 and IPv6, TCP and
# UDP, both directions: exempt flows are answered and cross in clear with
# no ESP at all on the wire; protected flows are answered and cross only
# as ESP; no ACQUIRE; no /proc/net/xfrm_stat error; a reload (changing the
# mark) under a live exempt flow keeps it flowing in clear; after `sfbctl
# flush` IPsec covers everything again. ipsec_transport_nft.sh runs it
# with the nft backend: the bypass works on its marks the same way.
# Not on the debug kernel: nf_sfb's part in it, marks in prerouting and local out, is marks.sh's and local_out.sh's; the rest is xfrm's
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ipsec_lib.sh"
test_setup --module tcpdump stdbuf
ipsec_hosts_up
IPSEC_CAPTURE=(inout $A/a0)

ipsec_site 0x10000000 > "$work/site.conf"
"$NETNS" $A "$SFBCTL" load "${BACKEND[@]}" "$work/site.conf" || fail "load in A"
"$NETNS" $B "$SFBCTL" load "${BACKEND[@]}" --sysctl "$work/site.conf" ||
	fail "load in B"
expect_eq "$("$NETNS" $B sysctl -n net.ipv4.tcp_fwmark_accept)" 1 \
	"load --sysctl: tcp_fwmark_accept"
"$NETNS" $B sysctl -n net.ipv4.ip_local_reserved_ports |
	grep -qx '50000-50039' || fail "load --sysctl: client media not reserved"

# Mediation has no SA: a packet of its flows meeting IPsec would be
# dropped and ACQUIREd.
ipsec_bypass_checks $A $B "0x00001100 0x00001101 0x00001600 0x00001601" $A $B

# flush: IPsec covers mediation again: with no SA a flow is refused and
# ACQUIREd (so the watcher works), with SAs everything is ESP.
for ns in $A $B; do
	"$NETNS" $ns "$SFBCTL" flush "${BACKEND[@]}" || fail "flush in $ns"
done
"$NETNS" $A "$ECHO" ask -w 3 udp 192.0.2.10 49152 2>/dev/null &&
	fail "after flush, mediation answered in clear with no SA"
wait_for 30 has_line "$work/acq.$A" '.*dst 192\.0\.2\.10/32' ||
	fail "after flush, no ACQUIRE for mediation"
for ns in $A $B; do
	{
		esp_pair 192.0.2.2 192.0.2.10 0x1000
		esp_pair 2001:db8::2 2001:db8::10 0x1500
	} | ip -n $ns -batch - || fail "mediation SAs in $ns"
done
captured flushed exempt_flows $A $B
expect_esp "$work/flushed.wire" 0x00001000 0x00001001 0x00001500 0x00001501
echo "flush: every flow is ESP again"
