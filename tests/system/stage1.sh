#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot 1 of the system image test (tests/host/system_image.sh): install the
# packages from `make deb` with apt, offline; DKMS must build nf_sfb for
# the running kernel. Then put the site in /etc/sfb/site.conf, enforcing,
# and ask the agent for a reboot.
. "$(dirname "$0")/lib.sh"
kver=$(uname -r)
note "kernel $kver; $(. /etc/os-release && echo "$PRETTY_NAME"); $(nproc) CPUs"

# The settings `sfbctl load --sysctl` changes, as a fresh boot has them:
# stage 2 compares them after the packages are removed.
{
	cat /proc/sys/net/ipv4/tcp_fwmark_accept
	cat /proc/sys/net/ipv4/ip_local_reserved_ports
} > "$share/sysctl.before"
ip xfrm policy > "$share/xfrm.before"

# apt's sandbox user reads the packages from a directory of its own.
debs=/var/tmp/sfb-debs
mkdir -p "$debs"
cp "$share"/debs/*.deb "$debs/"
chmod 0755 "$debs"
chmod 0644 "$debs"/*.deb

# The image has no package lists and the VM no network: whatever apt
# cannot find installed or in these files fails the install.
apt_install() {	# its output, each line with the seconds since it started
	local t0=$SECONDS line rc
	apt-get install -y -o Dpkg::Use-Pty=0 "$debs"/sfb_*.deb "$debs"/sfb-dkms_*.deb 2>&1 |
		while IFS= read -r line; do
			printf '[%4d s] %s\n' $((SECONDS - t0)) "$line"
		done > "$share/apt-install.log"
	rc=${PIPESTATUS[0]}
	cat "$share/apt-install.log"
	[ "$rc" -eq 0 ] || return "$rc"
	# Nothing fetched: apt "gets" the two files, and nothing else.
	! grep -E '^\[ *[0-9]+ s\] (Get|Err|Ign):' "$share/apt-install.log" |
		grep -v " $debs/sfb"
}
start=$(date +%s.%N)
check "apt-get install ./sfb_*.deb ./sfb-dkms_*.deb, offline" apt_install
end=$(date +%s.%N)
note "time: apt-get install, DKMS build included: $(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }') s"
dkms_log=$(ls /var/lib/dkms/sfb/*/"$kver"/*/log/make.log 2>/dev/null | head -n 1)
# DKMS dates its make.log on its second line, and moves it into place
# when the build is done.
if [ -n "$dkms_log" ] && t0=$(date -d "$(sed -n 2p "$dkms_log")" +%s); then
	note "time: the DKMS build of nf_sfb: $(($(stat -c %Y "$dkms_log") - t0)) s"
fi

check "dkms status: sfb installed for $kver" dkms_installed "$kver"

modinfo_dkms() {
	local path
	path=$(modinfo -n nf_sfb) || return 1
	echo "$path"
	modinfo nf_sfb | grep -E '^(version|vermagic|depends|signer|sig_key):'
	case "$path" in /lib/modules/"$kver"/updates/dkms/nf_sfb.ko*) ;; *) return 1 ;; esac
}
check "modinfo nf_sfb: the module DKMS built, in updates/dkms" modinfo_dkms
# Debian's DKMS signs what it builds with a key of its own (made at its
# first build): Secure Boot accepts the module once that key is enrolled.
note "nf_sfb signed by: $(modinfo -F signer nf_sfb 2>/dev/null || echo nobody)" \
	"($(ls /var/lib/dkms/mok.pub 2>/dev/null || echo no /var/lib/dkms/mok.pub))"

check "sfb.service is enabled" systemctl is-enabled sfb.service
# sfb may be configured before DKMS built the module: it must not try to
# start then, and sfb-dkms starts it once the module is there.
started_once() {
	systemctl is-active sfb.service || return 1
	! journalctl -b -u sfb.service --no-pager | grep -E 'Failed|failed'
}
check "the install started sfb.service once the module was built, no failed start" started_once
check "sfbctl is installed in /usr/sbin" test -x /usr/sbin/sfbctl
check "the catalogue is in /usr/share/sfb/roles" test -r /usr/share/sfb/roles/sfb2015.conf

site_conf > /etc/sfb/site.conf
check "sfbctl check accepts the enforcing site" sfbctl check /etc/sfb/site.conf

[ "$failed" -eq 0 ] && echo reboot > "$SFBTEST_ACTION"
finish
