/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl's xfrm bypass policies: global, template-less "allow" policies at
 * a priority that wins over ordinary IPsec policies, so that the flows of
 * the ipsec-exempt rules skip IPsec. Two kinds:
 *
 * - Mark policies: dir in, out and fwd, IPv4 and IPv6, an all-zero
 *   selector and XFRMA_MARK value == mask == the ipsec-exempt mark. They
 *   let through every packet nf_sfb marked (in PRE_ROUTING, and in
 *   LOCAL_OUT, where it routes the packet again).
 * - Selector policies: dir out, no mark, one per address prefix, protocol
 *   and aligned port block of each ipsec-exempt rule. A local socket's
 *   route lookup (connect, sendmsg, a SYN-ACK) comes before LOCAL_OUT and
 *   carries no mark: without them an exempt flow to a peer without SA
 *   raises an ACQUIRE and starts on a blackhole route.
 *
 * sfb gives each of its policies an index in its own range (the kernel
 * keeps a user-given index that is free and whose low 3 bits are the
 * direction). A policy is sfb's only if its index is in that range and its
 * shape is one of the two above: priority SFB_XFRM_PRIORITY, action allow,
 * no template, no security context, main type, if_id 0, flags 0. Only such
 * policies are ever removed, and by index, so no other policy is touched.
 *
 * The message builders, the recogniser and the wanted set are pure.
 */
#ifndef SFBCTL_XFRM_H
#define SFBCTL_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <jansson.h>

#include "config.h"

/*
 * Lower values win (the kernel stops at the first candidate with a higher
 * value; on a tie the older policy wins). 10 is below strongSwan's IKE
 * port bypass (32) and far below its pass (base 200000) and IPsec (base
 * 400000) policies, so the bypass wins over them; it stays above 0..9, so
 * that an administrator can still put a policy ahead of sfb's on purpose
 * (note that "ip xfrm policy add" defaults to priority 0).
 */
#define SFB_XFRM_PRIORITY 10

/* Indices BASE + slot * 8 + dir, slot 1..SLOTS-1, are sfb's. */
#define SFB_XFRM_INDEX_BASE 0x5fb00000u
#define SFB_XFRM_SLOTS (1u << 17)

/* A load needing more policies than this fails before installing any. */
#define SFB_XFRM_MAX_POLICIES 4096

enum sfb_xfrm_kind { SFB_XFRM_MARK, SFB_XFRM_SELECTOR };

struct sfb_xfrm_policy {
	enum sfb_xfrm_kind kind;
	uint8_t dir;		/* XFRM_POLICY_IN, _OUT, _FWD */
	/*
	 * Family, addresses and ports (network byte order) as the kernel
	 * compares them, padding included: build it on zeroed memory.
	 */
	struct xfrm_selector sel;
	uint32_t mark, mask;	/* 0/0 for selector policies */
	uint32_t priority;
	uint32_t index;		/* 0 in a wanted set: not installed yet */
};

struct sfb_xfrm_set {
	struct sfb_xfrm_policy *p;
	size_t n, cap;
};

/* Message builders: into @buf (at least SFB_XFRM_MSG_MAX bytes). */
#define SFB_XFRM_MSG_MAX 512
/* XFRM_MSG_NEWPOLICY (exclusive) of @p, with its index. */
struct nlmsghdr *sfb_xfrm_msg_new(void *buf, const struct sfb_xfrm_policy *p);
/* XFRM_MSG_DELPOLICY of @p: by its index, or by selector if it is 0. */
struct nlmsghdr *sfb_xfrm_msg_del(void *buf, const struct sfb_xfrm_policy *p);
/* XFRM_MSG_GETPOLICY dump request. */
struct nlmsghdr *sfb_xfrm_msg_dump(void *buf);
/* True, with @p filled in, if @nlh is an XFRM_MSG_NEWPOLICY of sfb's. */
bool sfb_xfrm_parse(const struct nlmsghdr *nlh, struct sfb_xfrm_policy *p);

/*
 * The fewest aligned value/mask blocks (host order, ascending) that cover
 * @r exactly; for UDP, @r without ports 500 and 4500, which nf_sfb never
 * exempts (IKE and NAT-T). Returns the count, at most SFB_XFRM_BLOCKS_MAX.
 */
struct sfb_xfrm_block {
	uint16_t value, mask;
};

#define SFB_XFRM_BLOCKS_MAX 90	/* 3 ranges of at most 30 blocks */
size_t sfb_xfrm_blocks(struct sfb_range r, bool udp,
		       struct sfb_xfrm_block out[SFB_XFRM_BLOCKS_MAX]);

/* Whether @cfg wants a bypass: it has ipsec-exempt rules and their mark. */
bool sfb_xfrm_bypass(const struct sfb_config *cfg);

/*
 * Every policy @cfg wants, sorted and without duplicates, into @out
 * (zeroed by the caller): if it wants a bypass, the mark policies and the
 * selector policies of its ipsec-exempt rules. 0, or -ENOMEM.
 */
int sfb_xfrm_wanted(const struct sfb_config *cfg, struct sfb_xfrm_set *out);
void sfb_xfrm_set_free(struct sfb_xfrm_set *set);

const char *sfb_xfrm_dir_name(uint8_t dir);		/* "in"... */
const char *sfb_xfrm_family_name(uint16_t family);	/* "ipv4", "ipv6" */

/*
 * Socket side. Every function returns an sfbctl exit code with one line
 * printed on failure. A kernel without NETLINK_XFRM (xfrm_user missing)
 * holds no policies: listing and removing succeed with nothing to do.
 */

/* The sfb policies installed in this network namespace, sorted. */
int sfb_xfrm_list(struct sfb_xfrm_set *set);

/*
 * A load in three steps around the ruleset commit: begin installs the
 * wanted policies that are missing, keeping every existing one; after a
 * successful commit, finish removes the sfb policies that are not wanted;
 * after a failed one, abort removes only what begin added. Both use the
 * socket begin opened, which free closes: neither needs memory, and
 * running out of it can leave no mix of old and new policies.
 */
struct sfb_xfrm_load {
	struct sfb_xfrm_set want;	/* sorted */
	struct sfb_xfrm_set old;	/* sfb policies before the load */
	struct sfb_xfrm_set added;	/* installed by begin */
	struct sfb_nl *nl;		/* NULL: no NETLINK_XFRM */
};

int sfb_xfrm_load_begin(struct sfb_xfrm_load *l, const struct sfb_config *cfg);
int sfb_xfrm_load_finish(struct sfb_xfrm_load *l);
void sfb_xfrm_load_abort(struct sfb_xfrm_load *l);
void sfb_xfrm_load_free(struct sfb_xfrm_load *l);

/* Remove every sfb policy (flush), telling how many there were. */
int sfb_xfrm_remove_all(size_t *removed);

/* show: as sfb.conf comment lines, and as a JSON array. */
void sfb_xfrm_print_conf(const struct sfb_xfrm_set *set, FILE *f);
json_t *sfb_xfrm_json(const struct sfb_xfrm_set *set);

#endif
