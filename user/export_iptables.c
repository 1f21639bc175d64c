// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export --format iptables|ip6tables: the nft export's policy
 * (nft_policy.c) in iptables-restore's terms, one family per file.
 *
 * Where: the mangle table. Its PREROUTING chain (priority -150) is the
 * first iptables runs after conntrack (-200), so it sees the flow state,
 * as nf_sfb's verdict at -199 does; raw (-300) comes before conntrack.
 * Its OUTPUT chain routes a packet again when a rule changed its mark, as
 * nf_sfb's LOCAL_OUT hook and the nft export's route chain do. mangle may
 * drop.
 *
 * Shape: the built-in chains jump once each, as their first rule, to
 * SFB-PREROUTING and SFB-OUTPUT. Those pass TCP and UDP on (goto) to
 * SFB-PRE and SFB-OUT, the nft export's prerouting and output chains,
 * and every other chain of the nft export becomes SFB-NAME (t0_mark:
 * SFB-T0-MARK). Each nft rule becomes one rule, or one per target:
 *
 *   tcp dport @t0_tcp_open       -p tcp -m set --match-set sfb-t0-tcp-open dst
 *   ip daddr vmap @dst4          -m set --match-set sfb-tN-4 dst -g SFB-TN
 *                                (per target of the map: targets are
 *                                disjoint, so at most one matches)
 *   ct state established,related -m conntrack --ctstate RELATED,ESTABLISHED
 *   ct direction reply           -m conntrack --ctdir REPLY
 *   udp s/dport != 500, 4500     -p udp -m multiport ! --ports 500,4500
 *   meta mark set mark | M       -j MARK --or-mark M
 *   accept                       -j RETURN
 *
 * accept becomes RETURN: sfb's chains live in a built-in chain shared
 * with other rules, and ACCEPT would skip those; nft's accept ends only
 * table sfb's chain. The nft export accepts only in its base chains and
 * in the chains they goto, so a RETURN there, thanks to -g all the way
 * down, leaves to the built-in chain, which goes on with its next rule.
 * drop stays DROP; the monitor rule "counter" is a rule without target
 * (every iptables rule counts). The sets are the ipset export's.
 *
 * Reloading: iptables-restore --noflush replaces the table's chains it
 * declares (":SFB-PRE - [0:0]" makes the chain, or empties an existing
 * one) and leaves every other chain alone; the whole file is one commit.
 * What it cannot do is add a rule only if it is missing: a restore file is
 * a list of unconditional changes, and "-D" of a missing rule fails the
 * commit, so no file both adds the jumps the first time and keeps one on
 * every later load. So the file holds only SFB- chains, and the two jumps
 * are made once, by `iptables -C ... || iptables -I ...` (what the file's
 * head says); a reload never touches the built-in chains. Chains and sets
 * a new configuration no longer needs stay, unreferenced, until removed
 * (sfbctl(8) has the commands).
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "arena.h"
#include "export_common.h"
#include "export_iptables.h"
#include "export_ipset.h"
#include "nft_policy.h"

struct ipt_rule {
	const char *text;		/* after "-A CHAIN " */
	const char *to;			/* the chain it jumps or goes to */
	struct ipt_rule *next;
};

struct ipt_chain {
	const char *name;
	const char *comment;
	struct ipt_rule *rules, **tail;
	bool reached;
};

/* An nft address map: its targets, each once, and their chains. */
struct ipt_map {
	const char *name;
	int fam;
	size_t n;
	unsigned int *target;
	const char **chain;
	enum sfb_nft_verdict *verdict;
};

struct writer {
	int fam;
	struct sfb_arena *arena;
	struct ipt_chain **chains;	/* each its own: rules point into it */
	size_t n_chains, cap_chains;
	struct ipt_map *maps;
	size_t n_maps, cap_maps;
	struct ipt_chain *cur;
};

