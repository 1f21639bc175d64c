// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl report: what the policy in force has seen, per bound role and per
 * rule of the catalogue, with the source table rows the role file names
 * (the rows hit and those never hit), and the top denied tuples of an
 * events file. See report.h.
 *
 * The kernel knows rules, not rows: rows come from the role file, matched
 * by role and rule name, so the file must be the one that was loaded (by
 * default the boot service's). A rule the file describes otherwise gets no
 * rows, with a warning.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "json.h"
#include "loaded.h"
#include "report.h"
#include "sfbctl.h"

/* The most tuples --top lists; far more than a report is read for. */
#define TOP_MAX 100000

static bool holds(const struct sfb_dump_target *t, uint32_t role)
{
	for (size_t i = 0; i < t->n_roles; i++)
		if (t->roles[i] == role)
			return true;
	return false;
}

static bool same_rule(const struct sfb_conf_rule *a, const struct sfb_conf_rule *b)
{
	return a->class == b->class && a->protos == b->protos &&
	       a->ports.first == b->ports.first && a->ports.last == b->ports.last;
}

/* @rule's rows in @file's role @role; "" and a warning (once) if it has none there. */
static const char *rows_of(const struct sfb_config *cfg, const char *file,
			   const char *role, const struct sfb_conf_rule *rule,
			   bool *warned)
{
	const struct sfb_conf_role *r = sfb_config_role(cfg, role);

	for (size_t j = 0; r && j < r->n_rules; j++)
		if (!strcmp(r->rules[j].name, rule->name) &&
		    same_rule(&r->rules[j], rule))
			return r->rules[j].rows;
	if (!*warned)
		fprintf(stderr,
			"sfb: report: warning: %s is not what was loaded: role '%s' has no %s '%s' like the loaded one there; rules it does not describe get no rows\n",
			file, role, sfb_class_name(rule->class), rule->name);
	*warned = true;
	return "";
}

/* One line per bound role, rule and protocol, counted over every target. */
static void gather(struct sfb_report *r, const struct sfb_loaded *l,
		   const struct sfb_config *cfg)
{
	const struct sfb_dump *rs = &l->rs;
	const struct sfb_stats *st = &l->st;
	bool warned = false;
	size_t cap = 0;

	for (size_t t = 0; t < st->n_targets; t++)
		sfb_segments_sort(st->targets[t].segs, st->targets[t].n_segs);
	for (size_t i = 0; i < rs->n_roles; i++) {
		const struct sfb_dump_role *role = &rs->roles[i];
		bool bound = false;

		for (size_t t = 0; t < st->n_targets && !bound; t++)
			bound = holds(&st->targets[t], role->id);
		for (size_t j = 0; bound && j < role->n_rules; j++) {
			const struct sfb_conf_rule *rule = &role->rules[j];
			const char *rows = cfg ? rows_of(cfg, r->role_file, role->name,
							 rule, &warned) : "";

			for (uint8_t p = SFB_PROTO_TCP; p <= SFB_PROTO_UDP; p <<= 1) {
				struct sfb_report_line *line;

				if (!(rule->protos & p))
					continue;
				r->lines = sfb_arena_grow(st->arena, r->lines,
							  r->n_lines, &cap,
							  sizeof(*r->lines));
				line = &r->lines[r->n_lines++];
				*line = (struct sfb_report_line){
					.role = role->name, .rule = rule,
					.rows = rows, .proto = p,
				};
				for (size_t t = 0; t < st->n_targets; t++) {
					const struct sfb_dump_target *dt = &st->targets[t];
					struct sfb_count c;

					if (!holds(dt, role->id))
						continue;
					c = sfb_rule_count(rule, p, dt->segs, dt->n_segs);
					line->count.packets += c.packets;
					line->count.bytes += c.bytes;
				}
			}
		}
	}
}

/*
 * The role file: @file, else the boot service's if it is there. NULL
 * config and no error if there is none to read.
 */
static int role_file(const char *file, struct sfb_report *r,
		     struct sfb_config **cfg)
{
	struct sfb_diag *d;

	*cfg = NULL;
	if (!file && access(SFB_SITE_CONF, F_OK)) {
		fprintf(stderr,
			"sfb: report: no role file given and %s (the boot service's) is not there: the report names no source rows\n",
			SFB_SITE_CONF);
		return SFBCTL_EXIT_OK;
	}
	r->role_file = sfb_config_file_name(file ? file : SFB_SITE_CONF);
	d = sfb_diag_new();
	*cfg = sfb_config_load(file ? file : SFB_SITE_CONF, d);
	sfb_diag_print(d, stderr, true);
	sfb_diag_free(d);
	return *cfg ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
}

static int report(struct sfb_report *r, const char *file,
		  enum sfb_report_format fmt)
{
	struct sfb_config *cfg = NULL;
	struct sfb_loaded l;
	int ret;

	ret = sfb_loaded_find(&l);
	if (ret == SFBCTL_EXIT_OK && l.none)
		sfb_loaded_print_none();
	else if (ret == SFBCTL_EXIT_OK)
		ret = role_file(file, r, &cfg);
	if (ret == SFBCTL_EXIT_OK && !l.none)
		ret = sfb_loaded_counters(&l, false);
	if (ret == SFBCTL_EXIT_OK && !l.none) {
		r->nft = l.nft;
		r->generation = l.rs.generation;
		r->mode = l.rs.mode;
		gather(r, &l, cfg);
		sfb_report_print(r, fmt, stdout);
	}
	sfb_config_free(cfg);
	sfb_loaded_free(&l);
	return ret;
}

static bool parse_top(const char *s, size_t *top)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || v > TOP_MAX)
		return false;
	*top = v;
	return true;
}

