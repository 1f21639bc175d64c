// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the "sfb" generic netlink family. The protocol is specified in
 * include/uapi/linux/sfb.h; this is the only file that speaks it.
 */

#include <linux/in.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <uapi/linux/sfb.h>

#include "ruleset.h"
#include "sfb.h"

static struct genl_family sfb_genl_family;

static_assert(SFB_MAX_MEMORY == 67108864, "update the messages below");
#define SFB_MSG_MEMORY	"memory limit reached (67108864 bytes)"

/* The marks are indexed by class. */
static_assert(SFB_POLICY_A_MARK_MEDIA - SFB_CLASS_MEDIA ==
	      SFB_POLICY_A_MARK_SERVICE);
static_assert(SFB_POLICY_A_MARK_EXEMPT - SFB_CLASS_EXEMPT ==
	      SFB_POLICY_A_MARK_SERVICE);

/* Addresses are 4 (IPv4) or 16 (IPv6) bytes. */
static int sfb_validate_addr(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == 4 || nla_len(attr) == 16)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "address must be 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

static const struct nla_policy sfb_policy_policy[SFB_POLICY_A_MAX + 1] = {
	[SFB_POLICY_A_MODE] = NLA_POLICY_MAX(NLA_U8, SFB_MODE_MAX),
	[SFB_POLICY_A_MARK_SERVICE] = { .type = NLA_U32 },
	[SFB_POLICY_A_MARK_MEDIA] = { .type = NLA_U32 },
	[SFB_POLICY_A_MARK_EXEMPT] = { .type = NLA_U32 },
};

static const struct nla_policy sfb_rule_policy[SFB_RULE_A_MAX + 1] = {
	[SFB_RULE_A_NAME] = { .type = NLA_NUL_STRING, .len = SFB_NAME_MAX - 1 },
	[SFB_RULE_A_CLASS] = NLA_POLICY_MAX(NLA_U8, SFB_CLASS_MEDIA),
	[SFB_RULE_A_PROTOS] = NLA_POLICY_RANGE(NLA_U8, 1, SFB_PROTO_ALL),
	[SFB_RULE_A_PORT_FIRST] = { .type = NLA_U16 },
	[SFB_RULE_A_PORT_LAST] = { .type = NLA_U16 },
	[SFB_RULE_A_TRANSPORT] = { .type = NLA_NUL_STRING,
				   .len = SFB_NAME_MAX - 1 },
};

static const struct nla_policy sfb_rules_policy[SFB_RULES_A_MAX + 1] = {
	[SFB_RULES_A_RULE] = NLA_POLICY_NESTED(sfb_rule_policy),
};

static const struct nla_policy sfb_role_policy[SFB_ROLE_A_MAX + 1] = {
	[SFB_ROLE_A_ID] = NLA_POLICY_MAX(NLA_U32, SFB_MAX_ROLES - 1),
	[SFB_ROLE_A_NAME] = { .type = NLA_NUL_STRING, .len = SFB_NAME_MAX - 1 },
	[SFB_ROLE_A_RULES] = NLA_POLICY_NESTED(sfb_rules_policy),
	[SFB_ROLE_A_DESCRIPTION] = { .type = NLA_NUL_STRING,
				     .len = SFB_TEXT_MAX - 1 },
};

static const struct nla_policy sfb_bind_policy[SFB_BIND_A_MAX + 1] = {
	[SFB_BIND_A_ROLE] = NLA_POLICY_MAX(NLA_U32, SFB_MAX_ROLES - 1),
	[SFB_BIND_A_ADDR] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, sfb_validate_addr,
						   16),
	[SFB_BIND_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy sfb_binds_policy[SFB_BINDS_A_MAX + 1] = {
	[SFB_BINDS_A_BIND] = NLA_POLICY_NESTED(sfb_bind_policy),
};

static const struct nla_policy sfb_exempt_policy[SFB_EXEMPT_A_MAX + 1] = {
	[SFB_EXEMPT_A_NAME] = { .type = NLA_NUL_STRING,
				.len = SFB_NAME_MAX - 1 },
	[SFB_EXEMPT_A_FROM_ROLE] = NLA_POLICY_MAX(NLA_U32, SFB_MAX_ROLES - 1),
	[SFB_EXEMPT_A_TO_ROLE] = NLA_POLICY_MAX(NLA_U32, SFB_MAX_ROLES - 1),
	[SFB_EXEMPT_A_PROTOS] = NLA_POLICY_RANGE(NLA_U8, 1, SFB_PROTO_ALL),
	[SFB_EXEMPT_A_SPORT_FIRST] = { .type = NLA_U16 },
	[SFB_EXEMPT_A_SPORT_LAST] = { .type = NLA_U16 },
	[SFB_EXEMPT_A_DPORT_FIRST] = { .type = NLA_U16 },
	[SFB_EXEMPT_A_DPORT_LAST] = { .type = NLA_U16 },
};

static const struct nla_policy sfb_exempts_policy[SFB_EXEMPTS_A_MAX + 1] = {
	[SFB_EXEMPTS_A_EXEMPT] = NLA_POLICY_NESTED(sfb_exempt_policy),
};

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

/* One top-level policy per command: each accepts only its attributes. */
static const struct nla_policy sfb_begin_policy[SFB_A_POLICY + 1] = {
	[SFB_A_POLICY] = NLA_POLICY_NESTED(sfb_policy_policy),
};

/*
 * The genetlink core refuses a message that fails its policy before the
 * command runs, which would leave the transaction open. So the load
 * commands validate their nests themselves, with the strict policies
 * above, and any error in them discards the transaction.
 */
static const struct nla_policy sfb_load_role_policy[SFB_A_ROLE + 1] = {
	[SFB_A_ROLE] = { .type = NLA_NESTED },
};

static const struct nla_policy sfb_load_bind_policy[SFB_A_BINDS + 1] = {
	[SFB_A_BINDS] = { .type = NLA_NESTED },
};

static const struct nla_policy sfb_load_exempt_policy[SFB_A_EXEMPTS + 1] = {
	[SFB_A_EXEMPTS] = { .type = NLA_NESTED },
};

static const struct nla_policy sfb_commit_policy[SFB_A_CHECK_ONLY + 1] = {
	[SFB_A_CHECK_ONLY] = { .type = NLA_FLAG },
};

static const struct nla_policy sfb_match_cmd_policy[SFB_A_MATCH + 1] = {
	[SFB_A_MATCH] = NLA_POLICY_NESTED(sfb_match_policy),
};

/* Is @tb[@type] missing? Then say so, naming the nest and the type. */
static bool sfb_missing(struct netlink_ext_ack *extack,
			const struct nlattr *nest, struct nlattr **tb,
			u32 type)
{
	if (!NL_REQ_ATTR_CHECK(extack, nest, tb, type))
		return false;
	NL_SET_ERR_MSG(extack, "required attribute missing");
	return true;
}

/* A non-empty NUL_STRING (the policy checked the rest). */
static int sfb_get_name(struct netlink_ext_ack *extack,
			const struct nlattr *attr, const char **name)
{
	*name = nla_data(attr);
	if (**name)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "name is empty");
	return -EINVAL;
}

