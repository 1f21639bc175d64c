// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb datapath: parse IPv4/IPv6 and the TCP/UDP ports, classify with the
 * namespace's ruleset, count, mark, give the verdict and report denials
 * (events.h; malformed packets are not denials: no report); register the
 * hooks a ruleset needs.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "events.h"
#include "hooks.h"
#include "ruleset.h"

/*
 * Two stages at PRE_ROUTING, both after defrag (-400), so that every packet
 * has its ports:
 *
 * The first, just before conntrack (-200) and after raw (-300), where
 * notrack and zone templates are set: in enforce mode it drops a packet to
 * a bound address whose port no service or media rule of that address
 * opens, if conntrack knows no flow the packet could belong to (no entry
 * in either direction, no helper's expectation, in the packet's zone).
 * Such a packet is one the second stage would drop as a new flow anyway;
 * dropped here, it costs a lookup instead of a conntrack entry. Everything
 * else goes on unchanged.
 *
 * The second, right after conntrack: ctinfo tells new flows from
 * established ones, and the verdict, counters and marks are given. Before
 * mangle (-150) and DNAT (-100): mangle rules see sfb's marks, the address
 * classified is the one on the wire, and routing and the xfrm policy
 * checks of forwarded and local traffic, which come later
 * (xfrm_policy_check() on input and forward, xfrm_lookup() on output), see
 * the marks.
 *
 * LOCAL_OUT at the second stage's priority: after conntrack, before mangle
 * and NAT.
 */
#define SFB_PRI_FIRST_IPV4	(NF_IP_PRI_CONNTRACK - 1)
#define SFB_PRI_FIRST_IPV6	(NF_IP6_PRI_CONNTRACK - 1)
#define SFB_PRI_IPV4		(NF_IP_PRI_CONNTRACK + 1)
#define SFB_PRI_IPV6		(NF_IP6_PRI_CONNTRACK + 1)

/* The L4 header at @thoff: 0, -EPROTONOSUPPORT or -EBADMSG (truncated). */
static int sfb_parse_l4(const struct sk_buff *skb, unsigned int thoff,
			int proto, struct sfb_packet *pkt)
{
	__be16 _ports[2];
	const __be16 *ports;
	unsigned int hlen;

	switch (proto) {
	case IPPROTO_TCP:
		pkt->pi = SFB_PI_TCP;
		hlen = sizeof(struct tcphdr);
		break;
	case IPPROTO_UDP:
		pkt->pi = SFB_PI_UDP;
		hlen = sizeof(struct udphdr);
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (thoff > skb->len || skb->len - thoff < hlen)
		return -EBADMSG;
	/* Source and destination port lead both headers. */
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (!ports)
		return -EBADMSG;
	pkt->sport = ntohs(ports[0]);
	pkt->dport = ntohs(ports[1]);
	return 0;
}

/* The packet's family and addresses, from its IP header. */
static void sfb_parse_addrs(const struct sk_buff *skb, u8 pf,
			    struct sfb_packet *pkt)
{
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		pkt->fam = SFB_FAM_IPV4;
		sfb_addr_load(&pkt->saddr, &iph->saddr, SFB_FAM_IPV4);
		sfb_addr_load(&pkt->daddr, &iph->daddr, SFB_FAM_IPV4);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		pkt->fam = SFB_FAM_IPV6;
		sfb_addr_load(&pkt->saddr, &ip6h->saddr, SFB_FAM_IPV6);
		sfb_addr_load(&pkt->daddr, &ip6h->daddr, SFB_FAM_IPV6);
	}
}

/*
 * The protocol and ports: 0, -EPROTONOSUPPORT or -EBADMSG. Fragments left
 * here escaped defrag: their ports are unknown. In IPv6, walk the extension
 * headers (hop-by-hop, routing, destination options) to the L4 header; stop
 * at AH: what follows is IPsec's, not sfb's, and AH-protected packets must
 * not be marked before xfrm has seen them.
 */
