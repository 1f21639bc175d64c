/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy in force, whichever backend holds it, for show, stats, match
 * and report: nf_sfb's ruleset if the module holds one, else table inet
 * sfb if sfbctl installed it (nft_state.h), else nf_sfb's empty state if
 * the module is loaded. Load removes one backend's policy once the other's
 * is in force, so at most one holds one.
 */
#ifndef SFBCTL_LOADED_H
#define SFBCTL_LOADED_H

#include "dump.h"
#include "netlink.h"
#include "nft_state.h"
#include "targets.h"

struct sfb_loaded {
	/*
	 * Neither backend holds a policy, though nf_sfb is loaded: show,
	 * stats and match all say "no ruleset is loaded", which is not an
	 * error (exit 0; JSON "loaded": false).
	 */
	bool none;
	struct sfb_nl *nl;	/* nf_sfb's: the caller reads the ruleset */
	bool nft;		/* table inet sfb's, read into the rest: */
	struct sfb_nft_state state;
	struct sfb_config *cfg;
	struct sfb_targets t;
	struct sfb_dump rs;	/* the ruleset, as a module dump would be */
	struct sfb_stats st;	/* its targets as GET_STATS has them, no counts */
};

/* An sfbctl exit code; 3 (said on stderr) if neither backend is there. */
int sfb_loaded_find(struct sfb_loaded *l);
void sfb_loaded_free(struct sfb_loaded *l);
/*
 * The counters of the policy found (not @l->none) into @l->st: per target,
 * by class and per segment (attribute them with sfb_attribute). @zero: then
 * zero them (nft reads and zeroes each at once; nf_sfb loses what it
 * counts between its dump and the zeroing). An sfbctl exit code.
 */
int sfb_loaded_counters(struct sfb_loaded *l, bool zero);
/* What stats and match print when @l->none: "no ruleset is loaded". */
void sfb_loaded_print_none(void);

#endif
