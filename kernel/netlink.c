// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the "sfb" generic netlink family: its command table and
 * multicast group, the notifier that ends a closed socket's load
 * transaction, and the commands that neither load nor dump: GET_INFO,
 * FLUSH, ZERO_STATS and MATCH. The
 * protocol is specified in include/uapi/linux/sfb.h; netlink.h says where
 * the rest is.
 */

#include <linux/in.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "events.h"
#include "netlink.h"
#include "ruleset.h"
#include "sfb.h"

/* Addresses are 4 (IPv4) or 16 (IPv6) bytes. */
int sfb_validate_addr(const struct nlattr *attr,
		      struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == 4 || nla_len(attr) == 16)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

/* The request half of enum sfb_match_attr; the rest is reply only. */
static const struct nla_policy sfb_match_policy[SFB_MATCH_A_DPORT + 1] = {
	[SFB_MATCH_A_SADDR] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
						     sfb_validate_addr, 16),
	[SFB_MATCH_A_DADDR] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
						     sfb_validate_addr, 16),
	[SFB_MATCH_A_PROTO] = { .type = NLA_U8 },
	[SFB_MATCH_A_SPORT] = { .type = NLA_U16 },
	[SFB_MATCH_A_DPORT] = { .type = NLA_U16 },
};

static const struct nla_policy sfb_match_cmd_policy[SFB_A_MATCH + 1] = {
	[SFB_A_MATCH] = NLA_POLICY_NESTED(sfb_match_policy),
};

/* Is @tb[@type] missing? Then say so, naming the nest and the type. */
bool sfb_missing(struct netlink_ext_ack *extack, const struct nlattr *nest,
		 struct nlattr **tb, u32 type)
{
	if (!NL_REQ_ATTR_CHECK(extack, nest, tb, type))
		return false;
	NL_SET_ERR_MSG(extack, "required attribute missing");
	return true;
}

static int sfb_put_limits(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, SFB_A_LIMITS);

	if (!nest ||
	    nla_put_u32(skb, SFB_LIMIT_A_ROLES, SFB_MAX_ROLES) ||
	    nla_put_u32(skb, SFB_LIMIT_A_SERVICES, SFB_MAX_RULES) ||
	    nla_put_u32(skb, SFB_LIMIT_A_BINDINGS, SFB_MAX_BINDINGS) ||
	    nla_put_u32(skb, SFB_LIMIT_A_EXEMPTIONS, SFB_MAX_EXEMPTIONS) ||
	    nla_put_u64_64bit(skb, SFB_LIMIT_A_MEMORY, SFB_MAX_MEMORY,
			      SFB_LIMIT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * What the module is and enforces, for anyone (sfbctl version works
 * unprivileged, as reading /sys/module would); the namespace's ruleset
 * state only for CAP_NET_ADMIN over it, as every other command.
 */
static int sfb_put_state(struct sk_buff *msg, struct sfb_net *sn)
{
	const struct sfb_ruleset *rs = sfb_net_ruleset(sn);

	return nla_put_u64_64bit(msg, SFB_A_GENERATION, sn->generation,
				 SFB_A_PAD) ||
	       nla_put_u64_64bit(msg, SFB_A_MEMORY, rs ? rs->memory : 0,
				 SFB_A_PAD) ||
	       nla_put_u32(msg, SFB_A_RULESETS, sfb_ruleset_alive());
}

static int sfb_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sfb_net *sn = sfb_net(net);
	bool admin = netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN);
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &sfb_genl_family, 0,
				SFB_CMD_GET_INFO);
	mutex_lock(&sn->lock);
	err = !hdr ||
	      nla_put_string(msg, SFB_A_VERSION, SFB_VERSION) ||
	      nla_put_u32(msg, SFB_A_UAPI_VERSION, SFB_GENL_VERSION) ||
	      sfb_put_limits(msg) ||
	      (admin && sfb_put_state(msg, sn));
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int sfb_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sfb_net *sn = sfb_net(net);
	int err;

	mutex_lock(&sn->lock);
	err = sfb_net_install(net, NULL);
	if (!err)
		sfb_events_ruleset(net, SFB_CMD_FLUSH, sn->generation);
	mutex_unlock(&sn->lock);
	return err;
}

static int sfb_nl_zero_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	const struct sfb_ruleset *rs;

	mutex_lock(&sn->lock);
	rs = sfb_net_ruleset(sn);
	if (rs)
		sfb_ruleset_zero_stats(rs);
	mutex_unlock(&sn->lock);
	return 0;
}

