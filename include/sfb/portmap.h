/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfb port map: constant-time port membership and service index.
 *
 * A port map is built from any number of inclusive port ranges (first, last),
 * in any order, overlapping or adjacent, anywhere in 0..65535. Afterwards:
 *
 *   sfb_portmap_contains(m, port)  is one bit test;
 *   sfb_portmap_segment(m, port)   is the same bit test plus a popcount
 *                                  and one table load (rank);
 *
 * neither branches on, loops over or allocates for the number of ranges, so
 * a lookup costs the same with 1 range as with 65536.
 *
 * Segments (the service index). The covered ports are cut into segments:
 * maximal runs of consecutive ports over which the set of input ranges that
 * cover the port is the same and non-empty. A new segment therefore starts
 * at every covered port p where p == 0, p - 1 is not covered, some range
 * starts at p, or some range ends at p - 1. Segments are numbered 0, 1, ...
 * in ascending port order. Every input range is exactly a union of
 * consecutive segments, and a segment is either inside an input range or
 * disjoint from it, so the ranges covering segment s are exactly those with
 * first <= segment first and segment last <= last. A caller keeping
 * per-service counters builds a table segment -> service(s) once, off the
 * packet path, with sfb_portmap_segment_bounds(), and indexes it with
 * sfb_portmap_segment() per packet. Example: ranges 10-20 and 15-30 give
 * segments 0 = 10-14, 1 = 15-20, 2 = 21-30; ranges 10-20 and 21-30 give
 * 0 = 10-20 and 1 = 21-30 (adjacent ranges stay separate services).
 *
 * Memory. struct sfb_portmap has a fixed size whatever the ranges:
 *   member bitmap   65536 bits      8192 bytes
 *   start bitmap    65536 bits      8192 bytes
 *   rank table      1024 x u16      2048 bytes
 *   segment count   u32 + padding      8 bytes
 *   total                          18440 bytes (SFB_PORTMAP_SIZE)
 * At most SFB_PORTMAP_MAX_SEGMENTS (65536) segments exist, reached with
 * 65536 single-port ranges, so a caller's per-segment table is bounded too.
 * The core never allocates: the caller provides the struct (kvzalloc() with
 * GFP_KERNEL_ACCOUNT in the kernel, calloc() in userspace) and never puts it
 * on the stack. The builder accepts an unbounded number of ranges; each
 * costs at most 1024 word writes.
 *
 * Byte order. Every port in this API (struct sfb_port_range, the port
 * arguments, the bounds returned) is a u16 in host byte order. Network order
 * never enters the core: the caller converts, e.g. ntohs(udph->dest); sparse
 * flags a __be16 passed by mistake.
 *
 * Errors. Functions that can fail return 0 or a negative errno value
 * (-EINVAL, -ENOENT), in the kernel and natively alike.
 *
 * Life cycle and concurrency:
 *   sfb_portmap_init(m);                      empty map, valid to query
 *   sfb_portmap_add(m, first, last);          any number of times
 *   sfb_portmap_finish(m);                    computes the segment index
 * or sfb_portmap_build(m, ranges, n), which does all three. contains() is
 * right after any add(); segment(), nsegments() and segment_bounds() are
 * right after finish() until the next add(). Adding after finish() and
 * finishing again is allowed. Lookups only read the map, so any number of
 * readers may run concurrently, without locks, on a map that is no longer
 * modified (build it off to the side, then publish it, e.g. with
 * rcu_assign_pointer()).
 */
#ifndef _SFB_PORTMAP_H
#define _SFB_PORTMAP_H

#include "compat.h"

#define SFB_PORTMAP_PORTS		65536
#define SFB_PORTMAP_WORDS		(SFB_PORTMAP_PORTS / 64)
#define SFB_PORTMAP_MAX_SEGMENTS	SFB_PORTMAP_PORTS
#define SFB_PORTMAP_SIZE		18440

/* An inclusive port range, host byte order; first <= last. */
struct sfb_port_range {
	u16 first;
	u16 last;
};

struct sfb_portmap {
	/* bit p (word p / 64, bit p % 64): port p is in some range */
	u64 member[SFB_PORTMAP_WORDS];
	/*
	 * bit p: a segment may start at p (some range starts at p or ends at
	 * p - 1); a segment starts at p exactly when member and start are set.
	 */
	u64 start[SFB_PORTMAP_WORDS];
	/*
	 * rank[w]: segments starting in words 0..w-1, i.e. below port 64 * w;
	 * at most 64 * 1023 = 65472, so a u16 holds it.
	 */
	u16 rank[SFB_PORTMAP_WORDS];
	/* number of segments, 0..SFB_PORTMAP_MAX_SEGMENTS */
	u32 nsegs;
};

/* Make @m the empty map (no port, no segment). */
void sfb_portmap_init(struct sfb_portmap *m);

/*
 * Add the ports first..last (inclusive, host order) to @m.
 * Returns 0, or -EINVAL if first > last (the map is then unchanged).
 */
int sfb_portmap_add(struct sfb_portmap *m, u16 first, u16 last);

/* Compute the segment index of @m after the last sfb_portmap_add(). */
void sfb_portmap_finish(struct sfb_portmap *m);

/*
 * Replace the contents of @m with the union of the @n ranges @r and finish
 * it. Returns 0, or -EINVAL if some range has first > last or if @r is NULL
 * while @n > 0; on error @m is left unchanged.
 */
int sfb_portmap_build(struct sfb_portmap *m, const struct sfb_port_range *r,
		      u32 n);

/* Number of segments in a finished map. */
static inline u32 sfb_portmap_nsegments(const struct sfb_portmap *m)
{
	return m->nsegs;
}

/*
 * Get the first and last port (host order) of segment @seg of a finished
 * map. Returns 0, or -ENOENT if @seg >= sfb_portmap_nsegments(m).
 * Control path only: O(log 1024 + segment length / 64), not O(1).
 */
int sfb_portmap_segment_bounds(const struct sfb_portmap *m, u32 seg,
			       u16 *first, u16 *last);

/* Is @port (host byte order) in the map? One load, one bit test. */
static inline bool sfb_portmap_contains(const struct sfb_portmap *m, u16 port)
{
	return (m->member[port / 64] >> (port % 64)) & 1;
}

/*
 * Index of the segment containing @port (host byte order) in a finished
 * map, 0..sfb_portmap_nsegments(m) - 1, or -ENOENT if @port is not in the
 * map. O(1): the segment index is the number of segment starts at or below
 * @port, minus one: the rank of the word plus a popcount within it.
 */
static inline int sfb_portmap_segment(const struct sfb_portmap *m, u16 port)
{
	u32 w = port / 64, b = port % 64;
	u64 member = m->member[w];
	/* (2 << 63) wraps to 0 (well defined for unsigned), so b = 63 works */
	u64 at_or_below = ((u64)2 << b) - 1;
	int seg = (int)(m->rank[w] +
			sfb_hweight64(m->start[w] & member & at_or_below)) - 1;
	u32 hit = (member >> b) & 1;

	/*
	 * hit ? seg : -ENOENT, spelled as masks so that compilers emit no
	 * branch: hits and misses cost the same.
	 */
	return (int)(((u32)seg & -hit) | ((u32)-ENOENT & (hit - 1)));
}

#endif /* _SFB_PORTMAP_H */
