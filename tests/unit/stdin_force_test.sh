#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# FILE "-" is standard input, as in nft -f -: check, export and load -c
# read it, diagnostics name it /dev/stdin, and its relative includes
# resolve against the current directory. And load refuses a file that
# binds no address while a policy is in force, unless --force: with the
# nft backend, natively in a network namespace of our own (unshare -rn).
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail, 4 skip.

set -u
SFBCTL=$(realpath "${SFBCTL:-build/san/sfbctl}")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# The corpus through standard input: the same verdict and diagnostics,
# under the name /dev/stdin; run from the file's directory, so that its
# relative includes resolve as they do for the file. The valid files, and
# of the invalid ones those whose diagnostics echo odd bytes or come from
# an include or a lexer error: reading - is one path whatever the file
# says (and the whole corpus twice over took 945 s under valgrind).
for file in tests/parser/valid/*.conf \
	    tests/parser/invalid/{echo,include,lex}-*.conf; do
	dir=${file%/*} base=${file##*/}
	(cd "$dir" && "$SFBCTL" check "$base") > /dev/null 2> "$tmp/want"
	want=$?
	(cd "$dir" && "$SFBCTL" check - < "$base") > /dev/null 2> "$tmp/got"
	got=$?
	[ "$got" = "$want" ] || fail "check - < $file exited $got, check $file $want"
	sed "s|^$base:|/dev/stdin:|" "$tmp/want" | diff -u - "$tmp/got" > "$tmp/diff" ||
		fail "check - < $file: $(cat "$tmp/diff")"
done
echo "check -: the parser corpus, as /dev/stdin"

# Through a pipe, which has no size to stat.
printf 'role a "A" {\n\tservice web tcp 443 https\n}\nbind a 192.0.2.1\n' > "$tmp/site.conf"
cat "$tmp/site.conf" | "$SFBCTL" export --format csv - > "$tmp/csv" ||
	fail "export --format csv - failed"
"$SFBCTL" export --format csv "$tmp/site.conf" | cmp -s - "$tmp/csv" ||
	fail "export of - differs from export of the file"
echo "export -: the same as of the file"

command -v unshare > /dev/null || { echo "SKIP: no unshare"; exit 4; }
unshare -rn true 2> /dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
printf '# nothing bound\n' > "$tmp/empty.conf"
unshare -rn bash -s "$SFBCTL" "$tmp" > "$tmp/log" 2>&1 <<'NS'
set -u
SFBCTL=$1 tmp=$2
load() { "$SFBCTL" load --backend nft "$@"; echo "rc=$?"; }
trap '"$SFBCTL" flush --backend nft' EXIT
load -c - < "$tmp/site.conf"
nft list table inet sfb > /dev/null 2>&1 && echo "load -c - left a table"
load - < "$tmp/empty.conf"		# nothing in force: nothing to lose
load - < "$tmp/site.conf"
load "$tmp/empty.conf"
load -c "$tmp/empty.conf"		# changes nothing: no refusal
nft list table inet sfb | grep -c 192.0.2.1
load --force "$tmp/empty.conf"
nft list table inet sfb | grep -c 192.0.2.1
NS
cat > "$tmp/want" <<EOF2
rc=0
rc=0
rc=0
sfb: $tmp/empty.conf binds no address: it would replace table inet sfb with a policy that enforces nothing; use --force to load it anyway
rc=1
rc=0
1
rc=0
0
EOF2
diff -u "$tmp/want" "$tmp/log" > "$tmp/diff" || fail "load --backend nft: $(cat "$tmp/diff")"
echo "load -: -c and a load from standard input; an empty file needs --force"
