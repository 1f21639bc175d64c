// SPDX-License-Identifier: GPL-2.0
/*
 * The composition index (user/rule_index.h) against the comparison it
 * replaces: for seeded random rule lists (few names, so namesakes recur;
 * single ports, short and wide ranges, both classes), before each rule is
 * added, the rules it names and the rules its ports overlap must be
 * exactly those a scan of the whole list finds, in list order.
 *
 * Seed: fixed (printed); set SFB_SEED=N in the environment to try others.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "arena.h"
#include "rng.h"
#include "rule_index.h"

#define LISTS	200
#define MAX_N	600

static const char *const names[] = {
	"sip", "sip-tls", "web", "media", "rpc", "a", "b", "c", "d", "e",
};

static struct sfb_range random_range(void)
{
	uint16_t first, len;

	switch (rnd(4)) {
	case 0:			/* a single port */
		first = (uint16_t)rnd(65536);
		return (struct sfb_range){ first, first };
	case 1:			/* short, near a bucket edge at times */
		first = (uint16_t)(rnd(256) * 256 + rnd(8) - 4);
		len = (uint16_t)rnd(600);
		break;
	case 2:			/* anything */
		first = (uint16_t)rnd(65536);
		len = (uint16_t)rnd(65536);
		break;
	default:		/* ending at 65535 */
		first = (uint16_t)rnd(65536);
		return (struct sfb_range){ first, 65535 };
	}
	if (first + len > 65535)
		len = (uint16_t)(65535 - first);
	return (struct sfb_range){ first, (uint16_t)(first + len) };
}

/* Compare what the index says about @rule with a scan of list[0..n-1]. */
static int check_queries(struct __test_metadata *_metadata,
			 const struct sfb_rule_index *x,
			 const struct sfb_conf_rule *list, size_t n,
			 const struct sfb_conf_rule *rule)
{
	struct sfb_rule_overlaps it;
	size_t j = sfb_rule_index_named(x, rule->name);

	for (size_t k = 0; k < n; k++) {
		if (strcmp(list[k].name, rule->name))
			continue;
		EXPECT_EQ(k, j) return 1;
		j = sfb_rule_index_next_named(x, j);
	}
	EXPECT_EQ(SFB_RULE_INDEX_END, j) return 1;

	sfb_rule_overlaps_begin(&it, x, rule->class, rule->ports);
	j = sfb_rule_overlaps_next(&it);
	for (size_t k = 0; k < n; k++) {
		if (list[k].class != rule->class ||
		    list[k].ports.first > rule->ports.last ||
		    list[k].ports.last < rule->ports.first)
			continue;
		EXPECT_EQ(k, j) return 1;
		j = sfb_rule_overlaps_next(&it);
	}
	EXPECT_EQ(SFB_RULE_INDEX_END, j) return 1;
	return 0;
}

TEST(random_lists)
{
	static struct sfb_conf_rule list[MAX_N];
	uint64_t seed = base_seed();
	size_t queries = 0;

	rng_state = seed ^ 0x1de5;
	TH_LOG("seed %#" PRIx64 " (SFB_SEED), %d lists", seed, LISTS);
	for (int l = 0; l < LISTS; l++) {
		struct sfb_arena *a = sfb_arena_new();
		size_t n = 1 + rnd(MAX_N);
		struct sfb_rule_index *x = sfb_rule_index_new(a, list, n);

		for (size_t j = 0; j < n; j++) {
			struct sfb_conf_rule rule = {
				.name = names[rnd(sizeof(names) / sizeof(*names))],
				.class = rnd(2) ? SFB_CLASS_SERVICE : SFB_CLASS_MEDIA,
				.ports = random_range(),
			};

			queries++;
			if (check_queries(_metadata, x, list, j, &rule)) {
				TH_LOG("list %d, rule %zu", l, j);
				sfb_arena_free(a);
				return;
			}
			list[j] = rule;
			sfb_rule_index_add(x, j);
		}
		sfb_arena_free(a);
	}
	TH_LOG("%zu queries agreed with a scan", queries);
}

/* Lookups on an empty index find nothing, at both ends of the port space. */
TEST(empty)
{
	struct sfb_arena *a = sfb_arena_new();
	struct sfb_rule_index *x = sfb_rule_index_new(a, NULL, 0);
	struct sfb_rule_overlaps it;

	EXPECT_EQ(SFB_RULE_INDEX_END, sfb_rule_index_named(x, "sip"));
	sfb_rule_overlaps_begin(&it, x, SFB_CLASS_SERVICE,
				(struct sfb_range){ 0, 65535 });
	EXPECT_EQ(SFB_RULE_INDEX_END, sfb_rule_overlaps_next(&it));
	sfb_arena_free(a);
}

TEST_HARNESS_MAIN
