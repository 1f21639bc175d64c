// SPDX-License-Identifier: GPL-2.0
/*
 * Port-map core against a reference model, exhaustively: for every range set
 * (hand-written ones with known answers, then thousands of seeded random
 * ones) every port 0..65535 is checked for contains() and segment(), and
 * every segment for segment_bounds().
 *
 * The reference is deliberately naive and shares no code or idea with the
 * bitmaps: each range is painted port by port into two arrays, a count of
 * covering ranges and a sum of random 64-bit tags of the covering ranges.
 * A segment starts wherever the count goes from 0 to non-zero or the tag
 * sum changes (two different sets of ranges have the same tag sum with
 * probability 2^-64).
 *
 * Seed: fixed (printed); set SFB_SEED=N in the environment to try others.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rng.h"
#include <sfb/portmap.h>

#define NPORTS		SFB_PORTMAP_PORTS

/* ---- reference model ---- */

struct ref {
	uint32_t count[NPORTS];		/* ranges covering the port */
	uint64_t tag[NPORTS];		/* sum of their tags */
	int seg[NPORTS];		/* expected segment(), or -ENOENT */
	uint32_t nsegs;
	uint32_t seg_first[NPORTS];
	uint32_t seg_last[NPORTS];
};

static void ref_build(struct ref *ref, const struct sfb_port_range *r,
		      uint32_t n)
{
	uint32_t i, p;

	memset(ref->count, 0, sizeof(ref->count));
	memset(ref->tag, 0, sizeof(ref->tag));
	for (i = 0; i < n; i++) {
		uint64_t t = rnd64();

		for (p = r[i].first; p <= r[i].last; p++) {
			ref->count[p]++;
			ref->tag[p] += t;
		}
	}

	ref->nsegs = 0;
	for (p = 0; p < NPORTS; p++) {
		if (!ref->count[p]) {
			ref->seg[p] = -ENOENT;
			continue;
		}
		if (p == 0 || !ref->count[p - 1] ||
		    ref->tag[p] != ref->tag[p - 1]) {
			ref->seg_first[ref->nsegs] = p;
			ref->nsegs++;
		}
		ref->seg[p] = ref->nsegs - 1;
		ref->seg_last[ref->nsegs - 1] = p;
	}
}

/*
 * Compare @m with @ref everywhere. Returns 0 if they agree, otherwise
 * describes the first difference in @why and returns -1.
 */
static int check_map(const struct sfb_portmap *m, const struct ref *ref,
		     char *why, size_t len)
{
	uint32_t p, s;
	u16 first, last;
	int ret;

	for (p = 0; p < NPORTS; p++) {
		bool in = sfb_portmap_contains(m, p);
		int seg = sfb_portmap_segment(m, p);
		bool want = ref->count[p] > 0;

		if (in != want) {
			snprintf(why, len, "contains(%u) = %d, want %d", p, in,
				 want);
			return -1;
		}
		if (seg != ref->seg[p]) {
			snprintf(why, len, "segment(%u) = %d, want %d", p, seg,
				 ref->seg[p]);
			return -1;
		}
	}
	if (sfb_portmap_nsegments(m) != ref->nsegs) {
		snprintf(why, len, "nsegments = %u, want %u",
			 sfb_portmap_nsegments(m), ref->nsegs);
		return -1;
	}
	for (s = 0; s < ref->nsegs; s++) {
		ret = sfb_portmap_segment_bounds(m, s, &first, &last);
		if (ret || first != ref->seg_first[s] ||
		    last != ref->seg_last[s]) {
			snprintf(why, len,
				 "segment_bounds(%u) = %d %u-%u, want 0 %u-%u",
				 s, ret, first, last, ref->seg_first[s],
				 ref->seg_last[s]);
			return -1;
		}
	}
	ret = sfb_portmap_segment_bounds(m, ref->nsegs, &first, &last);
	if (ret != -ENOENT) {
		snprintf(why, len, "segment_bounds(nsegs) = %d, want -ENOENT",
			 ret);
		return -1;
	}
	return 0;
}

