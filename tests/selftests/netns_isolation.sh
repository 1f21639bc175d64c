#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rulesets are per network namespace: one loaded elsewhere does not change
# the gateway's verdicts, and deleting namespaces with rulesets loaded (and
# a load in progress) frees every ruleset object the module held.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10
base=$("$NL" rulesets)

# The gateway enforces front-end; namespace x, director on the same address.
for v in front-end director; do
	catalogue_site enforce "$v 192.0.2.10/32" > "$work/$v.conf"
done
gw "$SFBCTL" load "$work/front-end.conf" || fail "load gw"
ip netns add "$TEST_NS-x"
"$NETNS" "$TEST_NS-x" "$SFBCTL" load "$work/director.conf" || fail "load in x"

# 5062 is a front-end port, not a director one; 8057 the same.
"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 5062 8057 >/dev/null
topo_sync
seen=$(topo_seen | grep -c '^192\.0\.2\.10 tcp \(5062\|8057\)$')
[ "$seen" -eq 2 ] || fail "x's ruleset leaked into the gateway ($seen of 2 passed)"
echo "a ruleset in another namespace does not affect the gateway"

# Churn: namespaces with a ruleset, and one with a load half-done, deleted
# (stress_netns does a thousand).
churn=$(scaled 20)
printf 'netns add %s\n' $(seq -f "$TEST_NS-n%g" 1 "$churn") | ip -batch - ||
	fail "ip netns add"
for i in $(seq 1 "$churn"); do
	"$NETNS" "$TEST_NS-n$i" "$SFBCTL" load "$work/director.conf" || fail "load n$i"
done
ip netns add "$TEST_NS-h"
"$NETNS" "$TEST_NS-h" "$NL" hold 600 > "$work/hold" &
wait_for 60 has_line "$work/hold" holding || fail "no transaction open"
[ "$("$NL" rulesets)" -gt "$base" ] || fail "GET_INFO does not count rulesets"
kill %1
wait
printf 'netns del %s\n' $(seq -f "$TEST_NS-n%g" 1 "$churn") "$TEST_NS-h" "$TEST_NS-x" |
	ip -batch - || fail "ip netns del"
# Namespaces die asynchronously (cleanup_net), then RCU frees the rulesets.
wait_for 120 sh -c "[ \$('$NL' rulesets) -eq $((base + 1)) ]" ||
	fail "rulesets not freed: $("$NL" rulesets) held, expected $((base + 1)) (the gateway's)"
echo "$((churn + 2)) namespaces deleted with rulesets and a transaction: all freed"