static int sfb_mem_error(struct netlink_ext_ack *extack,
			 const struct nlattr *attr, int err)
{
	if (err == -ENOSPC)
		NL_SET_ERR_MSG_ATTR(extack, attr, SFB_MSG_MEMORY);
	return err;
}

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
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	const struct sfb_ruleset *rs;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &sfb_genl_family, 0,
				SFB_CMD_GET_INFO);
	mutex_lock(&sn->lock);
	rs = sfb_net_ruleset(sn);
	err = !hdr ||
	      nla_put_string(msg, SFB_A_VERSION, SFB_VERSION) ||
	      nla_put_u32(msg, SFB_A_UAPI_VERSION, SFB_GENL_VERSION) ||
	      sfb_put_limits(msg) ||
	      nla_put_u64_64bit(msg, SFB_A_GENERATION, sn->generation,
				SFB_A_PAD) ||
	      nla_put_u64_64bit(msg, SFB_A_MEMORY, rs ? rs->memory : 0,
				SFB_A_PAD) ||
	      nla_put_u32(msg, SFB_A_RULESETS, sfb_ruleset_alive());
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Reply with the namespace's generation only. */
static int sfb_reply_generation(struct genl_info *info, struct sk_buff *msg,
				u64 generation)
{
	void *hdr = genlmsg_put_reply(msg, info, &sfb_genl_family, 0,
				      info->genlhdr->cmd);

	if (!hdr || nla_put_u64_64bit(msg, SFB_A_GENERATION, generation,
				      SFB_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The load transaction
 */

/* Is the sender the owner of the open transaction? */
static int sfb_txn_owner(struct sfb_net *sn, struct genl_info *info)
{
	if (!sn->txn) {
		GENL_SET_ERR_MSG(info, "no load transaction open");
		return -EINVAL;
	}
	if (sn->txn_portid != info->snd_portid) {
		GENL_SET_ERR_MSG(info,
				 "a load transaction of another socket is open");
		return -EBUSY;
	}
	return 0;
}

/*
 * The owner's messages carry consecutive sequence numbers. A message the
 * genl core refused before sfb saw it (broken framing, a reserved field
 * set) leaves a gap, so it still ends the transaction: nothing the sender
 * did not see accepted can be committed.
 */
static int sfb_txn_check(struct sfb_net *sn, struct genl_info *info)
{
	int err = sfb_txn_owner(sn, info);

	if (err)
		return err;
	if (info->snd_seq != sn->txn_seq + 1) {
		GENL_SET_ERR_MSG(info,
				 "message out of sequence: a message of this transaction was refused or lost");
		sfb_net_discard_txn(sn);
		return -EPROTO;
	}
	sn->txn_seq = info->snd_seq;
	return 0;
}

/*
 * Run @fn on the sender's transaction. An error discards the transaction;
 * the ruleset in force is not touched either way.
 */
static int sfb_txn_run(struct genl_info *info,
		       int (*fn)(struct sfb_ruleset *rs,
				 struct genl_info *info))
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	int err;

	mutex_lock(&sn->lock);
	err = sfb_txn_check(sn, info);
	if (!err) {
		err = fn(sn->txn, info);
		if (err)
			sfb_net_discard_txn(sn);
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int sfb_parse_policy(struct genl_info *info, struct sfb_policy *pol)
{
	struct nlattr *tb[SFB_POLICY_A_MAX + 1], *nest = info->attrs[SFB_A_POLICY];
	struct netlink_ext_ack *extack = info->extack;
	u32 c, used = 0;
	int err;

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_POLICY))
		return -EINVAL;
	err = nla_parse_nested(tb, SFB_POLICY_A_MAX, nest, sfb_policy_policy,
			       extack);
	if (err)
		return err;
	if (sfb_missing(extack, nest, tb, SFB_POLICY_A_MODE))
		return -EINVAL;
	pol->mode = nla_get_u8(tb[SFB_POLICY_A_MODE]);
	for (c = 0; c < __SFB_CLASS_MAX; c++) {
		const struct nlattr *attr = tb[SFB_POLICY_A_MARK_SERVICE + c];

		if (!attr)
			continue;
		pol->mark[c] = nla_get_u32(attr);
		if (pol->mark[c] & used) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "marks of different classes share bits");
			return -EINVAL;
		}
		used |= pol->mark[c];
	}
	return 0;
}

