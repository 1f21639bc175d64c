// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the dumps, GET_RULESET (the ruleset as loaded) and GET_STATS
 * (its counters, per target and per port segment). They read the ruleset
 * through ruleset.h's accessors, never its compiled internals.
 */

#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "netlink.h"
#include "ruleset.h"
#include "sfb.h"

/*
 * Each pass holds the namespace's lock, so the ruleset cannot go away under
 * it; between passes it may be replaced, which the generation in cb->seq
 * turns into NLM_F_DUMP_INTR. Where the dump stands is kept in cb->args.
 */
struct sfb_dump_ctx {
	long part;	/* enum sfb_ruleset_part, or 0/1 for GET_STATS */
	long obj;	/* the role or target */
	long item;	/* the rule, binding, exemption or segment */
};

static_assert(sizeof(struct sfb_dump_ctx) <=
	      sizeof_field(struct netlink_callback, args));

static struct sfb_dump_ctx *sfb_dump_ctx(struct netlink_callback *cb)
{
	return (struct sfb_dump_ctx *)cb->args;
}

/* GET_RULESET's parts, in the order they are sent. */
enum sfb_ruleset_part {
	SFB_PART_POLICY,
	SFB_PART_ROLES,
	SFB_PART_BINDS,
	SFB_PART_EXEMPTS,
	SFB_PART_DONE,
};

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
	if (pol->log_rate &&
	    nla_put_u32(skb, SFB_POLICY_A_LOG_RATE, pol->log_rate))
		return -EMSGSIZE;
	if (pol->log == SFB_LOG_NFLOG &&
	    nla_put_u16(skb, SFB_POLICY_A_LOG_GROUP, pol->log_group))
		return -EMSGSIZE;
	if ((pol->log == SFB_LOG_KERNEL || pol->log_prefix[0]) &&
	    nla_put_string(skb, SFB_POLICY_A_LOG_PREFIX, pol->log_prefix))
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
	const char *transport = sfb_rule_text(rs, r->transport);
	struct nlattr *nest = nla_nest_start(skb, SFB_RULES_A_RULE);

	if (!nest ||
	    nla_put_string(skb, SFB_RULE_A_NAME, sfb_rule_text(rs, r->name)) ||
	    nla_put_u8(skb, SFB_RULE_A_CLASS, r->class) ||
	    nla_put_u8(skb, SFB_RULE_A_PROTOS, r->protos) ||
	    nla_put_u16(skb, SFB_RULE_A_PORT_FIRST, r->first) ||
	    nla_put_u16(skb, SFB_RULE_A_PORT_LAST, r->last) ||
	    (transport[0] &&
	     nla_put_string(skb, SFB_RULE_A_TRANSPORT, transport))) {
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
	struct sfb_dump_ctx *ctx = sfb_dump_ctx(cb);
	const struct sfb_chunks binds = {
		.outer = SFB_A_BINDS, .item = sfb_put_bind, .n = rs->nbinds,
	};
	const struct sfb_chunks exempts = {
		.outer = SFB_A_EXEMPTS, .item = sfb_put_exempt,
		.n = rs->nexempts,
	};
	void *hdr;
	int err;

	switch (ctx->part) {
	case SFB_PART_POLICY:
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
		ctx->part = SFB_PART_ROLES;
		fallthrough;
	case SFB_PART_ROLES:
		for (; ctx->obj < SFB_MAX_ROLES; ctx->obj++) {
			const struct sfb_chunks role = {
				.outer = SFB_A_ROLE, .inner = SFB_ROLE_A_RULES,
				.head = sfb_put_role_head,
				.item = sfb_put_rule, .obj = ctx->obj,
				.n = rs->role[ctx->obj].nrules,
			};

			if (!rs->role[ctx->obj].name[0])
				continue;
			err = sfb_dump_chunks(skb, cb, rs, &role, &ctx->item);
			if (err)
				return err;
			ctx->item = 0;
		}
		ctx->part = SFB_PART_BINDS;
		fallthrough;
	case SFB_PART_BINDS:
		if (rs->nbinds) {
			err = sfb_dump_chunks(skb, cb, rs, &binds, &ctx->item);
			if (err)
				return err;
		}
		ctx->item = 0;
		ctx->part = SFB_PART_EXEMPTS;
		fallthrough;
	case SFB_PART_EXEMPTS:
		if (rs->nexempts) {
			err = sfb_dump_chunks(skb, cb, rs, &exempts,
					      &ctx->item);
			if (err)
				return err;
		}
		ctx->part = SFB_PART_DONE;
	}
	return 0;
}

