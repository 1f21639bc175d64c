// SPDX-License-Identifier: GPL-2.0
/*
 * Port-map lookup cost, native: the sfb core against the two usual ways of
 * matching a port against N ranges.
 *
 *   sfb      sfb_portmap_contains(): one bit test (this project's core)
 *   segment  sfb_portmap_segment(): the per-service index (bit test + rank)
 *   bsearch  binary search over sorted disjoint intervals (nft interval sets)
 *   branchless  the same search written without data-dependent branches
 *            (conditional moves): a stronger baseline than nft's, for
 *            fairness
 *   linear   scan of the ranges in order, first hit wins (xt_multiport,
 *            iptables rule lists)
 *
 * Range sets: for N ranges the port space is cut into N slots of
 * w = 65536 / N ports and range i covers the first max(w / 2, 1) ports of
 * slot i. So N = 32768 is every other port as a single-port range and
 * N = 65536 is every port its own range; bsearch and linear see exactly
 * these N intervals, sorted.
 *
 * Port streams (65536 ports, pre-generated from a fixed seed):
 *   hot      port 5061 only
 *   uniform  uniform over 0..65535
 *   rtp      90% in 49152-65535, 5% 5060-5061, 5% anywhere else
 *
 * Method: each sample runs one implementation over K ports of the stream
 * (K calibrated so a sample takes >= 2 ms, whole passes where possible),
 * summing the results into a value that is published after the loop so the
 * lookups cannot be optimised away. Every case is calibrated (which also
 * warms it up) first; then each round takes one sample of every case, so
 * noise from the machine (other jobs, a busy SMT sibling) spreads over all
 * cases alike; the reported figure is the median over the rounds, in ns
 * per lookup. Linear cases above N = 10000 whose estimated run time exceeds
 * a budget (-b) are skipped and reported as such.
 *
 * Output, one line per case:
 *   portmap impl=IMPL n=N mix=MIX ns=NS_PER_LOOKUP
 * followed by '#' lines with the goal ratios.
 *
 * Usage: portmap_bench [-r ROUNDS] [-c CPU] [-b SECONDS]
 *   -r  rounds (samples per case), default 31
 *   -c  pin the process to CPU
 *   -b  skip linear above N = 10000 if a case needs more than SECONDS,
 *       default 20
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sfb/portmap.h>

#define NPORTS		65536
#define STREAM_LEN	65536
#define SEED		0x5fb2015ull
#define HOT_PORT	5061
#define SAMPLE_NS	2000000.0	/* target time per sample */
#define MIN_LOOKUPS	256		/* fewest lookups per sample */
#define CASE_BUDGET_S	20.0		/* default for -b */

static double budget_s = CASE_BUDGET_S;
#define DEFAULT_ROUNDS	31

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint32_t ns_list[] = { 1, 10, 100, 1000, 10000, 32768, 65536 };
#define NN	ARRAY_SIZE(ns_list)

enum impl {
	IMPL_SFB, IMPL_SEGMENT, IMPL_BSEARCH, IMPL_BRANCHLESS, IMPL_LINEAR,
	NIMPL
};

static const char *const impl_name[NIMPL] = {
	"sfb", "segment", "bsearch", "branchless", "linear",
};

enum mix { MIX_HOT, MIX_UNIFORM, MIX_RTP, NMIX };
static const char *const mix_name[NMIX] = { "hot", "uniform", "rtp" };

/* one configured set of N ranges, in every representation */
struct rangeset {
	uint32_t n;
	struct sfb_port_range *r;	/* sorted, disjoint */
	uint16_t *first, *last;		/* the same, split for bsearch */
	struct sfb_portmap *map;
};

static uint64_t rng = SEED;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		perror("calloc");
		exit(1);
	}
	return p;
}

static void make_set(struct rangeset *s, uint32_t n)
{
	uint32_t i, w = NPORTS / n, len = w / 2 ? w / 2 : 1;

	s->n = n;
	s->r = xcalloc(n, sizeof(*s->r));
	s->first = xcalloc(n, sizeof(*s->first));
	s->last = xcalloc(n, sizeof(*s->last));
	s->map = xcalloc(1, sizeof(*s->map));
	for (i = 0; i < n; i++) {
		s->first[i] = i * w;
		s->r[i].first = s->first[i];
		s->last[i] = i * w + len - 1;
		s->r[i].last = s->last[i];
	}
	if (sfb_portmap_build(s->map, s->r, n)) {
		fprintf(stderr, "sfb_portmap_build failed\n");
		exit(1);
	}
}

static void make_stream(uint16_t *st, enum mix mix)
{
	uint32_t i, p, k;

	for (i = 0; i < STREAM_LEN; i++) {
		switch (mix) {
		case MIX_HOT:
			p = HOT_PORT;
			break;
		case MIX_UNIFORM:
			p = rnd64() % NPORTS;
			break;
		default:
			k = rnd64() % 100;
			if (k < 90) {
				p = 49152 + rnd64() % 16384;
			} else if (k < 95) {
				p = 5060 + rnd64() % 2;
			} else {
				do
					p = rnd64() % 49152;
				while (p == 5060 || p == 5061);
			}
		}
		st[i] = p;
	}
}

