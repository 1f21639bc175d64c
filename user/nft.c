// SPDX-License-Identifier: GPL-2.0
/*
 * The nft backend (nft.h): nft_policy's objects as libnftnl ones, sent in
 * one nfnetlink batch.
 *
 * The batch holds, in an order the kernel resolves: the table (added,
 * deleted and added again: the previous one goes in the same transaction,
 * and none is needed beforehand), every counter, every set and map, every
 * chain, the maps' elements (they name chains and counters), then every
 * rule (they name sets, chains and counters). Rules are what nft itself
 * would make of the export's text: a protocol check before each port
 * load, a family check before each address load, a bitwise OR for marks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>

#include "modload.h"
#include "nft.h"
#include "nft_policy.h"
#include "sfbctl.h"

#define TABLE "sfb"
#define TYPE_INET_SERVICE 13	/* nft's datatypes, for `nft list` */
#define TYPE_IPADDR 7
#define TYPE_IP6ADDR 8
#define ELEMS_PER_MSG 256	/* set elements per message: under 32 KiB */
#define BATCH_PAGE (256 * 1024)
#define BATCH_OVERRUN (64 * 1024)	/* room for the message that ends a page */

/*
 * Elements go in carriers: a set object holding at most ELEMS_PER_MSG of
 * them, one message each.
 */
struct carriers {
	struct nftnl_set **v;
	size_t n, cap;
	unsigned int in_last;	/* elements in v[n - 1] */
};

/* Objects as the emitter makes them, sent in batch order by build(). */
struct objs {
	struct nftnl_obj **counters;
	size_t n_counters, cap_counters;
	struct nftnl_set **sets;	/* definitions */
	size_t n_sets, cap_sets;
	struct carriers port_elems;	/* port sets' elements */
	struct carriers map_elems;	/* maps' elements, after the chains */
	struct nftnl_chain **chains;
	size_t n_chains, cap_chains;
	struct nftnl_rule **rules;
	size_t n_rules, cap_rules;
	const char *chain;		/* the chain rules go to */
	uint32_t set_id;
	bool oom;
};

static void *push(void *v, size_t *n, size_t *cap, void *item, bool *oom)
{
	void **a = v;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		void **b = realloc(a, c * sizeof(*a));

		if (!b) {
			*oom = true;
			return a;
		}
		a = b;
		*cap = c;
	}
	a[(*n)++] = item;
	return a;
}

/*
 * libnftnl's setters of strings and user data copy them, and return -1
 * when that copy cannot be allocated: the attribute is then unset, or
 * (nftnl_obj_set_str(), void) set to NULL. Either would build a message
 * that is not the policy.
 */
static void copied(bool *oom, int ret)
{
	if (ret < 0)
		*oom = true;
}

/* @map: 0 for a set, else the data: NFT_DATA_VERDICT, NFT_OBJECT_COUNTER. */
static struct nftnl_set *new_set(struct objs *o, const char *name,
				 uint32_t key_type, uint32_t key_len, uint32_t map)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s) {
		o->oom = true;
		return NULL;
	}
	copied(&o->oom, nftnl_set_set_str(s, NFTNL_SET_TABLE, TABLE));
	copied(&o->oom, nftnl_set_set_str(s, NFTNL_SET_NAME, name));
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len);
	if (map == NFT_OBJECT_COUNTER) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL | NFT_SET_OBJECT);
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, NFT_OBJECT_COUNTER);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
				  NFT_SET_INTERVAL | (map ? NFT_SET_MAP : 0));
		if (map)
			nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, map);
	}
	/* As nft: every set of a batch has an id (the kernel refused one without). */
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++o->set_id);
	o->sets = push(o->sets, &o->n_sets, &o->cap_sets, s, &o->oom);
	return s;
}

