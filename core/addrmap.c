// SPDX-License-Identifier: GPL-2.0
/*
 * sfb address map: the sweep from bindings to spans and the numbering of
 * targets. The algorithm is described in addrmap.h, the lookup inline there.
 */
#include <sfb/addrmap.h>

struct sfb_addr sfb_host_mask(u8 fam, u8 prefixlen)
{
	unsigned int n = sfb_fam_bits(fam) - prefixlen;
	struct sfb_addr m = {};

	/* a shift by 64 is undefined: whole words are spelled out */
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

static void sfb_addr_inc(struct sfb_addr *a)
{
	if (!++a->lo)
		a->hi++;
}

static void sfb_addr_dec(struct sfb_addr *a)
{
	if (!a->lo--)
		a->hi--;
}

static int sfb_event_cmp(const void *a, const void *b)
{
	return sfb_addr_cmp(&((const struct sfb_addr_event *)a)->at,
			    &((const struct sfb_addr_event *)b)->at);
}

static int sfb_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

u32 sfb_addrmap_sweep(const struct sfb_bind *binds, u32 nbinds, u8 fam,
		      struct sfb_addr_event *ev, struct sfb_span *span,
		      u64 *roles)
{
	struct sfb_addr ones = sfb_host_mask(fam, 0);
	u32 count[SFB_ADDRMAP_MAX_ROLES] = {};
	u32 i, ne = 0, n = 0;
	u64 held = 0;

	for (i = 0; i < nbinds; i++) {
		const struct sfb_bind *b = &binds[i];
		struct sfb_addr hm, end;

		if (b->fam != fam)
			continue;
		hm = sfb_host_mask(fam, b->prefixlen);
		end = (struct sfb_addr){ b->addr.hi | hm.hi, b->addr.lo | hm.lo };
		ev[ne++] = (struct sfb_addr_event){
			.at = b->addr, .role = b->role, .end = false,
		};
		if (!sfb_addr_cmp(&end, &ones))
			continue;	/* runs to the last address */
		sfb_addr_inc(&end);
		ev[ne++] = (struct sfb_addr_event){
			.at = end, .role = b->role, .end = true,
		};
	}
	sfb_sort(ev, ne, sizeof(*ev), sfb_event_cmp);

	for (i = 0; i < ne;) {
		struct sfb_addr at = ev[i].at, last = ones;

		/* every event at @at, in any order: the counts settle */
		for (; i < ne && !sfb_addr_cmp(&ev[i].at, &at); i++) {
			u8 r = ev[i].role;

			if (ev[i].end) {
				if (!--count[r])
					held &= ~(1ULL << r);
			} else if (!count[r]++) {
				held |= 1ULL << r;
			}
		}
		if (!held)
			continue;
		if (i < ne) {
			last = ev[i].at;
			sfb_addr_dec(&last);
		}
		if (n && roles[n - 1] == held) {
			struct sfb_addr next = span[n - 1].last;

			sfb_addr_inc(&next);
			if (!sfb_addr_cmp(&next, &at)) {
				span[n - 1].last = last;
				continue;
			}
		}
		span[n] = (struct sfb_span){ .first = at, .last = last };
		roles[n++] = held;
	}
	return n;
}

u32 sfb_addrmap_targets(struct sfb_span *span, const u64 *roles, u32 n,
			u64 *uniq)
{
	u32 i, nt = 0;

	if (!n)
		return 0;
	memcpy(uniq, roles, n * sizeof(*uniq));
	sfb_sort(uniq, n, sizeof(*uniq), sfb_u64_cmp);
	for (i = 0; i < n; i++)
		if (!nt || uniq[nt - 1] != uniq[i])
			uniq[nt++] = uniq[i];
	for (i = 0; i < n; i++) {
		const u64 *t = bsearch(&roles[i], uniq, nt, sizeof(*uniq),
				       sfb_u64_cmp);

		span[i].target = t - uniq;
	}
	return nt;
}
