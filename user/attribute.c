// SPDX-License-Identifier: GPL-2.0
/*
 * Per-rule counters from a target's per-segment ones (dump.h), for stats
 * and report. A segment is a port run covered by the same rules; it counts
 * for every rule that covers it, so overlapping rules each see the packets
 * both match.
 */
#include <stdlib.h>

#include "dump.h"

static int cmp_segment(const void *pa, const void *pb)
{
	const struct sfb_dump_segment *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->class != b->class)
		return a->class < b->class ? -1 : 1;
	return (a->ports.first > b->ports.first) - (a->ports.first < b->ports.first);
}

void sfb_segments_sort(struct sfb_dump_segment *segs, size_t n)
{
	if (n)
		qsort(segs, n, sizeof(*segs), cmp_segment);
}

/* The first segment not before (proto, class, first). */
static size_t lower_bound(const struct sfb_dump_segment *segs, size_t n,
			  uint8_t proto, uint8_t class, uint16_t first)
{
	const struct sfb_dump_segment key = { .proto = proto, .class = class,
					    .ports = { first, first } };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_segment(&segs[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Segments of one (proto, class) are disjoint: a rule's are consecutive. */
struct sfb_count sfb_rule_count(const struct sfb_conf_rule *r, uint8_t proto,
				const struct sfb_dump_segment *segs, size_t n)
{
	struct sfb_count count = { 0 };

	if (!(r->protos & proto))
		return count;
	for (size_t k = lower_bound(segs, n, proto, r->class, r->ports.first);
	     k < n && segs[k].proto == proto && segs[k].class == r->class &&
	     segs[k].ports.first <= r->ports.last; k++) {
		if (segs[k].ports.last > r->ports.last)
			continue;
		count.packets += segs[k].count.packets;
		count.bytes += segs[k].count.bytes;
	}
	return count;
}

void sfb_attribute(const struct sfb_dump_role *const *roles, size_t n_roles,
		   struct sfb_dump_segment *segs, size_t n_segs,
		   struct sfb_count *const *counts)
{
	sfb_segments_sort(segs, n_segs);
	for (size_t i = 0; i < n_roles; i++)
		for (size_t j = 0; j < roles[i]->n_rules; j++)
			for (uint8_t p = SFB_PROTO_TCP; p <= SFB_PROTO_UDP; p <<= 1) {
				struct sfb_count c = sfb_rule_count(&roles[i]->rules[j],
								    p, segs, n_segs);

				counts[i][j].packets += c.packets;
				counts[i][j].bytes += c.bytes;
			}
}
