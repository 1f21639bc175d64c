#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every command's -j output against user/man/sfb-json.schema.json, with
# the validator tests/unit/json_schema_test.c builds (ASan): check
# of a valid and an invalid file, the error document of a failing command,
# -p (the same document, indented), a description that is not UTF-8; then
# show, stats, match (accept and drop) and version of a policy loaded with
# the nft backend in a private network namespace of this machine (unshare
# -rn). The validator parses exactly one document, so each output is one.
# A mutated document must fail: the schema holds the names, not only the
# syntax. tests/selftests/nft_backend.sh does the same with the module.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail, 4
# skip (no user namespaces: the part after loading needs one).

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
VALIDATE=${VALIDATE:-build/san/tests/json_schema_test}
SCHEMA=user/man/sfb-json.schema.json
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: json output: $*"
	exit 1
}

# valid DEF FILE: FILE is one document of the schema's DEF.
valid() {
	"$VALIDATE" "$SCHEMA" "$1" "$2" 2> "$tmp/why" ||
		fail "$2 is not a $1 document: $(cat "$tmp/why"): $(head -c 300 "$2")"
}

# run RC CMD...: CMD exits RC; its output is in $tmp/out, stderr $tmp/err.
run() {
	local want=$1 rc

	shift
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$tmp/err")"
}

[ -x "$VALIDATE" ] || fail "no validator $VALIDATE"
"$VALIDATE" "$SCHEMA" - /dev/null 2>/dev/null && fail "an empty output validates"

# check: valid, then pretty (the same document), then invalid.
run 0 "$SFBCTL" check -j user/roles/example-site.conf
valid check "$tmp/out"
[ "$(wc -l < "$tmp/out")" -eq 1 ] || fail "check -j is not one line"
cp "$tmp/out" "$tmp/compact"
run 0 "$SFBCTL" check --pretty user/roles/example-site.conf
valid check "$tmp/out"
[ "$(wc -l < "$tmp/out")" -gt 1 ] || fail "check -p is not indented"
[ "$(jq -c . "$tmp/out")" = "$(cat "$tmp/compact")" ] ||
	fail "check -p is not check -j's document"
printf 'role r "caf\351 \342\202" {\n\tservice s tcp 1 tcp\n}\nbind r 10.0.0.0/8\npolicy enforcer\n' \
	> "$tmp/bad.conf"
run 1 "$SFBCTL" check -j "$tmp/bad.conf"
valid check "$tmp/out"
jq -e '.valid == false and .errors == 1 and
	.diagnostics[0].severity == "error" and .diagnostics[0].line == 5' \
	"$tmp/out" > /dev/null || fail "check of an invalid file: $(cat "$tmp/out")"

# Not UTF-8: each such byte is U+FFFD, the rest kept.
sed -i '$d' "$tmp/bad.conf"
run 0 "$SFBCTL" check -j "$tmp/bad.conf"
valid check "$tmp/out"
[ "$(jq -r '.roles[0].description' "$tmp/out")" = "$(printf 'caf\357\277\275 \357\277\275\357\277\275')" ] ||
	fail "a Latin-1 byte: $(jq .roles "$tmp/out")"

# A failure with -j: one error document, and the same text on stderr.
run 2 "$SFBCTL" match -j tcp from 192.0.2.1 port 1 to nowhere port 2
valid error "$tmp/out"
[ "$(jq -r .error.message "$tmp/out")" = "$(cat "$tmp/err")" ] ||
	fail "the error document does not say what stderr did: $(cat "$tmp/out")"
[ "$(jq .error.exit "$tmp/out")" -eq 2 ] || fail "error.exit: $(cat "$tmp/out")"
run 2 "$SFBCTL" show -p extra
valid error "$tmp/out"
# Without -j, stdout stays empty.
run 2 "$SFBCTL" match tcp from 192.0.2.1 port 1 to nowhere port 2
[ ! -s "$tmp/out" ] || fail "an error without -j wrote to stdout"

# The validator rejects what breaks the schema.
jq -c '.marks.ipsec_exempt as $m | .marks |= (del(.ipsec_exempt) |
	.["ipsec-exempt"] = $m)' "$tmp/compact" > "$tmp/mutated"
"$VALIDATE" "$SCHEMA" check "$tmp/mutated" 2>/dev/null &&
	fail "a document with an old key validates"
jq -c '.roles[0].services = "1"' "$tmp/compact" > "$tmp/mutated"
"$VALIDATE" "$SCHEMA" check "$tmp/mutated" 2>/dev/null &&
	fail "a document with a string for a count validates"

# With a policy in force: the nft backend in a private namespace.
unshare -rn true 2>/dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
cat > "$tmp/site.conf" <<EOF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
mark media 0x1000
mark ipsec-exempt 0x2000
bind front-end 10.0.1.0/24
bind client 192.0.2.0/24
EOF
unshare -rn bash -s "$SFBCTL" "$tmp" > "$tmp/log" 2>&1 <<'NS' || fail "in the namespace: $(cat "$tmp/log")"
S=$1 tmp=$2
set -e
"$S" show -j > "$tmp/show-none.json" || true
"$S" load --backend nft "$tmp/site.conf"
"$S" show -j > "$tmp/show.json"
"$S" show -p > "$tmp/show-pretty.json"
"$S" stats -j > "$tmp/stats.json"
"$S" match -j tcp from 192.0.2.1 port 40000 to 10.0.1.5 port 5061 > "$tmp/accept.json"
"$S" match -p udp from 192.0.2.1 port 40000 to 10.0.1.5 port 9 > "$tmp/drop.json"
"$S" version -j > "$tmp/version.json" || true
NS
valid error "$tmp/show-none.json"
for c in show show-pretty stats version; do
	valid "${c%-pretty}" "$tmp/$c.json"
done
valid match "$tmp/accept.json"
valid match "$tmp/drop.json"
jq -e '.backend == "nft" and .marks == {"service": 0, "media": 4096,
	"ipsec_exempt": 8192}' "$tmp/show.json" > /dev/null ||
	fail "show: $(head -c 300 "$tmp/show.json")"
jq -e '.verdict == "accept" and .packet.dport == {"first": 5061, "last": 5061}
	and (.destination.roles | index("front-end"))' "$tmp/accept.json" > /dev/null ||
	fail "match, accepted: $(cat "$tmp/accept.json")"
jq -e '.verdict == "drop" and .source.roles == ["client"]' \
	"$tmp/drop.json" > /dev/null || fail "match, dropped: $(cat "$tmp/drop.json")"
jq -e '.ruleset.backend == "nft"' "$tmp/version.json" > /dev/null ||
	fail "version: $(cat "$tmp/version.json")"
jq -c '.roles[0].rules[0].ports = 5061' "$tmp/show.json" > "$tmp/mutated"
"$VALIDATE" "$SCHEMA" show "$tmp/mutated" 2>/dev/null &&
	fail "a port as a number validates"
echo "json output: check, show, stats, match, version and errors hold to the schema"
exit 0
