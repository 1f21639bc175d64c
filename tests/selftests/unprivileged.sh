#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every command that reads or changes the policy needs CAP_NET_ADMIN in the
# user namespace that owns the network namespace (version does not:
# get_info.sh): refused to an unprivileged user, and to root of a user
# namespace that does not own the network namespace; allowed to root of a
# user namespace that owns its own.
. "$(dirname "$0")/lib.sh"
test_setup --module setpriv unshare
catalogue_site enforce "front-end 192.0.2.10/32" > "$work/site.conf"
chmod 755 "$work"
chmod 644 "$work/site.conf"
"$SFBCTL" load "$work/site.conf" || fail "root could not load"

commands=(
	"load $work/site.conf"
	"load --check $work/site.conf"
	"show"
	"stats"
	"stats --zero"
	"match tcp from 198.51.100.2 port 40000 to 192.0.2.10 port 5061"
	"flush"
)
msg="sfb: permission denied: CAP_NET_ADMIN in the network namespace's user namespace is required"

# refused HOW CMD: exit 4 and the message
refused() {
	local how=$1 err rc
	shift
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 4 ] || fail "$how: '$*' exited $rc, expected 4 ($err)"
	echo "$err" | grep -qxF "$msg" || fail "$how: '$*' said: $err"
}

for c in "${commands[@]}"; do
	# shellcheck disable=SC2086
	refused "unprivileged" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$SFBCTL" $c
	# shellcheck disable=SC2086
	refused "root of another user namespace" unshare --user --map-root-user \
		"$SFBCTL" $c
done
"$SFBCTL" show >/dev/null || fail "the ruleset is gone"
echo "${#commands[@]} commands refused without CAP_NET_ADMIN over the netns"

# Root of a user namespace that owns a new network namespace may do it all.
unshare --user --map-root-user --net sh -c \
	"'$SFBCTL' load '$work/site.conf' && '$SFBCTL' show >/dev/null && '$SFBCTL' flush" ||
	fail "root of an owning user namespace was refused"
echo "allowed to root of the user namespace owning the netns"
