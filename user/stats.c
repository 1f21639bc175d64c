// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl stats: the counters of the loaded ruleset, per target (a set of
 * roles some addresses hold) and per rule, and the namespace's packets sfb
 * could not classify. The kernel counts per segment (a port run covered
 * by the same rules); a segment counts for every rule that covers it, so
 * overlapping rules each see the packets both match.
 *
 * The nft backend's table counts the same way with named counters
 * (nft_policy.h): per target its packets and drops, and per segment,
 * from which the classes' counters and unmatched follow.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dump.h"
#include "json.h"
#include "loaded.h"
#include "nft.h"
#include "nft_policy.h"
#include "sfbctl.h"

static const char *const counter_names[] = {
	[SFB_CNT_SERVICE] = "service",
	[SFB_CNT_MEDIA] = "media",
	[SFB_CNT_EXEMPT] = "ipsec_exempt",
	[SFB_CNT_UNMATCHED] = "unmatched",
	[SFB_CNT_DROPPED] = "dropped",
	[SFB_CNT_WOULD_DROP] = "would_drop",
	[SFB_CNT_OTHER_PROTO] = "other_proto",
	[SFB_CNT_MALFORMED] = "malformed",
	[SFB_CNT_EVENTS_SUPPRESSED] = "events_suppressed",
};

/* Counters of a target; the rest are the namespace's. */
#define TARGET_COUNTERS (SFB_CNT_WOULD_DROP + 1)

static int cmp_segment(const void *pa, const void *pb)
{
	const struct sfb_dump_segment *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->class != b->class)
		return a->class < b->class ? -1 : 1;
	return (a->ports.first > b->ports.first) - (a->ports.first < b->ports.first);
}