/* Add element @e of set @name to the last carrier of @c, or a new one. */
static void add_elem(struct objs *o, struct carriers *c, const char *name,
		     struct nftnl_set_elem *e)
{
	if (!e) {
		o->oom = true;
		return;
	}
	if (!c->n || c->in_last == ELEMS_PER_MSG) {
		struct nftnl_set *s = nftnl_set_alloc();
		size_t n = c->n;

		if (!s) {
			o->oom = true;
			nftnl_set_elem_free(e);
			return;
		}
		copied(&o->oom, nftnl_set_set_str(s, NFTNL_SET_TABLE, TABLE));
		copied(&o->oom, nftnl_set_set_str(s, NFTNL_SET_NAME, name));
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
		c->v = push(c->v, &c->n, &c->cap, s, &o->oom);
		/* Not o->oom: an earlier failure set it, and s is pushed. */
		if (c->n == n) {
			nftnl_set_free(s);
			nftnl_set_elem_free(e);
			return;
		}
		c->in_last = 0;
	}
	nftnl_set_elem_add(c->v[c->n - 1], e);
	c->in_last++;
}

/*
 * An interval's elements: its first key, and the key after its last one
 * flagged as an interval end (none if @last is the largest key). In a map,
 * the first maps to @verdict or @counter.
 */
static void add_interval(struct objs *o, struct carriers *c, const char *name,
			 const void *first, const void *after, size_t len,
			 bool open_end, const struct sfb_nft_elem *verdict,
			 const char *counter)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (e) {
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, first, (uint32_t)len);
		if (counter)
			copied(&o->oom,
			       nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF,
						      counter));
		if (verdict) {
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT,
					       verdict->verdict == SFB_NFT_GOTO ?
					       (uint32_t)NFT_GOTO : (uint32_t)NFT_JUMP);
			copied(&o->oom,
			       nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN,
						      verdict->chain));
		}
	}
	add_elem(o, c, name, e);
	if (open_end)
		return;
	e = nftnl_set_elem_alloc();
	if (e) {
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, after, (uint32_t)len);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
	}
	add_elem(o, c, name, e);
}

static void counter(void *ctx, const char *name)
{
	struct objs *o = ctx;
	struct nftnl_obj *c = nftnl_obj_alloc();

	if (!c) {
		o->oom = true;
		return;
	}
	nftnl_obj_set_str(c, NFTNL_OBJ_TABLE, TABLE);
	nftnl_obj_set_str(c, NFTNL_OBJ_NAME, name);
	if (!nftnl_obj_get_str(c, NFTNL_OBJ_TABLE) ||
	    !nftnl_obj_get_str(c, NFTNL_OBJ_NAME))
		o->oom = true;	/* see copied() */
	nftnl_obj_set_u32(c, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u32(c, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	o->counters = push(o->counters, &o->n_counters, &o->cap_counters, c,
			   &o->oom);
}

/* Port intervals @r (@stride bytes apart), to @counters[i] if a map. */
static void port_elems(struct objs *o, struct carriers *c, const char *name,
		       const struct sfb_range *r, size_t n, size_t stride,
		       const char *const *counters)
{
	/* A new carrier: one set's elements per message. */
	c->in_last = ELEMS_PER_MSG;
	for (size_t i = 0; i < n; i++) {
		const struct sfb_range *ri = (const void *)((const char *)r + i * stride);
		uint16_t first = htons(ri->first);
		uint16_t after = htons((uint16_t)(ri->last + 1));

		add_interval(o, c, name, &first, &after, 2, ri->last == 65535,
			     NULL, counters ? counters[i] : NULL);
	}
}

static void port_set(void *ctx, const char *name, const struct sfb_ports *p)
{
	struct objs *o = ctx;

	if (new_set(o, name, TYPE_INET_SERVICE, 2, 0))
		port_elems(o, &o->port_elems, name, p->r, p->n, sizeof(*p->r),
			   NULL);
}

/* Its elements name counters: they go after the counters, with the maps'. */
static void counter_map(void *ctx, const char *name,
			const struct sfb_segment *segs,
			const char *const *names, size_t n)
{
	struct objs *o = ctx;

	if (new_set(o, name, TYPE_INET_SERVICE, 2, NFT_OBJECT_COUNTER))
		port_elems(o, &o->map_elems, name, &segs->ports, n,
			   sizeof(*segs), names);
}

static void addr_map(void *ctx, const char *name, int fam,
		     const struct sfb_nft_elem *e, size_t n)
{
	struct objs *o = ctx;
	size_t len = fam == SFB_FAM_IPV4 ? 4 : 16;

	if (!new_set(o, name, fam == SFB_FAM_IPV4 ? TYPE_IPADDR : TYPE_IP6ADDR,
		     (uint32_t)len, NFT_DATA_VERDICT))
		return;
	o->map_elems.in_last = ELEMS_PER_MSG;
	for (size_t i = 0; i < n; i++) {
		struct sfb_addr after = e[i].span->last;
		struct sfb_addr max = sfb_host_mask((u8)fam, 0);
		uint8_t first_b[16], after_b[16];
		bool open_end = !sfb_addr_cmp(&after, &max);

		after.lo++;
		after.hi += !after.lo;
		sfb_addr_to_bytes(&e[i].span->first, fam, first_b);
		sfb_addr_to_bytes(&after, fam, after_b);
		add_interval(o, &o->map_elems, name, first_b, after_b, len,
			     open_end, &e[i], NULL);
	}
}

/* A comment as nft keeps it: in the object's user data. */
static struct nftnl_udata_buf *comment_udata(struct objs *o, uint8_t type,
					     const char *comment)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!u || !nftnl_udata_put_strz(u, type, comment)) {
		nftnl_udata_buf_free(u);
		o->oom = true;
		return NULL;
	}
	return u;
}

