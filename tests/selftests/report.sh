#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sfbctl report after a known traffic mix through the gateway (nf_sfb,
# enforce): the catalogue's front-end at 192.0.2.10 gets 3 SYNs to
# 5061/tcp (T1.3), 2 datagrams to 1434/udp (T1.1 and T1.38, merged into one
# rule) and 1 to 50000/udp (the audio range, T1.39), and 2 SYNs to
# 9999/tcp, which it does not open. The report must list exactly those
# three rules as hit, with those packet counts and the UDP bytes, every
# other front-end rule as never hit, and, from an events file, the denied
# tuple with its count (from sfbctl monitor -j's record of the traffic,
# and from a file that says the kernel suppressed denials, with the
# denials not itemised); in text, CSV, markdown and JSON (schema-validated). Before the load it says "no
# ruleset is loaded", as stats does; after stats -z nothing is hit.
# Not on 6.12: the report is sfbctl's reading of counters and events that other tests check on 6.12; 6.1 runs it
. "$(dirname "$0")/lib.sh"
test_setup --topo --module
topo_server_addr 10

gw "$SFBCTL" report > "$work/none" || fail "report without a ruleset failed"
expect_eq "$(cat "$work/none")" "no ruleset is loaded" "report without a ruleset"
gw "$SFBCTL" report -j > "$work/none.json" || fail "report -j without a ruleset failed"
"$VALIDATE" user/man/sfb-json.schema.json report "$work/none.json" ||
	fail "report -j without a ruleset: $(cat "$work/none.json")"
expect_eq "$(jq -c . "$work/none.json")" '{"loaded":false}' "report -j without a ruleset"

report() {	# report NAME ARGS...: sfbctl report ARGS... into $work/NAME
	local name=$1
	shift
	gw "$SFBCTL" report "$@" "$work/site.conf" > "$work/$name" 2> "$work/$name.err" ||
		fail "report $*: $(cat "$work/$name.err")"
}

catalogue_site enforce "front-end 192.0.2.10/32" > "$work/site.conf"
# sfbctl monitor -j records the traffic's denials for the report; it
# listens once it has printed the site's load (lib.sh's monitor_start).
monitor_start "$NS_GW" live "$work/site.conf" -j
"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 5061 5061 5061 9999 9999 >/dev/null ||
	fail "tcp probes"
"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 1434 1434 50000 >/dev/null || fail "udp probes"
topo_sync
expect_eq "$(gw_dropped)" 2 "packets dropped"
wait_for 60 eval '[ "$(denials live)" -ge 2 ]' ||
	fail "monitor: $(denials live) denial events of 2"
monitor_stop live

# The monitor's events, below the rate: every denial itemised.
report live.txt --events "$work/live" --since load
sed -n '/^denied/,$p' "$work/live.txt" | sed -n 3p | tr -s ' ' > "$work/denied"
# The event names the roles of the destination: front-end's, and those
# it extends.
roles=$(gw "$SFBCTL" stats -j |
	jq -r '.targets[] | select(.roles | index("front-end")) | .roles | join(",")')
expect_eq "$(cat "$work/denied")" " $roles tcp 9999 2" "monitor's events: denied tuple"
grep -q 'not itemised' "$work/live.txt" && fail "monitor's events: denials not itemised"

# The same denials as a rate-limited kernel reports them: the second
# event says the kernel suppressed 3 denials before it. Written by hand
# in the monitor's format, so that the count is exact.
generation=$(gw "$SFBCTL" stats -j | jq .generation)
{
	printf '{"ruleset":{"time":"2026-12-06T09:00:00Z","event":"load","generation":%s}}\n' "$generation"
	for s in 0 3; do
		printf '{"denial":{"time":"2026-12-06T09:00:01.5Z","generation":%s,"packet":{"protocol":"tcp","saddr":"198.51.100.2","sport":{"first":40000,"last":40000},"daddr":"192.0.2.10","dport":{"first":9999,"last":9999}},"roles":["front-end"],"verdict":"drop","suppressed":%s}}\n' \
			"$generation" "$s"
	done
} > "$work/events"

report text --events "$work/events" --since load
report csv --events "$work/events" --format csv
report md --events - --format markdown < "$work/events"
report json -j --events "$work/events"

# Text: exactly the three rules hit, with their counts.
sed -n '/^rows hit:/,/^$/p' "$work/text" | sed '1,2d;/^$/d' | tr -s ' ' |
	cut -d' ' -f2-8 > "$work/hit"
