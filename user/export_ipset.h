/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A configuration's ipsets: the sets the iptables and ip6tables exports
 * (export_iptables.h) match against, as input for `ipset restore`. Every
 * set is named sfb-...: a port set per nft set of the nft export
 * (nft_policy.h), bitmap:port, and an address set per target and family,
 * hash:net, holding the target's addresses as CIDR blocks.
 */
#ifndef SFB_EXPORT_IPSET_H
#define SFB_EXPORT_IPSET_H

#include <stdbool.h>
#include <stdio.h>

#include "targets.h"

/* ipset's names have at most 31 bytes; a set's spare has "-new" more. */
#define SFB_IPSET_NAME_MAX 32

/* The port set for the nft export's set @nft_name ("t0_tcp_open"...). */
void sfb_ipset_port_name(const char *nft_name, char buf[SFB_IPSET_NAME_MAX]);
/* The address set of target @target and family @fam (SFB_FAM_*). */
void sfb_ipset_addr_name(unsigned int target, int fam,
			 char buf[SFB_IPSET_NAME_MAX]);

/*
 * Write @cfg's sets (@t its targets) for `ipset restore`. False, with the
 * reason in @err and nothing written, if a set cannot be made.
 */
bool sfb_export_ipset(const struct sfb_config *cfg, const struct sfb_targets *t,
		      const char *source, FILE *f, char *err, size_t err_size);

#endif