/* ---- random range sets ---- */

enum shape {
	SHAPE_EMPTY,
	SHAPE_ONE,		/* one range, any length */
	SHAPE_FEW,		/* 2..8 ranges, any length */
	SHAPE_MANY,		/* 100..2000 mostly short ranges */
	SHAPE_CLUSTER,		/* many ranges crammed into a small window */
	SHAPE_TILES,		/* adjacent ranges tiling a window, shuffled */
	SHAPE_EDGES,		/* ranges at and around 0 and 65535 */
	SHAPE_SINGLES,		/* every port its own range, shuffled */
	SHAPE_ALTERNATE,	/* every other port, shuffled */
	SHAPE_FULL,		/* 0-65535, sometimes with others on top */
	SHAPE_MIX,		/* several of the above together */
};

struct set {
	struct sfb_port_range *r;
	uint32_t n, cap;
};

static void push(struct set *s, uint32_t first, uint32_t last)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->r = realloc(s->r, s->cap * sizeof(*s->r));
		if (!s->r)
			abort();
	}
	s->r[s->n].first = first;
	s->r[s->n].last = last;
	s->n++;
}

/* a range starting anywhere, with a length from a spread of scales */
static void push_random(struct set *s, uint32_t maxlen)
{
	uint32_t first = rnd(NPORTS);
	uint32_t len = 1 + rnd(1 + rnd(maxlen));

	push(s, first, first + len - 1 < NPORTS ? first + len - 1 : NPORTS - 1);
}

static void shuffle(struct set *s)
{
	uint32_t i, j;
	struct sfb_port_range t;

	for (i = s->n; i > 1; i--) {
		j = rnd(i);
		t = s->r[i - 1];
		s->r[i - 1] = s->r[j];
		s->r[j] = t;
	}
}

static void gen(struct set *s, enum shape shape)
{
	uint32_t i, k, lo, w, p;

	switch (shape) {
	case SHAPE_EMPTY:
		break;
	case SHAPE_ONE:
		push_random(s, NPORTS);
		break;
	case SHAPE_FEW:
		for (k = 2 + rnd(7), i = 0; i < k; i++)
			push_random(s, rnd(2) ? 64 : NPORTS);
		break;
	case SHAPE_MANY:
		for (k = 100 + rnd(1901), i = 0; i < k; i++)
			push_random(s, rnd(100) ? 256 : NPORTS);
		break;
	case SHAPE_CLUSTER:
		w = 1 + rnd(300);
		lo = rnd(NPORTS - w + 1);
		for (k = 1 + rnd(200), i = 0; i < k; i++) {
			uint32_t a = lo + rnd(w), b = lo + rnd(w);

			push(s, a < b ? a : b, a < b ? b : a);
		}
		break;
	case SHAPE_TILES:
		w = 1 + rnd(2000);
		lo = rnd(NPORTS - w + 1);
		for (p = lo; p < lo + w; p += k) {
			k = 1 + rnd(rnd(2) ? 3 : 70);
			push(s, p, p + k - 1 < lo + w ? p + k - 1 : lo + w - 1);
		}
		shuffle(s);
		break;
	case SHAPE_EDGES:
		for (k = 1 + rnd(6), i = 0; i < k; i++) {
			uint32_t a = rnd(130), b = rnd(130);

			if (a > b) {
				w = a;
				a = b;
				b = w;
			}
			if (rnd(2))
				push(s, a, b);
			else
				push(s, NPORTS - 1 - b, NPORTS - 1 - a);
		}
		break;
	case SHAPE_SINGLES:
		for (p = 0; p < NPORTS; p++)
			push(s, p, p);
		shuffle(s);
		break;
	case SHAPE_ALTERNATE:
		for (p = rnd(2); p < NPORTS; p += 2)
			push(s, p, p);
		shuffle(s);
		break;
	case SHAPE_FULL:
		push(s, 0, NPORTS - 1);
		for (k = rnd(4), i = 0; i < k; i++)
			push_random(s, NPORTS);
		shuffle(s);
		break;
	case SHAPE_MIX:
		for (k = 2 + rnd(3), i = 0; i < k; i++)
			gen(s, rnd(2) ? SHAPE_CLUSTER :
				rnd(2) ? SHAPE_TILES :
				rnd(2) ? SHAPE_EDGES : SHAPE_FEW);
		shuffle(s);
		break;
	}
}

