/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ruleset: what one network namespace loaded (policy, roles, bindings,
 * ipsec exemptions, kept as loaded for dumps) and what it compiles to for
 * the packet path (targets, address spans, port maps, counters).
 *
 * Life cycle: sfb_ruleset_create() at LOAD_BEGIN, sfb_ruleset_add_*() per
 * message, sfb_ruleset_compile() at COMMIT; from then on the object is
 * immutable except for its counters, is published with RCU and is freed
 * with sfb_ruleset_free_rcu(). All of it is charged to one memory budget.
 *
 * ruleset.c builds, compiles, reads and frees it (the control plane, under
 * the namespace's mutex); classify.c is the packet path (RCU readers, no
 * lock, no allocation), which SFB_CMD_MATCH also runs.
 */
#ifndef _NF_SFB_RULESET_H
#define _NF_SFB_RULESET_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

#include <sfb/addrmap.h>
#include <sfb/portmap.h>
#include <uapi/linux/sfb.h>

#include "compat.h"
#include "sfb.h"

/* L4 protocols, as indexes: the bit number of SFB_PROTO_*. */
enum { SFB_PI_TCP, SFB_PI_UDP, SFB_NPROTOS };

/*
 * Port maps of a target, per protocol. The first three are keyed by the
 * destination port and have per-segment counters; the last one is keyed by
 * the source port ("from ROLE" exemptions, applied to the source's target).
 */
enum sfb_map_kind {
	SFB_MAP_SERVICE = SFB_CLASS_SERVICE,
	SFB_MAP_MEDIA = SFB_CLASS_MEDIA,
	SFB_MAP_EXEMPT_DPORT = SFB_CLASS_EXEMPT,
	SFB_MAP_EXEMPT_SPORT,
	__SFB_MAP_MAX
};

/*
 * A port rule as loaded. Its name and transport tag, kept only for dumps,
 * are offsets in the ruleset's text pool: a rule takes 16 bytes and its
 * name's length, not two fixed 64-byte arrays.
 */
struct sfb_rule {
	u32 name;		/* offsets in sfb_ruleset.text */
	u32 transport;		/* "" if none */
	u16 first;		/* host order, inclusive */
	u16 last;
	u8 class;		/* SFB_CLASS_SERVICE or SFB_CLASS_MEDIA */
	u8 protos;		/* SFB_PROTO_* */
};

struct sfb_role {
	char name[SFB_NAME_MAX];	/* "" while the role is not loaded */
	char description[SFB_TEXT_MAX];
	struct sfb_rule *rules;
	u32 nrules;
	u32 cap;
};

/* Which optional attributes an exemption came with. */
#define SFB_EXEMPT_F_FROM	BIT(0)
#define SFB_EXEMPT_F_TO		BIT(1)
#define SFB_EXEMPT_F_SPORT	BIT(2)
#define SFB_EXEMPT_F_DPORT	BIT(3)
/* It constrains the source side (compiled into sport maps). */
#define SFB_EXEMPT_F_SRC_SIDE	BIT(4)

struct sfb_exempt {
	char name[SFB_NAME_MAX];
	u32 from_role;
	u32 to_role;
	struct sfb_port_range sport;	/* 0-65535 when absent */
	struct sfb_port_range dport;
	u8 protos;
	u8 flags;		/* SFB_EXEMPT_F_* */
};

/* Where denials are logged, besides the events (events.c). */
enum sfb_log {
	SFB_LOG_NONE,
	SFB_LOG_NFLOG,		/* nfnetlink_log, group log_group */
	SFB_LOG_KERNEL,		/* the kernel log, nf_log_syslog */
};

struct sfb_policy {
	u8 mode;		/* enum sfb_mode */
	u32 mark[__SFB_CLASS_MAX];
	u32 log_rate;		/* denial events per second and CPU; 0: not
				 * given, SFB_LOG_RATE_DEFAULT
				 */
	u8 log;			/* enum sfb_log */
	u16 log_group;		/* SFB_LOG_NFLOG's group */
	char log_prefix[SFB_LOG_PREFIX_MAX];	/* "" if none */
};

struct sfb_map {
	struct sfb_portmap *pm;	/* NULL: empty */
	u32 stat;		/* counter of segment 0 (counted kinds only) */
};

