// SPDX-License-Identifier: GPL-2.0
/*
 * Which backend holds the policy in force: see loaded.h.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "loaded.h"
#include "sfbctl.h"

/* The targets of @t as GET_STATS lists them: ids and role ids. */
static void stats_skeleton(const struct sfb_targets *t, struct sfb_stats *st)
{
	st->targets = sfb_arena_array(st->arena, t->n + 1, sizeof(*st->targets));
	st->n_targets = t->n;
	st->cap_targets = t->n;
	for (size_t i = 0; i < t->n; i++) {
		struct sfb_dump_target *dt = &st->targets[i];
		uint32_t *roles = sfb_arena_array(st->arena, SFB_ADDRMAP_MAX_ROLES,
						 sizeof(*roles));

		dt->id = (uint32_t)i;
		for (uint32_t id = 0; id < SFB_ADDRMAP_MAX_ROLES; id++)
			if (t->t[i].roles & (1ull << id))
				roles[dt->n_roles++] = id;
		dt->roles = roles;
	}
}

static int read_nft(struct sfb_loaded *l, struct sfb_diag *d)
{
	char err[128];
	int ret;

	ret = sfb_nft_in_force(&l->state, &l->cfg, d);
	if (ret != SFBCTL_EXIT_OK || !l->cfg)
		return ret;
	l->nft = true;
	ret = sfb_nft_decode(l->cfg, l->state.generation, d, &l->rs);
	if (ret != SFBCTL_EXIT_OK)
		return ret;
	if (!sfb_targets_build(l->cfg, &l->t, err, sizeof(err))) {
		fprintf(stderr, "sfb: nft backend: %s: %s\n", l->state.file.path, err);
		return SFBCTL_EXIT_ERROR;
	}
	l->st.generation = l->state.generation;
	stats_skeleton(&l->t, &l->st);
	return SFBCTL_EXIT_OK;
}

int sfb_loaded_find(struct sfb_loaded *l)
{
	struct sfb_diag *d;
	struct sfb_info info = { 0 };
	int ret;

	memset(l, 0, sizeof(*l));
	sfb_dump_init(&l->rs);
	sfb_stats_init(&l->st);
	l->nl = sfb_nl_connect(SFB_NL_IF_LOADED, &ret);
	if (l->nl)
		ret = sfb_nl_fetch_state(l->nl, &info);
	if (ret != SFBCTL_EXIT_NO_MODULE && (ret != SFBCTL_EXIT_OK || info.memory))
		return ret;
	d = sfb_diag_new();
	ret = read_nft(l, d);
	sfb_diag_free(d);
	if (ret == SFBCTL_EXIT_OK && l->nft) {
		sfb_nl_disconnect(l->nl);
		l->nl = NULL;
	} else if (ret == SFBCTL_EXIT_OK && !l->nl) {
		ret = sfb_nl_missing();
	} else if (ret == SFBCTL_EXIT_OK) {
		l->none = true;
	}
	return ret;
}

void sfb_loaded_free(struct sfb_loaded *l)
{
	sfb_nl_disconnect(l->nl);
	sfb_nft_state_free(&l->state);
	sfb_config_free(l->cfg);
	sfb_targets_free(&l->t);
	sfb_dump_free(&l->rs);
	sfb_stats_free(&l->st);
}

void sfb_loaded_print_none(void)
{
	if (sfb_json_enabled())
		sfb_json_emit(json_pack("{s:b}", "loaded", false));
	else
		puts("no ruleset is loaded");
}