static void chain_begin(void *ctx, const char *name,
			const struct sfb_nft_hook *hook, const char *comment)
{
	struct objs *o = ctx;
	struct nftnl_chain *c = nftnl_chain_alloc();
	size_t n = o->n_chains;

	o->chain = NULL;	/* until this one is built: see rule() */
	if (!c) {
		o->oom = true;
		return;
	}
	if (comment) {
		struct nftnl_udata_buf *u;

		u = comment_udata(o, NFTNL_UDATA_CHAIN_COMMENT, comment);
		if (u)
			copied(&o->oom,
			       nftnl_chain_set_data(c, NFTNL_CHAIN_USERDATA,
						    nftnl_udata_buf_data(u),
						    nftnl_udata_buf_len(u)));
		nftnl_udata_buf_free(u);
	}
	copied(&o->oom, nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TABLE));
	copied(&o->oom, nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name));
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (hook) {
		copied(&o->oom,
		       nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, hook->type));
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
				    strcmp(hook->hook, "output") ?
				    NF_INET_PRE_ROUTING : NF_INET_LOCAL_OUT);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, hook->priority);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	o->chains = push(o->chains, &o->n_chains, &o->cap_chains, c, &o->oom);
	if (o->n_chains == n)
		nftnl_chain_free(c);
	else
		o->chain = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
}

static void chain_end(void *ctx)
{
	(void)ctx;
}

/* Expressions: each appends one to @r. */

static void add_expr(struct objs *o, struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		o->oom = true;
	else
		nftnl_rule_add_expr(r, e);
}

static void meta_load(struct objs *o, struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	add_expr(o, r, e);
}

static void cmp(struct objs *o, struct nftnl_rule *r, uint32_t op,
		const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add_expr(o, r, e);
}

static void cmp_u8(struct objs *o, struct nftnl_rule *r, uint32_t op,
		   uint8_t v)
{
	cmp(o, r, op, &v, 1);
}

static void cmp_be16(struct objs *o, struct nftnl_rule *r, uint32_t op,
		     uint16_t v)
{
	uint16_t be = htons(v);

	cmp(o, r, op, &be, 2);
}

static void payload(struct objs *o, struct nftnl_rule *r, uint32_t base,
		    uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	add_expr(o, r, e);
}

/* "PROTO sport" or "PROTO dport" into register 1. */
static void port_load(struct objs *o, struct nftnl_rule *r, uint8_t proto,
		      bool dport)
{
	meta_load(o, r, NFT_META_L4PROTO);
	cmp_u8(o, r, NFT_CMP_EQ, proto);
	payload(o, r, NFT_PAYLOAD_TRANSPORT_HEADER, dport ? 2 : 0, 2);
}

static void bitwise(struct objs *o, struct nftnl_rule *r, uint32_t mask,
		    uint32_t xor)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, 4);
	}
	add_expr(o, r, e);
}

static void ct_load(struct objs *o, struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	add_expr(o, r, e);
}

