/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A configuration's xfrm bypass policies, the ones `sfbctl load` installs
 * (xfrm.h), as `ip -batch` input: one "xfrm policy add" line per policy
 * that ip can state exactly, a comment for each it cannot (export_xfrm.c).
 */
#ifndef SFB_EXPORT_XFRM_H
#define SFB_EXPORT_XFRM_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* False, with the reason in @err and nothing written, if out of memory. */
bool sfb_export_xfrm(const struct sfb_config *cfg, const char *source,
		     FILE *f, char *err, size_t err_size);

#endif
