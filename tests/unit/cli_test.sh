#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The command line habits of ip and nft: `sfbctl CMD --help` (and -h) for
# every command, a suggestion for a mistyped command, export's options in
# getopt_long's forms, and `sfbctl --version` / `version` succeeding
# without nf_sfb (this machine's kernel has no modules) and unprivileged.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

. "$(dirname "$0")/lib.sh"

commands=$("$SFBCTL" --help | sed -n 's/^  \([a-z]\+\) .*/\1/p')
[ "$(echo "$commands" | wc -l)" -ge 8 ] || fail "sfbctl --help lists: $commands"
for c in $commands; do
	for h in --help -h; do
		"$SFBCTL" "$c" $h > "$tmp/out" 2> "$tmp/err" ||
			fail "'$c $h' exited $?: $(cat "$tmp/err")"
		head -n 1 "$tmp/out" | grep -q "^usage: sfbctl $c" ||
			fail "'$c $h' printed: $(head -n 1 "$tmp/out")"
		[ ! -s "$tmp/err" ] || fail "'$c $h' wrote to stderr: $(cat "$tmp/err")"
	done
done
# After "--", --help is an argument, not a request for help.
refused 2 "$("$SFBCTL" help check | head -n 1)" "$SFBCTL" check -- --help extra
echo "CMD --help and -h: usage for $(echo "$commands" | wc -l) commands, exit 0"

refused 2 "sfb: unknown command 'lod'; did you mean 'load'?" "$SFBCTL" lod x
refused 2 "sfb: unknown command 'stat'; did you mean 'stats'?" "$SFBCTL" stat
refused 2 "sfb: unknown command 'hlep'; did you mean 'help'?" "$SFBCTL" hlep
refused 2 "sfb: unknown command 'frobnicate' (see 'sfbctl --help')" "$SFBCTL" frobnicate
refused 2 "sfb: unknown command 'lod'; did you mean 'load'?" "$SFBCTL" help lod
echo "unknown commands: a suggestion when one is close, exit 2"

"$SFBCTL" export --format csv --role client "$SITE" > "$tmp/want" || fail "export"
for args in "--format=csv --role=client $SITE" "-f csv -r client $SITE" \
	    "$SITE -fcsv --role client"; do
	# shellcheck disable=SC2086
	"$SFBCTL" export $args > "$tmp/got" || fail "export $args exited $?"
	cmp -s "$tmp/want" "$tmp/got" || fail "export $args: another report"
done
refused 2 "usage: sfbctl export --format csv|markdown|nft|ipset|iptables|ip6tables|xfrm [--role ROLE]..." \
	"$SFBCTL" export --format csv "$SITE" "$SITE"
refused 2 "usage: sfbctl export --format csv|markdown|nft|ipset|iptables|ip6tables|xfrm [--role ROLE]..." \
	"$SFBCTL" export --frmat csv "$SITE"
echo "export: --opt=X, --opt X, -oX and options after FILE alike"

# The catalogue's own lint is check's business on the catalogue: a site's
# check does not count it, unless -v asks.
"$SFBCTL" check "$SITE" 2> "$tmp/err" || fail "check $SITE: $(cat "$tmp/err")"
! grep -q 'lint messages from included files' "$tmp/err" ||
	fail "check without -v counts the included files' lint"
"$SFBCTL" check -v "$SITE" 2> "$tmp/err" || fail "check -v $SITE: $(cat "$tmp/err")"
grep -qE "^$SITE: note: [0-9]+ lint messages from included files not shown" "$tmp/err" ||
	fail "check -v does not count the included files' lint: $(cat "$tmp/err")"
echo "check: the included files' lint counted only with -v"

# No nf_sfb here. The tool's version is still an answer, for anyone.
# (Under tests/run-valgrind, $SFBCTL is a wrapper in a directory of
# root's: there the unprivileged runs are the ASan pass's only.)
users=root
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'test -x "$1"' sh "$SFBCTL" &&
	users="root nobody"
for user in $users; do
	run=("$SFBCTL")
	[ $user = root ] ||
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$SFBCTL")
	for v in --version -V version; do
		"${run[@]}" $v > "$tmp/out" 2> "$tmp/err" || fail "$user: $v exited $?: $(cat "$tmp/err")"
		[ ! -s "$tmp/err" ] || fail "$user: $v wrote to stderr: $(cat "$tmp/err")"
		sed -n 1p "$tmp/out" | grep -qE '^sfbctl [0-9]+\.[0-9]+\.[0-9]+' ||
			fail "$user: $v: $(sed -n 1p "$tmp/out")"
		[ "$(sed -n 2p "$tmp/out")" = "nf_sfb: not loaded" ] ||
			fail "$user: $v: $(sed -n 2p "$tmp/out")"
	done
done
[ "$user" = root ] ||
	[ "$(sed -n 3p "$tmp/out")" = "policy: not shown: CAP_NET_ADMIN over the network namespace is required" ] ||
	fail "nobody: version: $(sed -n 3p "$tmp/out")"
echo "--version, -V, version: exit 0 without nf_sfb, as: $users"
