/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the nft backend installed, for show, stats and match: the kernel
 * keeps only table inet sfb, in which roles and rules have become merged
 * port sets. sfbctl load --backend nft records the configuration it
 * installed, as show prints it, with the handle of the table it made, in
 * this namespace's state file (runstate.h); a table with another handle
 * (replaced by `nft -f`, or /run emptied) is not described, only named.
 * The generation is nftables' own after the load's commit: it grows at
 * every change of the namespace's nftables ruleset.
 */
#ifndef SFBCTL_NFT_STATE_H
#define SFBCTL_NFT_STATE_H

#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "dump.h"
#include "runstate.h"

struct sfb_nft_state {
	struct sfb_runstate file;
	uint64_t generation;	/* 0: no state (nftables' start at 1) */
	uint64_t handle;	/* of the table it describes */
	char *text;		/* the file */
	const char *conf;	/* the configuration, in @text */
};

/* This namespace's state, if any (generation 0 if none). */
int sfb_nft_state_read(struct sfb_nft_state *st);

/*
 * After a load: @rs, the configuration installed as the table of handle
 * @handle, becomes the state, of @generation.
 */
int sfb_nft_state_write(struct sfb_nft_state *st, struct sfb_dump *rs,
			uint64_t handle, uint64_t generation);
int sfb_nft_state_remove(const struct sfb_nft_state *st);
void sfb_nft_state_free(struct sfb_nft_state *st);

/*
 * The policy in table inet sfb: its configuration into @cfg (NULL if there
 * is no table) and the state into @st. An sfbctl exit code; an error if
 * the table is not the one sfbctl installed last.
 */
int sfb_nft_in_force(struct sfb_nft_state *st, struct sfb_config **cfg,
		     struct sfb_diag *d);

/* @cfg as show and stats read a ruleset (generation @generation). */
int sfb_nft_decode(const struct sfb_config *cfg, uint64_t generation,
		   struct sfb_diag *d, struct sfb_dump *rs);

#endif
