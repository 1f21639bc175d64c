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
#   nft-export-*    `sfbctl export --format nft` of sfb-enforce's site,
#                   loaded with nft (the policy without the module)
#   nft-set-*       nft interval set of the N ranges and one rule
#   nft-vmap-*      nft verdict map of the N ranges to accept, then a drop
#   nft-concat-*    nft set of address . port intervals (pipapo; N <= 10000)
#   ipset-*         ipset bitmap:port and one iptables rule
#   multiport-*     iptables xt_multiport rules, 7 ranges each (N <= 4096)
# each *-raw stateless at prerouting priority raw, each *-ct after
# conntrack with established/related accepted first; at N = $SFB_BENCH_N
# (default "1 100 4096 10000 64535"; up to 6353 the ranges are 5 ports
# wide, beyond that single ports, 64535 being every port but 1-1000).
# The whole catalogue, every role bound to an address of its own (the
# flood's 192.0.2.10 holds front-end, which opens some of ports 1-1000):
#   sfb-catalogue, nft-catalogue
#                   sfb enforcing it; its nft export
# Two more floods each compare with their own baseline:
#   unbound-none, unbound-ct, unbound-sfb
#                   to 192.0.2.99, which no role is bound to: no rule,
#                   conntrack alone (which sfb turns on), sfb enforcing
#                   100 ranges on 192.0.2.10 and 192.0.2.20
#   est-ct, est-sfb, est-nft-set-ct
#                   every datagram a reply of one of 1000 flows conntrack
#                   holds (pktgen sends their first packets to 10.0.0.1
#                   before each flood), to 192.0.2.20, bound too: conntrack
#                   alone (a rule accepting established), sfb enforcing,
#                   the stateful nft set (N = 100). The ports are not open,
#                   so sfb's first stage looks each datagram up in conntrack
#                   (the worst case: replies to flows the server opened)
#   est-open-ct, est-open-sfb
#                   the same to 192.0.2.30, whose role opens ports 1-1000
#                   (the common case: clients' flows to a service)
#   events-quiet, events-listen, events-listen-max
#                   sfb enforcing 100 ranges (the main flood, every
#                   datagram a denial): nobody in the events group (a
#                   denial costs one genl_has_listeners() test), then
#                   `sfbctl monitor -j` listening at the default log-rate
#                   (100/s per CPU, the rest suppressed and counted), then
#                   at log-rate 10000/s
# iptables is Debian 12's, iptables-nft: its matches run as nft_compat.
# Prints one line per candidate: the median rate and its ratio to
# nft-raw-stub (unbound-*: to unbound-ct; est-*: to est-ct or est-open-ct;
# events-*: to events-quiet).
# Rates are under TCG emulation: compare ratios from one run, never
# absolute rates.
cd "$(dirname "$0")/../.."
. tests/selftests/lib.sh
rounds=${SFB_BENCH_ROUNDS:-5}
count=${SFB_BENCH_COUNT:-200000}
sizes=${SFB_BENCH_N:-1 100 4096 10000 64535}
test_setup --module nft ipset iptables iptables-restore
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
pg veth0 "pkt_size 64"
pg veth0 "xmit_mode netif_receive"
pg veth0 "dst_mac $(cat /sys/class/net/veth0/address)"
# Established flows outlive a round.
sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3600 \
	net.netfilter.nf_conntrack_udp_timeout_stream=3600

# ranges N: N allowed ranges, none of them in 1-1000, as "first-last"
# lines: 5 ports every 10 from 2000 while they fit, else single ports
ranges() {
	local i
	if [ "$1" -le 6353 ]; then
		for ((i = 0; i < $1; i++)); do
			echo "$((2000 + i * 10))-$((2000 + i * 10 + 4))"
		done
	else
		for ((i = 0; i < $1; i++)); do
			echo "$((65535 - i))-$((65535 - i))"
		done
	fi
}

# sfb_site N MODE: one role with the N ranges as media, bound to
# 192.0.2.10 and 192.0.2.20; one opening 1-1000, bound to 192.0.2.30
sfb_site() {
	echo "policy $2"
	echo 'role bench "the benchmark role" {'
	ranges "$1" | awk '{ printf "\tmedia r%d udp %s\n", NR, $1 }'
	echo '}'
	echo 'bind bench 192.0.2.10/32 192.0.2.20/32'
	echo 'role open "ports 1-1000 open" {'
	echo '	media low udp 1-1000'
	echo '}'
	echo 'bind open 192.0.2.30/32'
}

