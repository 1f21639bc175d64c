#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/load.sh: what loading costs, inside the VM (make bench-load).
# For the example site and for a site binding every catalogue role, prints
# one line each:
#   load site=NAME roles=R bindings=B memory=BYTES ms_median=MS ms_min=MS
# Then, for N single-port UDP rules (ports 0..N-1) on one bound address (N in
# $SFB_BENCH_LOAD_N), sfb beside the same port set loaded by `nft -f` (an
# interval set and one rule) and by `ipset restore` (bitmap:port), each
# loaded fresh:
#   sweep n=N sfb_ms=MS nft_ms=MS ipset_ms=MS sfb_to_nft=R \
#         sfb_bytes=B nft_bytes=B ipset_bytes=B
# and the same for the every-role site beside its nft export (`sfbctl
# export --format nft`, the equivalent nft ruleset; no ipset):
#   sweep n=catalogue ...
# Times are wall-clock medians under TCG emulation: compare them with each
# other, not with hardware. Bytes are the kernel memory charged to the
# loader's memory cgroup ("kernel" in memory.stat) by one load.
cd "$(dirname "$0")/../.."
. tests/selftests/lib.sh
runs=${SFB_BENCH_RUNS:-15}
test_setup --module jq awk nft ipset

sed "s|^include \"sfb2015.conf\"|include \"$PWD/user/roles/sfb2015.conf\"|" \
	user/roles/example-site.conf > "$work/example-site.conf"
{
	echo "include \"$PWD/user/roles/sfb2015.conf\""
	n=10
	for role in $("$SFBCTL" export --format csv user/roles/sfb2015.conf |
			cut -d, -f1 | tail -n +2 | sort -u | grep -vx any); do
		echo "bind $role 192.0.2.$n/32 2001:db8::$n/128"
		n=$((n + 1))
	done
} > "$work/every-role.conf"

for site in example-site every-role; do
	for i in $(seq "$runs"); do
		start=$(date +%s%N)
		"$SFBCTL" load "$work/$site.conf" || fail "load $site"
		echo $(( ($(date +%s%N) - start) / 1000 ))
	done | sort -n > "$work/times"
	show=$("$SFBCTL" show -j)
	printf 'load site=%s roles=%s bindings=%s memory=%s ms_median=%s ms_min=%s\n' \
		"$site" "$(echo "$show" | jq '.roles | length')" \
		"$(echo "$show" | jq '.bindings | length')" "$("$NL" memory)" \
		"$(awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.1f", $1 / 1000 }' "$work/times")" \
		"$(awk 'NR == 1 { printf "%.1f", $1 / 1000 }' "$work/times")"
done
# ms RESET CMD...: RESET, then CMD; prints the microseconds CMD took
ms() {
	local start
	$1
	shift
	start=$(date +%s%N)
	"$@" > /dev/null || fail "$*"
	echo $(( ($(date +%s%N) - start) / 1000 ))
}

# median: of microsecond lines, in milliseconds
median() {
	sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}

memcg_setup
# charged RESET CMD...: kernel memory one CMD leaves charged to its cgroup
charged() {
	local reset=$1 before
	shift
	$reset
	before=$(memcg_kernel)
	in_memcg "$@" > /dev/null || fail "$*"
	echo $(( $(memcg_kernel) - before ))
}

sfb_reset() { "$SFBCTL" flush; }
nft_reset() {
	nft delete table inet sfbbench 2>/dev/null
	nft delete table inet sfb 2>/dev/null
}
ipset_reset() { ipset destroy sfbbench 2>/dev/null; }

# compare N: $work's sfb.conf, nft.conf and ipset.conf (if there) each
# loaded fresh $r times, interleaved (a slow stretch of the host slows
# all three); prints N's sweep line
compare() {
	local i ipset_ms=- ipset_bytes=-
	for i in $(seq "$r"); do
		ms sfb_reset "$SFBCTL" load "$work/sfb.conf" >> "$work/sfb.ms"
		ms nft_reset nft -f "$work/nft.conf" >> "$work/nft.ms"
		[ ! -e "$work/ipset.conf" ] ||
			ms ipset_reset ipset restore -f "$work/ipset.conf" >> "$work/ipset.ms"
	done
	sfb_ms=$(median < "$work/sfb.ms")
	nft_ms=$(median < "$work/nft.ms")
	if [ -e "$work/ipset.conf" ]; then
		ipset_ms=$(median < "$work/ipset.ms")
		ipset_bytes=$(charged ipset_reset ipset restore -f "$work/ipset.conf")
	fi
	rm -f "$work"/*.ms
	printf 'sweep n=%s sfb_ms=%s nft_ms=%s ipset_ms=%s sfb_to_nft=%s sfb_bytes=%s nft_bytes=%s ipset_bytes=%s\n' \
		"$1" "$sfb_ms" "$nft_ms" "$ipset_ms" \
		"$(awk -v a="$sfb_ms" -v b="$nft_ms" 'BEGIN { printf "%.2f", a / b }')" \
		"$(charged sfb_reset "$SFBCTL" load "$work/sfb.conf")" \
		"$(charged nft_reset nft -f "$work/nft.conf")" "$ipset_bytes"
	sfb_reset
	nft_reset
	ipset_reset
}

for n in ${SFB_BENCH_LOAD_N:-100 1000 4096 16384 65536}; do
	awk -v n="$n" 'BEGIN {
		print "policy enforce\nrole bench \"n single ports\" {"
		for (p = 0; p < n; p++)
			printf "service p%d udp %d udp\n", p, p
		print "}\nbind bench 192.0.2.10/32"
	}' > "$work/sfb.conf"
	awk -v n="$n" 'BEGIN {
		print "table inet sfbbench {\n\tset ports {"
		print "\t\ttype inet_service; flags interval"
		printf "\t\telements = { 0"
		for (p = 1; p < n; p++)
			printf ",%s%d", p % 16 ? " " : "\n\t\t\t", p
		print " }\n\t}\n\tchain pre {"
		print "\t\ttype filter hook prerouting priority raw;"
		print "\t\tip daddr 192.0.2.10 udp dport != @ports drop"
		print "\t}\n}"
	}' > "$work/nft.conf"
	awk -v n="$n" 'BEGIN {
		print "create sfbbench bitmap:port range 0-65535"
		for (p = 0; p < n; p++)
			print "add sfbbench " p
	}' > "$work/ipset.conf"
	r=$runs
	[ "$n" -le 4096 ] || r=$(( (runs + 1) / 2 ))
	compare "$n"
done
cp "$work/every-role.conf" "$work/sfb.conf"
"$SFBCTL" export --format nft "$work/sfb.conf" > "$work/nft.conf" ||
	fail "nft export"
rm "$work/ipset.conf"
r=$runs
compare catalogue
rmmod nf_sfb