static void conditions(struct objs *o, struct nftnl_rule *r,
		       unsigned int cond, uint16_t port)
{
	static const uint8_t udp = IPPROTO_UDP;
	uint32_t zero = 0;

	if (cond & SFB_NFT_IF_OTHER_PROTO) {
		meta_load(o, r, NFT_META_L4PROTO);
		cmp_u8(o, r, NFT_CMP_NEQ, IPPROTO_TCP);
		cmp_u8(o, r, NFT_CMP_NEQ, IPPROTO_UDP);
	}
	if (cond & SFB_NFT_IF_ESTABLISHED) {
		ct_load(o, r, NFT_CT_STATE);
		bitwise(o, r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
			      NF_CT_STATE_BIT(IP_CT_RELATED), 0);
		cmp(o, r, NFT_CMP_NEQ, &zero, 4);
	}
	if (cond & SFB_NFT_IF_REPLY) {
		ct_load(o, r, NFT_CT_DIRECTION);
		cmp_u8(o, r, NFT_CMP_EQ, IP_CT_DIR_REPLY);
	}
	if (cond & SFB_NFT_IF_NOT_IKE) {
		for (int dport = 0; dport < 2; dport++) {
			port_load(o, r, udp, dport);
			cmp_be16(o, r, NFT_CMP_NEQ, 500);
			cmp_be16(o, r, NFT_CMP_NEQ, 4500);
		}
	}
	if (cond & (SFB_NFT_IF_UDP_SPORT | SFB_NFT_IF_UDP_DPORT)) {
		port_load(o, r, udp, cond & SFB_NFT_IF_UDP_DPORT);
		cmp_be16(o, r, NFT_CMP_EQ, port);
	}
}

static void lookup(struct objs *o, struct nftnl_rule *r,
		   const struct sfb_nft_rule *rule)
{
	/* ip saddr 12, daddr 16; ip6 saddr 8, daddr 24 */
	static const uint32_t addr_offset[SFB_NFAMS][2] = { { 12, 16 }, { 8, 24 } };
	bool vmap = rule->key == SFB_NFT_SADDR || rule->key == SFB_NFT_DADDR;
	struct nftnl_expr *e;

	if (vmap) {
		meta_load(o, r, NFT_META_NFPROTO);
		cmp_u8(o, r, NFT_CMP_EQ, rule->fam == SFB_FAM_IPV4 ?
		       NFPROTO_IPV4 : NFPROTO_IPV6);
		payload(o, r, NFT_PAYLOAD_NETWORK_HEADER,
			addr_offset[rule->fam][rule->key == SFB_NFT_DADDR],
			rule->fam == SFB_FAM_IPV4 ? 4 : 16);
	} else {
		port_load(o, r, rule->proto ? IPPROTO_UDP : IPPROTO_TCP,
			  rule->key == SFB_NFT_DPORT);
	}
	if (rule->objref) {
		e = nftnl_expr_alloc("objref");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
			copied(&o->oom,
			       nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME,
						  rule->set));
		}
		add_expr(o, r, e);
		return;
	}
	e = nftnl_expr_alloc("lookup");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		copied(&o->oom, nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
						   rule->set));
		if (vmap)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG,
					   NFT_REG_VERDICT);
	}
	add_expr(o, r, e);
}

static void verdict(struct objs *o, struct nftnl_rule *r,
		    enum sfb_nft_verdict v, const char *chain)
{
	static const int code[] = {
		[SFB_NFT_ACCEPT] = NF_ACCEPT, [SFB_NFT_DROP] = NF_DROP,
		[SFB_NFT_RETURN] = NFT_RETURN, [SFB_NFT_JUMP] = NFT_JUMP,
		[SFB_NFT_GOTO] = NFT_GOTO,
	};
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code[v]);
		if (chain)
			copied(&o->oom,
			       nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN,
						  chain));
	}
	add_expr(o, r, e);
}

/* limit rate N/second burst N packets, then log as @cfg says. */
static void log_exprs(struct objs *o, struct nftnl_rule *r,
		      const struct sfb_config *cfg)
{
	unsigned int rate = sfb_nft_log_rate(cfg);
	struct nftnl_expr *e = nftnl_expr_alloc("limit");

	if (e) {
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, rate);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
	}
	add_expr(o, r, e);
	e = nftnl_expr_alloc("log");
	if (e && cfg->log_nflog)
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, cfg->log_group);
	if (e && cfg->log_prefix)
		copied(&o->oom, nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX,
						   cfg->log_prefix));
	add_expr(o, r, e);
}