/*
 * SFB_CMD_MATCH
 */

static int sfb_parse_match(struct genl_info *info, struct sfb_packet *pkt)
{
	static const u32 required[] = {
		SFB_MATCH_A_SADDR, SFB_MATCH_A_DADDR, SFB_MATCH_A_PROTO,
		SFB_MATCH_A_SPORT, SFB_MATCH_A_DPORT,
	};
	struct nlattr *tb[ARRAY_SIZE(sfb_match_policy)];
	struct nlattr *nest = info->attrs[SFB_A_MATCH];
	struct netlink_ext_ack *extack = info->extack;
	int err;
	u32 i;

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_MATCH))
		return -EINVAL;
	err = nla_parse_nested(tb, ARRAY_SIZE(sfb_match_policy) - 1, nest,
			       sfb_match_policy, extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (sfb_missing(extack, nest, tb, required[i]))
			return -EINVAL;
	if (nla_len(tb[SFB_MATCH_A_SADDR]) != nla_len(tb[SFB_MATCH_A_DADDR])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_MATCH_A_DADDR],
				    "addresses of different families");
		return -EINVAL;
	}
	switch (nla_get_u8(tb[SFB_MATCH_A_PROTO])) {
	case IPPROTO_TCP:
		pkt->pi = SFB_PI_TCP;
		break;
	case IPPROTO_UDP:
		pkt->pi = SFB_PI_UDP;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_MATCH_A_PROTO],
				    "protocol must be tcp (6) or udp (17)");
		return -EINVAL;
	}
	pkt->fam = nla_len(tb[SFB_MATCH_A_SADDR]) == 4 ? SFB_FAM_IPV4 :
							 SFB_FAM_IPV6;
	sfb_addr_load(&pkt->saddr, nla_data(tb[SFB_MATCH_A_SADDR]), pkt->fam);
	sfb_addr_load(&pkt->daddr, nla_data(tb[SFB_MATCH_A_DADDR]), pkt->fam);
	pkt->sport = nla_get_u16(tb[SFB_MATCH_A_SPORT]);
	pkt->dport = nla_get_u16(tb[SFB_MATCH_A_DPORT]);
	pkt->new_flow = true;
	return 0;
}

/* The packet, as SFB_CMD_MATCH's request gives it. */
static int sfb_put_packet(struct sk_buff *msg, const struct sfb_packet *pkt)
{
	int len = pkt->fam == SFB_FAM_IPV4 ? 4 : 16;
	u8 addr[16];

	sfb_addr_store(&pkt->saddr, addr, pkt->fam);
	if (nla_put(msg, SFB_MATCH_A_SADDR, len, addr))
		return -EMSGSIZE;
	sfb_addr_store(&pkt->daddr, addr, pkt->fam);
	if (nla_put(msg, SFB_MATCH_A_DADDR, len, addr) ||
	    nla_put_u8(msg, SFB_MATCH_A_PROTO, pkt->pi == SFB_PI_TCP ?
			   IPPROTO_TCP : IPPROTO_UDP) ||
	    nla_put_u16(msg, SFB_MATCH_A_SPORT, pkt->sport) ||
	    nla_put_u16(msg, SFB_MATCH_A_DPORT, pkt->dport))
		return -EMSGSIZE;
	return 0;
}

