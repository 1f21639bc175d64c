/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the text exports share: their first comment line.
 */
#ifndef SFB_EXPORT_COMMON_H
#define SFB_EXPORT_COMMON_H

#include <stdio.h>

/* "# sfbctl VERSION export --format FORMAT: SOURCE" and a line break. */
void sfb_export_head(FILE *f, const char *format, const char *source);

#endif
