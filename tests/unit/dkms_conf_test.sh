#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packaging/dkms.conf.in lets DKMS build nf_sfb for the kernels make check
# tests, every point release of Debian's 6.1 and 6.12, and for no other:
# BUILD_EXCLUSIVE_KERNEL, the expression Debian 12's dkms applies, is
# checked here against releases in and out of both series, the installed
# ones (tools/kernel) included; _MIN/_MAX name the same two series.
#
# Run from the repository root; exit 0 pass, 1 fail.

set -u
failed=0

# dkms sources the file, as bash, with the version filled in and its
# own variables set.
kernel_source_dir=/lib/modules/KVER/build dkms_tree=/var/lib/dkms
conf=$(sed 's/@VERSION@/0.0.0/' packaging/dkms.conf.in)
eval "$conf" || { echo "not ok - dkms.conf.in does not parse"; exit 1; }

builds() {	# builds RELEASE yes|no
	local got=no
	[[ $1 =~ $BUILD_EXCLUSIVE_KERNEL ]] && got=yes
	if [ "$got" = "$2" ]; then
		echo "ok - $1: DKMS builds: $got"
	else
		echo "not ok - $1: DKMS builds: $got, expected $2"
		failed=1
	fi
}

for k in 6.1 6.12; do
	rel=$(tools/kernel "$k" 2>/dev/null) && builds "$rel" yes
done
for rel in 6.1.0-57-amd64 6.1.0-99-cloud-amd64 6.1.192 6.1.0-rc7 \
		6.12.118+deb12-amd64 6.12.0-1-amd64 6.12.240+deb13-rt-amd64; do
	builds "$rel" yes
done
for rel in 5.10.0-30-amd64 6.0.12 6.2.0 6.10.11-amd64 6.11.0 6.13.0-1-amd64 \
		6.120.1 6.16.3+deb13-amd64 7.1.0 16.1.0 6.1 6.12; do
	builds "$rel" no
done

bounds="$BUILD_EXCLUSIVE_KERNEL_MIN $BUILD_EXCLUSIVE_KERNEL_MAX"
if [ "$bounds" = "6.1 6.12.999999" ]; then
	echo "ok - _MIN/_MAX: $bounds"
else
	echo "not ok - _MIN/_MAX: $bounds, expected 6.1 6.12.999999"
	failed=1
fi
exit "$failed"
