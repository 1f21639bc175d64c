#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl report after a known traffic mix. In a network namespace of this
# machine (unshare -rn), the nft backend loads a site that binds the
# catalogue's director (six rules: T1.1+T1.38 merged, T1.41-T1.45) to
# 127.0.0.2; over lo go 3 SYNs to 5061/tcp, 2 datagrams to 1434/udp and 1
# SYN to 443/tcp (no listener: each is one packet). The report must list
# exactly those three rules as hit, with those counts and their rows, the
# other three as never hit, and the denied tuples of a hand-made events
# file (sfbctl monitor -j's format) with their counts and the denials the
# kernel suppressed, in text, markdown, CSV and JSON (schema-validated).
# Then the events file's errors and the options' misuse.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

. "$(dirname "$0")/lib.sh"
VALIDATE=${VALIDATE:-build/san/tests/json_schema_test}
SCHEMA=user/man/sfb-json.schema.json

unshare -rn true 2>/dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
[ -x "$VALIDATE" ] || fail "no validator $VALIDATE"
cat > "$tmp/site.conf" <<CONF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
bind director 127.0.0.2/32
CONF

# denial TIME PROTO DPORT ROLES SUPPRESSED: one line as sfbctl monitor -j writes it.
denial() {
	printf '{"denial":{"time":"%s","generation":%s,"packet":{"protocol":"%s","saddr":"198.51.100.7","sport":{"first":40000,"last":40000},"daddr":"127.0.0.2","dport":{"first":%s,"last":%s}},"roles":%s,"verdict":"drop","suppressed":%s}}\n' \
		"$1" 2 "$2" "$3" "$3" "$4" "$5"
}
{
	# Before the last load: only --since load leaves these out.
	denial 2026-12-06T09:00:00Z tcp 22 '["director"]' 0
	printf '{"ruleset":{"time":"2026-12-06T09:10:00.5Z","event":"load","generation":2}}\n'
	denial 2026-12-06T09:20:00.001Z tcp 5062 '["director"]' 0
	denial 2026-12-06T09:20:01Z tcp 5062 '["director"]' 4
	denial 2026-12-06T09:20:02Z udp 9999 '["director"]' 0
	denial 2026-12-06T09:30:00Z tcp 5062 '["director"]' 0
	denial 2026-12-06T09:30:01Z tcp 8080 '[]' 1
} > "$tmp/events"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare -rn bash -c '
	set -e
	ip link set lo up
	"$1" load --backend nft "$2" 2>/dev/null
	for i in 1 2 3; do { : < /dev/tcp/127.0.0.2/5061; } 2>/dev/null || true; done
	for i in 1 2; do echo x > /dev/udp/127.0.0.2/1434; done
	{ : < /dev/tcp/127.0.0.2/443; } 2>/dev/null || true
	cd "$3"
	"$1" report --events events "$2" > text
	"$1" report --events events --format markdown "$2" > md
	"$1" report --events events --since load --format csv "$2" > csv
	"$1" report -j --events - --since 2026-12-06T09:25:00Z --top 1 "$2" < events > json
	"$1" report -p "$2" > pretty
	"$1" report --top 0 --events events "$2" > top0
	"$1" report > norows 2> norows.err
	"$1" stats -z > /dev/null
	"$1" report -j "$2" > zeroed' sh "$SFBCTL" "$tmp/site.conf" "$tmp" \
	2> "$tmp/err" || fail "report: $(cat "$tmp/err")"

# Text: the three rows hit, the three never hit, aligned; the denials.
sed -n '/^rows hit:/,/^$/p' "$tmp/text" | sed '1,2d;/^$/d' | tr -s ' ' > "$tmp/hit"
cat > "$tmp/want" <<'EOF'
 director T1.1,T1.38 sql-browser service udp 1434 2 60
 director T1.44 web-compat-https service tcp 443 1 60
 director T1.45 sip-5061 service tcp 5061 3 180
EOF
diff -u "$tmp/want" "$tmp/hit" > "$tmp/diff" || fail "text, rows hit: $(cat "$tmp/diff")"
sed -n '/^rows never hit:/,/^$/p' "$tmp/text" | sed '1,2d;/^$/d' | tr -s ' ' > "$tmp/never"
cat > "$tmp/want" <<'EOF'
 director T1.41 sip-5060 service tcp 5060
 director T1.42 focus service tcp 444
 director T1.43 web-compat-http service tcp 80
