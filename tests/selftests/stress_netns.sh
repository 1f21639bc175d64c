#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace churn: $SFB_STRESS_NETNS (default 1000, 100 on the debug
# kernel: lib.sh's scaled) times, a new network namespace gets a ruleset,
# passes an allowed datagram and drops a denied one over lo, and goes
# away: with its ruleset in force, or with a load transaction open when
# its socket closes, or kept alive by its socket until the next namespace
# exists. Afterwards the module holds exactly the rulesets it held before
# (GET_INFO's count of live ruleset objects), and the runner finds no
# splat and, on the debug kernel, no leak.
#
# ip netns add/del and an exec of sfbctl per namespace cost too much under
# TCG: sfb_replay unshares one namespace after the other in one process and
# loads, from a file saved once, the ruleset sfbctl loaded in the first.
. "$(dirname "$0")/lib.sh"

cycles=${SFB_STRESS_NETNS:-$(scaled 1000 100)}
test_setup --module
base=$("$NL" rulesets)

# sfb_replay's traffic: UDP 5000 allowed, 9999 denied, on 127.0.0.1.
cat > "$work/lo.conf" <<EOF
policy enforce
role local "loopback" {
	service probe udp 5000 udp
	media audio udp 6000-6009
}
bind local 127.0.0.1/32 ::1/128
EOF
unshare -n sh -c "'$SFBCTL' load '$work/lo.conf' && '$REPLAY' save '$work/lo.bin'" ||
	fail "load in a new namespace"

start=$(date +%s%N)
"$REPLAY" netns "$cycles" "$work/lo.bin" || fail "namespace churn"
# Namespaces die asynchronously (cleanup_net), then RCU frees the rulesets.
wait_for 600 sh -c "[ \$('$NL' rulesets) -eq $base ]" ||
	fail "$(($("$NL" rulesets) - base)) rulesets still alive after $cycles namespaces"
ms=$((($(date +%s%N) - start) / 1000000))
rmmod nf_sfb || fail "rmmod after the churn"
echo "$cycles namespaces with a ruleset, a dropped and a passed datagram:" \
	"all freed, $((ms / 1000)).$((ms % 1000 / 100)) s"
