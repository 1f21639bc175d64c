// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the ruleset object. Building it from validated items, compiling
 * it into targets, address spans and port maps, classifying a packet with
 * it, its per-CPU counters, and freeing it.
 */

#include <linux/bitops.h>
#include <linux/bsearch.h>
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "compat.h"
#include "ruleset.h"

/* Rulesets allocated and not yet freed, in every namespace. */
static atomic_t sfb_rulesets = ATOMIC_INIT(0);

struct sfb_cpu_stats {
	struct u64_stats_sync sync;
	struct sfb_stat s[];
};

/* IKE and NAT-T: never exempt, IPsec itself needs them (ipsec.md). */
#define SFB_PORT_IKE		500
#define SFB_PORT_IKE_NATT	4500

static_assert((int)SFB_CNT_SERVICE == (int)SFB_CLASS_SERVICE &&
	      (int)SFB_CNT_MEDIA == (int)SFB_CLASS_MEDIA &&
	      (int)SFB_CNT_EXEMPT == (int)SFB_CLASS_EXEMPT);
static_assert(SFB_MAX_ROLES <= 64);

/*
 * Every allocation of a ruleset goes through here, so that rs->memory is
 * what the namespace's budget is charged.
 */
static void *sfb_rs_alloc(struct sfb_ruleset *rs, size_t size)
{
	void *p;

	if (size > rs->budget - rs->memory)
		return ERR_PTR(-ENOSPC);
	p = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	rs->memory += size;
	return p;
}

static void sfb_rs_free(struct sfb_ruleset *rs, void *p, size_t size)
{
	kvfree(p);
	rs->memory -= size;
}

/* Make room for element @n of the array *@arr of capacity *@cap. */
static int sfb_rs_grow(struct sfb_ruleset *rs, void **arr, u32 n, u32 *cap,
		       size_t size)
{
	u32 ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = max(8U, *cap * 2);
	p = sfb_rs_alloc(rs, array_size(ncap, size));
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (n)
		memcpy(p, *arr, array_size(n, size));
	sfb_rs_free(rs, *arr, array_size(*cap, size));
	*arr = p;
	*cap = ncap;
	return 0;
}

struct sfb_ruleset *sfb_ruleset_create(const struct sfb_policy *policy,
				       size_t budget)
{
	struct sfb_ruleset *rs;

	if (sizeof(*rs) > budget)
		return ERR_PTR(-ENOSPC);
	rs = kvzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
	if (!rs)
		return ERR_PTR(-ENOMEM);
	rs->memory = sizeof(*rs);
	rs->budget = budget;
	rs->policy = *policy;
	atomic_inc(&sfb_rulesets);
	return rs;
}

/* Also called from an RCU callback: kvfree() defers vfree() there. */
void sfb_ruleset_free(struct sfb_ruleset *rs)
{
	u32 i, pi, k;

	for (i = 0; i < SFB_MAX_ROLES; i++)
		kvfree(rs->role[i].rules);
	kvfree(rs->binds);
	kvfree(rs->exempts);
	for (i = 0; i < rs->ntargets; i++)
		for (pi = 0; pi < SFB_NPROTOS; pi++)
			for (k = 0; k < __SFB_MAP_MAX; k++)
				kvfree(rs->targets[i].map[pi][k].pm);
	for (pi = 0; pi < SFB_NPROTOS; pi++) {
		kvfree(rs->any_dport[pi].pm);
		kvfree(rs->any_sport[pi].pm);
	}
	kvfree(rs->targets);
	for (i = 0; i < SFB_NFAMS; i++)
		kvfree(rs->spans[i]);
	kvfree(rs->stats);
	kvfree(rs);
	atomic_dec(&sfb_rulesets);
}

static void sfb_ruleset_free_cb(struct rcu_head *head)
{
	sfb_ruleset_free(container_of(head, struct sfb_ruleset, rcu));
}

