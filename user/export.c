// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export: write a configuration in another format. The writers are
 * in export_report.c (csv, markdown) and export_*.c; this file is the command
 * line around them.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <getopt.h>
#include <stdio.h>
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
			 const char *file, FILE *f)
{
	struct sfb_targets t = { 0 };
	char err[128];
	bool ok = true;

	if (!strcmp(format, "xfrm"))
		ok = sfb_export_xfrm(cfg, file, f, err, sizeof(err));
	else if (!sfb_targets_build(cfg, &t, err, sizeof(err)))
		ok = false;
	else if (!strcmp(format, "nft"))
		sfb_export_nft(cfg, &t, file, f);
	else if (!strcmp(format, "ipset"))
		ok = sfb_export_ipset(cfg, &t, file, f, err, sizeof(err));
	else
		sfb_export_iptables(cfg, &t, !strcmp(format, "iptables") ?
				    SFB_FAM_IPV4 : SFB_FAM_IPV6, file, f);
	if (!ok)
		fprintf(stderr, "sfb: export: %s: %s\n", file, err);
	if (strcmp(format, "xfrm"))
		sfb_targets_free(&t);
	return ok ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
}

/*
 * The export's text, held in memory until it is whole. Not open_memstream:
 * glibc's drops what it cannot make room for without setting the stream's
 * error flag.
 */
struct held {
	char *buf;
	size_t len, cap;
	bool oom;
};

static ssize_t held_write(void *cookie, const char *s, size_t n)
{
	struct held *h = cookie;

	if (n > h->cap - h->len) {
		size_t cap = h->cap ? h->cap : 64 * 1024;
		char *bigger;

		while (cap - h->len < n)
			cap *= 2;
		bigger = realloc(h->buf, cap);
		if (!bigger) {
			h->oom = true;
			return -1;
		}
		h->buf = bigger;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	return n;
}

/*
 * Write @cfg in @format to standard output, whole or not at all: an
 * allocation failure half-way (sfb_oom() exits) must not leave half a
 * ruleset in a file an admin then feeds to nft -f.
 */
static int export_whole(const struct sfb_config *cfg, const char *format,
			const char *const *roles, const char *file)
{
	struct held h = { 0 };
	FILE *f = fopencookie(&h, "w", (cookie_io_functions_t){
		.write = held_write });
	int ret = SFBCTL_EXIT_OK;

	if (!f) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
	if (!strcmp(format, "csv"))
		sfb_export_csv(cfg, roles, f);
	else if (!strcmp(format, "markdown"))
		sfb_export_markdown(cfg, roles, file, f);
	else
		ret = export_policy(cfg, format, file, f);
	fclose(f);
	if (h.oom && ret == SFBCTL_EXIT_OK) {
		fprintf(stderr, "sfb: out of memory\n");
		ret = SFBCTL_EXIT_ERROR;
	}
	if (ret == SFBCTL_EXIT_OK)
		fwrite(h.buf, 1, h.len, stdout);
	free(h.buf);
	return ret;
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
		ret = export_whole(cfg, format, n_roles ? roles : NULL, file);
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
