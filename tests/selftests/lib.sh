# SPDX-License-Identifier: GPL-2.0
# Sourced by the selftests: they run as root inside tools/vm-run, from the
# repository's top directory, and exit with kselftest codes.

ksft_skip=4
SFBCTL=${SFBCTL:-$PWD/user/sfbctl}
# The module built for the kernel that runs (tools/vm-run sets it).
MODULE=${SFB_MODULE:-$PWD/kernel/nf_sfb.ko}

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_rc RC CMD...: run CMD, fail unless it exits with RC
expect_rc() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want"
}

# load_module NAME: make a kernel module available, unless it is built in.
# The debug kernel builds in all the selftests need and has no
# /lib/modules of its own; /sys/module names only the built-in modules
# that have parameters, so that is no test for esp4 and its like.
load_module() {
	[ -d "/sys/module/$1" ] || [ ! -d "/lib/modules/$(uname -r)" ] ||
		modprobe "$1"
}

# insmod does not load dependencies (nf_conntrack...); load them first.
sfb_insmod() {
	local dep
	for dep in $(modinfo -F depends "$MODULE" | tr ',' ' '); do
		load_module "$dep" || return 1
	done
	insmod "$MODULE"
}

# catalogue_site MODE BIND...: a site file on the shipped catalogue, in
# policy MODE, with one "bind BIND" line per argument.
catalogue_site() {
	local mode=$1 b
	shift
	printf 'include "%s"\npolicy %s\n' "$PWD/user/roles/sfb2015.conf" "$mode"
	for b in "$@"; do
		echo "bind $b"
	done
}

# The selftests' own programs (tests/selftests/*.c, built by make; each
# file's head says how to use it):
# "$NETNS" NAME CMD...: CMD in the named network namespace, as `ip netns
# exec` would run it, at a fraction of the cost. A command, not a
# function: `"$NETNS" ... &` leaves in $! the pid of CMD.
NETNS=$PWD/build/selftests/sfb_netns
PROBE=$PWD/build/selftests/sfb_probe	# packets that open flows, many ports
# "$VALIDATE" user/man/sfb-json.schema.json DEF FILE: FILE holds to $defs/DEF
VALIDATE=$PWD/build/vg/tests/json_schema_test
NL=$PWD/build/selftests/sfb_nl		# raw genl messages sfbctl never sends
FUZZ=$PWD/build/selftests/sfb_nlfuzz	# the genl family's fuzzer
REPLAY=$PWD/build/selftests/sfb_replay	# one ruleset loaded many times
FLOOD=$PWD/build/selftests/sfb_flood	# UDP as fast as it goes, counted
ECHO=$PWD/build/selftests/sfb_echo	# request/reply flows

# netns_del NAME...: delete the namespaces that exist, in one exec.
netns_del() {
	printf 'netns del %s\n' "$@" | ip -force -batch - 2>/dev/null
}

# Run a command in the gateway's namespace.
gw() {
	"$NETNS" "$NS_GW" "$@"
}

# The debug kernel (KASAN, lockdep, kmemleak: tools/vm-run --kernel debug)
# runs the tests about six times slower than Debian's under TCG. There every
# test repeats its loops a quarter as often, the stress tests included:
# each path still runs, many times, under the checkers, which need a path
# once; and the debug VMs have one CPU, so more rounds there find no race.
# Debian's 6.1 and 6.12 run the full counts, on two CPUs.
debug_kernel() {
	[ "${SFB_KERNEL:-}" = debug ]
}

# scaled N [DEBUG_N]: N, or on the debug kernel DEBUG_N (default: a
# quarter of N)
scaled() {
	if debug_kernel; then
		echo "${2:-$((($1 + 3) / 4))}"
	else
		echo "$1"
	fi
}

# need TOOL: fail unless TOOL is installed. Every tool a selftest uses is
# one tools/setup installs, so a missing one is a broken machine, not an
# option: it fails. A test of a tool CI does not install would exit
# $ksft_skip (4) without it instead; none does today.
need() {
	command -v "$1" >/dev/null || fail "$1 is not installed (tools/setup installs it)"
}

# echo_serve NS tcp|udp ADDR PORT: an sfb_echo server in NS, killed when
# the test exits (it goes to the background on its own: not a job); its
# pid in $echo_pid.
echo_servers=
echo_serve() {
	echo_pid=$("$NETNS" "$1" "$ECHO" serve "$2" "$3" "$4") ||
		fail "echo server $2 $3 $4 in $1"
	echo_servers="$echo_servers $echo_pid"
}

