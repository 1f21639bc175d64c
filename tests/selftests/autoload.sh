#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl load (and load --check) loads nf_sfb when it is not loaded, with
# nf_conntrack and the rest of what it depends on, as modprobe would: the
# kernel tries the module of the family's alias, then sfbctl loads it
# through libkmod, which is tested alone with the kernel's modprobe turned
# off. When it cannot, one line says why and the exit status is 3: not
# installed for the running kernel, blacklisted, no privilege. The read
# commands and flush never load it, although the kernel would.
#
# The VM's / is the host's, read-only: nf_sfb is "installed" in a modules
# tree on tmpfs bound over /lib/modules, next to what it depends on copied
# from the host's tree, indexed by depmod. The debug kernel has no tree of
# its own and builds nf_conntrack in: its tree holds nf_sfb alone.
# Not on the debug kernel: its kernel work is module_load's, nf_sfb's init and exit; the rest is libkmod's and sfbctl's
. "$(dirname "$0")/lib.sh"
test_setup depmod genl setpriv

kver=$(uname -r)
tree=$work/tree/lib/modules
blacklist=/run/modprobe.d/sfb-autoload-test.conf
modprobe_path=$(cat /proc/sys/kernel/modprobe)
mounted=
NS=$TEST_NS-x
defer 'echo "$modprobe_path" > /proc/sys/kernel/modprobe; rm -f "$blacklist"
	[ -z "$mounted" ] || umount /lib/modules'
ns() { "$NETNS" "$NS" "$@"; }

loaded() { [ -d /sys/module/nf_sfb ]; }

# unload MOD: remove a loaded module, the modules using it first; a
# built-in one (no initstate) stays.
unload() {
	local h
	[ -e "/sys/module/$1/initstate" ] || return 0
	for h in "/sys/module/$1/holders/"*; do
		[ ! -e "$h" ] || unload "${h##*/}" || return 1
	done
	rmmod "$1"
}

unload_all() {
	unload nf_sfb || fail "rmmod nf_sfb"
	unload nf_conntrack || fail "rmmod nf_conntrack"
}

# expect_fail WHAT LINE CMD...: CMD exits 3, prints LINE alone on stderr
# and nothing on stdout, and nf_sfb is still not loaded.
expect_fail() {
	local what=$1 line=$2 rc
	shift 2
	"$@" > "$work/out" 2> "$work/err"
	rc=$?
	[ "$rc" -eq 3 ] || fail "$what: exited $rc, expected 3 ($(cat "$work/err"))"
	[ ! -s "$work/out" ] || fail "$what: printed $(cat "$work/out")"
	expect_eq "$(cat "$work/err")" "$line" "$what: stderr"
	! loaded || fail "$what: nf_sfb was loaded"
}

