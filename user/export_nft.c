// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export --format nft: the targets (targets.h) as table inet sfb.
 *
 * The shape follows nf_sfb's datapath (kernel/classify.c) step by step:
 *
 *   prerouting (priority -199, right after conntrack, as nf_sfb's verdict)
 *     other protocols leave; "exempt" marks what exempt rules of any
 *     address or of the source's roles cover; the destination's address
 *     map jumps to its target's chain tN: tN_mark ORs in the marks of the
 *     classes its ports hold, then, if the target's roles have port rules,
 *     established and related packets pass, new flows to its open ports
 *     pass, and the rest is dropped (monitor: counted)
 *   output (a route chain: a packet that gains mark bits is routed again,
 *     as nf_sfb's LOCAL_OUT hook does) marks the same way, never drops
 *
 * Sets per target are named tN_PROTO_KIND, N the kernel's target id for
 * the same configuration, so `sfbctl stats` and this file name targets
 * alike. Only what the policy uses is written: no marks, no mark rules.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "export_nft.h"
#include "sfbctl.h"

static const char *const proto_name[SFB_NPROTOS] = { "tcp", "udp" };
static const char *const kind_name[SFB_NPORT_KINDS] = {
	[SFB_PORTS_SERVICE] = "service",
	[SFB_PORTS_MEDIA] = "media",
	[SFB_PORTS_EXEMPT_DPORT] = "exempt",
	[SFB_PORTS_EXEMPT_SPORT] = "exempt_sport",
	[SFB_PORTS_OPEN] = "open",
};

static const char *const fam_expr[SFB_NFAMS] = { "ip", "ip6" };
static const char *const fam_type[SFB_NFAMS] = { "ipv4_addr", "ipv6_addr" };

struct writer {
	const struct sfb_config *cfg;
	const struct sfb_targets *t;
	FILE *f;
};

/* Which port kinds a target's chains test (the rest is not written). */
static bool kind_used(const struct writer *w, const struct sfb_target *tg,
		      enum sfb_port_kind k)
{
	switch (k) {
	case SFB_PORTS_OPEN:
		return tg->enforce;
	case SFB_PORTS_EXEMPT_SPORT:
		return w->cfg->mark[SFB_CLASS_EXEMPT] && w->t->src_lookup;
	default:
		return w->cfg->mark[k];
	}
}

static bool has_ports(const struct sfb_target *tg, enum sfb_port_kind k)
{
	return tg->ports[0][k].n || tg->ports[1][k].n;
}

/* The chains a target has beside tN (see kind_used()). */
static bool has_mark_chain(const struct writer *w, const struct sfb_target *tg)
{
	for (int k = SFB_PORTS_SERVICE; k <= SFB_PORTS_EXEMPT_DPORT; k++)
		if (kind_used(w, tg, k) && has_ports(tg, k))
			return true;
	return false;
}

static bool has_exempt(const struct writer *w, const struct sfb_target *tg,
		       enum sfb_port_kind k)
{
	return w->cfg->mark[SFB_CLASS_EXEMPT] && kind_used(w, tg, k) &&
	       has_ports(tg, k);
}

static void put_ports(FILE *f, const struct sfb_ports *p)
{
	int col = 24;

	for (size_t i = 0; i < p->n; i++) {
		char buf[16];

		sfb_range_format(p->r[i], buf, sizeof(buf));
		if (col + (int)strlen(buf) > 72) {
			fputs(",\n\t\t\t     ", f);
			col = 21;
		} else if (i) {
			fputs(", ", f);
		}
		col += fprintf(f, "%s", buf) + 2;
	}
}

static void put_set(FILE *f, const char *name, const struct sfb_ports *p)
{
	if (!p->n)
		return;
	fprintf(f, "\tset %s {\n\t\ttype inet_service; flags interval;\n"
		"\t\telements = { ", name);
	put_ports(f, p);
	fputs(" }\n\t}\n\n", f);
}

static void put_target_sets(const struct writer *w, size_t i)
{
	const struct sfb_target *tg = &w->t->t[i];

	for (int k = 0; k < SFB_NPORT_KINDS; k++) {
		if (!kind_used(w, tg, k))
			continue;
		for (int pi = 0; pi < SFB_NPROTOS; pi++) {
			char name[64];

			snprintf(name, sizeof(name), "t%zu_%s_%s", i,
				 proto_name[pi], kind_name[k]);
			put_set(w->f, name, &tg->ports[pi][k]);
		}
	}
}

/*
 * An address map of family @fam: the spans of every target @want accepts,
 * to "VERB tN@suffix". Written only if not empty; says whether it was.
 */
static bool put_map(const struct writer *w, const char *name, int fam,
		    bool (*want)(const struct writer *, const struct sfb_target *),
		    const char *verb, const char *suffix)
{
	const struct sfb_targets *t = w->t;
	bool any = false;

	for (size_t i = 0; i < t->n_spans[fam]; i++) {
		const struct sfb_span *s = &t->spans[fam][i];
		char buf[SFB_SPAN_STRLEN];

		if (!want(w, &t->t[s->target]))
			continue;
		if (!any)
			fprintf(w->f, "\tmap %s {\n\t\ttype %s : verdict; flags interval;\n"
				"\t\telements = {\n", name, fam_type[fam]);
		fprintf(w->f, "\t\t\t%s : %s t%u%s,\n",
			sfb_span_format(s, fam, buf, sizeof(buf)), verb,
			s->target, suffix);
		any = true;
	}
	if (any)
		fputs("\t\t}\n\t}\n\n", w->f);
	return any;
}

static bool wants_dst(const struct writer *w, const struct sfb_target *tg)
{
	return tg->enforce || has_mark_chain(w, tg);
}

static bool wants_mark(const struct writer *w, const struct sfb_target *tg)
{
	return has_mark_chain(w, tg);
}

static bool wants_src(const struct writer *w, const struct sfb_target *tg)
{
	return has_exempt(w, tg, SFB_PORTS_EXEMPT_SPORT);
}

static bool wants_reply_dst(const struct writer *w, const struct sfb_target *tg)
{
	return has_exempt(w, tg, SFB_PORTS_EXEMPT_DPORT);
}

/* "ROLE, ROLE...": the comment of a target's chain (nft takes 128 bytes). */
static void put_roles_comment(const struct writer *w,
			      const struct sfb_target *tg)
{
	char buf[128];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t id = 0; id < w->t->ids.n; id++) {
		const char *name = w->t->ids.role[id]->name;

		if (!(tg->roles & (1ull << id)))
			continue;
		if (len + strlen(name) + 6 >= sizeof(buf)) {
			snprintf(buf + len, sizeof(buf) - len, "%s...",
				 len ? ", " : "");
			break;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? ", " : "", name);
	}
	fprintf(w->f, "\t\tcomment \"%s\"\n", buf);
}

/* "PROTO DIR @tN_PROTO_KIND meta mark set meta mark | MARK" per protocol. */
static void put_mark_rules(const struct writer *w, size_t i,
			   const struct sfb_target *tg, enum sfb_port_kind k,
			   const char *dir, uint32_t mark)
{
	for (int pi = 0; pi < SFB_NPROTOS; pi++) {
		const char *p = proto_name[pi];

		if (!tg->ports[pi][k].n)
			continue;
		fputs("\t\t", w->f);
		/* IKE and NAT-T are never exempt (kernel/classify.c). */
		if (k == SFB_PORTS_EXEMPT_DPORT && !strcmp(dir, "dport") &&
		    pi == 1)
			fputs("udp sport != { 500, 4500 } udp dport != { 500, 4500 } ",
			      w->f);
		fprintf(w->f, "%s %s @t%zu_%s_%s meta mark set meta mark | 0x%08x\n",
			p, dir, i, p, kind_name[k], mark);
	}
}

static void put_target_chains(const struct writer *w, size_t i)
{
	const struct sfb_target *tg = &w->t->t[i];
	const uint32_t *mark = w->cfg->mark;
	FILE *f = w->f;

	if (has_mark_chain(w, tg)) {
		fprintf(f, "\tchain t%zu_mark {\n", i);
		put_roles_comment(w, tg);
		for (int k = SFB_PORTS_SERVICE; k <= SFB_PORTS_EXEMPT_DPORT; k++)
			if (kind_used(w, tg, k))
				put_mark_rules(w, i, tg, k, "dport", mark[k]);
		fputs("\t}\n\n", f);
	}
	if (wants_dst(w, tg)) {
		fprintf(f, "\tchain t%zu {\n", i);
		put_roles_comment(w, tg);
		if (has_mark_chain(w, tg))
			fprintf(f, "\t\tjump t%zu_mark\n", i);
		if (tg->enforce) {
			fputs("\t\tct state established,related accept\n", f);
			for (int pi = 0; pi < SFB_NPROTOS; pi++)
				if (tg->ports[pi][SFB_PORTS_OPEN].n)
					fprintf(f, "\t\t%s dport @t%zu_%s_open accept\n",
						proto_name[pi], i, proto_name[pi]);
			fputs(w->cfg->mode == SFB_MODE_ENFORCE ?
			      "\t\tcounter drop\n" :
			      "\t\tcounter comment \"would drop in enforce mode\"\n",
			      f);
		}
		fputs("\t}\n\n", f);
	}
	if (wants_src(w, tg)) {
		fprintf(f, "\tchain t%zu_src {\n", i);
		put_mark_rules(w, i, tg, SFB_PORTS_EXEMPT_SPORT, "sport",
			       mark[SFB_CLASS_EXEMPT]);
		fprintf(f, "\t}\n\n\tchain t%zu_reply_src {\n", i);
		put_mark_rules(w, i, tg, SFB_PORTS_EXEMPT_SPORT, "dport",
			       mark[SFB_CLASS_EXEMPT]);
		fputs("\t}\n\n", f);
	}
	if (wants_reply_dst(w, tg)) {
		fprintf(f, "\tchain t%zu_reply_dst {\n", i);
		put_mark_rules(w, i, tg, SFB_PORTS_EXEMPT_DPORT, "sport",
			       mark[SFB_CLASS_EXEMPT]);
		fputs("\t}\n\n", f);
	}
}

/* Exempt rules of any address: "PROTO DIR @any_PROTO_SIDE mark". */
static void put_any_rules(const struct writer *w, bool reply)
{
	const struct sfb_targets *t = w->t;

	for (int pi = 0; pi < SFB_NPROTOS; pi++) {
		const char *p = proto_name[pi];

		/* A reply is exempt if its flow's first direction is. */
		if (t->any_dport[pi].n)
			fprintf(w->f, "\t\t%s %s @any_%s_dport meta mark set meta mark | 0x%08x\n",
				p, reply ? "sport" : "dport", p,
				w->cfg->mark[SFB_CLASS_EXEMPT]);
		if (t->any_sport[pi].n)
			fprintf(w->f, "\t\t%s %s @any_%s_sport meta mark set meta mark | 0x%08x\n",
				p, reply ? "dport" : "sport", p,
				w->cfg->mark[SFB_CLASS_EXEMPT]);
	}
}

/*
 * The exempt chains: what marks the ipsec-exempt class whatever the
 * destination. Written (and true returned) only if something can.
 */
static bool put_exempt(const struct writer *w, const bool *src_map,
		       const bool *rdst_map)
{
	FILE *f = w->f;
	bool needed = false;

	if (!w->cfg->mark[SFB_CLASS_EXEMPT])
		return false;
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		needed |= src_map[fam] || rdst_map[fam];
	for (int pi = 0; pi < SFB_NPROTOS; pi++)
		needed |= w->t->any_dport[pi].n || w->t->any_sport[pi].n;
	if (!needed)
		return false;

	fputs("\tchain exempt_reply {\n", f);
	put_any_rules(w, true);
	for (int fam = 0; fam < SFB_NFAMS; fam++) {
		if (rdst_map[fam])
			fprintf(f, "\t\t%s saddr vmap @reply_dst%d\n",
				fam_expr[fam], fam ? 6 : 4);
		if (src_map[fam])
			fprintf(f, "\t\t%s daddr vmap @reply_src%d\n",
				fam_expr[fam], fam ? 6 : 4);
	}
	fputs("\t}\n\n\tchain exempt {\n"
	      "\t\tudp sport { 500, 4500 } return\n"
	      "\t\tudp dport { 500, 4500 } return\n", f);
	put_any_rules(w, false);
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		if (src_map[fam])
			fprintf(f, "\t\t%s saddr vmap @src%d\n", fam_expr[fam],
				fam ? 6 : 4);
	fputs("\t\tct direction reply jump exempt_reply\n\t}\n\n", f);
	return true;
}

static void put_hook(const struct writer *w, const char *name,
		     const char *type, const char *map, bool exempt,
		     const bool *maps)
{
	FILE *f = w->f;

	fprintf(f, "\tchain %s {\n\t\ttype %s hook %s priority -199; policy accept;\n"
		"\t\tmeta l4proto != { tcp, udp } accept\n", name, type, name);
	if (exempt)
		fputs("\t\tjump exempt\n", f);
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		if (maps[fam])
			fprintf(f, "\t\t%s daddr vmap @%s%d\n", fam_expr[fam],
				map, fam ? 6 : 4);
	fputs("\t}\n", f);
}

/* A file name in a comment line: printable bytes only. */
static void put_source(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(isprint((unsigned char)*s) ? *s : '?', f);
}

void sfb_export_nft(const struct sfb_config *cfg, const struct sfb_targets *t,
		    const char *source, FILE *f)
{
	struct writer w = { .cfg = cfg, .t = t, .f = f };
	bool dst[SFB_NFAMS], mark[SFB_NFAMS], src[SFB_NFAMS], rdst[SFB_NFAMS];
	bool marks = cfg->mark[0] || cfg->mark[1] || cfg->mark[2];
	bool exempt;
	char name[16];

	fprintf(f, "#!/usr/sbin/nft -f\n# sfbctl %s export --format nft: ", SFB_VERSION);
	put_source(f, source);
	fprintf(f, "\n# policy %s. `nft -f` replaces table inet sfb in one transaction\n"
		"# and leaves every other table alone. See sfbctl(8), EXPORT FORMATS.\n\n"
		"table inet sfb\ndelete table inet sfb\n\ntable inet sfb {\n",
		sfb_policy_name(cfg->mode));
	for (size_t i = 0; i < t->n; i++)
		put_target_sets(&w, i);
	for (int pi = 0; pi < SFB_NPROTOS; pi++) {
		if (!cfg->mark[SFB_CLASS_EXEMPT])
			break;
		snprintf(name, sizeof(name), "any_%s_dport", proto_name[pi]);
		put_set(f, name, &t->any_dport[pi]);
		snprintf(name, sizeof(name), "any_%s_sport", proto_name[pi]);
		put_set(f, name, &t->any_sport[pi]);
	}
	for (int fam = 0; fam < SFB_NFAMS; fam++) {
		int v = fam ? 6 : 4;

		snprintf(name, sizeof(name), "dst%d", v);
		dst[fam] = put_map(&w, name, fam, wants_dst, "goto", "");
		snprintf(name, sizeof(name), "mark%d", v);
		mark[fam] = put_map(&w, name, fam, wants_mark, "goto", "_mark");
		snprintf(name, sizeof(name), "src%d", v);
		src[fam] = put_map(&w, name, fam, wants_src, "jump", "_src");
		snprintf(name, sizeof(name), "reply_src%d", v);
		put_map(&w, name, fam, wants_src, "jump", "_reply_src");
		snprintf(name, sizeof(name), "reply_dst%d", v);
		rdst[fam] = put_map(&w, name, fam, wants_reply_dst, "jump",
				    "_reply_dst");
	}
	for (size_t i = 0; i < t->n; i++)
		put_target_chains(&w, i);
	exempt = put_exempt(&w, src, rdst);
	put_hook(&w, "prerouting", "filter", "dst", exempt, dst);
	if (marks) {
		fputc('\n', f);
		put_hook(&w, "output", "route", "mark", exempt, mark);
	}
	fputs("}\n", f);
}