/*
 * Build @sets random range sets of the given shapes with build() and check
 * them against the reference; every 4th set is also built incrementally
 * (add() in two batches with a finish() in between) and must come out
 * identical.
 */
static void run_random(struct __test_metadata *_metadata, uint64_t salt,
		       const enum shape *shapes, unsigned int nshapes,
		       unsigned int sets)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	struct sfb_portmap *m2 = calloc(1, sizeof(*m2));
	struct ref *ref = calloc(1, sizeof(*ref));
	struct set s = { 0 };
	uint64_t seed = base_seed();
	unsigned int i;
	uint32_t j;
	char why[128];

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, m2);
	ASSERT_NE(NULL, ref);
	rng_state = seed ^ salt;
	TH_LOG("seed %#" PRIx64 " (SFB_SEED), %u sets", seed, sets);

	for (i = 0; i < sets; i++) {
		enum shape shape = shapes[i % nshapes];

		s.n = 0;
		gen(&s, shape);
		ASSERT_EQ(0, sfb_portmap_build(m, s.r, s.n));
		ref_build(ref, s.r, s.n);
		ASSERT_EQ(0, check_map(m, ref, why, sizeof(why))) {
			TH_LOG("set %u (shape %d, %u ranges): %s", i, shape,
			       s.n, why);
		}

		if (i % 4)
			continue;
		sfb_portmap_init(m2);
		for (j = 0; j < s.n / 2; j++)
			ASSERT_EQ(0, sfb_portmap_add(m2, s.r[j].first,
						     s.r[j].last));
		sfb_portmap_finish(m2);
		for (; j < s.n; j++)
			ASSERT_EQ(0, sfb_portmap_add(m2, s.r[j].first,
						     s.r[j].last));
		sfb_portmap_finish(m2);
		ASSERT_EQ(0, memcmp(m, m2, sizeof(*m)));
	}
	free(s.r);
	free(ref);
	free(m2);
	free(m);
}

/* ---- hand-written cases with known answers ---- */

struct seg {
	u16 first, last;
};

/* Build @r and check it against both the reference and @want. */
static void check_known(struct __test_metadata *_metadata,
			const struct sfb_port_range *r, uint32_t n,
			const struct seg *want, uint32_t nwant)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	struct ref *ref = calloc(1, sizeof(*ref));
	char why[128] = "";
	u16 first, last;
	uint32_t i;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, ref);
	ASSERT_EQ(0, sfb_portmap_build(m, r, n));
	ASSERT_EQ(nwant, sfb_portmap_nsegments(m));
	for (i = 0; i < nwant; i++) {
		ASSERT_EQ(0, sfb_portmap_segment_bounds(m, i, &first, &last));
		EXPECT_EQ(want[i].first, first);
		EXPECT_EQ(want[i].last, last);
		EXPECT_EQ((int)i, sfb_portmap_segment(m, want[i].first));
		EXPECT_EQ((int)i, sfb_portmap_segment(m, want[i].last));
		EXPECT_TRUE(sfb_portmap_contains(m, want[i].first));
		EXPECT_TRUE(sfb_portmap_contains(m, want[i].last));
	}
	ref_build(ref, r, n);
	EXPECT_EQ(0, check_map(m, ref, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	free(ref);
	free(m);
}

/* KNOWN(({ first, last }, ...), ({ seg first, seg last }, ...)) */
#define UNPAREN(...)	__VA_ARGS__
#define KNOWN(r, s) do { \
	const struct sfb_port_range _r[] = { UNPAREN r }; \
	const struct seg _s[] = { UNPAREN s }; \
	check_known(_metadata, _r, ARRAY_SIZE(_r), _s, ARRAY_SIZE(_s)); \
} while (0)

