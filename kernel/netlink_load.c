// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the load transaction. LOAD_BEGIN opens it for one socket, which
 * sends roles (with their rules), bindings and exemptions in any number of
 * messages, each validated here attribute by attribute with an extack
 * message; LOAD_COMMIT compiles the ruleset and swaps it in, LOAD_ABORT,
 * any error or closing the socket discards it. The ruleset in force is not
 * touched until the commit succeeds.
 */

#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "events.h"
#include "netlink.h"
#include "ruleset.h"
#include "sfb.h"

#define SFB_MSG_MEMORY \
	"memory limit reached (see the limits in sfbctl version)"

/* The marks are indexed by class. */
static_assert(SFB_POLICY_A_MARK_MEDIA - SFB_CLASS_MEDIA ==
	      SFB_POLICY_A_MARK_SERVICE);
static_assert(SFB_POLICY_A_MARK_EXEMPT - SFB_CLASS_EXEMPT ==
	      SFB_POLICY_A_MARK_SERVICE);

static const struct nla_policy sfb_policy_policy[SFB_POLICY_A_MAX + 1] = {
	[SFB_POLICY_A_MODE] = NLA_POLICY_MAX(NLA_U8, SFB_MODE_MAX),
	[SFB_POLICY_A_MARK_SERVICE] = { .type = NLA_U32 },
	[SFB_POLICY_A_MARK_MEDIA] = { .type = NLA_U32 },
	[SFB_POLICY_A_MARK_EXEMPT] = { .type = NLA_U32 },
	/* 6.1's NLA_POLICY_RANGE bounds are s16: SFB_LOG_RATE_MAX fits. */
	[SFB_POLICY_A_LOG_RATE] = NLA_POLICY_RANGE(NLA_U32, 1,
						   SFB_LOG_RATE_MAX),
	[SFB_POLICY_A_LOG_GROUP] = { .type = NLA_U16 },
	[SFB_POLICY_A_LOG_PREFIX] = { .type = NLA_NUL_STRING,
				      .len = SFB_LOG_PREFIX_MAX - 1 },
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

/* One top-level policy per command: each accepts only its attributes. */
const struct nla_policy sfb_load_begin_policy[SFB_A_POLICY + 1] = {
	[SFB_A_POLICY] = NLA_POLICY_NESTED(sfb_policy_policy),
};

/*
 * The genetlink core refuses a message that fails its policy before the
 * command runs, which would leave the transaction open. So the load
 * commands validate their nests themselves, with the strict policies
 * above, and any error in them discards the transaction.
 */
const struct nla_policy sfb_load_role_policy[SFB_A_ROLE + 1] = {
	[SFB_A_ROLE] = { .type = NLA_NESTED },
};

const struct nla_policy sfb_load_bind_policy[SFB_A_BINDS + 1] = {
	[SFB_A_BINDS] = { .type = NLA_NESTED },
};

const struct nla_policy sfb_load_exempt_policy[SFB_A_EXEMPTS + 1] = {
	[SFB_A_EXEMPTS] = { .type = NLA_NESTED },
};

const struct nla_policy sfb_load_commit_policy[SFB_A_CHECK_ONLY + 1] = {
	[SFB_A_CHECK_ONLY] = { .type = NLA_FLAG },
};

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
	if (tb[SFB_POLICY_A_LOG_RATE])
		pol->log_rate = nla_get_u32(tb[SFB_POLICY_A_LOG_RATE]);
	/* As nft's log: a group is NFLOG, a prefix alone the kernel log. */
	if (tb[SFB_POLICY_A_LOG_PREFIX]) {
		pol->log = SFB_LOG_KERNEL;
		nla_strscpy(pol->log_prefix, tb[SFB_POLICY_A_LOG_PREFIX],
			    sizeof(pol->log_prefix));
	}
	if (tb[SFB_POLICY_A_LOG_GROUP]) {
		pol->log = SFB_LOG_NFLOG;
		pol->log_group = nla_get_u16(tb[SFB_POLICY_A_LOG_GROUP]);
	}
	return 0;
}

/*
 * BEGIN from the socket that already owns the transaction starts it
 * afresh; from another socket it fails.
 */
int sfb_nl_load_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct sfb_net *sn = sfb_net(genl_info_net(info));
	const struct sfb_ruleset *old;
	struct sfb_policy pol = {};
	struct sfb_ruleset *rs;
	int err;

	err = sfb_parse_policy(info, &pol);
	if (!err)
		err = sfb_events_log_get(&pol, info->extack);
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
	rs->loggers = true;	/* the ruleset's now, put when it is freed */
	sn->txn = rs;
	sn->txn_portid = info->snd_portid;
	sn->txn_seq = info->snd_seq;
out:
	mutex_unlock(&sn->lock);
	if (err)
		sfb_events_log_put(&pol);
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
	const char *name, *transport = "";
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
	/* NLA_NUL_STRING: terminated within its length */
	if (tb[SFB_RULE_A_TRANSPORT])
		transport = nla_data(tb[SFB_RULE_A_TRANSPORT]);
	rule.class = nla_get_u8(tb[SFB_RULE_A_CLASS]);
	rule.protos = nla_get_u8(tb[SFB_RULE_A_PROTOS]);
	rule.first = nla_get_u16(tb[SFB_RULE_A_PORT_FIRST]);
	rule.last = nla_get_u16(tb[SFB_RULE_A_PORT_LAST]);
	if (rule.first > rule.last) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SFB_RULE_A_PORT_LAST],
				    "port range first > last");
		return -EINVAL;
	}
	if (rs->nrules >= SFB_MAX_RULES) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "rule limit reached ("
				    __stringify(SFB_MAX_RULES) ")");
		return -ENOSPC;
	}
	return sfb_mem_error(extack, nest,
			     sfb_ruleset_add_rule(rs, id, rule, name,
						  transport));
}

static int sfb_load_role(struct sfb_ruleset *rs, struct genl_info *info)
{
	static const struct sfb_list rules = {
		.type = SFB_ROLE_A_RULES, .policy = sfb_rules_policy,
		.maxtype = SFB_RULES_A_MAX, .add = sfb_add_rule,
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
		.type = SFB_A_BINDS, .policy = sfb_binds_policy,
		.maxtype = SFB_BINDS_A_MAX, .add = sfb_add_bind,
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
		.type = SFB_A_EXEMPTS, .policy = sfb_exempts_policy,
		.maxtype = SFB_EXEMPTS_A_MAX, .add = sfb_add_exempt,
	};

	if (sfb_missing(info->extack, NULL, info->attrs, SFB_A_EXEMPTS))
		return -EINVAL;
	return sfb_add_items(rs, genlmsg_data(info->genlhdr),
			     genlmsg_len(info->genlhdr), &exempts, 0,
			     info->extack);
}

int sfb_nl_load_role(struct sk_buff *skb, struct genl_info *info)
{
	return sfb_txn_run(info, sfb_load_role);
}

int sfb_nl_load_bind(struct sk_buff *skb, struct genl_info *info)
{
	return sfb_txn_run(info, sfb_load_bind);
}

int sfb_nl_load_exempt(struct sk_buff *skb, struct genl_info *info)
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

int sfb_nl_load_commit(struct sk_buff *skb, struct genl_info *info)
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
	if (!err && !info->attrs[SFB_A_CHECK_ONLY]) {
		sn->txn = NULL;		/* now in force */
		sfb_events_ruleset(net, SFB_CMD_LOAD_COMMIT, sn->generation);
	}
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

int sfb_nl_load_abort(struct sk_buff *skb, struct genl_info *info)
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
