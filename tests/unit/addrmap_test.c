// SPDX-License-Identifier: GPL-2.0
/*
 * Address-map core against a brute-force model: the worked example of
 * addrmap.h, then thousands of seeded random sets of nested, duplicated,
 * adjacent and overlapping IPv4 and IPv6 prefixes, each compiled as the
 * module compiles a ruleset's bindings (sweep, then targets).
 *
 * The model shares nothing with the sweep: the roles of an address are the
 * OR of the roles of every binding whose prefix matches it, by masking.
 * Every set lives in a window of W address bits at bit position SHIFT from
 * the top, the bits above it a fixed base and the prefixes no longer than
 * SHIFT + W: the role set is then constant over each of the 2^W blocks of
 * the window, and the first and the last address of every block are looked
 * up (sfb_addrmap_find()) and checked, so every address of the reduced
 * width is. The windows: the top of each family (/0 and the family's last
 * address included), the low bits (host prefixes), and for IPv6 a window
 * across the two 64-bit halves (the carries from lo into hi). Besides the
 * lookups, the spans must be sorted, disjoint, and never two adjacent ones
 * with the same role set, and the targets distinct and ascending.
 *
 * Seed: fixed (printed); set SFB_SEED=N in the environment to try others.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rng.h"
#include <sfb/addrmap.h>

#define MAX_BINDS	40
#define WINDOW_BITS	8
#define NBLOCKS		(1u << WINDOW_BITS)

static __uint128_t to_u128(const struct sfb_addr *a)
{
	return (__uint128_t)a->hi << 64 | a->lo;
}

static struct sfb_addr from_u128(__uint128_t v)
{
	return (struct sfb_addr){ .hi = (u64)(v >> 64), .lo = (u64)v };
}

/* The network part of a /@len of a @bits-bit family, as a mask. */
static __uint128_t net_mask(unsigned int bits, unsigned int len)
{
	__uint128_t ones = bits == 128 ? ~(__uint128_t)0 : ((__uint128_t)1 << bits) - 1;

	if (!len)
		return 0;
	return ones & ~(((__uint128_t)1 << (bits - len)) - 1);
}

/* ---- the model ---- */

static u64 model_roles(const struct sfb_bind *b, unsigned int n, u8 fam,
		       __uint128_t addr)
{
	unsigned int bits = sfb_fam_bits(fam), i;
	u64 roles = 0;

	for (i = 0; i < n; i++) {
		__uint128_t m = net_mask(bits, b[i].prefixlen);

		if (b[i].fam == fam && (addr & m) == to_u128(&b[i].addr))
			roles |= 1ULL << b[i].role;
	}
	return roles;
}

/* ---- the compiled map, as the kernel builds it ---- */

struct compiled {
	struct sfb_addr_event ev[2 * MAX_BINDS];
	struct sfb_span span[2 * MAX_BINDS];
	u64 roles[2 * MAX_BINDS];
	u64 uniq[2 * MAX_BINDS];
	u32 n[SFB_NFAMS];
	u32 ntargets;
};

static void compile(struct compiled *c, const struct sfb_bind *b, u32 n)
{
	u32 fam, total = 0;

	for (fam = 0; fam < SFB_NFAMS; fam++) {
		c->n[fam] = sfb_addrmap_sweep(b, n, fam, c->ev,
					      c->span + total,
					      c->roles + total);
		total += c->n[fam];
	}
	c->ntargets = sfb_addrmap_targets(c->span, c->roles, total, c->uniq);
}

static const struct sfb_span *spans_of(const struct compiled *c, u8 fam)
{
	return fam == SFB_FAM_IPV4 ? c->span : c->span + c->n[SFB_FAM_IPV4];
}

/* The role set the map gives @addr of @fam: its span's target's. */
static u64 map_roles(const struct compiled *c, u8 fam, __uint128_t addr)
{
	struct sfb_addr a = from_u128(addr);
	int i = sfb_addrmap_find(spans_of(c, fam), c->n[fam], &a);

	return i < 0 ? 0 : c->uniq[spans_of(c, fam)[i].target];
}

