// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl load and flush: change the ruleset in force.
 *
 * load sends the transaction sfb_compile builds, one message at a time,
 * each acknowledged before the next, so the first refusal stops it. A
 * refusal is shown at the statement the refused message came from, as nft
 * shows kernel errors. The kernel discards the transaction on any error
 * and on close; LOAD_ABORT says so explicitly.
 *
 * Both also keep sfb's xfrm bypass policies (xfrm.h) in step with the
 * ruleset's ipsec-exempt rules; load --sysctl then applies the settings
 * they want (sysctl.h), and flush restores them. load loads nf_sfb if it
 * is not loaded (modload.h).
 *
 * With --backend nft, the same policy goes to table inet sfb instead, in
 * one nfnetlink batch (nft.h), and the xfrm and sysctl steps are the same:
 * the nft rules set the same marks. --backend auto (the default) takes
 * the module if it is loaded or loads, else nft, and says so when it falls
 * back. Once one backend's policy is in force, the other's is removed:
 * two would both have to pass a packet. In between, for an instant, both
 * apply: stricter, never looser.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "arena.h"
#include "compile.h"
#include "dump.h"
#include "nft.h"
#include "nft_state.h"
#include "sfbctl.h"
#include "sysctl.h"
#include "xfrm.h"

struct load {
	const char *file;	/* as diagnostics name it */
	bool check_only, verbose, sysctl, nft, force;
	enum sfb_backend backend;
	struct sfb_diag *d;
	struct sfb_nl *nl;
	struct sfb_txn txn;
	struct sfb_info info;	/* GET_INFO's reply, before the load */
	struct sfb_info commit;	/* COMMIT's reply: the generation */
	struct sfb_targets targets;	/* nft: what the table is made of */
	struct sfb_nft_batch *batch;	/* nft: the table, built */
	char failed[PATH_MAX + 128];	/* after the commit: what failed */
};

static void report_refusal(struct load *l, const struct sfb_nl_error *err)
{
	const struct sfb_txn_msg *m = sfb_txn_find(&l->txn, err->seq);
	/* BEGIN and COMMIT stand for the whole file. */
	struct sfb_loc whole = { .file = l->file };
	const struct sfb_loc *loc = m && m->loc.file ? &m->loc : &whole;

	if (err->error == EPERM)
		sfb_diag_report(l->d, SFB_ERROR, loc,
				"kernel: permission denied: CAP_NET_ADMIN in the network namespace's user namespace is required");
	else if (err->msg[0])
		sfb_diag_report(l->d, SFB_ERROR, loc, "kernel: %s (%s)",
				err->msg, strerror(err->error));
	else
		sfb_diag_report(l->d, SFB_ERROR, loc, "kernel: %s",
				strerror(err->error));
}

static int send_txn(struct load *l)
{
	struct sfb_nl_error err;

	for (size_t i = 0; i < l->txn.n; i++) {
		struct sfb_txn_msg *m = &l->txn.msgs[i];
		bool commit = i + 1 == l->txn.n;
		int ret;

		m->seq = sfb_nl_stamp(l->nl, m->nlh);
		ret = sfb_nl_talk_quiet(l->nl, m->nlh,
					commit ? sfb_info_feed : NULL,
					&l->commit, &err);
		if (ret == SFBCTL_EXIT_OK)
			continue;
		report_refusal(l, &err);
		/* Past BEGIN, the transaction is ours to end, if it still is. */
		if (i > 0)
			sfb_nl_talk_quiet(l->nl,
					  sfb_nl_request(l->nl, SFB_CMD_LOAD_ABORT, 0),
					  NULL, NULL, &err);
		return ret;
	}
	return SFBCTL_EXIT_OK;
}

/* Everything but the commit: the transaction, within the module's limits. */
static int prepare_module(struct load *l, const struct sfb_config *cfg)
{
	int ret;

	l->nl = sfb_nl_connect(SFB_NL_AUTOLOAD, &ret);
	if (l->nl)
		ret = sfb_nl_fetch_state(l->nl, &l->info);
	if (ret == SFBCTL_EXIT_OK &&
	    !sfb_compile(cfg, &l->info.limits, l->check_only, l->d, &l->txn))
		ret = SFBCTL_EXIT_ERROR;
	return ret;
}

