/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ruleset as nf_sfb reports it (GET_RULESET, GET_STATS), decoded for
 * show, stats and match. The decoders read messages one at a time, so the
 * same code reads the load messages sfb_compile writes (their attributes
 * are the ones GET_RULESET returns), which lets tests compare a compiled
 * configuration with what show would print without a kernel.
 *
 * A role, or a target's segments, may come in several messages with the
 * same id; they add up.
 * Everything lives in the ruleset's arena.
 */
#ifndef SFB_DUMP_H
#define SFB_DUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "config.h"
#include "netlink.h"

#define SFB_DUMP_ANY_ROLE UINT32_MAX	/* an exempt's role: any */

struct sfb_dump_role {
	uint32_t id;
	const char *name;
	const char *description;	/* "" if none */
	struct sfb_conf_rule *rules;	/* name, class, protos, ports, transport */
	size_t n_rules, cap_rules;
};

struct sfb_dump_bind {
	uint32_t role;
	struct sfb_prefix prefix;
};

struct sfb_dump_exempt {
	const char *name;
	uint32_t from, to;	/* role ids, or SFB_DUMP_ANY_ROLE */
	uint8_t protos;
	struct sfb_range sport, dport;
};

struct sfb_count {
	uint64_t packets, bytes;
};

struct sfb_dump_segment {
	uint8_t proto;		/* one SFB_PROTO_* bit */
	uint8_t class;		/* enum sfb_class */
	struct sfb_range ports;
	struct sfb_count count;
};

struct sfb_dump_target {
	uint32_t id;
	const uint32_t *roles;
	size_t n_roles;
	struct sfb_count counters[SFB_CNT_MAX + 1];
	struct sfb_dump_segment *segs;
	size_t n_segs, cap_segs;
};

struct sfb_dump {
	bool loaded;		/* a policy was seen: there is a ruleset */
	bool nft;		/* the nft backend's (nft_state.h) */
	uint64_t generation;
	uint8_t mode;
	uint32_t mark[SFB_CLASS_COUNT];
	uint32_t log_rate;	/* 0: the load did not set it */
	bool log_nflog;		/* policy log group log_group */
	uint16_t log_group;
	const char *log_prefix;	/* NULL: none */
	struct sfb_dump_role *roles;	/* in the order they came */
	size_t n_roles, cap_roles;
	struct sfb_dump_bind *binds;
	size_t n_binds, cap_binds;
	struct sfb_dump_exempt *exempts;
	size_t n_exempts, cap_exempts;
	struct sfb_arena *arena;
};

struct sfb_stats {
	uint64_t generation;
	struct sfb_count counters[SFB_CNT_MAX + 1];	/* namespace: no target */
	struct sfb_dump_target *targets;
	size_t n_targets, cap_targets;
	struct sfb_arena *arena;
};

void sfb_dump_init(struct sfb_dump *rs);
void sfb_dump_free(struct sfb_dump *rs);
/* mnl_cb_t: decode one GET_RULESET or LOAD_* message into @data. */
int sfb_dump_feed(const struct nlmsghdr *nlh, void *data);
/* @txn's messages decoded as a dump of what it loads; false if one is not. */
bool sfb_dump_from_txn(const struct sfb_txn *txn, struct sfb_dump *rs);
const struct sfb_dump_role *sfb_dump_role(const struct sfb_dump *rs,
					  uint32_t id);

void sfb_stats_init(struct sfb_stats *st);
void sfb_stats_free(struct sfb_stats *st);
/* mnl_cb_t: decode one GET_STATS message into @data. */
int sfb_stats_feed(const struct nlmsghdr *nlh, void *data);
const struct sfb_dump_target *sfb_stats_target(const struct sfb_stats *st,
					       uint32_t id);

/*
 * Dump the ruleset and, if @st is not NULL, the counters, both of one
 * generation (retried while a commit interrupts). An sfbctl exit code.
 */
int sfb_fetch(struct sfb_nl *nl, struct sfb_dump *rs, struct sfb_stats *st);

/* Role @id's name; a made-up one for an id the ruleset lacks. */
const char *sfb_dump_role_name(const struct sfb_dump *rs, uint32_t id,
			       char *buf, size_t size);

/* The ruleset as sfb.conf(5) text that sfbctl check accepts (show.c). */
void sfb_dump_print_conf(const struct sfb_dump *rs, FILE *f);

/*
 * Per-rule counters of one target (attribute.c). Each segment counts for
 * every rule of @roles whose class is the segment's, whose protocols
 * include the segment's and whose ports contain the segment's; counts[i]
 * has an entry per rule of roles[i], zeroed by the caller. Sorts @segs.
 */
void sfb_attribute(const struct sfb_dump_role *const *roles, size_t n_roles,
		   struct sfb_dump_segment *segs, size_t n_segs,
		   struct sfb_count *const *counts);
/* The same for one rule and one protocol (SFB_PROTO_*), over sorted @segs. */
void sfb_segments_sort(struct sfb_dump_segment *segs, size_t n);
struct sfb_count sfb_rule_count(const struct sfb_conf_rule *r, uint8_t proto,
				const struct sfb_dump_segment *segs, size_t n);

#endif
