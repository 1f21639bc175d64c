/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb: reports of denials and ruleset changes: notifications to the
 * "events" multicast group of the family (include/uapi/linux/sfb.h,
 * "Events"), per network namespace, and the policy's logging of denials
 * (NFLOG or the kernel log), within the same rate.
 */
#ifndef _NF_SFB_EVENTS_H
#define _NF_SFB_EVENTS_H

#include <linux/netfilter.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "ruleset.h"

void __sfb_events_denial(const struct nf_hook_state *state,
			 const struct sk_buff *skb,
			 const struct sfb_ruleset *rs,
			 const struct sfb_packet *pkt,
			 const struct sfb_result *res);

/*
 * A denial of @skb (@pkt to sfb) by @rs, from the hooks. Without logging
 * and without a listener this one test is all it costs; otherwise it is
 * reported or counted as suppressed.
 */
static inline void sfb_events_denial(const struct nf_hook_state *state,
				     const struct sk_buff *skb,
				     const struct sfb_ruleset *rs,
				     const struct sfb_packet *pkt,
				     const struct sfb_result *res)
{
	if (rs->policy.log != SFB_LOG_NONE ||
	    genl_has_listeners(&sfb_genl_family, state->net, SFB_MCGRP_EVENTS))
		__sfb_events_denial(state, skb, rs, pkt, res);
}

/* @cmd (LOAD_COMMIT or FLUSH) put @generation in force, under the lock. */
void sfb_events_ruleset(struct net *net, u8 cmd, u64 generation);

/*
 * Hold the logger @pol logs with (loading its module if need be), for a
 * ruleset's life; sfb_events_log_put() lets it go. Nothing if none.
 */
int sfb_events_log_get(const struct sfb_policy *pol,
		       struct netlink_ext_ack *extack);
void sfb_events_log_put(const struct sfb_policy *pol);

#endif /* _NF_SFB_EVENTS_H */