static int prepare_nft(struct load *l, const struct sfb_config *cfg)
{
	char err[128];

	/* The module's checks of what the model cannot hold (interface-only
	 * binds), for the table holds the same model.
	 */
	if (!sfb_compile(cfg, NULL, true, l->d, &l->txn))
		return SFBCTL_EXIT_ERROR;
	if (!sfb_targets_build(cfg, &l->targets, err, sizeof(err))) {
		fprintf(stderr, "sfb: %s: %s\n", l->file, err);
		return SFBCTL_EXIT_ERROR;
	}
	l->batch = sfb_nft_prepare(cfg, &l->targets, l->check_only);
	return l->batch ? SFBCTL_EXIT_OK : SFBCTL_EXIT_ERROR;
}

static int prepare(struct load *l, const struct sfb_config *cfg)
{
	int ret;

	l->nft = l->backend == SFB_BACKEND_NFT;
	if (l->nft)
		return prepare_nft(l, cfg);
	ret = prepare_module(l, cfg);
	if (ret != SFBCTL_EXIT_NO_MODULE || l->backend != SFB_BACKEND_AUTO)
		return ret;
	fprintf(stderr, "sfb: using the nft backend: the policy goes to table inet sfb\n");
	l->nft = true;
	return prepare_nft(l, cfg);
}

/* Flush nf_sfb's ruleset if it has one (into @flushed). */
static int flush_module(bool *flushed)
{
	struct sfb_info info;
	struct sfb_nl *nl;
	int ret;

	*flushed = false;
	nl = sfb_nl_connect(SFB_NL_IF_LOADED, &ret);
	if (!nl)
		return ret == SFBCTL_EXIT_NO_MODULE ? SFBCTL_EXIT_OK : ret;
	ret = sfb_nl_fetch_state(nl, &info);
	if (ret == SFBCTL_EXIT_OK && info.memory) {
		ret = sfb_nl_talk(nl, sfb_nl_request(nl, SFB_CMD_FLUSH, 0),
				  NULL, NULL);
		*flushed = ret == SFBCTL_EXIT_OK;
	}
	sfb_nl_disconnect(nl);
	return ret;
}

/* Remove table inet sfb if there is one (into @flushed), and its state. */
static int flush_nft(bool *flushed)
{
	struct sfb_nft_state st;
	uint64_t handle = 0;
	int ret;

	*flushed = false;
	ret = sfb_nft_state_read(&st);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nft_table_handle(&handle, false);
	if (ret == SFBCTL_EXIT_OK && handle) {
		ret = sfb_nft_flush();
		*flushed = ret == SFBCTL_EXIT_OK;
	}
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nft_state_remove(&st);
	sfb_nft_state_free(&st);
	return ret;
}

/* The nft backend's table is in force: record what it holds (nft_state.h). */
static int record_nft(struct load *l)
{
	struct sfb_nft_state st;
	uint64_t handle = 0, generation = 0;
	struct sfb_dump rs;
	int ret;

	sfb_dump_init(&rs);
	ret = sfb_nft_state_read(&st);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nft_table_handle(&handle, false);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nft_generation(&generation);
	if (ret == SFBCTL_EXIT_OK && !sfb_dump_from_txn(&l->txn, &rs))
		ret = SFBCTL_EXIT_ERROR;
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nft_state_write(&st, &rs, handle, generation);
	sfb_dump_free(&rs);
	sfb_nft_state_free(&st);
	return ret;
}

/*
 * From here on, @what runs: if it fails, l->failed is the line that says
 * so, which sfb_oom() prints too.
 */
static void step(struct load *l, const char *what)
{
	if (l->nft)
		snprintf(l->failed, sizeof(l->failed),
			 "sfb: %s: loaded as table inet sfb (nft backend), but %s failed\n",
			 l->file, what);
	else
		snprintf(l->failed, sizeof(l->failed),
			 "sfb: %s: loaded as generation %" PRIu64 ", but %s failed\n",
			 l->file, l->commit.generation, what);
	sfb_oom_also_say(l->failed);
}

