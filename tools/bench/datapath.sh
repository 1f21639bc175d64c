#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/datapath.sh: what dropping an unsolicited flood costs, sfb
# beside its equivalents, inside the VM (make bench-vm).
#
# pktgen injects UDP datagrams into veth0's receive path (netif_receive
# mode, a fresh skb each) from 10.0.0.2 to 192.0.2.10, the bound address,
# to random ports 1-1000; the allowed ports are N ranges elsewhere, so
# every candidate drops every datagram (forwarding is off: "none" drops
# them at routing). Candidates, each set up alone, in a random order per
# round ($SFB_BENCH_ROUNDS, default 5), $SFB_BENCH_COUNT datagrams each
# (default 200000):
#   none            no rule
#   nft-raw-stub    one unconditional drop at prerouting, priority raw
#   ct-stub         conntrack on, an unconditional drop after it
#   sfb-enforce     sfb, enforce mode (the first stage drops)
#   sfb-monitor     sfb, monitor mode (counts; routing drops)
#   nft-set-raw     nft interval set of the N ranges, stateless at raw
#   nft-set-ct      the same after conntrack, established/related accepted
# at N = $SFB_BENCH_N (default "1 100 4096"). Prints one line per
# candidate: the median rate and its ratio to nft-raw-stub. Rates are
# under TCG emulation: compare ratios from one run, never absolute rates.
cd "$(dirname "$0")/../.."
. tests/selftests/lib.sh
rounds=${SFB_BENCH_ROUNDS:-5}
count=${SFB_BENCH_COUNT:-200000}
sizes=${SFB_BENCH_N:-1 100 4096}
test_setup --module nft
load_module pktgen || fail "cannot load pktgen"

ip link add veth0 type veth peer name veth1 || fail "veth"
ip link set veth0 up
ip link set veth1 up
ip addr add 10.0.0.1/24 dev veth0
sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.veth0.rp_filter=0

pg() {
	echo "$2" > "/proc/net/pktgen/$1" || fail "pktgen $1: $2"
}
pg kpktgend_0 rem_device_all
pg kpktgend_0 "add_device veth0"
pg veth0 "count $count"
pg veth0 "pkt_size 64"
pg veth0 "xmit_mode netif_receive"
pg veth0 "dst_mac $(cat /sys/class/net/veth0/address)"
pg veth0 "src_min 10.0.0.2"
pg veth0 "src_max 10.0.0.2"
pg veth0 "dst 192.0.2.10"
pg veth0 "udp_dst_min 1"
pg veth0 "udp_dst_max 1000"
pg veth0 "flag UDPDST_RND"

# ranges N: N allowed ranges, none of them in 1-1000, as "first-last" lines
ranges() {
	local i
	for ((i = 0; i < $1; i++)); do
		echo "$((2000 + i * 10))-$((2000 + i * 10 + 4))"
	done
}

# sfb_site N MODE: one role with the N ranges as media, bound to 192.0.2.10
sfb_site() {
	echo "policy $2"
	echo 'role bench "the benchmark role" {'
	ranges "$1" | awk '{ printf "\tmedia r%d udp %s\n", NR, $1 }'
	echo '}'
	echo 'bind bench 192.0.2.10/32'
}

# nft_set N PRIORITY [STATEFUL]: the nft equivalent
nft_set() {
	echo 'table ip bench {'
	echo '	set allowed { type inet_service; flags interval;'
	echo "		elements = { $(ranges "$1" | paste -sd, -) }"
	echo '	}'
	echo '	chain c {'
	echo "		type filter hook prerouting priority $2; policy accept;"
	[ -z "${3:-}" ] || echo '		ct state established,related accept'
	echo '		ip daddr 192.0.2.10 udp dport != @allowed drop'
	echo '	}'
	echo '}'
}

for n in $sizes; do
	sfb_site "$n" enforce > "$work/enforce-$n.conf"
	sfb_site "$n" monitor > "$work/monitor-$n.conf"
	nft_set "$n" raw > "$work/set-raw-$n.nft"
	nft_set "$n" 0 stateful > "$work/set-ct-$n.nft"
done

# setup CANDIDATE [N] / teardown CANDIDATE
setup() {
	case $1 in
	none) ;;
	nft-raw-stub) nft 'add table ip bench; add chain ip bench c { type filter hook prerouting priority raw; policy drop; }' ;;
	ct-stub) nft 'add table ip bench; add chain ip bench c { type filter hook prerouting priority 0; ct state new drop; drop; }' ;;
	sfb-enforce) "$SFBCTL" load "$work/enforce-$2.conf" ;;
	sfb-monitor) "$SFBCTL" load "$work/monitor-$2.conf" ;;
	nft-set-raw) nft -f "$work/set-raw-$2.nft" ;;
	nft-set-ct) nft -f "$work/set-ct-$2.nft" ;;
	esac || fail "setting up $1 $2"
}

teardown() {
	case $1 in
	sfb-*) "$SFBCTL" flush ;;
	none) ;;
	*) nft delete table ip bench ;;
	esac || fail "tearing down $1"
}

# run: one flood; prints its rate in packets per second
run() {
	pg pgctrl start
	sed -n 's/^ *\([0-9]*\)pps.*/\1/p' /proc/net/pktgen/veth0
}

candidates="none nft-raw-stub ct-stub"
for n in $sizes; do
	for c in sfb-enforce sfb-monitor nft-set-raw nft-set-ct; do
		candidates+=" $c/$n"
	done
done
for ((r = 1; r <= rounds; r++)); do
	for cand in $(printf '%s\n' $candidates | shuf); do
		name=${cand%/*} n=${cand#*/}
		[ "$n" != "$cand" ] || n=
		setup "$name" "$n"
		echo "$cand $(run)" >> "$work/rates"
		teardown "$name"
	done
done

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
stub=$(awk '$1 == "nft-raw-stub" { print $2 }' "$work/rates" | median)
printf '# %d rounds of %d datagrams each, medians; ratio: to nft-raw-stub\n' \
	"$rounds" "$count"
printf '%-22s %10s %7s\n' candidate pps ratio
for cand in $candidates; do
	pps=$(awk -v c="$cand" '$1 == c { print $2 }' "$work/rates" | median)
	printf '%-22s %10d %7.2f\n' "$cand" "$pps" "$(echo "$pps / $stub" | bc -l)"
done
