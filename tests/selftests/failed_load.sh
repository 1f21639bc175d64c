#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A failed load changes nothing: malformed messages from a raw client, a
# ruleset over the kernel's limits, and a file with a syntax error all
# leave the generation, the loaded ruleset and every verdict as they were.
# The kernel's own limits (rules, bindings, exemptions, memory) are
# reached by a raw client, sfbctl refusing most of them first.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module awk
topo_server_addr 10
cat > "$work/site.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
bind front-end 192.0.2.10/32
EOF
gw "$SFBCTL" load "$work/site.conf" || fail "load"

# The state a failed load must not touch.
snapshot() {
	gw "$NL" generation
	gw "$SFBCTL" show
	"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 5061 9999 >/dev/null
	"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 3478 50000 >/dev/null
	topo_sync
	topo_seen | grep '^192\.0\.2\.10 '
}
snapshot > "$work/before"
grep -q '^192.0.2.10 tcp 5061$' "$work/before" || fail "5061 should pass"
grep -q "^192.0.2.10 tcp 9999$" "$work/before" && fail "9999 should be dropped"

gw "$NL" malformed || fail "a malformed message was not refused properly"

# MATCH where no ruleset is loaded (the client's namespace): sfbctl says
# so without asking, the kernel must refuse it on its own.
out=$("$NETNS" "$NS_C" "$NL" match) && fail "MATCH without a ruleset answered"
[ "$out" = "match: No such file or directory: no ruleset loaded" ] ||
	fail "MATCH without a ruleset: $out"
out=$(gw "$NL" match) || fail "MATCH with a ruleset: $out"

# The memory limit, in a namespace of its own: no commit past it, and a
# transaction's additions refused for it, whatever their number.
ip netns add "$TEST_NS-mem" || fail "netns $TEST_NS-mem"
"$NETNS" "$TEST_NS-mem" "$NL" memory-limit || fail "the memory limit"

# Over the limit: more rules than GET_INFO allows, in two roles (sfb.conf
# caps a role at as many rules as the kernel takes in all). sfbctl refuses
# it against GET_INFO's limits before the kernel sees it: 65,538 lines of
# userspace work, which the debug kernel's checkers have nothing to say on.
over_the_limit() {
	local max
	max=$(gw "$SFBCTL" version --json | jq '.module.limits.services')
	{
		cat "$work/site.conf"
		for r in 1 2; do
			echo "role huge$r \"half the limit and one more\" {"
			awk -v n=$((max / 2 + 1)) \
				'BEGIN { for (p = 1; p <= n; p++) print "service p" p " udp " p " udp" }'
			echo '}'
			echo "bind huge$r 192.0.2.1$r/32"
		done
	} > "$work/huge.conf"
	gw "$SFBCTL" load "$work/huge.conf" 2> "$work/err" &&
		fail "a ruleset over the limit loaded"
	echo "over the limit: $(grep -m 1 error: "$work/err")"
	gw "$SFBCTL" load --check "$work/huge.conf" 2>/dev/null &&
		fail "load --check over the limit passed"
}
debug_kernel || over_the_limit

# --check runs every kernel-side check, then throws the ruleset away: a
# valid file passes and changes nothing.
gw "$SFBCTL" load --check "$work/site.conf" || fail "load --check of a valid file"

# A file that binds no address would replace the ruleset with one that
# enforces nothing: refused without --force, saying what it would replace.
printf 'policy monitor\n' > "$work/empty.conf"
gw "$SFBCTL" load "$work/empty.conf" 2> "$work/err" &&
	fail "a file binding nothing replaced the ruleset"
grep -q "^sfb: $work/empty.conf binds no address: it would replace the ruleset in force (generation [0-9]*)" \
	"$work/err" || fail "empty file: $(cat "$work/err")"

# A syntax error never reaches the kernel.
printf 'policy enforce\nbind front-end 192.0.2.10/33\n' > "$work/bad.conf"
gw "$SFBCTL" load "$work/bad.conf" 2>/dev/null && fail "a bad file loaded"

snapshot > "$work/after"
diff -u "$work/before" "$work/after" || fail "a failed load changed the state"
echo "generation $(head -n 1 "$work/after"), ruleset and verdicts unchanged"