/*
 * What follows the commit: the new policy is in force, whatever fails
 * now. Its old xfrm bypass policies go; the nft backend's table is
 * recorded; the other backend's policy goes (two would both have to pass
 * a packet); the settings are applied. A failure says the file is loaded,
 * and exits 1, never 4, which says nothing changed; the settings keep
 * theirs (EXIT STATUS in sfbctl.8).
 */
static int after_commit(struct load *l, struct sfb_xfrm_load *xl,
			const struct sfb_sysctl *sc)
{
	bool flushed = false;
	int ret;

	step(l, "removing the old xfrm bypass policies");
	ret = sfb_xfrm_load_finish(xl);
	if (ret == SFBCTL_EXIT_OK && l->nft) {
		step(l, "recording it in /run/sfb");
		ret = record_nft(l);
	}
	if (ret == SFBCTL_EXIT_OK) {
		step(l, l->nft ? "removing nf_sfb's ruleset" :
				 "removing table inet sfb");
		ret = l->nft ? flush_module(&flushed) : flush_nft(&flushed);
	}
	if (ret == SFBCTL_EXIT_OK && flushed)
		fprintf(stderr, "sfb: removed the policy of the other backend (%s)\n",
			l->nft ? "nf_sfb's ruleset" : "table inet sfb");
	if (ret != SFBCTL_EXIT_OK) {
		ret = SFBCTL_EXIT_ERROR;
	} else if (l->sysctl) {
		step(l, "applying the settings");
		ret = sfb_sysctl_apply(sc);
	}
	if (ret != SFBCTL_EXIT_OK) {
		sfb_oom_also_say(NULL);
		fputs(l->failed, stderr);
	} else {
		step(l, "printing its warnings");	/* cmd_load's, last */
	}
	return ret;
}

static void say_loaded(const struct load *l)
{
	if (l->nft)
		printf(l->check_only ?
		       "%s: the kernel would take it as table inet sfb; the one in force stays\n" :
		       "%s: loaded as table inet sfb (nft backend)\n", l->file);
	else
		printf(l->check_only ?
		       "%s: nf_sfb would accept it; generation %" PRIu64 " stays in force\n" :
		       "%s: loaded as generation %" PRIu64 "\n",
		       l->file, l->commit.generation);
}

/*
 * A file that binds no address (the catalogue alone, an empty file) would
 * replace an enforcing policy with one that enforces nothing: a mistake,
 * unless --force says otherwise.
 */
static int refuse_empty(struct load *l, const struct sfb_config *cfg)
{
	uint64_t handle = 0;
	int ret;

	if (l->force || l->check_only || cfg->n_bindings)
		return SFBCTL_EXIT_OK;
	if (!l->nft) {
		if (!l->info.memory)
			return SFBCTL_EXIT_OK;
		fprintf(stderr,
			"sfb: %s binds no address: it would replace the ruleset in force (generation %"
			PRIu64 ") with one that enforces nothing; use --force to load it anyway\n",
			l->file, l->info.generation);
		return SFBCTL_EXIT_ERROR;
	}
	ret = sfb_nft_table_handle(&handle, false);
	if (ret != SFBCTL_EXIT_OK || !handle)
		return ret;
	fprintf(stderr,
		"sfb: %s binds no address: it would replace table inet sfb with a policy that enforces nothing; use --force to load it anyway\n",
		l->file);
	return SFBCTL_EXIT_ERROR;
}

