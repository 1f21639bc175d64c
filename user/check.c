// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl check: parse, resolve and lint a configuration without loading it.
 * Diagnostics go to stderr as text; -j adds a JSON summary on stdout.
 */
#include <getopt.h>
#include <string.h>

#include "compile.h"
#include "config.h"
#include "sfbctl.h"

static void json_roles(const struct sfb_config *cfg, FILE *f)
{
	fputc('[', f);
	for (size_t i = 0; i < cfg->n_roles; i++) {
		const struct sfb_conf_role *role = &cfg->roles[i];
		size_t count[SFB_CLASS_COUNT] = { 0 };

		for (size_t j = 0; j < role->n_rules; j++)
			count[role->rules[j].class]++;
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		sfb_json_string(f, role->name);
		fputs(",\"description\":", f);
		sfb_json_string(f, role->description);
		fputs(",\"extends\":[", f);
		for (size_t k = 0; k < role->n_extends; k++) {
			if (k)
				fputc(',', f);
			sfb_json_string(f, role->extends[k]->name);
		}
		fprintf(f, "],\"services\":%zu,\"media\":%zu}",
			count[SFB_CLASS_SERVICE], count[SFB_CLASS_MEDIA]);
	}
	fputc(']', f);
}

static void print_json(const char *file, const struct sfb_config *cfg,
		       const struct sfb_diag *d, FILE *f)
{
	fputs("{\"file\":", f);
	sfb_json_string(f, file);
	fprintf(f, ",\"valid\":%s,\"errors\":%u,\"warnings\":%u,\"notes\":%u",
		cfg ? "true" : "false", sfb_diag_count(d, SFB_ERROR),
		sfb_diag_count(d, SFB_WARNING), sfb_diag_count(d, SFB_NOTE));
	if (cfg) {
		fprintf(f, ",\"policy\":\"%s\",\"marks\":{",
			sfb_policy_name(cfg->mode));
		for (int c = 0; c < SFB_CLASS_COUNT; c++)
			fprintf(f, "%s\"%s\":%u", c ? "," : "",
				sfb_class_name((enum sfb_class)c), cfg->mark[c]);
		fputs("},\"roles\":", f);
		json_roles(cfg, f);
		fprintf(f, ",\"media_ranges\":%zu,\"ipsec_exempt\":%zu,\"bindings\":%zu",
			cfg->n_media_ranges, cfg->n_exempts, cfg->n_bindings);
	}
	fputs(",\"diagnostics\":", f);
	sfb_diag_print_json(d, f);
	fputs("}\n", f);
}

/*
 * What the module would refuse, as far as it can be known here: sfb_compile
 * builds the load transaction within the module's built-in limits (load
 * checks it against the limits the module reports; only the kernel can
 * judge its memory limit).
 */
static bool check_for_module(const struct sfb_config *cfg, struct sfb_diag *d)
{
	struct sfb_txn txn = { 0 };
	bool ok = sfb_compile(cfg, &sfb_builtin_limits, true, d, &txn);

	sfb_txn_free(&txn);
	return ok;
}

int cmd_check(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 }
	};
	struct sfb_config *cfg;
	struct sfb_diag *d;
	bool json = false, verbose = false, ok;
	const char *file;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jv", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'v')
			verbose = true;
		else
			return usage_error("check");
	}
	if (optind + 1 != argc)
		return usage_error("check");
	file = argv[optind];
	d = sfb_diag_new();
	sfb_diag_set_verbose(d, verbose);
	cfg = sfb_config_load(file, d);
	ok = cfg && check_for_module(cfg, d);
	sfb_diag_print(d, stderr, false);
	if (json)
		print_json(file, ok ? cfg : NULL, d, stdout);
	ret = ok ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
	sfb_config_free(cfg);
	sfb_diag_free(d);
	return ret;
}
