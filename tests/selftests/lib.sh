# SPDX-License-Identifier: GPL-2.0
# Sourced by the selftests: they run as root inside tools/vm-run, from the
# repository's top directory, and exit with kselftest codes.

ksft_skip=4
SFBCTL=${SFBCTL:-$PWD/user/sfbctl}
MODULE=$PWD/kernel/nf_sfb.ko

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_rc RC CMD...: run CMD, fail unless it exits with RC
expect_rc() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want"
}

need() {
	command -v "$1" >/dev/null || fail "$1 is not installed (.ci/run installs it)"
}