# Every network namespace a test makes is named $TEST_NS-SOMETHING: no two
# tests meet in a namespace, even in one VM, and test_exit finds them all.
TEST_NS=sfb-$(basename "$0" .sh)

# defer CMD: eval the shell text CMD when the test exits, newest first.
deferred=()
defer() {
	deferred=("$1" "${deferred[@]}")
}

# The test leaves nothing behind, however it ends: its background jobs are
# killed, what it deferred runs, its namespaces and $work go.
test_exit() {
	local cmd ns names=()
	kill $(jobs -p) $echo_servers 2>/dev/null
	wait
	for cmd in "${deferred[@]}"; do
		eval "$cmd"
	done
	for ns in /run/netns/"$TEST_NS"-*; do
		[ -e "$ns" ] && names+=("${ns##*/}")
	done
	[ ${#names[@]} -eq 0 ] || netns_del "${names[@]}"
	[ -z "${work:-}" ] || rm -rf "$work"
}
trap test_exit EXIT

# test_setup [--topo] [--module] [TOOL...]: how most tests begin. Each TOOL
# must be installed (need); $work is a new scratch directory; --topo
# brings up the topology below (nft and jq are needed for it), --module
# loads nf_sfb.
test_setup() {
	local arg topo= module=
	for arg; do
		case $arg in
		--topo) topo=1; need nft; need jq ;;
		--module) module=1 ;;
		*) need "$arg" ;;
		esac
	done
	work=$(mktemp -d) || fail "mktemp"
	[ -z "$topo" ] || topo_up
	[ -z "$module" ] || sfb_insmod || fail "insmod"
}

# The verdict tests run against a backend: nf_sfb ("module", the
# default), or with SFB_BACKEND=nft table inet sfb installed by `sfbctl
# load --backend nft` (nft_backend.sh proves it is the table the nft
# export writes). With nft, the module holds the same file in a namespace
# of its own, $NS_REF, so gw_match gives the module's word on what the
# nft table does.
SFB_BACKEND=${SFB_BACKEND:-module}
NS_REF=$TEST_NS-ref
# sfbctl load and flush's option for it: "$SFBCTL" load "${BACKEND[@]}" FILE
case $SFB_BACKEND in
module) BACKEND=(--backend module) ;;
nft) BACKEND=(--backend nft) ;;
*) fail "no backend '$SFB_BACKEND' (module, nft)" ;;
esac

# gw_load FILE: load the site FILE into the gateway with the backend.
gw_load() {
	gw "$SFBCTL" load "${BACKEND[@]}" "$1" || return 1
	[ "$SFB_BACKEND" = nft ] || return 0
	{ [ -e "/run/netns/$NS_REF" ] || ip netns add "$NS_REF"; } &&
		"$NETNS" "$NS_REF" "$SFBCTL" load --backend module "$1"
}

# gw_match ARGS...: `sfbctl match ARGS...` for the gateway's site, as the
# module sees it.
gw_match() {
	case $SFB_BACKEND in
	module) gw "$SFBCTL" match "$@" ;;
	nft) "$NETNS" "$NS_REF" "$SFBCTL" match "$@" ;;
	esac
}

# gw_dropped: the packets the gateway's backend dropped (or, in monitor
# mode, would have), as its counters say (sfbctl stats reads either's).
gw_dropped() {
	gw "$SFBCTL" stats --json |
		jq '[.targets[].counters | .dropped.packets, .would_drop.packets] | add // 0'
}

