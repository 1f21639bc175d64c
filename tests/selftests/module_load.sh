#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nf_sfb loads and unloads cleanly, 20 times (5 on the debug kernel); the
# genl family comes and goes with it.
. "$(dirname "$0")/lib.sh"

rounds=$(scaled 20)
before=$(dmesg | grep -c 'nf_sfb: loaded, version')
for i in $(seq 1 "$rounds"); do
	sfb_insmod || fail "insmod, round $i"
	[ -d /sys/module/nf_sfb ] || fail "/sys/module/nf_sfb missing, round $i"
	"$SFBCTL" version | grep -q '^nf_sfb [^:]' ||
		fail "family not answering, round $i"
	rmmod nf_sfb || fail "rmmod, round $i"
	[ ! -d /sys/module/nf_sfb ] || fail "module still present, round $i"
	"$SFBCTL" version | grep -qx 'nf_sfb: not loaded' ||
		fail "the family outlived the module, round $i"
done
loaded=$(($(dmesg | grep -c 'nf_sfb: loaded, version') - before))
expect_eq "$loaded" "$rounds" "loads in dmesg"
echo "$rounds load/unload cycles"
