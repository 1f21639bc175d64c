# SPDX-License-Identifier: GPL-2.0
# Sourced by the IPsec selftests, after lib.sh: real ESP with static keys,
# echo flows that count only when answered, wire captures reduced to what
# matters (ESP or clear, who to whom), ACQUIRE watchers and xfrm_stat.

ESP_KEY=0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f

# ipsec_modules: ESP and the AEAD it uses must be there before any SA.
ipsec_modules() {
	local m
	for m in esp4 esp6 xfrm_user; do
		load_module "$m" || fail "cannot load $m"
	done
}

# The IPsec state is set up with `ip -batch` (one exec per namespace, not
# one per line), from these:
#
# esp_sa MODE SRC DST SPI: one SA (transport or tunnel), reqid 1.
esp_sa() {
	echo "xfrm state add src $2 dst $3 proto esp spi $4 reqid 1" \
		"mode $1 aead rfc4106(gcm(aes)) $ESP_KEY 128"
}

# esp_policy DIR SRC DST MODE [TSRC TDST]: require ESP for SRC -> DST,
# every protocol, at an ordinary priority (1000: sfb's 10 wins).
esp_policy() {
	local tmpl=
	[ "$4" = tunnel ] && tmpl="src $5 dst $6"
	echo "xfrm policy add src $2 dst $3 dir $1 priority 1000" \
		"tmpl $tmpl proto esp reqid 1 mode $4"
}

# esp_pair A_ADDR B_ADDR SPI: the two SAs of one transport address pair.
esp_pair() {
	esp_sa transport "$1" "$2" "$3"
	esp_sa transport "$2" "$1" "$(($3 + 1))"
}

# flow NS [ASK OPTIONS] tcp|udp ADDR PORT: one answered exchange.
flow() {
	local ns=$1
	shift
	"$NETNS" "$ns" "$ECHO" ask "$@" || fail "no answer: $ns -> $*"
}

# capture_start FILE inout|out NS/IF...: record what each interface sends
# and receives (inout) or only sends (out) until capture_stop, into FILE.1,
# FILE.2... "out" on both ends of a link is the wire exactly: a tunnel
# endpoint's capture also sees the packets it decapsulates, in clear.
capture_start() {
	local file=$1 dir=$2 i=0 ep
	shift 2
	captures=()
	for ep in "$@"; do
		i=$((i + 1))
		"$NETNS" "${ep%/*}" tcpdump --immediate-mode -U -nn \
			-Q "$dir" -i "${ep#*/}" -w "$file.$i" 2> "$file.$i.log" &
		captures+=("$! $ep $file.$i")
		wait_for 60 has_line "$file.$i.log" 'tcpdump: listening on' ||
			fail "tcpdump on $ep did not start: $(cat "$file.$i.log")"
	done
}

# Stop once everything sent so far is in the files: a last datagram from
# each capturing namespace, to an address outside every IPsec policy (a
# permanent neighbour on the interface, so it leaves at once), must have
# been written.
capture_stop() {
	local c pid ep file ns ifc port
	for c in "${captures[@]}"; do
		read -r pid ep file <<< "$c"
		ns=${ep%/*} ifc=${ep#*/} port=$((RANDOM % 1000 + 30000))
		ip -n "$ns" -batch - <<-EOF || fail "no way to 198.18.0.1 in $ns"
		route replace 198.18.0.0/24 dev $ifc
		neigh replace 198.18.0.1 lladdr 02:00:00:00:00:01 dev $ifc nud permanent
		EOF
		"$NETNS" "$ns" "$PROBE" udp 198.18.0.1 "$port" >/dev/null
		wait_for 60 captured_to "$file" "198.18.0.1.$port:" ||
			fail "the capture on $ep lost packets"
		kill -INT "$pid"
		wait "$pid"
	done
}

# captured_to FILE TEXT: tcpdump prints TEXT for a packet in FILE.
captured_to() {
	[[ $(tcpdump -nn -r "$1" 2>/dev/null) == *"$2"* ]]
}

