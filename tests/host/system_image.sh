#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfb on a real Debian 12 system: the VM boots the system image
# (tools/system-image: systemd, Debian's kernel and headers, DKMS) from a
# qcow2 overlay, so the cached image stays as built, and its test agent
# runs one stage per boot from the 9p share "sfbtest":
#
#   boot 1  tests/system/stage1.sh: apt-get install the packages of
#           `make deb`, offline; DKMS builds nf_sfb; an enforcing
#           /etc/sfb/site.conf; reboot
#   boot 2  tests/system/stage2.sh, on 6.1: sfb.service active, nf_sfb
#           loaded by it; traffic through the gateway as the site says; a
#           broken reload fails and keeps the ruleset; then the kernel
#           upgrade: apt-get install Debian's 6.12 kernel and headers
#           (offline: the image carries the files), DKMS builds nf_sfb for
#           it; reboot into it
#   boot 3  tests/system/stage3.sh, on 6.12: the module DKMS built for it
#           loaded by sfb.service at boot, traffic enforced as before;
#           apt-get remove leaves no module (for either kernel), no xfrm
#           policy and no sysctl of sfb's; power off
#
# Each boot is a qemu of its own (TCG, 2 vCPUs on one host thread, 2 GiB,
# no network: apt works offline); a reboot by the guest ends one and
# starts the next. The packages are `make deb`'s, made first unless
# build/deb holds them and no source file is newer; the stages run the
# static build/selftests/sfb_echo in the guest's namespaces.
#
# Prints one line per check (ok / not ok, kselftest style) and what the
# parts cost; exits 0 if every check passed and no boot's kernel log shows
# a WARNING, BUG, Oops and the like, else 1. Needs root the first time
# (tools/system-image builds the image), then the cached image only.
#
# SFB_SYSTEM_TIMEOUT (default 3600) bounds the VMs' run in seconds;
# SFB_KEEP=1 keeps the run's directory (console logs, overlay, share).
cd "$(dirname "$0")/../.." || exit 1
timeout=${SFB_SYSTEM_TIMEOUT:-3600}
stages=3
start=$SECONDS

fail() {
	echo "not ok - $*"
	echo "# 0 passed, 1 failed"
	exit 1
}

for tool in qemu-system-x86_64 qemu-img timeout; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (tools/setup installs it)"
done

# The image: cached by its package list and recipe; cold, a few minutes.
t=$SECONDS
cached=
[ -e "$(tools/system-image --dir)/image.raw" ] && cached=1
img=$(tools/system-image --print-path) || fail "tools/system-image"
if [ -n "$cached" ]; then
	image_note="cached ($(sed -n 's/^files: //p' "$img/build.txt"))"
else
	image_note="built in $((SECONDS - t)) s: $(sed -n 's/^files: //p' "$img/build.txt")"
fi

# The packages: `make deb` unless build/deb has both and no source file
# is newer than them.
newest_deb() {
	ls -t build/deb/"$1"_*.deb 2>/dev/null | head -n 1
}
stale() {
	local deb
	for deb in "$(newest_deb sfb)" "$(newest_deb sfb-dkms)"; do
		[ -n "$deb" ] || return 0
		# What build-deb packs: git's files (tracked, or new and not ignored).
		git ls-files -z --cached --others --exclude-standard 2>/dev/null |
			xargs -0 -r sh -c 'for f; do [ "$f" -nt "$0" ] && { echo "$f"; break; }; done' "$deb" |
			grep -q . && return 0
	done
	return 1
}
t=$SECONDS
deb_note="up to date"
if stale; then
	# Under make check, not as one of its jobs: no jobserver to join.
	env -u MAKEFLAGS -u MFLAGS make -s deb > build/system-image-deb.log 2>&1 ||
		{ tail -n 40 build/system-image-deb.log | sed 's/^/# /'; fail "make deb"; }
	deb_note="made in $((SECONDS - t)) s"
fi
sfb_deb=$(newest_deb sfb)
dkms_deb=$(newest_deb sfb-dkms)
[ -n "$sfb_deb" ] && [ -n "$dkms_deb" ] || fail "make deb made no sfb and sfb-dkms packages"

# The static probe tools the stages run in the guest's namespaces.
probes="build/selftests/sfb_echo"
make -s $probes > /dev/null || fail "make $probes"

run=$(mktemp -d "${TMPDIR:-/var/tmp}/sfb-system-image.XXXXXX") || fail "mktemp"
if [ -n "${SFB_KEEP:-}" ]; then
	echo "# the run's files: $run"
else
	trap 'rm -rf "$run"' EXIT
fi
share=$run/share
mkdir -p "$share/debs" "$share/tools"
cp tests/system/lib.sh "$share/"
for ((i = 1; i <= stages; i++)); do
	cp "tests/system/stage$i.sh" "$share/"
done
cp "$sfb_deb" "$dkms_deb" "$share/debs/"
cp $probes "$share/tools/"
qemu-img create -q -f qcow2 -b "$img/image.raw" -F raw "$run/overlay.qcow2" ||
	fail "qemu-img create"

echo "# image: $img ($(cat "$img/kernel-release")), $image_note"
echo "# packages: $(basename "$sfb_deb") $(basename "$dkms_deb"), $deb_note"

