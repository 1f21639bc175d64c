// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export --format nft: the nft form of a policy (nft_policy.h)
 * written in nft's own syntax, for `nft -f`.
 */
#include <stdio.h>
#include <string.h>

#include "export_common.h"
#include "export_nft.h"
#include "nft_policy.h"

static const char *const fam_expr[SFB_NFAMS] = { "ip", "ip6" };
static const char *const fam_type[SFB_NFAMS] = { "ipv4_addr", "ipv6_addr" };

struct text {
	FILE *f;
	bool first;		/* no object written yet: no blank line */
};

/* A blank line between the table's objects. */
static void object(struct text *t)
{
	if (!t->first)
		fputc('\n', t->f);
	t->first = false;
}

static void counter(void *ctx, const char *name)
{
	struct text *t = ctx;

	object(t);
	fprintf(t->f, "\tcounter %s {\n\t}\n", name);
}

/* "elements = { A, B-C... }", wrapped; @counters[i]: ": NAME" after each. */
static void port_elements(struct text *t, const struct sfb_range *r, size_t n,
			  size_t stride, const char *const *counters)
{
	int col = 24;

	fputs("\t\telements = { ", t->f);
	for (size_t i = 0; i < n; i++) {
		char buf[96];
		size_t len;

		sfb_range_format(*(const struct sfb_range *)
				 ((const char *)r + i * stride), buf, sizeof(buf));
		len = strlen(buf);
		if (counters)
			snprintf(buf + len, sizeof(buf) - len, " : \"%s\"",
				 counters[i]);
		if (col + (int)strlen(buf) > 72) {
			fputs(",\n\t\t\t     ", t->f);
			col = 21;
		} else if (i) {
			fputs(", ", t->f);
		}
		col += fprintf(t->f, "%s", buf) + 2;
	}
	fputs(" }\n\t}\n", t->f);
}

static void port_set(void *ctx, const char *name, const struct sfb_ports *p)
{
	struct text *t = ctx;

	object(t);
	fprintf(t->f, "\tset %s {\n\t\ttype inet_service; flags interval;\n",
		name);
	port_elements(t, p->r, p->n, sizeof(*p->r), NULL);
}

static void counter_map(void *ctx, const char *name,
			const struct sfb_segment *segs,
			const char *const *names, size_t n)
{
	struct text *t = ctx;

	object(t);
	fprintf(t->f, "\tmap %s {\n\t\ttype inet_service : counter; flags interval;\n",
		name);
	port_elements(t, &segs->ports, n, sizeof(*segs), names);
}

static const char *verdict_name(enum sfb_nft_verdict v)
{
	static const char *const names[] = {
		[SFB_NFT_ACCEPT] = "accept", [SFB_NFT_DROP] = "drop",
		[SFB_NFT_RETURN] = "return", [SFB_NFT_JUMP] = "jump",
		[SFB_NFT_GOTO] = "goto",
	};

	return names[v];
}

static void addr_map(void *ctx, const char *name, int fam,
		     const struct sfb_nft_elem *e, size_t n)
{
	struct text *t = ctx;

	object(t);
	fprintf(t->f, "\tmap %s {\n\t\ttype %s : verdict; flags interval;\n"
		"\t\telements = {\n", name, fam_type[fam]);
	for (size_t i = 0; i < n; i++) {
		char buf[SFB_SPAN_STRLEN];

		fprintf(t->f, "\t\t\t%s : %s %s,\n",
			sfb_span_format(e[i].span, fam, buf, sizeof(buf)),
			verdict_name(e[i].verdict), e[i].chain);
	}
	fputs("\t\t}\n\t}\n", t->f);
}

static void chain_begin(void *ctx, const char *name,
			const struct sfb_nft_hook *hook, const char *comment)
{
	struct text *t = ctx;

	object(t);
	fprintf(t->f, "\tchain %s {\n", name);
	if (hook)
		fprintf(t->f, "\t\ttype %s hook %s priority %d; policy accept;\n",
			hook->type, hook->hook, hook->priority);
	if (comment)
		fprintf(t->f, "\t\tcomment \"%s\"\n", comment);
}