void sfb_ruleset_free_rcu(struct sfb_ruleset *rs)
{
	call_rcu(&rs->rcu, sfb_ruleset_free_cb);
}

u32 sfb_ruleset_alive(void)
{
	return atomic_read(&sfb_rulesets);
}

void sfb_ruleset_set_role(struct sfb_ruleset *rs, u32 id, const char *name,
			  const char *description)
{
	struct sfb_role *role = &rs->role[id];

	strscpy(role->name, name, sizeof(role->name));
	if (description)
		strscpy(role->description, description,
			sizeof(role->description));
}

int sfb_ruleset_add_rule(struct sfb_ruleset *rs, u32 id,
			 const struct sfb_rule *rule)
{
	struct sfb_role *role = &rs->role[id];
	int err;

	err = sfb_rs_grow(rs, (void **)&role->rules, role->nrules, &role->cap,
			  sizeof(*rule));
	if (err)
		return err;
	role->rules[role->nrules++] = *rule;
	rs->nrules++;
	return 0;
}

int sfb_ruleset_add_bind(struct sfb_ruleset *rs, const struct sfb_bind *bind)
{
	int err;

	err = sfb_rs_grow(rs, (void **)&rs->binds, rs->nbinds, &rs->binds_cap,
			  sizeof(*bind));
	if (err)
		return err;
	rs->binds[rs->nbinds++] = *bind;
	return 0;
}

int sfb_ruleset_add_exempt(struct sfb_ruleset *rs,
			   const struct sfb_exempt *exempt)
{
	int err;

	err = sfb_rs_grow(rs, (void **)&rs->exempts, rs->nexempts,
			  &rs->exempts_cap, sizeof(*exempt));
	if (err)
		return err;
	rs->exempts[rs->nexempts++] = *exempt;
	return 0;
}

/* Addresses: 128-bit host-order arithmetic for both families. */

void sfb_addr_load(struct sfb_addr *addr, const void *bytes, u8 fam)
{
	if (fam == SFB_FAM_IPV4) {
		addr->hi = 0;
		addr->lo = get_unaligned_be32(bytes);
	} else {
		addr->hi = get_unaligned_be64(bytes);
		addr->lo = get_unaligned_be64(bytes + 8);
	}
}

void sfb_addr_store(const struct sfb_addr *addr, void *bytes, u8 fam)
{
	if (fam == SFB_FAM_IPV4) {
		put_unaligned_be32(addr->lo, bytes);
	} else {
		put_unaligned_be64(addr->hi, bytes);
		put_unaligned_be64(addr->lo, bytes + 8);
	}
}