# Under TCG, one qemu per boot on the same overlay: the guest's reboot
# (a reset) ends qemu (-no-reboot) and the loop starts the next boot when
# the agent said it reboots. Measured, the second boot after a reboot
# inside one qemu took 66 s to the agent, in a new qemu 19 s (TCG after a
# reset); and a boot that panics (panic=-1: a reset) cannot loop.
# The lockup and RCU stall detectors fire when the host starves a vCPU
# thread (make check runs three jobs on the host's CPUs: a boot with 23 s
# "soft lockups" in udev was seen): their thresholds are raised to 120 s,
# which a real lockup still crosses. The root is mounted read-only first,
# as Debian does, so that systemd-fsck-root checks it.
# The guest has two CPUs, emulated by one host thread (thread=single):
# multi-threaded TCG once let the 6.12 guest run a stale int3 of a jump
# label that another vCPU had just patched (a panic at a RIP one byte into
# the new NOP, in secure_tcp_seq_and_ts_off on the first TCP SYN), which
# the kernel's patching protocol rules out on real CPUs. Round-robin vCPUs
# cannot race on code; the host's two CPUs are busy with make check's
# other jobs anyway. no5lvl and no_timer_check: see tools/vm-run.
append="root=/dev/vda ro console=ttyS0 panic=-1 no5lvl no_timer_check"
append+=" watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120"
t=$SECONDS
deadline=$((SECONDS + timeout))
qrc=0
boot_secs=
for ((boot = 1; boot <= stages; boot++)); do
	left=$((deadline - SECONDS))
	[ "$left" -gt 0 ] || { qrc=124; break; }
	b=$SECONDS
	# The kernel a stage installed, if one did (the boot loader's choice).
	boot_dir=$img
	[ -s "$share/boot/vmlinuz" ] && boot_dir=$share/boot
	timeout -k 10 "$left" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -m 2048 -smp 2 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$boot_dir/vmlinuz" -initrd "$boot_dir/initrd.img" \
		-append "$append" \
		-drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
		-device virtio-rng-pci \
		-chardev "file,id=con,path=$run/console-$boot.log" -serial chardev:con \
		-virtfs "local,path=$share,mount_tag=sfbtest,security_model=none" \
		< /dev/null > "$run/qemu-$boot.log" 2>&1
	qrc=$?
	boot_secs+=" $((SECONDS - b))"
	[ "$qrc" -eq 0 ] || break
	[ "$(cat "$share/stage$boot.next" 2>/dev/null)" = reboot ] || break
done
vm_secs=$((SECONDS - t))
last=$boot
[ "$last" -le "$stages" ] || last=$stages

n=0 passed=0 failed=0
result() {	# result 0|1 WHAT
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
	fi
}

bad='WARNING:|BUG:|Oops|Kernel panic|general protection fault|detected stall|'
bad+='self-detected stall|KASAN:|UBSAN:|possible circular locking|'
bad+='suspicious RCU usage|possible recursive locking|inconsistent lock state|'
bad+='unreferenced object|blocked for more than'
timing=
for ((i = 1; i <= stages; i++)); do
	if [ ! -e "$share/stage$i.rc" ]; then
		result 1 "boot $i: the agent ran stage $i"
		break
	fi
	rc=$(cat "$share/stage$i.rc")
	before=$failed
	while IFS= read -r line; do
		if [[ $line =~ ^(not )?ok\ -\ (.*)$ ]]; then
			r=0
			[ -z "${BASH_REMATCH[1]}" ] || r=1
			result "$r" "boot $i: ${BASH_REMATCH[2]}"
		else
			echo "# ${line#\# }"
		fi
	done < "$share/stage$i.log"
	[ "$rc" = 0 ] || [ "$failed" -gt "$before" ] ||
		result 1 "boot $i: stage $i exited $rc"
	if grep -Eq "$bad" "$share/stage$i.dmesg" 2>/dev/null; then
		grep -E -A 20 "$bad" "$share/stage$i.dmesg" | head -n 40 | sed 's/^/# /'
		result 1 "boot $i: the kernel log is clean"
	else
		result 0 "boot $i: the kernel log is clean"
	fi
	if [ -s "$share/stage$i.journal" ]; then
		echo "# boot $i: the journal ends:"
		tail -n 30 "$share/stage$i.journal" | sed 's/^/#   /'
	fi
	read -r up _ < "$share/stage$i.uptime"
	set -- $boot_secs
	timing+=", boot $i ${!i:-?} s: to the agent ${up%.*} s,"
	timing+=" stage $(($(stat -c %Y "$share/stage$i.rc") - $(stat -c %Y "$share/stage$i.started"))) s"
done
case "$qrc" in
0) result 0 "the VM powered off when done" ;;
124|137) result 1 "the VM powered off when done (timed out after $timeout s)" ;;
*) result 1 "the VM powered off when done (qemu exited $qrc)" ;;
esac
if [ "$failed" -gt 0 ]; then
	echo "# the console of boot $last ends:"
	tail -n 40 "$run/console-$last.log" | sed 's/^/#   /'
	sed 's/^/# qemu: /' "$run/qemu-$last.log"
fi
echo "# time: VM $vm_secs s$timing; total $((SECONDS - start)) s"
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
