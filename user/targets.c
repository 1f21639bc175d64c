// SPDX-License-Identifier: GPL-2.0
/*
 * A configuration's targets; see targets.h. The same steps as
 * kernel/ruleset.c at commit: binds swept into spans with the shared core,
 * one target per distinct role set over both families, then every rule
 * and exempt rule added to the targets holding its role.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "targets.h"

/* A port interval list being filled: merged by ports_finish(). */
struct port_list {
	struct sfb_range *r;
	size_t n, cap;
};

static void ports_add(struct sfb_arena *a, struct port_list *l,
		      struct sfb_range r)
{
	l->r = sfb_arena_grow(a, l->r, l->n, &l->cap, sizeof(*l->r));
	l->r[l->n++] = r;
}

static void ports_add_protos(struct sfb_arena *a, struct port_list *l,
			     uint8_t protos, struct sfb_range r)
{
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++)
		if (protos & (1u << pi))
			ports_add(a, &l[pi], r);
}

static int range_cmp(const void *a, const void *b)
{
	const struct sfb_range *x = a, *y = b;

	return x->first != y->first ? (x->first > y->first) - (x->first < y->first) :
				      (x->last > y->last) - (x->last < y->last);
}

/* Sort and merge overlapping and adjacent intervals. */
static struct sfb_ports ports_finish(struct port_list *l)
{
	size_t n = 0;

	if (l->n)
		qsort(l->r, l->n, sizeof(*l->r), range_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (n && l->r[i].first <= (uint32_t)l->r[n - 1].last + 1) {
			if (l->r[i].last > l->r[n - 1].last)
				l->r[n - 1].last = l->r[i].last;
			continue;
		}
		l->r[n++] = l->r[i];
	}
	return (struct sfb_ports){ .r = l->r, .n = n };
}

void sfb_addr_to_bytes(const struct sfb_addr *a, int fam, uint8_t *b)
{
	int n = fam == SFB_FAM_IPV4 ? 4 : 16;

	for (int i = 0; i < n; i++) {
		int bit = 8 * (n - 1 - i);	/* of the 128-bit number */

		b[i] = (uint8_t)(bit >= 64 ? a->hi >> (bit - 64) : a->lo >> bit);
	}
}

struct sfb_addr sfb_addr_from_bytes(const uint8_t *b, int fam)
{
	struct sfb_addr a = { 0 };
	int n = fam == SFB_FAM_IPV4 ? 4 : 16;

	for (int i = 0; i < n; i++) {
		a.hi = a.hi << 8 | a.lo >> 56;
		a.lo = a.lo << 8 | b[i];
	}
	return a;
}

static struct sfb_bind to_bind(const struct sfb_prefix *p, uint32_t id)
{
	u8 fam = p->family == AF_INET ? SFB_FAM_IPV4 : SFB_FAM_IPV6;

	return (struct sfb_bind){
		.addr = sfb_addr_from_bytes(p->addr, fam), .role = id,
		.fam = fam, .prefixlen = p->len,
	};
}

/* Every (role id, prefix) the kernel would be sent, as core binds. */
static struct sfb_bind *collect_binds(const struct sfb_config *cfg,
				      struct sfb_targets *t, size_t *n)
{
	struct sfb_bind *binds = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		const struct sfb_binding *b = &cfg->bindings[i];

		for (size_t r = 0; r < cfg->n_roles; r++) {
			if (&cfg->roles[r] != b->role &&
			    !sfb_binding_also_holds(cfg, &t->ids, b, r))
				continue;
			for (size_t k = 0; k < b->n_prefixes; k++) {
				binds = sfb_arena_grow(t->arena, binds, *n, &cap,
						       sizeof(*binds));
				binds[(*n)++] = to_bind(&b->prefixes[k],
							t->ids.id[r]);
			}
		}
	}
	return binds;
}

static void build_spans(struct sfb_targets *t, const struct sfb_bind *binds,
			size_t nbinds)
{
	size_t room = 2 * nbinds + 1;
	struct sfb_addr_event *ev = sfb_arena_array(t->arena, room, sizeof(*ev));
	struct sfb_span *span = sfb_arena_array(t->arena, room, sizeof(*span));
	u64 *roles = sfb_arena_array(t->arena, room, sizeof(*roles));
	u64 *uniq = sfb_arena_array(t->arena, room, sizeof(*uniq));
	u32 total = 0;

	for (u8 fam = 0; fam < SFB_NFAMS; fam++) {
		t->spans[fam] = span + total;
		t->n_spans[fam] = sfb_addrmap_sweep(binds, (u32)nbinds, fam, ev,
						    span + total,
						    roles + total);
		total += (u32)t->n_spans[fam];
	}
	t->n = sfb_addrmap_targets(span, roles, total, uniq);
	t->t = sfb_arena_array(t->arena, t->n + 1, sizeof(*t->t));
	for (size_t i = 0; i < t->n; i++)
		t->t[i].roles = uniq[i];
}