static const char *chain_name(struct writer *w, const char *nft_name)
{
	char buf[64];
	size_t i;

	if (!strcmp(nft_name, "prerouting"))
		return "SFB-PRE";
	if (!strcmp(nft_name, "output"))
		return "SFB-OUT";
	snprintf(buf, sizeof(buf), "SFB-%s", nft_name);
	for (i = 4; buf[i]; i++)
		buf[i] = buf[i] == '_' ? '-' : (char)toupper((unsigned char)buf[i]);
	return sfb_arena_strdup(w->arena, buf);
}

static struct ipt_chain *chain_add(struct writer *w, const char *name,
				   const char *comment)
{
	struct ipt_chain *c;

	w->chains = sfb_arena_grow(w->arena, w->chains, w->n_chains,
				   &w->cap_chains, sizeof(*w->chains));
	c = sfb_arena_alloc(w->arena, sizeof(*c));
	w->chains[w->n_chains++] = c;
	*c = (struct ipt_chain){
		.name = name,
		.comment = comment ? sfb_arena_strdup(w->arena, comment) : NULL,
	};
	c->tail = &c->rules;
	return c;
}

static struct ipt_chain *chain_find(struct writer *w, const char *name)
{
	for (size_t i = 0; i < w->n_chains; i++)
		if (!strcmp(w->chains[i]->name, name))
			return w->chains[i];
	return NULL;
}

/* A rule's text, built piece by piece. */
struct line {
	char buf[512];
	size_t len;
};

static void put(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
}

/* Append @l to @c; @to: the chain it leads to, NULL if none. */
static void append(struct writer *w, struct ipt_chain *c, const struct line *l,
		   const char *to)
{
	struct ipt_rule *r = sfb_arena_alloc(w->arena, sizeof(*r));

	/* Every piece began with a space. */
	r->text = sfb_arena_strdup(w->arena, l->buf + (l->len ? 1 : 0));
	r->to = to;
	*c->tail = r;
	c->tail = &r->next;
}

/* " -j MARK ...", " -j RETURN"...: what a rule does; the chain it names. */
static const char *action(struct writer *w, struct line *l,
			  const struct sfb_nft_rule *r, enum sfb_nft_verdict v,
			  const char *to)
{
	if (r->mark) {
		/* nft_policy never marks and decides in one rule. */
		put(l, " -j MARK --or-mark 0x%x", r->mark);
		return NULL;
	}
	switch (v) {
	case SFB_NFT_CONTINUE:
		return NULL;
	case SFB_NFT_ACCEPT:	/* see the head comment */
	case SFB_NFT_RETURN:
		put(l, " -j RETURN");
		return NULL;
	case SFB_NFT_DROP:
		put(l, " -j DROP");
		return NULL;
	case SFB_NFT_JUMP:
	case SFB_NFT_GOTO:
		to = chain_name(w, to);
		put(l, " %s %s", v == SFB_NFT_JUMP ? "-j" : "-g", to);
		return to;
	}
	return NULL;
}

static const char *proto_name(unsigned int pi)
{
	return sfb_protos_name(1u << pi);
}

/* The matches of @r but its address lookup, in nft_policy.h's order. */
static void matches(struct line *l, const struct sfb_nft_rule *r)
{
	bool udp = r->cond & (SFB_NFT_IF_NOT_IKE | SFB_NFT_IF_UDP_SPORT |
			      SFB_NFT_IF_UDP_DPORT);
	char set[SFB_IPSET_NAME_MAX];

	if (r->key == SFB_NFT_SPORT || r->key == SFB_NFT_DPORT)
		put(l, " -p %s", proto_name(r->proto));
	else if (udp)
		put(l, " -p udp");
	if (r->cond & SFB_NFT_IF_ESTABLISHED)
		put(l, " -m conntrack --ctstate RELATED,ESTABLISHED");
	if (r->cond & SFB_NFT_IF_REPLY)
		put(l, " -m conntrack --ctdir REPLY");
	if (r->cond & SFB_NFT_IF_NOT_IKE)
		put(l, " -m multiport ! --ports 500,4500");
	if (r->cond & SFB_NFT_IF_UDP_SPORT)
		put(l, " --sport %u", r->port);
	if (r->cond & SFB_NFT_IF_UDP_DPORT)
		put(l, " --dport %u", r->port);
	if (r->key == SFB_NFT_SPORT || r->key == SFB_NFT_DPORT) {
		sfb_ipset_port_name(r->set, set);
		put(l, " -m set --match-set %s %s", set,
		    r->key == SFB_NFT_SPORT ? "src" : "dst");
	}
}

