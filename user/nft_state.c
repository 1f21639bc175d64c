// SPDX-License-Identifier: GPL-2.0
/*
 * The nft backend's state file: see nft_state.h. After the cookie line,
 * "NAME VALUE" lines up to an empty line, then the configuration.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "nft.h"
#include "nft_state.h"
#include "sfbctl.h"

#define WHO "sfb: nft backend"
#define STATE_MAX (64u << 20)	/* far above the largest configuration */

static int not_ours(const struct sfb_nft_state *st)
{
	fprintf(stderr, WHO ": %s is not a state file of sfbctl's: remove it\n",
		st->file.path);
	return SFBCTL_EXIT_ERROR;
}

static int parse(struct sfb_nft_state *st)
{
	uint64_t cookie = 0;
	char *line, *next;

	for (line = st->text; *line; line = next) {
		char *end = line + strcspn(line, "\n"), *value;

		next = *end ? end + 1 : end;
		if (line == end) {	/* the configuration follows */
			st->conf = next;
			break;
		}
		*end = '\0';
		if (line[0] == '#')
			continue;
		value = strchr(line, ' ');
		if (!value)
			return not_ours(st);
		*value++ = '\0';
		if (!strcmp(line, SFB_RUNSTATE_COOKIE))
			cookie = strtoull(value, NULL, 10);
		else if (!strcmp(line, "generation"))
			st->generation = strtoull(value, NULL, 10);
		else if (!strcmp(line, "table-handle"))
			st->handle = strtoull(value, NULL, 10);
		else
			return not_ours(st);
	}
	if (!st->conf || !st->generation)
		return not_ours(st);
	if (!sfb_runstate_ours(&st->file, cookie))
		st->generation = 0;	/* a dead namespace's */
	return SFBCTL_EXIT_OK;
}

int sfb_nft_state_read(struct sfb_nft_state *st)
{
	int ret;

	*st = (struct sfb_nft_state){ 0 };
	ret = sfb_runstate_locate(&st->file, WHO, "nft");
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_runstate_read(&st->file, STATE_MAX, &st->text);
	if (ret == SFBCTL_EXIT_OK && st->text)
		ret = parse(st);
	return ret;
}

struct record {
	const struct sfb_nft_state *st;
	const struct sfb_dump *rs;
};

static void state_lines(FILE *f, const void *arg)
{
	const struct record *r = arg;

	fprintf(f, "generation %" PRIu64 "\ntable-handle %" PRIu64 "\n\n",
		r->st->generation, r->st->handle);
	sfb_dump_print_conf(r->rs, f);
}

int sfb_nft_state_write(struct sfb_nft_state *st, struct sfb_dump *rs,
			uint64_t handle, uint64_t generation)
{
	struct sfb_nft_state next = { .file = st->file, .handle = handle,
				      .generation = generation };
	const struct record r = { .st = &next, .rs = rs };

	rs->generation = next.generation;
	rs->nft = true;
	return sfb_runstate_write(&st->file,
				  "what sfbctl load --backend nft installed as table inet sfb",
				  state_lines, &r);
}

int sfb_nft_state_remove(const struct sfb_nft_state *st)
{
	return sfb_runstate_remove(&st->file);
}

void sfb_nft_state_free(struct sfb_nft_state *st)
{
	free(st->text);
	st->text = NULL;
}

int sfb_nft_in_force(struct sfb_nft_state *st, struct sfb_config **cfg,
		     struct sfb_diag *d)
{
	uint64_t handle;
	int ret;

	*cfg = NULL;
	ret = sfb_nft_table_handle(&handle, false);
	if (ret != SFBCTL_EXIT_OK || !handle)
		return ret;
	ret = sfb_nft_state_read(st);
	if (ret != SFBCTL_EXIT_OK)
		return ret;
	if (!st->generation || st->handle != handle) {
		fprintf(stderr, WHO
			": table inet sfb is not the one sfbctl load installed last (see nft list table inet sfb)\n");
		return SFBCTL_EXIT_ERROR;
	}
	*cfg = sfb_config_parse(st->file.path, st->conf, strlen(st->conf), d);
	if (*cfg)
		return SFBCTL_EXIT_OK;
	sfb_diag_print(d, stderr, true);
	return not_ours(st);
}

int sfb_nft_decode(const struct sfb_config *cfg, uint64_t generation,
		   struct sfb_diag *d, struct sfb_dump *rs)
{
	struct sfb_txn txn = { 0 };
	int ret = SFBCTL_EXIT_ERROR;

	if (sfb_compile(cfg, NULL, true, d, &txn) && sfb_dump_from_txn(&txn, rs)) {
		rs->generation = generation;
		rs->nft = true;
		ret = SFBCTL_EXIT_OK;
	}
	sfb_txn_free(&txn);
	return ret;
}