# nft_chain PRIORITY [STATEFUL]: the head of the nft equivalents' chain
nft_chain() {
	echo '	chain c {'
	echo "		type filter hook prerouting priority $1; policy accept;"
	[ -z "${2:-}" ] || echo '		ct state established,related accept'
}

# nft_set N PRIORITY [STATEFUL]: an interval set of ports
nft_set() {
	echo 'table ip bench {'
	echo '	set allowed { type inet_service; flags interval;'
	echo "		elements = { $(ranges "$1" | paste -sd, -) }"
	echo '	}'
	nft_chain "$2" "${3:-}"
	echo '		ip daddr { 192.0.2.10, 192.0.2.20 } udp dport != @allowed drop'
	echo '	}'
	echo '}'
}

# nft_concat N PRIORITY [STATEFUL]: a set of address . port intervals
nft_concat() {
	echo 'table ip bench {'
	echo '	set allowed { type ipv4_addr . inet_service; flags interval;'
	echo "		elements = { $(ranges "$1" | sed 's/^/192.0.2.10 . /' | paste -sd, -),"
	echo "			$(ranges "$1" | sed 's/^/192.0.2.20 . /' | paste -sd, -) }"
	echo '	}'
	nft_chain "$2" "${3:-}"
	echo '		ip daddr { 192.0.2.10, 192.0.2.20 } ip daddr . udp dport != @allowed drop'
	echo '	}'
	echo '}'
}

# nft_vmap N PRIORITY [STATEFUL]: a verdict map of ports to accept, then
# a drop for what it does not hold
nft_vmap() {
	echo 'table ip bench {'
	echo '	map allowed { type inet_service : verdict; flags interval;'
	echo "		elements = { $(ranges "$1" | sed 's/$/ : accept/' | paste -sd, -) }"
	echo '	}'
	nft_chain "$2" "${3:-}"
	echo '		ip daddr { 192.0.2.10, 192.0.2.20 } udp dport vmap @allowed'
	echo '		ip daddr { 192.0.2.10, 192.0.2.20 } meta l4proto udp drop'
	echo '	}'
	echo '}'
}

# ipt_head TABLE [STATEFUL]: the head of the iptables equivalents
ipt_head() {
	echo "*$1"
	echo ':BENCH - [0:0]'
	[ -z "${2:-}" ] ||
		echo '-A PREROUTING -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
	echo '-A PREROUTING -d 192.0.2.10/32 -p udp -j BENCH'
	echo '-A PREROUTING -d 192.0.2.20/32 -p udp -j BENCH'
}

# ipset_rules N TABLE [STATEFUL]: ipset bitmap:port of the N ranges
ipset_rules() {
	ipt_head "$2" "${3:-}"
	echo '-A BENCH -m set ! --match-set bench dst -j DROP'
	echo 'COMMIT'
}

# multiport_rules N TABLE [STATEFUL]: accept 7 ranges per rule, then drop
multiport_rules() {
	ipt_head "$2" "${3:-}"
	ranges "$1" | tr - : | paste -d, - - - - - - - | sed 's/,*$//' |
		awk '{ print "-A BENCH -p udp -m multiport --dports " $1 " -j ACCEPT" }'
	echo '-A BENCH -j DROP'
	echo 'COMMIT'
}

for n in $sizes; do
	sfb_site "$n" enforce > "$work/enforce-$n.conf"
	"$SFBCTL" export --format nft "$work/enforce-$n.conf" > "$work/nft-export-$n.nft"
	sfb_site "$n" monitor > "$work/monitor-$n.conf"
	nft_set "$n" raw > "$work/nft-set-raw-$n.nft"
	nft_set "$n" 0 stateful > "$work/nft-set-ct-$n.nft"
	nft_concat "$n" raw > "$work/nft-concat-raw-$n.nft"
	nft_vmap "$n" raw > "$work/nft-vmap-raw-$n.nft"
	nft_vmap "$n" 0 stateful > "$work/nft-vmap-ct-$n.nft"
	nft_concat "$n" 0 stateful > "$work/nft-concat-ct-$n.nft"
	{
		echo "create bench bitmap:port range 0-65535"
		ranges "$n" | sed 's/^/add bench /'
	} > "$work/ipset-$n"
	ipset_rules "$n" raw > "$work/ipset-raw-$n.ipt"
	ipset_rules "$n" mangle stateful > "$work/ipset-ct-$n.ipt"
	multiport_rules "$n" raw > "$work/multiport-raw-$n.ipt"
	multiport_rules "$n" mangle stateful > "$work/multiport-ct-$n.ipt"