# The installed module, then no module loaded.
mkdir -p "$tree/$kver/updates"
cp "$MODULE" "$tree/$kver/updates/" || fail "copy $MODULE"
for dep in $(modinfo -F depends "$MODULE" | tr , ' '); do
	modprobe --show-depends "$dep" > "$work/deps" ||
		fail "modprobe --show-depends $dep"
	for ko in $(awk '$1 == "insmod" { print $2 }' "$work/deps"); do
		rel=${ko#/lib/modules/$kver/}
		mkdir -p "$tree/$kver/${rel%/*}" && cp "$ko" "$tree/$kver/$rel" ||
			fail "copy $ko"
	done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	if [ -e "/lib/modules/$kver/$f" ]; then
		cp "/lib/modules/$kver/$f" "$tree/$kver/"
	else
		touch "$tree/$kver/$f"
	fi
done
depmod -b "$work/tree" "$kver" || fail "depmod"
"$SFBCTL" flush > /dev/null || fail "flush before unloading"
unload_all
mount --bind "$tree" /lib/modules || fail "mount the modules tree"
mounted=1
echo "nf_sfb installed for $kver: $(cd "$tree/$kver" && find . -name '*.ko' | wc -l) modules"

ip netns add "$NS" || fail "ip netns add"
cat > "$work/site.conf" <<EOF
policy monitor
role fe "front end" {
	service sip tcp 5061 tls
}
bind fe 192.0.2.10/32
EOF
chmod 755 "$work"
chmod 644 "$work/site.conf"

# The read commands and flush look for the family without the kernel's
# alias request: the module stays out although it is installed.
missing="sfb: generic netlink family not found (is nf_sfb loaded?)"
for cmd in show stats \
	   "match tcp from 198.51.100.7 port 40000 to 192.0.2.10 port 5061"; do
	# shellcheck disable=SC2086 # the words of $cmd
	"$SFBCTL" $cmd > /dev/null 2> "$work/err"
	rc=$?
	[ "$rc" -eq 3 ] || fail "$cmd: exited $rc, expected 3"
	expect_eq "$(cat "$work/err")" "$missing" "$cmd: stderr"
	! loaded || fail "$cmd loaded nf_sfb"
done
"$SFBCTL" version > "$work/out" 2>&1 || fail "version without the module"
grep -qx 'nf_sfb: not loaded' "$work/out" || fail "version said: $(cat "$work/out")"
! loaded || fail "version loaded nf_sfb"
ns "$SFBCTL" flush > "$work/out" 2>&1 || fail "flush without the module"
[ ! -s "$work/out" ] || fail "flush without the module said: $(cat "$work/out")"
! loaded || fail "flush loaded nf_sfb"
# ... while asking for the family by name loads it.
genl ctrl get name sfb > /dev/null || fail "the kernel did not load the alias"
loaded || fail "genl ctrl get: nf_sfb not loaded"
unload_all
echo "show, stats, match, version and flush: exit 3, 3, 3, 0, 0, nothing loaded"

# sfbctl's own way: the kernel cannot load anything.
echo /bin/false > /proc/sys/kernel/modprobe
ns "$SFBCTL" load "$work/site.conf" > "$work/out" 2>&1 ||
	fail "load with libkmod: $(cat "$work/out")"
[ ! -s "$work/out" ] || fail "load said: $(cat "$work/out")"
loaded || fail "load: nf_sfb not loaded"
[ -d /sys/module/nf_conntrack ] || fail "load: nf_conntrack not loaded"
ns "$SFBCTL" show | grep -qx 'bind fe 192.0.2.10/32' || fail "show after the load"
echo "load through libkmod: nf_sfb and nf_conntrack loaded, ruleset in force"
ns "$SFBCTL" flush || fail "flush"
unload_all

expect_fail "load without privileges" \
	"sfb: cannot load nf_sfb: permission denied (loading a module needs CAP_SYS_MODULE)" \
	ns setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SFBCTL" load --backend module "$work/site.conf"
echo "without privileges: $(cat "$work/err")"

# The kernel's way back, and --check.
echo "$modprobe_path" > /proc/sys/kernel/modprobe
ns "$SFBCTL" load --check "$work/site.conf" > "$work/out" 2>&1 ||
	fail "load --check: $(cat "$work/out")"
loaded || fail "load --check: nf_sfb not loaded"
[ -d /sys/module/nf_conntrack ] || fail "load --check: nf_conntrack not loaded"
[ "$(ns "$SFBCTL" show)" = "# no ruleset is loaded" ] ||
	fail "load --check loaded a ruleset"
unload_all
echo "load --check: nf_sfb and nf_conntrack loaded, no ruleset"

mkdir -p "${blacklist%/*}"
echo "blacklist nf_sfb" > "$blacklist"
expect_fail "blacklisted" \
	"sfb: cannot load nf_sfb: it is blacklisted in modprobe.d (modprobe nf_sfb loads it anyway)" \
	ns "$SFBCTL" load --backend module "$work/site.conf"
rm "$blacklist"
echo "blacklisted: $(cat "$work/err")"

umount /lib/modules || fail "umount"
mounted=
expect_fail "not installed" \
	"sfb: cannot load nf_sfb: module not found for kernel $kver (install sfb-dkms, or make install)" \
	ns "$SFBCTL" load --backend module "$work/site.conf"
echo "not installed: $(cat "$work/err")"

# --backend auto, the default: nf_sfb if it loads, else table inet sfb,
# saying why and which.
ns "$SFBCTL" load "$work/site.conf" > "$work/out" 2> "$work/err" ||
	fail "auto: $(cat "$work/err")"
printf '%s\n' \
	"sfb: cannot load nf_sfb: module not found for kernel $kver (install sfb-dkms, or make install)" \
	"sfb: using the nft backend: the policy goes to table inet sfb" |
	diff -u - "$work/err" >&2 || fail "auto: what load said"
! loaded || fail "auto: nf_sfb was loaded"
ns nft list table inet sfb > /dev/null || fail "auto: no table inet sfb"
ns "$SFBCTL" version | tail -1 |
	grep -Eqx 'policy: table inet sfb \(nft backend\), generation [0-9]+' ||
	fail "auto: version says $(ns "$SFBCTL" version | tail -1)"
ns "$SFBCTL" show | head -1 |
	grep -Eqx '# table inet sfb \(nft backend\), generation [0-9]+' ||
	fail "auto: show says $(ns "$SFBCTL" show | head -1)"
ns "$SFBCTL" flush || fail "auto: flush"
! ns nft list table inet sfb 2> /dev/null || fail "auto: flush left table inet sfb"
echo "auto: table inet sfb, as load said; version and show name it; flush removes it"