int sfb_nl_get_ruleset(struct sk_buff *skb, struct netlink_callback *cb)
{
	return sfb_dump_run(skb, cb, sfb_dump_ruleset);
}

static int sfb_put_counter(struct sk_buff *skb, const struct sfb_ruleset *rs,
			   u32 target, u8 kind)
{
	struct nlattr *nest = nla_nest_start(skb, SFB_COUNTERS_A_COUNTER);
	u64 packets, bytes;

	sfb_ruleset_read_counter(rs, target, kind, &packets, &bytes);
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

/* @target's counters @first .. @last, nested in @type. */
static int sfb_put_counters(struct sk_buff *skb, const struct sfb_ruleset *rs,
			    int type, u32 target, u8 first, u8 last)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	u8 kind;

	if (!nest)
		return -EMSGSIZE;
	for (kind = first; kind <= last; kind++)
		if (sfb_put_counter(skb, rs, target, kind))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sfb_put_target_head(struct sk_buff *skb,
			       const struct sfb_ruleset *rs, u32 target,
			       bool first)
{
	u64 mask = sfb_ruleset_target_roles(rs, target);
	u32 roles[SFB_MAX_ROLES], n = 0, id;

	if (nla_put_u32(skb, SFB_TARGET_A_ID, target))
		return -EMSGSIZE;
	if (!first)
		return 0;
	for (id = 0; id < SFB_MAX_ROLES; id++)
		if (mask & BIT_ULL(id))
			roles[n++] = id;
	if (nla_put(skb, SFB_TARGET_A_ROLES, n * sizeof(*roles), roles) ||
	    sfb_put_counters(skb, rs, SFB_TARGET_A_COUNTERS, target,
			     SFB_CNT_SERVICE, SFB_CNT_WOULD_DROP))
		return -EMSGSIZE;
	return 0;
}

static int sfb_put_segment(struct sk_buff *skb, const struct sfb_ruleset *rs,
			   u32 target, u32 i)
{
	struct sfb_segment seg;
	struct nlattr *nest;

	if (sfb_ruleset_target_segment(rs, target, i, &seg))
		return -ENOENT;
	nest = nla_nest_start(skb, SFB_SEGMENTS_A_SEGMENT);
	if (!nest ||
	    nla_put_u8(skb, SFB_SEGMENT_A_PROTO, seg.proto) ||
	    nla_put_u8(skb, SFB_SEGMENT_A_CLASS, seg.class) ||
	    nla_put_u16(skb, SFB_SEGMENT_A_PORT_FIRST, seg.first) ||
	    nla_put_u16(skb, SFB_SEGMENT_A_PORT_LAST, seg.last) ||
	    nla_put_u64_64bit(skb, SFB_SEGMENT_A_PACKETS, seg.packets,
			      SFB_SEGMENT_A_PAD) ||
	    nla_put_u64_64bit(skb, SFB_SEGMENT_A_BYTES, seg.bytes,
			      SFB_SEGMENT_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Part 0: the namespace's counters; part 1: each target's. */
static int sfb_dump_stats(struct sk_buff *skb, struct netlink_callback *cb,
			  const struct sfb_ruleset *rs, u64 generation)
{
	struct sfb_dump_ctx *ctx = sfb_dump_ctx(cb);
	void *hdr;
	int err;

	if (!ctx->part) {
		hdr = sfb_dump_hdr(skb, cb);
		if (!hdr)
			return -EMSGSIZE;
		if (nla_put_u64_64bit(skb, SFB_A_GENERATION, generation,
				      SFB_A_PAD) ||
		    sfb_put_counters(skb, rs, SFB_A_COUNTERS, SFB_NS_COUNTERS,
				     SFB_CNT_OTHER_PROTO,
				     SFB_CNT_EVENTS_SUPPRESSED)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		ctx->part++;
	}
	for (; ctx->obj < rs->ntargets; ctx->obj++) {
		const struct sfb_chunks target = {
			.outer = SFB_A_TARGET, .inner = SFB_TARGET_A_SEGMENTS,
			.head = sfb_put_target_head, .item = sfb_put_segment,
			.obj = ctx->obj,
			.n = sfb_ruleset_target_nsegments(rs, ctx->obj),
		};

		err = sfb_dump_chunks(skb, cb, rs, &target, &ctx->item);
		if (err)
			return err;
		ctx->item = 0;
	}
	return 0;
}

int sfb_nl_get_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	return sfb_dump_run(skb, cb, sfb_dump_stats);
}