done
{
	echo "include \"$PWD/user/roles/sfb2015.conf\""
	echo 'policy enforce'
	echo 'bind front-end 192.0.2.10/32'
	"$SFBCTL" export --format csv user/roles/sfb2015.conf |
		awk -F, 'NR > 1 && $1 != "front-end" && $1 != "any" { print $1 }' |
		sort -u | awk '{ printf "bind %s 192.0.2.%d/32\n", $1, NR + 100 }'
} > "$work/catalogue.conf"
"$SFBCTL" export --format nft "$work/catalogue.conf" > "$work/nft-catalogue.nft"
[ -e "$work/enforce-100.conf" ] || sfb_site 100 enforce > "$work/enforce-100.conf"
[ -e "$work/nft-set-ct-100.nft" ] || nft_set 100 0 stateful > "$work/nft-set-ct-100.nft"
{ cat "$work/enforce-100.conf"; echo 'policy log-rate 10000/s'; } > "$work/events-max.conf"

# listen CONF: load CONF with `sfbctl monitor -j` listening (pid in
# $listener), once it has printed that load: it has joined by then.
listener=
listen() {
	"$SFBCTL" monitor -j > "$work/events.json" &
	listener=$!
	wait_for 60 listening "$1"
}
listening() {
	"$SFBCTL" load "$1" && has_line "$work/events.json" '\{"ruleset"'
}

# setup CANDIDATE [N] / teardown CANDIDATE
setup() {
	case $1 in
	none|unbound-none) ;;
	nft-raw-stub) nft 'add table ip bench; add chain ip bench c { type filter hook prerouting priority raw; policy drop; }' ;;
	ct-stub) nft 'add table ip bench; add chain ip bench c { type filter hook prerouting priority 0; ct state new drop; drop; }' ;;
	est-ct|est-open-ct|unbound-ct) nft 'add table ip bench; add chain ip bench c { type filter hook prerouting priority 0; ct state established accept; }' ;;
	sfb-enforce) "$SFBCTL" load "$work/enforce-$2.conf" ;;
	sfb-monitor) "$SFBCTL" load "$work/monitor-$2.conf" ;;
	sfb-catalogue) "$SFBCTL" load "$work/catalogue.conf" ;;
	nft-catalogue) nft -f "$work/nft-catalogue.nft" ;;
	unbound-sfb|est-sfb|est-open-sfb|events-quiet)
		"$SFBCTL" load "$work/enforce-100.conf" ;;
	events-listen) listen "$work/enforce-100.conf" ;;
	events-listen-max) listen "$work/events-max.conf" ;;
	est-nft-set-ct) nft -f "$work/nft-set-ct-100.nft" ;;
	nft-*) nft -f "$work/$1-$2.nft" ;;
	ipset-*) ipset restore -f "$work/ipset-$2" &&
		iptables-restore --noflush "$work/$1-$2.ipt" ;;
	multiport-*) iptables-restore --noflush "$work/$1-$2.ipt" ;;
	esac || fail "setting up $1 $2"
}

teardown() {
	case $1 in
	events-*)
		[ -z "$listener" ] || { kill "$listener" && wait "$listener"; } &&
			listener= && : > "$work/events.json" && "$SFBCTL" flush ;;
	*sfb*) "$SFBCTL" flush ;;
	none|unbound-none) ;;
	ipset-*|multiport-*)
		iptables -t raw -F && iptables -t raw -X &&
			iptables -t mangle -F && iptables -t mangle -X &&
			{ [ "${1%%-*}" != ipset ] || ipset destroy bench; } ;;
	nft-export|nft-catalogue) nft delete table inet sfb ;;
	*) nft delete table ip bench ;;
	esac || fail "tearing down $1"
}

