/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A configuration as iptables rules: the nft export's policy
 * (nft_policy.h) translated rule by rule into chains SFB-... of the
 * mangle table, for `iptables-restore --noflush` (IPv4) or
 * `ip6tables-restore --noflush` (IPv6). The rules match the sets of the
 * ipset export (export_ipset.h). The shape, and why, is in
 * export_iptables.c.
 */
#ifndef SFB_EXPORT_IPTABLES_H
#define SFB_EXPORT_IPTABLES_H

#include <stdio.h>

#include "targets.h"

/* @fam: SFB_FAM_IPV4 for iptables, SFB_FAM_IPV6 for ip6tables. */
void sfb_export_iptables(const struct sfb_config *cfg,
			 const struct sfb_targets *t, int fam,
			 const char *source, FILE *f);

#endif
