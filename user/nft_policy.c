// SPDX-License-Identifier: GPL-2.0
/*
 * A policy's targets (targets.h) as table inet sfb; see nft_policy.h.
 *
 * The shape follows nf_sfb's datapath (kernel/classify.c) step by step:
 *
 *   prerouting (priority -199, right after conntrack, as nf_sfb's verdict)
 *     other protocols leave (counted); "exempt" marks what exempt rules of
 *     any address or of the source's roles cover; the destination's
 *     address map jumps to its target's chain tN, which counts the packet
 *     (in total and in the segment of its port: nf_sfb's counters); tN_mark
 *     ORs in the marks of the classes its ports hold, then, if the
 *     target's roles have port rules, established and related packets
 *     pass, new flows to its open ports pass, and the rest is dropped
 *     (monitor: counted)
 *   output (a route chain: a packet that gains mark bits is routed again,
 *     as nf_sfb's LOCAL_OUT hook does) marks the same way, never drops
 *
 * Sets per target are named tN_PROTO_KIND, N the kernel's target id for
 * the same configuration, so `sfbctl stats` and the table name targets
 * alike. Only what the policy uses is made: no marks, no mark rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "nft_policy.h"

static const char *const kind_name[SFB_NPORT_KINDS] = {
	[SFB_PORTS_SERVICE] = "service",
	[SFB_PORTS_MEDIA] = "media",
	[SFB_PORTS_EXEMPT_DPORT] = "exempt",
	[SFB_PORTS_EXEMPT_SPORT] = "exempt_sport",
	[SFB_PORTS_OPEN] = "open",
};

struct builder {
	const struct sfb_config *cfg;
	const struct sfb_targets *t;
	const struct sfb_nft_emitter *e;
	struct sfb_arena *arena;	/* names and comments */
};

static const char *name(struct builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *name(struct builder *b, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sfb_arena_strdup(b->arena, buf);
}

/* Which port kinds a target's chains test (the rest is not made). */
static bool kind_used(const struct builder *b, const struct sfb_target *tg,
		      enum sfb_port_kind k)
{
	switch (k) {
	case SFB_PORTS_OPEN:
		return tg->enforce;
	case SFB_PORTS_EXEMPT_SPORT:
		return b->cfg->mark[SFB_CLASS_EXEMPT] && b->t->src_lookup;
	default:
		return b->cfg->mark[k];
	}
}

static bool has_ports(const struct sfb_target *tg, enum sfb_port_kind k)
{
	return tg->ports[0][k].n || tg->ports[1][k].n;
}

static bool wants_mark(const struct builder *b, const struct sfb_target *tg)
{
	for (int k = SFB_PORTS_SERVICE; k <= SFB_PORTS_EXEMPT_DPORT; k++)
		if (kind_used(b, tg, k) && has_ports(tg, k))
			return true;
	return false;
}

/* The destination map leads to every target: its packets are counted. */
static bool every_target(const struct builder *b, const struct sfb_target *tg)
{
	(void)b;
	(void)tg;
	return true;
}

static bool wants_src(const struct builder *b, const struct sfb_target *tg)
{
	return kind_used(b, tg, SFB_PORTS_EXEMPT_SPORT) &&
	       has_ports(tg, SFB_PORTS_EXEMPT_SPORT);
}

static bool wants_reply_dst(const struct builder *b, const struct sfb_target *tg)
{
	return b->cfg->mark[SFB_CLASS_EXEMPT] &&
	       has_ports(tg, SFB_PORTS_EXEMPT_DPORT);
}

static const char *segment_counter(struct builder *b, size_t i,
				   unsigned int pi, size_t k)
{
	return name(b, "t%zu_%s_s%zu", i, sfb_protos_name(1u << pi), k);
}

/* The counters of target @i, and the maps of its ports to its segments'. */
static void target_counters(struct builder *b, size_t i, bool maps)
{
	const struct sfb_target *tg = &b->t->t[i];

	if (!b->e->counter)
		return;
	if (!maps) {
		b->e->counter(b->e->ctx, name(b, "t%zu", i));
		if (tg->enforce)
			b->e->counter(b->e->ctx, name(b, "t%zu_drop", i));
	}
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		const char **names;

		if (!maps) {
			for (size_t k = 0; k < tg->n_segs[pi]; k++)
				b->e->counter(b->e->ctx, segment_counter(b, i, pi, k));
			continue;
		}
		if (!tg->n_segs[pi])
			continue;
		names = sfb_arena_array(b->arena, tg->n_segs[pi], sizeof(*names));
		for (size_t k = 0; k < tg->n_segs[pi]; k++)
			names[k] = segment_counter(b, i, pi, k);
		b->e->counter_map(b->e->ctx,
				  name(b, "t%zu_%s_seg", i, sfb_protos_name(1u << pi)),
				  tg->segs[pi], names, tg->n_segs[pi]);
	}
}

