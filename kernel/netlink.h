/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb: the "sfb" generic netlink family, in four files: netlink.c (the
 * family, its policies per command, GET_INFO, FLUSH, ZERO_STATS, MATCH),
 * netlink_load.c (the load transaction), netlink_dump.c (GET_RULESET and
 * GET_STATS) and events.c (the "events" group's notifications). The
 * protocol is specified in include/uapi/linux/sfb.h.
 */
#ifndef _NF_SFB_NETLINK_H
#define _NF_SFB_NETLINK_H

#include <net/genetlink.h>

#include <uapi/linux/sfb.h>

extern struct genl_family sfb_genl_family;

/* The family's multicast groups, as indexes of its mcgrps. */
enum sfb_mcgrp {
	SFB_MCGRP_EVENTS,
};

struct sfb_packet;
struct sfb_result;
struct sfb_ruleset;

/* SFB_A_MATCH: @pkt and what @rs does with it (MATCH and DENIAL). */
int sfb_put_match(struct sk_buff *msg, const struct sfb_ruleset *rs,
		  const struct sfb_packet *pkt, const struct sfb_result *res);

int sfb_validate_addr(const struct nlattr *attr,
		      struct netlink_ext_ack *extack);
bool sfb_missing(struct netlink_ext_ack *extack, const struct nlattr *nest,
		 struct nlattr **tb, u32 type);

/* netlink_load.c: each command's top-level policy, and its handler. */
extern const struct nla_policy sfb_load_begin_policy[SFB_A_POLICY + 1];
extern const struct nla_policy sfb_load_role_policy[SFB_A_ROLE + 1];
extern const struct nla_policy sfb_load_bind_policy[SFB_A_BINDS + 1];
extern const struct nla_policy sfb_load_exempt_policy[SFB_A_EXEMPTS + 1];
extern const struct nla_policy sfb_load_commit_policy[SFB_A_CHECK_ONLY + 1];

int sfb_nl_load_begin(struct sk_buff *skb, struct genl_info *info);
int sfb_nl_load_role(struct sk_buff *skb, struct genl_info *info);
int sfb_nl_load_bind(struct sk_buff *skb, struct genl_info *info);
int sfb_nl_load_exempt(struct sk_buff *skb, struct genl_info *info);
int sfb_nl_load_commit(struct sk_buff *skb, struct genl_info *info);
int sfb_nl_load_abort(struct sk_buff *skb, struct genl_info *info);

/* netlink_dump.c */
int sfb_nl_get_ruleset(struct sk_buff *skb, struct netlink_callback *cb);
int sfb_nl_get_stats(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _NF_SFB_NETLINK_H */