# flood SRC SPORTS DST DPORTS: pktgen's datagrams for the next start (ports
# N-M: random destination ports, source ports in turn)
flood() {
	pg veth0 "src_min $1"
	pg veth0 "src_max $1"
	pg veth0 "udp_src_min ${2%-*}"
	pg veth0 "udp_src_max ${2#*-}"
	pg veth0 "dst $3"
	pg veth0 "udp_dst_min ${4%-*}"
	pg veth0 "udp_dst_max ${4#*-}"
}

# run CANDIDATE N: one flood; prints its rate in packets per second. The
# candidates that slow down with N flood a tenth as long at 4096 and more.
run() {
	local c=$count
	case $1 in nft-concat-*|multiport-*) [ "$2" -lt 4096 ] || c=$((count / 10)) ;; esac
	pg veth0 "count $c"
	case $1 in
	unbound-*) flood 10.0.0.2 9-9 192.0.2.99 1-1000 ;;
	est-*)
		# The flows' first packets, from the flood's destination ports
		# to the local 10.0.0.1:9, confirmed at input; the flood is
		# their replies, whose local source makes routing drop them.
		dst=192.0.2.20
		[ "${1#est-open-}" = "$1" ] || dst=192.0.2.30
		flood "$dst" 1-1000 10.0.0.1 9-9
		pg veth0 "flag !UDPDST_RND"
		pg veth0 "count 1000"
		pg pgctrl start
		pg veth0 "count $c"
		flood 10.0.0.1 9-9 "$dst" 1-1000 ;;
	*) flood 10.0.0.2 9-9 192.0.2.10 1-1000 ;;
	esac
	pg veth0 "flag UDPDST_RND"
	pg pgctrl start
	sed -n 's/^ *\([0-9]*\)pps.*/\1/p' /proc/net/pktgen/veth0
}

candidates="none nft-raw-stub ct-stub unbound-none unbound-ct unbound-sfb est-ct
	est-sfb est-nft-set-ct est-open-ct est-open-sfb sfb-catalogue nft-catalogue
	events-quiet events-listen events-listen-max"
for n in $sizes; do
	for c in sfb-enforce sfb-monitor nft-export nft-set-raw nft-set-ct \
		 nft-vmap-raw nft-vmap-ct nft-concat-raw \
		 nft-concat-ct ipset-raw ipset-ct multiport-raw multiport-ct; do
		# Linear rules, and pipapo's quadratic inserts, take too long
		# beyond these sizes.
		[ "${c%%-*}" != multiport ] || [ "$n" -le 4096 ] || continue
		[ "${c#nft-concat}" = "$c" ] || [ "$n" -le 10000 ] || continue
		candidates+=" $c/$n"
	done
done
# Each flood as it ends, on stderr: a long run shows where it is, and a
# stopped one what it took.
for ((r = 1; r <= rounds; r++)); do
	for cand in $(printf '%s\n' $candidates | shuf); do
		name=${cand%/*} n=${cand#*/}
		[ "$n" != "$cand" ] || n=
		t0=$SECONDS
		setup "$name" "$n"
		line="$cand $(run "$name" "${n:-0}")"
		teardown "$name"
		echo "$line" >> "$work/rates"
		echo "# round $r: $line pps ($((SECONDS - t0)) s)" >&2
	done
done

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
rate() {
	awk -v c="$1" '$1 == c { print $2 }' "$work/rates" | median
}
printf '# %d rounds of %d datagrams each (a tenth for nft-concat and multiport\n' \
	"$rounds" "$count"
printf '# at N >= 4096), medians; ratio: to nft-raw-stub,\n'
printf '# unbound-*: to unbound-ct, est-*: to est-ct or est-open-ct,\n'
printf '# events-*: to events-quiet\n'
printf '%-22s %10s %7s\n' candidate pps ratio
for cand in $candidates; do
	case $cand in
	unbound-*) base=unbound-ct ;;
	est-open-*) base=est-open-ct ;;
	est-*) base=est-ct ;;
	events-*) base=events-quiet ;;
	*) base=nft-raw-stub ;;
	esac
	printf '%-22s %10d %7.2f\n' "$cand" "$(rate "$cand")" \
		"$(echo "$(rate "$cand") / $(rate "$base")" | bc -l)"
done
