#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Denial events and sfbctl monitor: every probe of a scan of closed ports
# below the rate is exactly one event, with the right fields, in text and
# in JSON (held to the schema); loads and flushes are events too. Above
# the rate the events are capped, and events + events_suppressed equal
# the denials exactly. Monitor mode reports would-drops. Joining the
# group needs CAP_NET_ADMIN over the network namespace (sfbctl monitor
# exits 4, a raw join gets EPERM), and a listener hears only its own
# namespace.
. "$(dirname "$0")/lib.sh"
test_setup --topo --module setpriv unshare
topo_server_addr 10
SCHEMA=$PWD/user/man/sfb-json.schema.json
NS_O=$TEST_NS-other

# site MODE [LOG_RATE]: front-end on 192.0.2.10, whose UDP ports 2000-2199
# and TCP ports 7000-7009 no rule opens.
site() {
	catalogue_site "$1" "front-end 192.0.2.10/32"
	echo "mark ipsec-exempt 0x100"	# else load warns that none is set
	[ -z "${2:-}" ] || echo "policy log-rate $2"
}

# validate NAME DEF: every line of NAME that is a DEF holds to the schema
validate() {
	local line key=${2#monitor_}
	while IFS= read -r line; do
		[[ $line == "{\"$key\":"* ]] || continue
		echo "$line" | "$VALIDATE" "$SCHEMA" "$2" ||
			fail "$1: a line is no $2: $line"
	done < "$work/$1"
}

# scan FORMAT: a line per probe of the scan below, FORMAT given the
# protocol and the port twice (%.0s skips one)
scan() {
	local proto p
	for proto in udp tcp; do
		for p in $(if [ $proto = udp ]; then seq 2000 2019; else seq 7000 7004; fi); do
			# shellcheck disable=SC2059 # the format is the argument
			printf "$1\n" $proto $p $p
		done
	done
}

# 1. A scan below the rate, in enforce mode: one event per probe.
site enforce > "$work/enforce.conf"
monitor_start "$NS_GW" text "$work/enforce.conf"
monitor_start "$NS_GW" json "$work/enforce.conf" -j
gen=$(gw "$NL" generation)
# The roles of the target 192.0.2.10 is: front-end's and those it extends.
roles=$(gw "$SFBCTL" stats -j |
	jq -r '.targets[] | select(.roles | index("front-end")) | .roles | join(",")')
: > "$work/text"
: > "$work/json"
"$NETNS" "$NS_C" "$PROBE" -s 40000 udp 192.0.2.10 2000-2019 >/dev/null || fail "probe udp"
"$NETNS" "$NS_C" "$PROBE" -s 40000 tcp 192.0.2.10 7000-7004 >/dev/null || fail "probe tcp"
topo_sync
wait_for 60 eval '[ "$(denials text)" -ge 25 ] && [ "$(denials json)" -ge 25 ]' ||
	fail "denial events: $(denials text) text, $(denials json) JSON of 25"

gw "$SFBCTL" load "$work/enforce.conf" >/dev/null || fail "reload"
gw "$SFBCTL" flush >/dev/null || fail "flush"
wait_for 60 has_line "$work/text" "flush generation $((gen + 2))"$'\n' ||
	fail "no flush event: $(cat "$work/text")"
wait_for 60 has_line "$work/json" '\{"ruleset":.*"flush"' || fail "no JSON flush event"
monitor_stop text
monitor_stop json

{
	scan "drop %s 198.51.100.2 port 40000 -> 192.0.2.10 port %s%.0s to $roles (generation $gen)"
	echo "load generation $((gen + 1))"
	echo "flush generation $((gen + 2))"
} | sort > "$work/text.want"
sort "$work/text" > "$work/text.got"
diff -u "$work/text.want" "$work/text.got" || fail "text events differ"

validate json monitor_denial
validate json monitor_ruleset
jq -r 'if .denial then .denial |
	"\(.verdict) \(.packet.protocol) \(.packet.saddr) \(.packet.sport.first)-\(.packet.sport.last) \(.packet.daddr) \(.packet.dport.first)-\(.packet.dport.last) \(.roles | join(",")) \(.generation) \(.suppressed)"
	else .ruleset | "\(.event) \(.generation)" end' "$work/json" | sort > "$work/json.got"
{
	scan "drop %s 198.51.100.2 40000-40000 192.0.2.10 %s-%s $roles $gen 0"
	echo "load $((gen + 1))"
	echo "flush $((gen + 2))"
} | sort > "$work/json.want"
diff -u "$work/json.want" "$work/json.got" || fail "JSON events differ"
jq -e '(.denial // .ruleset).time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' \
	"$work/json" >/dev/null || fail "a JSON event's time is not UTC with milliseconds"
echo "25 probes: 25 drop events, text and JSON, with the load and flush events"

# 2. Above the rate: capped, and not one denial unaccounted for.
site enforce 1/s > "$work/rate.conf"
monitor_start "$NS_GW" rate "$work/rate.conf" -j
[ "$(suppressed)" -eq 0 ] || fail "events_suppressed is not 0 after a load"
start=$SECONDS
"$NETNS" "$NS_C" "$PROBE" udp 192.0.2.10 2000-2199 >/dev/null || fail "probe 200"
topo_sync
elapsed=$((SECONDS - start + 1))
[ "$(gw_dropped)" -eq 200 ] || fail "dropped $(gw_dropped) of 200"
wait_for 60 eval '[ $(($(denials rate) + $(suppressed))) -ge 200 ]' ||
	fail "events $(denials rate) + suppressed $(suppressed) < 200"
monitor_stop rate
events=$(denials rate)
supp=$(suppressed)
[ $((events + supp)) -eq 200 ] ||
	fail "events $events + events_suppressed $supp != 200 denials"
# One event per second and CPU, plus each CPU's first.
cpus=$(nproc)
[ "$events" -le $((cpus * (elapsed + 1))) ] ||
	fail "$events events in $elapsed s at 1/s on $cpus CPUs"
in_events=$(jq -s '[.[].denial.suppressed // 0] | add' "$work/rate")
[ "$in_events" -le "$supp" ] ||
	fail "the events report $in_events suppressed, the counter $supp"
validate rate monitor_denial
echo "200 denials at log-rate 1/s: $events events + $supp suppressed"

# 3. Monitor mode: would-drop.
site monitor > "$work/monitor.conf"
monitor_start "$NS_GW" would "$work/monitor.conf"
gen=$(gw "$NL" generation)
"$NETNS" "$NS_C" "$PROBE" -s 40001 udp 192.0.2.10 2000-2002 >/dev/null || fail "probe monitor"
topo_sync
wait_for 60 eval '[ "$(denials would)" -ge 3 ]' || fail "would-drop events: $(denials would) of 3"
monitor_stop would
grep -E '^(drop|would-drop) ' "$work/would" | sort > "$work/would.got"
for p in 2000 2001 2002; do
	echo "would-drop udp 198.51.100.2 port 40001 -> 192.0.2.10 port $p to $roles (generation $gen)"
done > "$work/would.want"
diff -u "$work/would.want" "$work/would.got" || fail "monitor mode events differ"
echo "monitor mode: 3 would-drop events"

# 4. No CAP_NET_ADMIN over the namespace, no events.
for how in setpriv unshare; do
	if [ $how = setpriv ]; then
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	else
		as=(unshare --user --map-root-user)
	fi
	err=$(gw "${as[@]}" "$SFBCTL" monitor --timeout 5 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 4 ] || fail "$how: sfbctl monitor exited $rc, expected 4 ($err)"
	[[ $err == *"cannot join the events group: Operation not permitted"*CAP_NET_ADMIN* ]] ||
		fail "$how: sfbctl monitor said: $err"
	out=$(gw "${as[@]}" "$NL" join)
	expect_eq "$out" "join: Operation not permitted" "$how: a raw join"
done
expect_eq "$(gw "$NL" join)" "joined" "root's raw join"
echo "joining refused without CAP_NET_ADMIN (sfbctl exit 4, raw EPERM)"

# 5. A listener in another namespace hears its own namespace only.
ip netns add "$NS_O" || fail "netns $NS_O"
monitor_start "$NS_O" other "$work/enforce.conf"
heard=$(wc -l < "$work/other")
gw "$SFBCTL" load "$work/enforce.conf" >/dev/null || fail "load in the gateway"
gw "$SFBCTL" flush >/dev/null || fail "flush in the gateway"
"$NETNS" "$NS_O" "$SFBCTL" load "$work/enforce.conf" >/dev/null || fail "load in $NS_O"
own=$("$NETNS" "$NS_O" "$NL" generation)
wait_for 60 has_line "$work/other" "load generation $own"$'\n' ||
	fail "$NS_O's monitor missed its own load"
"$NETNS" "$NS_O" "$SFBCTL" flush >/dev/null
monitor_stop other
[ "$(wc -l < "$work/other")" -ge $((heard + 1)) ] || fail "lines lost"
sed -n "$((heard + 1)),\$p" "$work/other" > "$work/other.new"
head -n 1 "$work/other.new" | grep -qx "load generation $own" ||
	fail "$NS_O's monitor heard another namespace: $(cat "$work/other.new")"
echo "a listener in another namespace heard only its own load"