/* Structure of the spans and targets; returns 0 or explains in @why. */
static int check_shape(const struct compiled *c, char *why, size_t len)
{
	u32 fam, i, off = 0;

	for (i = 1; i < c->ntargets; i++)
		if (c->uniq[i - 1] >= c->uniq[i]) {
			snprintf(why, len, "targets %u, %u not ascending", i - 1, i);
			return -1;
		}
	for (fam = 0; fam < SFB_NFAMS; fam++) {
		const struct sfb_span *s = c->span + off;

		for (i = 0; i < c->n[fam]; i++) {
			__uint128_t first = to_u128(&s[i].first), last = to_u128(&s[i].last);

			if (first > last || s[i].target >= c->ntargets ||
			    c->uniq[s[i].target] != c->roles[off + i] ||
			    !c->roles[off + i]) {
				snprintf(why, len, "fam %u span %u malformed", fam, i);
				return -1;
			}
			if (i && to_u128(&s[i - 1].last) >= first) {
				snprintf(why, len, "fam %u spans %u, %u overlap or unsorted",
					 fam, i - 1, i);
				return -1;
			}
			if (i && to_u128(&s[i - 1].last) + 1 == first &&
			    s[i - 1].target == s[i].target) {
				snprintf(why, len, "fam %u spans %u, %u not merged",
					 fam, i - 1, i);
				return -1;
			}
		}
		off += c->n[fam];
	}
	return 0;
}

/* ---- random sets in a window ---- */

struct window {
	u8 fam;
	unsigned int shift;	/* bits above the window, fixed to base */
	__uint128_t base;	/* those bits, in place */
};

static unsigned int window_low(const struct window *w)
{
	return sfb_fam_bits(w->fam) - w->shift - WINDOW_BITS;
}

/* The first address of block @x, and its last. */
static __uint128_t block_first(const struct window *w, u32 x)
{
	return w->base | (__uint128_t)x << window_low(w);
}

static __uint128_t block_last(const struct window *w, u32 x)
{
	return block_first(w, x) | (((__uint128_t)1 << window_low(w)) - 1);
}

static struct sfb_bind prefix_in(const struct window *w, u32 x,
				 unsigned int len, u32 role)
{
	__uint128_t m = net_mask(sfb_fam_bits(w->fam), len);

	return (struct sfb_bind){
		.addr = from_u128(block_first(w, x) & m),
		.role = role, .fam = w->fam, .prefixlen = len,
	};
}

/*
 * A random set: fresh prefixes, and prefixes made from earlier ones to get
 * the hard cases often: the same prefix with another role, one nested
 * inside, the adjacent sibling with the same role (spans to merge).
 */
static u32 gen(const struct window *w, struct sfb_bind *b)
{
	u32 n = 1 + rnd(rnd(4) ? 12 : MAX_BINDS), i;
	/* roles 0-3 mostly, so that sets repeat; 63 for the top bit */
	static const u32 roles[] = { 0, 1, 2, 3, 0, 1, 63 };

	for (i = 0; i < n; i++) {
		unsigned int len = w->shift + rnd(WINDOW_BITS + 1);
		u32 role = roles[rnd(ARRAY_SIZE(roles))];
		u32 x = rnd(NBLOCKS);

		if (i && rnd(2)) {
			const struct sfb_bind *p = &b[rnd(i)];
			u32 px = (u32)((to_u128(&p->addr) - w->base) >>
				       window_low(w));
			unsigned int plen = p->prefixlen;

			switch (rnd(3)) {
			case 0:		/* the same prefix, maybe another role */
				len = plen;
				x = px;
				break;
			case 1:		/* nested inside it */
				len = plen + rnd(w->shift + WINDOW_BITS - plen + 1);
				x = px | (x & ((1u << (w->shift + WINDOW_BITS - plen)) - 1));
				break;
			default:	/* its sibling, same role */
				if (plen == w->shift)
					break;
				len = plen;
				x = px ^ 1u << (w->shift + WINDOW_BITS - plen);
				role = p->role;
				break;
			}
		}
		b[i] = prefix_in(w, x, len, role);
	}
	return n;
}