static void rule(void *ctx, const struct sfb_nft_rule *rule)
{
	struct objs *o = ctx;
	struct nftnl_rule *r;

	/* Its chain could not be built (out of memory): nor can it. */
	if (!o->chain) {
		o->oom = true;
		return;
	}
	r = nftnl_rule_alloc();
	if (!r) {
		o->oom = true;
		return;
	}
	copied(&o->oom, nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TABLE));
	copied(&o->oom, nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, o->chain));
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (rule->log)
		log_exprs(o, r, rule->log);
	conditions(o, r, rule->cond, rule->port);
	if (rule->key != SFB_NFT_NO_KEY)
		lookup(o, r, rule);
	if (rule->counter)
		add_expr(o, r, nftnl_expr_alloc("counter"));
	if (rule->counter_name) {
		struct nftnl_expr *e = nftnl_expr_alloc("objref");

		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
					   NFT_OBJECT_COUNTER);
			copied(&o->oom,
			       nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME,
						  rule->counter_name));
		}
		add_expr(o, r, e);
	}
	if (rule->mark) {
		struct nftnl_expr *e;

		meta_load(o, r, NFT_META_MARK);
		bitwise(o, r, ~rule->mark, rule->mark);
		e = nftnl_expr_alloc("meta");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
			nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
		}
		add_expr(o, r, e);
	}
	if (rule->verdict != SFB_NFT_CONTINUE)
		verdict(o, r, rule->verdict, rule->chain);
	if (rule->comment) {
		struct nftnl_udata_buf *u;

		u = comment_udata(o, NFTNL_UDATA_RULE_COMMENT, rule->comment);
		if (u)
			copied(&o->oom,
			       nftnl_rule_set_data(r, NFTNL_RULE_USERDATA,
						   nftnl_udata_buf_data(u),
						   nftnl_udata_buf_len(u)));
		nftnl_udata_buf_free(u);
	}
	o->rules = push(o->rules, &o->n_rules, &o->cap_rules, r, &o->oom);
}

static void carriers_free(struct carriers *c)
{
	for (size_t i = 0; i < c->n; i++)
		nftnl_set_free(c->v[i]);
	free(c->v);
}

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n_counters; i++)
		nftnl_obj_free(o->counters[i]);
	free(o->counters);
	for (size_t i = 0; i < o->n_sets; i++)
		nftnl_set_free(o->sets[i]);
	carriers_free(&o->port_elems);
	carriers_free(&o->map_elems);
	for (size_t i = 0; i < o->n_chains; i++)
		nftnl_chain_free(o->chains[i]);
	for (size_t i = 0; i < o->n_rules; i++)
		nftnl_rule_free(o->rules[i]);
	free(o->sets);
	free(o->chains);
	free(o->rules);
}

/* A batch being built: messages with consecutive sequence numbers. */
struct batch {
	struct nftnl_batch *b;
	uint32_t seq, first_seq;
	struct nlmsghdr *last;	/* the last message, the one acknowledged */
	/* What each message is, for errors: "set t0_tcp_open"... */
	char (*what)[80];
	size_t n, cap;
	bool oom;
};

static struct nlmsghdr *msg(struct batch *b, uint16_t type, uint16_t flags,
			    const char *kind, const char *name)
{
	struct nlmsghdr *nlh;

	if (b->n == b->cap) {
		size_t c = b->cap ? 2 * b->cap : 256;
		char (*w)[80] = realloc(b->what, c * sizeof(*w));

		if (!w) {
			b->oom = true;
			return NULL;
		}
		b->what = w;
		b->cap = c;
	}
	snprintf(b->what[b->n++], sizeof(b->what[0]), "%s %s", kind, name);
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->b), type,
				    NFPROTO_INET, flags, b->seq++);
	b->last = nlh;
	return nlh;
}

/*
 * Debian 12's libmnl (1.0.4) leaves an attribute's padding as it finds it,
 * and libnftnl's pages (BATCH_PAGE + BATCH_OVERRUN bytes) come from
 * malloc: each page is zeroed before messages are built in it, so that no
 * uninitialised byte goes to the kernel. A message that ends past
 * BATCH_PAGE is moved to the start of a new page, the rest of which is
 * zeroed then.
 */
