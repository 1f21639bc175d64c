// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for sfb.conf(5): lexer, parser, resolution and lint from
 * memory (where "include" is an error, so no file is ever read), then every
 * consumer of the result: diagnostics as text and JSON, both reports, the
 * compiler of load transactions, unlimited and under limits small enough
 * for inputs to reach them, and the nft export.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compile.h"
#include "config.h"
#include "diag.h"
#include "export_nft.h"
#include "export_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compile(const struct sfb_config *cfg,
		    const struct sfb_limits *lim)
{
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_txn txn = { 0 };

	sfb_compile(cfg, lim, false, d, &txn);
	sfb_txn_free(&txn);
	sfb_diag_free(d);
}

static void export_nft(const struct sfb_config *cfg, FILE *devnull)
{
	struct sfb_targets t = { 0 };
	char err[128];

	if (sfb_targets_build(cfg, &t, err, sizeof(err)))
		sfb_export_nft(cfg, &t, "fuzz.conf", devnull);
	sfb_targets_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct sfb_config *cfg;
	struct sfb_diag *d;
	json_t *json, *back;
	char *text;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull)
		return 0;
	d = sfb_diag_new();
	cfg = sfb_config_parse("fuzz.conf", (const char *)data, size, d);
	sfb_diag_print(d, devnull, false);
	/* Whatever bytes the messages quote, their JSON parses back. */
	json = sfb_diag_json(d);
	text = json_dumps(json, JSON_COMPACT);
	back = text ? json_loads(text, 0, NULL) : NULL;
	if (!back)
		abort();
	json_decref(back);
	free(text);
	json_decref(json);
	if (cfg) {
		const struct sfb_limits small = {
			.roles = 3, .services = 8, .bindings = 4,
			.exemptions = 2, .memory = 65536,
		};

		/* The whole report, and one about the last role alone. */
		const char *const last[] = {
			cfg->n_roles ? cfg->roles[cfg->n_roles - 1].name : NULL,
			NULL,
		};

		sfb_export_csv(cfg, NULL, devnull);
		sfb_export_markdown(cfg, NULL, "fuzz.conf", devnull);
		sfb_export_csv(cfg, last, devnull);
		sfb_export_markdown(cfg, last, "fuzz.conf", devnull);
		compile(cfg, NULL);
		compile(cfg, &small);
		export_nft(cfg, devnull);
	}
	sfb_config_free(cfg);
	sfb_diag_free(d);
	return 0;
}
