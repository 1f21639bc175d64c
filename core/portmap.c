// SPDX-License-Identifier: GPL-2.0
/*
 * sfb port map: building the bitmaps and the rank table, and mapping a
 * segment back to its ports. The lookups are inline in portmap.h.
 */
#include <sfb/portmap.h>

static_assert(sizeof(struct sfb_portmap) == SFB_PORTMAP_SIZE,
	      "update the memory table in portmap.h");

void sfb_portmap_init(struct sfb_portmap *m)
{
	memset(m, 0, sizeof(*m));
}

static void mark_port(u64 *map, u32 bit)
{
	map[bit / 64] |= (u64)1 << (bit % 64);
}

int sfb_portmap_add(struct sfb_portmap *m, u16 first, u16 last)
{
	u32 fw = first / 64, lw = last / 64, w;
	u64 fmask = ~(u64)0 << (first % 64);
	u64 lmask = ~(u64)0 >> (63 - last % 64);

	if (first > last)
		return -EINVAL;

	if (fw == lw) {
		m->member[fw] |= fmask & lmask;
	} else {
		m->member[fw] |= fmask;
		for (w = fw + 1; w < lw; w++)
			m->member[w] = ~(u64)0;
		m->member[lw] |= lmask;
	}

	/*
	 * The set of covering ranges can change only where a range starts or
	 * just after one ends; finish() and the lookups keep only the marks
	 * that fall on covered ports.
	 */
	mark_port(m->start, first);
	if (last < SFB_PORTMAP_PORTS - 1)
		mark_port(m->start, (u32)last + 1);
	return 0;
}

void sfb_portmap_finish(struct sfb_portmap *m)
{
	u32 w, n = 0;

	for (w = 0; w < SFB_PORTMAP_WORDS; w++) {
		/* n <= 64 * w <= 65472 here: fits in u16 */
		m->rank[w] = n;
		n += sfb_hweight64(m->start[w] & m->member[w]);
	}
	m->nsegs = n;
}

int sfb_portmap_build(struct sfb_portmap *m, const struct sfb_port_range *r,
		      u32 n)
{
	u32 i;

	if (n && !r)
		return -EINVAL;
	/* Validate everything first so that a failure leaves @m unchanged. */
	for (i = 0; i < n; i++)
		if (r[i].first > r[i].last)
			return -EINVAL;

	sfb_portmap_init(m);
	for (i = 0; i < n; i++)
		sfb_portmap_add(m, r[i].first, r[i].last);
	sfb_portmap_finish(m);
	return 0;
}

/* Position of the k-th (from 0) set bit of @x, which has more than k. */
static u32 select64(u64 x, u32 k)
{
	while (k--)
		x &= x - 1;
	return sfb_ffs64(x);
}

int sfb_portmap_segment_bounds(const struct sfb_portmap *m, u32 seg,
			       u16 *first, u16 *last)
{
	u32 lo = 0, hi = SFB_PORTMAP_WORDS - 1, mid, w, start;
	u64 stop;

	if (seg >= m->nsegs)
		return -ENOENT;

	/* The word holding segment start number @seg: last w, rank[w] <= seg */
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (m->rank[mid] <= seg)
			lo = mid;
		else
			hi = mid - 1;
	}
	w = lo;
	start = w * 64 + select64(m->start[w] & m->member[w],
				  seg - m->rank[w]);
	*first = start;

	/* The segment ends before the next segment start or uncovered port. */
	stop = (m->start[w] & m->member[w]) | ~m->member[w];
	stop &= ~(u64)1 << (start % 64);	/* bits above @start only */
	while (!stop && ++w < SFB_PORTMAP_WORDS)
		stop = (m->start[w] & m->member[w]) | ~m->member[w];
	*last = stop ? w * 64 + sfb_ffs64(stop) - 1 : SFB_PORTMAP_PORTS - 1;
	return 0;
}
