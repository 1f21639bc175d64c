// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl version (and sfbctl --version): the tool's version; nf_sfb's
 * version, its UAPI version and the limits it enforces, or that it is not
 * loaded; then which backend holds the policy in force (loaded.h), if this
 * process may see it. Anyone may run it: a missing module or privilege is
 * part of the answer, not an error.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "netlink.h"
#include "nft.h"
#include "nft_state.h"
#include "sfbctl.h"
#include "uapi/linux/sfb.h"

/* GET_INFO: 0, or nf_sfb is not loaded (1), or another error (-1). */
static int get_module_info(struct sfb_info *info)
{
	struct sfb_nl *nl;
	int ret;

	nl = sfb_nl_connect(SFB_NL_IF_LOADED, &ret);
	if (nl)
		ret = sfb_nl_fetch_info(nl, info);
	sfb_nl_disconnect(nl);
	if (ret == SFBCTL_EXIT_NO_MODULE)
		return 1;
	return ret == SFBCTL_EXIT_OK ? 0 : -1;
}

/* The policy in force: its backend (NULL: none) and generation (0: unknown). */
struct policy {
	bool hidden;		/* only CAP_NET_ADMIN may know */
	const char *backend;
	uint64_t generation;
};

/*
 * Without a ruleset in nf_sfb, table inet sfb's, if there is one. Reading
 * either needs CAP_NET_ADMIN over the network namespace.
 */
static struct policy policy_in_force(const struct sfb_info *info)
{
	struct sfb_nft_state st;
	uint64_t handle = 0;

	if (info && !info->state)
		return (struct policy){ .hidden = true };
	if (info && info->memory)
		return (struct policy){ .backend = "module",
					.generation = info->generation };
	if (sfb_nft_table_handle(&handle, true) != SFBCTL_EXIT_OK)
		return (struct policy){ .hidden = true };
	if (!handle)
		return (struct policy){ 0 };
	if (sfb_nft_state_read(&st) != SFBCTL_EXIT_OK || st.handle != handle)
		st.generation = 0;
	sfb_nft_state_free(&st);
	return (struct policy){ .backend = "nft", .generation = st.generation };
}

static void print_text(const struct sfb_info *info, const struct policy *p)
{
	printf("sfbctl %s\n", SFB_VERSION);
	if (info) {
		printf("nf_sfb %s (uapi %" PRIu32 ")\n", info->version, info->uapi);
		printf("limits: roles %" PRIu32 ", services %" PRIu32
		       ", bindings %" PRIu32 ", ipsec-exempt %" PRIu32
		       ", memory %" PRIu64 " bytes\n", info->limits.roles,
		       info->limits.services, info->limits.bindings,
		       info->limits.exemptions, info->limits.memory);
	} else {
		printf("nf_sfb: not loaded\n");
	}
	if (p->hidden)
		printf("policy: not shown: CAP_NET_ADMIN over the network namespace is required\n");
	else if (!p->backend)
		printf("policy: none\n");
	else if (p->generation)
		printf("policy: %s, generation %" PRIu64 "\n",
		       !strcmp(p->backend, "nft") ? "table inet sfb (nft backend)" :
		       "nf_sfb", p->generation);
	else
		printf("policy: %s, not the one sfbctl load installed last\n",
		       "table inet sfb (nft backend)");
}

static json_t *version_json(const struct sfb_info *info,
			    const struct policy *p)
{
	json_t *module = json_null(), *ruleset = json_null();

	if (info)
		module = json_pack("{s:o,s:I,s:{s:I,s:I,s:I,s:I,s:o}}",
				   "version", sfb_json_str(info->version),
				   "uapi", (json_int_t)info->uapi, "limits",
				   "roles", (json_int_t)info->limits.roles,
				   "services", (json_int_t)info->limits.services,
				   "bindings", (json_int_t)info->limits.bindings,
				   "ipsec_exempt", (json_int_t)info->limits.exemptions,
				   "memory", sfb_json_uint(info->limits.memory));
	if (p->hidden)
		ruleset = json_pack("{s:b}", "hidden", true);
	else if (p->backend)
		ruleset = json_pack("{s:s,s:o}", "backend", p->backend,
				    "generation", sfb_json_uint(p->generation));
	return json_pack("{s:s,s:o,s:o}", "sfbctl", SFB_VERSION,
			 "module", module, "ruleset", ruleset);
}

int cmd_version(int argc, char *argv[])
{
	struct sfb_info info = { 0 };
	struct policy p;
	int got;

	if (sfbctl_json_opts_only(argc, argv) < 0)
		return usage_error("version");

	got = get_module_info(&info);
	if (got < 0)
		return SFBCTL_EXIT_ERROR;
	p = policy_in_force(got == 0 ? &info : NULL);
	if (sfb_json_enabled())
		sfb_json_emit(version_json(got == 0 ? &info : NULL, &p));
	else
		print_text(got == 0 ? &info : NULL, &p);
	if (got == 0 && info.uapi != SFB_GENL_VERSION)
		fprintf(stderr, "sfb: warning: nf_sfb speaks uapi %" PRIu32
			", sfbctl was built for %d\n", info.uapi,
			SFB_GENL_VERSION);
	return SFBCTL_EXIT_OK;
}