/* One distinct set of roles some address holds. */
struct sfb_target {
	u64 roles;		/* BIT(role id) */
	u32 stat;		/* first of its __SFB_CNT_MAX counters */
	/* false: no port rules, never dropped (sfb_ruleset_classify()) */
	bool enforce;
	struct sfb_map map[SFB_NPROTOS][__SFB_MAP_MAX];
};

struct sfb_stat {
	u64_stats_t packets;
	u64_stats_t bytes;
};

/*
 * A CPU's token bucket for denial events (events.c): credit in
 * nanoseconds, at most a second's; an event costs 1 s / log_rate. Zeroed
 * with the ruleset, it starts full.
 */
struct sfb_event_bucket {
	u64 stamp;		/* ktime_get_ns() of the last refill */
	u64 credit;
	u32 suppressed;		/* since this CPU's last event */
};

/*
 * A CPU's data: its event bucket and its counters, ruleset->nstats of
 * them; CPUs are ruleset->stats_stride apart.
 */
struct sfb_cpu_stats {
	struct u64_stats_sync sync;
	struct sfb_event_bucket events;
	struct sfb_stat s[];
};

struct sfb_ruleset {
	struct rcu_head rcu;
	u64 generation;		/* the namespace's, once in force */
	bool loggers;		/* holds policy.log's loggers (events.c) */
	size_t memory;		/* bytes charged */
	size_t budget;		/* bytes it may use in total */
	struct sfb_policy policy;

	/* as loaded */
	struct sfb_role role[SFB_MAX_ROLES];
	u32 nrules;
	/* the rules' names and tags, NUL-terminated; most tags are shared */
	char *text;
	u32 text_len;
	u32 text_cap;
	u32 last_transport;
	struct sfb_bind *binds;
	u32 nbinds;
	u32 binds_cap;
	struct sfb_exempt *exempts;
	u32 nexempts;
	u32 exempts_cap;

	/* compiled; spans per family, from the bindings (addrmap.h) */
	struct sfb_target *targets;
	u32 ntargets;
	struct sfb_span *spans[SFB_NFAMS];
	u32 nspans[SFB_NFAMS];
	/* any -> any exemptions, namespace-wide */
	struct sfb_map any_dport[SFB_NPROTOS];
	struct sfb_map any_sport[SFB_NPROTOS];
	/* some target has a sport map: look the source up */
	bool src_lookup;
	/* per CPU: struct sfb_cpu_stats, stats_stride bytes apart */
	void *stats;
	size_t stats_stride;
	u32 nstats;
};

/* A rule's name or transport tag (struct sfb_rule's offsets). */
static inline const char *sfb_rule_text(const struct sfb_ruleset *rs, u32 off)
{
	return rs->text + off;
}

/* What the packet path and SFB_CMD_MATCH know of a packet. */
struct sfb_packet {
	struct sfb_addr saddr;
	struct sfb_addr daddr;
	u8 fam;			/* SFB_FAM_* */
	u8 pi;			/* SFB_PI_* */
	u16 sport;		/* host order */
	u16 dport;
	bool new_flow;
	bool reply;		/* conntrack's reply direction */
};

struct sfb_result {
	const struct sfb_target *dst;	/* the bound destination, or NULL */
	const struct sfb_target *src;	/* the bound source, if looked up */
	int seg[__SFB_CLASS_MAX];	/* segment in dst's map, or -ENOENT */
	u32 classes;			/* BIT(enum sfb_class) */
	u32 mark;			/* bits to OR into skb->mark */
	bool src_exempt;		/* exempt by the source's target */
	u8 pi;
	u8 verdict;			/* enum sfb_verdict */
};

/* ruleset.c: the control plane. */
struct sfb_ruleset *sfb_ruleset_create(const struct sfb_policy *policy,
				       size_t budget);
void sfb_ruleset_free(struct sfb_ruleset *rs);
void sfb_ruleset_free_rcu(struct sfb_ruleset *rs);
u32 sfb_ruleset_alive(void);

void sfb_ruleset_set_role(struct sfb_ruleset *rs, u32 id, const char *name,
			  const char *description);
/* Add @rule (its ports, class, protocols) named @name, tag @transport. */
int sfb_ruleset_add_rule(struct sfb_ruleset *rs, u32 id, struct sfb_rule rule,
			 const char *name, const char *transport);