/* The first segment not before (proto, class, first). */
static size_t lower_bound(const struct sfb_dump_segment *segs, size_t n,
			  uint8_t proto, uint8_t class, uint16_t first)
{
	const struct sfb_dump_segment key = { .proto = proto, .class = class,
					    .ports = { first, first } };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_segment(&segs[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Segments of one (proto, class) are disjoint: a rule's are consecutive. */
static void attribute_rule(const struct sfb_conf_rule *r, uint8_t proto,
			   const struct sfb_dump_segment *segs, size_t n,
			   struct sfb_count *count)
{
	for (size_t k = lower_bound(segs, n, proto, r->class, r->ports.first);
	     k < n && segs[k].proto == proto && segs[k].class == r->class &&
	     segs[k].ports.first <= r->ports.last; k++) {
		if (segs[k].ports.last > r->ports.last)
			continue;
		count->packets += segs[k].count.packets;
		count->bytes += segs[k].count.bytes;
	}
}

void sfb_attribute(const struct sfb_dump_role *const *roles, size_t n_roles,
		   struct sfb_dump_segment *segs, size_t n_segs,
		   struct sfb_count *const *counts)
{
	if (n_segs)
		qsort(segs, n_segs, sizeof(*segs), cmp_segment);
	for (size_t i = 0; i < n_roles; i++)
		for (size_t j = 0; j < roles[i]->n_rules; j++)
			for (uint8_t p = SFB_PROTO_TCP; p <= SFB_PROTO_UDP; p <<= 1)
				if (roles[i]->rules[j].protos & p)
					attribute_rule(&roles[i]->rules[j], p,
						       segs, n_segs, &counts[i][j]);
}

/* A target's roles and their per-rule counts, in the stats' arena. */
struct target_view {
	const struct sfb_dump_target *t;
	const struct sfb_dump_role **roles;	/* NULL where the id is unknown */
	struct sfb_count **counts;
};

static void view_target(const struct sfb_dump *rs, struct sfb_stats *st,
			struct sfb_dump_target *t, struct target_view *v)
{
	static const struct sfb_dump_role none = { .name = "?" };

	v->t = t;
	v->roles = sfb_arena_array(st->arena, t->n_roles, sizeof(*v->roles));
	v->counts = sfb_arena_array(st->arena, t->n_roles, sizeof(*v->counts));
	for (size_t i = 0; i < t->n_roles; i++) {
		v->roles[i] = sfb_dump_role(rs, t->roles[i]);
		if (!v->roles[i])
			v->roles[i] = &none;
		v->counts[i] = sfb_arena_array(st->arena, v->roles[i]->n_rules,
					       sizeof(**v->counts));
	}
	sfb_attribute(v->roles, t->n_roles, t->segs, t->n_segs, v->counts);
}

/* "NAME 1 packet 60 bytes" */
static void text_count(FILE *f, const char *name, struct sfb_count c)
{
	fprintf(f, "%s %" PRIu64 " packet%s %" PRIu64 " byte%s", name,
		c.packets, c.packets == 1 ? "" : "s", c.bytes,
		c.bytes == 1 ? "" : "s");
}

static void print_text(FILE *f, const struct sfb_stats *st,
		       const struct target_view *views)
{
	char ports[16];

	fprintf(f, "generation %" PRIu64 "\nunclassified:", st->generation);
	for (int k = TARGET_COUNTERS; k <= SFB_CNT_MALFORMED; k++) {
		fputs(k > TARGET_COUNTERS ? ", " : " ", f);
		text_count(f, counter_names[k], st->counters[k]);
	}
	/* Denials, not unclassified packets: on their own line. */
	fputc('\n', f);
	text_count(f, counter_names[SFB_CNT_EVENTS_SUPPRESSED],
		   st->counters[SFB_CNT_EVENTS_SUPPRESSED]);
	fputc('\n', f);
	for (size_t i = 0; i < st->n_targets; i++) {
		const struct target_view *v = &views[i];

		fprintf(f, "target %u:", v->t->id);
		for (size_t r = 0; r < v->t->n_roles; r++)
			fprintf(f, " %s", v->roles[r]->name);
		fputc('\n', f);
		for (int k = 0; k < TARGET_COUNTERS; k++) {
			fputc('\t', f);
			text_count(f, counter_names[k], v->t->counters[k]);
			fputc('\n', f);
		}
		/* Rules that saw nothing would drown the ones that did. */
		for (size_t r = 0; r < v->t->n_roles; r++)
			for (size_t j = 0; j < v->roles[r]->n_rules; j++) {
				const struct sfb_conf_rule *rule = &v->roles[r]->rules[j];

				if (!v->counts[r][j].packets)
					continue;
				fprintf(f, "\t%s %s %s %s:", v->roles[r]->name,
					rule->name, sfb_protos_name(rule->protos),
					sfb_range_format(rule->ports, ports,
							 sizeof(ports)));
				text_count(f, "", v->counts[r][j]);
				fputc('\n', f);
			}
	}
}

static json_t *json_count(struct sfb_count c)
{
	return json_pack("{s:o,s:o}", "packets", sfb_json_uint(c.packets),
			 "bytes", sfb_json_uint(c.bytes));
}

/* Counters @first..@last, keyed by their names. */
static json_t *json_counters(const struct sfb_count *c, int first, int last)
{
	json_t *o = json_object();

	for (int k = first; k <= last; k++)
		json_object_set_new(o, counter_names[k], json_count(c[k]));
	return o;
}

static json_t *json_rules(const struct target_view *v)
{
	json_t *rules = json_array();

	for (size_t r = 0; r < v->t->n_roles; r++)
		for (size_t j = 0; j < v->roles[r]->n_rules; j++) {
			const struct sfb_conf_rule *rule = &v->roles[r]->rules[j];
			const struct sfb_count *c = &v->counts[r][j];
			json_t *o;

			o = json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o}",
				      "role", sfb_json_str(v->roles[r]->name),
				      "rule", sfb_json_str(rule->name),
				      "class", sfb_class_name(rule->class),
				      "protocols", sfb_json_protos(rule->protos),
				      "ports", sfb_json_range(rule->ports),
				      "packets", sfb_json_uint(c->packets),
				      "bytes", sfb_json_uint(c->bytes));
			json_array_append_new(rules, o);
		}
	return rules;
}

static json_t *stats_json(const struct sfb_stats *st,
			  const struct target_view *views)
{
	json_t *targets = json_array();

	for (size_t i = 0; i < st->n_targets; i++) {
		const struct target_view *v = &views[i];
		json_t *roles = json_array(), *o;

		for (size_t r = 0; r < v->t->n_roles; r++)
			json_array_append_new(roles, sfb_json_str(v->roles[r]->name));
		o = json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)v->t->id,
			      "roles", roles,
			      "counters", json_counters(v->t->counters, 0,
							TARGET_COUNTERS - 1),
			      "rules", json_rules(v));
		json_array_append_new(targets, o);
	}
	return json_pack("{s:b,s:o,s:o,s:o}", "loaded", true,
			 "generation", sfb_json_uint(st->generation),
			 "counters", json_counters(st->counters, TARGET_COUNTERS,
						   SFB_CNT_MAX),
			 "targets", targets);
}

static void print(const struct sfb_dump *rs, struct sfb_stats *st)
{
	struct target_view *views;

	views = sfb_arena_array(st->arena, st->n_targets, sizeof(*views));
	for (size_t i = 0; i < st->n_targets; i++)
		view_target(rs, st, &st->targets[i], &views[i]);
	if (sfb_json_enabled())
		sfb_json_emit(stats_json(st, views));
	else
		print_text(stdout, st, views);
}