static void run_windows(struct __test_metadata *_metadata, uint64_t salt,
			u8 fam, unsigned int shift, unsigned int sets)
{
	__uint128_t ones = net_mask(sfb_fam_bits(fam), sfb_fam_bits(fam));
	struct compiled *c = calloc(1, sizeof(*c));
	struct sfb_bind b[MAX_BINDS];
	uint64_t seed = base_seed();
	unsigned int set;
	char why[128];

	ASSERT_NE(NULL, c);
	rng_state = seed ^ salt;
	TH_LOG("seed %#" PRIx64 " (SFB_SEED), %u sets, IPv%c, window at bit %u",
	       seed, sets, fam == SFB_FAM_IPV4 ? '4' : '6', shift);

	for (set = 0; set < sets; set++) {
		struct window w = { .fam = fam, .shift = shift };
		u32 n, x;

		/* a random base, or the family's last block (all ones) */
		w.base = rnd(4) ? (__uint128_t)rnd64() << 64 | rnd64() : ones;
		w.base &= net_mask(sfb_fam_bits(fam), shift);
		n = gen(&w, b);
		compile(c, b, n);
		ASSERT_EQ(0, check_shape(c, why, sizeof(why))) {
			TH_LOG("set %u (%u bindings): %s", set, n, why);
		}
		ASSERT_EQ(0U, c->n[!fam]);
		for (x = 0; x < NBLOCKS; x++) {
			__uint128_t a[2] = { block_first(&w, x), block_last(&w, x) };
			unsigned int k;

			for (k = 0; k < 2; k++) {
				u64 want = model_roles(b, n, fam, a[k]);

				ASSERT_EQ(want, map_roles(c, fam, a[k])) {
					TH_LOG("set %u (%u bindings), block %u %s",
					       set, n, x, k ? "last" : "first");
				}
			}
		}
		/* just outside the window: nothing is bound there */
		if (block_first(&w, 0) != 0)
			ASSERT_EQ(0ULL, map_roles(c, fam, block_first(&w, 0) - 1));
		if (block_last(&w, NBLOCKS - 1) != ones)
			ASSERT_EQ(0ULL, map_roles(c, fam,
						  block_last(&w, NBLOCKS - 1) + 1));
	}
	free(c);
}

/* ---- tests ---- */

static struct sfb_bind v4(u32 a, unsigned int len, u32 role)
{
	return (struct sfb_bind){
		.addr = { .lo = a }, .role = role, .fam = SFB_FAM_IPV4,
		.prefixlen = len,
	};
}

#define IP4(a, b, c, d)	((u32)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* addrmap.h's example, span by span. */
TEST(worked_example)
{
	const struct sfb_bind b[] = {
		v4(IP4(10, 0, 0, 0), 24, 0), v4(IP4(10, 0, 0, 128), 25, 1),
		v4(IP4(10, 0, 1, 0), 24, 0), v4(IP4(10, 0, 2, 0), 24, 0),
	};
	const struct { u32 first, last, target; } want[] = {
		{ IP4(10, 0, 0, 0), IP4(10, 0, 0, 127), 0 },
		{ IP4(10, 0, 0, 128), IP4(10, 0, 0, 255), 1 },
		{ IP4(10, 0, 1, 0), IP4(10, 0, 2, 255), 0 },
	};
	struct compiled *c = calloc(1, sizeof(*c));
	u32 i;

	ASSERT_NE(NULL, c);
	compile(c, b, ARRAY_SIZE(b));
	ASSERT_EQ((u32)ARRAY_SIZE(want), c->n[SFB_FAM_IPV4]);
	ASSERT_EQ(0U, c->n[SFB_FAM_IPV6]);
	ASSERT_EQ(2U, c->ntargets);
	EXPECT_EQ(0x1ULL, c->uniq[0]);
	EXPECT_EQ(0x3ULL, c->uniq[1]);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(0ULL, c->span[i].first.hi);
		EXPECT_EQ((u64)want[i].first, c->span[i].first.lo);
		EXPECT_EQ((u64)want[i].last, c->span[i].last.lo);
		EXPECT_EQ(want[i].target, c->span[i].target);
	}
	free(c);
}

