#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot 2 of the system image test (tests/host/system_image.sh), after the
# reboot that followed the install: sfb.service loaded the site at boot,
# loading nf_sfb itself. This system is the gateway: its root namespace
# routes between a client and a server namespace,
#
#   sfb-c: c0 198.51.100.2/24 -- g0 198.51.100.1 [root: nf_sfb] g1 192.0.2.1
#          -- s0 192.0.2.2/24 in sfb-s, which holds the front-end 192.0.2.10
#
# and the probes (tests/system/lib.sh) must fare exactly as the site says.
# Then a reload with a broken site must fail and keep the ruleset, and
# `apt-get remove` must leave nothing of sfb's behind.
. "$(dirname "$0")/lib.sh"
fe=192.0.2.10

check "systemctl is-active sfb: active" systemctl is-active sfb.service
check "nf_sfb is loaded (by sfb.service: no one else loads it)" test -d /sys/module/nf_sfb
no_modules_load() {
	! grep -rsl nf_sfb /etc/modules /etc/modules-load.d /usr/lib/modules-load.d \
		/lib/modules-load.d /run/modules-load.d
}
check "no modules-load.d entry loads nf_sfb at boot" no_modules_load
note "$(sfbctl version 2>&1 | tr '\n' ';')"
journal_clean() {
	! journalctl -b -u sfb.service --no-pager -p err | grep -v '^-- '
}
check "the journal of sfb.service shows no error" journal_clean

# --- the topology and the servers -------------------------------------
up() {
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
			>> "$share/servers.pid" || return 1
	done < <(probes)
}
check "a client and a server namespace routed through this gateway" up

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

traffic "after boot"
check "the service flow crossed with the service mark 0x100" counted service_marked
check "the media flow crossed with the media mark 0x200" counted media_marked
exempt_marked() {
	ask udp 50000 -s 50001 -w 10 && counted exempt_marked
}
check "client media (UDP from port 50001) crossed with media and ipsec-exempt marks 0x600" \
	exempt_marked

# --- xfrm bypass policies and sysctls from load --sysctl ---------------
xfrm_ours() {
	local shown listed
	shown=$(sfbctl show | grep -c '^# xfrm bypass: .* priority 10 allow')
	listed=$(ip xfrm policy | grep -c 'priority 10 ')
	echo "sfbctl show lists $shown bypass policies, ip xfrm policy $listed at priority 10"
	[ "$shown" -gt 0 ] && [ "$shown" -eq "$listed" ]
}
check "xfrm bypass policies in place (sfbctl show = ip xfrm policy)" xfrm_ours
sysctl_applied() {
	local fwmark reserved
	fwmark=$(cat /proc/sys/net/ipv4/tcp_fwmark_accept)
	reserved=$(cat /proc/sys/net/ipv4/ip_local_reserved_ports)
	echo "tcp_fwmark_accept=$fwmark ip_local_reserved_ports=$reserved"
	[ "$fwmark" = 1 ] && [[ ,$reserved, == *,50000-50039,* ]]
}
check "load --sysctl at boot: tcp_fwmark_accept=1, 50000-50039 reserved" sysctl_applied

# --- a reload with a broken site --------------------------------------
before=$(sfbctl show 2>&1)
cp /etc/sfb/site.conf /root/site.conf.good
line=$(($(wc -l < /etc/sfb/site.conf) + 1))
echo "bind no-such-role 192.0.2.99/32" >> /etc/sfb/site.conf
reload_fails() {
	! systemctl reload sfb.service
}
check "systemctl reload sfb with a broken site fails" reload_fails
error_in_journal() {
	journalctl -b -u sfb.service --no-pager -o cat | tail -n 20
	journalctl -b -u sfb.service --no-pager -o cat |
		grep -Eq "^/etc/sfb/site.conf:$line:[0-9]+: error"
}
check "journalctl -u sfb: the error at /etc/sfb/site.conf:$line:COLUMN" error_in_journal
reload_failed() {
	systemctl status sfb.service --no-pager -l -n 0
	systemctl status sfb.service --no-pager -l -n 0 |
		grep -Eq 'ExecReload=.*code=exited, status=[1-9]'
}
check "systemctl status sfb shows the failed reload" reload_failed
check "sfb.service is still active" systemctl is-active sfb.service
same_ruleset() {
	local after
	after=$(sfbctl show 2>&1)
	[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); return 1; }
}
check "sfbctl show: the ruleset is unchanged" same_ruleset
nft reset counters table inet sfbmarks > /dev/null
ip netns exec sfb-s nft flush set inet sfbtest seen
traffic "after the failed reload"
check "xfrm bypass policies still in place" xfrm_ours
cp /root/site.conf.good /etc/sfb/site.conf
check "systemctl reload sfb with the site restored succeeds" systemctl reload sfb.service
same_but_generation() {	# show's first line gives the generation
	diff <(echo "$before" | sed 1d) <(sfbctl show 2>&1 | sed 1d)
}
check "sfbctl show: the same ruleset again, at a new generation" same_but_generation

# --- apt-get remove ----------------------------------------------------
while read -r pid; do kill "$pid"; done < "$share/servers.pid"
ip netns del sfb-c
ip netns del sfb-s
nft delete table inet sfbmarks

check "apt-get remove -y sfb sfb-dkms" \
	apt-get remove -y -o Dpkg::Use-Pty=0 sfb sfb-dkms
check "no nf_sfb module loaded (/sys/module/nf_sfb)" test ! -e /sys/module/nf_sfb
no_xfrm() {
	local now
	now=$(ip xfrm policy)
	echo "$now"
	[ "$now" = "$(cat "$share/xfrm.before")" ]
}
check "ip xfrm policy: nothing of sfb's left" no_xfrm
sysctl_restored() {
	local now
	now=$(cat /proc/sys/net/ipv4/tcp_fwmark_accept /proc/sys/net/ipv4/ip_local_reserved_ports)
	echo "now: $now"
	echo "before the install: $(cat "$share/sysctl.before")"
	[ "$now" = "$(cat "$share/sysctl.before")" ]
}
check "the sysctls are as before the install" sysctl_restored
no_module_file() {
	! modinfo -n nf_sfb && ! find /lib/modules -name 'nf_sfb.ko*' | grep .
}
check "no nf_sfb.ko left in /lib/modules" no_module_file
no_dkms() {
	! dkms status sfb | grep .
}
check "dkms status: no sfb" no_dkms
unit_gone() {
	! systemctl is-active sfb.service
}
check "sfb.service is not active" unit_gone
finish