bool sfb_nft_counter_parse(const char *s, struct sfb_nft_counter_id *id)
{
	char proto[4], rest;
	int len = 0;

	*id = (struct sfb_nft_counter_id){ 0 };
	if (!strcmp(s, SFB_NFT_OTHER_PROTO)) {
		id->kind = SFB_NFT_CNT_OTHER_PROTO;
		return true;
	}
	if (sscanf(s, "t%zu%n", &id->target, &len) != 1)
		return false;
	s += len;
	if (!*s) {
		id->kind = SFB_NFT_CNT_TARGET;
		return true;
	}
	if (!strcmp(s, "_drop")) {
		id->kind = SFB_NFT_CNT_DROP;
		return true;
	}
	if (sscanf(s, "_%3[a-z]_s%zu%c", proto, &id->segment, &rest) != 2)
		return false;
	id->kind = SFB_NFT_CNT_SEGMENT;
	id->proto = strcmp(proto, "tcp") ? 1 : 0;
	return !strcmp(proto, "tcp") || !strcmp(proto, "udp");
}

static void target_sets(struct builder *b, size_t i)
{
	const struct sfb_target *tg = &b->t->t[i];

	for (int k = 0; k < SFB_NPORT_KINDS; k++) {
		if (!kind_used(b, tg, k))
			continue;
		for (int pi = 0; pi < SFB_NPROTOS; pi++)
			if (tg->ports[pi][k].n)
				b->e->port_set(b->e->ctx,
					       name(b, "t%zu_%s_%s", i,
						    sfb_protos_name(1u << pi), kind_name[k]),
					       &tg->ports[pi][k]);
	}
}

/*
 * An address map of family @fam, @map@V (V: 4 or 6): the spans of every
 * target @want accepts, to "VERB tN@suffix". Made only if not empty; says
 * whether it was.
 */
static bool addr_map(struct builder *b, const char *map, int fam,
		     bool (*want)(const struct builder *, const struct sfb_target *),
		     enum sfb_nft_verdict verdict, const char *suffix)
{
	const struct sfb_targets *t = b->t;
	struct sfb_nft_elem *e;
	size_t n = 0;

	e = sfb_arena_array(b->arena, t->n_spans[fam] + 1, sizeof(*e));
	for (size_t i = 0; i < t->n_spans[fam]; i++) {
		const struct sfb_span *s = &t->spans[fam][i];

		if (want(b, &t->t[s->target]))
			e[n++] = (struct sfb_nft_elem){
				.span = s, .verdict = verdict,
				.chain = name(b, "t%u%s", s->target, suffix),
			};
	}
	if (n)
		b->e->addr_map(b->e->ctx, name(b, "%s%d", map, fam ? 6 : 4),
			       fam, e, n);
	return n;
}

