#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SFB_CMD_GET_INFO answers the documented values (README, "Limits"), in any
# network namespace, to CAP_NET_ADMIN in that namespace's user namespace,
# and to nobody else.
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

# Without CAP_NET_ADMIN: refused, with a clear message and exit 4.
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$SFBCTL" version 2>&1 >/dev/null)
rc=$?
expect_eq "$rc" 4 "unprivileged exit status"
expect_eq "$err" \
	"sfb: permission denied: CAP_NET_ADMIN in the network namespace's user namespace is required" \
	"unprivileged message"
echo "GET_INFO ok: init netns, netns, user namespace; refused unprivileged"
