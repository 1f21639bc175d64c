/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nft backend: a policy installed as table inet sfb through libnftnl,
 * for hosts where nf_sfb cannot be loaded. The table is the one
 * `sfbctl export --format nft` writes (nft_policy.h), sent as one
 * nfnetlink batch: it replaces the previous table sfb atomically, or, if
 * the kernel refuses any part of it, changes nothing. Other tables are
 * never touched.
 */
#ifndef SFBCTL_NFT_H
#define SFBCTL_NFT_H

#include <stdbool.h>

#include "targets.h"

/*
 * Install @cfg (@t its targets) as table inet sfb; with @check_only, have
 * the kernel validate the whole batch and discard it. An sfbctl exit code,
 * one line printed on failure.
 */
int sfb_nft_load(const struct sfb_config *cfg, const struct sfb_targets *t,
		 bool check_only);
/* Remove table inet sfb if there is one. */
int sfb_nft_flush(void);

#endif