static bool parse_format(const char *s, enum sfb_report_format *fmt)
{
	static const char *const names[] = {
		[SFB_REPORT_TEXT] = "text", [SFB_REPORT_MARKDOWN] = "markdown",
		[SFB_REPORT_CSV] = "csv",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*fmt = (enum sfb_report_format)i;
			return true;
		}
	return false;
}

int cmd_report(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "top", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ 0 }
	};
	enum sfb_report_format fmt = SFB_REPORT_TEXT;
	struct sfb_report r = { .top = 10 };
	struct sfb_denials denials = { 0 };
	const char *since = NULL;
	bool formatted = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, SFB_JSON_SHORTOPTS "f:e:n:s:", opts,
				NULL)) != -1) {
		if (sfb_json_option(c))
			continue;
		if (c == 'f' && parse_format(optarg, &fmt)) {
			formatted = true;
		} else if (c == 'f') {
			fprintf(stderr,
				"sfb: report: unknown format '%s' (use text, markdown or csv; -j for JSON)\n",
				optarg);
			return SFBCTL_EXIT_USAGE;
		} else if (c == 'e') {
			denials.file = optarg;
		} else if (c == 'n' && !parse_top(optarg, &r.top)) {
			fprintf(stderr, "sfb: report: invalid --top '%s' (use 0-%d)\n",
				optarg, TOP_MAX);
			return SFBCTL_EXIT_USAGE;
		} else if (c == 's') {
			since = optarg;
		} else if (c != 'n') {
			return usage_error("report");
		}
	}
	if (optind < argc - 1)
		return usage_error("report");
	if (formatted && sfb_json_enabled()) {
		fprintf(stderr, "sfb: report: -j and --format are exclusive\n");
		return SFBCTL_EXIT_USAGE;
	}
	if (denials.file && !strcmp(denials.file, "-") && optind < argc &&
	    !strcmp(argv[optind], "-")) {
		fprintf(stderr,
			"sfb: report: --events - and FILE - cannot both be standard input\n");
		return SFBCTL_EXIT_USAGE;
	}
	if (since && !denials.file) {
		fprintf(stderr, "sfb: report: --since selects events: give --events FILE\n");
		return SFBCTL_EXIT_USAGE;
	}
	if (since && !sfb_since_parse(since, &denials.since)) {
		fprintf(stderr,
			"sfb: report: invalid --since '%s' (use an RFC 3339 UTC time such as 2026-12-06T09:30:00Z, a date, or 'load')\n",
			since);
		return SFBCTL_EXIT_USAGE;
	}
	if (sfb_json_enabled())
		fmt = SFB_REPORT_JSON;
	/* A bad events file fails before the kernel is asked anything. */
	ret = denials.file ? sfb_denials_read(&denials) : SFBCTL_EXIT_OK;
	if (denials.file)
		r.denials = &denials;
	if (ret == SFBCTL_EXIT_OK)
		ret = report(&r, optind < argc ? argv[optind] : NULL, fmt);
	sfb_denials_free(&denials);
	if (ret == SFBCTL_EXIT_OK && (fflush(stdout) || ferror(stdout))) {
		perror("sfb: report: stdout");
		ret = SFBCTL_EXIT_ERROR;
	}
	return ret;
}