/*
 * BEGIN from the socket that already owns the transaction starts it
 * afresh; from another socket it fails.
 */
static int sfb_nl_load_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	const struct sfb_ruleset *old;
	struct sfb_policy pol = {};
	struct sfb_ruleset *rs;
	int err;

	err = sfb_parse_policy(info, &pol);
	if (err)
		return err;

	mutex_lock(&sn->lock);
	if (sn->txn && sn->txn_portid != info->snd_portid) {
		GENL_SET_ERR_MSG(info,
				 "a load transaction of another socket is open");
		err = -EBUSY;
		goto out;
	}
	sfb_net_discard_txn(sn);
	old = sfb_net_ruleset(sn);
	rs = sfb_ruleset_create(&pol, SFB_MAX_MEMORY - (old ? old->memory : 0));
	if (IS_ERR(rs)) {
		err = sfb_mem_error(info->extack, info->attrs[SFB_A_POLICY],
				    PTR_ERR(rs));
		goto out;
	}
	sn->txn = rs;
	sn->txn_portid = info->snd_portid;
	sn->txn_seq = info->snd_seq;
out:
	mutex_unlock(&sn->lock);
	return err;
}

/* A list of items in a load message: rules, bindings or exemptions. */
struct sfb_list {
	int type;			/* attribute type of the list nest */
	const struct nla_policy *policy;	/* of the list nest */
	unsigned int maxtype;
	int (*add)(struct sfb_ruleset *rs, u32 arg,
		   const struct nlattr *item, struct netlink_ext_ack *extack);
};

/*
 * Validate and add every item of every @l list nest among the @len bytes
 * of attributes at @head. A sender may split a list over several nests;
 * nla_parse() would keep only the last one.
 */
static int sfb_add_items(struct sfb_ruleset *rs, const struct nlattr *head,
			 int len, const struct sfb_list *l, u32 arg,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *list, *item;
	int rem, irem, err;

	nla_for_each_attr(list, head, len, rem) {
		if (nla_type(list) != l->type)
			continue;
		err = nla_validate_nested(list, l->maxtype, l->policy, extack);
		if (err)
			return err;
		nla_for_each_nested(item, list, irem) {
			err = l->add(rs, arg, item, extack);
			if (err)
				return err;
		}
	}
	return 0;
}

static int sfb_add_rule(struct sfb_ruleset *rs, u32 id,
			const struct nlattr *nest,
			struct netlink_ext_ack *extack)
{
	static const u32 required[] = {
		SFB_RULE_A_NAME, SFB_RULE_A_CLASS, SFB_RULE_A_PROTOS,
		SFB_RULE_A_PORT_FIRST, SFB_RULE_A_PORT_LAST,
	};
	struct nlattr *tb[SFB_RULE_A_MAX + 1];
	struct sfb_rule rule = {};
	const char *name;
	int err;
	u32 i;

	err = nla_parse_nested(tb, SFB_RULE_A_MAX, nest, sfb_rule_policy,
			       extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (sfb_missing(extack, nest, tb, required[i]))
			return -EINVAL;
	err = sfb_get_name(extack, tb[SFB_RULE_A_NAME], &name);
	if (err)
		return err;
	strscpy(rule.name, name, sizeof(rule.name));
	if (tb[SFB_RULE_A_TRANSPORT])
		nla_strscpy(rule.transport, tb[SFB_RULE_A_TRANSPORT],
			    sizeof(rule.transport));
	rule.class = nla_get_u8(tb[SFB_RULE_A_CLASS]);
	rule.protos = nla_get_u8(tb[SFB_RULE_A_PROTOS]);
	rule.first = nla_get_u16(tb[SFB_RULE_A_PORT_FIRST]);
	rule.last = nla_get_u16(tb[SFB_RULE_A_PORT_LAST]);
	if (rule.first > rule.last) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_RULE_A_PORT_LAST],
				    "port range first > last");
		return -EINVAL;
	}
	if (rs->nrules >= SFB_MAX_SERVICES) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "rule limit reached ("
				    __stringify(SFB_MAX_SERVICES) ")");
		return -ENOSPC;
	}
	return sfb_mem_error(extack, nest, sfb_ruleset_add_rule(rs, id, &rule));
}

