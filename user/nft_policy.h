/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy in nftables' terms: table inet sfb, its counters, sets, maps,
 * chains and rules, produced once (nft_policy.c) and written by an
 * emitter: as text for `nft -f` (export_nft.c), as libnftnl objects (nft.c).
 * The emitter gets objects in an order nft accepts: counters, sets and
 * maps, then chains, each chain's rules in order.
 *
 * Rules are few shapes; struct sfb_nft_rule says which parts a rule has,
 * in the order they are evaluated: conditions, one lookup, a counter, a
 * mark, a verdict; or a limited log, alone. A condition is one comparison per value (no anonymous
 * sets), so that `nft list` shows the same table whichever way it was
 * installed.
 */
#ifndef SFB_NFT_POLICY_H
#define SFB_NFT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "targets.h"

/* What a lookup reads: a port of a protocol, or an address. */
enum sfb_nft_key {
	SFB_NFT_NO_KEY,
	SFB_NFT_SPORT,		/* of @proto */
	SFB_NFT_DPORT,
	SFB_NFT_SADDR,		/* of @fam; the set is a verdict map */
	SFB_NFT_DADDR,
};

enum sfb_nft_verdict {
	SFB_NFT_CONTINUE,
	SFB_NFT_ACCEPT,
	SFB_NFT_DROP,
	SFB_NFT_RETURN,
	SFB_NFT_JUMP,		/* to @chain */
	SFB_NFT_GOTO,
};

/* A rule's conditions (SFB_NFT_IF_*), all of which must hold. */
#define SFB_NFT_IF_OTHER_PROTO	(1u << 0) /* neither TCP nor UDP */
#define SFB_NFT_IF_ESTABLISHED	(1u << 1) /* ct state established,related */
#define SFB_NFT_IF_REPLY	(1u << 2) /* ct direction reply */
#define SFB_NFT_IF_NOT_IKE	(1u << 3) /* UDP, neither port 500 nor 4500 */
#define SFB_NFT_IF_UDP_SPORT	(1u << 4) /* udp sport @port */
#define SFB_NFT_IF_UDP_DPORT	(1u << 5) /* udp dport @port */

struct sfb_nft_rule {
	unsigned int cond;		/* SFB_NFT_IF_* */
	uint16_t port;			/* SFB_NFT_IF_UDP_SPORT, _DPORT */
	enum sfb_nft_key key;		/* looked up in @set */
	unsigned int proto;		/* SFB_NFT_SPORT/DPORT: protocol index */
	int fam;			/* SFB_NFT_SADDR/DADDR: SFB_FAM_* */
	const char *set;
	bool objref;			/* @set maps the key to a counter */
	bool counter;
	const char *counter_name;	/* a named counter; NULL: none */
	bool stats_only;		/* counts for stats, decides nothing */
	uint32_t mark;			/* OR-ed into meta mark; 0: none */
	enum sfb_nft_verdict verdict;
	const char *chain;		/* SFB_NFT_JUMP, SFB_NFT_GOTO */
	const char *comment;		/* NULL: none */
	/*
	 * A rule of its own, before a target's drop: log as @log's policy
	 * says (NFLOG group, prefix), at most log-rate packets a second.
	 */
	const struct sfb_config *log;
};

/* The log-rate of @cfg: its own, or nf_sfb's default. */
static inline unsigned int sfb_nft_log_rate(const struct sfb_config *cfg)
{
	return cfg->log_rate ? cfg->log_rate : SFB_LOG_RATE_DEFAULT;
}

/* A base chain's hook; a regular chain has none (hook NULL). */
struct sfb_nft_hook {
	const char *type;		/* "filter", "route" */
	const char *hook;		/* "prerouting", "output" */
	int priority;
};

/* An element of an address map: @span to "verdict chain". */
struct sfb_nft_elem {
	const struct sfb_span *span;
	enum sfb_nft_verdict verdict;	/* SFB_NFT_JUMP or SFB_NFT_GOTO */
	const char *chain;
};

/*
 * The counters sfbctl stats reads (sfb_nft_counter_parse): per target "tN" (its
 * packets), "tN_drop" (dropped or would be), "tN_PROTO_sK" (segment K of
 * its PROTO segments, targets.h), and "other_proto".
 */
#define SFB_NFT_OTHER_PROTO "other_proto"

/*
 * A writer that cannot name counters (iptables: every rule counts) leaves
 * counter and counter_map NULL and skips the stats_only rules.
 */
struct sfb_nft_emitter {
	void *ctx;
	/* A named counter. */
	void (*counter)(void *ctx, const char *name);
	/* An interval map of ports to the counters @names (never empty). */
	void (*counter_map)(void *ctx, const char *name,
			    const struct sfb_segment *segs,
			    const char *const *names, size_t n);
	/* An interval set of ports (never empty). */
	void (*port_set)(void *ctx, const char *name, const struct sfb_ports *p);
	/* A verdict map of addresses of @fam (never empty). */
	void (*addr_map)(void *ctx, const char *name, int fam,
			 const struct sfb_nft_elem *e, size_t n);
	void (*chain_begin)(void *ctx, const char *name,
			    const struct sfb_nft_hook *hook, const char *comment);
	void (*rule)(void *ctx, const struct sfb_nft_rule *r);
	void (*chain_end)(void *ctx);
};

/* What a counter of the table counts: its name read back. */
enum sfb_nft_counter_kind {
	SFB_NFT_CNT_OTHER_PROTO,
	SFB_NFT_CNT_TARGET,		/* every packet to @target */
	SFB_NFT_CNT_DROP,		/* dropped, or would be in monitor mode */
	SFB_NFT_CNT_SEGMENT,		/* to @segment of @target's @proto */
};

struct sfb_nft_counter_id {
	enum sfb_nft_counter_kind kind;
	size_t target, segment;
	unsigned int proto;		/* protocol index */
};

/* False if @name is not one of the table's counters. */
bool sfb_nft_counter_parse(const char *name, struct sfb_nft_counter_id *id);

/* Emit @t, @cfg's targets, as table inet sfb's content. */
void sfb_nft_policy(const struct sfb_config *cfg, const struct sfb_targets *t,
		    const struct sfb_nft_emitter *e);

#endif