static int sfb_addr_cmp(const struct sfb_addr *a, const struct sfb_addr *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/*
 * The host part of a /@prefixlen of @fam: its low width - @prefixlen bits.
 * @prefixlen must not exceed the width (a shift past 63 is undefined).
 */
static struct sfb_addr sfb_host_mask(u8 fam, u8 prefixlen)
{
	unsigned int n = sfb_fam_bits(fam) - prefixlen;
	struct sfb_addr m = {};

	if (n >= 64) {
		m.lo = ~0ULL;
		n -= 64;
		m.hi = n == 64 ? ~0ULL : (1ULL << n) - 1;
	} else {
		m.lo = (1ULL << n) - 1;
	}
	return m;
}

bool sfb_prefix_is_canonical(const struct sfb_addr *addr, u8 fam,
			     u8 prefixlen)
{
	struct sfb_addr m = sfb_host_mask(fam, prefixlen);

	return !(addr->hi & m.hi) && !(addr->lo & m.lo);
}

/*
 * Compiling the bindings. Each binding prefix is an interval of addresses;
 * a sweep over the interval ends, sorted, gives the elementary intervals
 * and the set of roles (of every prefix containing it) of each. Adjacent
 * intervals with the same set merge into one span; each distinct set is
 * one target.
 */

struct sfb_event {
	struct sfb_addr at;
	u8 role;
	bool end;		/* the prefix ended just before @at */
};

static int sfb_event_cmp(const void *a, const void *b)
{
	return sfb_addr_cmp(&((const struct sfb_event *)a)->at,
			    &((const struct sfb_event *)b)->at);
}

static int sfb_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sweep the bindings of family @fam into @span/@mask (room for two per
 * binding); return how many spans.
 */
static u32 sfb_sweep(const struct sfb_ruleset *rs, u8 fam,
		     struct sfb_event *ev, struct sfb_span *span, u64 *mask)
{
	struct sfb_addr ones = sfb_host_mask(fam, 0);
	u16 count[SFB_MAX_ROLES] = {};
	u32 i, ne = 0, n = 0;
	u64 roles = 0;

	for (i = 0; i < rs->nbinds; i++) {
		const struct sfb_bind *b = &rs->binds[i];
		struct sfb_addr hm, end;

		if (b->fam != fam)
			continue;
		hm = sfb_host_mask(fam, b->prefixlen);
		end = (struct sfb_addr){ b->addr.hi | hm.hi, b->addr.lo | hm.lo };
		ev[ne++] = (struct sfb_event){ b->addr, b->role, false };
		if (!sfb_addr_cmp(&end, &ones))
			continue;	/* runs to the last address */
		if (!++end.lo)
			end.hi++;
		ev[ne++] = (struct sfb_event){ end, b->role, true };
	}
	sort(ev, ne, sizeof(*ev), sfb_event_cmp, NULL);

	for (i = 0; i < ne;) {
		struct sfb_addr at = ev[i].at, last = ones;

		for (; i < ne && !sfb_addr_cmp(&ev[i].at, &at); i++) {
			u8 r = ev[i].role;

			if (ev[i].end) {
				if (!--count[r])
					roles &= ~BIT_ULL(r);
			} else if (!count[r]++) {
				roles |= BIT_ULL(r);
			}
		}
		if (!roles)
			continue;
		if (i < ne) {
			last = ev[i].at;
			if (!last.lo--)
				last.hi--;
		}
		if (n && mask[n - 1] == roles) {
			struct sfb_addr next = span[n - 1].last;

			if (!++next.lo)
				next.hi++;
			if (!sfb_addr_cmp(&next, &at)) {
				span[n - 1].last = last;
				continue;
			}
		}
		span[n] = (struct sfb_span){ at, last, 0 };
		mask[n++] = roles;
	}
	return n;
}

static int sfb_build_targets(struct sfb_ruleset *rs)
{
	size_t room = 2 * (size_t)rs->nbinds;
	u32 n[SFB_NFAMS], total = 0, nt = 0, i, fam;
	struct sfb_event *ev;
	struct sfb_span *span;
	u64 *mask, *uniq;
	int err = -ENOMEM;

	/* Scratch space, freed before returning, not charged. */
	ev = kvmalloc_array(room, sizeof(*ev), GFP_KERNEL_ACCOUNT);
	span = kvmalloc_array(room, sizeof(*span), GFP_KERNEL_ACCOUNT);
	mask = kvmalloc_array(room, sizeof(*mask), GFP_KERNEL_ACCOUNT);
	uniq = kvmalloc_array(room, sizeof(*uniq), GFP_KERNEL_ACCOUNT);
	if (room && (!ev || !span || !mask || !uniq))
		goto out;

	for (fam = 0; fam < SFB_NFAMS; fam++) {
		n[fam] = sfb_sweep(rs, fam, ev, span + total, mask + total);
		total += n[fam];
	}

	if (total)
		memcpy(uniq, mask, total * sizeof(*uniq));
	sort(uniq, total, sizeof(*uniq), sfb_u64_cmp, NULL);
	for (i = 0; i < total; i++)
		if (!nt || uniq[nt - 1] != uniq[i])
			uniq[nt++] = uniq[i];

	rs->targets = sfb_rs_alloc(rs, array_size(nt, sizeof(*rs->targets)));
	if (IS_ERR(rs->targets)) {
		err = PTR_ERR(rs->targets);
		rs->targets = NULL;
		goto out;
	}
	rs->ntargets = nt;
	for (i = 0; i < nt; i++)
		rs->targets[i].roles = uniq[i];

	for (i = 0; i < total; i++) {
		u64 *t = bsearch(&mask[i], uniq, nt, sizeof(*uniq),
				 sfb_u64_cmp);

		span[i].target = t - uniq;
	}

	total = 0;
	for (fam = 0; fam < SFB_NFAMS; fam++) {
		struct sfb_span *s;

		s = sfb_rs_alloc(rs, array_size(n[fam], sizeof(*s)));
		if (IS_ERR(s)) {
			err = PTR_ERR(s);
			goto out;
		}
		memcpy(s, span + total, array_size(n[fam], sizeof(*s)));
		rs->spans[fam] = s;
		rs->nspans[fam] = n[fam];
		total += n[fam];
	}
	err = 0;
out:
	kvfree(uniq);
	kvfree(mask);
	kvfree(span);
	kvfree(ev);
	return err;
}

static int sfb_map_add(struct sfb_ruleset *rs, struct sfb_map *m,
		       const struct sfb_port_range *r)
{
	if (!m->pm) {
		struct sfb_portmap *pm = sfb_rs_alloc(rs, sizeof(*pm));

		if (IS_ERR(pm))
			return PTR_ERR(pm);
		sfb_portmap_init(pm);
		m->pm = pm;
	}
	return sfb_portmap_add(m->pm, r->first, r->last);
}

/* Add @r to map @kind of every target holding role @id, per protocol. */
static int sfb_targets_add(struct sfb_ruleset *rs, u32 id, u8 protos,
			   enum sfb_map_kind kind,
			   const struct sfb_port_range *r)
{
	u32 i, pi;
	int err;

	for (i = 0; i < rs->ntargets; i++) {
		struct sfb_target *t = &rs->targets[i];

		if (!(t->roles & BIT_ULL(id)))
			continue;
		for (pi = 0; pi < SFB_NPROTOS; pi++) {
			if (!(protos & BIT(pi)))
				continue;
			err = sfb_map_add(rs, &t->map[pi][kind], r);
			if (err)
				return err;
		}
	}
	return 0;
}

static int sfb_any_add(struct sfb_ruleset *rs, struct sfb_map *maps,
		       u8 protos, const struct sfb_port_range *r)
{
	u32 pi;
	int err;

	for (pi = 0; pi < SFB_NPROTOS; pi++) {
		if (!(protos & BIT(pi)))
			continue;
		err = sfb_map_add(rs, &maps[pi], r);
		if (err)
			return err;
	}
	return 0;
}

static int sfb_build_exempt(struct sfb_ruleset *rs, const struct sfb_exempt *e)
{
	if (e->flags & SFB_EXEMPT_F_SRC_SIDE) {
		if (!(e->flags & SFB_EXEMPT_F_FROM))
			return sfb_any_add(rs, rs->any_sport, e->protos,
					   &e->sport);
		rs->src_lookup = true;
		return sfb_targets_add(rs, e->from_role, e->protos,
				       SFB_MAP_EXEMPT_SPORT, &e->sport);
	}
	if (!(e->flags & SFB_EXEMPT_F_TO))
		return sfb_any_add(rs, rs->any_dport, e->protos, &e->dport);
	return sfb_targets_add(rs, e->to_role, e->protos, SFB_MAP_EXEMPT_DPORT,
			       &e->dport);
}

static void sfb_map_finish(struct sfb_map *m, u32 *nstats)
{
	if (!m->pm)
		return;
	sfb_portmap_finish(m->pm);
	if (nstats) {
		m->stat = *nstats;
		*nstats += sfb_portmap_nsegments(m->pm);
	}
}

static int sfb_build_maps(struct sfb_ruleset *rs)
{
	u32 id, i, pi, k, n;
	int err;

	for (id = 0; id < SFB_MAX_ROLES; id++) {
		const struct sfb_role *role = &rs->role[id];

		for (i = 0; i < role->nrules; i++) {
			const struct sfb_rule *r = &role->rules[i];
			struct sfb_port_range pr = { r->first, r->last };

			err = sfb_targets_add(rs, id, r->protos, r->class, &pr);
			if (err)
				return err;
		}
	}
	for (i = 0; i < rs->nexempts; i++) {
		err = sfb_build_exempt(rs, &rs->exempts[i]);
		if (err)
			return err;
	}

	/* Namespace counters first, then each target's, then segments. */
	n = __SFB_CNT_MAX;
	for (i = 0; i < rs->ntargets; i++) {
		struct sfb_target *t = &rs->targets[i];

		t->stat = n;
		n += __SFB_CNT_MAX;
		for (id = 0; id < SFB_MAX_ROLES; id++)
			if ((t->roles & BIT_ULL(id)) && rs->role[id].nrules)
				t->enforce = true;
		for (pi = 0; pi < SFB_NPROTOS; pi++)
			for (k = 0; k < __SFB_MAP_MAX; k++)
				sfb_map_finish(&t->map[pi][k],
					       k < __SFB_CLASS_MAX ? &n : NULL);
	}
	for (pi = 0; pi < SFB_NPROTOS; pi++) {
		sfb_map_finish(&rs->any_dport[pi], NULL);
		sfb_map_finish(&rs->any_sport[pi], NULL);
	}
	rs->nstats = n;
	return 0;
}

static int sfb_build_stats(struct sfb_ruleset *rs)
{
	struct sfb_cpu_stats *cs;
	unsigned int cpu;

	/* A cache line per CPU at least: no false sharing between CPUs. */
	rs->stats_stride = ALIGN(struct_size(cs, s, rs->nstats),
				 SMP_CACHE_BYTES);
	rs->stats = sfb_rs_alloc(rs, array_size(nr_cpu_ids,
						rs->stats_stride));
	if (IS_ERR(rs->stats)) {
		int err = PTR_ERR(rs->stats);

		rs->stats = NULL;
		return err;
	}
	for_each_possible_cpu(cpu) {
		cs = rs->stats + cpu * rs->stats_stride;
		u64_stats_init(&cs->sync);
	}
	return 0;
}

int sfb_ruleset_compile(struct sfb_ruleset *rs)
{
	int err;

	err = sfb_build_targets(rs);
	if (!err)
		err = sfb_build_maps(rs);
	if (!err)
		err = sfb_build_stats(rs);
	return err;
}

/* The packet path: no locks, no allocation, O(log spans) + O(1). */

const struct sfb_target *sfb_ruleset_lookup(const struct sfb_ruleset *rs,
					    u8 fam,
					    const struct sfb_addr *addr)
{
	const struct sfb_span *s = rs->spans[fam];
	u32 lo = 0, hi = rs->nspans[fam];

	/* lo becomes the number of spans starting at or below addr */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (sfb_addr_cmp(&s[mid].first, addr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || sfb_addr_cmp(addr, &s[lo - 1].last) > 0)
		return NULL;
	return &rs->targets[s[lo - 1].target];
}

static bool sfb_map_contains(const struct sfb_map *m, u16 port)
{
	return m->pm && sfb_portmap_contains(m->pm, port);
}

static bool sfb_is_ike(const struct sfb_packet *pkt)
{
	return pkt->pi == SFB_PI_UDP &&
	       (pkt->sport == SFB_PORT_IKE || pkt->sport == SFB_PORT_IKE_NATT ||
		pkt->dport == SFB_PORT_IKE || pkt->dport == SFB_PORT_IKE_NATT);
}

/* Exempt whatever the addresses: by port alone. */
static bool sfb_any_exempt(const struct sfb_ruleset *rs, u8 pi, u16 sport,
			   u16 dport)
{
	return sfb_map_contains(&rs->any_dport[pi], dport) ||
	       sfb_map_contains(&rs->any_sport[pi], sport);
}

/* Exempt by a "from ROLE" rule: @src is the sender's target, if bound. */
static bool sfb_src_exempt(const struct sfb_ruleset *rs, u8 fam, u8 pi,
			   const struct sfb_addr *saddr, u16 sport,
			   const struct sfb_target **src)
{
	*src = rs->src_lookup ? sfb_ruleset_lookup(rs, fam, saddr) : NULL;
	return *src &&
	       sfb_map_contains(&(*src)->map[pi][SFB_MAP_EXEMPT_SPORT], sport);
}

/*
 * A reply belongs to its flow: it is exempt if the flow's first direction
 * is, seen here as this packet with its ends swapped (the addresses on
 * this side of any NAT). So the reply to a client's exempt media, sent
 * from a port outside the client range, bypasses IPsec too.
 */
static bool sfb_reply_exempt(const struct sfb_ruleset *rs,
			     const struct sfb_packet *pkt)
{
	const struct sfb_target *t, *src;

	if (sfb_any_exempt(rs, pkt->pi, pkt->dport, pkt->sport))
		return true;
	t = sfb_ruleset_lookup(rs, pkt->fam, &pkt->saddr);
	if (t && sfb_map_contains(&t->map[pkt->pi][SFB_MAP_EXEMPT_DPORT],
				  pkt->sport))
		return true;
	return sfb_src_exempt(rs, pkt->fam, pkt->pi, &pkt->daddr, pkt->dport,
			      &src);
}

void sfb_ruleset_classify(const struct sfb_ruleset *rs,
			  const struct sfb_packet *pkt, struct sfb_result *res)
{
	const struct sfb_target *dst;
	bool ike = sfb_is_ike(pkt);
	u32 c;

	memset(res, 0, sizeof(*res));
	res->pi = pkt->pi;
	dst = sfb_ruleset_lookup(rs, pkt->fam, &pkt->daddr);
	res->dst = dst;
	for (c = 0; c < __SFB_CLASS_MAX; c++) {
		const struct sfb_map *m = dst ? &dst->map[pkt->pi][c] : NULL;

		res->seg[c] = -ENOENT;
		if (!m || !m->pm || (c == SFB_CLASS_EXEMPT && ike))
			continue;
		res->seg[c] = sfb_portmap_segment(m->pm, pkt->dport);
		if (res->seg[c] >= 0)
			res->classes |= BIT(c);
	}

	if (!ike) {
		res->src_exempt = sfb_src_exempt(rs, pkt->fam, pkt->pi,
						 &pkt->saddr, pkt->sport,
						 &res->src);
		if (res->src_exempt ||
		    sfb_any_exempt(rs, pkt->pi, pkt->sport, pkt->dport) ||
		    (pkt->reply && !(res->classes & BIT(SFB_CLASS_EXEMPT)) &&
		     sfb_reply_exempt(rs, pkt)))
			res->classes |= BIT(SFB_CLASS_EXEMPT);
	}

	/*
	 * Only new flows to a bound address are policed, and only if its
	 * roles have port rules: roles that appear only in ipsec exemptions
	 * (A/V Edge internal, Exchange UM...) describe hosts sfb knows for
	 * IPsec but not their open ports; such targets are classified and
	 * marked, never dropped.
	 */
	if (dst && dst->enforce && pkt->new_flow &&
	    !(res->classes & (BIT(SFB_CLASS_SERVICE) | BIT(SFB_CLASS_MEDIA)))) {
		if (rs->policy.mode == SFB_MODE_ENFORCE) {
			res->verdict = SFB_VERDICT_DROP;
			return;
		}
		res->verdict = SFB_VERDICT_WOULD_DROP;
	}
	for (c = 0; c < __SFB_CLASS_MAX; c++)
		if (res->classes & BIT(c))
			res->mark |= rs->policy.mark[c];
}

/*
 * Counters: per CPU, as in nft_counter.c, but one flat array per CPU
 * (segments can outnumber what alloc_percpu() serves). Writers run with
 * BHs off on their own CPU; readers sum over CPUs under u64_stats.
 */

static struct sfb_cpu_stats *sfb_cpu_stats(const struct sfb_ruleset *rs,
					   unsigned int cpu)
{
	return rs->stats + cpu * rs->stats_stride;
}

static void sfb_stat_add(struct sfb_cpu_stats *cs, u32 idx, unsigned int len)
{
	u64_stats_inc(&cs->s[idx].packets);
	u64_stats_add(&cs->s[idx].bytes, len);
}

void sfb_ruleset_count(const struct sfb_ruleset *rs,
		       const struct sfb_result *res, unsigned int len)
{
	const struct sfb_target *t = res->dst;
	struct sfb_cpu_stats *cs;
	u32 c;

	if (!t && !res->src_exempt)
		return;
	local_bh_disable();
	cs = sfb_cpu_stats(rs, smp_processor_id());
	u64_stats_update_begin(&cs->sync);
	if (t) {
		for (c = 0; c < __SFB_CLASS_MAX; c++) {
			if (!(res->classes & BIT(c)))
				continue;
			sfb_stat_add(cs, t->stat + c, len);
			if (res->seg[c] >= 0)
				sfb_stat_add(cs, t->map[res->pi][c].stat +
					     res->seg[c], len);
		}
		if (!res->classes)
			sfb_stat_add(cs, t->stat + SFB_CNT_UNMATCHED, len);
		if (res->verdict == SFB_VERDICT_DROP)
			sfb_stat_add(cs, t->stat + SFB_CNT_DROPPED, len);
		else if (res->verdict == SFB_VERDICT_WOULD_DROP)
			sfb_stat_add(cs, t->stat + SFB_CNT_WOULD_DROP, len);
	}
	if (res->src_exempt && res->src != t)
		sfb_stat_add(cs, res->src->stat + SFB_CNT_EXEMPT, len);
	u64_stats_update_end(&cs->sync);
	local_bh_enable();
}

void sfb_ruleset_count_ns(const struct sfb_ruleset *rs,
			  enum sfb_counter kind, unsigned int len)
{
	struct sfb_cpu_stats *cs;

	local_bh_disable();
	cs = sfb_cpu_stats(rs, smp_processor_id());
	u64_stats_update_begin(&cs->sync);
	sfb_stat_add(cs, kind, len);
	u64_stats_update_end(&cs->sync);
	local_bh_enable();
}

void sfb_ruleset_read_stat(const struct sfb_ruleset *rs, u32 idx,
			   u64 *packets, u64 *bytes)
{
	unsigned int cpu, seq;
	u64 p, b;

	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct sfb_cpu_stats *cs = sfb_cpu_stats(rs, cpu);

		do {
			seq = u64_stats_fetch_begin(&cs->sync);
			p = u64_stats_read(&cs->s[idx].packets);
			b = u64_stats_read(&cs->s[idx].bytes);
		} while (u64_stats_fetch_retry(&cs->sync, seq));
		*packets += p;
		*bytes += b;
	}
}

/*
 * Other CPUs keep counting meanwhile, so their counters are not written:
 * the sum read is subtracted on this CPU instead, as nft_counter.c does.
 */
void sfb_ruleset_zero_stats(const struct sfb_ruleset *rs)
{
	struct sfb_cpu_stats *cs;
	u64 p, b;
	u32 i;

	for (i = 0; i < rs->nstats; i++) {
		sfb_ruleset_read_stat(rs, i, &p, &b);
		local_bh_disable();
		cs = sfb_cpu_stats(rs, smp_processor_id());
		u64_stats_update_begin(&cs->sync);
		u64_stats_sub(&cs->s[i].packets, p);
		u64_stats_sub(&cs->s[i].bytes, b);
		u64_stats_update_end(&cs->sync);
		local_bh_enable();
	}
}