static int sfb_load_role(struct sfb_ruleset *rs, struct genl_info *info)
{
	static const struct sfb_list rules = {
		SFB_ROLE_A_RULES, sfb_rules_policy, SFB_RULES_A_MAX,
		sfb_add_rule
	};
	struct nlattr *tb[SFB_ROLE_A_MAX + 1], *nest = info->attrs[SFB_A_ROLE];
	struct netlink_ext_ack *extack = info->extack;
	const char *name, *desc = NULL;
	u32 id, i;
	int err;

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_ROLE))
		return -EINVAL;
	err = nla_parse_nested(tb, SFB_ROLE_A_MAX, nest, sfb_role_policy,
			       extack);
	if (err)
		return err;
	if (sfb_missing(extack, nest, tb, SFB_ROLE_A_ID) ||
	    sfb_missing(extack, nest, tb, SFB_ROLE_A_NAME))
		return -EINVAL;
	id = nla_get_u32(tb[SFB_ROLE_A_ID]);
	err = sfb_get_name(extack, tb[SFB_ROLE_A_NAME], &name);
	if (err)
		return err;
	if (rs->role[id].name[0] && strcmp(rs->role[id].name, name)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_ROLE_A_NAME],
				    "role id already used by another name");
		return -EEXIST;
	}
	for (i = 0; i < SFB_MAX_ROLES; i++) {
		if (i != id && !strcmp(rs->role[i].name, name)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SFB_ROLE_A_ID],
					    "role name already used by another id");
			return -EEXIST;
		}
	}
	if (tb[SFB_ROLE_A_DESCRIPTION])
		desc = nla_data(tb[SFB_ROLE_A_DESCRIPTION]);
	sfb_ruleset_set_role(rs, id, name, desc);
	return sfb_add_items(rs, nla_data(nest), nla_len(nest), &rules, id,
			     extack);
}

static int sfb_add_bind(struct sfb_ruleset *rs, u32 unused,
			const struct nlattr *nest,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SFB_BIND_A_MAX + 1];
	struct sfb_bind bind = {};
	int err;

	err = nla_parse_nested(tb, SFB_BIND_A_MAX, nest, sfb_bind_policy,
			       extack);
	if (err)
		return err;
	if (sfb_missing(extack, nest, tb, SFB_BIND_A_ROLE) ||
	    sfb_missing(extack, nest, tb, SFB_BIND_A_ADDR) ||
	    sfb_missing(extack, nest, tb, SFB_BIND_A_PREFIXLEN))
		return -EINVAL;
	bind.role = nla_get_u32(tb[SFB_BIND_A_ROLE]);
	bind.fam = nla_len(tb[SFB_BIND_A_ADDR]) == 4 ? SFB_FAM_IPV4 :
						       SFB_FAM_IPV6;
	bind.prefixlen = nla_get_u8(tb[SFB_BIND_A_PREFIXLEN]);
	if (bind.prefixlen > sfb_fam_bits(bind.fam)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_BIND_A_PREFIXLEN],
				    "prefix length longer than the address");
		return -EINVAL;
	}
	sfb_addr_load(&bind.addr, nla_data(tb[SFB_BIND_A_ADDR]), bind.fam);
	if (!sfb_prefix_is_canonical(&bind.addr, bind.fam, bind.prefixlen)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_BIND_A_ADDR],
				    "address has host bits set");
		return -EINVAL;
	}
	if (rs->nbinds >= SFB_MAX_BINDINGS) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "binding limit reached ("
				    __stringify(SFB_MAX_BINDINGS) ")");
		return -ENOSPC;
	}
	return sfb_mem_error(extack, nest, sfb_ruleset_add_bind(rs, &bind));
}

static int sfb_load_bind(struct sfb_ruleset *rs, struct genl_info *info)
{
	static const struct sfb_list binds = {
		SFB_A_BINDS, sfb_binds_policy, SFB_BINDS_A_MAX, sfb_add_bind
	};

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_BINDS))
		return -EINVAL;
	return sfb_add_items(rs, genlmsg_data(info->genlhdr),
			     genlmsg_len(info->genlhdr), &binds, 0,
			     info->extack);
}

/* An optional port range: both ends or neither; 0-65535 when absent. */
static int sfb_get_range(struct netlink_ext_ack *extack, struct nlattr *first,
			 struct nlattr *last, struct sfb_port_range *r)
{
	r->first = 0;
	r->last = U16_MAX;
	if (!first && !last)
		return 0;
	if (!first || !last) {
		NL_SET_ERR_MSG_ATTR(extack, first ?: last,
				    "port range needs both first and last");
		return -EINVAL;
	}
	r->first = nla_get_u16(first);
	r->last = nla_get_u16(last);
	if (r->first > r->last) {
		NL_SET_ERR_MSG_ATTR(extack, last, "port range first > last");
		return -EINVAL;
	}
	return 0;
}

