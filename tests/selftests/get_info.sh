#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SFB_CMD_GET_INFO answers the documented values (README, "Limits"), in any
# network namespace, to anyone; the namespace's ruleset state only to
# CAP_NET_ADMIN in that namespace's user namespace. With nf_sfb loaded and
# no ruleset, show, stats and match all say so, and none fails.
. "$(dirname "$0")/lib.sh"
test_setup --module ip unshare setpriv

out=$("$SFBCTL" version) || fail "sfbctl version exited $?"
echo "$out"
modver=$(modinfo -F version "$MODULE")
uapi=$(sed -n 's/^#define SFB_GENL_VERSION[[:space:]]*//p' include/uapi/linux/sfb.h)
expect_eq "$(echo "$out" | sed -n 2p)" "nf_sfb $modver (uapi $uapi)" "module line"
# 64 MiB and 4 MiB per possible CPU (nr_cpu_ids: the highest id plus one).
cpus=$(( $(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1 ))
memory=$(( (64 + 4 * cpus) << 20 ))
expect_eq "$(echo "$out" | sed -n 3p)" \
	"limits: roles 64, services 65536, bindings 65536, ipsec-exempt 256, memory $memory bytes" \
	"limits line"

json=$("$SFBCTL" version --json) || fail "sfbctl version --json exited $?"
expect_eq "$json" \
	"{\"sfbctl\":\"$modver\",\"module\":{\"version\":\"$modver\",\"uapi\":$uapi,\"limits\":{\"roles\":64,\"services\":65536,\"bindings\":65536,\"ipsec_exempt\":256,\"memory\":$memory}},\"ruleset\":null}" \
	"json"

# netnsok: the family answers inside another network namespace.
ip netns add "$TEST_NS-x" || fail "ip netns add"
"$NETNS" "$TEST_NS-x" "$SFBCTL" version >/dev/null || fail "not answering in a netns"

# CAP_NET_ADMIN over one's own netns through a user namespace is enough.
unshare --user --map-root-user --net "$SFBCTL" version >/dev/null ||
	fail "not answering to root of a user namespace"

# Without CAP_NET_ADMIN: the module and its limits, not the policy.
unpriv() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
}
out=$(unpriv "$SFBCTL" version 2>"$work/err")
expect_eq "$?" 0 "unprivileged exit status"
expect_eq "$(cat "$work/err")" "" "unprivileged stderr"
expect_eq "$(echo "$out" | sed -n 2p)" "nf_sfb $modver (uapi $uapi)" "unprivileged module line"
expect_eq "$(echo "$out" | sed -n 4p)" \
	"policy: not shown: CAP_NET_ADMIN over the network namespace is required" \
	"unprivileged policy line"
unpriv "$SFBCTL" version --json > "$work/version.json" ||
	fail "unprivileged version --json exited $?"
expect_eq "$(jq -c .ruleset "$work/version.json")" '{"hidden":true}' "unprivileged JSON"
"$VALIDATE" user/man/sfb-json.schema.json version "$work/version.json" ||
	fail "unprivileged version --json: not in the schema"
# ... and the state is not in GET_INFO's reply to an unprivileged caller.
unpriv "$NL" generation >/dev/null 2>&1 &&
	fail "GET_INFO gave the generation to an unprivileged caller"
echo "GET_INFO ok: init netns, netns, user namespace; no state unprivileged"

# No ruleset: one answer from the three readers, exit 0.
packet="tcp from 192.0.2.1 port 1 to 192.0.2.2 port 5061"
for c in show stats match; do
	args=
	[ "$c" != match ] || args=$packet
	# shellcheck disable=SC2086
	out=$("$SFBCTL" $c $args 2>&1) || fail "$c exited $? without a ruleset"
	want="no ruleset is loaded"
	[ "$c" != show ] || want="# $want"	# a comment: a file load takes
	expect_eq "$out" "$want" "$c without a ruleset"
	# shellcheck disable=SC2086
	out=$("$SFBCTL" $c --json $args 2>&1) || fail "$c --json exited $?"
	expect_eq "$(echo "$out" | jq -c .loaded)" false "$c --json without a ruleset"
	echo "$out" > "$work/$c.json"
	"$VALIDATE" user/man/sfb-json.schema.json "$c" "$work/$c.json" ||
		fail "$c --json without a ruleset: not in the schema"
done
echo "show, stats and match agree: no ruleset is loaded"
