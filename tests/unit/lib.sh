# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the shell unit tests (not a test itself: not executable).
# They run from the repository root with SFBCTL set, exit 0 pass, 1 fail.

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
SITE=user/roles/example-site.conf
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# refused RC MESSAGE CMD...: CMD exits RC, prints nothing on standard
# output, and MESSAGE is a line of its standard error.
refused() {
	local want=$1 msg=$2 rc

	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "'$*' wrote to standard output: $(head -n 3 "$tmp/out")"
	grep -qxF -- "$msg" "$tmp/err" || fail "'$*' said: $(cat "$tmp/err")"
}
