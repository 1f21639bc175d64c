/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb: notifications to the "events" multicast group of the family
 * (include/uapi/linux/sfb.h, "Events"), per network namespace.
 */
#ifndef _NF_SFB_EVENTS_H
#define _NF_SFB_EVENTS_H

#include <net/genetlink.h>

#include "netlink.h"

struct net;
struct sfb_packet;
struct sfb_result;
struct sfb_ruleset;

void __sfb_events_denial(struct net *net, const struct sfb_ruleset *rs,
			 const struct sfb_packet *pkt,
			 const struct sfb_result *res, unsigned int len);

/*
 * A denial by @rs of @pkt (@len bytes), from the hooks. Nobody listening
 * costs this one test; otherwise it is sent or counted as suppressed.
 */
static inline void sfb_events_denial(struct net *net,
				     const struct sfb_ruleset *rs,
				     const struct sfb_packet *pkt,
				     const struct sfb_result *res,
				     unsigned int len)
{
	if (genl_has_listeners(&sfb_genl_family, net, SFB_MCGRP_EVENTS))
		__sfb_events_denial(net, rs, pkt, res, len);
}

/* @cmd (LOAD_COMMIT or FLUSH) put @generation in force, under the lock. */
void sfb_events_ruleset(struct net *net, u8 cmd, u64 generation);

#endif /* _NF_SFB_EVENTS_H */
