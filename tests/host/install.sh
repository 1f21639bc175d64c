#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install DESTDIR=...` installs exactly the files README.md lists
# (between the "install-files" markers), with the unit pointing at the
# installed sfbctl; a second install keeps the admin's site file; `make
# uninstall` removes everything but that site file; PREFIX moves the
# tool and the unit follows it.
. "$(dirname "$0")/lib.sh"

# For 6.12, named as an admin does for a kernel other than the running one.
kver=$(tools/kernel 6.12) || fail "tools/kernel 6.12"
# modules_install compresses the module as the kernel does its own.
xz=
! grep -qx CONFIG_MODULE_COMPRESS_XZ=y "/lib/modules/$kver/build/.config" || xz=.xz

# The documented list, for this kernel.
sed -n '/<!-- install-files -->/,/<!-- \/install-files -->/p' README.md |
	sed -n 's/^    \(\/[^ ]*\).*/\1/p' | sed "s/KVER/$kver/; s/\[\(\.xz\)\]\$/$xz/" |
	sort > "$work/want"
[ "$(wc -l < "$work/want")" -ge 8 ] || fail "README lists $(wc -l < "$work/want") files"

installed() {	# installed ROOT: the files under ROOT, as absolute paths
	(cd "$1" && find . ! -type d | sed 's/^\.//' | sort)
}

make -s install DESTDIR="$work/root" KVER="$kver" > "$work/log" 2>&1 ||
	{ cat "$work/log"; fail "make install"; }
installed "$work/root" > "$work/got"
diff -u "$work/want" "$work/got" || fail "installed files differ from README.md's list"
echo "make install: the $(wc -l < "$work/want") files README.md lists"

unit=$work/root/lib/systemd/system/sfb.service
grep -qx 'ExecStart=/usr/sbin/sfbctl load --sysctl /etc/sfb/site.conf' "$unit" ||
	fail "sfb.service: $(grep ExecStart "$unit")"
! grep -q @ "$unit" || fail "sfb.service: unsubstituted $(grep @ "$unit")"
cmp -s "$work/root/usr/sbin/sfbctl" user/sfbctl || fail "sfbctl differs from user/sfbctl"
modinfo -F version "$work/root/lib/modules/$kver/updates/kernel/nf_sfb.ko$xz" |
	grep -qx "$(tools/version)" || fail "the module's version is not $(tools/version)"

echo "# edited by the admin" >> "$work/root/etc/sfb/site.conf"
make -s install-user DESTDIR="$work/root" > "$work/log" 2>&1 ||
	{ cat "$work/log"; fail "make install-user again"; }
tail -n 1 "$work/root/etc/sfb/site.conf" | grep -qx '# edited by the admin' ||
	fail "a second install replaced the admin's site.conf"
echo "a second install keeps the admin's site.conf"

make -s uninstall DESTDIR="$work/root" KVER="$kver" > "$work/log" 2>&1 ||
	{ cat "$work/log"; fail "make uninstall"; }
left=$(installed "$work/root")
[ "$left" = /etc/sfb/site.conf ] || fail "left after uninstall: $left"
echo "make uninstall: only the admin's site.conf is left"

# Another PREFIX rebuilds sfbctl (it reads the catalogue from there): in
# a copy of the tree, not under the selftests running from this one.
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$work/src"
make -s -C "$work/src" install-user DESTDIR="$work/local" PREFIX=/usr/local \
	VERSION="$(tools/version)" > "$work/log" 2>&1 ||
	{ cat "$work/log"; fail "make install-user PREFIX=/usr/local"; }
[ -x "$work/local/usr/local/sbin/sfbctl" ] || fail "PREFIX=/usr/local: no sbin/sfbctl"
grep -qx 'ExecStart=/usr/local/sbin/sfbctl load --sysctl /etc/sfb/site.conf' \
	"$work/local/lib/systemd/system/sfb.service" || fail "PREFIX=/usr/local: unit"
[ -f "$work/local/usr/local/share/sfb/roles/sfb2015.conf" ] ||
	fail "PREFIX=/usr/local: no catalogue"
echo "PREFIX=/usr/local: the unit runs /usr/local/sbin/sfbctl"
