#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/load.sh: what loading costs, inside the VM (make bench-load).
# For the example site and for a site binding every catalogue role, prints
# one line each:
#   load site=NAME roles=R bindings=B memory=BYTES ms_median=MS ms_min=MS
# Times are wall-clock `sfbctl load` under TCG emulation: compare them with
# each other, not with hardware.
cd "$(dirname "$0")/../.."
. tests/selftests/lib.sh
runs=${SFB_BENCH_RUNS:-15}
test_setup --module jq

sed "s|^include \"sfb2015.conf\"|include \"$PWD/user/roles/sfb2015.conf\"|" \
	user/roles/example-site.conf > "$work/example-site.conf"
{
	echo "include \"$PWD/user/roles/sfb2015.conf\""
	n=10
	for role in $("$SFBCTL" export --format csv user/roles/sfb2015.conf |
			cut -d, -f1 | tail -n +2 | sort -u | grep -vx any); do
		echo "bind $role 192.0.2.$n/32 2001:db8::$n/128"
		n=$((n + 1))
	done
} > "$work/every-role.conf"

for site in example-site every-role; do
	for i in $(seq "$runs"); do
		start=$(date +%s%N)
		"$SFBCTL" load "$work/$site.conf" || fail "load $site"
		echo $(( ($(date +%s%N) - start) / 1000 ))
	done | sort -n > "$work/times"
	show=$("$SFBCTL" show -j)
	printf 'load site=%s roles=%s bindings=%s memory=%s ms_median=%s ms_min=%s\n' \
		"$site" "$(echo "$show" | jq '.roles | length')" \
		"$(echo "$show" | jq '.bindings | length')" "$("$NL" memory)" \
		"$(awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.1f", $1 / 1000 }' "$work/times")" \
		"$(awk 'NR == 1 { printf "%.1f", $1 / 1000 }' "$work/times")"
done
"$SFBCTL" flush
rmmod nf_sfb
