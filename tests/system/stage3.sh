#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot 3 of the system image test (tests/host/system_image.sh), on the
# 6.12 kernel stage 2 installed: the module DKMS built for it is the one
# loaded, sfb.service loaded the site at boot, and the gateway enforces it
# as it did on 6.1 (tests/system/lib.sh). Then `apt-get remove` must leave
# nothing of sfb's behind, for either kernel.
. "$(dirname "$0")/lib.sh"
kver=$(uname -r)
note "kernel $kver"

check "booted the 6.12 kernel stage 2 installed ($(cat "$share/boot/kernel-release"))" \
	test "$kver" = "$(cat "$share/boot/kernel-release")"
module_for_this_kernel() {
	local path
	path=$(modinfo -n nf_sfb) || return 1
	modinfo nf_sfb | grep -E '^(version|vermagic):'
	case "$path" in /lib/modules/"$kver"/updates/dkms/nf_sfb.ko*) ;; *) return 1 ;; esac
	modinfo -F vermagic nf_sfb | grep -q "^$kver "
}
check "modinfo nf_sfb: DKMS's build for $kver, in updates/dkms" module_for_this_kernel
enforcing "after the upgrade to $kver"

# --- apt-get remove ----------------------------------------------------
while read -r pid; do kill "$pid"; done < /run/sfbtest-servers.pid
ip netns del sfb-c
ip netns del sfb-s
nft delete table inet sfbmarks

check "apt-get remove -y sfb sfb-dkms" \
	apt-get remove -y -o Dpkg::Use-Pty=0 sfb sfb-dkms
check "no nf_sfb module loaded (/sys/module/nf_sfb)" test ! -e /sys/module/nf_sfb
no_xfrm() {
	local now
	now=$(ip xfrm policy)
	echo "$now"
	[ "$now" = "$(cat "$share/xfrm.before")" ]
}
check "ip xfrm policy: nothing of sfb's left" no_xfrm
sysctl_restored() {
	local now
	now=$(cat /proc/sys/net/ipv4/tcp_fwmark_accept /proc/sys/net/ipv4/ip_local_reserved_ports)
	echo "now: $now"
	echo "before the install: $(cat "$share/sysctl.before")"
	[ "$now" = "$(cat "$share/sysctl.before")" ]
}
check "the sysctls are as before the install" sysctl_restored
no_module_file() {
	! modinfo -n nf_sfb && ! find /lib/modules -name 'nf_sfb.ko*' | grep .
}
check "no nf_sfb.ko left in /lib/modules" no_module_file
no_dkms() {
	! dkms status sfb | grep .
}
check "dkms status: no sfb" no_dkms
unit_gone() {
	! systemctl is-active sfb.service
}
check "sfb.service is not active" unit_gone
finish