cat > "$work/want" <<'EOF'
front-end T1.1,T1.38 sql-browser service udp 1434 2
front-end T1.39 audio media udp 49152-57500 1
front-end T1.3 sip-5061 service tcp 5061 3
EOF
diff -u "$work/want" "$work/hit" || fail "text: rows hit"
grep -q '^  ROLE  *ROW  *RULE  *CLASS  *PROTOCOL  *PORTS  *PACKETS  *BYTES$' "$work/text" ||
	fail "text: no table head: $(cat "$work/text")"
grep -qxF 'denied (role, protocol, port): from '"$work/events"', since its last load event: 2 denials in 1 tuple; 3 more denials were not itemised: the kernel suppressed their events (rate limit), so these counts are lower bounds.' \
	"$work/text" || fail "text: denied: $(sed -n '/^denied/,$p' "$work/text")"
sed -n '/^denied/,$p' "$work/text" | sed -n 3p | tr -s ' ' > "$work/denied"
expect_eq "$(cat "$work/denied")" " front-end tcp 9999 2" "text: denied tuple"

# CSV: every front-end rule of the catalogue once per protocol; three hit.
hit=$(grep -c '^rule,front-end,.*,[1-9][0-9]*,[0-9]*$' "$work/csv")
never=$(grep -c '^rule,front-end,.*,0,0$' "$work/csv")
expect_eq "$hit" 3 "csv: rules hit"
lines=$(gw "$SFBCTL" export --format csv --role front-end "$work/site.conf" 2>/dev/null |
	grep -c '^front-end,.*,\(service\|media\),')
expect_eq "$((hit + never))" "$lines" "csv: rules hit and never hit, against export"
grep -qxF 'rule,front-end,sql-browser,"T1.1,T1.38",service,udp,1434,2,62' "$work/csv" ||
	fail "csv: sql-browser: $(grep sql-browser "$work/csv")"
grep -qxF 'rule,front-end,audio,T1.39,media,udp,49152-57500,1,31' "$work/csv" ||
	fail "csv: audio: $(grep audio "$work/csv")"
grep -qxF 'rule,front-end,sip-5060,T1.2,service,tcp,5060,0,0' "$work/csv" ||
	fail "csv: sip-5060 is not never hit: $(grep sip-5060 "$work/csv")"
grep -qxF 'denied,front-end,,,,tcp,9999,2,' "$work/csv" || fail "csv: denied: $(cat "$work/csv")"
grep -qxF 'not-itemised,,,,,,,3,' "$work/csv" || fail "csv: not itemised"

# Markdown, events from standard input.
grep -qE '^\| front-end \| T1\.3 \| sip-5061 \| service \| TCP \| 5061 \| 3 \| [0-9]+ \|$' "$work/md" ||
	fail "markdown: rows hit: $(cat "$work/md")"
grep -qxF '| front-end | TCP | 9999 | 2 |' "$work/md" || fail "markdown: denied: $(cat "$work/md")"

# JSON.
"$VALIDATE" user/man/sfb-json.schema.json report "$work/json" ||
	fail "report -j: $(cat "$work/json")"
expect_eq "$(jq -c '[.backend, .policy, .generation == '"$generation"']' "$work/json")" \
	'["module","enforce",true]' "json: head"
expect_eq "$(jq -c '[.rules[] | select(.packets > 0) | [.rows, .rule, .protocol, .packets]]' "$work/json")" \
	'[[["T1.1","T1.38"],"sql-browser","udp",2],[["T1.39"],"audio","udp",1],[["T1.3"],"sip-5061","tcp",3]]' \
	"json: rules hit"
expect_eq "$(jq -c '.denied | [.denials, .not_itemised, .tuples, .top[0].denials, .top[0].port.first]' "$work/json")" \
	'[2,3,1,2,9999]' "json: denied"

# stats -z: the report counts from there.
gw "$SFBCTL" stats -z > /dev/null || fail "stats -z"
report zeroed -j
expect_eq "$(jq '[.rules[] | select(.packets > 0)] | length' "$work/zeroed")" 0 "rules hit after stats -z"
echo "report: 3 rules hit (T1.1+T1.38, T1.39, T1.3) with the probes' counts, the rest never hit, 1 denied tuple; text, csv, markdown, json"
