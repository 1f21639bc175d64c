#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Taking sfb down leaves nothing of it, whatever the order. While a
# ruleset is loaded, rmmod nf_sfb fails ("in use") and changes nothing:
# packets are still enforced, show still works. flush removes the ruleset,
# sfb's xfrm bypass policies and the settings load --sysctl changed (back
# to their values from before sfb, the administrator's reserved ports kept,
# also inside sfb's range), and does it again without the module, with a
# note if there were policies; with nothing to do it exits 0. Each case
# ends with the module gone and the gateway's xfrm policies, settings and
# /run/sfb as they were before sfb:
#
#   a) no bypass: load (--sysctl changes nothing), rmmod refused, flush,
#      rmmod;
#   b) bypass: load --sysctl, reload, rmmod refused, flush, flush again,
#      rmmod;
#   c) bypass, then the ruleset alone goes (a kernel-only flush, as if it
#      had been lost without sfbctl), rmmod succeeds, flush takes the rest;
#   d) bypass, then load --sysctl of a file without one: the settings come
#      back at once; flush, rmmod.
# Not on the debug kernel: its kernel work (flush, rmmod refused while a ruleset holds the module) is rmmod_under_traffic's, module_load's and every test's flush
. "$(dirname "$0")/lib.sh"
test_setup --topo
topo_server_addr 10

cat > "$work/plain.conf" <<EOF
policy enforce
role fe "front end: sip and audio" {
	service sip tcp 5061 tls
	media audio udp 49152-57500
}
bind fe 192.0.2.10/32
EOF
# Mark policies, one selector for fe-in, three port blocks per family
# for the clients' source ports, and reserved ports for them.
{
	cat "$work/plain.conf"
	cat <<-EOF
	mark ipsec-exempt 0x400
	ipsec-exempt fe-in {
		from any; to fe; proto tcp; sport any; dport any
	}
	ipsec-exempt clients {
		from any; to any; proto udp; sport 50000-50039; dport any
	}
	EOF
} > "$work/bypass.conf"

# The administrator's settings, one reserved port inside sfb's range.
gw sysctl -qw net.ipv4.tcp_fwmark_accept=0 \
	net.ipv4.ip_local_reserved_ports=8080,50010 || fail "sysctl setup"
record=/run/sfb/netns-$(gw stat -L -c %i /proc/self/ns/net).sysctl

# sfb's xfrm policies in the gateway (index in its range, or priority
# 10) without their counters, the two settings, and its record of them:
# one line each.
sfb_state() {
	gw ip -s xfrm policy list | awk '
		function out() {
			n = split(l, f, /[ \t]+/)
			for (i = 1; i < n; i++)
				if ((f[i] == "index" && f[i + 1] >= 1605369864 &&
				     f[i + 1] < 1606418432) ||
				    (f[i] == "priority" && f[i + 1] == 10)) {
					print "policy" l
					return
				}
		}
		/^src / { if (l != "") out(); l = "" }
		$1 == "src" || $1 == "dir" || $1 == "mark" { l = l " " $0 }
		END { if (l != "") out() }'
	gw sysctl net.ipv4.tcp_fwmark_accept net.ipv4.ip_local_reserved_ports
	[ ! -e "$record" ] || echo "record: $(cat "$record")"
}
sfb_state > "$work/before"
grep -q '^policy' "$work/before" && fail "setup: $(cat "$work/before")"

policies() {
	sfb_state | grep -c '^policy'
}

# nothing_left WHEN: no module, and the gateway as before sfb
nothing_left() {
	[ ! -d /sys/module/nf_sfb ] || fail "$1: nf_sfb still loaded"
	sfb_state | diff -u "$work/before" - >&2 || fail "$1: sfb left something"
}

# enforced: fe's sip passes, another port of fe does not; open: both pass
probe() {
	"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 5061 9999 > /dev/null
	topo_sync
	topo_seen | grep '^192\.0\.2\.10 ' | tr '\n' ' '
}
enforced() {
	expect_eq "$(probe)" "192.0.2.10 tcp 5061 " "$1: what crossed"
}
open() {
	expect_eq "$(probe)" "192.0.2.10 tcp 5061 192.0.2.10 tcp 9999 " \
		"$1: what crossed"
}

# rmmod_refused WHEN: rmmod fails, and the ruleset, its enforcement, its
# policies and settings stay.
rmmod_refused() {
	sfb_state > "$work/loaded"
	rmmod nf_sfb 2> "$work/rmmod" && fail "$1: rmmod with a ruleset loaded"
	grep -q 'in use' "$work/rmmod" || fail "$1: rmmod: $(cat "$work/rmmod")"
	[ -d /sys/module/nf_sfb ] || fail "$1: nf_sfb went"
	gw "$SFBCTL" show > "$work/show" || fail "$1: show after rmmod"
	grep -qx 'bind fe 192.0.2.10/32' "$work/show" ||
		fail "$1: the ruleset went with the failed rmmod"
	enforced "$1: after rmmod"
	sfb_state | diff -u "$work/loaded" - >&2 || fail "$1: rmmod changed things"
}