EOF
diff -u "$tmp/want" "$tmp/never" > "$tmp/diff" || fail "text, never hit: $(cat "$tmp/diff")"
grep -q '^  ROLE      ROW         RULE              CLASS    PROTOCOL  PORTS  PACKETS  BYTES$' "$tmp/text" ||
	fail "text: the columns are not aligned: $(cat "$tmp/text")"
grep -qxF 'denied (role, protocol, port): from events: 6 denials in 4 tuples; 5 more denials were not itemised: the kernel suppressed their events (rate limit), so these counts are lower bounds.' "$tmp/text" ||
	fail "text: denial summary: $(cat "$tmp/text")"
sed -n '/^denied/,$p' "$tmp/text" | sed '1,2d' | tr -s ' ' > "$tmp/denied"
cat > "$tmp/want" <<'EOF'
 director tcp 5062 3
 - tcp 8080 1
 director tcp 22 1
 director udp 9999 1
EOF
diff -u "$tmp/want" "$tmp/denied" > "$tmp/diff" || fail "text, denied: $(cat "$tmp/diff")"
grep -qxF "source rows: $tmp/site.conf" "$tmp/text" || fail "text: role file: $(head -3 "$tmp/text")"
grep -qxE 'sfb report: table inet sfb \(nft\) ruleset, generation [0-9]+, policy enforce' "$tmp/text" ||
	fail "text: head: $(head -1 "$tmp/text")"

# Markdown: the same tables.
grep -qxF '| director | T1.45 | sip-5061 | service | TCP | 5061 | 3 | 180 |' "$tmp/md" ||
	fail "markdown: rows hit: $(cat "$tmp/md")"
[ "$(sed -n '/^## Rows hit/,/^## Rows never hit/p' "$tmp/md" | grep -c '^| director ')" = 3 ] ||
	fail "markdown: not 3 rows hit: $(cat "$tmp/md")"
[ "$(sed -n '/^## Rows never hit/,/^## Top denied/p' "$tmp/md" | grep -c '^| director ')" = 3 ] ||
	fail "markdown: not 3 rows never hit: $(cat "$tmp/md")"
grep -qxF '| director | T1.43 | web-compat-http | service | TCP | 80 |' "$tmp/md" ||
	fail "markdown: never hit: $(cat "$tmp/md")"
grep -qxF '|  | TCP | 8080 | 1 |' "$tmp/md" && fail "markdown: no dash for no role"
grep -qxF '| - | TCP | 8080 | 1 |' "$tmp/md" || fail "markdown: denied: $(cat "$tmp/md")"

# CSV, since the load event: the tcp 22 denial before it is out.
cat > "$tmp/want" <<'EOF'
record,role,rule,row,class,protocol,ports,packets,bytes
rule,director,sql-browser,"T1.1,T1.38",service,udp,1434,2,60
rule,director,sip-5060,T1.41,service,tcp,5060,0,0
rule,director,focus,T1.42,service,tcp,444,0,0
rule,director,web-compat-http,T1.43,service,tcp,80,0,0
rule,director,web-compat-https,T1.44,service,tcp,443,1,60
rule,director,sip-5061,T1.45,service,tcp,5061,3,180
denied,director,,,,tcp,5062,3,
denied,,,,,tcp,8080,1,
denied,director,,,,udp,9999,1,
not-itemised,,,,,,,5,
EOF
diff -u "$tmp/want" "$tmp/csv" > "$tmp/diff" || fail "csv: $(cat "$tmp/diff")"

# JSON, from standard input, since 09:25 (two denials), top 1: of the
# tuples denied as often, the first by roles, protocol and port.
for f in json pretty zeroed; do
	"$VALIDATE" "$SCHEMA" report "$tmp/$f" 2> "$tmp/why" ||
		fail "report -j ($f) is not a report document: $(cat "$tmp/why")"
done
[ "$(jq -c '[.rules[] | select(.packets > 0) | [.rows, .rule, .protocol, .ports.first, .packets]]' "$tmp/json")" = \
  '[[["T1.1","T1.38"],"sql-browser","udp",1434,2],[["T1.44"],"web-compat-https","tcp",443,1],[["T1.45"],"sip-5061","tcp",5061,3]]' ] ||
	fail "json: rules hit: $(cat "$tmp/json")"
[ "$(jq '[.rules[] | select(.packets == 0)] | length' "$tmp/json")" = 3 ] || fail "json: never hit"
[ "$(jq -c '.denied | [.file, .since, .denials, .not_itemised, .tuples, .top]' "$tmp/json")" = \
  '["-","2026-12-06T09:25:00Z",2,1,2,[{"roles":[],"protocol":"tcp","port":{"first":8080,"last":8080},"denials":1}]]' ] ||
	fail "json: denied: $(jq -c .denied "$tmp/json")"
