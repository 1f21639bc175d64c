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
 * the nft rules set the same marks.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "compile.h"
#include "nft.h"
#include "sfbctl.h"
#include "sysctl.h"
#include "xfrm.h"

struct load {
	const char *file;
	bool check_only, verbose, sysctl, nft;
	struct sfb_diag *d;
	struct sfb_nl *nl;
	struct sfb_txn txn;
	struct sfb_info commit;	/* COMMIT's reply: the generation */
	struct sfb_targets targets;	/* nft: what the table is made of */
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
	struct sfb_info info;
	int ret;

	l->nl = sfb_nl_connect(SFB_NL_AUTOLOAD, &ret);
	if (l->nl)
		ret = sfb_nl_fetch_info(l->nl, &info);
	if (ret == SFBCTL_EXIT_OK &&
	    !sfb_compile(cfg, &info.limits, l->check_only, l->d, &l->txn))
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
	if (sfb_targets_build(cfg, &l->targets, err, sizeof(err)))
		return SFBCTL_EXIT_OK;
	fprintf(stderr, "%s: %s: %s\n", prog, l->file, err);
	return SFBCTL_EXIT_ERROR;
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

static int load(struct load *l)
{
	struct sfb_config *cfg = sfb_config_load(l->file, l->d);
	struct sfb_xfrm_load xl = { 0 };
	struct sfb_sysctl sc = { 0 };
	int ret;

	if (!cfg)
		return SFBCTL_EXIT_ERROR;
	ret = l->nft ? prepare_nft(l, cfg) : prepare_module(l, cfg);
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
		ret = l->nft ? sfb_nft_load(cfg, &l->targets, l->check_only) :
			       send_txn(l);
		if (ret == SFBCTL_EXIT_OK && !l->check_only)
			ret = sfb_xfrm_load_finish(&xl);
		else if (ret != SFBCTL_EXIT_OK)
			sfb_xfrm_load_abort(&xl);	/* nothing if --check */
	}
	if (ret == SFBCTL_EXIT_OK && !l->check_only && l->sysctl)
		ret = sfb_sysctl_apply(&sc);
	if (ret == SFBCTL_EXIT_OK && l->verbose)
		say_loaded(l);
	sfb_sysctl_free(&sc);
	sfb_xfrm_load_free(&xl);
	sfb_txn_free(&l->txn);
	sfb_targets_free(&l->targets);
	sfb_nl_disconnect(l->nl);
	sfb_config_free(cfg);
	return ret;
}

/* --backend module|nft into @nft; false for anything else. */
static bool parse_backend(const char *arg, bool *nft)
{
	if (strcmp(arg, "module") && strcmp(arg, "nft")) {
		fprintf(stderr, "%s: unknown backend '%s' (use module or nft)\n",
			prog, arg);
		return false;
	}
	*nft = !strcmp(arg, "nft");
	return true;
}

int cmd_load(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "sysctl", no_argument, NULL, 's' },
		{ "backend", required_argument, NULL, 'b' },
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
		else if (c != 'b' || !parse_backend(optarg, &l.nft))
			return usage_error("load");
	}
	if (optind + 1 != argc)
		return usage_error("load");
	l.file = argv[optind];
	l.d = sfb_diag_new();
	ret = load(&l);
	sfb_diag_print_warnings(l.d, stderr);
	sfb_diag_free(l.d);
	return ret;
}

/*
 * flush takes away all that load put in place, whatever is left of it: the
 * ruleset if nf_sfb is loaded, then sfb's xfrm policies and settings even
 * if it is not (an rmmod before flush, a load cut short). With nothing to
 * do it succeeds, so that it can always be run again.
 */
static int flush_module(void)
{
	struct sfb_nl *nl;
	int ret;

	nl = sfb_nl_connect(SFB_NL_IF_LOADED, &ret);
	if (nl)
		ret = sfb_nl_talk(nl, sfb_nl_request(nl, SFB_CMD_FLUSH, 0),
				  NULL, NULL);
	sfb_nl_disconnect(nl);
	return ret;
}

int cmd_flush(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ 0 }
	};
	struct sfb_sysctl sc = { 0 };
	bool absent, nft = false;
	size_t removed;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c != 'b' || !parse_backend(optarg, &nft))
			return usage_error("flush");
	if (optind != argc)
		return usage_error("flush");
	ret = nft ? sfb_nft_flush() : flush_module();
	absent = ret == SFBCTL_EXIT_NO_MODULE;
	if (ret != SFBCTL_EXIT_OK && !absent)
		return ret;
	/* The ruleset first: then no packet carries the exempt mark. */
	ret = sfb_xfrm_remove_all(&removed);
	if (ret == SFBCTL_EXIT_OK && absent && removed)
		fprintf(stderr,
			"sfb: nf_sfb is not loaded; removed %zu xfrm bypass policies left behind\n",
			removed);
	/* Then what completed the bypass. */
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_sysctl_prepare(&sc, NULL);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_sysctl_apply(&sc);
	sfb_sysctl_free(&sc);
	return ret;
}
