#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Out of memory anywhere in any command: with the debug kernel's per-task
# fault injection (/proc/thread-self/fail-nth), sfb_replay runs each
# command of the genl family with its 1st, 2nd... allocation failed until
# it passes with no fault left to inject, and prints how many points it
# failed per command. After each failure it checks (sfb_replay.c says
# how): a clear error, the transaction ended, the ruleset and its
# generation as they were, a denied and an allowed datagram as before, no
# ruleset object leaked, and that an events listener heard of every
# change or got ENOBUFS. Then the same for the creation of a network
# namespace, the last of which goes away with a ruleset in force, and for
# the module's load (finit_module, where sfb_init runs last): after each
# failure no module and no genl family left, and the module loaded at
# last loads and enforces the ruleset. Here: `sfbctl show` and the saved
# ruleset unchanged, no splat in the kernel log, and at the end kmemleak
# finds nothing.
#
# fail-nth fails one point per run: where sfb's kzalloc() of more than a
# page fails, its vmalloc() fallback serves (counted "absorbed"), so the
# error returns of those allocations, which need both to fail, are
# beyond its reach (failed_load.sh's memory limit reaches most of them).
#
# Only on the debug kernel: fault injection (failslab, fail_page_alloc, fail-nth) is built only there
. "$(dirname "$0")/lib.sh"

fi=/sys/kernel/debug
test_setup --module
if [ ! -e /proc/thread-self/fail-nth ]; then
	debug_kernel && fail "the debug kernel has no fail-nth"
	echo "SKIP: no fault injection in this kernel (tools/debug-kernel has it)"
	exit $ksft_skip
fi
[ -d $fi/failslab ] || mount -t debugfs none $fi || fail "mount debugfs"

# fi_set KNOB VALUE: a fault-injection setting, put back at exit.
fi_set() {
	defer "echo $(cat $fi/$1) > $fi/$1"
	echo "$2" > $fi/$1 || fail "cannot set $1"
}
# Fail what sfb allocates too: sleeping allocations (GFP_KERNEL),
# vmalloc's pages (__GFP_HIGHMEM) and single pages. No report per fault:
# the stack dumps would flood the log.
fi_set failslab/ignore-gfp-wait N
fi_set failslab/verbose 0
fi_set fail_page_alloc/ignore-gfp-wait N
fi_set fail_page_alloc/ignore-gfp-highmem N
fi_set fail_page_alloc/min-order 0
fi_set fail_page_alloc/verbose 0
leaks=$fi/kmemleak
[ -w $leaks ] && echo clear > $leaks

ns=$TEST_NS-x
ip netns add "$ns" && ip -n "$ns" link set lo up || fail "namespace $ns"
in_ns() {
	"$NETNS" "$ns" "$@"
}

# OLD, in force throughout: sfb_replay's traffic, UDP 5000 allowed and
# 9999 denied on 127.0.0.1. NEW, what each LOAD_* command loads: a
# message of each kind, and 9999 allowed, so no packet passes for OLD's.
cat > "$work/old.conf" <<EOF
policy enforce
role local "loopback" {
	service probe udp 5000 udp
}
bind local 127.0.0.1/32
EOF
cat > "$work/new.conf" <<EOF
policy enforce
mark service 0x1
mark ipsec-exempt 0x2
role local "loopback, more open" {
	service probe udp 5000 udp
	service other udp 9999 udp
	service sip tcp 5061 tls
	media audio udp 50000-50019
}
role far "elsewhere" {
	service https tcp 443 https
}
bind local 127.0.0.1/32 ::1/128
bind far 192.0.2.0/24
ipsec-exempt far-in {
	from any; to far; proto tcp,udp; sport any; dport any
}
EOF
for f in new old; do
	in_ns "$SFBCTL" load "$work/$f.conf" && in_ns "$REPLAY" save "$work/$f.bin" ||
		fail "load $f.conf"
done
# `sfbctl show` but its first line, which gives the generation: that
# changes when sfb_replay loads the old ruleset back.
show() {
	in_ns "$SFBCTL" show | sed 1d
}
show > "$work/show" || fail "show"
# Rulesets replaced above are freed by RCU: none may be pending.
wait_for 60 sh -c "[ \$('$NETNS' '$ns' '$NL' rulesets) -eq 1 ]" ||
	fail "$(in_ns "$NL" rulesets) rulesets alive, expected the one in force"

# One process for all the commands: an exec costs much under TCG. It
# checks the ruleset and the traffic after every failure; here, at the
# end, what sfbctl shows. A splat in the kernel log fails the test through
# tests/run-tests (and tools/vm-run), which read it after every test.
start=$SECONDS
in_ns "$REPLAY" faults "$work/old.bin" "$work/new.bin" \
	LOAD_BEGIN LOAD_ROLE LOAD_BIND LOAD_EXEMPT LOAD_COMMIT LOAD_ABORT \
	FLUSH ZERO_STATS MATCH GET_RULESET GET_STATS GET_INFO ||
	fail "a command under allocation failures"
show | cmp -s - "$work/show" || fail "sfbctl show changed"
in_ns "$REPLAY" same "$work/old.bin" || fail "the ruleset changed"
echo "  (the commands: $((SECONDS - start)) s)"

t=$SECONDS
in_ns "$REPLAY" faults netns "$work/old.bin" || fail "namespace creation"
echo "  (namespace creation: $((SECONDS - t)) s)"

# The module's load, with its allocation points failed: sfb_replay loads
# it itself, so it goes first, once no ruleset holds it (those replaced
# are freed by RCU, the module's exit waits for them). Slab allocations
# only: sfb_init makes none of pages, and those of the loader vary in
# number from one load to the next (sfb_replay.c says why that matters).
t=$SECONDS
fi_set fail_page_alloc/ignore-gfp-wait Y
in_ns "$SFBCTL" flush || fail "flush"
wait_for 60 rmmod nf_sfb 2>/dev/null || fail "nf_sfb still in use"
"$REPLAY" faults module "$MODULE" || fail "module init"
in_ns "$SFBCTL" load "$work/old.conf" && in_ns "$REPLAY" same "$work/old.bin" ||
	fail "load after the module came back"
show | cmp -s - "$work/show" || fail "sfbctl show changed after the module came back"
in_ns "$REPLAY" netns 1 "$work/old.bin" || fail "traffic after the module came back"
echo "  (module init: $((SECONDS - t)) s)"

# kmemleak reports only objects older than 5 s: a wait for a time, not
# for a condition.
if [ -w $leaks ]; then
	sleep 6
	echo scan > $leaks
	[ ! -s $leaks ] || fail "kmemleak: $(head -n 30 $leaks)"
fi