static void comment(struct line *l, const struct sfb_nft_rule *r)
{
	if (r->comment)
		put(l, " -m comment --comment \"%s\"", r->comment);
}

/* "ip daddr vmap @dst4": one rule per target of the map. */
static void map_rules(struct writer *w, const struct sfb_nft_rule *r)
{
	const struct ipt_map *m = NULL;

	for (size_t i = 0; i < w->n_maps && !m; i++)
		if (!strcmp(w->maps[i].name, r->set))
			m = &w->maps[i];
	if (!m || m->fam != w->fam)
		return;		/* the other family's */
	for (size_t i = 0; i < m->n; i++) {
		struct line l = { .len = 0 };
		char set[SFB_IPSET_NAME_MAX];
		const char *to;

		l.buf[0] = '\0';
		matches(&l, r);
		sfb_ipset_addr_name(m->target[i], m->fam, set);
		put(&l, " -m set --match-set %s %s", set,
		    r->key == SFB_NFT_SADDR ? "src" : "dst");
		comment(&l, r);
		to = action(w, &l, r, m->verdict[i], m->chain[i]);
		append(w, w->cur, &l, to);
	}
}

static void port_set(void *ctx, const char *name, const struct sfb_ports *p)
{
	(void)ctx;
	(void)name;
	(void)p;	/* the ipset export's */
}

static void addr_map(void *ctx, const char *name, int fam,
		     const struct sfb_nft_elem *e, size_t n)
{
	struct writer *w = ctx;
	struct ipt_map *m;

	w->maps = sfb_arena_grow(w->arena, w->maps, w->n_maps, &w->cap_maps,
				 sizeof(*w->maps));
	m = &w->maps[w->n_maps++];
	*m = (struct ipt_map){
		.name = sfb_arena_strdup(w->arena, name), .fam = fam,
		.target = sfb_arena_array(w->arena, n, sizeof(*m->target)),
		.chain = sfb_arena_array(w->arena, n, sizeof(*m->chain)),
		.verdict = sfb_arena_array(w->arena, n, sizeof(*m->verdict)),
	};
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < m->n && m->target[k] != e[i].span->target)
			k++;
		if (k < m->n)
			continue;	/* another span of the same target */
		m->target[m->n] = e[i].span->target;
		m->chain[m->n] = sfb_arena_strdup(w->arena, e[i].chain);
		m->verdict[m->n++] = e[i].verdict;
	}
}

static void chain_begin(void *ctx, const char *name,
			const struct sfb_nft_hook *hook, const char *comment)
{
	struct writer *w = ctx;
	const char *body = chain_name(w, name);

	if (hook) {
		/* The nft base chain's first rule: only TCP and UDP go on. */
		struct ipt_chain *gate = chain_find(w, !strcmp(name, "prerouting") ?
						    "SFB-PREROUTING" : "SFB-OUTPUT");

		for (unsigned int pi = 0; gate && pi < SFB_NPROTOS; pi++) {
			struct line l = { .len = 0 };

			put(&l, " -p %s -g %s", proto_name(pi), body);
			append(w, gate, &l, body);
		}
	}
	w->cur = chain_add(w, body, comment);
}

/* nft_policy's limited log: xt_limit, then NFLOG or LOG. */
static void log_rule(struct line *l, const struct sfb_config *cfg)
{
	unsigned int rate = sfb_nft_log_rate(cfg);

	put(l, " -m limit --limit %u/second --limit-burst %u", rate, rate);
	if (cfg->log_nflog)
		put(l, " -j NFLOG --nflog-group %u", cfg->log_group);
	else
		put(l, " -j LOG");
	if (cfg->log_prefix)
		put(l, " --%s-prefix \"%s\"", cfg->log_nflog ? "nflog" : "log",
		    cfg->log_prefix);
}

