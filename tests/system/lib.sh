# SPDX-License-Identifier: GPL-2.0
# Sourced by the stages tests/host/system_image.sh runs in the Debian 12
# system image (tools/system-image), as root, from the 9p share: the sfb
# packages and the static probe tools are in the share's directory.
# Each check prints "ok - WHAT" or "not ok - WHAT" (the host numbers them);
# other lines are comments.

share=${SFBTEST:-$PWD}
tools=$share/tools
failed=0

# check WHAT CMD...: run CMD, its output kept only if it fails
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failed=$((failed + 1))
		[ -z "$out" ] || printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
		echo "    (exit $rc)"
	fi
	return "$rc"
}

# dkms_installed KVER: DKMS has built and installed sfb for KVER (a
# fixed string: releases hold regex characters, 6.12.118+deb12-amd64)
dkms_installed() {
	dkms status sfb 2>/dev/null | tee /dev/stderr | grep -q -F ", $1, x86_64: installed"
}

# note TEXT: a line for the host's account
note() {
	echo "# $*"
}

# The stage fails if any check did.
finish() {
	[ "$failed" -eq 0 ] || { note "$failed check(s) failed"; exit 1; }
	exit 0
}

# The site the stages install, in enforce mode, on the catalogue included
# as the shipped site.conf does (by name: from /usr/share/sfb/roles).
# Roles at addresses of the server namespace (front-end; edge-av-internal,
# which exists for its IPsec exceptions) and the client's prefix; marks for
# every class, so the classification is visible to nftables and sfbctl
# installs xfrm bypass policies (the exceptions of edge-av-internal and of
# the clients' narrowed media range).
site_conf() {
	cat <<'EOF'
# /etc/sfb/site.conf: written by the sfb system image test
include "sfb2015.conf"
policy enforce
mark service 0x100
mark media 0x200
mark ipsec-exempt 0x400
override media-range client-media 50000-50039
bind front-end 192.0.2.10/32
bind edge-av-internal 192.0.2.20/32
bind client 198.51.100.0/24
EOF
}

# What the probes expect of that site, "PROTO PORT VERDICT CLASS" to the
# front-end: per class one port let through and one dropped. 5061 is
# SIP/TLS, 5069 a Mediation port the front-end does not have; the
# front-end terminates audio in 49152-57500, 49151 is just below it (and
# below video and application sharing).
probes() {
	cat <<'EOF'
tcp 5061 pass service
tcp 5069 drop service
udp 50000 pass media
udp 49151 drop media
EOF
}

# --- a boot of the gateway, enforcing ----------------------------------
# This system is the gateway: its root namespace routes between a client
# and a server namespace,
#
#   sfb-c: c0 198.51.100.2/24 -- g0 198.51.100.1 [root: nf_sfb] g1 192.0.2.1
#          -- s0 192.0.2.2/24 in sfb-s, which holds the front-end 192.0.2.10
#
# and the probes must fare exactly as the site says.
fe=192.0.2.10

no_modules_load() {
	! grep -rsl nf_sfb /etc/modules /etc/modules-load.d /usr/lib/modules-load.d \
		/lib/modules-load.d /run/modules-load.d
}

journal_clean() {
	! journalctl -b -u sfb.service --no-pager -p err | grep -v '^-- '
}

# The topology and the servers.
gateway_up() {
	ip -batch - <<-EOF || return 1
	netns add sfb-c
	netns add sfb-s
	link add g0 type veth peer name c0 netns sfb-c
	link add g1 type veth peer name s0 netns sfb-s
	addr add 198.51.100.1/24 dev g0
	addr add 192.0.2.1/24 dev g1
	link set g0 up
	link set g1 up
	EOF
	ip -n sfb-c -batch - <<-EOF || return 1
	link set lo up
	addr add 198.51.100.2/24 dev c0
	link set c0 up
	route add default via 198.51.100.1
	EOF
	ip -n sfb-s -batch - <<-EOF || return 1
	link set lo up
	addr add 192.0.2.2/24 dev s0
	addr add $fe/24 dev s0
	addr add 192.0.2.20/24 dev s0
	link set s0 up
	route add default via 192.0.2.1
	EOF
	sysctl -qw net.ipv4.ip_forward=1 || return 1
	# sfb-s records every (address, protocol, port) that reaches it.
	ip netns exec sfb-s nft -f - <<-'EOF' || return 1
	table inet sfbtest {
		set seen { type ipv4_addr . inet_proto . inet_service; flags dynamic; }
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			meta l4proto { tcp, udp } add @seen { ip daddr . meta l4proto . th dport }
		}
	}
	EOF
	# The gateway counts what crosses it with sfb's marks.
	nft -f - <<-EOF || return 1
	table inet sfbmarks {
		counter service_marked { }
		counter media_marked { }
		counter exempt_marked { }
		chain forward {
			type filter hook forward priority 0; policy accept;
			ip daddr $fe tcp dport 5061 meta mark & 0x100 == 0x100 counter name "service_marked"
			ip daddr $fe udp dport 50000 meta mark & 0x200 == 0x200 counter name "media_marked"
			ip daddr $fe udp sport 50001 meta mark & 0x600 == 0x600 counter name "exempt_marked"
		}
	}
	EOF
	local proto port
	while read -r proto port _; do
		ip netns exec sfb-s "$tools/sfb_echo" serve "$proto" "$fe" "$port" \
			>> /run/sfbtest-servers.pid || return 1
	done < <(probes)
}

