#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot 2 of the system image test (tests/host/system_image.sh), after the
# reboot that followed the install, on Debian 12's kernel: sfb.service
# loaded the site at boot, loading nf_sfb itself, and the gateway enforces
# it (tests/system/lib.sh). A reload with a broken site must fail and keep
# the ruleset. Then the kernel upgrade an admin makes: apt-get install
# Debian 13's 6.12 kernel and its headers (offline, from the files the
# image carries); DKMS must build nf_sfb for it on the way. The host boots
# that kernel next, as the boot loader would.
. "$(dirname "$0")/lib.sh"

enforcing "after boot"

# --- a reload with a broken site --------------------------------------
before=$(sfbctl show 2>&1)
cp /etc/sfb/site.conf /root/site.conf.good
line=$(($(wc -l < /etc/sfb/site.conf) + 1))
echo "bind no-such-role 192.0.2.99/32" >> /etc/sfb/site.conf
reload_fails() {
	! systemctl reload sfb.service
}
check "systemctl reload sfb with a broken site fails" reload_fails
error_in_journal() {
	journalctl -b -u sfb.service --no-pager -o cat | tail -n 20
	journalctl -b -u sfb.service --no-pager -o cat |
		grep -Eq "^/etc/sfb/site.conf:$line:[0-9]+: error"
}
check "journalctl -u sfb: the error at /etc/sfb/site.conf:$line:COLUMN" error_in_journal
reload_failed() {
	systemctl status sfb.service --no-pager -l -n 0
	systemctl status sfb.service --no-pager -l -n 0 |
		grep -Eq 'ExecReload=.*code=exited, status=[1-9]'
}
check "systemctl status sfb shows the failed reload" reload_failed
check "sfb.service is still active" systemctl is-active sfb.service
same_ruleset() {
	local after
	after=$(sfbctl show 2>&1)
	[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); return 1; }
}
check "sfbctl show: the ruleset is unchanged" same_ruleset
nft reset counters table inet sfbmarks > /dev/null
ip netns exec sfb-s nft flush set inet sfbtest seen
traffic "after the failed reload"
check "xfrm bypass policies still in place" xfrm_ours
cp /root/site.conf.good /etc/sfb/site.conf
check "systemctl reload sfb with the site restored succeeds" systemctl reload sfb.service
same_but_generation() {	# show's first line gives the generation
	diff <(echo "$before" | sed 1d) <(sfbctl show 2>&1 | sed 1d)
}
check "sfbctl show: the same ruleset again, at a new generation" same_but_generation

# --- the kernel upgrade --------------------------------------------------
old=$(uname -r)
upgrade=/var/cache/sfb-upgrade
apt_upgrade() {	# its output, each line with the seconds since it started
	local t0=$SECONDS line rc
	# --force-unsafe-io: the guest's fsync of each of the headers' 17,000
	# files is TCG time spent on durability this test does not check.
	apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 \
		-o Dpkg::Options::=--force-unsafe-io "$upgrade"/*.deb 2>&1 |
		while IFS= read -r line; do
			printf '[%4d s] %s\n' $((SECONDS - t0)) "$line"
		done > "$share/apt-upgrade.log"
	rc=${PIPESTATUS[0]}
	tail -n 40 "$share/apt-upgrade.log"
	return "$rc"
}
start=$SECONDS
check "apt-get install linux-image-6.12-amd64 linux-headers-6.12-amd64, offline" apt_upgrade
note "time: the kernel upgrade, DKMS build included: $((SECONDS - start)) s"
new=$(ls /lib/modules | grep '^6\.12\.' | head -n 1)
note "kernels: $(ls /lib/modules | tr '\n' ' ')(running $old, new ${new:-none})"
check "dkms status: the kernel's install built sfb for ${new:-6.12} too" \
	dkms_installed "${new:-6.12}"
still_old() {	# nothing changed for the running kernel
	dkms_installed "$old" && systemctl is-active sfb.service &&
		test -d /sys/module/nf_sfb
}
check "sfb still installed and active on $old" still_old
# The boot loader would boot the newest kernel: the host does, from here.
boot_next() {
	mkdir -p "$share/boot" &&
		cp "/boot/vmlinuz-$new" "$share/boot/vmlinuz" &&
		cp "/boot/initrd.img-$new" "$share/boot/initrd.img" &&
		echo "$new" > "$share/boot/kernel-release"
}
check "the new kernel and its initramfs for the next boot" boot_next

[ "$failed" -eq 0 ] && echo reboot > "$SFBTEST_ACTION"
finish