TEST(memory_is_fixed)
{
	EXPECT_EQ((size_t)18440, sizeof(struct sfb_portmap));
	EXPECT_EQ((size_t)SFB_PORTMAP_SIZE, sizeof(struct sfb_portmap));
}

TEST(empty)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	u16 first, last;

	ASSERT_NE(NULL, m);
	memset(m, 0xa5, sizeof(*m));
	ASSERT_EQ(0, sfb_portmap_build(m, NULL, 0));
	EXPECT_EQ(0U, sfb_portmap_nsegments(m));
	EXPECT_FALSE(sfb_portmap_contains(m, 0));
	EXPECT_FALSE(sfb_portmap_contains(m, 65535));
	EXPECT_EQ(-ENOENT, sfb_portmap_segment(m, 0));
	EXPECT_EQ(-ENOENT, sfb_portmap_segment(m, 65535));
	EXPECT_EQ(-ENOENT, sfb_portmap_segment_bounds(m, 0, &first, &last));
	free(m);
}

TEST(boundaries_0_and_65535)
{
	KNOWN(({ 65535, 65535 }, { 0, 0 }), ({ 0, 0 }, { 65535, 65535 }));
	KNOWN(({ 0, 65535 }), ({ 0, 65535 }));
	KNOWN(({ 65534, 65535 }, { 0, 1 }), ({ 0, 1 }, { 65534, 65535 }));
}

TEST(adjacent_ranges_stay_separate_segments)
{
	KNOWN(({ 21, 30 }, { 10, 20 }), ({ 10, 20 }, { 21, 30 }));
	/* across a 64-bit word boundary */
	KNOWN(({ 0, 63 }, { 64, 127 }), ({ 0, 63 }, { 64, 127 }));
	KNOWN(({ 63, 63 }, { 64, 64 }), ({ 63, 63 }, { 64, 64 }));
}

TEST(overlaps_split_into_segments)
{
	KNOWN(({ 10, 20 }, { 15, 30 }), ({ 10, 14 }, { 15, 20 }, { 21, 30 }));
	KNOWN(({ 100, 200 }, { 150, 160 }),
	      ({ 100, 149 }, { 150, 160 }, { 161, 200 }));
	KNOWN(({ 10, 20 }, { 10, 30 }), ({ 10, 20 }, { 21, 30 }));
	KNOWN(({ 10, 30 }, { 20, 30 }), ({ 10, 19 }, { 20, 30 }));
	/* duplicates add nothing */
	KNOWN(({ 5, 5 }, { 5, 5 }, { 5060, 5061 }, { 5060, 5061 }),
	      ({ 5, 5 }, { 5060, 5061 }));
	/* the seed's media ranges: audio, video, app sharing */
	KNOWN(({ 49152, 57500 }, { 57501, 65535 }, { 49152, 65535 }),
	      ({ 49152, 57500 }, { 57501, 65535 }));
	/* a gap between two ranges is not a segment */
	KNOWN(({ 1, 2 }, { 4, 5 }), ({ 1, 2 }, { 4, 5 }));
}

TEST(every_port_its_own_range)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	struct sfb_port_range *r = calloc(NPORTS, sizeof(*r));
	u16 first, last;
	uint32_t p;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, r);
	for (p = 0; p < NPORTS; p++) {
		r[p].first = NPORTS - 1 - p;
		r[p].last = r[p].first;
	}
	ASSERT_EQ(0, sfb_portmap_build(m, r, NPORTS));
	ASSERT_EQ((u32)SFB_PORTMAP_MAX_SEGMENTS, sfb_portmap_nsegments(m));
	for (p = 0; p < NPORTS; p++) {
		ASSERT_EQ((int)p, sfb_portmap_segment(m, p));
		ASSERT_EQ(0, sfb_portmap_segment_bounds(m, p, &first, &last));
		ASSERT_EQ(p, first);
		ASSERT_EQ(p, last);
	}
	free(r);
	free(m);
}

