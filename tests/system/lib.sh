# SPDX-License-Identifier: GPL-2.0
# Sourced by the stages tests/host/system_image.sh runs in the Debian 12
# system image (tools/system-image), as root, from the 9p share: the sfb
# packages and the static probe tools are in the share's directory.
# Each check prints "ok - WHAT" or "not ok - WHAT" (the host numbers them);
# other lines are comments.

share=${SFBTEST:-$PWD}
tools=$share/tools
failed=0

# check WHAT CMD...: run CMD, its output kept only if it fails
check() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failed=$((failed + 1))
		[ -z "$out" ] || printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
		echo "    (exit $rc)"
	fi
	return "$rc"
}

# note TEXT: a line for the host's account
note() {
	echo "# $*"
}

# The stage fails if any check did.
finish() {
	[ "$failed" -eq 0 ] || { note "$failed check(s) failed"; exit 1; }
	exit 0
}

# The site the stages install, in enforce mode, on the catalogue included
# as the shipped site.conf does (by name: from /usr/share/sfb/roles).
# Roles at addresses of the server namespace (front-end; edge-av-internal,
# which exists for its IPsec exceptions) and the client's prefix; marks for
# every class, so the classification is visible to nftables and sfbctl
# installs xfrm bypass policies (the exceptions of edge-av-internal and of
# the clients' narrowed media range).
site_conf() {
	cat <<'EOF'
# /etc/sfb/site.conf: written by the sfb system image test
include "sfb2015.conf"
policy enforce
mark service 0x100
mark media 0x200
mark ipsec-exempt 0x400
override media-range client-media 50000-50039
bind front-end 192.0.2.10/32
bind edge-av-internal 192.0.2.20/32
bind client 198.51.100.0/24
EOF
}

# What the probes expect of that site, "PROTO PORT VERDICT CLASS" to the
# front-end: per class one port let through and one dropped. 5061 is
# SIP/TLS, 5069 a Mediation port the front-end does not have; the
# front-end terminates audio in 49152-57500, 49151 is just below it (and
# below video and application sharing).
probes() {
	cat <<'EOF'
tcp 5061 pass service
tcp 5069 drop service
udp 50000 pass media
udp 49151 drop media
EOF
}