[ "$(jq -c '[.backend, .policy, .role_file == "'"$tmp/site.conf"'", .denied]' "$tmp/pretty")" = '["nft","enforce",true,null]' ] ||
	fail "json: head: $(cat "$tmp/pretty")"
[ "$(wc -l < "$tmp/pretty")" -gt 1 ] || fail "-p is not indented"
# stats -z zeroes what report reads.
[ "$(jq '[.rules[] | select(.packets > 0)] | length' "$tmp/zeroed")" = 0 ] ||
	fail "report after stats -z: $(cat "$tmp/zeroed")"

grep -qxF '  ROLES     PROTOCOL  PORT  DENIALS' "$tmp/top0" && fail "--top 0 lists tuples: $(cat "$tmp/top0")"
grep -qF '6 denials in 4 tuples (the top 0 listed)' "$tmp/top0" || fail "--top 0: $(cat "$tmp/top0")"

# No role file: said, and no rows.
grep -qxF 'source rows: none (no role file)' "$tmp/norows" || fail "no role file: $(cat "$tmp/norows")"
grep -qF 'is not there: the report names no source rows' "$tmp/norows.err" ||
	fail "no role file not said: $(cat "$tmp/norows.err")"
grep -q 'T1\.' "$tmp/norows" && fail "rows without a role file: $(cat "$tmp/norows")"

# Events files that are not monitor -j's: FILE:LINE: error, exit 1, nothing out.
bad() {
	printf '%s\n' "$(head -1 "$tmp/events")" "$1" > "$tmp/bad"
	refused 1 "$tmp/bad:2: error: $2" "$SFBCTL" report --events "$tmp/bad" "$tmp/site.conf"
}
bad '{"denial":' 'not JSON: unexpected token near end of file'
bad '{"denial":{}' "not JSON: '}' expected near end of file"
bad '[1]' 'expected {"denial":{...}} or {"ruleset":{...}}, as sfbctl monitor -j writes'
bad "$(denial 2026-12-06 tcp 1 '[]' 0)" 'denial: no "time" in RFC 3339 UTC (such as 2026-12-06T09:30:00.123Z)'
bad "$(denial 2026-12-06T09:00:00Z sctp 1 '[]' 0)" 'denial: no packet "protocol" ("tcp" or "udp")'
bad "$(denial 2026-12-06T09:00:00Z tcp 65536 '[]' 0)" 'denial: no packet "sport" and "dport" ({"first":N,"last":M}, 0-65535)'
bad "$(denial 2026-12-06T09:00:00Z tcp 1 '[1]' 0)" 'denial: no "roles" (an array of role names)'
bad "$(denial 2026-12-06T09:00:00Z tcp 1 '[]' -1)" 'denial: no "suppressed" (a non-negative integer)'
bad "$(denial 2026-12-06T09:00:00Z tcp 1 '[]' 0 | sed 's/"drop"/"accept"/')" 'denial: no "verdict" ("drop" or "would-drop")'
bad '{"ruleset":{"time":"2026-12-06T09:00:00Z","generation":1}}' 'ruleset: no "event" (a string such as "load")'
refused 1 "sfb: report: $tmp/none: No such file or directory" "$SFBCTL" report --events "$tmp/none"

# Misuse: exit 2.
refused 2 "sfb: report: invalid --top 'x' (use 0-100000)" "$SFBCTL" report --top x
refused 2 "sfb: report: invalid --since 'yesterday' (use an RFC 3339 UTC time such as 2026-12-06T09:30:00Z, a date, or 'load')" \
	"$SFBCTL" report --events "$tmp/events" --since yesterday
refused 2 "sfb: report: --since selects events: give --events FILE" "$SFBCTL" report --since load
refused 2 "sfb: report: --events - and FILE - cannot both be standard input" \
	"$SFBCTL" report --events - -
refused 2 "sfb: report: unknown format 'json' (use text, markdown or csv; -j for JSON)" "$SFBCTL" report --format json
# With -j, the error is a JSON document too.
"$SFBCTL" report -j --format csv > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] && grep -qxF 'sfb: report: -j and --format are exclusive' "$tmp/err" &&
	"$VALIDATE" "$SCHEMA" error "$tmp/out" 2>/dev/null ||
	fail "-j --format: $(cat "$tmp/out" "$tmp/err")"
echo "report: rows hit and never hit, denied tuples, in text, markdown, csv and json"