/* A target's lists being filled. */
struct target_lists {
	struct port_list l[SFB_NPROTOS][SFB_NPORT_KINDS];
};

/* Add @r to list @kind of every target holding role id @id. */
static void targets_add(struct sfb_targets *t, struct target_lists *lists,
			uint32_t id, uint8_t protos, enum sfb_port_kind kind,
			struct sfb_range r)
{
	for (size_t i = 0; i < t->n; i++) {
		if (!(t->t[i].roles & (1ull << id)))
			continue;
		for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++)
			if (protos & (1u << pi))
				ports_add(t->arena, &lists[i].l[pi][kind], r);
	}
}

static bool ports_hold(const struct sfb_ports *p, uint16_t port);

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Segments of @tg's protocol @pi from its classes' rules (@l, before they
 * are merged): every rule starts and ends one, so between two consecutive
 * bounds the covering rules are the same; the classes come from the merged
 * ports (@tg's, finished).
 */
static void build_segments(struct sfb_arena *a, struct sfb_target *tg,
			   unsigned int pi, const struct port_list *l)
{
	size_t n = 0, nb = 0;
	uint32_t *bound;

	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		n += l[c].n;
	bound = sfb_arena_array(a, 2 * n + 1, sizeof(*bound));
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		for (size_t i = 0; i < l[c].n; i++) {
			bound[nb++] = l[c].r[i].first;
			bound[nb++] = (uint32_t)l[c].r[i].last + 1;
		}
	if (nb)
		qsort(bound, nb, sizeof(*bound), u32_cmp);
	tg->segs[pi] = sfb_arena_array(a, nb + 1, sizeof(*tg->segs[pi]));
	for (size_t i = 0; i + 1 < nb; i++) {
		struct sfb_segment seg = {
			.ports = { (uint16_t)bound[i], (uint16_t)(bound[i + 1] - 1) },
		};

		if (bound[i] == bound[i + 1])
			continue;
		for (int c = 0; c < SFB_CLASS_COUNT; c++)
			if (ports_hold(&tg->ports[pi][c], seg.ports.first))
				seg.classes |= 1u << c;
		if (seg.classes)
			tg->segs[pi][tg->n_segs[pi]++] = seg;
	}
}

static void build_ports(const struct sfb_config *cfg, struct sfb_targets *t)
{
	struct target_lists *lists;
	struct port_list any_d[SFB_NPROTOS] = { 0 }, any_s[SFB_NPROTOS] = { 0 };

	lists = sfb_arena_array(t->arena, t->n + 1, sizeof(*lists));
	for (size_t id = 0; id < t->ids.n; id++) {
		const struct sfb_conf_role *role = t->ids.role[id];

		for (size_t k = 0; k < role->n_rules; k++) {
			const struct sfb_conf_rule *r = &role->rules[k];

			targets_add(t, lists, (uint32_t)id, r->protos,
				    (enum sfb_port_kind)r->class, r->ports);
			targets_add(t, lists, (uint32_t)id, r->protos,
				    SFB_PORTS_OPEN, r->ports);
		}
		for (size_t i = 0; i < t->n; i++)
			if ((t->t[i].roles & (1ull << id)) && role->n_rules)
				t->t[i].enforce = true;
	}
	/* As the kernel: a rule constrains its source side or its destination's. */
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct sfb_ipsec_exempt *e = &cfg->exempts[i];
		bool src = e->from || e->sport.first || e->sport.last != 65535;

		if (src && !e->from) {
			ports_add_protos(t->arena, any_s, e->protos, e->sport);
		} else if (src) {
			t->src_lookup = true;
			targets_add(t, lists, t->ids.id[e->from - cfg->roles],
				    e->protos, SFB_PORTS_EXEMPT_SPORT, e->sport);
		} else if (!e->to) {
			ports_add_protos(t->arena, any_d, e->protos, e->dport);
		} else {
			targets_add(t, lists, t->ids.id[e->to - cfg->roles],
				    e->protos, SFB_PORTS_EXEMPT_DPORT, e->dport);
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
			/* The classes' lists, unmerged, for the segments. */
			struct port_list raw[SFB_CLASS_COUNT];

			for (int c = 0; c < SFB_CLASS_COUNT; c++) {
				struct port_list *l = &lists[i].l[pi][c];

				raw[c] = (struct port_list){
					.r = sfb_arena_array(t->arena, l->n + 1, sizeof(*l->r)),
					.n = l->n,
				};
				if (l->n)
					memcpy(raw[c].r, l->r, l->n * sizeof(*l->r));
			}
			for (unsigned int k = 0; k < SFB_NPORT_KINDS; k++)
				t->t[i].ports[pi][k] = ports_finish(&lists[i].l[pi][k]);
			build_segments(t->arena, &t->t[i], pi, raw);
		}
	}
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		t->any_dport[pi] = ports_finish(&any_d[pi]);
		t->any_sport[pi] = ports_finish(&any_s[pi]);
	}
}

