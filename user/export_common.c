// SPDX-License-Identifier: GPL-2.0
/*
 * What the text exports share; see export_common.h.
 */
#include <ctype.h>

#include "export_common.h"

void sfb_export_head(FILE *f, const char *format, const char *source)
{
	fprintf(f, "# sfbctl %s export --format %s: ", SFB_VERSION, format);
	/* A file name in a comment line: printable bytes only. */
	for (; *source; source++)
		fputc(isprint((unsigned char)*source) ? *source : '?', f);
	fputc('\n', f);
}