static void rule(void *ctx, const struct sfb_nft_rule *r)
{
	struct writer *w = ctx;
	struct line l = { .len = 0 };
	const char *to;

	/* Done by the gate chains (chain_begin); iptables counts by rule. */
	if ((r->cond & SFB_NFT_IF_OTHER_PROTO) || r->stats_only)
		return;
	if (r->key == SFB_NFT_SADDR || r->key == SFB_NFT_DADDR) {
		map_rules(w, r);
		return;
	}
	l.buf[0] = '\0';
	if (r->log) {
		log_rule(&l, r->log);
		append(w, w->cur, &l, NULL);
		return;
	}
	matches(&l, r);
	comment(&l, r);
	to = action(w, &l, r, r->verdict, r->chain);
	append(w, w->cur, &l, to);
}

static void chain_end(void *ctx)
{
	struct writer *w = ctx;

	w->cur = NULL;
}

/* Mark every chain the built-in chains' jumps lead to. */
static void reach(struct writer *w, struct ipt_chain *c)
{
	if (!c || c->reached)
		return;
	c->reached = true;
	for (const struct ipt_rule *r = c->rules; r; r = r->next)
		if (r->to)
			reach(w, chain_find(w, r->to));
}

void sfb_export_iptables(const struct sfb_config *cfg,
			 const struct sfb_targets *t, int fam,
			 const char *source, FILE *f)
{
	const char *tool = fam == SFB_FAM_IPV4 ? "iptables" : "ip6tables";
	struct writer w = { .fam = fam, .arena = sfb_arena_new() };
	const struct sfb_nft_emitter e = {
		.ctx = &w, .port_set = port_set, .addr_map = addr_map,
		.chain_begin = chain_begin, .rule = rule, .chain_end = chain_end,
	};
	size_t gates;

	chain_add(&w, "SFB-PREROUTING", NULL);
	chain_add(&w, "SFB-OUTPUT", NULL);
	gates = w.n_chains;
	sfb_nft_policy(cfg, t, &e);
	for (size_t i = 0; i < gates; i++)
		reach(&w, w.chains[i]);

	sfb_export_head(f, tool, source);
	fprintf(f,
		"# policy %s, %s. The rules match the sets of `sfbctl export --format\n"
		"# ipset` of the same file: `ipset restore` that first. Then, on every load:\n"
		"#   %s-restore --noflush < FILE\n"
		"# replaces chains SFB-* of table mangle in one commit and touches no other\n"
		"# chain. Once, after the first load, the two jumps to them (a restore file\n"
		"# cannot add a rule only if it is missing):\n"
		"#   %s -t mangle -C PREROUTING -j SFB-PREROUTING 2>/dev/null ||\n"
		"#     %s -t mangle -I PREROUTING 1 -j SFB-PREROUTING\n"
		"#   %s -t mangle -C OUTPUT -j SFB-OUTPUT 2>/dev/null ||\n"
		"#     %s -t mangle -I OUTPUT 1 -j SFB-OUTPUT\n"
		"# See `export` in sfbctl(8).\n*mangle\n",
		sfb_policy_name(cfg->mode), fam == SFB_FAM_IPV4 ? "IPv4" : "IPv6",
		tool, tool, tool, tool, tool);
	for (size_t i = 0; i < w.n_chains; i++) {
		const struct ipt_chain *c = w.chains[i];

		if (!c->reached)
			continue;
		if (c->comment)
			fprintf(f, "# %s: %s\n", c->name, c->comment);
		fprintf(f, ":%s - [0:0]\n", c->name);
	}
	for (size_t i = 0; i < w.n_chains; i++) {
		const struct ipt_chain *c = w.chains[i];

		for (const struct ipt_rule *r = c->rules; c->reached && r; r = r->next)
			fprintf(f, "-A %s %s\n", c->name, r->text);
	}
	fputs("COMMIT\n", f);
	sfb_arena_free(w.arena);
}