/* "ROLE, ROLE...": a target's chains' comment (nft takes 128 bytes). */
static const char *roles_comment(struct builder *b, const struct sfb_target *tg)
{
	char buf[128];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t id = 0; id < b->t->ids.n; id++) {
		const char *role = b->t->ids.role[id]->name;

		if (!(tg->roles & (1ull << id)))
			continue;
		if (len + strlen(role) + 6 >= sizeof(buf)) {
			snprintf(buf + len, sizeof(buf) - len, "%s...",
				 len ? ", " : "");
			break;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? ", " : "", role);
	}
	return sfb_arena_strdup(b->arena, buf);
}

static void rule(struct builder *b, struct sfb_nft_rule r)
{
	b->e->rule(b->e->ctx, &r);
}

/* "PROTO KEY @tN_PROTO_KIND meta mark set meta mark | MARK" per protocol. */
static void mark_rules(struct builder *b, size_t i, enum sfb_port_kind k,
		       enum sfb_nft_key key, uint32_t mark)
{
	const struct sfb_target *tg = &b->t->t[i];

	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		if (!tg->ports[pi][k].n)
			continue;
		rule(b, (struct sfb_nft_rule){
			/* IKE and NAT-T are never exempt (kernel/classify.c). */
			.cond = k == SFB_PORTS_EXEMPT_DPORT &&
				key == SFB_NFT_DPORT && pi == 1 ?
				SFB_NFT_IF_NOT_IKE : 0,
			.key = key, .proto = pi,
			.set = name(b, "t%zu_%s_%s", i, sfb_protos_name(1u << pi),
				    kind_name[k]),
			.mark = mark,
		});
	}
}

static void chain(struct builder *b, const char *chain_name,
		  const char *comment)
{
	b->e->chain_begin(b->e->ctx, chain_name, NULL, comment);
}

static void target_chains(struct builder *b, size_t i)
{
	const struct sfb_target *tg = &b->t->t[i];
	const uint32_t *mark = b->cfg->mark;
	uint32_t exempt = mark[SFB_CLASS_EXEMPT];
	const char *roles = roles_comment(b, tg);

	if (wants_mark(b, tg)) {
		chain(b, name(b, "t%zu_mark", i), roles);
		for (int k = SFB_PORTS_SERVICE; k <= SFB_PORTS_EXEMPT_DPORT; k++)
			if (kind_used(b, tg, k))
				mark_rules(b, i, k, SFB_NFT_DPORT, mark[k]);
		b->e->chain_end(b->e->ctx);
	}
	chain(b, name(b, "t%zu", i), roles);
	rule(b, (struct sfb_nft_rule){
		.counter_name = name(b, "t%zu", i), .stats_only = true,
	});
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++)
		if (tg->n_segs[pi])
			rule(b, (struct sfb_nft_rule){
				.key = SFB_NFT_DPORT, .proto = pi,
				.objref = true, .stats_only = true,
				.set = name(b, "t%zu_%s_seg", i,
					    sfb_protos_name(1u << pi)),
			});
	if (wants_mark(b, tg))
		rule(b, (struct sfb_nft_rule){
			.verdict = SFB_NFT_JUMP,
			.chain = name(b, "t%zu_mark", i),
		});
	if (tg->enforce) {
		rule(b, (struct sfb_nft_rule){
			.cond = SFB_NFT_IF_ESTABLISHED,
			.verdict = SFB_NFT_ACCEPT,
		});
		for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++)
			if (tg->ports[pi][SFB_PORTS_OPEN].n)
				rule(b, (struct sfb_nft_rule){
					.key = SFB_NFT_DPORT, .proto = pi,
					.set = name(b, "t%zu_%s_open", i,
						    sfb_protos_name(1u << pi)),
					.verdict = SFB_NFT_ACCEPT,
				});
		/* policy log: nf_sfb logs would-drops too. */
		if (b->cfg->log_nflog || b->cfg->log_prefix)
			rule(b, (struct sfb_nft_rule){ .log = b->cfg });
		rule(b, (struct sfb_nft_rule){
			.counter_name = name(b, "t%zu_drop", i),
			.verdict = b->cfg->mode == SFB_MODE_ENFORCE ?
				   SFB_NFT_DROP : SFB_NFT_CONTINUE,
			.comment = b->cfg->mode == SFB_MODE_ENFORCE ?
				   NULL : "would drop in enforce mode",
		});
	}
	b->e->chain_end(b->e->ctx);
	if (wants_src(b, tg)) {
		chain(b, name(b, "t%zu_src", i), NULL);
		mark_rules(b, i, SFB_PORTS_EXEMPT_SPORT, SFB_NFT_SPORT, exempt);
		b->e->chain_end(b->e->ctx);
		chain(b, name(b, "t%zu_reply_src", i), NULL);
		mark_rules(b, i, SFB_PORTS_EXEMPT_SPORT, SFB_NFT_DPORT, exempt);
		b->e->chain_end(b->e->ctx);
	}
	if (wants_reply_dst(b, tg)) {
		chain(b, name(b, "t%zu_reply_dst", i), NULL);
		mark_rules(b, i, SFB_PORTS_EXEMPT_DPORT, SFB_NFT_SPORT, exempt);
		b->e->chain_end(b->e->ctx);
	}
}

