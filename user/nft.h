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
#include <stdint.h>

#include "targets.h"

/* A batch built, not yet sent. */
struct sfb_nft_batch;

/*
 * Build @cfg (@t its targets) as the batch that installs table inet sfb;
 * with @check_only, the kernel is to validate the whole batch and discard
 * it. Built before anything is sent, so that a load that runs out of
 * memory stops before it has changed anything (sfb_oom() exits). NULL,
 * "sfb: out of memory" printed, if it cannot be built.
 */
struct sfb_nft_batch *sfb_nft_prepare(const struct sfb_config *cfg,
				      const struct sfb_targets *t,
				      bool check_only);
/* Send @nb: an sfbctl exit code, one line printed on failure. */
int sfb_nft_send(struct sfb_nft_batch *nb);
void sfb_nft_batch_free(struct sfb_nft_batch *nb);
/* Remove table inet sfb if there is one. */
int sfb_nft_flush(void);

/*
 * The handle of table inet sfb into @handle, 0 if there is none. Each
 * load makes a new table, with a new handle. An sfbctl exit code; with
 * @quiet, nothing is printed.
 */
int sfb_nft_table_handle(uint64_t *handle, bool quiet);

/* nftables' ruleset generation in this namespace: +1 at every commit. */
int sfb_nft_generation(uint64_t *generation);

/*
 * Call @fn for each counter of table inet sfb; with @reset, each is read
 * and zeroed at once. An sfbctl exit code.
 */
int sfb_nft_counters(bool reset,
		     void (*fn)(const char *name, uint64_t packets,
				uint64_t bytes, void *data),
		     void *data);

#endif
