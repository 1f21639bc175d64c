// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl check: parse, resolve and lint a configuration without loading it.
 * Diagnostics go to stderr as text; -j adds a JSON summary on stdout.
 */
#include <getopt.h>

#include "compile.h"
#include "config.h"
#include "json.h"
#include "sfbctl.h"

static json_t *json_roles(const struct sfb_config *cfg)
{
	json_t *roles = json_array();

	for (size_t i = 0; i < cfg->n_roles; i++) {
		const struct sfb_conf_role *role = &cfg->roles[i];
		size_t count[SFB_CLASS_COUNT] = { 0 };
		json_t *extends = json_array();
		json_t *o;

		for (size_t j = 0; j < role->n_rules; j++)
			count[role->rules[j].class]++;
		for (size_t k = 0; k < role->n_extends; k++)
			json_array_append_new(extends,
					      sfb_json_str(role->extends[k]->name));
		o = json_pack("{s:o,s:o,s:o,s:o,s:o}",
			      "name", sfb_json_str(role->name),
			      "description", sfb_json_str(role->description),
			      "extends", extends,
			      "services", sfb_json_uint(count[SFB_CLASS_SERVICE]),
			      "media", sfb_json_uint(count[SFB_CLASS_MEDIA]));
		json_array_append_new(roles, o);
	}
	return roles;
}

static json_t *check_json(const char *file, const struct sfb_config *cfg,
			  const struct sfb_diag *d)
{
	json_t *o = json_pack("{s:o,s:b,s:i,s:i,s:i}",
			      "file", sfb_json_str(file), "valid", !!cfg,
			      "errors", sfb_diag_count(d, SFB_ERROR),
			      "warnings", sfb_diag_count(d, SFB_WARNING),
			      "notes", sfb_diag_count(d, SFB_NOTE));

	if (cfg) {
		json_t *parts = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}",
					  "policy", sfb_policy_name(cfg->mode),
					  "marks", sfb_json_marks(cfg->mark),
					  "roles", json_roles(cfg),
					  "media_ranges", sfb_json_uint(cfg->n_media_ranges),
					  "ipsec_exempt", sfb_json_uint(cfg->n_exempts),
					  "bindings", sfb_json_uint(cfg->n_bindings));

		json_object_update_new(o, parts);
	}
	json_object_set_new(o, "diagnostics", sfb_diag_json(d));
	return o;
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
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 }
	};
	struct sfb_config *cfg;
	struct sfb_diag *d;
	bool verbose = false, ok;
	const char *file;
	int c, ret;

	while ((c = getopt_long(argc, argv, SFB_JSON_SHORTOPTS "v", opts,
				NULL)) != -1) {
		if (sfb_json_option(c))
			continue;
		if (c == 'v')
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
	if (sfb_json_enabled())
		sfb_json_emit(check_json(file, ok ? cfg : NULL, d));
	ret = ok ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
	sfb_config_free(cfg);
	sfb_diag_free(d);
	return ret;
}
