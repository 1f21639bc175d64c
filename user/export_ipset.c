// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export --format ipset: the sets of the iptables exports, for
 * `ipset restore`.
 *
 * The port sets are the nft export's (nft_policy.c makes them, this file
 * only writes them): bitmap:port over 0-65535, one per target, protocol
 * and kind, plus the exempt ports of any address. bitmap:port holds ports,
 * not protocols: the rules that match a set name its protocol (-p tcp).
 * The address sets are one per target and family that some address map of
 * the nft export names, hash:net (family inet or inet6) with the target's
 * disjoint spans split into the fewest CIDR blocks; hash:net takes no /0,
 * so a block of the whole family is two /1.
 *
 * A set is replaced whole: it is made if missing (create -exist), its
 * spare NAME-new is made or emptied, filled, swapped in (ipset swap: the
 * rules that name the set see the old or the new content, never an empty
 * set) and destroyed. Restoring the file again gives the same sets; no set
 * without the sfb- prefix is named. create -exist fails if a set of the
 * name exists with another type or other parameters, so the parameters
 * are fixed: maxelem SFB_IPSET_MAXELEM whatever the content.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "export_common.h"
#include "export_ipset.h"
#include "nft_policy.h"

#define SFB_IPSET_MAXELEM 262144

void sfb_ipset_port_name(const char *nft_name, char buf[SFB_IPSET_NAME_MAX])
{
	size_t i = 0;

	/* "t0_tcp_exempt_sport": sfb-t0-tcp-exempt-sport */
	snprintf(buf, SFB_IPSET_NAME_MAX, "sfb-%s", nft_name);
	for (i = 4; buf[i]; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

void sfb_ipset_addr_name(unsigned int target, int fam,
			 char buf[SFB_IPSET_NAME_MAX])
{
	snprintf(buf, SFB_IPSET_NAME_MAX, "sfb-t%u-%d", target,
		 fam == SFB_FAM_IPV4 ? 4 : 6);
}

struct writer {
	const struct sfb_targets *t;
	FILE *f;
	bool *addr_used[SFB_NFAMS];	/* [fam][target] */
	char *err;
	size_t err_size;
	bool failed;
};

static void fail(struct writer *w, const char *what, const char *name)
{
	if (!w->failed)
		snprintf(w->err, w->err_size, "%s: %s", name, what);
	w->failed = true;
}

/* "create", and the spare's "create" and "flush": then add to NAME-new. */
static void set_begin(struct writer *w, const char *name, const char *type)
{
	if (strlen(name) + strlen("-new") >= SFB_IPSET_NAME_MAX) {
		fail(w, "the set's name is too long for ipset", name);
		return;
	}
	fprintf(w->f, "create %s %s -exist\ncreate %s-new %s -exist\nflush %s-new\n",
		name, type, name, type, name);
}

static void set_end(struct writer *w, const char *name)
{
	fprintf(w->f, "swap %s-new %s\ndestroy %s-new\n", name, name, name);
}

static void port_set(void *ctx, const char *nft_name, const struct sfb_ports *p)
{
	struct writer *w = ctx;
	char name[SFB_IPSET_NAME_MAX];

	sfb_ipset_port_name(nft_name, name);
	set_begin(w, name, "bitmap:port range 0-65535");
	for (size_t i = 0; i < p->n; i++) {
		char buf[16];

		fprintf(w->f, "add %s-new %s\n", name,
			sfb_range_format(p->r[i], buf, sizeof(buf)));
	}
	set_end(w, name);
}

static void addr_map(void *ctx, const char *name, int fam,
		     const struct sfb_nft_elem *e, size_t n)
{
	struct writer *w = ctx;

	(void)name;
	for (size_t i = 0; i < n; i++)
		w->addr_used[fam][e[i].span->target] = true;
}

static void chain_begin(void *ctx, const char *name,
			const struct sfb_nft_hook *hook, const char *comment)
{
	(void)ctx;
	(void)name;
	(void)hook;
	(void)comment;
}

static void rule(void *ctx, const struct sfb_nft_rule *r)
{
	(void)ctx;
	(void)r;
}

static void chain_end(void *ctx)
{
	(void)ctx;
}

static bool addr_le(const struct sfb_addr *a, const struct sfb_addr *b)
{
	return a->hi != b->hi ? a->hi < b->hi : a->lo <= b->lo;
}

/*
 * The CIDR blocks of @s, in order, each as a span (sfb_span_format
 * writes it as ADDR/LEN). Returns the count written to @f.
 */
static size_t span_blocks(struct writer *w, const char *set,
			  const struct sfb_span *s, int fam)
{
	struct sfb_addr first = s->first;
	size_t n = 0;

	for (;;) {
		struct sfb_span b = { .first = first };
		char buf[SFB_SPAN_STRLEN];
		/* The shortest prefix at first that ends by last; not /0. */
		unsigned int len = 1;

		for (;; len++) {
			struct sfb_addr host = sfb_host_mask((u8)fam, (u8)len);

			b.last.hi = first.hi | host.hi;
			b.last.lo = first.lo | host.lo;
			if (!(first.hi & host.hi) && !(first.lo & host.lo) &&
			    addr_le(&b.last, &s->last))
				break;
		}
		fprintf(w->f, "add %s-new %s\n", set,
			sfb_span_format(&b, fam, buf, sizeof(buf)));
		n++;
		if (b.last.hi == s->last.hi && b.last.lo == s->last.lo)
			return n;
		first = b.last;
		if (!++first.lo)
			first.hi++;
	}
}

static void addr_sets(struct writer *w)
{
	static const char *const type[SFB_NFAMS] = {
		"hash:net family inet", "hash:net family inet6",
	};
	const struct sfb_targets *t = w->t;

	for (int fam = 0; fam < SFB_NFAMS; fam++) {
		for (unsigned int i = 0; i < t->n; i++) {
			char name[SFB_IPSET_NAME_MAX], params[64];
			size_t n = 0;

			if (!w->addr_used[fam][i])
				continue;
			sfb_ipset_addr_name(i, fam, name);
			snprintf(params, sizeof(params), "%s maxelem %u",
				 type[fam], SFB_IPSET_MAXELEM);
			set_begin(w, name, params);
			for (size_t k = 0; k < t->n_spans[fam]; k++)
				if (t->spans[fam][k].target == i)
					n += span_blocks(w, name, &t->spans[fam][k],
							 fam);
			if (n > SFB_IPSET_MAXELEM)
				fail(w, "more CIDR blocks than a set holds", name);
			set_end(w, name);
		}
	}
}

bool sfb_export_ipset(const struct sfb_config *cfg, const struct sfb_targets *t,
		      const char *source, FILE *f, char *err, size_t err_size)
{
	struct writer w = { .t = t, .err = err, .err_size = err_size };
	const struct sfb_nft_emitter e = {
		.ctx = &w, .port_set = port_set, .addr_map = addr_map,
		.chain_begin = chain_begin, .rule = rule, .chain_end = chain_end,
	};
	struct sfb_arena *arena = sfb_arena_new();
	char *text = NULL;
	size_t len = 0;

	w.f = open_memstream(&text, &len);
	if (!w.f) {
		snprintf(err, err_size, "out of memory");
		sfb_arena_free(arena);
		return false;
	}
	for (int fam = 0; fam < SFB_NFAMS; fam++)
		w.addr_used[fam] = sfb_arena_array(arena, t->n + 1, sizeof(bool));
	sfb_export_head(w.f, "ipset", source);
	fprintf(w.f,
		"# The sets of the iptables and ip6tables exports of the same file:\n"
		"# `ipset restore < FILE` before loading them, again on every change.\n"
		"# Each set is filled aside and swapped in; no other set is touched.\n"
		"# See `export` in sfbctl(8).\n");
	sfb_nft_policy(cfg, t, &e);
	addr_sets(&w);
	if (fclose(w.f) && !w.failed) {
		snprintf(err, err_size, "out of memory");
		w.failed = true;
	}
	if (!w.failed)
		fwrite(text, 1, len, f);
	free(text);
	sfb_arena_free(arena);
	return !w.failed;
}
