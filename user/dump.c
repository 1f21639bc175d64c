// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding nf_sfb's dumps. Attributes this sfbctl does not know are
 * skipped, so a newer module still reads; a known attribute of the wrong
 * type, or a missing required one, makes the reply malformed (EPROTO).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "arena.h"
#include "dump.h"
#include "sfbctl.h"

/* Enough for the widest attribute set. */
#define TB_MAX 16
_Static_assert(SFB_A_MAX <= TB_MAX && SFB_MATCH_A_MAX <= TB_MAX &&
	       SFB_EXEMPT_A_MAX <= TB_MAX, "TB_MAX too small");

struct tb {
	const struct nlattr *a[TB_MAX + 1];
	uint16_t max;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= tb->max)
		tb->a[type] = attr;
	return MNL_CB_OK;
}

static void parse_nest(const struct nlattr *nest, uint16_t max, struct tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	tb->max = max;
	mnl_attr_parse_nested(nest, tb_cb, tb);
}

static void parse_msg(const struct nlmsghdr *nlh, struct tb *tb)
{
	memset(tb, 0, sizeof(*tb));
	tb->max = SFB_A_MAX;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, tb);
}

/* Typed getters: false if absent or malformed; *v untouched then. */
static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return false;
	*v = mnl_attr_get_u64(a);
	return true;
}

static bool get_str(struct sfb_arena *arena, const struct nlattr *a,
		    const char **v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return false;
	*v = sfb_arena_strdup(arena, mnl_attr_get_str(a));
	return true;
}

/* An optional range: both ends or neither (then 0-65535). */
static bool get_range(const struct nlattr *first, const struct nlattr *last,
		      struct sfb_range *r)
{
	r->first = 0;
	r->last = 65535;
	if (!first && !last)
		return true;
	return get_u16(first, &r->first) && get_u16(last, &r->last) &&
	       r->first <= r->last;
}

static int malformed(void)
{
	errno = EPROTO;
	return MNL_CB_ERROR;
}

void sfb_dump_init(struct sfb_dump *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->arena = sfb_arena_new();
}

void sfb_dump_free(struct sfb_dump *rs)
{
	sfb_arena_free(rs->arena);
	memset(rs, 0, sizeof(*rs));
}

const struct sfb_dump_role *sfb_dump_role(const struct sfb_dump *rs,
					  uint32_t id)
{
	for (size_t i = 0; i < rs->n_roles; i++)
		if (rs->roles[i].id == id)
			return &rs->roles[i];
	return NULL;
}

const char *sfb_dump_role_name(const struct sfb_dump *rs, uint32_t id,
			       char *buf, size_t size)
{
	const struct sfb_dump_role *role = sfb_dump_role(rs, id);

	if (role)
		return role->name;
	snprintf(buf, size, "role-%u", id);
	return buf;
}

static bool feed_policy(struct sfb_dump *rs, const struct nlattr *nest)
{
	static const uint16_t marks[SFB_CLASS_COUNT] = {
		[SFB_CLASS_SERVICE] = SFB_POLICY_A_MARK_SERVICE,
		[SFB_CLASS_MEDIA] = SFB_POLICY_A_MARK_MEDIA,
		[SFB_CLASS_EXEMPT] = SFB_POLICY_A_MARK_EXEMPT,
	};
	struct tb tb;

	parse_nest(nest, SFB_POLICY_A_MAX, &tb);
	if (!get_u8(tb.a[SFB_POLICY_A_MODE], &rs->mode))
		return false;
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (tb.a[marks[c]] && !get_u32(tb.a[marks[c]], &rs->mark[c]))
			return false;
	if (tb.a[SFB_POLICY_A_LOG_RATE] &&
	    !get_u32(tb.a[SFB_POLICY_A_LOG_RATE], &rs->log_rate))
		return false;
	rs->log_nflog = tb.a[SFB_POLICY_A_LOG_GROUP];
	if ((rs->log_nflog &&
	     !get_u16(tb.a[SFB_POLICY_A_LOG_GROUP], &rs->log_group)) ||
	    (tb.a[SFB_POLICY_A_LOG_PREFIX] &&
	     !get_str(rs->arena, tb.a[SFB_POLICY_A_LOG_PREFIX], &rs->log_prefix)))
		return false;
	rs->loaded = true;
	return true;
}

