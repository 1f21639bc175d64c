#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# export --role: the report about some roles is exactly the whole report's
# lines for those roles (and the ipsec-exempt rules from any to any, which
# apply to every role), in the same order; markdown holds only their
# sections; a name that is not a role is an error with a suggestion and
# nothing on standard output.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

. "$(dirname "$0")/lib.sh"

"$SFBCTL" export --format csv "$SITE" > "$tmp/all" || fail "export"
"$SFBCTL" export --format csv --role front-end-cms --role=client "$SITE" \
	> "$tmp/some" || fail "export --role"
{
	head -n 1 "$tmp/all"
	grep -E '^(front-end-cms|client|any),' "$tmp/all"
} > "$tmp/want"
cmp -s "$tmp/want" "$tmp/some" || {
	diff -u "$tmp/want" "$tmp/some"
	fail "csv for two roles is not their lines of the whole report"
}
[ "$(wc -l < "$tmp/some")" -gt 10 ] || fail "too few lines: $(wc -l < "$tmp/some")"

"$SFBCTL" export --format markdown --role director "$SITE" > "$tmp/md" ||
	fail "export --format markdown --role"
grep -qx '### director' "$tmp/md" || fail "markdown: no director section"
[ "$(grep -c '^### ' "$tmp/md")" -eq 1 ] || fail "markdown: other roles' sections"
grep -qx '| director | 192.0.2.32/29, 2001:db8:0:20::/64 |  |' "$tmp/md" ||
	fail "markdown: director's binding"
! grep -q '^| front-end' "$tmp/md" || fail "markdown: another role's binding"

"$SFBCTL" export --format csv --role frontend "$SITE" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "unknown role: exit $rc, expected 1"
[ ! -s "$tmp/out" ] || fail "unknown role: something on stdout"
grep -qx "sfb: export: $SITE defines no role 'frontend'; did you mean 'front-end'?" \
	"$tmp/err" || fail "unknown role: $(cat "$tmp/err")"
echo "export --role: csv and markdown for the roles named, unknown names refused"
