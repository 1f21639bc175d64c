#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# policy log: denials logged as nft's log statement logs packets. "log
# group N" sends each to NFLOG group N, where tcpdump -i nflog:N sees it;
# "log prefix" alone writes it to the kernel log after that prefix. Both
# spend the events' budget (log-rate): above it, a denial is neither logged
# nor sent as an event, and logged + events_suppressed = denials. The nft
# backend's table logs them too, with nft's limit and log.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module tcpdump
topo_server_addr 10
load_module nfnetlink_log || fail "cannot load nfnetlink_log"
load_module nf_log_syslog || fail "cannot load nf_log_syslog"

# site LOG...: front-end on 192.0.2.10 (UDP 2000-2199 closed), "policy log LOG..."
site() {
	catalogue_site enforce "front-end 192.0.2.10/32"
	echo "mark ipsec-exempt 0x100"	# else load warns that none is set
	echo "policy log $*"
}

# nflog_start GROUP: tcpdump on NFLOG GROUP in the gateway, once it
# listens. libpcap's NFLOG reader restarts its recv() after a signal and
# ends only with a packet, so tcpdump is not a job of this shell, which
# waits for its jobs at exit, and is ended with SIGKILL (its -l output is
# whole lines).
nflog_start() {
	tcpdump_pid=$(gw sh -c 'tcpdump -n -l -i "nflog:$0" > "$1" 2> "$1.err" &
		echo $!' "$1" "$work/nflog$1") || fail "tcpdump"
	defer "kill -KILL $tcpdump_pid 2>/dev/null"
	wait_for 60 has_line "$work/nflog$1.err" '.*listening on nflog' ||
		fail "tcpdump -i nflog:$1: $(cat "$work/nflog$1.err")"
}
nflog_stop() {
	kill -KILL "$tcpdump_pid"
	wait_for 60 eval '! kill -0 "$tcpdump_pid" 2>/dev/null' || fail "tcpdump lives on"
}
# logged GROUP: the datagrams to 192.0.2.10 tcpdump printed
logged() {
	grep -c ' > 192\.0\.2\.10\.[0-9]*: UDP' "$work/nflog$1"
}

# nflog_scan GROUP LAST: probe the allowed UDP 50000 and the closed
# 2000-LAST; NFLOG GROUP must see each closed one once, and nothing else.
nflog_scan() {
	local group=$1 last=$2
	"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 50000 2000-"$last" >/dev/null ||
		fail "probe"
	topo_sync
	wait_for 60 eval '[ "$(logged "$group")" -ge $((last - 1999)) ]' ||
		fail "NFLOG saw $(logged "$group") of $((last - 1999)) denials"
	nflog_stop
	sed -n 's/.* > 192\.0\.2\.10\.\([0-9]*\): UDP.*/\1/p' "$work/nflog$group" |
		sort -n > "$work/got"
	seq 2000 "$last" > "$work/want"
	diff -u "$work/want" "$work/got" || fail "NFLOG group $group saw other packets"
}

# 1. NFLOG: each denial once, nothing else.
site 'group 5 prefix "sfb-deny "' > "$work/nflog.conf"
gw_load "$work/nflog.conf" || fail "load"
expect_eq "$(gw "$SFBCTL" show | grep '^policy log ')" \
	'policy log group 5 prefix "sfb-deny "' "show"
nflog_start 5
nflog_scan 5 2019
echo "tcpdump -i nflog:5: each of 20 denials once, not the allowed probe"

# 2. The kernel log, from the gateway's namespace (nf_log_all_netns).
all=$(sysctl -n net.netfilter.nf_log_all_netns)
defer "sysctl -qw net.netfilter.nf_log_all_netns=$all"
sysctl -qw net.netfilter.nf_log_all_netns=1 || fail "nf_log_all_netns"
site 'prefix "sfb-deny: "' > "$work/kernel.conf"
gw_load "$work/kernel.conf" || fail "load"
klog() {
	dmesg | grep -c 'sfb-deny: IN=g0 OUT= .*SRC=198\.51\.100\.2 DST=192\.0\.2\.10 .*PROTO=UDP SPT=40002 DPT=21'
}
before=$(klog)
"$NETNS" "$NS_C" "$PROBE" -s 40002 udp 192.0.2.10 2100-2104 >/dev/null || fail "probe"
topo_sync
wait_for 60 eval '[ "$(klog)" -ge $((before + 5)) ]' ||
	fail "the kernel log has $(($(klog) - before)) of 5 denials"
[ "$(klog)" -eq $((before + 5)) ] || fail "the kernel log has $(($(klog) - before)) lines for 5 denials"
for p in 2100 2101 2102 2103 2104; do
	dmesg | grep -q "sfb-deny: .*SPT=40002 DPT=$p " || fail "no kernel log line for port $p"
done
echo "kernel log: 5 lines 'sfb-deny: IN=g0 ...' for 5 denials"

# 3. One budget: at log-rate 1/s, a denial is logged and sent as an event,
# or neither; logged + suppressed = denials.
{ site 'group 6'; echo "policy log-rate 1/s"; } > "$work/rate.conf"
nflog_start 6
monitor_start "$NS_GW" events "$work/rate.conf" -j
"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 2000-2099 >/dev/null || fail "probe 100"
topo_sync
wait_for 60 eval '[ $(($(logged 6) + $(suppressed))) -ge 100 ]' ||
	fail "logged $(logged 6) + suppressed $(suppressed) < 100"
wait_for 60 eval '[ "$(denials events)" -ge "$(logged 6)" ]' ||
	fail "$(logged 6) logged, $(denials events) events"
monitor_stop events
nflog_stop
n=$(logged 6) s=$(suppressed) e=$(denials events)
[ $((n + s)) -eq 100 ] || fail "logged $n + events_suppressed $s != 100 denials"
[ "$e" -eq "$n" ] || fail "$n denials logged, $e sent as events"
[ "$n" -lt 100 ] || fail "log-rate 1/s logged all 100 denials"
echo "log-rate 1/s: $n denials logged and sent as events, $s suppressed"

# 4. The nft backend's table logs the same way (nft's limit and log).
# Its kernel work is nf_tables' (the debug kernel has no nft limit, and
# the other *_nft tests do not run there either).
if debug_kernel; then
	echo "nft backend: not on the debug kernel"
	exit 0
fi
site 'group 7 prefix "sfb-deny "' > "$work/nft.conf"
nflog_start 7
gw "$SFBCTL" load --backend nft "$work/nft.conf" 2>/dev/null || fail "load --backend nft"
gw nft list table inet sfb | grep -q 'limit rate 100/second burst 100 packets log prefix "sfb-deny " group 7' ||
	fail "the nft table has no log rule"
nflog_scan 7 2009
gw "$SFBCTL" flush --backend nft || fail "flush nft"
echo "nft backend: tcpdump -i nflog:7 saw each of 10 denials once"
