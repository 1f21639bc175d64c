#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the backends' command lines refuse, each with its exit status and
# message, and nothing written: export --format nft with --role (usage,
# 2); load and flush with an unknown --backend (usage, 2); export --format
# nft of a site whose bound or ipsec-exempt-named roles outnumber what
# nf_sfb and the table's address maps hold, 64 (error, 1), while 64 roles,
# and more that are neither bound nor named, export. Nothing here reaches
# a kernel: the refusals come before (load --backend nft of too many
# roles, and the module's refusal, are differential_nft.sh's, in the VM).
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

. "$(dirname "$0")/lib.sh"

refused 2 "sfb: export: --role is for csv and markdown; nft writes the whole policy" \
	"$SFBCTL" export --format nft --role director "$SITE"
refused 2 "sfb: export: --role is for csv and markdown; nft writes the whole policy" \
	"$SFBCTL" export --role=director --format=nft "$SITE"
echo "export --format nft --role: usage, exit 2"

# A file that does not exist: were the backend ever taken, load would
# stop at it rather than touch this host's kernel.
for cmd in "load --backend foo $tmp/none.conf" "load --backend=foo $tmp/none.conf" \
	"flush --backend foo" "flush --backend=foo"; do
	# shellcheck disable=SC2086 # the words of the command
	refused 2 "sfb: unknown backend 'foo' (use auto, module or nft)" "$SFBCTL" $cmd
	grep -q "^usage: sfbctl ${cmd%% *} " "$tmp/err" || fail "$cmd: no usage line"
done
echo "load and flush --backend foo: usage, exit 2"

# roles N [NAMED]: N roles, r0 to rN-1, each bound to an address of its
# own, and NAMED more only an ipsec-exempt rule names (no bind).
roles() {
	local r

	for ((r = 0; r < $1 + ${2:-0}; r++)); do
		echo "role r$r \"role $r\" { service s tcp $((r + 1)) tcp; }"
		if [ "$r" -lt "$1" ]; then
			echo "bind r$r 10.0.$r.0/24"
		else
			echo "ipsec-exempt e$r { from r$r; to any; proto udp; }"
		fi
	done
}
roles 64 > "$tmp/64.conf"
roles 65 > "$tmp/65.conf"
roles 64 1 > "$tmp/64-named.conf"
{ roles 64; echo 'role spare "neither bound nor named" { service s tcp 9 tcp; }'; } \
	> "$tmp/64-spare.conf"

for f in 64 64-spare; do
	"$SFBCTL" export --format nft "$tmp/$f.conf" > "$tmp/$f.nft" ||
		fail "export --format nft of $f.conf"
	grep -q '^table inet sfb {' "$tmp/$f.nft" || fail "$f.conf: no table inet sfb"
done
refused 1 "sfb: export: $tmp/65.conf: 65 roles are bound or named by ipsec-exempt rules; at most 64 can be" \
	"$SFBCTL" export --format nft "$tmp/65.conf"
refused 1 "sfb: export: $tmp/64-named.conf: 65 roles are bound or named by ipsec-exempt rules; at most 64 can be" \
	"$SFBCTL" export --format nft "$tmp/64-named.conf"
echo "export --format nft: 64 roles (and unused ones) export, 65 bound or named are refused, exit 1"