/* Exempt rules of any address: "PROTO KEY @any_PROTO_SIDE mark". */
static void any_rules(struct builder *b, bool reply)
{
	const struct sfb_targets *t = b->t;
	uint32_t exempt = b->cfg->mark[SFB_CLASS_EXEMPT];

	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		/* A reply is exempt if its flow's first direction is. */
		if (t->any_dport[pi].n)
			rule(b, (struct sfb_nft_rule){
				.key = reply ? SFB_NFT_SPORT : SFB_NFT_DPORT,
				.proto = pi, .mark = exempt,
				.set = name(b, "any_%s_dport", sfb_protos_name(1u << pi)),
			});
		if (t->any_sport[pi].n)
			rule(b, (struct sfb_nft_rule){
				.key = reply ? SFB_NFT_DPORT : SFB_NFT_SPORT,
				.proto = pi, .mark = exempt,
				.set = name(b, "any_%s_sport", sfb_protos_name(1u << pi)),
			});
	}
}

static void vmap_rule(struct builder *b, enum sfb_nft_key key, int fam,
		      const char *map)
{
	rule(b, (struct sfb_nft_rule){
		.key = key, .fam = fam,
		.set = name(b, "%s%d", map, fam ? 6 : 4),
	});
}

/*
 * The exempt chains: what marks the ipsec-exempt class whatever the
 * destination. Made (and true returned) only if something can.
 */
static bool exempt_chains(struct builder *b, const bool *src_map,
			  const bool *rdst_map)
{
	bool needed = false;

	if (!b->cfg->mark[SFB_CLASS_EXEMPT])
		return false;
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		needed |= src_map[fam] || rdst_map[fam];
	for (int pi = 0; pi < SFB_NPROTOS; pi++)
		needed |= b->t->any_dport[pi].n || b->t->any_sport[pi].n;
	if (!needed)
		return false;

	chain(b, "exempt_reply", NULL);
	any_rules(b, true);
	for (int fam = 0; fam < SFB_NFAMS; fam++) {
		if (rdst_map[fam])
			vmap_rule(b, SFB_NFT_SADDR, fam, "reply_dst");
		if (src_map[fam])
			vmap_rule(b, SFB_NFT_DADDR, fam, "reply_src");
	}
	b->e->chain_end(b->e->ctx);

	chain(b, "exempt", NULL);
	/* IKE and NAT-T are never exempt. */
	for (int k = 0; k < 4; k++)
		rule(b, (struct sfb_nft_rule){
			.cond = k < 2 ? SFB_NFT_IF_UDP_SPORT : SFB_NFT_IF_UDP_DPORT,
			.port = k % 2 ? 4500 : 500, .verdict = SFB_NFT_RETURN,
		});
	any_rules(b, false);
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		if (src_map[fam])
			vmap_rule(b, SFB_NFT_SADDR, fam, "src");
	rule(b, (struct sfb_nft_rule){
		.cond = SFB_NFT_IF_REPLY, .verdict = SFB_NFT_JUMP,
		.chain = "exempt_reply",
	});
	b->e->chain_end(b->e->ctx);
	return true;
}