# wire FILE: each ESP, TCP or UDP packet of the captures, as "esp SPI" or
# "clear SRC SPORT DST DPORT" (capture_stop's datagrams left out).
wire() {
	local f
	for f in "$1".[0-9]; do
		# -q: no guessing at what runs on a port (49152 "is" BCM-LI)
		tcpdump -q -nn -r "$f" 2>/dev/null
	done | awk '
		$2 != "IP" && $2 != "IP6" || $5 ~ /^198\.18\.0\.1\./ { next }
		$6 ~ /^ESP\(spi=/ {
			spi = $6; sub(/^ESP\(spi=/, "", spi); sub(/,.*/, "", spi)
			print "esp", spi; next
		}
		$6 == "tcp" || $6 == "UDP," {
			src = $3; dst = $5; sub(/:$/, "", dst)
			sp = src; sub(/.*\./, "", sp); sub(/\.[^.]*$/, "", src)
			dp = dst; sub(/.*\./, "", dp); sub(/\.[^.]*$/, "", dst)
			print "clear", src, sp, dst, dp
		}'
}

# captured NAME CMD...: run CMD with the test's captures on (IPSEC_CAPTURE:
# inout|out NS/IF...); what crossed is then in $work/NAME.wire.
captured() {
	local name=$1
	shift
	capture_start "$work/$name" "${IPSEC_CAPTURE[@]}"
	"$@"
	capture_stop
	wire "$work/$name" > "$work/$name.wire"
}

# acquire_watch NS FILE: log the namespace's ACQUIREs to FILE. Returns once
# the watcher is seen to work: it reports a policy added while it starts.
acquire_watch() {
	"$NETNS" "$1" stdbuf -oL ip xfrm monitor acquire policy > "$2" &
	wait_for 60 acquire_watch_probe "$1" "$2" ||
		fail "ip xfrm monitor in $1 reports nothing"
}

acquire_watch_probe() {
	local sel="src 203.0.113.99/32 dst 203.0.113.98/32 dir out"
	printf 'xfrm policy %s\n' "add $sel priority 5000 action allow" \
		"del $sel" | ip -n "$1" -batch -
	has_line "$2" '.*203\.0\.113\.99'
}

# acquires FILE: the ACQUIREs logged so far, as the selector lines.
acquires() {
	grep -A1 '^acquire' "$1" | grep -v -e '^acquire' -e '^--'
}

# xfrm_errors NS: the namespace's /proc/net/xfrm_stat counters that are
# not zero (every one of them counts an error).
xfrm_errors() {
	"$NETNS" "$1" awk '$2 != 0' /proc/net/xfrm_stat
}

# Two hosts, ESP in transport mode required for all traffic between A and
# B's subnet, both ways, both families; SAs for A <-> the director only
# (esp_pair adds others); the echo servers of every flow:
#
#   A      a0 192.0.2.2  2001:db8::2  ----  b0 192.0.2.10 2001:db8::10 (mediation)
#                                              192.0.2.11 2001:db8::11 (director)
ipsec_hosts_up() {
	A=$TEST_NS-a B=$TEST_NS-b IPSEC_CLIENT4=192.0.2.2 IPSEC_CLIENT6=2001:db8::2
	ipsec_modules
	# Fixed MACs: no neighbour discovery, the IPsec policies cover ICMPv6.
	ip -batch - <<-EOF || fail "hosts: namespaces and veth"
	netns add $A
	netns add $B
	link add a0 netns $A address 02:00:00:00:0a:02 type veth peer name b0 netns $B address 02:00:00:00:0b:10
	EOF
	{
		cat <<-EOF
		link set lo up
		link set a0 up
		addr add 192.0.2.2/24 dev a0
		addr add 2001:db8::2/64 dev a0 nodad
		neigh add 2001:db8::10 lladdr 02:00:00:00:0b:10 dev a0 nud permanent
		neigh add 2001:db8::11 lladdr 02:00:00:00:0b:10 dev a0 nud permanent
		EOF
		transport_ipsec A
	} | ip -n $A -batch - || fail "host $A"
	{
		cat <<-EOF
		link set lo up
		link set b0 up
		addr add 192.0.2.10/24 dev b0
		addr add 192.0.2.11/24 dev b0
		addr add 2001:db8::10/64 dev b0 nodad
		addr add 2001:db8::11/64 dev b0 nodad
		neigh add 2001:db8::2 lladdr 02:00:00:00:0a:02 dev b0 nud permanent
		EOF
		transport_ipsec B
	} | ip -n $B -batch - || fail "host $B"
	ipsec_servers $A $B
}

# transport_ipsec A|B: that host's policies (ESP out to the other, and in
# from it) and the director's SAs (the same in both).
transport_ipsec() {
	local side=$1 f
	for f in "192.0.2.2/32 192.0.2.0/24" "2001:db8::2/128 2001:db8::/64"; do
		set -- $f
		[ "$side" = B ] && set -- "$2" "$1"
		esp_policy out "$1" "$2" transport
		esp_policy in "$2" "$1" transport
	done
	esp_pair 192.0.2.2 192.0.2.11 0x1100
	esp_pair 2001:db8::2 2001:db8::11 0x1600
}

# The flows of both IPsec tests. The servers' host holds a Mediation
# Server (exempt both ways: T5.5, T5.6) and a Director (no exemption);
# the clients rule (T5.15) exempts UDP from the client media range,
# narrowed here to 50000-50039 so that UDP from other ports is not. The
# client is $IPSEC_CLIENT4 / $IPSEC_CLIENT6; sfb runs where the test says.
ipsec_site() {	# ipsec_site MARK
	cat <<SITE
include "$PWD/user/roles/sfb2015.conf"
override media-range client-media 50000-50039
policy enforce
mark ipsec-exempt $1
bind mediation 192.0.2.10/32 2001:db8::10/128
bind director 192.0.2.11/32 2001:db8::11/128
SITE
}

# ipsec_addrs 4|6: a (client), m (mediation), d (director) of a family.
ipsec_addrs() {
	if [ "$1" = 4 ]; then
		a=$IPSEC_CLIENT4 m=192.0.2.10 d=192.0.2.11
	else
		a=$IPSEC_CLIENT6 m=2001:db8::10 d=2001:db8::11
	fi
}

# ipsec_servers CLIENT_NS SERVER_NS: the echo servers of every flow.
ipsec_servers() {
	local f a m d
	for f in 4 6; do
		ipsec_addrs $f
		echo_serve "$2" tcp $m 5070	# mediation SIP
		echo_serve "$2" udp $m 49152	# mediation audio
		echo_serve "$2" tcp $d 5061	# director SIP
		echo_serve "$2" udp $d 1434	# director SQL browser
		echo_serve "$1" tcp $a 8000
		echo_serve "$1" udp $a 8001
	done
}

# exempt_flows CLIENT_NS SERVER_NS: every exempt flow, both families.
exempt_flows() {
	local f a m d
	for f in 4 6; do
		ipsec_addrs $f
		flow "$1" tcp $m 5070			# to mediation
		flow "$1" -s 40001 udp $m 49152
		flow "$2" -b $m tcp $a 8000		# from mediation
		flow "$2" -b $m -s 40002 udp $a 8001
		flow "$1" -s 50000 udp $d 1434		# client media, and its reply
	done
}

protected_flows() {
	local f a m d
	for f in 4 6; do
		ipsec_addrs $f
		flow "$1" tcp $d 5061
		flow "$1" -s 40000 udp $d 1434
		flow "$2" -b $d tcp $a 8000
		flow "$2" -b $d -s 40003 udp $a 8001
	done
}

# expect_clear WIRE: exempt_flows crossed in clear, each way, and not one
# packet as ESP.
expect_clear() {
	local f a m d want
	grep '^esp' "$1" | sort | uniq -c | grep . &&
		fail "exempt flows used ESP"
	for f in 4 6; do
		ipsec_addrs $f
		for want in "$a [0-9]* $m 5070" "$m 5070 $a" \
			"$a 40001 $m 49152" "$m 49152 $a 40001" \
			"$m [0-9]* $a 8000" "$a 8000 $m" \
			"$m 40002 $a 8001" "$a 8001 $m 40002" \
			"$a 50000 $d 1434" "$d 1434 $a 50000"; do
			has_line "$1" "clear $want" ||
				fail "not seen in clear: $want"
		done
	done
}

# expect_esp WIRE SPI...: nothing in clear, and ESP with every SPI.
expect_esp() {
	local wire=$1 spi
	shift
	grep '^clear' "$wire" && fail "crossed in clear"
	for spi in "$@"; do
		has_line "$wire" "esp $spi"$'\n' || fail "no ESP with SPI $spi"
	done
}

# live_exempt_reload CLIENT_NS SFB_NS...: reload every SFB_NS $ipsec_reloads
# times (6, 2 on the debug kernel), the exempt mark changing each time,
# while a TCP and a UDP session to mediation exchange every 100 ms; every
# exchange must be answered.
ipsec_reloads=$(($(scaled 3) * 2))
live_exempt_reload() {
	local client=$1 i s ns tcp udp
	shift
	ipsec_site 0x20000000 > "$work/site2.conf"
	"$NETNS" "$client" "$ECHO" ask -n 60 -i 100 -w 30 \
		tcp 192.0.2.10 5070 &
	tcp=$!
	"$NETNS" "$client" "$ECHO" ask -n 60 -i 100 -w 30 -s 40010 \
		udp 2001:db8::10 49152 &
	udp=$!
	for ((i = 0; i < ipsec_reloads / 2; i++)); do
		for s in site2 site; do
			for ns in "$@"; do
				"$NETNS" "$ns" "$SFBCTL" load "${BACKEND[@]}" "$work/$s.conf" ||
					fail "reload $i ($s) in $ns"
			done
		done
	done
	wait $tcp || fail "the live TCP flow broke during reloads"
	wait $udp || fail "the live UDP flow broke during reloads"
}

# ipsec_bypass_checks CLIENT_NS SERVER_NS "SPI..." SFB_NS...: with the
# site loaded in every SFB_NS (whose ACQUIREs are logged to $work/acq.NS
# from now on): exempt flows are answered and cross in clear with no ESP;
# protected flows are answered and cross only as ESP with every SPI;
# reloads of each SFB_NS under live exempt flows keep them answered and clear;
# no ACQUIRE and no xfrm_stat error in any SFB_NS.
ipsec_bypass_checks() {
	local client=$1 server=$2 spis=$3 ns acq
	shift 3
	for ns in "$@"; do
		acquire_watch "$ns" "$work/acq.$ns"
		[ -z "$(xfrm_errors "$ns")" ] ||
			fail "xfrm_stat errors in $ns before the flows"
	done

	captured exempt exempt_flows "$client" "$server"
	expect_clear "$work/exempt.wire"
	echo "exempt: mediation both ways and client media with its replies in clear, TCP/UDP, IPv4/IPv6, no ESP"

	captured protected protected_flows "$client" "$server"
	expect_esp "$work/protected.wire" $spis
	echo "protected: director flows only as ESP, both ways, IPv4/IPv6"

	captured reload live_exempt_reload "$client" "$@"
	grep -q '^esp' "$work/reload.wire" && fail "ESP during the reloads"
	echo "reload: $ipsec_reloads reloads of $* under live exempt TCP and UDP flows, all answered in clear"

	for ns in "$@"; do
		acq=$(acquires "$work/acq.$ns")
		[ -z "$acq" ] || fail "ACQUIRE in $ns: $acq"
		expect_eq "$(xfrm_errors "$ns")" "" "xfrm_stat errors in $ns"
	done
	echo "no ACQUIRE, /proc/net/xfrm_stat clean in $*"
}