static void next(struct batch *b)
{
	const struct nlmsghdr *last = nftnl_batch_buffer(b->b);
	char *tail;

	if (nftnl_batch_update(b->b) < 0) {
		b->oom = true;
		return;
	}
	tail = nftnl_batch_buffer(b->b);
	if (tail != (const char *)last + last->nlmsg_len)
		memset(tail, 0, BATCH_PAGE + BATCH_OVERRUN - last->nlmsg_len);
}

static void table_msg(struct batch *b, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		b->oom = true;
		return;
	}
	copied(&b->oom, nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE));
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = msg(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
		  "table inet", TABLE);
	if (nlh)
		nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	next(b);
}

/* Every carrier's elements, one message each. */
static void elems_msgs(struct batch *b, const struct carriers *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct nlmsghdr *nlh;

		nlh = msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, "elements of",
			  nftnl_set_get_str(c->v[i], NFTNL_SET_NAME));
		if (nlh)
			nftnl_set_elems_nlmsg_build_payload(nlh, c->v[i]);
		next(b);
	}
}

static void build(struct batch *b, const struct objs *o, bool check_only)
{
	struct nlmsghdr *nlh;

	nftnl_batch_begin(nftnl_batch_buffer(b->b), b->seq++);
	next(b);
	b->first_seq = b->seq;
	table_msg(b, NFT_MSG_NEWTABLE);
	table_msg(b, NFT_MSG_DELTABLE);
	table_msg(b, NFT_MSG_NEWTABLE);
	for (size_t i = 0; i < o->n_counters; i++) {
		nlh = msg(b, NFT_MSG_NEWOBJ, NLM_F_CREATE, "counter",
			  nftnl_obj_get_str(o->counters[i], NFTNL_OBJ_NAME));
		if (nlh)
			nftnl_obj_nlmsg_build_payload(nlh, o->counters[i]);
		next(b);
	}
	for (size_t i = 0; i < o->n_sets; i++) {
		nlh = msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, "set",
			  nftnl_set_get_str(o->sets[i], NFTNL_SET_NAME));
		if (nlh)
			nftnl_set_nlmsg_build_payload(nlh, o->sets[i]);
		next(b);
	}
	elems_msgs(b, &o->port_elems);
	for (size_t i = 0; i < o->n_chains; i++) {
		nlh = msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "chain",
			  nftnl_chain_get_str(o->chains[i], NFTNL_CHAIN_NAME));
		if (nlh)
			nftnl_chain_nlmsg_build_payload(nlh, o->chains[i]);
		next(b);
	}
	elems_msgs(b, &o->map_elems);
	for (size_t i = 0; i < o->n_rules; i++) {
		nlh = msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			  "a rule of chain",
			  nftnl_rule_get_str(o->rules[i], NFTNL_RULE_CHAIN));
		if (nlh)
			nftnl_rule_nlmsg_build_payload(nlh, o->rules[i]);
		next(b);
	}
	/* Without its end the kernel checks the batch, then aborts it. */
	if (!check_only) {
		nftnl_batch_end(nftnl_batch_buffer(b->b), b->seq++);
		next(b);
	}
}

/*
 * Send the batch and read the answers: an error for each message that
 * failed, which names it, and the acknowledgment of the last message
 * (asking one per message would overflow the socket). 0, or a negative
 * errno with @what set: NULL if the batch could not be sent at all.
 */
static int talk(struct batch *b, const char **what)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int iovlen = nftnl_batch_iovec_len(b->b);
	struct iovec *iov = calloc((size_t)iovlen, sizeof(*iov));
	struct msghdr mh = { 0 };
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	size_t total = 0;
	int err = 0, ret;

	*what = "the batch";
	if (!nl || !iov) {
		/* No refusal of the kernel's: this process could not set up. */
		err = -errno;
		*what = NULL;
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	nftnl_batch_iovec(b->b, iov, (uint32_t)iovlen);
	/* The kernel takes the batch as one datagram: make room for it. */
	for (int i = 0; i < iovlen; i++)
		total += iov[i].iov_len;
	if (total > (size_t)INT_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
		       &(int){ (int)total }, sizeof(int)) &&
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF,
		       &(int){ (int)total }, sizeof(int))) {
		err = -errno;
		goto out;
	}
	mh.msg_name = &snl;
	mh.msg_namelen = sizeof(snl);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)iovlen;
	if (sendmsg(mnl_socket_get_fd(nl), &mh, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (bool done = false; !done && !err;) {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			err = -errno;
			goto out;
		}
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		     mnl_nlmsg_ok(nlh, ret); nlh = mnl_nlmsg_next(nlh, &ret)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			done |= nlh->nlmsg_seq == b->first_seq + b->n - 1;
			if (e->error && !err) {
				err = e->error;
				if (nlh->nlmsg_seq >= b->first_seq &&
				    nlh->nlmsg_seq - b->first_seq < b->n)
					*what = b->what[nlh->nlmsg_seq - b->first_seq];
			}
		}
	}