static void hook_chain(struct builder *b, const struct sfb_nft_hook *hook,
		       const char *map, bool exempt, const bool *maps)
{
	b->e->chain_begin(b->e->ctx, hook->hook, hook, NULL);
	/* nf_sfb counts at prerouting only. */
	rule(b, (struct sfb_nft_rule){
		.cond = SFB_NFT_IF_OTHER_PROTO, .verdict = SFB_NFT_ACCEPT,
		.counter_name = strcmp(hook->hook, "prerouting") ? NULL :
				SFB_NFT_OTHER_PROTO,
	});
	if (exempt)
		rule(b, (struct sfb_nft_rule){
			.verdict = SFB_NFT_JUMP, .chain = "exempt",
		});
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		if (maps[fam])
			vmap_rule(b, SFB_NFT_DADDR, fam, map);
	b->e->chain_end(b->e->ctx);
}

void sfb_nft_policy(const struct sfb_config *cfg, const struct sfb_targets *t,
		    const struct sfb_nft_emitter *e)
{
	/* After conntrack (-200), where nf_sfb gives its verdict. */
	static const struct sfb_nft_hook prerouting = {
		.type = "filter", .hook = "prerouting", .priority = -199,
	};
	static const struct sfb_nft_hook output = {
		.type = "route", .hook = "output", .priority = -199,
	};
	struct builder b = { .cfg = cfg, .t = t, .e = e,
			     .arena = sfb_arena_new() };
	bool dst[SFB_NFAMS], mark[SFB_NFAMS], src[SFB_NFAMS], rdst[SFB_NFAMS];
	bool exempt;

	if (e->counter)
		e->counter(e->ctx, SFB_NFT_OTHER_PROTO);
	for (size_t i = 0; i < t->n; i++)
		target_counters(&b, i, false);
	for (size_t i = 0; i < t->n; i++) {
		target_sets(&b, i);
		target_counters(&b, i, true);
	}
	for (unsigned int pi = 0; pi < SFB_NPROTOS && cfg->mark[SFB_CLASS_EXEMPT]; pi++) {
		if (t->any_dport[pi].n)
			e->port_set(e->ctx, name(&b, "any_%s_dport", sfb_protos_name(1u << pi)),
				    &t->any_dport[pi]);
		if (t->any_sport[pi].n)
			e->port_set(e->ctx, name(&b, "any_%s_sport", sfb_protos_name(1u << pi)),
				    &t->any_sport[pi]);
	}
	for (int fam = 0; fam < SFB_NFAMS; fam++) {
		dst[fam] = addr_map(&b, "dst", fam, every_target, SFB_NFT_GOTO, "");
		mark[fam] = addr_map(&b, "mark", fam, wants_mark, SFB_NFT_GOTO,
				     "_mark");
		src[fam] = addr_map(&b, "src", fam, wants_src, SFB_NFT_JUMP,
				    "_src");
		addr_map(&b, "reply_src", fam, wants_src, SFB_NFT_JUMP,
			 "_reply_src");
		rdst[fam] = addr_map(&b, "reply_dst", fam, wants_reply_dst,
				     SFB_NFT_JUMP, "_reply_dst");
	}
	for (size_t i = 0; i < t->n; i++)
		target_chains(&b, i);
	exempt = exempt_chains(&b, src, rdst);
	hook_chain(&b, &prerouting, "dst", exempt, dst);
	if (cfg->mark[0] || cfg->mark[1] || cfg->mark[2])
		hook_chain(&b, &output, "mark", exempt, mark);
	sfb_arena_free(b.arena);
}
