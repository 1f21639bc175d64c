// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for sfb.conf(5): lexer, parser, resolution and lint from
 * memory (where "include" is an error, so no file is ever read), then every
 * consumer of the result: diagnostics as text and JSON, and both reports.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "diag.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct sfb_config *cfg;
	struct sfb_diag *d;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull)
		return 0;
	d = sfb_diag_new();
	cfg = sfb_config_parse("fuzz.conf", (const char *)data, size, d);
	sfb_diag_print(d, devnull, false);
	sfb_diag_print_json(d, devnull);
	if (cfg) {
		sfb_export_csv(cfg, devnull);
		sfb_export_markdown(cfg, "fuzz.conf", devnull);
	}
	sfb_config_free(cfg);
	sfb_diag_free(d);
	return 0;
}