static int sfb_parse_ports(const struct sk_buff *skb, u8 pf,
			   struct sfb_packet *pkt)
{
	int flags = IP6_FH_F_AUTH, proto;
	unsigned int thoff = 0;

	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (ip_is_fragment(iph))
			return -EBADMSG;
		return sfb_parse_l4(skb, skb_network_offset(skb) +
				    ip_hdrlen(skb), iph->protocol, pkt);
	}
	proto = ipv6_find_hdr(skb, &thoff, -1, NULL, &flags);
	if (proto < 0 || (flags & IP6_FH_F_FRAG))
		return -EBADMSG;
	return sfb_parse_l4(skb, thoff, proto, pkt);
}

/* No conntrack entry: invalid or untracked, policed as a new flow. */
static void sfb_flow_state(const struct sk_buff *skb, struct sfb_packet *pkt)
{
	enum ip_conntrack_info ctinfo;

	if (!nf_ct_get(skb, &ctinfo)) {
		pkt->new_flow = true;
		pkt->reply = false;
		return;
	}
	pkt->new_flow = ctinfo == IP_CT_NEW;
	pkt->reply = CTINFO2DIR(ctinfo) == IP_CT_DIR_REPLY;
}

/*
 * Could conntrack, next, put this packet in a flow it knows: an entry in
 * either direction, or an expectation (a helper's RELATED flow)? The
 * lookups nf_conntrack_in() makes, in the zone it would use, with nothing
 * created. A packet conntrack will not look up (attached to an entry
 * already) is left to the second stage; an untracked one is looked up
 * all the same (the second stage polices it as a new flow either way).
 */
static bool sfb_ct_knows(struct net *net, const struct sk_buff *skb, u8 pf)
{
	const struct nf_conntrack_zone *zone;
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_expect *exp;
	struct nf_conntrack_tuple tuple;
	struct nf_conntrack_zone tmp;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *tmpl;

	tmpl = nf_ct_get(skb, &ctinfo);
	if (tmpl && !nf_ct_is_template(tmpl))
		return true;
	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), pf, net, &tuple))
		return true;
	zone = nf_ct_zone_tmpl(tmpl, skb, &tmp);
	h = nf_conntrack_find_get(net, zone, &tuple);
	if (h) {
		nf_ct_put(nf_ct_tuplehash_to_ctrack(h));
		return true;
	}
	exp = nf_ct_expect_find_get(net, zone, &tuple);
	if (exp) {
		nf_ct_expect_put(exp);
		return true;
	}
	return false;
}

/* The first stage (see above); monitor mode drops nothing early. */
static unsigned int sfb_hook_first(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	const struct sfb_ruleset *rs;
	const struct sfb_target *dst;
	struct sfb_packet pkt;
	struct sfb_result res;

	rs = rcu_dereference(sfb_net(state->net)->ruleset);
	if (unlikely(!rs) || rs->policy.mode != SFB_MODE_ENFORCE)
		return NF_ACCEPT;
	sfb_parse_addrs(skb, state->pf, &pkt);
	dst = sfb_ruleset_lookup(rs, pkt.fam, &pkt.daddr);
	/* Malformed and other protocols: the second stage's business. */
	if (!dst || sfb_parse_ports(skb, state->pf, &pkt) ||
	    !sfb_ruleset_denies_new(dst, &pkt) ||
	    sfb_ct_knows(state->net, skb, state->pf))
		return NF_ACCEPT;

	pkt.new_flow = true;
	pkt.reply = false;
	sfb_ruleset_classify_to(rs, dst, &pkt, &res);
	sfb_ruleset_count(rs, &res, skb->len);
	sfb_events_denial(state, skb, rs, &pkt, &res);
	return NF_DROP;
}

