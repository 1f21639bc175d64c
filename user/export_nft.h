/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A configuration as an nftables ruleset: table inet sfb, which `nft -f`
 * loads in one transaction in place of any previous one, touching no
 * other table. It gives the verdicts and marks nf_sfb gives; what differs
 * is in sfbctl(8), under export.
 */
#ifndef SFB_EXPORT_NFT_H
#define SFB_EXPORT_NFT_H

#include <stdio.h>

#include "targets.h"

/* @t is @cfg's targets; @source names the file in a comment. */
void sfb_export_nft(const struct sfb_config *cfg, const struct sfb_targets *t,
		    const char *source, FILE *f);

#endif
