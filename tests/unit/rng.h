/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' deterministic PRNG (splitmix64) and seed: a fixed one,
 * printed by each test, or SFB_SEED=N from the environment to try others.
 */
#ifndef _SFB_TEST_RNG_H
#define _SFB_TEST_RNG_H

#include <stdint.h>
#include <stdlib.h>

#define DEFAULT_SEED	0x5fb2015u

static uint64_t rng_state;

static inline uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in 0..n-1, n >= 1 (modulo bias is irrelevant here) */
static inline uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rnd64() % n);
}

static inline uint64_t base_seed(void)
{
	const char *s = getenv("SFB_SEED");

	return s ? strtoull(s, NULL, 0) : DEFAULT_SEED;
}

#endif /* _SFB_TEST_RNG_H */
