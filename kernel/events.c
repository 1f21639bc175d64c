// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the "events" multicast group. Ruleset changes are sent as they
 * happen; denials from the packet path are rate-limited per CPU by a token
 * bucket in the ruleset's per-CPU data (the hooks run with BHs off, so a
 * CPU's bucket needs no lock), and what the bucket or the allocator
 * refuses is counted as suppressed, in the next event and in the
 * namespace's SFB_CNT_EVENTS_SUPPRESSED.
 */

#include <linux/in.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "events.h"
#include "ruleset.h"

/* Generation, SFB_A_MATCH (IPv6: 108 bytes) and SFB_A_SUPPRESSED. */
#define SFB_DENIAL_SIZE	160

/* Take an event's worth of credit if there is one. */
static bool sfb_bucket_take(struct sfb_event_bucket *b, u32 rate)
{
	u64 now = ktime_get_ns(), cost = NSEC_PER_SEC / rate;

	b->credit = min_t(u64, b->credit + (now - b->stamp), NSEC_PER_SEC);
	b->stamp = now;
	if (b->credit < cost)
		return false;
	b->credit -= cost;
	return true;
}

static struct sk_buff *sfb_denial_msg(const struct sfb_ruleset *rs,
				      const struct sfb_packet *pkt,
				      const struct sfb_result *res,
				      u32 suppressed)
{
	struct sk_buff *msg = genlmsg_new(SFB_DENIAL_SIZE, GFP_ATOMIC);
	void *hdr;

	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &sfb_genl_family, 0, SFB_CMD_DENIAL);
	if (!hdr ||
	    nla_put_u64_64bit(msg, SFB_A_GENERATION, rs->generation,
			      SFB_A_PAD) ||
	    sfb_put_match(msg, rs, pkt, res) ||
	    nla_put_u32(msg, SFB_A_SUPPRESSED, suppressed)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

void __sfb_events_denial(struct net *net, const struct sfb_ruleset *rs,
			 const struct sfb_packet *pkt,
			 const struct sfb_result *res, unsigned int len)
{
	struct sfb_event_bucket *b;
	struct sk_buff *msg;

	lockdep_assert_in_softirq();
	b = &sfb_cpu_stats(rs, smp_processor_id())->events;
	if (sfb_bucket_take(b, rs->policy.log_rate ?: SFB_LOG_RATE_DEFAULT)) {
		msg = sfb_denial_msg(rs, pkt, res, b->suppressed);
		if (msg) {
			b->suppressed = 0;
			genlmsg_multicast_netns(&sfb_genl_family, net, msg, 0,
						SFB_MCGRP_EVENTS, GFP_ATOMIC);
			return;
		}
	}
	b->suppressed++;
	sfb_ruleset_count_ns(rs, SFB_CNT_EVENTS_SUPPRESSED, len);
}

void sfb_events_ruleset(struct net *net, u8 cmd, u64 generation)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&sfb_genl_family, net, SFB_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &sfb_genl_family, 0, cmd);
	if (!hdr || nla_put_u64_64bit(msg, SFB_A_GENERATION, generation,
				      SFB_A_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&sfb_genl_family, net, msg, 0,
				SFB_MCGRP_EVENTS, GFP_KERNEL);
}
