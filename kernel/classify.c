// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the packet path. Classifying a packet with a published ruleset
 * (the hooks, and SFB_CMD_MATCH for a packet described in a message) and
 * counting it. It runs under rcu_read_lock() in softirq or process context:
 * no lock, no allocation, nothing that sleeps; a lookup is O(log spans)
 * for the address and O(1) per port map.
 */

#include <linux/lockdep.h>
#include <linux/smp.h>

#include "ruleset.h"

/* IKE and NAT-T: never exempt, IPsec itself needs them. */
#define SFB_PORT_IKE		500
#define SFB_PORT_IKE_NATT	4500

const struct sfb_target *sfb_ruleset_lookup(const struct sfb_ruleset *rs,
					    u8 fam,
					    const struct sfb_addr *addr)
{
	const struct sfb_span *s = rs->spans[fam];
	int i = sfb_addrmap_find(s, rs->nspans[fam], addr);

	return i < 0 ? NULL : &rs->targets[s[i].target];
}

static bool sfb_map_contains(const struct sfb_map *m, u16 port)
{
	return m->pm && sfb_portmap_contains(m->pm, port);
}

static bool sfb_is_ike(const struct sfb_packet *pkt)
{
	return pkt->pi == SFB_PI_UDP &&
	       (pkt->sport == SFB_PORT_IKE || pkt->sport == SFB_PORT_IKE_NATT ||
		pkt->dport == SFB_PORT_IKE || pkt->dport == SFB_PORT_IKE_NATT);
}

/* Exempt whatever the addresses: by port alone. */
static bool sfb_any_exempt(const struct sfb_ruleset *rs, u8 pi, u16 sport,
			   u16 dport)
{
	return sfb_map_contains(&rs->any_dport[pi], dport) ||
	       sfb_map_contains(&rs->any_sport[pi], sport);
}

/* Exempt by a "from ROLE" rule: @src is the sender's target, if bound. */
static bool sfb_src_exempt(const struct sfb_ruleset *rs, u8 fam, u8 pi,
			   const struct sfb_addr *saddr, u16 sport,
			   const struct sfb_target **src)
{
	*src = rs->src_lookup ? sfb_ruleset_lookup(rs, fam, saddr) : NULL;
	return *src &&
	       sfb_map_contains(&(*src)->map[pi][SFB_MAP_EXEMPT_SPORT], sport);
}

/*
 * A reply belongs to its flow: it is exempt if the flow's first direction
 * is, seen here as this packet with its ends swapped (the addresses on
 * this side of any NAT). So the reply to a client's exempt media, sent
 * from a port outside the client range, bypasses IPsec too.
 */
static bool sfb_reply_exempt(const struct sfb_ruleset *rs,
			     const struct sfb_packet *pkt)
{
	const struct sfb_target *t, *src;

	if (sfb_any_exempt(rs, pkt->pi, pkt->dport, pkt->sport))
		return true;
	t = sfb_ruleset_lookup(rs, pkt->fam, &pkt->saddr);
	if (t && sfb_map_contains(&t->map[pkt->pi][SFB_MAP_EXEMPT_DPORT],
				  pkt->sport))
		return true;
	return sfb_src_exempt(rs, pkt->fam, pkt->pi, &pkt->daddr, pkt->dport,
			      &src);
}

/*
 * Would a new flow of @pkt to @dst (its destination's target, NULL if
 * unbound) be dropped in enforce mode? The same test as the verdict of
 * sfb_ruleset_classify_to(), alone: the first stage makes it on every
 * packet to a bound address, before conntrack.
 */
bool sfb_ruleset_denies_new(const struct sfb_target *dst,
			    const struct sfb_packet *pkt)
{
	return dst && dst->enforce &&
	       !sfb_map_contains(&dst->map[pkt->pi][SFB_MAP_SERVICE],
				 pkt->dport) &&
	       !sfb_map_contains(&dst->map[pkt->pi][SFB_MAP_MEDIA],
				 pkt->dport);
}

void sfb_ruleset_classify(const struct sfb_ruleset *rs,
			  const struct sfb_packet *pkt, struct sfb_result *res)
{
	sfb_ruleset_classify_to(rs, sfb_ruleset_lookup(rs, pkt->fam,
						       &pkt->daddr),
				pkt, res);
}

/* sfb_ruleset_classify(), the destination looked up already: @dst. */
void sfb_ruleset_classify_to(const struct sfb_ruleset *rs,
			     const struct sfb_target *dst,
			     const struct sfb_packet *pkt,
			     struct sfb_result *res)
{
	bool ike = sfb_is_ike(pkt);
	u32 c;

