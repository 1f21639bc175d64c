// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl version: the tool's version and, when nf_sfb is loaded, the
 * module's version, its UAPI version and the limits it enforces; then
 * which backend holds the policy in force (loaded.h), if one does.
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

static int get_module_info(struct sfb_info *info)
{
	struct sfb_nl *nl;
	int ret;

	nl = sfb_nl_connect(SFB_NL_LOADED, &ret);
	if (nl)
		ret = sfb_nl_fetch_info(nl, info);
	sfb_nl_disconnect(nl);
	return ret;
}

/* The policy in force: its backend (NULL: none) and generation (0: unknown). */
struct policy {
	const char *backend;
	uint64_t generation;
};

/*
 * Without a ruleset in nf_sfb, table inet sfb's, if there is one and this
 * process may see it (version asks nothing else that needs privileges).
 */
static struct policy policy_in_force(const struct sfb_info *info)
{
	struct sfb_nft_state st;
	uint64_t handle = 0;

	if (info && info->memory)
		return (struct policy){ "module", info->generation };
	if (sfb_nft_table_handle(&handle, true) != SFBCTL_EXIT_OK || !handle)
		return (struct policy){ NULL, 0 };
	if (sfb_nft_state_read(&st) != SFBCTL_EXIT_OK || st.handle != handle)
		st.generation = 0;
	sfb_nft_state_free(&st);
	return (struct policy){ "nft", st.generation };
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
	}
	if (!p->backend)
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
	if (p->backend)
		ruleset = json_pack("{s:s,s:o}", "backend", p->backend,
				    "generation", sfb_json_uint(p->generation));
	return json_pack("{s:s,s:o,s:o}", "sfbctl", SFB_VERSION,
			 "module", module, "ruleset", ruleset);
}

int cmd_version(int argc, char *argv[])
{
	struct sfb_info info = { 0 };
	struct policy p;
	int ret;

	if (sfbctl_json_opts_only(argc, argv) < 0)
		return usage_error("version");

	ret = get_module_info(&info);
	p = policy_in_force(ret == SFBCTL_EXIT_OK ? &info : NULL);
	if (sfb_json_enabled())
		sfb_json_emit(version_json(ret == SFBCTL_EXIT_OK ? &info : NULL, &p));
	else
		print_text(ret == SFBCTL_EXIT_OK ? &info : NULL, &p);
	if (ret == SFBCTL_EXIT_OK && info.uapi != SFB_GENL_VERSION)
		fprintf(stderr, "sfb: warning: nf_sfb speaks uapi %" PRIu32
			", sfbctl was built for %d\n", info.uapi,
			SFB_GENL_VERSION);
	return ret;
}