/* ---- the lookups, each in its own non-inlined loop ---- */

/* Keep the compiler from merging passes or dropping unused results. */
#define KEEP(x)	({ __asm__ volatile("" : "+r"(x)); })

static __attribute__((noinline)) uint64_t
run_sfb(const struct rangeset *s, const uint16_t *st, uint32_t len,
	uint32_t passes)
{
	const struct sfb_portmap *m = s->map;
	uint64_t sum = 0;
	uint32_t i;

	while (passes--) {
		for (i = 0; i < len; i++)
			sum += sfb_portmap_contains(m, st[i]);
		KEEP(sum);
	}
	return sum;
}

static __attribute__((noinline)) uint64_t
run_segment(const struct rangeset *s, const uint16_t *st, uint32_t len,
	    uint32_t passes)
{
	const struct sfb_portmap *m = s->map;
	uint64_t sum = 0;
	uint32_t i;

	while (passes--) {
		for (i = 0; i < len; i++)
			sum += (uint32_t)sfb_portmap_segment(m, st[i]);
		KEEP(sum);
	}
	return sum;
}

/* Sorted disjoint intervals: find the last one starting at or below p. */
static inline int bsearch_match(const uint16_t *first, const uint16_t *last,
				uint32_t n, uint16_t p)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (first[mid] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && p <= last[lo - 1];
}

static __attribute__((noinline)) uint64_t
run_bsearch(const struct rangeset *s, const uint16_t *st, uint32_t len,
	    uint32_t passes)
{
	uint64_t sum = 0;
	uint32_t i;

	while (passes--) {
		for (i = 0; i < len; i++)
			sum += bsearch_match(s->first, s->last, s->n, st[i]);
		KEEP(sum);
	}
	return sum;
}

/*
 * The same answer as bsearch_match(), but the loop runs log2(n) times
 * whatever the port and only the pointer update depends on the data.
 */
static inline int branchless_match(const uint16_t *first,
				   const uint16_t *last, uint32_t n,
				   uint16_t p)
{
	const uint16_t *b = first;
	uint32_t len = n, half, idx;

	if (!n)
		return 0;
	while (len > 1) {
		half = len / 2;
		b = b[half] <= p ? b + half : b;
		len -= half;
	}
	idx = (uint32_t)(b - first) + (*b <= p);	/* intervals at or below p */
	return idx && p <= last[idx - 1];
}

static __attribute__((noinline)) uint64_t
run_branchless(const struct rangeset *s, const uint16_t *st, uint32_t len,
	       uint32_t passes)
{
	uint64_t sum = 0;
	uint32_t i;

	while (passes--) {
		for (i = 0; i < len; i++)
			sum += branchless_match(s->first, s->last, s->n,
						st[i]);
		KEEP(sum);
	}
	return sum;
}

static inline int linear_match(const struct sfb_port_range *r, uint32_t n,
			       uint16_t p)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (p >= r[i].first && p <= r[i].last)
			return 1;
	return 0;
}

static __attribute__((noinline)) uint64_t
run_linear(const struct rangeset *s, const uint16_t *st, uint32_t len,
	   uint32_t passes)
{
	uint64_t sum = 0;
	uint32_t i;

	while (passes--) {
		for (i = 0; i < len; i++)
			sum += linear_match(s->r, s->n, st[i]);
		KEEP(sum);
	}
	return sum;
}

typedef uint64_t (*run_fn)(const struct rangeset *, const uint16_t *,
			   uint32_t, uint32_t);
static const run_fn runners[NIMPL] = {
	run_sfb, run_segment, run_bsearch, run_branchless, run_linear,
};

/* ---- timing ---- */

volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* K lookups per sample: @len ports of the stream, @passes times over. */
struct plan {
	uint32_t len, passes;
	int skip;
	double est_s;
};

/* ns per lookup of one sample; @round rotates partial slices */
static double sample(enum impl impl, const struct rangeset *s,
		     const uint16_t *st, const struct plan *pl, uint32_t round)
{
	uint32_t off = pl->len < STREAM_LEN ?
		(round * pl->len) % (STREAM_LEN - pl->len + 1) : 0;
	double t0, t1;

	t0 = now_ns();
	sink += runners[impl](s, st + off, pl->len, pl->passes);
	t1 = now_ns();
	return (t1 - t0) / ((double)pl->len * pl->passes);
}

