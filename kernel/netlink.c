// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the "sfb" generic netlink family. The protocol is specified in
 * include/uapi/linux/sfb.h; this is the only file that speaks it.
 */

#include <net/genetlink.h>

#include <uapi/linux/sfb.h>

#include "sfb.h"

static struct genl_family sfb_genl_family;

static int sfb_put_limits(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, SFB_A_LIMITS);

	if (!nest ||
	    nla_put_u32(skb, SFB_LIMIT_A_ROLES, SFB_MAX_ROLES) ||
	    nla_put_u32(skb, SFB_LIMIT_A_SERVICES, SFB_MAX_SERVICES) ||
	    nla_put_u32(skb, SFB_LIMIT_A_BINDINGS, SFB_MAX_BINDINGS) ||
	    nla_put_u32(skb, SFB_LIMIT_A_EXEMPTIONS, SFB_MAX_EXEMPTIONS) ||
	    nla_put_u64_64bit(skb, SFB_LIMIT_A_MEMORY, SFB_MAX_MEMORY,
			      SFB_LIMIT_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &sfb_genl_family, 0,
				SFB_CMD_GET_INFO);
	if (!hdr ||
	    nla_put_string(msg, SFB_A_VERSION, SFB_VERSION) ||
	    nla_put_u32(msg, SFB_A_UAPI_VERSION, SFB_GENL_VERSION) ||
	    sfb_put_limits(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * A command without a policy accepts no attributes: validation is strict
 * from op 0 (resv_start_op is 0). Every command needs CAP_NET_ADMIN in the
 * user namespace that owns the network namespace.
 */
static const struct genl_ops sfb_genl_ops[] = {
	{
		.cmd = SFB_CMD_GET_INFO,
		.doit = sfb_nl_get_info,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family sfb_genl_family __ro_after_init = {
	.name = SFB_GENL_NAME,
	.version = SFB_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = sfb_genl_ops,
	.n_ops = ARRAY_SIZE(sfb_genl_ops),
};

int __init sfb_netlink_init(void)
{
	return genl_register_family(&sfb_genl_family);
}

void sfb_netlink_uninit(void)
{
	genl_unregister_family(&sfb_genl_family);
}
