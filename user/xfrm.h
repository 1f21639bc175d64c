/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl's xfrm bypass policies: packets nf_sfb marks ipsec-exempt skip
 * IPsec because six global xfrm policies (dir in, out and fwd; IPv4 and
 * IPv6) match that mark and allow them, without templates, at a priority
 * that wins over ordinary IPsec policies.
 *
 * A policy is sfb's when it has exactly this shape: an all-zero selector
 * (prefix lengths 0, any protocol and port, no interface), XFRMA_MARK with
 * value == mask != 0, priority SFB_XFRM_PRIORITY, action allow, no
 * template, no security context, main type, if_id 0. Only such policies
 * are ever replaced or removed; removal goes by the kernel's policy index,
 * so another policy with the same selector and mark is never touched.
 *
 * The message builders and the parser are pure (no socket).
 */
#ifndef SFBCTL_XFRM_H
#define SFBCTL_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>

/*
 * Lower values win (the kernel stops at the first candidate with a higher
 * value; on a tie the older policy wins). 10 is below strongSwan's IKE
 * port bypass (32) and far below its pass (base 200000) and IPsec (base
 * 400000) policies, so the bypass wins over them; it stays above 0..9, so
 * that an administrator can still put a policy ahead of sfb's on purpose
 * (note that "ip xfrm policy add" defaults to priority 0).
 */
#define SFB_XFRM_PRIORITY 10

/* One policy in the dump order; 6 per mark. */
struct sfb_xfrm_policy {
	uint8_t dir;		/* XFRM_POLICY_IN, _OUT, _FWD */
	uint16_t family;	/* AF_INET, AF_INET6 */
	uint32_t mark, mask;
	uint32_t priority;
	uint32_t index;		/* the kernel's, from a dump; 0 when built */
};

struct sfb_xfrm_set {
	struct sfb_xfrm_policy *p;
	size_t n, cap;
};

/* Message builders: into @buf (at least SFB_XFRM_MSG_MAX bytes). */
#define SFB_XFRM_MSG_MAX 512
/* XFRM_MSG_NEWPOLICY (exclusive) of an sfb bypass policy. */
struct nlmsghdr *sfb_xfrm_msg_new(void *buf, uint8_t dir, uint16_t family,
				  uint32_t mark);
/* XFRM_MSG_DELPOLICY by @p's index and mark. */
struct nlmsghdr *sfb_xfrm_msg_del(void *buf, const struct sfb_xfrm_policy *p);
/* XFRM_MSG_GETPOLICY dump request. */
struct nlmsghdr *sfb_xfrm_msg_dump(void *buf);
/* True, with @p filled in, if @nlh is an XFRM_MSG_NEWPOLICY of sfb's shape. */
bool sfb_xfrm_parse(const struct nlmsghdr *nlh, struct sfb_xfrm_policy *p);

const char *sfb_xfrm_dir_name(uint8_t dir);		/* "in"... */
const char *sfb_xfrm_family_name(uint16_t family);	/* "ipv4", "ipv6" */

/*
 * The exempt mark the policies are for: the ipsec-exempt mark bits of a
 * configuration with at least one ipsec-exempt rule, else 0 (no policies).
 */
struct sfb_config;
uint32_t sfb_xfrm_wanted_mark(const struct sfb_config *cfg);

/*
 * Socket side. Every function returns an sfbctl exit code with one line
 * printed on failure. A kernel without NETLINK_XFRM (xfrm_user missing)
 * holds no policies: listing and removing succeed with nothing to do.
 */

/* The sfb policies installed in this network namespace, sorted. */
int sfb_xfrm_list(struct sfb_xfrm_set *set);
void sfb_xfrm_set_free(struct sfb_xfrm_set *set);

/*
 * A load in three steps around the ruleset commit: begin installs the
 * policies for @mark (0: none) that are missing, keeping every existing
 * one; after a successful commit, finish removes the sfb policies of any
 * other mark; after a failed one, abort removes only what begin added.
 */
struct sfb_xfrm_load {
	uint32_t mark;
	struct sfb_xfrm_set old;	/* sfb policies before the load */
	struct sfb_xfrm_set added;	/* installed by begin */
};

int sfb_xfrm_load_begin(struct sfb_xfrm_load *l, uint32_t mark);
int sfb_xfrm_load_finish(struct sfb_xfrm_load *l);
void sfb_xfrm_load_abort(struct sfb_xfrm_load *l);
void sfb_xfrm_load_free(struct sfb_xfrm_load *l);

/* Remove every sfb policy (flush). */
int sfb_xfrm_remove_all(void);

/* show: as sfb.conf comment lines, and as a JSON array. */
void sfb_xfrm_print_conf(const struct sfb_xfrm_set *set, FILE *f);
void sfb_xfrm_print_json(const struct sfb_xfrm_set *set, FILE *f);

#endif