static int load(struct load *l, const char *path)
{
	struct sfb_config *cfg = sfb_config_load(path, l->d);
	struct sfb_xfrm_load xl = { 0 };
	struct sfb_sysctl sc = { 0 };
	int ret;

	if (!cfg)
		return SFBCTL_EXIT_ERROR;
	ret = prepare(l, cfg);
	if (ret == SFBCTL_EXIT_OK)
		ret = refuse_empty(l, cfg);
	if (ret == SFBCTL_EXIT_OK && l->sysctl)
		ret = sfb_sysctl_prepare(&sc, cfg);
	/*
	 * The new xfrm bypass policies go in before the commit and the old
	 * ones go after it: while both exist, both allow only exempt flows
	 * (packets carrying either mark, or the flows of either's rules). A
	 * failed load removes only what it added.
	 */
	if (ret == SFBCTL_EXIT_OK && !l->check_only)
		ret = sfb_xfrm_load_begin(&xl, cfg);
	if (ret == SFBCTL_EXIT_OK) {
		ret = l->nft ? sfb_nft_send(l->batch) : send_txn(l);
		if (ret != SFBCTL_EXIT_OK)
			sfb_xfrm_load_abort(&xl);	/* nothing if --check */
		else if (!l->check_only)
			ret = after_commit(l, &xl, &sc);
	}
	if (ret == SFBCTL_EXIT_OK && l->verbose)
		say_loaded(l);
	sfb_sysctl_free(&sc);
	sfb_xfrm_load_free(&xl);
	sfb_txn_free(&l->txn);
	sfb_targets_free(&l->targets);
	sfb_nft_batch_free(l->batch);
	sfb_nl_disconnect(l->nl);
	sfb_config_free(cfg);
	return ret;
}

/* --backend auto|module|nft into @b; false for anything else. */
static bool parse_backend(const char *arg, enum sfb_backend *b)
{
	static const char *const names[] = {
		[SFB_BACKEND_AUTO] = "auto",
		[SFB_BACKEND_MODULE] = "module",
		[SFB_BACKEND_NFT] = "nft",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(arg, names[i])) {
			*b = (enum sfb_backend)i;
			return true;
		}
	}
	fprintf(stderr, "sfb: unknown backend '%s' (use auto, module or nft)\n",
		arg);
	return false;
}

int cmd_load(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "sysctl", no_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ 0 }
	};
	struct load l = { 0 };
	int c, ret;

	while ((c = getopt_long(argc, argv, "cv", opts, NULL)) != -1) {
		if (c == 'c')
			l.check_only = true;
		else if (c == 'v')
			l.verbose = true;
		else if (c == 's')
			l.sysctl = true;
		else if (c == 'f')
			l.force = true;
		else if (c != 'b' || !parse_backend(optarg, &l.backend))
			return usage_error("load");
	}
	if (optind + 1 != argc)
		return usage_error("load");
	l.file = sfb_config_file_name(argv[optind]);
	l.d = sfb_diag_new();
	ret = load(&l, argv[optind]);
	sfb_diag_print_warnings(l.d, stderr);
	sfb_oom_also_say(NULL);
	sfb_diag_free(l.d);
	return ret;
}

/*
 * flush takes away all that load put in place, whatever is left of it: the
 * ruleset if nf_sfb is loaded and table inet sfb if there is one (only
 * one of them with --backend), then sfb's xfrm policies and settings even
 * if neither is there (an rmmod before flush, a load cut short). With
 * nothing to do it succeeds, so that it can always be run again.
 */
int cmd_flush(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ 0 }
	};
	enum sfb_backend backend = SFB_BACKEND_AUTO;
	bool module = false, nft = false;
	struct sfb_sysctl sc = { 0 };
	size_t removed;
	int c, ret = SFBCTL_EXIT_OK;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c != 'b' || !parse_backend(optarg, &backend))
			return usage_error("flush");
	if (optind != argc)
		return usage_error("flush");
	if (backend != SFB_BACKEND_NFT)
		ret = flush_module(&module);
	if (ret == SFBCTL_EXIT_OK && backend != SFB_BACKEND_MODULE)
		ret = flush_nft(&nft);
	if (ret != SFBCTL_EXIT_OK)
		return ret;
	/* The ruleset first: then no packet carries the exempt mark. */
	ret = sfb_xfrm_remove_all(&removed);
	if (ret == SFBCTL_EXIT_OK && !module && !nft && removed)
		fprintf(stderr,
			"sfb: no policy is loaded; removed %zu xfrm bypass polic%s left behind\n",
			removed, removed == 1 ? "y" : "ies");
	/* Then what completed the bypass. */
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_sysctl_prepare(&sc, NULL);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_sysctl_apply(&sc);
	sfb_sysctl_free(&sc);
	return ret;
}
