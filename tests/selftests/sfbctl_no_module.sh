#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without nf_sfb: version says so and succeeds (it is the tool's version);
# show, stats and match say so in one line and exit 3.
# Not on the debug kernel: it has no kernel work, sfbctl runs alone
# Not on 6.12: no kernel takes part; 6.1 runs it
. "$(dirname "$0")/lib.sh"
test_setup

[ ! -d /sys/module/nf_sfb ] || rmmod nf_sfb || fail "rmmod"
for v in version --version; do
	out=$("$SFBCTL" $v 2>"$work/err")
	expect_eq "$?" 0 "$v: exit status"
	expect_eq "$out" "sfbctl $(modinfo -F version "$MODULE")
nf_sfb: not loaded
policy: none" "$v: stdout"
	expect_eq "$(cat "$work/err")" "" "$v: stderr"
done
expect_eq "$("$SFBCTL" version -j | jq -c .module)" null "version -j: module"

for c in show stats "match tcp from 192.0.2.1 port 1 to 192.0.2.2 port 5061"; do
	# shellcheck disable=SC2086
	"$SFBCTL" $c >"$work/out" 2>"$work/err"
	expect_eq "$?" 3 "$c: exit status"
	expect_eq "$(cat "$work/out")" "" "$c: stdout"
	expect_eq "$(cat "$work/err")" "sfb: generic netlink family not found (is nf_sfb loaded?)" "$c: stderr"
done
echo "version: module not loaded, exit 0; show, stats, match: exit 3"
