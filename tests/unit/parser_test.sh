#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The parser corpus: "sfbctl check" on every tests/parser/valid/*.conf must
# exit 0, on every tests/parser/invalid/*.conf exit 1, and print exactly the
# diagnostics listed in the file's "# expect: " lines, in order:
#
#   # expect: LINE:COL: error: MESSAGE        (in this file)
#   # expect: PATH:LINE:COL: note: MESSAGE    (elsewhere, e.g. an include)
#
# where @ROLES_DIR@ stands for the directory relative includes fall back
# to, the catalogue's as installed: $SFB_ROLES_DIR, by default the
# Makefile's ROLESDIR (/usr/share/sfb/roles).
#
# Optional golden files next to a case: NAME.stderr (the whole of stderr,
# source lines and carets included), NAME.csv and NAME.md (the output of
# export --format csv / markdown). An invalid file must not export either:
# nothing is half-accepted; except invalid/module-*.conf, files that only
# nf_sfb cannot hold (its limits, interface-only binds): check refuses
# them, as load would, and the reports still describe them. Any sanitizer
# report fails the case.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
ROLES_DIR=${SFB_ROLES_DIR:-/usr/share/sfb/roles}
CORPUS=tests/parser

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
	echo "FAIL: $1: $2"
	[ -s "$tmp/diff" ] && sed 's/^/    /' "$tmp/diff"
	: >"$tmp/diff"
	bad=1
}

sanitizer_clean() {
	! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"
}

run_case() {
	file=$1
	want_rc=$2
	base=${file%.conf}
	bad=0

	$SFBCTL check "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	sanitizer_clean "$tmp/err" || fail "$file" "sanitizer report: $(cat "$tmp/err")"
	[ "$rc" = "$want_rc" ] || fail "$file" "check exited $rc, expected $want_rc"

	sed -n "s|^# expect: ||; T; s|@ROLES_DIR@|$ROLES_DIR|g; p" "$file" |
	while IFS= read -r line; do
		case $line in
		[0-9]*) printf '%s:%s\n' "$file" "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done >"$tmp/want"
	grep -E '^([^ ]*: )?(error|warning|note): ' "$tmp/err" >"$tmp/got"
	diff -u "$tmp/want" "$tmp/got" >"$tmp/diff" ||
		fail "$file" "diagnostics differ from its '# expect:' lines"

	if [ -f "$base.stderr" ]; then
		diff -u "$base.stderr" "$tmp/err" >"$tmp/diff" ||
			fail "$file" "stderr differs from $base.stderr"
	fi

	$SFBCTL check -j "$file" >"$tmp/json" 2>/dev/null
	valid=$([ "$want_rc" = 0 ] && echo true || echo false)
	grep -q "^{\"file\":\"$file\",\"valid\":$valid," "$tmp/json" ||
		fail "$file" "check -j does not say \"valid\":$valid"

	# Under valgrind (tests/run-valgrind), the exports of an invalid file
	# fail in the parse check just ran: ASan's pass proves they do.
	[ -n "${SFB_UNDER_VALGRIND:-}" ] && [ "$want_rc" != 0 ] &&
		[ "${file##*/module-}" = "$file" ] && formats= || formats="csv md"
	for format in $formats; do
		$SFBCTL export --format "$([ $format = md ] && echo markdown || echo csv)" \
			"$file" >"$tmp/export" 2>"$tmp/err"
		rc=$?
		sanitizer_clean "$tmp/err" || fail "$file" "sanitizer report in export"
		if [ "$want_rc" != 0 ] && [ "${file##*/module-}" != "$file" ]; then
			[ "$rc" = 0 ] && [ -s "$tmp/export" ] ||
				fail "$file" "export of a file only nf_sfb refuses exited $rc"
		elif [ "$want_rc" != 0 ]; then
			[ "$rc" = 1 ] && [ ! -s "$tmp/export" ] ||
				fail "$file" "export of an invalid file exited $rc with output"
		elif [ -f "$base.$format" ]; then
			diff -u "$base.$format" "$tmp/export" >"$tmp/diff" ||
				fail "$file" "export differs from $base.$format"
		fi
	done

	if [ "$bad" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

for file in "$CORPUS"/valid/*.conf; do
	run_case "$file" 0
done
for file in "$CORPUS"/invalid/*.conf; do
	run_case "$file" 1
done

# The shipped files are part of the corpus too.
for file in user/roles/sfb2015.conf user/roles/example-site.conf; do
	if $SFBCTL check "$file" 2>"$tmp/err" && sanitizer_clean "$tmp/err" &&
	   ! grep -q ': error: ' "$tmp/err"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $file does not check cleanly"
		failed=$((failed + 1))
	fi
done

echo "parser corpus: $passed passed, $failed failed" \
     "($(ls "$CORPUS"/valid/*.conf | wc -l) valid," \
     "$(ls "$CORPUS"/invalid/*.conf | wc -l) invalid, 2 shipped)"
[ "$failed" = 0 ]