static struct plan calibrate(enum impl impl, const struct rangeset *s,
			     const uint16_t *st, uint32_t rounds)
{
	struct plan pl = { MIN_LOOKUPS, 1, 0, 0 };
	double ns, t;

	/* warm up caches and branch predictors, then grow to SAMPLE_NS */
	for (;;) {
		ns = sample(impl, s, st, &pl, 0);
		ns = sample(impl, s, st, &pl, 0);
		t = ns * pl.len * pl.passes;
		if (t >= SAMPLE_NS)
			break;
		/* rough estimate first, so slow cases stop growing early */
		if (ns * MIN_LOOKUPS * rounds / 1e9 > budget_s)
			break;
		if (pl.len < STREAM_LEN)
			pl.len *= 2;
		else
			pl.passes *= 2;
	}
	pl.est_s = t * rounds / 1e9;
	/* only the O(N) baseline above N = 10000 may be skipped */
	pl.skip = impl == IMPL_LINEAR && s->n > 10000 && pl.est_s > budget_s;
	return pl;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* every case: its plan, its samples, its result (negative when skipped) */
static struct plan plans[NIMPL][NMIX][NN];
static double *samples[NIMPL][NMIX][NN];
static double results[NIMPL][NMIX][NN];

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-r ROUNDS] [-c CPU] [-b SECONDS]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct rangeset sets[NN];
	uint16_t *streams[NMIX];
	uint32_t rounds = DEFAULT_ROUNDS, r, k;
	int opt, cpu = -1;
	double t_start = now_ns();

	while ((opt = getopt(argc, argv, "r:c:b:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			if (!rounds)
				usage(argv[0]);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'b':
			budget_s = strtod(optarg, NULL);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (cpu >= 0) {
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(cpu, &cs);
		if (sched_setaffinity(0, sizeof(cs), &cs)) {
			perror("sched_setaffinity");
			return 1;
		}
	}

	for (k = 0; k < NN; k++)
		make_set(&sets[k], ns_list[k]);
	for (k = 0; k < NMIX; k++) {
		streams[k] = xcalloc(STREAM_LEN, sizeof(*streams[k]));
		make_stream(streams[k], k);
	}

	fprintf(stdout,
		"# portmap_bench: median of %u rounds, all cases interleaved, >= %.0f ms per sample, %s\n",
		rounds, SAMPLE_NS / 1e6,
		cpu >= 0 ? "pinned" : "not pinned");
	printf("# struct sfb_portmap: %zu bytes; stream: %u ports; seed %#llx\n",
	       sizeof(struct sfb_portmap), STREAM_LEN,
	       (unsigned long long)SEED);

	/* calibrate every case, then sample all of them round by round */
	for (int impl = 0; impl < NIMPL; impl++)
		for (int mix = 0; mix < NMIX; mix++)
			for (k = 0; k < NN; k++) {
				plans[impl][mix][k] =
					calibrate(impl, &sets[k], streams[mix],
						  rounds);
				samples[impl][mix][k] =
					xcalloc(rounds, sizeof(double));
			}
	for (r = 0; r < rounds; r++)
		for (int impl = 0; impl < NIMPL; impl++)
			for (int mix = 0; mix < NMIX; mix++)
				for (k = 0; k < NN; k++)
					if (!plans[impl][mix][k].skip)
						samples[impl][mix][k][r] =
							sample(impl, &sets[k],
							       streams[mix],
							       &plans[impl][mix][k],
							       r);

	for (int impl = 0; impl < NIMPL; impl++) {
		for (int mix = 0; mix < NMIX; mix++) {
			for (k = 0; k < NN; k++) {
				const struct plan *pl = &plans[impl][mix][k];

				if (pl->skip) {
					results[impl][mix][k] = -1;
					fprintf(stdout,
						"portmap impl=%s n=%u mix=%s skipped: too slow (estimated %.2g s > %.2g s budget)\n",
						impl_name[impl], ns_list[k],
						mix_name[mix], pl->est_s,
						budget_s);
					continue;
				}
				results[impl][mix][k] =
					median(samples[impl][mix][k], rounds);
				printf("portmap impl=%s n=%u mix=%s ns=%.3f\n",
				       impl_name[impl], ns_list[k],
				       mix_name[mix], results[impl][mix][k]);
			}
		}
	}

	/* goals: report, never assume */
	for (int mix = 0; mix < NMIX; mix++) {
		double lo = 1e300, hi = 0, x;

		for (k = 0; k < NN; k++) {
			x = results[IMPL_SFB][mix][k];
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		fprintf(stdout,
			"# sfb mix=%s: min %.3f max %.3f ns (goal <= 2): %s; max/min %.3f (goal <= 1.10): %s\n",
			mix_name[mix], lo, hi, hi <= 2 ? "met" : "MISSED",
			hi / lo, hi / lo <= 1.10 ? "met" : "MISSED");
	}
	for (int mix = 0; mix < NMIX; mix++) {
		double b = results[IMPL_BSEARCH][mix][4] /
			   results[IMPL_SFB][mix][4];
		double l = results[IMPL_LINEAR][mix][3] /
			   results[IMPL_SFB][mix][3];

		double c = results[IMPL_BRANCHLESS][mix][4] /
			   results[IMPL_SFB][mix][4];

		printf("# mix=%s: bsearch/sfb at n=10000 %.1fx", mix_name[mix], b);
		if (mix == MIX_UNIFORM)
			printf(" (goal >= 10x): %s", b >= 10 ? "met" : "MISSED");
		printf("; branchless/sfb at n=10000 %.1fx", c);
		printf("; linear/sfb at n=1000 %.1fx (goal >= 100x): %s\n", l,
		       l >= 100 ? "met" : "MISSED");
	}
	printf("# total run time %.1f s\n", (now_ns() - t_start) / 1e9);
	return 0;
}
