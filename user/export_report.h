/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Firewall reports from a resolved configuration, as sfbctl export writes
 * them (formats documented in sfbctl(8)).
 */
#ifndef SFB_EXPORT_REPORT_H
#define SFB_EXPORT_REPORT_H

#include <stdio.h>

#include "config.h"

/*
 * Both reports are about @roles: NULL-terminated names, or NULL for all of
 * them. An ipsec-exempt rule belongs to the roles it names; one from any
 * to any applies to every role.
 */

/* One line per (role, rule, protocol); RFC 4180 quoting. */
void sfb_export_csv(const struct sfb_config *cfg, const char *const *roles,
		    FILE *f);
/* A report per role, like the seed's tables; @title names the source. */
void sfb_export_markdown(const struct sfb_config *cfg, const char *const *roles,
			 const char *title, FILE *f);

#endif