static bool feed_rule(struct sfb_dump *rs, struct sfb_dump_role *role,
		      const struct nlattr *nest)
{
	struct sfb_conf_rule *r;
	uint8_t class;
	struct tb tb;

	parse_nest(nest, SFB_RULE_A_MAX, &tb);
	role->rules = sfb_arena_grow(rs->arena, role->rules, role->n_rules,
				     &role->cap_rules, sizeof(*role->rules));
	r = &role->rules[role->n_rules];
	memset(r, 0, sizeof(*r));
	r->transport = "";
	r->note = "";
	r->rows = "";
	if (!get_str(rs->arena, tb.a[SFB_RULE_A_NAME], &r->name) ||
	    !get_u8(tb.a[SFB_RULE_A_CLASS], &class) || class > SFB_CLASS_MAX ||
	    !get_u8(tb.a[SFB_RULE_A_PROTOS], &r->protos) ||
	    !get_u16(tb.a[SFB_RULE_A_PORT_FIRST], &r->ports.first) ||
	    !get_u16(tb.a[SFB_RULE_A_PORT_LAST], &r->ports.last) ||
	    (tb.a[SFB_RULE_A_TRANSPORT] &&
	     !get_str(rs->arena, tb.a[SFB_RULE_A_TRANSPORT], &r->transport)))
		return false;
	r->class = class;
	role->n_rules++;
	return true;
}

static bool feed_role(struct sfb_dump *rs, const struct nlattr *nest)
{
	struct sfb_dump_role *role;
	const struct nlattr *pos;
	const char *name;
	uint32_t id;
	struct tb tb;

	parse_nest(nest, SFB_ROLE_A_MAX, &tb);
	if (!get_u32(tb.a[SFB_ROLE_A_ID], &id) ||
	    !get_str(rs->arena, tb.a[SFB_ROLE_A_NAME], &name))
		return false;
	role = (struct sfb_dump_role *)sfb_dump_role(rs, id);
	if (!role) {
		rs->roles = sfb_arena_grow(rs->arena, rs->roles, rs->n_roles,
					   &rs->cap_roles, sizeof(*rs->roles));
		role = &rs->roles[rs->n_roles++];
		*role = (struct sfb_dump_role){ .id = id, .name = name,
					      .description = "" };
	}
	if (tb.a[SFB_ROLE_A_DESCRIPTION] &&
	    !get_str(rs->arena, tb.a[SFB_ROLE_A_DESCRIPTION], &role->description))
		return false;
	if (!tb.a[SFB_ROLE_A_RULES])
		return true;
	mnl_attr_for_each_nested(pos, tb.a[SFB_ROLE_A_RULES])
		if (mnl_attr_get_type(pos) == SFB_RULES_A_RULE &&
		    !feed_rule(rs, role, pos))
			return false;
	return true;
}

static bool feed_bind(struct sfb_dump *rs, const struct nlattr *nest)
{
	struct sfb_dump_bind *b;
	uint16_t len;
	struct tb tb;

	parse_nest(nest, SFB_BIND_A_MAX, &tb);
	rs->binds = sfb_arena_grow(rs->arena, rs->binds, rs->n_binds,
				   &rs->cap_binds, sizeof(*rs->binds));
	b = &rs->binds[rs->n_binds];
	memset(b, 0, sizeof(*b));
	if (!tb.a[SFB_BIND_A_ADDR] || !get_u32(tb.a[SFB_BIND_A_ROLE], &b->role) ||
	    !get_u8(tb.a[SFB_BIND_A_PREFIXLEN], &b->prefix.len))
		return false;
	len = mnl_attr_get_payload_len(tb.a[SFB_BIND_A_ADDR]);
	if (len != 4 && len != 16)
		return false;
	b->prefix.family = len == 4 ? AF_INET : AF_INET6;
	if (b->prefix.len > len * 8)
		return false;
	memcpy(b->prefix.addr, mnl_attr_get_payload(tb.a[SFB_BIND_A_ADDR]), len);
	rs->n_binds++;
	return true;
}

