#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing: sfb_nlfuzz sends $SFB_NLFUZZ_COUNT (100000; 25000 on
# the debug kernel) generated messages to the gateway's sfb family, seed
# $SFB_NLFUZZ_SEED (its fixed default unless set), every one answered,
# every broken one refused, the generation moving only when sfbctl loads
# site a or b between its rounds, and `sfbctl show` then printing what it
# printed after loading that site here. Afterwards the ruleset in force is
# exactly the last site loaded: its port passes, the other site's port
# does not. Where kcov is (the debug kernel), the fuzzer is guided by the
# edges of nf_sfb its messages reach, and prints how many:
# SFB_NLFUZZ_KCOV=-k measures random messages instead, to compare, and
# SFB_NLFUZZ_KCOV= leaves kcov alone.
. "$(dirname "$0")/lib.sh"
[ -x "$FUZZ" ] || fail "$FUZZ is missing (make builds it)"
test_setup --topo --module
topo_server_addr 10

# The same server, two roles: front-end opens tcp 5061, mediation tcp 5067.
catalogue_site enforce "front-end 192.0.2.10/32" > "$work/a.conf"
catalogue_site enforce "mediation 192.0.2.10/32" > "$work/b.conf"
declare -A port=([a]=5061 [b]=5067)
for site in a b; do
	gw "$SFBCTL" load "$work/$site.conf" || fail "load site $site"
	gw "$SFBCTL" show > "$work/$site.show" || fail "show site $site"
done

kcov=
[ -e /sys/kernel/debug/kcov ] && kcov=${SFB_NLFUZZ_KCOV--g}
gw "$FUZZ" -n "${SFB_NLFUZZ_COUNT:-$(scaled 100000)}" ${SFB_NLFUZZ_SEED:+-s "$SFB_NLFUZZ_SEED"} \
	$kcov -c "$SFBCTL" "$work/a.conf" "$work/a.show" "$work/b.conf" "$work/b.show" \
	> "$work/out"
rc=$?
cat "$work/out"
[ "$rc" -eq 0 ] || fail "sfb_nlfuzz exited $rc"
[ -z "$kcov" ] || grep -q '^kcov: .* reached [1-9][0-9]* PCs' "$work/out" ||
	fail "sfb_nlfuzz $kcov measured no coverage of nf_sfb"

site=$(sed -n 's|^in force: .*/\(.\)\.conf$|\1|p' "$work/out")
[ -n "$site" ] || fail "sfb_nlfuzz did not say which site is in force"
other=$([ "$site" = a ] && echo b || echo a)

"$NETNS" "$NS_C" "$PROBE" tcp 192.0.2.10 "${port[$site]}" "${port[$other]}" 9999 \
	>/dev/null || fail "probe"
topo_sync
topo_seen | grep '^192\.0\.2\.10 ' > "$work/seen"
expect_eq "$(cat "$work/seen")" "192.0.2.10 tcp ${port[$site]}" \
	"what reached the server with site $site in force"
echo "site $site in force: tcp ${port[$site]} passes, ${port[$other]} and 9999 are dropped"
