#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stats' text counts in English: "1 packet 60 bytes", never "1 packets".
# One SYN goes to a bound address's 5061/tcp through the nft backend's
# table, in a network namespace of this machine (unshare -rn), over lo:
# the rule and the target's class each count exactly one packet.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

. "$(dirname "$0")/lib.sh"

unshare -rn true 2>/dev/null || { echo "SKIP: no user namespaces here"; exit 4; }
cat > "$tmp/site.conf" <<CONF
include "$PWD/user/roles/sfb2015.conf"
policy enforce
bind front-end 127.0.0.2/32
CONF
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -rn bash -c '
	ip link set lo up &&
	"$1" load --backend nft "$2" 2>/dev/null &&
	{ : < /dev/tcp/127.0.0.2/5061; } 2>/dev/null
	"$1" stats' sh "$SFBCTL" "$tmp/site.conf" > "$tmp/stats" 2> "$tmp/err" ||
	fail "stats: $(cat "$tmp/err")"
grep -qE '^	front-end sip-[a-z0-9-]+ tcp 5061: 1 packet [0-9]+ bytes$' "$tmp/stats" ||
	fail "no rule line with 1 packet: $(cat "$tmp/stats")"
grep -qxE '	service 1 packet [0-9]+ bytes' "$tmp/stats" ||
	fail "no class line with 1 packet: $(cat "$tmp/stats")"
! grep -qE '(^|[^0-9])1 packets|(^|[^0-9])1 bytes' "$tmp/stats" ||
	fail "plural after 1: $(cat "$tmp/stats")"
grep -qE ' 0 packets 0 bytes' "$tmp/stats" || fail "no plural after 0: $(cat "$tmp/stats")"
echo "stats: 1 packet, 0 packets"
