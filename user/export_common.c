// SPDX-License-Identifier: GPL-2.0
/*
 * What the text exports and the reports share; see export_common.h.
 */
#include <ctype.h>
#include <string.h>

#include "export_common.h"

void sfb_export_head(FILE *f, const char *format, const char *source)
{
	fprintf(f, "# sfbctl %s export --format %s: ", SFB_VERSION, format);
	/* A file name in a comment line: printable bytes only. */
	for (; *source; source++)
		fputc(isprint((unsigned char)*source) ? *source : '?', f);
	fputc('\n', f);
}

void sfb_csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

/* Table cells cannot hold '|' unescaped. */
void sfb_md_cell(FILE *f, const char *s)
{
	fputs("| ", f);
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc(' ', f);
}
