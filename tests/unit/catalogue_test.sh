#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The catalogue encodes every row of the seed: each row of
# tests/unit/seed-rows.csv (transcribed from the seed, independently of the
# catalogue) must appear in "sfbctl export --format csv" of
# user/roles/sfb2015.conf under the right role, with its ports, each of its
# protocols and the transport tags the seed gives it. Then the composition
# the seed's notes ask for: every server role has the "all servers" rows,
# only the roles that terminate audio have the audio range, and the
# composed Front-End roles are a Front-End plus their own rows.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
CATALOGUE=${CATALOGUE:-user/roles/sfb2015.conf}
FIXTURE=tests/unit/seed-rows.csv

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! $SFBCTL export --format csv "$CATALOGUE" >"$tmp/export.csv"; then
	echo "FAIL: sfbctl export --format csv $CATALOGUE failed"
	exit 1
fi

# The role ids that are part of sfb's interface.
roles="all-servers all-internal-servers front-end front-end-mediation
front-end-cms director mediation persistent-chat-fe office-web-apps
hlb-front-end hlb-front-end-mediation hlb-mediation hlb-director
dnslb-front-end dnslb-director client ip-phone edge-av-internal
edge-av-external conferencing-attendant av-conferencing exchange-um
app-sharing"
$SFBCTL check -j "$CATALOGUE" >"$tmp/check.json" 2>/dev/null
for role in $roles; do
	if ! grep -q "{\"name\":\"$role\"," "$tmp/check.json"; then
		echo "FAIL: role '$role' is missing from the catalogue"
		fail=1
	fi
done

awk -v fixture="$FIXTURE" '
# Split an RFC 4180 line into f[1..n]; returns n.
function csv(line, f,    n, i, c, field, quoted) {
	n = 1; field = ""; quoted = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (quoted) {
			if (c == "\"" && substr(line, i + 1, 1) == "\"") {
				field = field c; i++
			} else if (c == "\"") {
				quoted = 0
			} else {
				field = field c
			}
		} else if (c == "\"") {
			quoted = 1
		} else if (c == ",") {
			f[n++] = field; field = ""
		} else {
			field = field c
		}
	}
	f[n] = field
	return n
}

# Every "+"-separated tag of want is one of the ","-separated tags of have.
function has_tags(have, want,    w, h, nw, nh, i, j, found) {
	if (want == "")
		return 1
	nw = split(want, w, "+")
	nh = split(have, h, ",")
	for (i = 1; i <= nw; i++) {
		found = 0
		for (j = 1; j <= nh; j++)
			if (w[i] == h[j])
				found = 1
		if (!found)
			return 0
	}
	return 1
}

function fail(msg) {
	print "FAIL: " msg
	failed++
}

# The export: role,service,protocol,ports,transport,class,note
FNR == 1 { next }
{
	csv($0, f)
	n++
	role[n] = f[1]; svc[n] = f[2]; proto[n] = f[3]; ports[n] = f[4]
	transport[n] = f[5]; class[n] = f[6]
	key[f[1] SUBSEP f[2] SUBSEP f[3] SUBSEP f[4]] = 1
}

END {
	while ((getline line < fixture) > 0) {
		if (line ~ /^#/ || line ~ /^table,/ || line == "")
			continue
		csv(line, r)
		want_ports = r[5] == "any" ? "0-65535" : r[5]
		np = split(r[6], protos, "/")
		ok = 1
		for (p = 1; p <= np; p++) {
			hit = 0
			for (i = 1; i <= n && !hit; i++) {
				if (role[i] != r[4] || proto[i] != protos[p] ||
				    ports[i] != want_ports)
					continue
				if (r[1] == "T5")
					hit = class[i] == "ipsec-exempt" && transport[i] == r[7]
				else
					hit = class[i] != "ipsec-exempt" &&
					      has_tags(transport[i], r[7])
			}
			if (!hit) {
				fail(sprintf("%s.%s (%s): no %s %s %s%s under role %s",
				     r[1], r[2], r[3], protos[p], want_ports,
				     r[1] == "T5" ? "ipsec-exempt " : "",
				     r[7] == "" ? "" : "[" r[7] "]", r[4]))
				ok = 0
			}
		}
		checked++
		per[r[1]]++
	}
	if (checked != 105)
		fail("the fixture has " checked " rows, the seed 105")

	# Every server role gets the "all servers" rows.
	split("all-servers all-internal-servers front-end front-end-mediation " \
	      "front-end-cms director mediation persistent-chat-fe office-web-apps",
	      servers, " ")
	for (s in servers)
		if (!((servers[s], "sql-browser", "udp", "1434") in key))
			fail("server role " servers[s] " lacks the all-servers row 1434/udp")
	# The audio range belongs to the roles that terminate audio only.
	split("front-end front-end-mediation front-end-cms mediation", audio, " ")
	for (s in audio)
		for (p = 1; p <= 2; p++)
			if (!((audio[s], "audio", p == 1 ? "tcp" : "udp", "49152-57500") in key))
				fail("role " audio[s] " lacks the audio range")
	split("director persistent-chat-fe office-web-apps all-servers", noaudio, " ")
	for (s in noaudio)
		for (i = 1; i <= n; i++)
			if (role[i] == noaudio[s] && ports[i] == "49152-57500")
				fail("role " noaudio[s] " must not have the audio range")
	# Composed roles contain every rule of the role they extend.
	pairs = "front-end:front-end-mediation front-end:front-end-cms " \
		"hlb-front-end:hlb-front-end-mediation all-internal-servers:mediation"
	np = split(pairs, pair, " ")
	for (p = 1; p <= np; p++) {
		split(pair[p], rr, ":")
		for (i = 1; i <= n; i++)
			if (role[i] == rr[1] && class[i] != "ipsec-exempt" &&
			    !((rr[2], svc[i], proto[i], ports[i]) in key))
				fail(rr[2] " lacks " svc[i] " " proto[i] " " ports[i] \
				     " of " rr[1])
	}

	printf "checked %d seed rows (T1 %d, T2 %d, T3 %d, T4 %d, T5 %d) " \
	       "against %d exported lines\n", checked, per["T1"], per["T2"],
	       per["T3"], per["T4"], per["T5"], n
	exit failed ? 1 : 0
}
' "$tmp/export.csv" || fail=1

if [ "${fail:-0}" = 1 ]; then
	echo "FAIL: catalogue_test"
	exit 1
fi
echo "PASS: catalogue_test"
exit 0
