// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: reports. Ruleset changes are sent to the "events" multicast
 * group as they happen. Denials from the packet path are sent there and
 * logged (policy log: NFLOG or the kernel log, through nf_log as nft's log
 * expression) within one budget: a token bucket per CPU in the ruleset's
 * per-CPU data (the hooks run with BHs off, so a CPU's bucket needs no
 * lock). What the bucket or the allocator refuses is counted as
 * suppressed, in the next event and in the namespace's
 * SFB_CNT_EVENTS_SUPPRESSED.
 */

#include <linux/in.h>
#include <linux/kmod.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_log.h>
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

static const u8 sfb_log_type[] = {
	[SFB_LOG_NFLOG] = NF_LOG_TYPE_ULOG,
	[SFB_LOG_KERNEL] = NF_LOG_TYPE_LOG,
};

/* As nft's log with its defaults: the whole packet, level warning. */
static void sfb_log(const struct nf_hook_state *state,
		    const struct sk_buff *skb, const struct sfb_policy *pol)
{
	struct nf_loginfo li = { .type = sfb_log_type[pol->log] };

	if (pol->log == SFB_LOG_NFLOG)
		li.u.ulog.group = pol->log_group;
	else
		li.u.log.level = LOGLEVEL_WARNING;
	nf_log_packet(state->net, state->pf, state->hook, skb, state->in,
		      state->out, &li, "%s", pol->log_prefix);
}

void __sfb_events_denial(const struct nf_hook_state *state,
			 const struct sk_buff *skb,
			 const struct sfb_ruleset *rs,
			 const struct sfb_packet *pkt,
			 const struct sfb_result *res)
{
	struct sfb_event_bucket *b;
	struct sk_buff *msg;

	lockdep_assert_in_softirq();
	b = &sfb_cpu_stats(rs, smp_processor_id())->events;
	if (!sfb_bucket_take(b, rs->policy.log_rate ?: SFB_LOG_RATE_DEFAULT))
		goto suppress;
	if (rs->policy.log != SFB_LOG_NONE)
		sfb_log(state, skb, &rs->policy);
	if (!genl_has_listeners(&sfb_genl_family, state->net,
				SFB_MCGRP_EVENTS))
		return;
	msg = sfb_denial_msg(rs, pkt, res, b->suppressed);
	if (!msg)
		goto suppress;
	b->suppressed = 0;
	genlmsg_multicast_netns(&sfb_genl_family, state->net, msg, 0,
				SFB_MCGRP_EVENTS, GFP_ATOMIC);
	return;
suppress:
	b->suppressed++;
	sfb_ruleset_count_ns(rs, SFB_CNT_EVENTS_SUPPRESSED, skb->len);
}

void sfb_events_ruleset(struct net *net, u8 cmd, u64 generation)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&sfb_genl_family, net, SFB_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &sfb_genl_family, 0, cmd);
	if (!hdr || nla_put_u64_64bit(msg, SFB_A_GENERATION, generation,
				      SFB_A_PAD)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&sfb_genl_family, net, msg, 0,
				SFB_MCGRP_EVENTS, GFP_KERNEL);
	return;
lost:
	/* A listener must learn it missed a change, as rtnetlink's do. */
	genl_set_err(&sfb_genl_family, net, 0, SFB_MCGRP_EVENTS, -ENOBUFS);
}

/* nf_logger_find_get() loads nothing: ask for the module by its alias. */
int sfb_events_log_get(const struct sfb_policy *pol,
		       struct netlink_ext_ack *extack)
{
	u8 type = sfb_log_type[pol->log];

	if (pol->log == SFB_LOG_NONE)
		return 0;
	if (nf_logger_find_get(NFPROTO_INET, type)) {
		request_module("nf-logger-%u-%u", NFPROTO_IPV4, type);
		request_module("nf-logger-%u-%u", NFPROTO_IPV6, type);
	}
	if (!nf_logger_find_get(NFPROTO_INET, type))
		return 0;
	if (pol->log == SFB_LOG_NFLOG)
		NL_SET_ERR_MSG(extack, "no NFLOG logger (nfnetlink_log)");
	else
		NL_SET_ERR_MSG(extack, "no kernel log logger (nf_log_syslog)");
	return -EOPNOTSUPP;
}

void sfb_events_log_put(const struct sfb_policy *pol)
{
	if (pol->log != SFB_LOG_NONE)
		nf_logger_put(NFPROTO_INET, sfb_log_type[pol->log]);
}
