#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without nf_sfb, sfbctl says so in one line and exits 3.
# Not on the debug kernel: it has no kernel work, sfbctl runs alone
. "$(dirname "$0")/lib.sh"
test_setup

[ ! -d /sys/module/nf_sfb ] || rmmod nf_sfb || fail "rmmod"
out=$("$SFBCTL" version 2>"$work/err")
expect_eq "$?" 3 "exit status"
expect_eq "$out" "sfbctl $(modinfo -F version "$MODULE")
policy: none" "stdout"
expect_eq "$(cat "$work/err")" "sfb: generic netlink family not found (is nf_sfb loaded?)" "stderr"
echo "missing module reported, exit 3"