out:
	free(iov);
	if (nl)
		mnl_socket_close(nl);
	return err;
}

static int run(struct batch *b, const char *doing)
{
	const char *what;
	int err;

	if (b->oom) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	if (b->last)
		b->last->nlmsg_flags |= NLM_F_ACK;
	err = talk(b, &what);
	if (!err)
		return SFBCTL_EXIT_OK;
	if (!what) {
		if (err == -ENOMEM)
			fprintf(stderr, "sfb: out of memory\n");
		else
			fprintf(stderr, "sfb: %s: cannot open a netlink socket: %s\n",
				doing, strerror(-err));
		return SFBCTL_EXIT_ERROR;
	}
	if (err == -EPERM)
		fprintf(stderr, "sfb: %s: permission denied: CAP_NET_ADMIN is required\n",
			doing);
	else
		fprintf(stderr, "sfb: %s: the kernel refused %s: %s\n",
			doing, what, strerror(-err));
	return err == -EPERM || err == -EPROTONOSUPPORT || err == -ENOENT ?
	       SFBCTL_EXIT_ERROR : SFBCTL_EXIT_KERNEL;
}

static bool batch_init(struct batch *b)
{
	*b = (struct batch){ .seq = (uint32_t)time(NULL) };
	b->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (b->b)	/* see next() */
		memset(nftnl_batch_buffer(b->b), 0, BATCH_PAGE + BATCH_OVERRUN);
	return b->b;
}

static void batch_free(struct batch *b)
{
	nftnl_batch_free(b->b);
	free(b->what);
}

struct sfb_nft_batch {
	struct batch b;
};

struct sfb_nft_batch *sfb_nft_prepare(const struct sfb_config *cfg,
				      const struct sfb_targets *t,
				      bool check_only)
{
	struct sfb_nft_batch *nb = malloc(sizeof(*nb));
	struct objs o = { 0 };
	const struct sfb_nft_emitter e = {
		.ctx = &o, .counter = counter, .counter_map = counter_map,
		.port_set = port_set, .addr_map = addr_map,
		.chain_begin = chain_begin, .rule = rule, .chain_end = chain_end,
	};

	if (!nb || !batch_init(&nb->b)) {
		free(nb);
		fprintf(stderr, "sfb: out of memory\n");
		return NULL;
	}
	sfb_nft_policy(cfg, t, &e);
	nb->b.oom = o.oom;
	if (!nb->b.oom)
		build(&nb->b, &o, check_only);
	objs_free(&o);
	if (nb->b.oom) {
		fprintf(stderr, "sfb: out of memory\n");
		sfb_nft_batch_free(nb);
		return NULL;
	}
	return nb;
}

int sfb_nft_send(struct sfb_nft_batch *nb)
{
	return run(&nb->b, "nft backend");
}

void sfb_nft_batch_free(struct sfb_nft_batch *nb)
{
	if (!nb)
		return;
	batch_free(&nb->b);
	free(nb);
}

int sfb_nft_flush(void)
{
	struct batch b;
	int ret;

	if (!batch_init(&b)) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	nftnl_batch_begin(nftnl_batch_buffer(b.b), b.seq++);
	next(&b);
	b.first_seq = b.seq;
	/* Added first, so that deleting it never fails. */
	table_msg(&b, NFT_MSG_NEWTABLE);
	table_msg(&b, NFT_MSG_DELTABLE);
	nftnl_batch_end(nftnl_batch_buffer(b.b), b.seq++);
	next(&b);
	ret = run(&b, "nft backend");
	batch_free(&b);
	return ret;
}

/*
 * Send @nlh and run @cb on each answer until the acknowledgment or the
 * end of the dump. 0, or a negative errno.
 */
