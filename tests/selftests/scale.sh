#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A ruleset at the limits sfbctl version reports: as many port rules and
# bound prefixes as the module takes (65,536 each, IPv4 and IPv6) load,
# classify exactly at the edges, cost what the ruleset says they cost (the
# memory cgroup of the loader is charged what the budget counts), and one
# more of either is refused with the limit's message, the ruleset in force
# untouched.
# Not on the debug kernel: it has no memory cgroups, and loading the
# largest ruleset under KASAN would take longer than what it adds.
. "$(dirname "$0")/lib.sh"
test_setup --module jq awk

limits=$("$SFBCTL" version -j) || fail "sfbctl version"
rules=$(echo "$limits" | jq .module.limits.services)
binds=$(echo "$limits" | jq .module.limits.bindings)
[ "$rules" -ge 65536 ] && [ "$binds" -ge 65536 ] ||
	fail "limits below 65536: $rules rules, $binds bindings"

# site RULES BINDS: role "big" with RULES - 1 single-port rules (UDP from
# port 1 up, then TCP) and BINDS - 1 prefixes (every other IPv4 address of
# 10.0.0.0/8, then IPv6 addresses), role "sip" with one rule and one prefix.
site() {
	awk -v rules="$1" -v binds="$2" 'BEGIN {
		print "policy enforce"
		print "role big \"a rule per port\" {"
		for (p = 1; p < rules; p++)
			if (p < 65536)
				printf "service u%d udp %d udp\n", p, p
			else
				printf "service t%d tcp %d tcp\n", p, p - 65535
		print "}"
		print "role sip \"one rule\" {\nservice sip tcp 5061 tls\n}"
		print "bind sip 192.0.2.1/32"
		v4 = int((binds - 1) / 2)
		for (i = 0; i < v4; i++)
			printf "bind big 10.%d.%d.%d/32\n", int(2 * i / 65536),
				int(2 * i / 256) % 256, (2 * i) % 256
		for (i = v4; i < binds - 1; i++)
			printf "bind big 2001:db8::%x:%x/128\n", int(i / 65536), i % 65536
	}'
}
site "$rules" "$binds" > "$work/max.conf"
site $((rules + 1)) 2 > "$work/rules+1.conf"
site 2 $((binds + 1)) > "$work/binds+1.conf"

# The loader in a memory cgroup of its own: the kernel memory charged to
# it once it exits is what it left in the kernel, the ruleset.
memcg_setup
before=$(memcg_kernel)
start=$(date +%s%N)
in_memcg "$SFBCTL" load "$work/max.conf" || fail "the largest ruleset did not load"
echo "loaded $rules rules and $binds prefixes in $(( ($(date +%s%N) - start) / 1000000 )) ms"
charged=$(( $(memcg_kernel) - before ))
memory=$("$NL" memory)
echo "ruleset memory $memory bytes, memory cgroup charged $charged bytes"
# Leeway: memcg statistics are batched per CPU (64 pages each), and hooks
# registered for the first ruleset are charged too (a few KiB).
slack=$(( 64 * 4096 * $(nproc) + memory / 100 ))
[ "$charged" -ge $((memory - slack)) ] && [ "$charged" -le $((memory + slack)) ] ||
	fail "memory $memory is not what the cgroup was charged ($charged)"

expect_eq "$("$SFBCTL" show -j |
	jq -r '"\([.roles[].rules | length] | add) \(.bindings | length)"')" \
	"$rules $binds" "rules and prefixes shown"
# The first and last prefix of each family.
ends=$(awk '/^bind big/ { sub("/.*", "", $3); f = index($3, ":") ? 6 : 4
	if (!first[f]) first[f] = $3; last[f] = $3 }
	END { print first[4], last[4], first[6], last[6] }' "$work/max.conf")
verdict() {
	"$SFBCTL" match "$1" from "$2" port 40000 to "$3" port "$4" |
		sed -n 's/^verdict: //p'
}
# Each lookup dumps the ruleset to name the rules: a few, at the edges.
for dst in $ends; do
	src=198.51.100.1
	[ "${dst#*:}" = "$dst" ] || src=2001:db8:ffff::1
	expect_eq "$(verdict udp $src "$dst" 65535)" accept "udp $dst 65535"
	expect_eq "$(verdict tcp $src "$dst" 1)" drop "tcp $dst 1"
done
set -- $ends
expect_eq "$(verdict udp 198.51.100.1 "$2" 1)" accept "udp $2 1"
expect_eq "$(verdict udp 198.51.100.1 "$2" 0)" drop "udp $2 0"
expect_eq "$(verdict udp 198.51.100.1 10.0.0.1 1)" accept "unbound 10.0.0.1"
expect_eq "$(verdict tcp 198.51.100.1 192.0.2.1 5061)" accept "sip 5061"
expect_eq "$(verdict tcp 198.51.100.1 192.0.2.1 5060)" drop "sip 5060"

# One more of either: refused for the limit the module reports (sfbctl
# checks before sending; failed_load.sh has the kernel refuse it), nothing
# changes.
gen=$("$NL" generation)
for over in "rules+1 too many rules in the roles to load: nf_sfb holds at most $rules" \
	    "binds+1 too many bound prefixes: nf_sfb holds at most $binds"; do
	"$SFBCTL" load "$work/${over%% *}.conf" 2> "$work/err" && fail "${over%% *} loaded"
	cat "$work/err"
	grep -qF "${over#* }" "$work/err" || fail "${over%% *}: not '${over#* }'"
done
expect_eq "$("$NL" generation)" "$gen" "generation after refused loads"
expect_eq "$("$NL" memory)" "$memory" "memory after refused loads"
"$SFBCTL" flush
echo "limits held: $rules rules, $binds prefixes"
