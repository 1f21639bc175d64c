#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Which kernel `make` builds kernel/nf_sfb.ko for, with two installed: the
# running kernel's, if it has headers; otherwise none, and the error
# lists the installed kernels. KVER= and KDIR= choose explicitly, over the
# running kernel. A uname on PATH plays the running kernel.
. "$(dirname "$0")/lib.sh"

k61=$(tools/kernel 6.1) && k612=$(tools/kernel 6.12) || fail "tools/kernel"
echo "6.1 is $k61, 6.12 is $k612"
dpkg-query -W -f '${Depends}' linux-image-amd64 | grep -q "linux-image-$k61 " ||
	fail "6.1 is not what linux-image-amd64 installs"

running() {	# running RELEASE: uname -r says RELEASE
	printf '#!/bin/sh\n[ "$1" = -r ] && echo %s && exit 0\nexec /bin/uname "$@"\n' \
		"$1" > "$work/uname"
	chmod +x "$work/uname"
}

build() {	# build MAKE-ARGS...: make module, with the shim
	PATH=$work:$PATH make -s --no-print-directory module "$@" > "$work/log" 2>&1
}

built_for() {	# built_for RELEASE: kernel/nf_sfb.ko is for RELEASE
	local got
	got=$(modinfo -F vermagic kernel/nf_sfb.ko | cut -d' ' -f1)
	[ "$got" = "$1" ] || fail "make $2: built for '$got', not $1"
	echo "make $2: built for $1"
}

refused() {	# refused WHAT: make failed, listed both kernels, built nothing
	[ ! -e kernel/nf_sfb.ko ] || fail "$1: built a module"
	grep -q '^installed kernels with headers:' "$work/log" &&
		grep -qx "  $k61" "$work/log" && grep -qx "  $k612" "$work/log" ||
		{ cat "$work/log"; fail "$1: no list of the installed kernels"; }
	echo "$1: refused, listing $k61 and $k612"
}

rm -f kernel/nf_sfb.ko
running 9.9.9-no-headers
build && fail "make built a module for a running kernel without headers"
refused "make, running kernel without headers"
build KVER=9.9.9-none && fail "make KVER=9.9.9-none built a module"
refused "make KVER=9.9.9-none"

running "$k612"
build || { cat "$work/log"; fail "make, running $k612"; }
built_for "$k612" "(running $k612)"
build KVER="$k61" || { cat "$work/log"; fail "make KVER=$k61"; }
built_for "$k61" "KVER=$k61 (running $k612)"
build KDIR="/lib/modules/$k612/build" || { cat "$work/log"; fail "make KDIR"; }
built_for "$k612" "KDIR=/lib/modules/$k612/build"