static int query(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid;
	int ret = -1;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret > 0)
			ret = mnl_cb_run(buf, (size_t)ret, nlh->nlmsg_seq,
					 portid, cb, data);
	} while (ret > 0);
out:
	ret = ret < 0 ? -errno : 0;
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

static int table_handle_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return MNL_CB_ERROR;
	if (!nftnl_table_nlmsg_parse(nlh, t) &&
	    nftnl_table_is_set(t, NFTNL_TABLE_HANDLE))
		*(uint64_t *)data = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int sfb_nft_table_handle(uint64_t *handle, bool quiet)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int err;

	*handle = 0;
	/* Asking would load nf_tables, which holds no table if it is out. */
	if (!sfb_module_present("nf_tables")) {
		if (t)	/* libnftnl's free functions take no NULL */
			nftnl_table_free(t);
		return SFBCTL_EXIT_OK;
	}
	if (t && nftnl_table_set_str(t, NFTNL_TABLE_NAME, TABLE) < 0) {
		nftnl_table_free(t);
		t = NULL;
	}
	if (!t) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
				    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	err = query(nlh, table_handle_cb, handle);
	if (!err || err == -ENOENT)
		return SFBCTL_EXIT_OK;
	if (quiet)
		return SFBCTL_EXIT_ERROR;
	fprintf(stderr, "sfb: nft backend: cannot read table inet " TABLE ": %s\n",
		err == -EPERM ? "permission denied: CAP_NET_ADMIN is required" :
		strerror(-err));
	return SFBCTL_EXIT_ERROR;
}

struct counters_ctx {
	void (*fn)(const char *name, uint64_t packets, uint64_t bytes,
		   void *data);
	void *data;
};

static int counter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct counters_ctx *c = data;
	struct nftnl_obj *obj = nftnl_obj_alloc();

	if (!obj)
		return MNL_CB_ERROR;
	if (!nftnl_obj_nlmsg_parse(nlh, obj) &&
	    nftnl_obj_get_u32(obj, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER &&
	    !strcmp(nftnl_obj_get_str(obj, NFTNL_OBJ_TABLE), TABLE))
		c->fn(nftnl_obj_get_str(obj, NFTNL_OBJ_NAME),
		      nftnl_obj_get_u64(obj, NFTNL_OBJ_CTR_PKTS),
		      nftnl_obj_get_u64(obj, NFTNL_OBJ_CTR_BYTES), c->data);
	nftnl_obj_free(obj);
	return MNL_CB_OK;
}

int sfb_nft_counters(bool reset,
		     void (*fn)(const char *name, uint64_t packets,
				uint64_t bytes, void *data),
		     void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct counters_ctx c = { .fn = fn, .data = data };
	struct nftnl_obj *obj = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	int err;

	if (obj) {
		nftnl_obj_set_str(obj, NFTNL_OBJ_TABLE, TABLE);
		if (!nftnl_obj_get_str(obj, NFTNL_OBJ_TABLE)) {	/* see copied() */
			nftnl_obj_free(obj);
			obj = NULL;
		}
	}
	if (!obj) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, reset ? NFT_MSG_GETOBJ_RESET : NFT_MSG_GETOBJ,
				    NFPROTO_INET, NLM_F_DUMP, (uint32_t)time(NULL));
	nftnl_obj_set_u32(obj, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, obj);
	nftnl_obj_free(obj);
	err = query(nlh, counter_cb, &c);
	if (!err)
		return SFBCTL_EXIT_OK;
	fprintf(stderr, "sfb: nft backend: cannot read the counters of table inet " TABLE ": %s\n",
		err == -EPERM ? "permission denied: CAP_NET_ADMIN is required" :
		strerror(-err));
	return SFBCTL_EXIT_ERROR;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (!nftnl_gen_nlmsg_parse(nlh, g) && nftnl_gen_is_set(g, NFTNL_GEN_ID))
		*(uint64_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int sfb_nft_generation(uint64_t *generation)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	*generation = 0;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, NFPROTO_UNSPEC,
				    NLM_F_ACK, (uint32_t)time(NULL));
	err = query(nlh, gen_cb, generation);
	if (!err)
		return SFBCTL_EXIT_OK;
	fprintf(stderr, "sfb: nft backend: cannot read the ruleset generation: %s\n",
		strerror(-err));
	return SFBCTL_EXIT_ERROR;
}