/* /0 and the last address: no end event, and nothing past it. */
TEST(whole_space)
{
	const struct sfb_bind b[] = {
		v4(0, 0, 5),
		{ .addr = { ~0ULL, ~0ULL }, .role = 6, .fam = SFB_FAM_IPV6,
		  .prefixlen = 128 },
	};
	struct compiled *c = calloc(1, sizeof(*c));

	ASSERT_NE(NULL, c);
	compile(c, b, ARRAY_SIZE(b));
	ASSERT_EQ(1U, c->n[SFB_FAM_IPV4]);
	EXPECT_EQ(0ULL, c->span[0].first.lo);
	EXPECT_EQ(0xffffffffULL, c->span[0].last.lo);
	ASSERT_EQ(1U, c->n[SFB_FAM_IPV6]);
	EXPECT_EQ(~0ULL, c->span[1].first.hi);
	EXPECT_EQ(~0ULL, c->span[1].first.lo);
	EXPECT_EQ(~0ULL, c->span[1].last.lo);
	EXPECT_EQ(1ULL << 5, map_roles(c, SFB_FAM_IPV4, 0xffffffff));
	EXPECT_EQ(1ULL << 6, map_roles(c, SFB_FAM_IPV6, ~(__uint128_t)0));
	EXPECT_EQ(0ULL, map_roles(c, SFB_FAM_IPV6, ~(__uint128_t)0 - 1));
	free(c);
}

TEST(no_bindings)
{
	struct sfb_addr a = { 0, 1 };
	struct compiled *c = calloc(1, sizeof(*c));

	ASSERT_NE(NULL, c);
	compile(c, NULL, 0);
	EXPECT_EQ(0U, c->n[SFB_FAM_IPV4] + c->n[SFB_FAM_IPV6]);
	EXPECT_EQ(0U, c->ntargets);
	EXPECT_EQ(-ENOENT, sfb_addrmap_find(c->span, 0, &a));
	free(c);
}

TEST(host_masks)
{
	struct sfb_addr m, a = { .lo = IP4(192, 0, 2, 0) };

	m = sfb_host_mask(SFB_FAM_IPV4, 0);
	EXPECT_EQ(0ULL, m.hi);
	EXPECT_EQ(0xffffffffULL, m.lo);
	m = sfb_host_mask(SFB_FAM_IPV6, 0);
	EXPECT_EQ(~0ULL, m.hi);
	EXPECT_EQ(~0ULL, m.lo);
	m = sfb_host_mask(SFB_FAM_IPV6, 64);
	EXPECT_EQ(0ULL, m.hi);
	EXPECT_EQ(~0ULL, m.lo);
	m = sfb_host_mask(SFB_FAM_IPV6, 60);
	EXPECT_EQ(0xfULL, m.hi);
	m = sfb_host_mask(SFB_FAM_IPV6, 128);
	EXPECT_EQ(0ULL, m.hi | m.lo);
	EXPECT_TRUE(sfb_prefix_is_canonical(&a, SFB_FAM_IPV4, 24));
	EXPECT_FALSE(sfb_prefix_is_canonical(&a, SFB_FAM_IPV4, 22));
}

TEST(random_ipv4_top)
{
	run_windows(_metadata, 1, SFB_FAM_IPV4, 0, 1500);
}

TEST(random_ipv4_hosts)
{
	run_windows(_metadata, 2, SFB_FAM_IPV4, 32 - WINDOW_BITS, 1500);
}

TEST(random_ipv6_top)
{
	run_windows(_metadata, 3, SFB_FAM_IPV6, 0, 1500);
}

TEST(random_ipv6_across_halves)
{
	run_windows(_metadata, 4, SFB_FAM_IPV6, 64 - WINDOW_BITS / 2, 1500);
}

TEST(random_ipv6_hosts)
{
	run_windows(_metadata, 5, SFB_FAM_IPV6, 128 - WINDOW_BITS, 1500);
}

TEST_HARNESS_MAIN