int sfb_ruleset_add_bind(struct sfb_ruleset *rs, const struct sfb_bind *bind);
int sfb_ruleset_add_exempt(struct sfb_ruleset *rs,
			   const struct sfb_exempt *exempt);
int sfb_ruleset_compile(struct sfb_ruleset *rs);

/* One port segment of a target's map, with its counter (GET_STATS). */
struct sfb_segment {
	u8 proto;		/* SFB_PROTO_* */
	u8 class;		/* SFB_CLASS_SERVICE, _MEDIA or _EXEMPT */
	u16 first;		/* host order, inclusive */
	u16 last;
	u64 packets;
	u64 bytes;
};

/*
 * Reading the compiled ruleset, for the dumps: a target's roles, its
 * counters (@target SFB_NS_COUNTERS: the namespace's) and its segments.
 */
#define SFB_NS_COUNTERS		U32_MAX
u64 sfb_ruleset_target_roles(const struct sfb_ruleset *rs, u32 target);
void sfb_ruleset_read_counter(const struct sfb_ruleset *rs, u32 target,
			      enum sfb_counter kind, u64 *packets,
			      u64 *bytes);
u32 sfb_ruleset_target_nsegments(const struct sfb_ruleset *rs, u32 target);
int sfb_ruleset_target_segment(const struct sfb_ruleset *rs, u32 target,
			       u32 i, struct sfb_segment *seg);
void sfb_ruleset_zero_stats(const struct sfb_ruleset *rs);

/* The id of target @t of @rs, as MATCH and GET_STATS report it. */
static inline u32 sfb_ruleset_target_id(const struct sfb_ruleset *rs,
					const struct sfb_target *t)
{
	return t - rs->targets;
}

/* classify.c: the packet path. */
const struct sfb_target *sfb_ruleset_lookup(const struct sfb_ruleset *rs,
					    u8 fam,
					    const struct sfb_addr *addr);
void sfb_ruleset_classify(const struct sfb_ruleset *rs,
			  const struct sfb_packet *pkt, struct sfb_result *res);
void sfb_ruleset_classify_to(const struct sfb_ruleset *rs,
			     const struct sfb_target *dst,
			     const struct sfb_packet *pkt,
			     struct sfb_result *res);
bool sfb_ruleset_denies_new(const struct sfb_target *dst,
			    const struct sfb_packet *pkt);
void sfb_ruleset_count(const struct sfb_ruleset *rs,
		       const struct sfb_result *res, unsigned int len);
void sfb_ruleset_count_ns(const struct sfb_ruleset *rs,
			  enum sfb_counter kind, unsigned int len);

/*
 * Does @rs leave packets to unbound addresses alone? Only the ipsec-exempt
 * class applies to them: they gain no mark unless that class sets one, and
 * count nowhere unless a "from ROLE" rule looks their source up. Then the
 * packet path lets them go at the first test, unparsed: sfb polices bound
 * addresses, and a malformed packet to another is not its business.
 */
static inline bool sfb_ruleset_ignores_unbound(const struct sfb_ruleset *rs)
{
	return !rs->src_lookup && !rs->policy.mark[SFB_CLASS_EXEMPT];
}

static inline struct sfb_cpu_stats *
sfb_cpu_stats(const struct sfb_ruleset *rs, unsigned int cpu)
{
	return rs->stats + cpu * rs->stats_stride;
}

/* An address of @fam in network order (a packet's, an attribute's). */
static inline void sfb_addr_load(struct sfb_addr *addr, const void *bytes,
				 u8 fam)
{
	if (fam == SFB_FAM_IPV4) {
		addr->hi = 0;
		addr->lo = get_unaligned_be32(bytes);
	} else {
		addr->hi = get_unaligned_be64(bytes);
		addr->lo = get_unaligned_be64(bytes + 8);
	}
}

static inline void sfb_addr_store(const struct sfb_addr *addr, void *bytes,
				  u8 fam)
{
	if (fam == SFB_FAM_IPV4) {
		put_unaligned_be32(addr->lo, bytes);
	} else {
		put_unaligned_be64(addr->hi, bytes);
		put_unaligned_be64(addr->lo, bytes + 8);
	}
}

#endif /* _NF_SFB_RULESET_H */