static int sfb_add_exempt(struct sfb_ruleset *rs, u32 unused,
			  const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SFB_EXEMPT_A_MAX + 1], *src;
	struct sfb_exempt e = {};
	const char *name;
	int err;

	err = nla_parse_nested(tb, SFB_EXEMPT_A_MAX, nest, sfb_exempt_policy,
			       extack);
	if (err)
		return err;
	if (sfb_missing(extack, nest, tb, SFB_EXEMPT_A_NAME) ||
	    sfb_missing(extack, nest, tb, SFB_EXEMPT_A_PROTOS))
		return -EINVAL;
	err = sfb_get_name(extack, tb[SFB_EXEMPT_A_NAME], &name);
	if (err)
		return err;
	strscpy(e.name, name, sizeof(e.name));
	e.protos = nla_get_u8(tb[SFB_EXEMPT_A_PROTOS]);
	err = sfb_get_range(extack, tb[SFB_EXEMPT_A_SPORT_FIRST],
			    tb[SFB_EXEMPT_A_SPORT_LAST], &e.sport);
	if (!err)
		err = sfb_get_range(extack, tb[SFB_EXEMPT_A_DPORT_FIRST],
				    tb[SFB_EXEMPT_A_DPORT_LAST], &e.dport);
	if (err)
		return err;
	if (tb[SFB_EXEMPT_A_FROM_ROLE]) {
		e.flags |= SFB_EXEMPT_F_FROM;
		e.from_role = nla_get_u32(tb[SFB_EXEMPT_A_FROM_ROLE]);
	}
	if (tb[SFB_EXEMPT_A_TO_ROLE]) {
		e.flags |= SFB_EXEMPT_F_TO;
		e.to_role = nla_get_u32(tb[SFB_EXEMPT_A_TO_ROLE]);
	}
	if (tb[SFB_EXEMPT_A_SPORT_FIRST])
		e.flags |= SFB_EXEMPT_F_SPORT;
	if (tb[SFB_EXEMPT_A_DPORT_FIRST])
		e.flags |= SFB_EXEMPT_F_DPORT;

	/* One side only: one bit test per side on the packet path. */
	src = tb[SFB_EXEMPT_A_FROM_ROLE] ?: tb[SFB_EXEMPT_A_SPORT_FIRST];
	if (src && (e.flags & (SFB_EXEMPT_F_TO | SFB_EXEMPT_F_DPORT))) {
		NL_SET_ERR_MSG_ATTR(extack, src,
				    "exemption constrains both source and destination");
		return -EOPNOTSUPP;
	}
	if (src)
		e.flags |= SFB_EXEMPT_F_SRC_SIDE;
	if (rs->nexempts >= SFB_MAX_EXEMPTIONS) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "exemption limit reached ("
				    __stringify(SFB_MAX_EXEMPTIONS) ")");
		return -ENOSPC;
	}
	return sfb_mem_error(extack, nest, sfb_ruleset_add_exempt(rs, &e));
}

static int sfb_load_exempt(struct sfb_ruleset *rs, struct genl_info *info)
{
	static const struct sfb_list exempts = {
		SFB_A_EXEMPTS, sfb_exempts_policy, SFB_EXEMPTS_A_MAX,
		sfb_add_exempt
	};

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_EXEMPTS))
		return -EINVAL;
	return sfb_add_items(rs, genlmsg_data(info->genlhdr),
			     genlmsg_len(info->genlhdr), &exempts, 0,
			     info->extack);
}

static int sfb_nl_load_role(struct sk_buff *skb, struct genl_info *info)
{
	return sfb_txn_run(info, sfb_load_role);
}

static int sfb_nl_load_bind(struct sk_buff *skb, struct genl_info *info)
{
	return sfb_txn_run(info, sfb_load_bind);
}

static int sfb_nl_load_exempt(struct sk_buff *skb, struct genl_info *info)
{
	return sfb_txn_run(info, sfb_load_exempt);
}

/* Bindings and exemptions may name roles sent later: check at COMMIT. */
static int sfb_check_roles(const struct sfb_ruleset *rs,
			   struct netlink_ext_ack *extack)
{
	u32 i;

	for (i = 0; i < rs->nbinds; i++) {
		if (!rs->role[rs->binds[i].role].name[0]) {
			NL_SET_ERR_MSG(extack,
				       "a binding names a role that was not loaded");
			return -EINVAL;
		}
	}
	for (i = 0; i < rs->nexempts; i++) {
		const struct sfb_exempt *e = &rs->exempts[i];

		if (((e->flags & SFB_EXEMPT_F_FROM) &&
		     !rs->role[e->from_role].name[0]) ||
		    ((e->flags & SFB_EXEMPT_F_TO) &&
		     !rs->role[e->to_role].name[0])) {
			NL_SET_ERR_MSG(extack,
				       "an exemption names a role that was not loaded");
			return -EINVAL;
		}
	}
	return 0;
}

static int sfb_nl_load_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sfb_net *sn = sfb_net(net);
	struct sk_buff *msg = NULL;
	struct sfb_ruleset *rs;
	u64 generation = 0;
	int err;

	mutex_lock(&sn->lock);
	err = sfb_txn_check(sn, info);
	if (err)
		goto unlock;
	rs = sn->txn;
	err = sfb_check_roles(rs, info->extack);
	if (!err)
		err = sfb_mem_error(info->extack, NULL,
				    sfb_ruleset_compile(rs));
	if (!err) {
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!msg)
			err = -ENOMEM;
	}
	if (!err && !info->attrs[SFB_A_CHECK_ONLY])
		err = sfb_net_install(net, rs);
	if (!err && !info->attrs[SFB_A_CHECK_ONLY])
		sn->txn = NULL;		/* now in force */
	sfb_net_discard_txn(sn);
	generation = sn->generation;
unlock:
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return sfb_reply_generation(info, msg, generation);
}

