#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dumps are consistent across concurrent loads: while another process keeps
# swapping two rulesets, every `sfbctl show` and `sfbctl stats` prints one
# of them whole (a dump a commit interrupted is flagged NLM_F_DUMP_INTR and
# sfbctl starts it again), never a mix.
. "$(dirname "$0")/lib.sh"
test_setup --module jq
# Two rulesets that differ in every dumped part; many roles and bindings so
# that a dump spans several messages.
for v in a b; do
	catalogue_site "$([ $v = a ] && echo enforce || echo monitor)" > "$work/$v.conf"
	n=$([ $v = a ] && echo 10 || echo 100)
	for role in front-end director mediation persistent-chat-fe client \
			front-end-mediation hlb-front-end dnslb-director; do
		echo "bind $role 192.0.2.$n/32 2001:db8::$n/128" >> "$work/$v.conf"
		n=$((n + 1))
	done
	"$SFBCTL" load "$work/$v.conf" || fail "load $v"
	"$SFBCTL" show | grep -v '^# nf_sfb ruleset, generation' > "$work/$v.show"
	"$SFBCTL" stats --json | jq -c '[.targets[].roles]' > "$work/$v.stats"
done
cmp -s "$work/a.show" "$work/b.show" && fail "the two rulesets show the same"
# The JSON form holds the same ruleset: every prefix b binds, with its role.
"$SFBCTL" show --json | jq -r '.bindings[] | "\(.role) \(.prefix)"' | sort > "$work/b.json-binds" ||
	fail "show --json is not JSON"
awk '$1 == "bind" { print $2, $3; print $2, $4 }' "$work/b.conf" | sort |
	comm -23 - "$work/b.json-binds" > "$work/lacking"
[ ! -s "$work/lacking" ] || fail "show --json lacks: $(cat "$work/lacking")"

(
	while :; do
		"$SFBCTL" load "$work/a.conf" && "$SFBCTL" load "$work/b.conf" || exit 1
	done
) &
rounds=$(scaled 10)
for i in $(seq 1 "$rounds"); do
	"$SFBCTL" show | grep -v '^# nf_sfb ruleset, generation' > "$work/show" ||
		fail "show failed during loads"
	cmp -s "$work/show" "$work/a.show" || cmp -s "$work/show" "$work/b.show" ||
		{ diff "$work/a.show" "$work/show" | head; fail "show printed a mix"; }
	"$SFBCTL" stats --json | jq -c '[.targets[].roles]' > "$work/stats" ||
		fail "stats failed during loads"
	cmp -s "$work/stats" "$work/a.stats" || cmp -s "$work/stats" "$work/b.stats" ||
		fail "stats printed a mix"
done
kill %1
echo "$rounds shows and $rounds stats during continuous loads: each one ruleset, whole"