static unsigned int sfb_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	const struct sfb_ruleset *rs;
	const struct sfb_target *dst;
	struct sfb_packet pkt;
	struct sfb_result res;
	int err;

	rs = rcu_dereference(sfb_net(state->net)->ruleset);
	if (unlikely(!rs))
		return NF_ACCEPT;
	sfb_parse_addrs(skb, state->pf, &pkt);
	dst = sfb_ruleset_lookup(rs, pkt.fam, &pkt.daddr);
	if (!dst && sfb_ruleset_ignores_unbound(rs))
		return NF_ACCEPT;

	err = sfb_parse_ports(skb, state->pf, &pkt);
	if (err == -EPROTONOSUPPORT) {
		sfb_ruleset_count_ns(rs, SFB_CNT_OTHER_PROTO, skb->len);
		return NF_ACCEPT;
	}
	if (err) {
		sfb_ruleset_count_ns(rs, SFB_CNT_MALFORMED, skb->len);
		return rs->policy.mode == SFB_MODE_ENFORCE ? NF_DROP :
							     NF_ACCEPT;
	}

	sfb_flow_state(skb, &pkt);
	sfb_ruleset_classify_to(rs, dst, &pkt, &res);
	sfb_ruleset_count(rs, &res, skb->len);
	if (res.verdict != SFB_VERDICT_ACCEPT)
		sfb_events_denial(state, skb, rs, &pkt, &res);
	if (res.verdict == SFB_VERDICT_DROP)
		return NF_DROP;
	skb->mark |= res.mark;
	return NF_ACCEPT;
}

/*
 * Locally originated packets: mark only, never drop (sfb polices what
 * enters). The socket's route was looked up before any mark existed, so a
 * packet that gains bits here is routed again and the xfrm "out" policy
 * lookup sees them; ESP output comes back through LOCAL_OUT already
 * transformed and is left alone.
 */
static unsigned int sfb_local_out(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	const struct sfb_ruleset *rs;
	struct sfb_packet pkt;
	struct sfb_result res;
	bool ipv4 = state->pf == NFPROTO_IPV4;
	int err;

	rs = rcu_dereference(sfb_net(state->net)->ruleset);
	if (unlikely(!rs))
		return NF_ACCEPT;
	if (ipv4 ? IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED :
		   IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED)
		return NF_ACCEPT;
	sfb_parse_addrs(skb, state->pf, &pkt);
	if (sfb_parse_ports(skb, state->pf, &pkt))
		return NF_ACCEPT;

	sfb_flow_state(skb, &pkt);
	pkt.new_flow = false;	/* never policed here */
	sfb_ruleset_classify(rs, &pkt, &res);
	if (!(res.mark & ~skb->mark))
		return NF_ACCEPT;
	skb->mark |= res.mark;
	err = ipv4 ? ip_route_me_harder(state->net, state->sk, skb,
					RTN_UNSPEC) :
		     nf_ip6_route_me_harder(state->net, state->sk, skb);
	return err < 0 ? NF_DROP_ERR(err) : NF_ACCEPT;
}

/*
 * The hooks come in groups, registered only while the ruleset in force
 * needs them: a family's PRE_ROUTING stages (and its conntrack) if some
 * address of that family is bound, or if exemptions of any address set
 * the ipsec-exempt mark (the one thing sfb does to unbound addresses);
 * its LOCAL_OUT if, in addition, the ruleset sets marks (it only marks).
 */
enum {
	SFB_HOOKS_IN_IPV4,	/* + SFB_FAM_*: a family's IN group */
	SFB_HOOKS_IN_IPV6,
	SFB_HOOKS_OUT_IPV4,	/* + SFB_FAM_*: its OUT group */
	SFB_HOOKS_OUT_IPV6,
};