# Wait up to $1 seconds (TCG is slow) for CMD... to succeed.
wait_for() {
	local timeout=$1 i
	shift
	for ((i = 0; i < timeout * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# has_line FILE REGEX: a line of FILE begins with a match of the extended
# REGEX ($'\n' at its end: the line ends there). No exec: a grep costs
# ~0.4 s on the debug kernel under TCG, and the tests poll with this.
has_line() {
	local text= re=$'\n'$2
	IFS= read -r -d '' text 2>/dev/null < "$1"
	[[ $'\n'$text$'\n' =~ $re ]]
}

# The topology every datapath test uses, IPv4 and IPv6, in the namespaces
# $NS_C, $NS_GW and $NS_S:
#
#   client ($NS_C)            gateway ($NS_GW, nf_sfb)            servers ($NS_S)
#   c0 198.51.100.2/24  ----  g0 198.51.100.1  g1 192.0.2.1  ----  s0 192.0.2.2/24
#      2001:db8:c::2/64          2001:db8:c::1    2001:db8::1          2001:db8::2/64
#                                                                      + 192.0.2.N
#                                                                      + 2001:db8::N
#
# The servers' namespace holds one address per bound role
# (topo_server_addr); its prerouting chain records every (address,
# protocol, port) that arrives, so a test knows exactly which probes the
# gateway let through.
NS_C=$TEST_NS-c
NS_GW=$TEST_NS-gw
NS_S=$TEST_NS-s
# The gateway knows every client and server link address beforehand:
# neighbour discovery drops what it queues while it resolves, and it
# resolves each address on its own, so a probe to 2001:db8::10 could be
# lost or still queued when topo_sync's datagram to 2001:db8::2 arrived
# (a 6.12 run in ten). The tests count sfb's verdicts, not neighbour
# discovery's.
MAC_C=02:00:00:00:0c:02
MAC_S=02:00:00:00:05:02
topo_up() {
	# One ip per namespace, in batch mode: an exec costs much under TCG.
	ip -batch - <<-EOF || fail "topology: namespaces and veths"
	netns add $NS_C
	netns add $NS_GW
	netns add $NS_S
	link add c0 netns $NS_C address $MAC_C type veth peer name g0 netns $NS_GW
	link add s0 netns $NS_S address $MAC_S type veth peer name g1 netns $NS_GW
	EOF
	client_batch | ip -n "$NS_C" -batch - || fail "topology: client"
	ip -n "$NS_GW" -batch - <<-EOF || fail "topology: gateway"
	link set lo up
	link set g0 up
	link set g1 up
	addr add 198.51.100.1/24 dev g0
	addr add 2001:db8:c::1/64 dev g0 nodad
	addr add 192.0.2.1/24 dev g1
	addr add 2001:db8::1/64 dev g1 nodad
	neigh add 198.51.100.2 lladdr $MAC_C dev g0 nud permanent
	neigh add 2001:db8:c::2 lladdr $MAC_C dev g0 nud permanent
	neigh add 192.0.2.2 lladdr $MAC_S dev g1 nud permanent
	neigh add 2001:db8::2 lladdr $MAC_S dev g1 nud permanent
	EOF
	ip -n "$NS_S" -batch - <<-EOF || fail "topology: servers"
	link set lo up
	link set s0 up
	addr add 192.0.2.2/24 dev s0
	addr add 2001:db8::2/64 dev s0 nodad
	route add default via 192.0.2.1
	route add default via 2001:db8::1
	EOF
	# Conntrack entries outlive the test (unreplied UDP's 30 s does not
	# on the debug kernel), so tests can count them.
	load_module nf_conntrack || fail "cannot load nf_conntrack"
	gw sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.netfilter.nf_conntrack_udp_timeout=3600 ||
		fail "topology: gateway sysctls"
	"$NETNS" "$NS_S" nft -f - <<'NFT' || fail "nft recorder"
table inet sfbtest {
	set seen4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; size 1048576; }
	set seen6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; size 1048576; }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		meta l4proto { tcp, udp } add @seen4 { ip daddr . meta l4proto . th dport }
		meta l4proto { tcp, udp } add @seen6 { ip6 daddr . meta l4proto . th dport }
	}
}
NFT
}

# The client's setup, as `ip -batch` lines: c0 as drawn above (the IPsec
# tunnel test has the same client).
client_batch() {
	cat <<-EOF
	link set lo up
	link set c0 up
	addr add 198.51.100.2/24 dev c0
	addr add 2001:db8:c::2/64 dev c0 nodad
	route add default via 198.51.100.1
	route add default via 2001:db8:c::1
	EOF
}

# topo_server_addr N...: give the servers the N-th address pairs (N >= 10).
topo_server_addr() {
	local n
	for n in "$@"; do
		echo "addr add 192.0.2.$n/24 dev s0"
		echo "addr add 2001:db8::$n/64 dev s0 nodad"
	done | ip -n "$NS_S" -batch - || fail "server addresses $*"
	local addrs=()
	for n in "$@"; do
		addrs+=("192.0.2.$n" "2001:db8::$n")
	done
	topo_server_neigh "${addrs[@]}"
}

