# SPDX-License-Identifier: GPL-2.0
# Sourced by the host tests: they run from the repository's root, `fail
# MESSAGE` ends one, and $work is a scratch directory, removed at exit.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

fail() {
	echo "FAIL: $*"
	exit 1
}

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
