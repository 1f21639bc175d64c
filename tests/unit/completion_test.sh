#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packaging/sfbctl.bash-completion offers what sfbctl accepts: the commands
# `sfbctl --help` lists, each command's options, files where a FILE goes,
# export and report formats, role names after export --role (from the file on the
# line) and the keywords of match; with and without the bash-completion
# package loaded.
#
# Run from the repository root with SFBCTL set; exit 0 pass, 1 fail.

set -u
SFBCTL=${SFBCTL:-build/san/sfbctl}
failed=0

# complete WORD...: COMPREPLY for the last word, sorted, one line.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_LINE=${COMP_LINE// = /=}	# bash splits "--format=m" at the "="
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_sfbctl sfbctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() {	# expect "WANT" WORD...
	local want got
	want=$(tr ' ' '\n' <<< "$1" | sort | tr '\n' ' ' | sed 's/^ //; s/ $//')
	shift
	got=$(complete_words "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: [$*] completes to '$got', expected '$want'"
		failed=1
	fi
}

cases() {
	local commands
	commands=$("$SFBCTL" --help | sed -n 's/^  \([a-z]\+\) .*/\1/p' | tr '\n' ' ')
	[ -n "$commands" ] || { echo "FAIL: no commands in sfbctl --help"; failed=1; }
	expect "$commands help -h --help -V --version" sfbctl ""
	expect "show stats" sfbctl s
	expect "-c --check --dry-run -v --verbose --force --sysctl --backend" sfbctl load -
	expect "auto module nft" sfbctl load --backend ""
	expect "nft" sfbctl flush --backend n
	expect "-j --json -p --pretty -z --zero" sfbctl stats -
	expect "" sfbctl flush ""
	expect "--backend" sfbctl flush -
	expect "csv markdown nft ipset iptables ip6tables xfrm" sfbctl export --format ""
	expect "ipset iptables ip6tables" sfbctl export --format i
	expect "markdown" sfbctl export --format = m
	expect "user/roles/example-site.conf" sfbctl load --sysctl user/roles/exa
	expect "user/roles/example-site.conf" sfbctl export --format csv user/roles/exa
	expect "" sfbctl check user/roles/sfb2015.conf ""
	expect "check" sfbctl help ch
	expect "tcp udp" sfbctl match -j ""
	expect "--format --role" sfbctl export --
	expect "nft" sfbctl export -f n
	expect "sql-backend" "$SFBCTL" export user/roles/example-site.conf -r sql
	expect "front-end front-end-cms front-end-mediation" \
		"$SFBCTL" export --format csv user/roles/sfb2015.conf --role front-
	expect "sql-backend" "$SFBCTL" export user/roles/example-site.conf --role sql
	expect "user/roles/example-site.conf" sfbctl export --role client user/roles/exa
	expect "-j --json -p --pretty -f --format -e --events -n --top -s --since" sfbctl report -
	expect "text markdown csv" sfbctl report --format ""
	expect "csv" sfbctl report -f c
	expect "load" sfbctl report --events ev --since ""
	expect "" sfbctl report --top ""
	expect "user/roles/example-site.conf" sfbctl report --events user/roles/exa
	expect "user/roles/example-site.conf" sfbctl report -e /dev/null --top 3 user/roles/exa
	expect "" sfbctl report user/roles/example-site.conf ""
	expect "port" sfbctl match udp from 192.0.2.1 ""
	expect "to" sfbctl match udp from 192.0.2.1 port 5000 ""
}

(
	# shellcheck source=/dev/null
	. packaging/sfbctl.bash-completion
	cases
	exit "$failed"
) || failed=1
if [ -r /usr/share/bash-completion/bash_completion ]; then
	(
		# shellcheck source=/dev/null
		. /usr/share/bash-completion/bash_completion
		# shellcheck source=/dev/null
		. packaging/sfbctl.bash-completion
		cases
		exit "$failed"
	) || failed=1
else
	echo "FAIL: bash-completion is not installed (tools/setup installs it)"
	failed=1
fi
[ "$failed" -eq 0 ] && echo "completion: commands, options, files, formats, roles, match keywords"
exit "$failed"
