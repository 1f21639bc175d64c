// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl check: parse, resolve and lint a configuration without loading it.
 * Diagnostics go to stderr as text; -j adds a JSON summary on stdout.
 */
#include <string.h>

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

int cmd_check(int argc, char *argv[])
{
	const char *file = NULL;
	struct sfb_config *cfg;
	struct sfb_diag *d;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			sfb_json_option('j');
		else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			sfb_json_option('p');
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return usage_error(argv[0]);
	}
	if (!file)
		return usage_error(argv[0]);
	d = sfb_diag_new();
	cfg = sfb_config_load(file, d);
	sfb_diag_print(d, stderr, false);
	if (sfb_json_enabled())
		sfb_json_emit(check_json(file, cfg, d));
	ret = cfg ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
	sfb_config_free(cfg);
	sfb_diag_free(d);
	return ret;
}