static int stats_module(struct sfb_loaded *l, bool zero)
{
	int ret = sfb_fetch(l->nl, &l->rs, &l->st);

	if (ret == SFBCTL_EXIT_OK)
		print(&l->rs, &l->st);
	/* Packets counted between the dump and this are lost: say so in the man page. */
	if (ret == SFBCTL_EXIT_OK && zero)
		ret = sfb_nl_talk(l->nl, sfb_nl_request(l->nl, SFB_CMD_ZERO_STATS, 0),
				  NULL, NULL);
	return ret;
}

/* The nft counters read so far; per target, its packets in segments. */
struct nft_counts {
	struct sfb_loaded *l;
	struct sfb_count *in_segs;
};

static void add(struct sfb_count *c, uint64_t packets, uint64_t bytes)
{
	c->packets += packets;
	c->bytes += bytes;
}

static void nft_counter(const char *name, uint64_t packets, uint64_t bytes,
			void *data)
{
	struct nft_counts *nc = data;
	struct sfb_stats *st = &nc->l->st;
	const struct sfb_targets *t = &nc->l->t;
	struct sfb_nft_counter_id id;
	const struct sfb_segment *seg;
	struct sfb_dump_target *dt;

	if (!sfb_nft_counter_parse(name, &id))
		return;
	if (id.kind == SFB_NFT_CNT_OTHER_PROTO) {
		add(&st->counters[SFB_CNT_OTHER_PROTO], packets, bytes);
		return;
	}
	if (id.target >= t->n)
		return;
	dt = &st->targets[id.target];
	if (id.kind == SFB_NFT_CNT_TARGET) {
		/* Less those in segments, at the end. */
		add(&dt->counters[SFB_CNT_UNMATCHED], packets, bytes);
		return;
	}
	if (id.kind == SFB_NFT_CNT_DROP) {
		add(&dt->counters[nc->l->cfg->mode == SFB_MODE_ENFORCE ?
				  SFB_CNT_DROPPED : SFB_CNT_WOULD_DROP],
		    packets, bytes);
		return;
	}
	if (id.segment >= t->t[id.target].n_segs[id.proto])
		return;
	seg = &t->t[id.target].segs[id.proto][id.segment];
	add(&nc->in_segs[id.target], packets, bytes);
	for (uint8_t c = 0; c < SFB_CLASS_COUNT; c++) {
		if (!(seg->classes & (1u << c)))
			continue;
		add(&dt->counters[c], packets, bytes);
		dt->segs = sfb_arena_grow(st->arena, dt->segs, dt->n_segs,
					  &dt->cap_segs, sizeof(*dt->segs));
		dt->segs[dt->n_segs++] = (struct sfb_dump_segment){
			.proto = (uint8_t)(1u << id.proto), .class = c,
			.ports = seg->ports,
			.count = { packets, bytes },
		};
	}
}

static int stats_nft(struct sfb_loaded *l, bool zero)
{
	struct nft_counts nc = {
		.l = l,
		.in_segs = sfb_arena_array(l->st.arena, l->t.n + 1,
					   sizeof(*nc.in_segs)),
	};
	int ret;

	/* Read and zeroed at once: no packet is lost between. */
	ret = sfb_nft_counters(zero, nft_counter, &nc);
	if (ret != SFBCTL_EXIT_OK)
		return ret;
	for (size_t i = 0; i < l->t.n; i++) {
		struct sfb_count *u = &l->st.targets[i].counters[SFB_CNT_UNMATCHED];

		/* Counters are read one by one: never below zero. */
		u->packets -= u->packets < nc.in_segs[i].packets ? u->packets :
			      nc.in_segs[i].packets;
		u->bytes -= u->bytes < nc.in_segs[i].bytes ? u->bytes :
			    nc.in_segs[i].bytes;
	}
	print(&l->rs, &l->st);
	return SFBCTL_EXIT_OK;
}

int cmd_stats(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "zero", no_argument, NULL, 'z' },
		{ 0 }
	};
	bool zero = false;
	struct sfb_loaded l;
	int c, ret;

	while ((c = getopt_long(argc, argv, SFB_JSON_SHORTOPTS "z", opts,
				NULL)) != -1) {
		if (sfb_json_option(c))
			continue;
		if (c == 'z')
			zero = true;
		else
			return usage_error("stats");
	}
	if (optind != argc)
		return usage_error("stats");
	ret = sfb_loaded_find(&l);
	if (ret == SFBCTL_EXIT_OK && l.none)
		sfb_loaded_print_none();
	else if (ret == SFBCTL_EXIT_OK)
		ret = l.nl ? stats_module(&l, zero) : stats_nft(&l, zero);
	sfb_loaded_free(&l);
	return ret;
}
