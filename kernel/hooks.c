// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb datapath: parse IPv4/IPv6 and the TCP/UDP ports, classify with the
 * namespace's ruleset, count, mark, and give the verdict.
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

#include "hooks.h"
#include "ruleset.h"

/*
 * PRE_ROUTING, right after conntrack (-200, which runs after defrag at
 * -400): fragments are reassembled, so every packet has its ports, and
 * ctinfo tells new flows from established ones. Before mangle (-150) and
 * DNAT (-100): mangle rules see sfb's marks, the address classified is the
 * one on the wire, and routing and the xfrm policy checks of forwarded and
 * local traffic, which come later (xfrm_policy_check() on input and
 * forward, xfrm_lookup() on output), see the marks.
 * LOCAL_OUT at the same priority: after conntrack, before mangle and NAT.
 */
#define SFB_HOOK_PRI_IPV4	(NF_IP_PRI_CONNTRACK + 1)
#define SFB_HOOK_PRI_IPV6	(NF_IP6_PRI_CONNTRACK + 1)

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

/* Fragments left here escaped defrag: their ports are unknown. */
static int sfb_parse_ipv4(const struct sk_buff *skb, struct sfb_packet *pkt)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_is_fragment(iph))
		return -EBADMSG;
	pkt->fam = SFB_FAM_IPV4;
	sfb_addr_load(&pkt->saddr, &iph->saddr, SFB_FAM_IPV4);
	sfb_addr_load(&pkt->daddr, &iph->daddr, SFB_FAM_IPV4);
	return sfb_parse_l4(skb, skb_network_offset(skb) + ip_hdrlen(skb),
			    iph->protocol, pkt);
}

/*
 * Walk the extension headers (hop-by-hop, routing, destination options)
 * to the L4 header. Stop at AH: what follows is IPsec's, not sfb's, and
 * AH-protected packets must not be marked before xfrm has seen them.
 */
static int sfb_parse_ipv6(const struct sk_buff *skb, struct sfb_packet *pkt)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	int flags = IP6_FH_F_AUTH, proto;
	unsigned int thoff = 0;

	proto = ipv6_find_hdr(skb, &thoff, -1, NULL, &flags);
	if (proto < 0 || (flags & IP6_FH_F_FRAG))
		return -EBADMSG;
	pkt->fam = SFB_FAM_IPV6;
	sfb_addr_load(&pkt->saddr, &ip6h->saddr, SFB_FAM_IPV6);
	sfb_addr_load(&pkt->daddr, &ip6h->daddr, SFB_FAM_IPV6);
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

static unsigned int sfb_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	const struct sfb_ruleset *rs;
	struct sfb_packet pkt;
	struct sfb_result res;
	int err;

	rs = rcu_dereference(sfb_net(state->net)->ruleset);
	if (unlikely(!rs))
		return NF_ACCEPT;

	err = state->pf == NFPROTO_IPV4 ? sfb_parse_ipv4(skb, &pkt) :
					  sfb_parse_ipv6(skb, &pkt);
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
	sfb_ruleset_classify(rs, &pkt, &res);
	sfb_ruleset_count(rs, &res, skb->len);
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
	if (ipv4 ? sfb_parse_ipv4(skb, &pkt) : sfb_parse_ipv6(skb, &pkt))
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

static const struct nf_hook_ops sfb_hook_ops[] = {
	{
		.hook = sfb_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SFB_HOOK_PRI_IPV4,
	},
	{
		.hook = sfb_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = SFB_HOOK_PRI_IPV6,
	},
	{
		.hook = sfb_local_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SFB_HOOK_PRI_IPV4,
	},
	{
		.hook = sfb_local_out,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = SFB_HOOK_PRI_IPV6,
	},
};

/* Conntrack (and with it defrag) stays on while the hooks are there. */
int sfb_hooks_register(struct net *net)
{
	int err;

	err = nf_ct_netns_get(net, NFPROTO_INET);
	if (err)
		return err;
	err = nf_register_net_hooks(net, sfb_hook_ops,
				    ARRAY_SIZE(sfb_hook_ops));
	if (err)
		nf_ct_netns_put(net, NFPROTO_INET);
	return err;
}

void sfb_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, sfb_hook_ops, ARRAY_SIZE(sfb_hook_ops));
	nf_ct_netns_put(net, NFPROTO_INET);
}
