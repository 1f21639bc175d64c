// SPDX-License-Identifier: GPL-2.0
/*
 * Which backend holds the policy in force, and its counters: see loaded.h.
 *
 * The nft backend's table counts as nf_sfb does, with named counters
 * (nft_policy.h): per target its packets and drops, and per segment, from
 * which the classes' counters and unmatched follow.
 */
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "loaded.h"
#include "nft.h"
#include "nft_policy.h"
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

static int counters_module(struct sfb_loaded *l, bool zero)
{
	int ret = sfb_fetch(l->nl, &l->rs, &l->st);

	/* Packets counted between the dump and this are lost: say so in the man page. */
	if (ret == SFBCTL_EXIT_OK && zero)
		ret = sfb_nl_talk(l->nl, sfb_nl_request(l->nl, SFB_CMD_ZERO_STATS, 0),
				  NULL, NULL);
	return ret;
}

/* The nft counters read so far; per target, its packets in segments. */
struct nft_counts {
	struct sfb_loaded *l;
	struct sfb_count *in_segs;
};

static void add(struct sfb_count *c, uint64_t packets, uint64_t bytes)
{
	c->packets += packets;
	c->bytes += bytes;
}

static void nft_counter(const char *name, uint64_t packets, uint64_t bytes,
			void *data)
{
	struct nft_counts *nc = data;
	struct sfb_stats *st = &nc->l->st;
	const struct sfb_targets *t = &nc->l->t;
	struct sfb_nft_counter_id id;
	const struct sfb_segment *seg;
	struct sfb_dump_target *dt;

	if (!sfb_nft_counter_parse(name, &id))
		return;
	if (id.kind == SFB_NFT_CNT_OTHER_PROTO) {
		add(&st->counters[SFB_CNT_OTHER_PROTO], packets, bytes);
		return;
	}
	if (id.target >= t->n)
		return;
	dt = &st->targets[id.target];
	if (id.kind == SFB_NFT_CNT_TARGET) {
		/* Less those in segments, at the end. */
		add(&dt->counters[SFB_CNT_UNMATCHED], packets, bytes);
		return;
	}
	if (id.kind == SFB_NFT_CNT_DROP) {
		add(&dt->counters[nc->l->cfg->mode == SFB_MODE_ENFORCE ?
				  SFB_CNT_DROPPED : SFB_CNT_WOULD_DROP],
		    packets, bytes);
		return;
	}
	if (id.segment >= t->t[id.target].n_segs[id.proto])
		return;
	seg = &t->t[id.target].segs[id.proto][id.segment];
	add(&nc->in_segs[id.target], packets, bytes);
	for (uint8_t c = 0; c < SFB_CLASS_COUNT; c++) {
		if (!(seg->classes & (1u << c)))
			continue;
		add(&dt->counters[c], packets, bytes);
		dt->segs = sfb_arena_grow(st->arena, dt->segs, dt->n_segs,
					  &dt->cap_segs, sizeof(*dt->segs));
		dt->segs[dt->n_segs++] = (struct sfb_dump_segment){
			.proto = (uint8_t)(1u << id.proto), .class = c,
			.ports = seg->ports,
			.count = { packets, bytes },
		};
	}
}

static int counters_nft(struct sfb_loaded *l, bool zero)
{
	struct nft_counts nc = {
		.l = l,
		.in_segs = sfb_arena_array(l->st.arena, l->t.n + 1,
					   sizeof(*nc.in_segs)),
	};
	int ret;

	/* Read and zeroed at once: no packet is lost between. */
	ret = sfb_nft_counters(zero, nft_counter, &nc);
	if (ret != SFBCTL_EXIT_OK)
		return ret;
	for (size_t i = 0; i < l->t.n; i++) {
		struct sfb_count *u = &l->st.targets[i].counters[SFB_CNT_UNMATCHED];

		/* Counters are read one by one: never below zero. */
		u->packets -= u->packets < nc.in_segs[i].packets ? u->packets :
			      nc.in_segs[i].packets;
		u->bytes -= u->bytes < nc.in_segs[i].bytes ? u->bytes :
			    nc.in_segs[i].bytes;
	}
	return SFBCTL_EXIT_OK;
}

int sfb_loaded_counters(struct sfb_loaded *l, bool zero)
{
	return l->nl ? counters_module(l, zero) : counters_nft(l, zero);
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