# topo_server_neigh ADDR...: the gateway sends to ADDR (in 192.0.2.0/24 or
# 2001:db8::/64) at once, over the servers' link, which records what
# arrives whether the servers own ADDR or not.
topo_server_neigh() {
	printf "neigh replace %s lladdr $MAC_S dev g1 nud permanent\n" "$@" |
		ip -n "$NS_GW" -batch - || fail "server neighbours $*"
}

# Wait until everything the client sent so far has reached the servers: a
# last UDP datagram per family to the unbound 192.0.2.2 and 2001:db8::2
# (always let through) must arrive. The client sends in order and the
# gateway resolves no neighbour, so what was sent before it has crossed.
topo_sync() {
	local port=$((RANDOM % 1000 + 20000))
	printf 'udp %s %s\n' 192.0.2.2 "$port" 2001:db8::2 "$port" |
		"$NETNS" "$NS_C" "$PROBE" - >/dev/null
	wait_for 60 "$NETNS" "$NS_S" nft \
		get element inet sfbtest seen4 "{ 192.0.2.2 . udp . $port }" \; \
		get element inet sfbtest seen6 "{ 2001:db8::2 . udp . $port }" \
		>/dev/null 2>&1 || fail "nothing reaches the servers"
}

# What reached the servers, one "ADDR PROTO PORT" per line, sorted; then
# forget it, so the next round starts empty.
topo_seen() {
	"$NETNS" "$NS_S" nft -j list table inet sfbtest |
		jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
			(.elem.val // .) | .concat | "\(.[0]) \(.[1]) \(.[2])"' |
		sort -u
	"$NETNS" "$NS_S" nft flush set inet sfbtest seen4 \; \
		flush set inet sfbtest seen6
}

# memcg_setup: a memory cgroup of the test's own, $memcg, removed at exit.
memcg_setup() {
	local cg=/sys/fs/cgroup
	mountpoint -q "$cg" || mount -t cgroup2 none "$cg" || fail "mount cgroup2"
	echo +memory > "$cg/cgroup.subtree_control" || fail "no memory controller"
	memcg=$cg/$TEST_NS
	mkdir "$memcg" || fail "mkdir $memcg"
	defer "rmdir $memcg"
}

# Kernel memory charged to $memcg ("kernel" in memory.stat: slab, large
# kmalloc and vmalloc pages).
memcg_kernel() {
	sed -n 's/^kernel //p' "$memcg/memory.stat"
}

# in_memcg CMD...: run CMD in $memcg.
in_memcg() {
	sh -c 'echo $$ > "$0/cgroup.procs"; exec "$@"' "$memcg" "$@"
}

# sfbctl monitor, in the background (events.sh, nflog.sh):
# monitor_start NS NAME SITE ARGS...: sfbctl monitor ARGS in NS, its output
# in $work/NAME; returns once it listens: it printed the load of the
# generation in force (SITE is loaded until it does), and nothing older
# can come after that. Its pid in ${mon[NAME]}.
declare -A mon
monitor_start() {
	local ns=$1 name=$2 site=$3
	shift 3
	"$NETNS" "$ns" "$SFBCTL" monitor "$@" >> "$work/$name" 2> "$work/$name.err" &
	mon[$name]=$!
	wait_for 60 listens "$ns" "$work/$name" "$site" ||
		fail "$name: monitor never heard a load: $(cat "$work/$name.err")"
}
listens() {
	local g
	g=$("$NETNS" "$1" "$NL" generation) || fail "generation in $1"
	has_line "$2" "(load generation $g|\\{\"ruleset\":.*\"load\",\"generation\":$g\\}\\})"$'\n' &&
		return 0
	"$NETNS" "$1" "$SFBCTL" load "$3" >/dev/null || fail "load $3"
	return 1
}

# monitor_stop NAME: SIGTERM; it must exit 0, its last line whole.
monitor_stop() {
	kill -TERM "${mon[$1]}"
	wait "${mon[$1]}" || fail "$1: monitor exited $? on SIGTERM: $(cat "$work/$1.err")"
	[ ! -s "$work/$1" ] || [ -z "$(tail -c 1 "$work/$1")" ] ||
		fail "$1: the last line is cut"
	[ ! -s "$work/$1.err" ] || fail "$1: monitor said: $(cat "$work/$1.err")"
}

# denials NAME: how many denial lines NAME printed so far
denials() {
	grep -cE '^(drop|would-drop) |^\{"denial"' "$work/$1"
}

# suppressed: the gateway's events_suppressed counter
suppressed() {
	gw "$SFBCTL" stats -j | jq .counters.events_suppressed.packets
}
