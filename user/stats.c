// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl stats: the counters of the loaded ruleset, per target (a set of
 * roles some addresses hold) and per rule, and the namespace's packets sfb
 * could not classify. Either backend's counters are read alike
 * (sfb_loaded_counters) and attributed to rules per segment (attribute.c).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dump.h"
#include "json.h"
#include "loaded.h"
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
		ret = sfb_loaded_counters(&l, zero);
	if (ret == SFBCTL_EXIT_OK && !l.none)
		print(&l.rs, &l.st);
	sfb_loaded_free(&l);
	return ret;
}