ask() {		# ask PROTO PORT [OPTION...]: an echo from the front-end
	ip netns exec sfb-c "$tools/sfb_echo" ask "${@:3}" "$1" "$fe" "$2"
}

seen() {	# seen PROTO PORT: a packet of the probes reached sfb-s
	ip netns exec sfb-s nft get element inet sfbtest seen "{ $fe . $1 . $2 }" >/dev/null 2>&1
}

dropped() {	# dropped PROTO PORT: no echo, nothing reached the server
	if ask "$1" "$2" -w 3; then
		echo "an echo came back"
		return 1
	fi
	! seen "$1" "$2" || { echo "it reached the server"; return 1; }
}

traffic() {	# traffic WHEN: every probe fares as the site says
	local proto port verdict class
	while read -r proto port verdict class; do
		if [ "$verdict" = pass ]; then
			check "$1: $class: $proto $port to the front-end passes (echoed)" \
				ask "$proto" "$port" -w 10
		else
			check "$1: $class: $proto $port to the front-end is dropped" \
				dropped "$proto" "$port"
		fi
	done < <(probes)
}

counted() {	# counted NAME: the gateway's counter NAME counted packets
	local out
	out=$(nft list counter inet sfbmarks "$1") || return 1
	[[ $out =~ packets\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] ||
		{ echo "$out"; return 1; }
}

exempt_marked() {
	ask udp 50000 -s 50001 -w 10 && counted exempt_marked
}

# --- xfrm bypass policies and sysctls from load --sysctl ---------------
xfrm_ours() {
	local shown listed
	shown=$(sfbctl show | grep -c '^# xfrm bypass: .* priority 10 allow')
	listed=$(ip xfrm policy | grep -c 'priority 10 ')
	echo "sfbctl show lists $shown bypass policies, ip xfrm policy $listed at priority 10"
	[ "$shown" -gt 0 ] && [ "$shown" -eq "$listed" ]
}

sysctl_applied() {
	local fwmark reserved
	fwmark=$(cat /proc/sys/net/ipv4/tcp_fwmark_accept)
	reserved=$(cat /proc/sys/net/ipv4/ip_local_reserved_ports)
	echo "tcp_fwmark_accept=$fwmark ip_local_reserved_ports=$reserved"
	[ "$fwmark" = 1 ] && [[ ,$reserved, == *,50000-50039,* ]]
}

# enforcing WHEN: the checks of a boot with sfb installed and the site in
# /etc/sfb/site.conf: sfb.service loaded it at boot, and nf_sfb with it;
# the traffic, the marks, the xfrm bypass and the sysctls are as it says.
enforcing() {
	check "systemctl is-active sfb: active" systemctl is-active sfb.service
	check "nf_sfb is loaded (by sfb.service: no one else loads it)" \
		test -d /sys/module/nf_sfb
	check "no modules-load.d entry loads nf_sfb at boot" no_modules_load
	note "$(sfbctl version 2>&1 | tr '\n' ';')"
	check "the journal of sfb.service shows no error" journal_clean
	check "a client and a server namespace routed through this gateway" gateway_up
	traffic "$1"
	check "the service flow crossed with the service mark 0x100" counted service_marked
	check "the media flow crossed with the media mark 0x200" counted media_marked
	check "client media (UDP from port 50001) crossed with media and ipsec-exempt marks 0x600" \
		exempt_marked
	check "xfrm bypass policies in place (sfbctl show = ip xfrm policy)" xfrm_ours
	check "load --sysctl at boot: tcp_fwmark_accept=1, 50000-50039 reserved" \
		sysctl_applied
}
