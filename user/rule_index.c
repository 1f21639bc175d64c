// SPDX-License-Identifier: GPL-2.0
/*
 * The composition index (rule_index.h). Every array is sized for the
 * role's capacity up front, so adding never allocates.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "hash.h"
#include "rule_index.h"

#define NONE SFB_RULE_INDEX_END
#define BUCKET_PORTS (65536 / SFB_RULE_INDEX_BUCKETS)

struct bucket {
	size_t head, tail;	/* first and last rule, NONE if empty */
	uint16_t max_last;	/* highest last port in it */
};

struct sfb_rule_index {
	const struct sfb_conf_rule *list;
	size_t *slot;		/* hash table: first rule of a name, or NONE */
	size_t mask;
	size_t *next_named;	/* per rule: the next of its name */
	size_t *last_named;	/* per first rule of a name: its last */
	size_t *next_in_bucket;	/* per rule */
	/* composed rules are of these two classes */
	struct bucket bucket[SFB_CLASS_MEDIA + 1][SFB_RULE_INDEX_BUCKETS];
};

static size_t *end_filled(struct sfb_arena *a, size_t n)
{
	size_t *v = sfb_arena_array(a, n, sizeof(*v));

	memset(v, 0xff, n * sizeof(*v));
	return v;
}

struct sfb_rule_index *sfb_rule_index_new(struct sfb_arena *a,
					  const struct sfb_conf_rule *list,
					  size_t cap)
{
	struct sfb_rule_index *x = sfb_arena_alloc(a, sizeof(*x));
	size_t slots = 16;

	while (slots < 2 * cap)
		slots *= 2;
	x->list = list;
	x->slot = end_filled(a, slots);
	x->mask = slots - 1;
	x->next_named = end_filled(a, cap);
	x->last_named = end_filled(a, cap);
	x->next_in_bucket = end_filled(a, cap);
	for (size_t c = 0; c <= SFB_CLASS_MEDIA; c++)
		for (size_t b = 0; b < SFB_RULE_INDEX_BUCKETS; b++)
			x->bucket[c][b] = (struct bucket){ NONE, NONE, 0 };
	return x;
}

/* The slot holding @name's first rule, or the empty slot it would take. */
static size_t *find_slot(const struct sfb_rule_index *x, const char *name)
{
	size_t i = sfb_hash(SFB_HASH_INIT, name, strlen(name)) & x->mask;

	while (x->slot[i] != NONE && strcmp(x->list[x->slot[i]].name, name))
		i = (i + 1) & x->mask;
	return &x->slot[i];
}

void sfb_rule_index_add(struct sfb_rule_index *x, size_t j)
{
	const struct sfb_conf_rule *rule = &x->list[j];
	size_t *slot = find_slot(x, rule->name);
	struct bucket *b;

	if (*slot == NONE)
		*slot = j;
	else
		x->next_named[x->last_named[*slot]] = j;
	x->last_named[*slot] = j;

	b = &x->bucket[rule->class][rule->ports.first / BUCKET_PORTS];
	if (b->head == NONE)
		b->head = j;
	else
		x->next_in_bucket[b->tail] = j;
	b->tail = j;
	if (rule->ports.last > b->max_last)
		b->max_last = rule->ports.last;
}

size_t sfb_rule_index_named(const struct sfb_rule_index *x, const char *name)
{
	return *find_slot(x, name);
}

size_t sfb_rule_index_next_named(const struct sfb_rule_index *x, size_t j)
{
	return x->next_named[j];
}

void sfb_rule_overlaps_begin(struct sfb_rule_overlaps *it,
			     const struct sfb_rule_index *x,
			     enum sfb_class class, struct sfb_range ports)
{
	it->x = x;
	it->ports = ports;
	it->n = 0;
	/* A bucket starting above the range's end cannot overlap it. */
	for (size_t b = 0; b <= ports.last / BUCKET_PORTS; b++) {
		const struct bucket *bk = &x->bucket[class][b];

		if (bk->head != NONE && bk->max_last >= ports.first)
			it->head[it->n++] = bk->head;
	}
}

size_t sfb_rule_overlaps_next(struct sfb_rule_overlaps *it)
{
	const struct sfb_rule_index *x = it->x;

	while (it->n) {
		size_t min = 0, j;
		const struct sfb_conf_rule *rule;

		for (size_t k = 1; k < it->n; k++)
			if (it->head[k] < it->head[min])
				min = k;
		j = it->head[min];
		it->head[min] = x->next_in_bucket[j];
		if (it->head[min] == NONE)
			it->head[min] = it->head[--it->n];
		rule = &x->list[j];
		if (rule->ports.first <= it->ports.last &&
		    rule->ports.last >= it->ports.first)
			return j;
	}
	return NONE;
}
