// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export: write a configuration in another format. The writers are
 * in report.c; this file is the command line around them.
 */
#include <string.h>

#include "config.h"
#include "report.h"
#include "sfbctl.h"

int cmd_export(int argc, char *argv[])
{
	const char *format = NULL, *file = NULL;
	struct sfb_config *cfg;
	struct sfb_diag *d;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else if (argv[i][0] == '-' || file)
			return usage_error(argv[0]);
		else
			file = argv[i];
	}
	if (!format || !file)
		return usage_error(argv[0]);
	if (strcmp(format, "csv") && strcmp(format, "markdown")) {
		fprintf(stderr, "%s export: unknown format '%s' (use csv or markdown)\n",
			prog, format);
		return SFBCTL_EXIT_USAGE;
	}
	d = sfb_diag_new();
	cfg = sfb_config_load(file, d);
	/* Lint is what check is for; export only says why it cannot export. */
	sfb_diag_print(d, stderr, true);
	if (cfg) {
		if (!strcmp(format, "csv"))
			sfb_export_csv(cfg, stdout);
		else
			sfb_export_markdown(cfg, file, stdout);
	}
	ret = cfg ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
	sfb_config_free(cfg);
	sfb_diag_free(d);
	if (fflush(stdout) || ferror(stdout)) {
		perror("sfbctl export: stdout");
		ret = SFBCTL_EXIT_ERROR;
	}
	return ret;
}