static const struct sfb_hook_group {
	struct nf_hook_ops ops[2];
	unsigned int nops;
	u8 conntrack;		/* the family conntrack runs for, or 0 */
} sfb_hook_groups[] = {
	[SFB_HOOKS_IN_IPV4] = {
		.ops = {
			{
				.hook = sfb_hook_first,
				.pf = NFPROTO_IPV4,
				.hooknum = NF_INET_PRE_ROUTING,
				.priority = SFB_PRI_FIRST_IPV4,
			},
			{
				.hook = sfb_hook,
				.pf = NFPROTO_IPV4,
				.hooknum = NF_INET_PRE_ROUTING,
				.priority = SFB_PRI_IPV4,
			},
		},
		.nops = 2,
		.conntrack = NFPROTO_IPV4,
	},
	[SFB_HOOKS_IN_IPV6] = {
		.ops = {
			{
				.hook = sfb_hook_first,
				.pf = NFPROTO_IPV6,
				.hooknum = NF_INET_PRE_ROUTING,
				.priority = SFB_PRI_FIRST_IPV6,
			},
			{
				.hook = sfb_hook,
				.pf = NFPROTO_IPV6,
				.hooknum = NF_INET_PRE_ROUTING,
				.priority = SFB_PRI_IPV6,
			},
		},
		.nops = 2,
		.conntrack = NFPROTO_IPV6,
	},
	/* Their family's IN group, always with them, holds conntrack. */
	[SFB_HOOKS_OUT_IPV4] = {
		.ops = {
			{
				.hook = sfb_local_out,
				.pf = NFPROTO_IPV4,
				.hooknum = NF_INET_LOCAL_OUT,
				.priority = SFB_PRI_IPV4,
			},
		},
		.nops = 1,
	},
	[SFB_HOOKS_OUT_IPV6] = {
		.ops = {
			{
				.hook = sfb_local_out,
				.pf = NFPROTO_IPV6,
				.hooknum = NF_INET_LOCAL_OUT,
				.priority = SFB_PRI_IPV6,
			},
		},
		.nops = 1,
	},
};

unsigned int sfb_hooks_wanted(const struct sfb_ruleset *rs)
{
	bool any = false, marks = false;
	unsigned int want = 0;
	int i;

	for (i = 0; i < SFB_NPROTOS; i++)
		any |= rs->any_dport[i].pm || rs->any_sport[i].pm;
	any &= rs->policy.mark[SFB_CLASS_EXEMPT] != 0;
	for (i = 0; i < __SFB_CLASS_MAX; i++)
		marks |= rs->policy.mark[i] != 0;
	for (i = 0; i < SFB_NFAMS; i++) {
		if (!rs->nspans[i] && !any)
			continue;
		want |= BIT(SFB_HOOKS_IN_IPV4 + i);
		if (marks)
			want |= BIT(SFB_HOOKS_OUT_IPV4 + i);
	}
	return want;
}

void sfb_hooks_unregister(struct net *net, unsigned int groups)
{
	const struct sfb_hook_group *g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sfb_hook_groups); i++) {
		if (!(groups & BIT(i)))
			continue;
		g = &sfb_hook_groups[i];
		nf_unregister_net_hooks(net, g->ops, g->nops);
		if (g->conntrack)
			nf_ct_netns_put(net, g->conntrack);
	}
}

/* All of @groups, or none: conntrack (and with it defrag) first. */
int sfb_hooks_register(struct net *net, unsigned int groups)
{
	const struct sfb_hook_group *g;
	unsigned int i, done = 0;
	int err;

	for (i = 0; i < ARRAY_SIZE(sfb_hook_groups); i++) {
		if (!(groups & BIT(i)))
			continue;
		g = &sfb_hook_groups[i];
		err = g->conntrack ? nf_ct_netns_get(net, g->conntrack) : 0;
		if (err)
			goto err;
		err = nf_register_net_hooks(net, g->ops, g->nops);
		if (err) {
			if (g->conntrack)
				nf_ct_netns_put(net, g->conntrack);
			goto err;
		}
		done |= BIT(i);
	}
	return 0;
err:
	sfb_hooks_unregister(net, done);
	return err;
}