# flush_quiet WHEN: flush exits 0 and prints nothing
flush_quiet() {
	gw "$SFBCTL" flush > "$work/out" 2>&1 || fail "$1: flush: $(cat "$work/out")"
	[ ! -s "$work/out" ] || fail "$1: flush said: $(cat "$work/out")"
}

# a) Without a bypass.
sfb_insmod || fail "insmod"
gw "$SFBCTL" load --sysctl "$work/plain.conf" > "$work/out" || fail "a: load"
[ ! -s "$work/out" ] || fail "a: load --sysctl without a bypass: $(cat "$work/out")"
sfb_state | diff -u "$work/before" - >&2 || fail "a: load --sysctl changed things"
enforced "a: loaded"
rmmod_refused "a"
flush_quiet "a"
open "a: flushed"
rmmod nf_sfb || fail "a: rmmod after flush"
nothing_left "a"
echo "a) no bypass: rmmod refused (in use), enforcement kept; flush, rmmod: nothing left"

# b) With a bypass and its settings.
sfb_insmod || fail "insmod"
gw "$SFBCTL" load --sysctl "$work/bypass.conf" > "$work/out" || fail "b: load"
printf '%s\n' 'sfb: sysctl net.ipv4.tcp_fwmark_accept = 1' \
	'sfb: sysctl net.ipv4.ip_local_reserved_ports = 8080,50000-50039' |
	diff -u - "$work/out" >&2 || fail "b: load --sysctl said"
n=$(policies)
[ "$n" -eq 13 ] || fail "b: $n sfb policies, expected 13"
[ -e "$record" ] || fail "b: no record of the settings"
enforced "b: loaded"
gw "$SFBCTL" load --sysctl "$work/bypass.conf" > "$work/out" || fail "b: reload"
[ ! -s "$work/out" ] || fail "b: reload changed settings: $(cat "$work/out")"
rmmod_refused "b"
gw "$SFBCTL" flush > "$work/out" 2> "$work/err" || fail "b: flush"
printf '%s\n' 'sfb: sysctl net.ipv4.tcp_fwmark_accept = 0' \
	'sfb: sysctl net.ipv4.ip_local_reserved_ports = 8080,50010' |
	diff -u - "$work/out" >&2 || fail "b: flush said"
[ ! -s "$work/err" ] || fail "b: flush: $(cat "$work/err")"
open "b: flushed"
flush_quiet "b: again"
rmmod nf_sfb || fail "b: rmmod after flush"
nothing_left "b"
flush_quiet "b: without the module"
echo "b) bypass: $n policies and two settings; reload kept the values to" \
	"restore; rmmod refused; flush restored 0 and 8080,50010; flush again" \
	"and without the module: exit 0, silent"

# c) The ruleset goes alone: the module can go, the rest stays for flush.
sfb_insmod || fail "insmod"
gw "$SFBCTL" load --sysctl "$work/bypass.conf" > /dev/null || fail "c: load"
sfb_state > "$work/loaded"
# The ruleset alone, by raw netlink: sfbctl would take the policies and
# settings with it.
gw "$NL" flush || fail "c: the kernel-only flush"
gw "$SFBCTL" show > "$work/show" || fail "c: show"
grep -q '^bind ' "$work/show" && fail "c: the ruleset is still there"
open "c: ruleset gone"
rmmod nf_sfb || fail "c: rmmod without a ruleset"
[ ! -d /sys/module/nf_sfb ] || fail "c: nf_sfb still loaded"
sfb_state | diff -u "$work/loaded" - >&2 || fail "c: the policies or settings went"
gw "$SFBCTL" flush > "$work/out" 2> "$work/err" ||
	fail "c: flush without the module: $(cat "$work/err")"
expect_eq "$(cat "$work/err")" \
	"sfb: no policy is loaded; removed 13 xfrm bypass policies left behind" \
	"c: flush's note"
printf '%s\n' 'sfb: sysctl net.ipv4.tcp_fwmark_accept = 0' \
	'sfb: sysctl net.ipv4.ip_local_reserved_ports = 8080,50010' |
	diff -u - "$work/out" >&2 || fail "c: flush said"
nothing_left "c"
flush_quiet "c: again"
echo "c) module removed with the policies in place: $(cat "$work/err")"

# d) A load --sysctl without a bypass gives the settings back at once.
sfb_insmod || fail "insmod"
gw "$SFBCTL" load --sysctl "$work/bypass.conf" > /dev/null || fail "d: load"
gw "$SFBCTL" load --sysctl "$work/plain.conf" > "$work/out" || fail "d: reload"
printf '%s\n' 'sfb: sysctl net.ipv4.tcp_fwmark_accept = 0' \
	'sfb: sysctl net.ipv4.ip_local_reserved_ports = 8080,50010' |
	diff -u - "$work/out" >&2 || fail "d: reload without a bypass said"
[ "$(policies)" -eq 0 ] || fail "d: policies left: $(sfb_state)"
[ ! -e "$record" ] || fail "d: the record stayed"
rmmod_refused "d"
flush_quiet "d"
rmmod nf_sfb || fail "d: rmmod after flush"
nothing_left "d"
echo "d) load --sysctl without a bypass restored the settings, removed the" \
	"policies; flush, rmmod: nothing left"
