// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: the ruleset object's control plane. Building it from validated
 * items, compiling it into targets, address spans (the address map core)
 * and port maps, reading and resetting its counters, and freeing it. Runs
 * in process context under the namespace's mutex; the packet path that
 * reads the result is classify.c.
 */

#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "events.h"
#include "ruleset.h"

/* Rulesets allocated and not yet freed, in every namespace. */
static atomic_t sfb_rulesets = ATOMIC_INIT(0);

static_assert((int)SFB_CNT_SERVICE == (int)SFB_CLASS_SERVICE &&
	      (int)SFB_CNT_MEDIA == (int)SFB_CLASS_MEDIA &&
	      (int)SFB_CNT_EXEMPT == (int)SFB_CLASS_EXEMPT);
static_assert(SFB_MAX_ROLES <= SFB_ADDRMAP_MAX_ROLES);

/*
 * A kmalloc bucket (in the direct map) or whole vmalloc pages, whichever
 * is smaller: a 18,440-byte port map takes 5 pages, not a 32 KiB bucket;
 * never the huge mapping kvmalloc() may round up to 2 MiB. Either way what
 * was taken is known exactly: it is what the budget counts and the memory
 * cgroup is charged.
 */
static void *sfb_zalloc(size_t size)
{
	void *p = NULL;

	if (kmalloc_size_roundup(size) <= PAGE_ALIGN(size))
		p = kzalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
				  __GFP_NORETRY);
	if (!p)
		p = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	return p;
}

static size_t sfb_alloc_size(const void *p, size_t size)
{
	if (!p)
		return 0;
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) :
				    kmalloc_size_roundup(size);
}

/* Every allocation of a ruleset goes through here and is charged to it. */
static void *sfb_rs_alloc(struct sfb_ruleset *rs, size_t size)
{
	size_t taken;
	void *p;

	if (size > rs->budget - rs->memory)
		return ERR_PTR(-ENOSPC);
	p = sfb_zalloc(size);
	if (!p)
		return ERR_PTR(-ENOMEM);
	taken = sfb_alloc_size(p, size);
	if (taken > rs->budget - rs->memory) {
		kvfree(p);
		return ERR_PTR(-ENOSPC);
	}
	rs->memory += taken;
	return p;
}