TEST(alternating_ports)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	uint32_t p;

	ASSERT_NE(NULL, m);
	sfb_portmap_init(m);
	for (p = 0; p < NPORTS; p += 2)
		ASSERT_EQ(0, sfb_portmap_add(m, p, p));
	sfb_portmap_finish(m);
	ASSERT_EQ((u32)NPORTS / 2, sfb_portmap_nsegments(m));
	for (p = 0; p < NPORTS; p += 2) {
		ASSERT_TRUE(sfb_portmap_contains(m, p));
		ASSERT_FALSE(sfb_portmap_contains(m, p + 1));
		ASSERT_EQ((int)p / 2, sfb_portmap_segment(m, p));
		ASSERT_EQ(-ENOENT, sfb_portmap_segment(m, p + 1));
	}
	free(m);
}

TEST(invalid_ranges_leave_map_unchanged)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	struct sfb_portmap *copy = calloc(1, sizeof(*copy));
	const struct sfb_port_range good[] = { { 10, 20 } };
	const struct sfb_port_range bad[] = { { 1, 1 }, { 30, 29 } };

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, sfb_portmap_build(m, good, 1));
	memcpy(copy, m, sizeof(*m));

	EXPECT_EQ(-EINVAL, sfb_portmap_build(m, bad, 2));
	EXPECT_EQ(0, memcmp(copy, m, sizeof(*m)));
	EXPECT_EQ(-EINVAL, sfb_portmap_build(m, NULL, 1));
	EXPECT_EQ(0, memcmp(copy, m, sizeof(*m)));
	EXPECT_EQ(-EINVAL, sfb_portmap_add(m, 65535, 0));
	EXPECT_EQ(0, memcmp(copy, m, sizeof(*m)));
	free(copy);
	free(m);
}

/* The checker must notice a wrong map, or passing proves nothing. */
TEST(checker_catches_corruption)
{
	struct sfb_portmap *m = calloc(1, sizeof(*m));
	struct ref *ref = calloc(1, sizeof(*ref));
	const struct sfb_port_range r[] = { { 10, 20 }, { 15, 30 } };
	char why[128];

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, ref);
	ASSERT_EQ(0, sfb_portmap_build(m, r, 2));
	ref_build(ref, r, 2);
	ASSERT_EQ(0, check_map(m, ref, why, sizeof(why)));

	m->member[0] ^= (u64)1 << 31;		/* an extra port */
	EXPECT_EQ(-1, check_map(m, ref, why, sizeof(why)));
	m->member[0] ^= (u64)1 << 31;

	m->start[0] &= ~((u64)1 << 21);		/* merge two segments */
	sfb_portmap_finish(m);
	EXPECT_EQ(-1, check_map(m, ref, why, sizeof(why)));
	m->start[0] |= (u64)1 << 21;
	sfb_portmap_finish(m);

	ASSERT_EQ(0, check_map(m, ref, why, sizeof(why)));
	m->rank[0] = 1;				/* a wrong rank */
	EXPECT_EQ(-1, check_map(m, ref, why, sizeof(why)));
	free(ref);
	free(m);
}

/* ---- seeded random range sets: 5000 sets, 65536 ports each ---- */

TEST(random_small_sets)
{
	static const enum shape shapes[] = {
		SHAPE_EMPTY, SHAPE_ONE, SHAPE_FEW, SHAPE_FEW, SHAPE_EDGES,
		SHAPE_CLUSTER, SHAPE_TILES, SHAPE_FULL,
	};

	run_random(_metadata, 1, shapes, ARRAY_SIZE(shapes), 2600);
}

TEST(random_large_sets)
{
	static const enum shape shapes[] = {
		SHAPE_MANY, SHAPE_MIX, SHAPE_CLUSTER, SHAPE_TILES,
	};

	run_random(_metadata, 2, shapes, ARRAY_SIZE(shapes), 2000);
}

TEST(random_full_port_space)
{
	static const enum shape shapes[] = {
		SHAPE_SINGLES, SHAPE_ALTERNATE, SHAPE_FULL, SHAPE_MANY,
	};

	run_random(_metadata, 3, shapes, ARRAY_SIZE(shapes), 400);
}

TEST_HARNESS_MAIN