static void chain_end(void *ctx)
{
	struct text *t = ctx;

	fputs("\t}\n", t->f);
}

/* A rule's parts in evaluation order, one space apart. */
static void rule(void *ctx, const struct sfb_nft_rule *r)
{
	static const char *const conds[] = {
		"meta l4proto != tcp meta l4proto != udp",
		"ct state established,related",
		"ct direction reply",
		"udp sport != 500 udp sport != 4500 udp dport != 500 udp dport != 4500",
		"udp sport",
		"udp dport",
	};
	struct text *t = ctx;
	const char *sep = "\t\t";

	if (r->log) {
		/* A second's worth of burst: the module's per-CPU bucket. */
		fprintf(t->f, "\t\tlimit rate %u/second burst %u packets log",
			sfb_nft_log_rate(r->log), sfb_nft_log_rate(r->log));
		if (r->log->log_prefix)
			fprintf(t->f, " prefix \"%s\"", r->log->log_prefix);
		if (r->log->log_nflog)
			fprintf(t->f, " group %u", r->log->log_group);
		fputc('\n', t->f);
		return;
	}
	/* conds[i] is SFB_NFT_IF_* bit i. */
	for (unsigned int i = 0; r->cond >> i; i++) {
		if (!(r->cond & (1u << i)))
			continue;
		fprintf(t->f, "%s%s", sep, conds[i]);
		if ((1u << i) & (SFB_NFT_IF_UDP_SPORT | SFB_NFT_IF_UDP_DPORT))
			fprintf(t->f, " %u", r->port);
		sep = " ";
	}
	switch (r->key) {
	case SFB_NFT_SPORT:
	case SFB_NFT_DPORT:
		fprintf(t->f, "%s%s%s %s %s@%s", sep, r->objref ? "counter name " : "",
			sfb_protos_name(1u << r->proto),
			r->key == SFB_NFT_SPORT ? "sport" : "dport",
			r->objref ? "map " : "", r->set);
		sep = " ";
		break;
	case SFB_NFT_SADDR:
	case SFB_NFT_DADDR:
		fprintf(t->f, "%s%s %s vmap @%s", sep, fam_expr[r->fam],
			r->key == SFB_NFT_SADDR ? "saddr" : "daddr", r->set);
		sep = " ";
		break;
	case SFB_NFT_NO_KEY:
		break;
	}
	if (r->counter) {
		fprintf(t->f, "%scounter", sep);
		sep = " ";
	}
	if (r->counter_name) {
		fprintf(t->f, "%scounter name \"%s\"", sep, r->counter_name);
		sep = " ";
	}
	if (r->mark) {
		fprintf(t->f, "%smeta mark set meta mark | 0x%08x", sep, r->mark);
		sep = " ";
	}
	if (r->verdict != SFB_NFT_CONTINUE) {
		fprintf(t->f, "%s%s", sep, verdict_name(r->verdict));
		if (r->chain)
			fprintf(t->f, " %s", r->chain);
		sep = " ";
	}
	if (r->comment)
		fprintf(t->f, "%scomment \"%s\"", sep, r->comment);
	fputc('\n', t->f);
}

void sfb_export_nft(const struct sfb_config *cfg, const struct sfb_targets *t,
		    const char *source, FILE *f)
{
	struct text text = { .f = f, .first = true };
	const struct sfb_nft_emitter e = {
		.ctx = &text, .counter = counter, .counter_map = counter_map,
		.port_set = port_set, .addr_map = addr_map,
		.chain_begin = chain_begin, .rule = rule, .chain_end = chain_end,
	};

	fputs("#!/usr/sbin/nft -f\n", f);
	sfb_export_head(f, "nft", source);
	fprintf(f, "# policy %s. `nft -f` replaces table inet sfb in one transaction\n"
		"# and leaves every other table alone. See `export` in sfbctl(8).\n\n"
		"table inet sfb\ndelete table inet sfb\n\ntable inet sfb {\n",
		sfb_policy_name(cfg->mode));
	sfb_nft_policy(cfg, t, &e);
	fputs("}\n", f);
}