static int sfb_nl_load_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	int err = 0;

	mutex_lock(&sn->lock);
	if (sn->txn) {
		err = sfb_txn_owner(sn, info);
		if (!err)
			sfb_net_discard_txn(sn);
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int sfb_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct sfb_net *sn = sfb_net(net);
	int err;

	mutex_lock(&sn->lock);
	err = sfb_net_install(net, NULL);
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

static int sfb_put_match(struct sk_buff *msg, const struct sfb_ruleset *rs,
			 const struct sfb_packet *pkt,
			 const struct sfb_result *res)
{
	const struct sfb_target *src = res->src;
	struct nlattr *nest = nla_nest_start(msg, SFB_A_MATCH);

	/* The hook looks the source up only when an exemption needs it. */
	if (!src)
		src = sfb_ruleset_lookup(rs, pkt->fam, &pkt->saddr);
	if (!nest ||
	    (res->dst && nla_put_u32(msg, SFB_MATCH_A_DST_TARGET,
				     res->dst - rs->targets)) ||
	    (src && nla_put_u32(msg, SFB_MATCH_A_SRC_TARGET,
				src - rs->targets)) ||
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
 * Dumps. Each pass holds the namespace's lock, so the ruleset cannot go
 * away under it; between passes it may be replaced, which the generation
 * in cb->seq turns into NLM_F_DUMP_INTR. The position is kept in
 * cb->args: [0] the part, [1] the object, [2] the item within it.
 */

static void *sfb_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *req = nlmsg_data(cb->nlh);
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &sfb_genl_family,
				NLM_F_MULTI, req->cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/*
 * A list too long for one message: each message carries the @outer nest,
 * @head's attributes (@first: in the list's first message only) and, in
 * the @inner nest (or directly in @outer if 0), as many items as fit.
 */
struct sfb_chunks {
	int outer;
	int inner;
	int (*head)(struct sk_buff *skb, const struct sfb_ruleset *rs,
		    u32 obj, bool first);
	int (*item)(struct sk_buff *skb, const struct sfb_ruleset *rs,
		    u32 obj, u32 i);
	u32 obj;
	u32 n;
};

/* Emit one message of @c from item *@pos on; 0 or -EMSGSIZE. */
static int sfb_dump_chunk(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct sfb_ruleset *rs,
			  const struct sfb_chunks *c, long *pos)
{
	struct nlattr *outer, *inner = NULL;
	long start = *pos;
	void *hdr;

	hdr = sfb_dump_hdr(skb, cb);
	if (!hdr)
		return -EMSGSIZE;
	outer = nla_nest_start(skb, c->outer);
	if (!outer || (c->head && c->head(skb, rs, c->obj, !start)))
		goto cancel;
	if (c->inner) {
		inner = nla_nest_start(skb, c->inner);
		if (!inner)
			goto cancel;
	}
	while (*pos < c->n && !c->item(skb, rs, c->obj, *pos))
		(*pos)++;
	if (*pos == start && start < c->n)
		goto cancel;
	if (inner)
		nla_nest_end(skb, inner);
	nla_nest_end(skb, outer);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	*pos = start;
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int sfb_dump_chunks(struct sk_buff *skb, struct netlink_callback *cb,
			   const struct sfb_ruleset *rs,
			   const struct sfb_chunks *c, long *pos)
{
	int err;

	do {
		err = sfb_dump_chunk(skb, cb, rs, c, pos);
	} while (!err && *pos < c->n);
	return err;
}

static int sfb_dump_run(struct sk_buff *skb, struct netlink_callback *cb,
			int (*fn)(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  const struct sfb_ruleset *rs, u64 generation))
{
	struct sfb_net *sn = sfb_net(sock_net(skb->sk));
	const struct sfb_ruleset *rs;
	int err = 0;

	mutex_lock(&sn->lock);
	/* Also flags the final NLMSG_DONE if a flush came between passes. */
	cb->seq = sn->generation;
	rs = sfb_net_ruleset(sn);
	if (rs)
		err = fn(skb, cb, rs, sn->generation);
	mutex_unlock(&sn->lock);
	if (err && (err != -EMSGSIZE || !skb->len))
		return err;
	return skb->len;
}

static int sfb_put_policy(struct sk_buff *skb, const struct sfb_policy *pol)
{
	struct nlattr *nest = nla_nest_start(skb, SFB_A_POLICY);
	u32 c;

	if (!nest || nla_put_u8(skb, SFB_POLICY_A_MODE, pol->mode))
		return -EMSGSIZE;
	for (c = 0; c < __SFB_CLASS_MAX; c++)
		if (nla_put_u32(skb, SFB_POLICY_A_MARK_SERVICE + c,
				pol->mark[c]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_put_role_head(struct sk_buff *skb, const struct sfb_ruleset *rs,
			     u32 id, bool first)
{
	const struct sfb_role *role = &rs->role[id];

	if (nla_put_u32(skb, SFB_ROLE_A_ID, id) ||
	    nla_put_string(skb, SFB_ROLE_A_NAME, role->name) ||
	    (first && role->description[0] &&
	     nla_put_string(skb, SFB_ROLE_A_DESCRIPTION, role->description)))
		return -EMSGSIZE;
	return 0;
}

static int sfb_put_rule(struct sk_buff *skb, const struct sfb_ruleset *rs,
			u32 id, u32 i)
{
	const struct sfb_rule *r = &rs->role[id].rules[i];
	struct nlattr *nest = nla_nest_start(skb, SFB_RULES_A_RULE);

	if (!nest ||
	    nla_put_string(skb, SFB_RULE_A_NAME, r->name) ||
	    nla_put_u8(skb, SFB_RULE_A_CLASS, r->class) ||
	    nla_put_u8(skb, SFB_RULE_A_PROTOS, r->protos) ||
	    nla_put_u16(skb, SFB_RULE_A_PORT_FIRST, r->first) ||
	    nla_put_u16(skb, SFB_RULE_A_PORT_LAST, r->last) ||
	    (r->transport[0] &&
	     nla_put_string(skb, SFB_RULE_A_TRANSPORT, r->transport))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_put_bind(struct sk_buff *skb, const struct sfb_ruleset *rs,
			u32 obj, u32 i)
{
	const struct sfb_bind *b = &rs->binds[i];
	struct nlattr *nest = nla_nest_start(skb, SFB_BINDS_A_BIND);
	u8 addr[16];

	sfb_addr_store(&b->addr, addr, b->fam);
	if (!nest ||
	    nla_put_u32(skb, SFB_BIND_A_ROLE, b->role) ||
	    nla_put(skb, SFB_BIND_A_ADDR, sfb_fam_bits(b->fam) / 8, addr) ||
	    nla_put_u8(skb, SFB_BIND_A_PREFIXLEN, b->prefixlen)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_put_range(struct sk_buff *skb, int first,
			 const struct sfb_port_range *r)
{
	if (nla_put_u16(skb, first, r->first) ||
	    nla_put_u16(skb, first + 1, r->last))
		return -EMSGSIZE;
	return 0;
}

static int sfb_put_exempt(struct sk_buff *skb, const struct sfb_ruleset *rs,
			  u32 obj, u32 i)
{
	const struct sfb_exempt *e = &rs->exempts[i];
	struct nlattr *nest = nla_nest_start(skb, SFB_EXEMPTS_A_EXEMPT);

	if (!nest ||
	    nla_put_string(skb, SFB_EXEMPT_A_NAME, e->name) ||
	    ((e->flags & SFB_EXEMPT_F_FROM) &&
	     nla_put_u32(skb, SFB_EXEMPT_A_FROM_ROLE, e->from_role)) ||
	    ((e->flags & SFB_EXEMPT_F_TO) &&
	     nla_put_u32(skb, SFB_EXEMPT_A_TO_ROLE, e->to_role)) ||
	    nla_put_u8(skb, SFB_EXEMPT_A_PROTOS, e->protos) ||
	    ((e->flags & SFB_EXEMPT_F_SPORT) &&
	     sfb_put_range(skb, SFB_EXEMPT_A_SPORT_FIRST, &e->sport)) ||
	    ((e->flags & SFB_EXEMPT_F_DPORT) &&
	     sfb_put_range(skb, SFB_EXEMPT_A_DPORT_FIRST, &e->dport))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_dump_ruleset(struct sk_buff *skb, struct netlink_callback *cb,
			    const struct sfb_ruleset *rs, u64 generation)
{
	struct sfb_chunks binds = {
		SFB_A_BINDS, 0, NULL, sfb_put_bind, 0, rs->nbinds
	};
	struct sfb_chunks exempts = {
		SFB_A_EXEMPTS, 0, NULL, sfb_put_exempt, 0, rs->nexempts
	};
	void *hdr;
	int err;

	switch (cb->args[0]) {
	case 0:
		hdr = sfb_dump_hdr(skb, cb);
		if (!hdr)
			return -EMSGSIZE;
		if (nla_put_u64_64bit(skb, SFB_A_GENERATION, generation,
				      SFB_A_PAD) ||
		    sfb_put_policy(skb, &rs->policy)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
		fallthrough;
	case 1:
		for (; cb->args[1] < SFB_MAX_ROLES; cb->args[1]++) {
			struct sfb_chunks role = {
				SFB_A_ROLE, SFB_ROLE_A_RULES, sfb_put_role_head,
				sfb_put_rule, cb->args[1],
				rs->role[cb->args[1]].nrules
			};

			if (!rs->role[cb->args[1]].name[0])
				continue;
			err = sfb_dump_chunks(skb, cb, rs, &role, &cb->args[2]);
			if (err)
				return err;
			cb->args[2] = 0;
		}
		cb->args[0]++;
		fallthrough;
	case 2:
		if (rs->nbinds) {
			err = sfb_dump_chunks(skb, cb, rs, &binds, &cb->args[2]);
			if (err)
				return err;
		}
		cb->args[2] = 0;
		cb->args[0]++;
		fallthrough;
	case 3:
		if (rs->nexempts) {
			err = sfb_dump_chunks(skb, cb, rs, &exempts,
					      &cb->args[2]);
			if (err)
				return err;
		}
		cb->args[0]++;
	}
	return 0;
}

static int sfb_nl_get_ruleset(struct sk_buff *skb, struct netlink_callback *cb)
{
	return sfb_dump_run(skb, cb, sfb_dump_ruleset);
}

static int sfb_put_counter(struct sk_buff *skb, const struct sfb_ruleset *rs,
			   u32 idx, u8 kind)
{
	struct nlattr *nest = nla_nest_start(skb, SFB_COUNTERS_A_COUNTER);
	u64 packets, bytes;

	sfb_ruleset_read_stat(rs, idx, &packets, &bytes);
	if (!nest ||
	    nla_put_u8(skb, SFB_COUNTER_A_KIND, kind) ||
	    nla_put_u64_64bit(skb, SFB_COUNTER_A_PACKETS, packets,
			      SFB_COUNTER_A_PAD) ||
	    nla_put_u64_64bit(skb, SFB_COUNTER_A_BYTES, bytes,
			      SFB_COUNTER_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Counters @base + first .. @base + last, nested in @type. */
static int sfb_put_counters(struct sk_buff *skb, const struct sfb_ruleset *rs,
			    int type, u32 base, u8 first, u8 last)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	u8 kind;

	if (!nest)
		return -EMSGSIZE;
	for (kind = first; kind <= last; kind++)
		if (sfb_put_counter(skb, rs, base + kind, kind))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_put_target_head(struct sk_buff *skb,
			       const struct sfb_ruleset *rs, u32 obj,
			       bool first)
{
	const struct sfb_target *t = &rs->targets[obj];
	u32 roles[SFB_MAX_ROLES], n = 0, id;

	if (nla_put_u32(skb, SFB_TARGET_A_ID, obj))
		return -EMSGSIZE;
	if (!first)
		return 0;
	for (id = 0; id < SFB_MAX_ROLES; id++)
		if (t->roles & BIT_ULL(id))
			roles[n++] = id;
	if (nla_put(skb, SFB_TARGET_A_ROLES, n * sizeof(*roles), roles) ||
	    sfb_put_counters(skb, rs, SFB_TARGET_A_COUNTERS, t->stat,
			     SFB_CNT_SERVICE, SFB_CNT_WOULD_DROP))
		return -EMSGSIZE;
	return 0;
}

/*
 * Segments are listed per protocol, then per class, for the maps that
 * count them: those keyed by the destination port.
 */
static const struct sfb_map *sfb_target_seg(const struct sfb_target *t,
					    u32 *i, u32 *pi, u32 *class)
{
	for (*pi = 0; *pi < SFB_NPROTOS; (*pi)++) {
		for (*class = 0; *class < __SFB_CLASS_MAX; (*class)++) {
			const struct sfb_map *m = &t->map[*pi][*class];
			u32 n = m->pm ? sfb_portmap_nsegments(m->pm) : 0;

			if (*i < n)
				return m;
			*i -= n;
		}
	}
	return NULL;
}

static u32 sfb_target_nsegs(const struct sfb_target *t)
{
	u32 n = 0, pi, class;

	for (pi = 0; pi < SFB_NPROTOS; pi++)
		for (class = 0; class < __SFB_CLASS_MAX; class++)
			if (t->map[pi][class].pm)
				n += sfb_portmap_nsegments(t->map[pi][class].pm);
	return n;
}

static int sfb_put_segment(struct sk_buff *skb, const struct sfb_ruleset *rs,
			   u32 obj, u32 i)
{
	const struct sfb_map *m;
	struct nlattr *nest;
	u64 packets, bytes;
	u32 pi, class;
	u16 first, last;

	m = sfb_target_seg(&rs->targets[obj], &i, &pi, &class);
	if (!m || sfb_portmap_segment_bounds(m->pm, i, &first, &last))
		return -ENOENT;
	sfb_ruleset_read_stat(rs, m->stat + i, &packets, &bytes);
	nest = nla_nest_start(skb, SFB_SEGMENTS_A_SEGMENT);
	if (!nest ||
	    nla_put_u8(skb, SFB_SEGMENT_A_PROTO, BIT(pi)) ||
	    nla_put_u8(skb, SFB_SEGMENT_A_CLASS, class) ||
	    nla_put_u16(skb, SFB_SEGMENT_A_PORT_FIRST, first) ||
	    nla_put_u16(skb, SFB_SEGMENT_A_PORT_LAST, last) ||
	    nla_put_u64_64bit(skb, SFB_SEGMENT_A_PACKETS, packets,
			      SFB_SEGMENT_A_PAD) ||
	    nla_put_u64_64bit(skb, SFB_SEGMENT_A_BYTES, bytes,
			      SFB_SEGMENT_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_dump_stats(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct sfb_ruleset *rs, u64 generation)
{
	void *hdr;
	int err;

	if (!cb->args[0]) {
		hdr = sfb_dump_hdr(skb, cb);
		if (!hdr)
			return -EMSGSIZE;
		if (nla_put_u64_64bit(skb, SFB_A_GENERATION, generation,
				      SFB_A_PAD) ||
		    sfb_put_counters(skb, rs, SFB_A_COUNTERS, 0,
				     SFB_CNT_OTHER_PROTO, SFB_CNT_MALFORMED)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
	}
	for (; cb->args[1] < rs->ntargets; cb->args[1]++) {
		const struct sfb_chunks target = {
			SFB_A_TARGET, SFB_TARGET_A_SEGMENTS,
			sfb_put_target_head, sfb_put_segment, cb->args[1],
			sfb_target_nsegs(&rs->targets[cb->args[1]])
		};

		err = sfb_dump_chunks(skb, cb, rs, &target, &cb->args[2]);
		if (err)
			return err;
		cb->args[2] = 0;
	}
	return 0;
}

static int sfb_nl_get_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	return sfb_dump_run(skb, cb, sfb_dump_stats);
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
	{
		.cmd = SFB_CMD_LOAD_BEGIN,
		.doit = sfb_nl_load_begin,
		.policy = sfb_begin_policy,
		.maxattr = ARRAY_SIZE(sfb_begin_policy) - 1,
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
		.policy = sfb_commit_policy,
		.maxattr = ARRAY_SIZE(sfb_commit_policy) - 1,
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

static struct genl_family sfb_genl_family __ro_after_init = {
	.name = SFB_GENL_NAME,
	.version = SFB_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = sfb_genl_ops,
	.n_ops = ARRAY_SIZE(sfb_genl_ops),
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
