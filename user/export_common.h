/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the text exports share: their first comment line; and the cells of
 * the reports' tables (export's and report's).
 */
#ifndef SFB_EXPORT_COMMON_H
#define SFB_EXPORT_COMMON_H

#include <stdbool.h>
#include <stdio.h>

/* "# sfbctl VERSION export --format FORMAT: SOURCE" and a line break. */
void sfb_export_head(FILE *f, const char *format, const char *source);

/* @s as a CSV field (RFC 4180 quoting), then ',' or, if @last, '\n'. */
void sfb_csv_field(FILE *f, const char *s, bool last);
/* "| @s " with '|' and '\\' escaped: a markdown table cell. */
void sfb_md_cell(FILE *f, const char *s);

#endif
