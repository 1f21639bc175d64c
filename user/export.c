// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export: write a configuration in another format. The writers are
 * in export_report.c (csv, markdown) and export_*.c; this file is the command
 * line around them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export_ipset.h"
#include "export_iptables.h"
#include "export_nft.h"
#include "export_xfrm.h"
#include "export_report.h"
#include "sfbctl.h"

/* Every --role must name a role of @cfg; say which does not, and why. */
static bool roles_known(const struct sfb_config *cfg, const char **roles,
			const char *file)
{
	const char **names = calloc(cfg->n_roles + 1, sizeof(*names));
	bool ok = true;

	if (!names) {
		fprintf(stderr, "sfb: out of memory\n");
		return false;
	}
	for (size_t i = 0; i < cfg->n_roles; i++)
		names[i] = cfg->roles[i].name;
	for (; *roles; roles++) {
		const char *hint;

		if (sfb_config_role(cfg, *roles))
			continue;
		hint = sfb_suggest(*roles, names, cfg->n_roles);
		fprintf(stderr, "sfb: export: %s defines no role '%s'%s%s%s\n",
			file, *roles, hint ? "; did you mean '" : "",
			hint ? hint : "", hint ? "'?" : "");
		ok = false;
	}
	free(names);
	return ok;
}

/* The formats that write the whole policy; csv and markdown are reports. */
static const char *const policy_formats[] = {
	"nft", "ipset", "iptables", "ip6tables", "xfrm",
};

static bool is_policy_format(const char *format)
{
	for (size_t i = 0; i < sizeof(policy_formats) / sizeof(*policy_formats); i++)
		if (!strcmp(format, policy_formats[i]))
			return true;
	return false;
}

static int export_policy(const struct sfb_config *cfg, const char *format,
			 const char *file)
{
	struct sfb_targets t = { 0 };
	char err[128];
	bool ok = true;

	if (!strcmp(format, "xfrm"))
		ok = sfb_export_xfrm(cfg, file, stdout, err, sizeof(err));
	else if (!sfb_targets_build(cfg, &t, err, sizeof(err)))
		ok = false;
	else if (!strcmp(format, "nft"))
		sfb_export_nft(cfg, &t, file, stdout);
	else if (!strcmp(format, "ipset"))
		ok = sfb_export_ipset(cfg, &t, file, stdout, err, sizeof(err));
	else
		sfb_export_iptables(cfg, &t, !strcmp(format, "iptables") ?
				    SFB_FAM_IPV4 : SFB_FAM_IPV6, file, stdout);
	if (!ok)
		fprintf(stderr, "sfb: export: %s: %s\n", file, err);
	if (strcmp(format, "xfrm"))
		sfb_targets_free(&t);
	return ok ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
}

int cmd_export(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "role", required_argument, NULL, 'r' },
		{ 0 }
	};
	const char *format = NULL, *file;
	const char **roles = calloc((size_t)argc, sizeof(*roles));
	struct sfb_config *cfg = NULL;
	struct sfb_diag *d = NULL;
	size_t n_roles = 0;
	int c, ret = SFBCTL_EXIT_ERROR;

	if (!roles) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	while ((c = getopt_long(argc, argv, "f:r:", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'r') {
			roles[n_roles++] = optarg;
		} else {
			free(roles);
			return usage_error(argv[0]);
		}
	}
	if (!format || optind != argc - 1) {
		free(roles);
		return usage_error(argv[0]);
	}
	file = argv[optind];
	if (strcmp(format, "csv") && strcmp(format, "markdown") &&
	    !is_policy_format(format)) {
		fprintf(stderr,
			"sfb: export: unknown format '%s' (use csv, markdown, nft, ipset, iptables, ip6tables or xfrm)\n",
			format);
		free(roles);
		return SFBCTL_EXIT_USAGE;
	}
	if (n_roles && is_policy_format(format)) {
		fprintf(stderr,
			"sfb: export: --role is for csv and markdown; %s writes the whole policy\n",
			format);
		free(roles);
		return SFBCTL_EXIT_USAGE;
	}
	d = sfb_diag_new();
	cfg = sfb_config_load(file, d);
	/* Lint is what check is for; export only says why it cannot export. */
	sfb_diag_print(d, stderr, true);
	if (cfg && roles_known(cfg, roles, file)) {
		/* No --role: the whole configuration. */
		const char *const *which = n_roles ? roles : NULL;

		if (!strcmp(format, "csv"))
			sfb_export_csv(cfg, which, stdout);
		else if (!strcmp(format, "markdown"))
			sfb_export_markdown(cfg, which, file, stdout);
		ret = is_policy_format(format) ?
			export_policy(cfg, format, file) : SFBCTL_EXIT_OK;
	}
	sfb_config_free(cfg);
	sfb_diag_free(d);
	free(roles);
	if (fflush(stdout) || ferror(stdout)) {
		perror("sfb: export: stdout");
		ret = SFBCTL_EXIT_ERROR;
	}
	return ret;
}