static bool feed_exempt(struct sfb_dump *rs, const struct nlattr *nest)
{
	struct sfb_dump_exempt *e;
	struct tb tb;

	parse_nest(nest, SFB_EXEMPT_A_MAX, &tb);
	rs->exempts = sfb_arena_grow(rs->arena, rs->exempts, rs->n_exempts,
				     &rs->cap_exempts, sizeof(*rs->exempts));
	e = &rs->exempts[rs->n_exempts];
	memset(e, 0, sizeof(*e));
	e->from = SFB_DUMP_ANY_ROLE;
	e->to = SFB_DUMP_ANY_ROLE;
	if (!get_str(rs->arena, tb.a[SFB_EXEMPT_A_NAME], &e->name) ||
	    (tb.a[SFB_EXEMPT_A_FROM_ROLE] &&
	     !get_u32(tb.a[SFB_EXEMPT_A_FROM_ROLE], &e->from)) ||
	    (tb.a[SFB_EXEMPT_A_TO_ROLE] &&
	     !get_u32(tb.a[SFB_EXEMPT_A_TO_ROLE], &e->to)) ||
	    !get_u8(tb.a[SFB_EXEMPT_A_PROTOS], &e->protos) ||
	    !get_range(tb.a[SFB_EXEMPT_A_SPORT_FIRST],
		       tb.a[SFB_EXEMPT_A_SPORT_LAST], &e->sport) ||
	    !get_range(tb.a[SFB_EXEMPT_A_DPORT_FIRST],
		       tb.a[SFB_EXEMPT_A_DPORT_LAST], &e->dport))
		return false;
	rs->n_exempts++;
	return true;
}

/* Each item of a list nest through @feed. */
static bool feed_list(struct sfb_dump *rs, const struct nlattr *list,
		      uint16_t type,
		      bool (*feed)(struct sfb_dump *, const struct nlattr *))
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, list)
		if (mnl_attr_get_type(pos) == type && !feed(rs, pos))
			return false;
	return true;
}

int sfb_dump_feed(const struct nlmsghdr *nlh, void *data)
{
	struct sfb_dump *rs = data;
	struct tb tb;

	parse_msg(nlh, &tb);
	if ((tb.a[SFB_A_GENERATION] &&
	     !get_u64(tb.a[SFB_A_GENERATION], &rs->generation)) ||
	    (tb.a[SFB_A_POLICY] && !feed_policy(rs, tb.a[SFB_A_POLICY])) ||
	    (tb.a[SFB_A_ROLE] && !feed_role(rs, tb.a[SFB_A_ROLE])) ||
	    (tb.a[SFB_A_BINDS] &&
	     !feed_list(rs, tb.a[SFB_A_BINDS], SFB_BINDS_A_BIND, feed_bind)) ||
	    (tb.a[SFB_A_EXEMPTS] &&
	     !feed_list(rs, tb.a[SFB_A_EXEMPTS], SFB_EXEMPTS_A_EXEMPT,
			feed_exempt)))
		return malformed();
	return MNL_CB_OK;
}

void sfb_stats_init(struct sfb_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->arena = sfb_arena_new();
}

void sfb_stats_free(struct sfb_stats *st)
{
	sfb_arena_free(st->arena);
	memset(st, 0, sizeof(*st));
}

const struct sfb_dump_target *sfb_stats_target(const struct sfb_stats *st,
					       uint32_t id)
{
	for (size_t i = 0; i < st->n_targets; i++)
		if (st->targets[i].id == id)
			return &st->targets[i];
	return NULL;
}

static bool feed_counters(const struct nlattr *list, struct sfb_count *counters)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, list) {
		struct sfb_count c;
		uint8_t kind;
		struct tb tb;

		if (mnl_attr_get_type(pos) != SFB_COUNTERS_A_COUNTER)
			continue;
		parse_nest(pos, SFB_COUNTER_A_MAX, &tb);
		if (!get_u8(tb.a[SFB_COUNTER_A_KIND], &kind) ||
		    !get_u64(tb.a[SFB_COUNTER_A_PACKETS], &c.packets) ||
		    !get_u64(tb.a[SFB_COUNTER_A_BYTES], &c.bytes))
			return false;
		/* A kind this sfbctl does not know yet. */
		if (kind <= SFB_CNT_MAX)
			counters[kind] = c;
	}
	return true;
}

static bool feed_segment(struct sfb_stats *st, struct sfb_dump_target *t,
			 const struct nlattr *nest)
{
	struct sfb_dump_segment *s;
	struct tb tb;

	parse_nest(nest, SFB_SEGMENT_A_MAX, &tb);
	t->segs = sfb_arena_grow(st->arena, t->segs, t->n_segs, &t->cap_segs,
				 sizeof(*t->segs));
	s = &t->segs[t->n_segs];
	if (!get_u8(tb.a[SFB_SEGMENT_A_PROTO], &s->proto) ||
	    !get_u8(tb.a[SFB_SEGMENT_A_CLASS], &s->class) ||
	    !get_range(tb.a[SFB_SEGMENT_A_PORT_FIRST],
		       tb.a[SFB_SEGMENT_A_PORT_LAST], &s->ports) ||
	    !get_u64(tb.a[SFB_SEGMENT_A_PACKETS], &s->count.packets) ||
	    !get_u64(tb.a[SFB_SEGMENT_A_BYTES], &s->count.bytes))
		return false;
	t->n_segs++;
	return true;
}

