/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An index over the rules composed so far for one role, so that composition
 * (config.c) finds a new rule's namesakes and the rules its ports overlap
 * without comparing it with every earlier rule: a role of n rules composes
 * in about n * (bucket size) steps instead of n * n.
 *
 * Rules are numbered 0, 1, ... in the order they were added, and both
 * lookups return them in that order, because lint messages name the
 * earliest rule first. By name: a hash table of chains. By ports: per
 * class, 256 buckets of 256 ports keyed by the first port, each with the
 * highest last port it holds, so a query visits only buckets that can
 * overlap and merges them in rule order.
 */
#ifndef SFB_RULE_INDEX_H
#define SFB_RULE_INDEX_H

#include <stddef.h>

#include "config.h"

#define SFB_RULE_INDEX_END ((size_t)-1)
#define SFB_RULE_INDEX_BUCKETS 256

struct sfb_arena;
struct sfb_rule_index;

/* An index for up to @cap rules, all of it in @a; @list is where they are. */
struct sfb_rule_index *sfb_rule_index_new(struct sfb_arena *a,
					  const struct sfb_conf_rule *list,
					  size_t cap);
/* Index list[@j], the rule after the last one added. */
void sfb_rule_index_add(struct sfb_rule_index *x, size_t j);

/* The first rule named @name, or SFB_RULE_INDEX_END; then the next one. */
size_t sfb_rule_index_named(const struct sfb_rule_index *x, const char *name);
size_t sfb_rule_index_next_named(const struct sfb_rule_index *x, size_t j);

/* Rules of one class whose ports overlap a range, in rule order. */
struct sfb_rule_overlaps {
	const struct sfb_rule_index *x;
	struct sfb_range ports;
	size_t n;
	size_t head[SFB_RULE_INDEX_BUCKETS];	/* per bucket that may overlap */
};

void sfb_rule_overlaps_begin(struct sfb_rule_overlaps *it,
			     const struct sfb_rule_index *x,
			     enum sfb_class class, struct sfb_range ports);
/* The next overlapping rule, or SFB_RULE_INDEX_END. */
size_t sfb_rule_overlaps_next(struct sfb_rule_overlaps *it);

#endif
