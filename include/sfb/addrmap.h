/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfb address map: which set of roles each address holds.
 *
 * Bindings give roles to prefixes, which may nest and overlap in any way,
 * within and across roles. The address map is what they compile to: sorted,
 * disjoint spans (first..last, inclusive), each held by one target, a
 * distinct set of roles; an address in no span holds no role. A lookup is a
 * binary search over the spans of its family, O(log spans); the port maps of
 * a target (portmap.h) then answer per port in O(1).
 *
 * Compiling is a sweep. Each prefix is an interval of addresses, and gives
 * two events: its role starts at its first address and ends at the address
 * after its last (a prefix that runs to the family's last address has no
 * end). Sorted by address, the events cut the address space into elementary
 * intervals; a count per role of the prefixes covering the sweep position
 * gives each interval its set of roles (counts, not bits: a prefix nested in
 * another of the same role ends without ending the role). Intervals with no
 * role are dropped, adjacent intervals with the same set merge into one span,
 * and the distinct sets, sorted by their role bits, are numbered as targets.
 *
 * Example, IPv4, roles fe (bit 0) and edge (bit 1):
 *
 *   bindings   fe 10.0.0.0/24, edge 10.0.0.128/25,
 *              fe 10.0.1.0/24, fe 10.0.2.0/24
 *   events     10.0.0.0 +fe   10.0.0.128 +edge
 *              10.0.1.0 -fe -edge +fe   10.0.2.0 -fe +fe   10.0.3.0 -fe
 *   intervals  10.0.0.0-10.0.0.127    {fe}
 *              10.0.0.128-10.0.0.255  {fe, edge}
 *              10.0.1.0-10.0.1.255    {fe}
 *              10.0.2.0-10.0.2.255    {fe}     adjacent, same set: merged
 *   spans      10.0.0.0-10.0.0.127 -> 0, 10.0.0.128-10.0.0.255 -> 1,
 *              10.0.1.0-10.0.2.255 -> 0
 *   targets    0 = {fe} (0b01), 1 = {fe, edge} (0b11)
 *
 * Addresses are 128-bit host-order integers (struct sfb_addr), IPv4 in the
 * low 32 bits, so one sweep serves both families; the end after a prefix is
 * its last address plus one, with the carry from lo into hi.
 *
 * The core never allocates: sfb_addrmap_sweep() and sfb_addrmap_targets()
 * work in arrays the caller provides, sized by the number of bindings, and
 * free of any lock or global state. The kernel module builds rulesets with
 * them at commit; natively, tests/unit/addrmap_test.c checks them against
 * a brute-force model.
 */
#ifndef _SFB_ADDRMAP_H
#define _SFB_ADDRMAP_H

#include "compat.h"

/* Roles are bits of a u64 role set. */
#define SFB_ADDRMAP_MAX_ROLES	64

/* Address families, as indexes. */
enum { SFB_FAM_IPV4, SFB_FAM_IPV6, SFB_NFAMS };

/* An address in host byte order; IPv4 uses the low 32 bits of lo. */
struct sfb_addr {
	u64 hi;
	u64 lo;
};

/* Role @role holds every address of @addr/@prefixlen, family @fam. */
struct sfb_bind {
	struct sfb_addr addr;	/* canonical: no host bits set */
	u32 role;		/* < SFB_ADDRMAP_MAX_ROLES */
	u8 fam;			/* SFB_FAM_* */
	u8 prefixlen;		/* <= sfb_fam_bits(fam) */
};

/* Addresses first..last, inclusive, held by target @target. */
struct sfb_span {
	struct sfb_addr first;
	struct sfb_addr last;
	u32 target;
};

/* The sweep's scratch: a role starting or ending at an address. */
struct sfb_addr_event {
	struct sfb_addr at;
	u8 role;
	bool end;		/* the prefix ended just before @at */
};

static inline unsigned int sfb_fam_bits(u8 fam)
{
	return fam == SFB_FAM_IPV4 ? 32 : 128;
}

static inline int sfb_addr_cmp(const struct sfb_addr *a,
			       const struct sfb_addr *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/*
 * The host part of a /@prefixlen of @fam: its low bits - @prefixlen bits
 * set. sfb_host_mask(fam, 0) is the family's last address.
 */
struct sfb_addr sfb_host_mask(u8 fam, u8 prefixlen);

/* Does @addr/@prefixlen have no host bit set? */
bool sfb_prefix_is_canonical(const struct sfb_addr *addr, u8 fam,
			     u8 prefixlen);

/*
 * Sweep the bindings of family @fam among the @nbinds of @binds (others are
 * skipped) into spans: @span[i] gets first and last, @roles[i] its role
 * set; target is left for sfb_addrmap_targets(). @ev, @span and @roles have
 * room for two entries per binding of @fam. Returns the number of spans,
 * sorted, disjoint, and no two adjacent ones with the same role set.
 */
u32 sfb_addrmap_sweep(const struct sfb_bind *binds, u32 nbinds, u8 fam,
		      struct sfb_addr_event *ev, struct sfb_span *span,
		      u64 *roles);

/*
 * Number the distinct role sets among @roles[0..@n-1] in ascending order
 * into @uniq (room for @n), and set each @span[i].target to the number of
 * @roles[i]. Returns the number of targets.
 */
u32 sfb_addrmap_targets(struct sfb_span *span, const u64 *roles, u32 n,
			u64 *uniq);

/*
 * The index of the span among the @n sorted spans @span that contains
 * @addr, or -ENOENT. O(log n); inline, as the packet path runs it.
 */
static inline int sfb_addrmap_find(const struct sfb_span *span, u32 n,
				   const struct sfb_addr *addr)
{
	u32 lo = 0, hi = n;

	/* lo becomes the number of spans starting at or below @addr */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (sfb_addr_cmp(&span[mid].first, addr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || sfb_addr_cmp(addr, &span[lo - 1].last) > 0)
		return -ENOENT;
	return lo - 1;
}

#endif /* _SFB_ADDRMAP_H */