static void sfb_rs_free(struct sfb_ruleset *rs, void *p, size_t size)
{
	rs->memory -= sfb_alloc_size(p, size);
	kvfree(p);
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
	rs = sfb_zalloc(sizeof(*rs));
	if (!rs)
		return ERR_PTR(-ENOMEM);
	rs->memory = sfb_alloc_size(rs, sizeof(*rs));
	rs->budget = budget;
	if (rs->memory > budget) {
		kvfree(rs);
		return ERR_PTR(-ENOSPC);
	}
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
	kvfree(rs->text);
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
	if (rs->loggers)
		sfb_events_log_put(&rs->policy);
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

/* Put @str in the text pool, sharing the last transport tag if equal. */
static int sfb_text_add(struct sfb_ruleset *rs, const char *str, u32 *off,
			bool tag)
{
	size_t len = strlen(str) + 1;
	int err;

	if (tag && rs->text_len &&
	    !strcmp(sfb_rule_text(rs, rs->last_transport), str)) {
		*off = rs->last_transport;
		return 0;
	}
	while (rs->text_len + len > rs->text_cap) {
		err = sfb_rs_grow(rs, (void **)&rs->text, rs->text_cap,
				  &rs->text_cap, 1);
		if (err)
			return err;
	}
	memcpy(rs->text + rs->text_len, str, len);
	*off = rs->text_len;
	rs->text_len += len;
	if (tag)
		rs->last_transport = *off;
	return 0;
}

int sfb_ruleset_add_rule(struct sfb_ruleset *rs, u32 id, struct sfb_rule rule,
			 const char *name, const char *transport)
{
	struct sfb_role *role = &rs->role[id];
	int err;

	err = sfb_rs_grow(rs, (void **)&role->rules, role->nrules, &role->cap,
			  sizeof(rule));
	if (!err)
		err = sfb_text_add(rs, name, &rule.name, false);
	if (!err)
		err = sfb_text_add(rs, transport, &rule.transport, true);
	if (err)
		return err;
	role->rules[role->nrules++] = rule;
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

/*
 * The bindings' address map (addrmap.h): spans per family, and one target
 * per distinct set of roles, shared by both families.
 */
static int sfb_build_targets(struct sfb_ruleset *rs)
{
	size_t room = 2 * (size_t)rs->nbinds;
	size_t size = array_size(room, 2 * sizeof(u64) +
				 sizeof(struct sfb_span) +
				 sizeof(struct sfb_addr_event));
	u32 n[SFB_NFAMS], total = 0, nt, i, fam;
	struct sfb_addr_event *ev;
	struct sfb_span *span;
	u64 *roles, *uniq;
	void *scratch;
	int err;

	/* Scratch space, charged while it lives: one block, u64s first. */
	static_assert(__alignof__(*span) <= __alignof__(u64) &&
		      __alignof__(*ev) <= __alignof__(u64));
	scratch = sfb_rs_alloc(rs, size);
	if (IS_ERR(scratch))
		return PTR_ERR(scratch);
	roles = scratch;
	uniq = roles + room;
	span = (struct sfb_span *)(uniq + room);
	ev = (struct sfb_addr_event *)(span + room);

	for (fam = 0; fam < SFB_NFAMS; fam++) {
		n[fam] = sfb_addrmap_sweep(rs->binds, rs->nbinds, fam, ev,
					   span + total, roles + total);
		total += n[fam];
	}
	nt = sfb_addrmap_targets(span, roles, total, uniq);

	rs->targets = sfb_rs_alloc(rs, array_size(nt, sizeof(*rs->targets)));
	if (IS_ERR(rs->targets)) {
		err = PTR_ERR(rs->targets);
		rs->targets = NULL;
		goto out;
	}
	rs->ntargets = nt;
	for (i = 0; i < nt; i++)
		rs->targets[i].roles = uniq[i];

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
	sfb_rs_free(rs, scratch, size);
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

/*
 * Reading it: the dumps and ZERO_STATS, under the namespace's mutex, while
 * the packet path counts.
 */

static void sfb_ruleset_read_stat(const struct sfb_ruleset *rs, u32 idx,
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

u64 sfb_ruleset_target_roles(const struct sfb_ruleset *rs, u32 target)
{
	return rs->targets[target].roles;
}

void sfb_ruleset_read_counter(const struct sfb_ruleset *rs, u32 target,
			      enum sfb_counter kind, u64 *packets, u64 *bytes)
{
	u32 base = target == SFB_NS_COUNTERS ? 0 : rs->targets[target].stat;

	sfb_ruleset_read_stat(rs, base + kind, packets, bytes);
}

/*
 * A target's segments are numbered per protocol, then per class, over the
 * maps that count them: those keyed by the destination port. Returns the
 * map holding segment *@i and makes *@i its index there.
 */
static const struct sfb_map *sfb_target_seg(const struct sfb_target *t,
					    u32 *i, u32 *pi, u32 *class)
{
	for (*pi = 0; *pi < SFB_NPROTOS; (*pi)++) {
		for (*class = 0; *class < __SFB_CLASS_MAX; (*class)++) {
			const struct sfb_map *m = &t->map[*pi][*class];
			u32 n = m->pm ? sfb_portmap_nsegments(m->pm) : 0;

			if (*i < n)
				return m;
			*i -= n;
		}
	}
	return NULL;
}

u32 sfb_ruleset_target_nsegments(const struct sfb_ruleset *rs, u32 target)
{
	const struct sfb_target *t = &rs->targets[target];
	u32 n = 0, pi, class;

	for (pi = 0; pi < SFB_NPROTOS; pi++)
		for (class = 0; class < __SFB_CLASS_MAX; class++)
			if (t->map[pi][class].pm)
				n += sfb_portmap_nsegments(t->map[pi][class].pm);
	return n;
}

int sfb_ruleset_target_segment(const struct sfb_ruleset *rs, u32 target,
			       u32 i, struct sfb_segment *seg)
{
	const struct sfb_map *m;
	u32 pi, class;

	m = sfb_target_seg(&rs->targets[target], &i, &pi, &class);
	if (!m || sfb_portmap_segment_bounds(m->pm, i, &seg->first,
					     &seg->last))
		return -ENOENT;
	seg->proto = BIT(pi);
	seg->class = class;
	sfb_ruleset_read_stat(rs, m->stat + i, &seg->packets, &seg->bytes);
	return 0;
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