/*
 * A target with more segments than a message holds continues in messages
 * that repeat only its id: the roles and counters come in the first.
 */
static bool feed_target(struct sfb_stats *st, const struct nlattr *nest)
{
	struct sfb_dump_target *t;
	const struct nlattr *pos;
	uint32_t *roles, id;
	struct tb tb;
	size_t len;

	parse_nest(nest, SFB_TARGET_A_MAX, &tb);
	if (!get_u32(tb.a[SFB_TARGET_A_ID], &id))
		return false;
	t = (struct sfb_dump_target *)sfb_stats_target(st, id);
	if (!t) {
		if (!tb.a[SFB_TARGET_A_ROLES])
			return false;
		st->targets = sfb_arena_grow(st->arena, st->targets,
					     st->n_targets, &st->cap_targets,
					     sizeof(*st->targets));
		t = &st->targets[st->n_targets++];
		memset(t, 0, sizeof(*t));
		t->id = id;
	}
	if (tb.a[SFB_TARGET_A_ROLES]) {
		len = mnl_attr_get_payload_len(tb.a[SFB_TARGET_A_ROLES]);
		if (len % sizeof(uint32_t))
			return false;
		roles = sfb_arena_alloc(st->arena, len);
		memcpy(roles, mnl_attr_get_payload(tb.a[SFB_TARGET_A_ROLES]), len);
		t->roles = roles;
		t->n_roles = len / sizeof(uint32_t);
	}
	if (tb.a[SFB_TARGET_A_COUNTERS] &&
	    !feed_counters(tb.a[SFB_TARGET_A_COUNTERS], t->counters))
		return false;
	if (tb.a[SFB_TARGET_A_SEGMENTS])
		mnl_attr_for_each_nested(pos, tb.a[SFB_TARGET_A_SEGMENTS])
			if (mnl_attr_get_type(pos) == SFB_SEGMENTS_A_SEGMENT &&
			    !feed_segment(st, t, pos))
				return false;
	return true;
}

int sfb_stats_feed(const struct nlmsghdr *nlh, void *data)
{
	struct sfb_stats *st = data;
	struct tb tb;

	parse_msg(nlh, &tb);
	if ((tb.a[SFB_A_GENERATION] &&
	     !get_u64(tb.a[SFB_A_GENERATION], &st->generation)) ||
	    (tb.a[SFB_A_COUNTERS] &&
	     !feed_counters(tb.a[SFB_A_COUNTERS], st->counters)) ||
	    (tb.a[SFB_A_TARGET] && !feed_target(st, tb.a[SFB_A_TARGET])))
		return malformed();
	return MNL_CB_OK;
}

/* A commit between the dumps, or during one, means asking again. */
#define FETCH_TRIES 10

int sfb_fetch(struct sfb_nl *nl, struct sfb_dump *rs, struct sfb_stats *st)
{
	for (int i = 0; i < FETCH_TRIES; i++) {
		int ret;

		sfb_dump_free(rs);
		sfb_dump_init(rs);
		ret = sfb_nl_dump(nl, SFB_CMD_GET_RULESET, sfb_dump_feed, rs);
		if (ret == SFB_NL_DUMP_INTR)
			continue;
		if (ret != SFBCTL_EXIT_OK || !st)
			return ret;
		sfb_stats_free(st);
		sfb_stats_init(st);
		ret = sfb_nl_dump(nl, SFB_CMD_GET_STATS, sfb_stats_feed, st);
		if (ret == SFB_NL_DUMP_INTR ||
		    (ret == SFBCTL_EXIT_OK && rs->loaded &&
		     st->generation != rs->generation))
			continue;
		return ret;
	}
	fprintf(stderr, "sfb: the ruleset kept changing while being read; try again\n");
	return SFBCTL_EXIT_ERROR;
}

bool sfb_dump_from_txn(const struct sfb_txn *txn, struct sfb_dump *rs)
{
	for (size_t i = 0; i < txn->n; i++)
		if (sfb_dump_feed(txn->msgs[i].nlh, rs) != MNL_CB_OK)
			return false;
	return true;
}