int sfb_put_match(struct sk_buff *msg, const struct sfb_ruleset *rs,
		  const struct sfb_packet *pkt, const struct sfb_result *res)
{
	const struct sfb_target *src = res->src;
	struct nlattr *nest = nla_nest_start(msg, SFB_A_MATCH);

	/* The hook looks the source up only when an exemption needs it. */
	if (!src)
		src = sfb_ruleset_lookup(rs, pkt->fam, &pkt->saddr);
	if (!nest || sfb_put_packet(msg, pkt) ||
	    (res->dst && nla_put_u32(msg, SFB_MATCH_A_DST_TARGET,
				     sfb_ruleset_target_id(rs, res->dst))) ||
	    (src && nla_put_u32(msg, SFB_MATCH_A_SRC_TARGET,
				sfb_ruleset_target_id(rs, src))) ||
	    nla_put_u32(msg, SFB_MATCH_A_CLASSES, res->classes) ||
	    nla_put_u8(msg, SFB_MATCH_A_VERDICT, res->verdict) ||
	    nla_put_u32(msg, SFB_MATCH_A_MARK, res->mark))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int sfb_nl_match(struct sk_buff *skb, struct genl_info *info)
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	const struct sfb_ruleset *rs;
	struct sfb_packet pkt = {};
	struct sfb_result res;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = sfb_parse_match(info, &pkt);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sfb_genl_family, 0,
				SFB_CMD_MATCH);

	mutex_lock(&sn->lock);
	rs = sfb_net_ruleset(sn);
	if (!rs) {
		GENL_SET_ERR_MSG(info, "no ruleset loaded");
		err = -ENOENT;
	} else {
		sfb_ruleset_classify(rs, &pkt, &res);
		err = !hdr ||
		      nla_put_u64_64bit(msg, SFB_A_GENERATION, sn->generation,
					SFB_A_PAD) ||
		      sfb_put_match(msg, rs, &pkt, &res) ? -EMSGSIZE : 0;
	}
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * A command without a policy accepts no attributes: validation is strict
 * from op 0 (resv_start_op is 0). Every command but GET_INFO (which
 * checks for itself) needs CAP_NET_ADMIN in the user namespace that owns
 * the network namespace.
 */
static const struct genl_ops sfb_genl_ops[] = {
	{
		.cmd = SFB_CMD_GET_INFO,
		.doit = sfb_nl_get_info,
	},
	{
		.cmd = SFB_CMD_LOAD_BEGIN,
		.doit = sfb_nl_load_begin,
		.policy = sfb_load_begin_policy,
		.maxattr = ARRAY_SIZE(sfb_load_begin_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_LOAD_ROLE,
		.doit = sfb_nl_load_role,
		.policy = sfb_load_role_policy,
		.maxattr = ARRAY_SIZE(sfb_load_role_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_LOAD_BIND,
		.doit = sfb_nl_load_bind,
		.policy = sfb_load_bind_policy,
		.maxattr = ARRAY_SIZE(sfb_load_bind_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_LOAD_EXEMPT,
		.doit = sfb_nl_load_exempt,
		.policy = sfb_load_exempt_policy,
		.maxattr = ARRAY_SIZE(sfb_load_exempt_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_LOAD_COMMIT,
		.doit = sfb_nl_load_commit,
		.policy = sfb_load_commit_policy,
		.maxattr = ARRAY_SIZE(sfb_load_commit_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_LOAD_ABORT,
		.doit = sfb_nl_load_abort,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_FLUSH,
		.doit = sfb_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_GET_RULESET,
		.dumpit = sfb_nl_get_ruleset,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_GET_STATS,
		.dumpit = sfb_nl_get_stats,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_ZERO_STATS,
		.doit = sfb_nl_zero_stats,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SFB_CMD_MATCH,
		.doit = sfb_nl_match,
		.policy = sfb_match_cmd_policy,
		.maxattr = ARRAY_SIZE(sfb_match_cmd_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

/* Events reveal traffic: only for CAP_NET_ADMIN over the namespace. */
static const struct genl_multicast_group sfb_mcgrps[] = {
	[SFB_MCGRP_EVENTS] = {
		.name = SFB_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family sfb_genl_family __ro_after_init = {
	.name = SFB_GENL_NAME,
	.version = SFB_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = sfb_genl_ops,
	.n_ops = ARRAY_SIZE(sfb_genl_ops),
	.mcgrps = sfb_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sfb_mcgrps),
};

/* Closing the socket that owns a load transaction discards it. */
static int sfb_nl_notify(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	const struct netlink_notify *n = ptr;
	struct sfb_net *sn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	sn = sfb_net(n->net);
	mutex_lock(&sn->lock);
	if (sn->txn && sn->txn_portid == n->portid)
		sfb_net_discard_txn(sn);
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block sfb_nl_notifier = {
	.notifier_call = sfb_nl_notify,
};

int __init sfb_netlink_init(void)
{
	int err;

	err = netlink_register_notifier(&sfb_nl_notifier);
	if (err)
		return err;
	err = genl_register_family(&sfb_genl_family);
	if (err)
		netlink_unregister_notifier(&sfb_nl_notifier);
	return err;
}

/* The family first: no new request can then open a transaction. */
void sfb_netlink_uninit(void)
{
	genl_unregister_family(&sfb_genl_family);
	netlink_unregister_notifier(&sfb_nl_notifier);
}