	memset(res, 0, sizeof(*res));
	res->pi = pkt->pi;
	res->dst = dst;
	for (c = 0; c < __SFB_CLASS_MAX; c++) {
		const struct sfb_map *m = dst ? &dst->map[pkt->pi][c] : NULL;

		res->seg[c] = -ENOENT;
		/* Most ports miss: one bit test, the segment only on a hit. */
		if (!m || !sfb_map_contains(m, pkt->dport) ||
		    (c == SFB_CLASS_EXEMPT && ike))
			continue;
		res->seg[c] = sfb_portmap_segment(m->pm, pkt->dport);
		res->classes |= BIT(c);
	}

	if (!ike) {
		res->src_exempt = sfb_src_exempt(rs, pkt->fam, pkt->pi,
						 &pkt->saddr, pkt->sport,
						 &res->src);
		if (res->src_exempt ||
		    sfb_any_exempt(rs, pkt->pi, pkt->sport, pkt->dport) ||
		    (pkt->reply && !(res->classes & BIT(SFB_CLASS_EXEMPT)) &&
		     sfb_reply_exempt(rs, pkt)))
			res->classes |= BIT(SFB_CLASS_EXEMPT);
	}

	/*
	 * Only new flows to a bound address are policed, and only if its
	 * roles have port rules: roles that appear only in ipsec exemptions
	 * (A/V Edge internal, Exchange UM...) describe hosts sfb knows for
	 * IPsec but not their open ports; such targets are classified and
	 * marked, never dropped.
	 */
	if (pkt->new_flow && sfb_ruleset_denies_new(dst, pkt)) {
		if (rs->policy.mode == SFB_MODE_ENFORCE) {
			res->verdict = SFB_VERDICT_DROP;
			return;
		}
		res->verdict = SFB_VERDICT_WOULD_DROP;
	}
	for (c = 0; c < __SFB_CLASS_MAX; c++)
		if (res->classes & BIT(c))
			res->mark |= rs->policy.mark[c];
}

/*
 * Counters: per CPU, as in nft_counter.c, but one flat array per CPU
 * (segments can outnumber what alloc_percpu() serves). Writers are the
 * PRE_ROUTING hooks, which the stack runs with BHs off (softirq, or
 * netif_receive_skb() under local_bh_disable()): none can interrupt
 * another on its CPU. Readers sum over CPUs under u64_stats.
 */

static void sfb_stat_add(struct sfb_cpu_stats *cs, u32 idx, unsigned int len)
{
	u64_stats_inc(&cs->s[idx].packets);
	u64_stats_add(&cs->s[idx].bytes, len);
}

void sfb_ruleset_count(const struct sfb_ruleset *rs,
		       const struct sfb_result *res, unsigned int len)
{
	const struct sfb_target *t = res->dst;
	struct sfb_cpu_stats *cs;
	u32 c;

	if (!t && !res->src_exempt)
		return;
	lockdep_assert_in_softirq();
	cs = sfb_cpu_stats(rs, smp_processor_id());
	u64_stats_update_begin(&cs->sync);
	if (t) {
		for (c = 0; c < __SFB_CLASS_MAX; c++) {
			if (!(res->classes & BIT(c)))
				continue;
			sfb_stat_add(cs, t->stat + c, len);
			if (res->seg[c] >= 0)
				sfb_stat_add(cs, t->map[res->pi][c].stat +
					     res->seg[c], len);
		}
		if (!res->classes)
			sfb_stat_add(cs, t->stat + SFB_CNT_UNMATCHED, len);
		if (res->verdict == SFB_VERDICT_DROP)
			sfb_stat_add(cs, t->stat + SFB_CNT_DROPPED, len);
		else if (res->verdict == SFB_VERDICT_WOULD_DROP)
			sfb_stat_add(cs, t->stat + SFB_CNT_WOULD_DROP, len);
	}
	if (res->src_exempt && res->src != t)
		sfb_stat_add(cs, res->src->stat + SFB_CNT_EXEMPT, len);
	u64_stats_update_end(&cs->sync);
}

void sfb_ruleset_count_ns(const struct sfb_ruleset *rs,
			  enum sfb_counter kind, unsigned int len)
{
	struct sfb_cpu_stats *cs;

	lockdep_assert_in_softirq();
	cs = sfb_cpu_stats(rs, smp_processor_id());
	u64_stats_update_begin(&cs->sync);
	sfb_stat_add(cs, kind, len);
	u64_stats_update_end(&cs->sync);
}
