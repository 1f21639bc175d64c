// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl version: the tool's version and, when nf_sfb is loaded, the
 * module's version, its UAPI version and the limits it enforces.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
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

static void print_text(const struct sfb_info *info)
{
	printf("sfbctl %s\n", SFB_VERSION);
	if (!info)
		return;
	printf("nf_sfb %s (uapi %" PRIu32 ")\n", info->version, info->uapi);
	printf("limits: roles %" PRIu32 ", services %" PRIu32
	       ", bindings %" PRIu32 ", ipsec-exempt %" PRIu32
	       ", memory %" PRIu64 " bytes\n", info->limits.roles, info->limits.services,
	       info->limits.bindings, info->limits.exemptions, info->limits.memory);
}

static void print_json(const struct sfb_info *info)
{
	printf("{\"sfbctl\":\"%s\"", SFB_VERSION);
	if (info)
		printf(",\"module\":{\"version\":\"%s\",\"uapi\":%" PRIu32
		       ",\"limits\":{\"roles\":%" PRIu32 ",\"services\":%" PRIu32
		       ",\"bindings\":%" PRIu32 ",\"ipsec_exempt\":%" PRIu32
		       ",\"memory\":%" PRIu64 "}}", info->version, info->uapi,
		       info->limits.roles, info->limits.services, info->limits.bindings,
		       info->limits.exemptions, info->limits.memory);
	else
		printf(",\"module\":null");
	printf("}\n");
}

int cmd_version(int argc, char *argv[])
{
	struct sfb_info info = { 0 };
	bool json;
	int ret;

	if (sfbctl_json_only(argc, argv, &json) < 0)
		return usage_error("version");

	ret = get_module_info(&info);
	(json ? print_json : print_text)(ret == SFBCTL_EXIT_OK ? &info : NULL);
	if (ret == SFBCTL_EXIT_OK && info.uapi != SFB_GENL_VERSION)
		fprintf(stderr, "sfb: warning: nf_sfb speaks uapi %" PRIu32
			", sfbctl was built for %d\n", info.uapi,
			SFB_GENL_VERSION);
	return ret;
}
