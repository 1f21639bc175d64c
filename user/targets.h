/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ruleset a configuration becomes, as nf_sfb builds it at commit
 * (kernel/ruleset.c), for the writers that express it without the module
 * (the nft export): the roles numbered as sfb_compile() sends them, each
 * family's address spans (include/sfb/addrmap.h, the same core code) and
 * the targets they lead to, numbered as the kernel numbers them, with their
 * ports merged into sorted, disjoint intervals per protocol and kind.
 */
#ifndef SFB_TARGETS_H
#define SFB_TARGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "config.h"
#include "sfb/addrmap.h"

/* Protocol indexes: bit i of SFB_PROTO_* is protocol i. */
#define SFB_NPROTOS 2

/* What a target's ports are for: the classes, then exempt source ports. */
enum sfb_port_kind {
	SFB_PORTS_SERVICE = SFB_CLASS_SERVICE,
	SFB_PORTS_MEDIA = SFB_CLASS_MEDIA,
	SFB_PORTS_EXEMPT_DPORT = SFB_CLASS_EXEMPT,	/* "to ROLE" */
	SFB_PORTS_EXEMPT_SPORT,				/* "from ROLE" */
	SFB_PORTS_OPEN,		/* service and media: what a new flow needs */
	SFB_NPORT_KINDS
};

struct sfb_ports {
	struct sfb_range *r;	/* sorted, disjoint, not adjacent */
	size_t n;
};

/*
 * A maximal port run covered by the same rules of a target (port rules and
 * "to ROLE" exempt rules), as nf_sfb counts packets per segment: a reader
 * attributes each run's packets to the rules that hold it.
 */
struct sfb_segment {
	struct sfb_range ports;
	uint8_t classes;	/* bit c: a rule of class c covers it */
};

struct sfb_target {
	uint64_t roles;		/* bit i: role id i */
	bool enforce;		/* some role has port rules: new flows policed */
	struct sfb_ports ports[SFB_NPROTOS][SFB_NPORT_KINDS];
	struct sfb_segment *segs[SFB_NPROTOS];	/* sorted */
	size_t n_segs[SFB_NPROTOS];
};

struct sfb_targets {
	struct sfb_role_ids ids;
	struct sfb_target *t;
	size_t n;
	/* Per family (SFB_FAM_*), sorted and disjoint: address -> target. */
	struct sfb_span *spans[SFB_NFAMS];
	size_t n_spans[SFB_NFAMS];
	/* Exempt rules of any role: by destination, by source port. */
	struct sfb_ports any_dport[SFB_NPROTOS];
	struct sfb_ports any_sport[SFB_NPROTOS];
	bool src_lookup;	/* a "from ROLE" rule: sources are looked up */
	struct sfb_arena *arena;	/* private: holds all of it */
};

/*
 * Build @t (zeroed by the caller) from @cfg. False, with the reason in
 * @err, if it binds more roles than a target can name (64, as the kernel).
 */
bool sfb_targets_build(const struct sfb_config *cfg, struct sfb_targets *t,
		       char *err, size_t err_size);
void sfb_targets_free(struct sfb_targets *t);

/* What nf_sfb's datapath does with the first packet of a flow (MATCH). */
struct sfb_targets_verdict {
	int dst, src;		/* target index; -1: the address is not bound */
	uint32_t classes;	/* bit c: class c */
	uint32_t mark;
	uint8_t verdict;	/* SFB_VERDICT_* */
};

/*
 * Classify a new flow's first packet as kernel/classify.c does, over @t,
 * @cfg's targets: @proto one SFB_PROTO_* bit, addresses of family @fam
 * (SFB_FAM_*) in network byte order.
 */
void sfb_targets_match(const struct sfb_config *cfg,
		       const struct sfb_targets *t, int fam, uint8_t proto,
		       const uint8_t *saddr, uint16_t sport,
		       const uint8_t *daddr, uint16_t dport,
		       struct sfb_targets_verdict *v);

/*
 * A core address of family @fam (SFB_FAM_*) to and from its network byte
 * order bytes (4 for IPv4, 16 for IPv6).
 */
void sfb_addr_to_bytes(const struct sfb_addr *a, int fam, uint8_t *b);
struct sfb_addr sfb_addr_from_bytes(const uint8_t *b, int fam);

/* @span of family @fam as nft writes it: "ADDR", "ADDR/LEN" or "ADDR-ADDR". */
#define SFB_SPAN_STRLEN (2 * 40 + 2)
const char *sfb_span_format(const struct sfb_span *span, int fam, char *buf,
			    size_t size);

#endif