bool sfb_targets_build(const struct sfb_config *cfg, struct sfb_targets *t,
		       char *err, size_t err_size)
{
	struct sfb_bind *binds;
	size_t nbinds;

	t->arena = sfb_arena_new();
	sfb_role_ids(cfg, t->arena, &t->ids);
	if (t->ids.n > SFB_ADDRMAP_MAX_ROLES) {
		snprintf(err, err_size,
			 "%zu roles are bound or named by ipsec-exempt rules; at most %u can be",
			 t->ids.n, SFB_ADDRMAP_MAX_ROLES);
		return false;
	}
	binds = collect_binds(cfg, t, &nbinds);
	build_spans(t, binds, nbinds);
	build_ports(cfg, t);
	return true;
}

void sfb_targets_free(struct sfb_targets *t)
{
	sfb_arena_free(t->arena);
}

static void addr_format(const struct sfb_addr *a, int fam, char *buf,
			size_t size)
{
	uint8_t b[16];

	sfb_addr_to_bytes(a, fam, b);
	inet_ntop(fam == SFB_FAM_IPV4 ? AF_INET : AF_INET6, b, buf,
		  (socklen_t)size);
}

/* The prefix length if @span is exactly one prefix, else -1. */
static int span_prefix_len(const struct sfb_span *span, int fam)
{
	for (int len = 0; len <= (int)sfb_fam_bits((u8)fam); len++) {
		struct sfb_addr host = sfb_host_mask((u8)fam, (u8)len);

		if ((span->first.hi & host.hi) || (span->first.lo & host.lo))
			continue;
		if ((span->first.hi | host.hi) == span->last.hi &&
		    (span->first.lo | host.lo) == span->last.lo)
			return len;
	}
	return -1;
}

const char *sfb_span_format(const struct sfb_span *span, int fam, char *buf,
			    size_t size)
{
	char first[INET6_ADDRSTRLEN], last[INET6_ADDRSTRLEN];
	int len = span_prefix_len(span, fam);

	addr_format(&span->first, fam, first, sizeof(first));
	if (len == (int)sfb_fam_bits((u8)fam)) {
		snprintf(buf, size, "%s", first);
	} else if (len >= 0) {
		snprintf(buf, size, "%s/%d", first, len);
	} else {
		addr_format(&span->last, fam, last, sizeof(last));
		snprintf(buf, size, "%s-%s", first, last);
	}
	return buf;
}

static bool ports_hold(const struct sfb_ports *p, uint16_t port)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->r[mid].last < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n && p->r[lo].first <= port;
}

static int target_of(const struct sfb_targets *t, int fam, const uint8_t *addr)
{
	struct sfb_addr a = sfb_addr_from_bytes(addr, fam);
	int i = sfb_addrmap_find(t->spans[fam], (u32)t->n_spans[fam], &a);

	return i < 0 ? -1 : (int)t->spans[fam][i].target;
}

void sfb_targets_match(const struct sfb_config *cfg,
		       const struct sfb_targets *t, int fam, uint8_t proto,
		       const uint8_t *saddr, uint16_t sport,
		       const uint8_t *daddr, uint16_t dport,
		       struct sfb_targets_verdict *v)
{
	unsigned int pi = proto == SFB_PROTO_TCP ? 0 : 1;
	/* IKE and NAT-T are never exempt. */
	bool ike = pi == 1 && (sport == 500 || sport == 4500 ||
			       dport == 500 || dport == 4500);
	const struct sfb_target *dst;

	*v = (struct sfb_targets_verdict){
		.dst = target_of(t, fam, daddr), .src = target_of(t, fam, saddr),
		.verdict = SFB_VERDICT_ACCEPT,
	};
	dst = v->dst >= 0 ? &t->t[v->dst] : NULL;
	for (int c = 0; dst && c < SFB_CLASS_COUNT; c++)
		if (ports_hold(&dst->ports[pi][c], dport) &&
		    (c != SFB_CLASS_EXEMPT || !ike))
			v->classes |= 1u << c;
	if (!ike && ((t->src_lookup && v->src >= 0 &&
		      ports_hold(&t->t[v->src].ports[pi][SFB_PORTS_EXEMPT_SPORT], sport)) ||
		     ports_hold(&t->any_dport[pi], dport) ||
		     ports_hold(&t->any_sport[pi], sport)))
		v->classes |= 1u << SFB_CLASS_EXEMPT;
	if (dst && dst->enforce && !ports_hold(&dst->ports[pi][SFB_PORTS_OPEN], dport)) {
		if (cfg->mode == SFB_MODE_ENFORCE) {
			v->verdict = SFB_VERDICT_DROP;
			return;		/* a dropped packet is not marked */
		}
		v->verdict = SFB_VERDICT_WOULD_DROP;
	}
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (v->classes & (1u << c))
			v->mark |= cfg->mark[c];
}
