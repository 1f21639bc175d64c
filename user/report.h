/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl report: the firewall report from real traffic. report.c gathers
 * it (the policy in force and its counters, loaded.h; the source rows of
 * a role file; the denials of an events file, report_events.c) into one
 * struct sfb_report, which report_print.c writes as text, markdown, CSV or
 * JSON (formats in sfbctl(8), REPORT).
 */
#ifndef SFB_REPORT_H
#define SFB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"

/* One rule of a bound role and one of its protocols, with its traffic. */
struct sfb_report_line {
	const char *role;
	const struct sfb_conf_rule *rule;	/* as loaded: name, class, ports */
	const char *rows;	/* from the role file, "T1.1,T1.38"; "" if none */
	uint8_t proto;		/* one SFB_PROTO_* bit */
	struct sfb_count count;	/* since the load or the last stats -z */
};

/* Denials of one (roles, protocol, destination port) tuple. */
struct sfb_denial {
	const char *roles;	/* the target's roles, "a,b"; "" if none */
	uint8_t proto;
	struct sfb_range dport;
	uint64_t count;
};

/* Which events count: all, from a time on, or after the last load event. */
enum sfb_since_kind { SFB_SINCE_ALL, SFB_SINCE_TIME, SFB_SINCE_LOAD };

struct sfb_since {
	enum sfb_since_kind kind;
	int64_t ns;		/* SFB_SINCE_TIME: UTC, ns since the epoch */
	const char *text;	/* as given */
};

struct sfb_denials {
	const char *file;	/* as named on the command line */
	struct sfb_since since;
	bool saw_load;		/* SFB_SINCE_LOAD: a load event was in the file */
	uint64_t itemised;	/* denial events counted */
	uint64_t suppressed;	/* denials the kernel did not send, before those */
	struct sfb_denial *v;	/* distinct tuples, most denied first */
	size_t n, cap;
	size_t *slot;		/* hash table over v: index + 1, 0 if empty */
	size_t n_slots;
	struct sfb_arena *arena;
};

struct sfb_report {
	bool nft;		/* the nft backend's policy, not nf_sfb's */
	uint64_t generation;
	uint8_t mode;		/* enum sfb_mode */
	const char *role_file;	/* where rows come from; NULL: none */
	struct sfb_report_line *lines;	/* bound roles, rules, protocols in order */
	size_t n_lines;
	struct sfb_denials *denials;	/* NULL: no --events */
	size_t top;		/* the denied tuples to list */
};

/*
 * Parse --since: "load", or an RFC 3339 UTC time
 * (2026-12-06T09:30:00.123Z; the Z may be left out; a date alone is its
 * midnight). False if it is neither.
 */
bool sfb_since_parse(const char *text, struct sfb_since *since);

/*
 * Read `sfbctl monitor -j` output from @d->file ("-": standard input) and
 * count the denials @d->since covers, by tuple, ranked. An sfbctl exit
 * code; a malformed line is "FILE:LINE: error: ..." on stderr.
 */
int sfb_denials_read(struct sfb_denials *d);
void sfb_denials_free(struct sfb_denials *d);

enum sfb_report_format {
	SFB_REPORT_TEXT, SFB_REPORT_MARKDOWN, SFB_REPORT_CSV, SFB_REPORT_JSON,
};

void sfb_report_print(const struct sfb_report *r, enum sfb_report_format fmt,
		      FILE *f);

#endif
