// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl version: the tool's version and, when nf_sfb is loaded, the
 * module's version, its UAPI version and the limits it enforces.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "sfbctl.h"
#include "uapi/linux/sfb.h"

struct module_info {
	char version[64];
	uint32_t uapi;
	uint32_t roles, services, bindings, exemptions;
	uint64_t memory;
};

static int limits_attr_cb(const struct nlattr *attr, void *data)
{
	struct module_info *info = data;
	uint32_t *u32_field = NULL;

	switch (mnl_attr_get_type(attr)) {
	case SFB_LIMIT_A_ROLES:
		u32_field = &info->roles;
		break;
	case SFB_LIMIT_A_SERVICES:
		u32_field = &info->services;
		break;
	case SFB_LIMIT_A_BINDINGS:
		u32_field = &info->bindings;
		break;
	case SFB_LIMIT_A_EXEMPTIONS:
		u32_field = &info->exemptions;
		break;
	case SFB_LIMIT_A_MEMORY:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
			info->memory = mnl_attr_get_u64(attr);
		return MNL_CB_OK;
	default:	/* newer kernels may report more */
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*u32_field = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct module_info *info = data;

	switch (mnl_attr_get_type(attr)) {
	case SFB_A_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(info->version, sizeof(info->version), "%s",
				 mnl_attr_get_str(attr));
		break;
	case SFB_A_UAPI_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			info->uapi = mnl_attr_get_u32(attr);
		break;
	case SFB_A_LIMITS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			return mnl_attr_parse_nested(attr, limits_attr_cb, info);
		break;
	}
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr_cb,
			      data);
}

static int get_module_info(struct module_info *info)
{
	struct sfb_nl *nl = calloc(1, sizeof(*nl));
	int ret;

	if (!nl)
		return SFBCTL_EXIT_ERROR;
	ret = sfb_nl_open(nl);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_nl_talk(nl, sfb_nl_request(nl, SFB_CMD_GET_INFO, 0),
				  info_cb, info);
	sfb_nl_close(nl);
	free(nl);
	return ret;
}

static void print_text(const struct module_info *info)
{
	printf("sfbctl %s\n", SFB_VERSION);
	if (!info)
		return;
	printf("nf_sfb %s (uapi %" PRIu32 ")\n", info->version, info->uapi);
	printf("limits: roles %" PRIu32 ", services %" PRIu32
	       ", bindings %" PRIu32 ", ipsec-exempt %" PRIu32
	       ", memory %" PRIu64 " bytes\n", info->roles, info->services,
	       info->bindings, info->exemptions, info->memory);
}

static void print_json(const struct module_info *info)
{
	printf("{\"sfbctl\":\"%s\"", SFB_VERSION);
	if (info)
		printf(",\"module\":{\"version\":\"%s\",\"uapi\":%" PRIu32
		       ",\"limits\":{\"roles\":%" PRIu32 ",\"services\":%" PRIu32
		       ",\"bindings\":%" PRIu32 ",\"ipsec_exempt\":%" PRIu32
		       ",\"memory\":%" PRIu64 "}}", info->version, info->uapi,
		       info->roles, info->services, info->bindings,
		       info->exemptions, info->memory);
	else
		printf(",\"module\":null");
	printf("}\n");
}

int cmd_version(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	struct module_info info = { 0 };
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return usage_error("version");
		json = true;
	}
	if (optind != argc)
		return usage_error("version");

	ret = get_module_info(&info);
	(json ? print_json : print_text)(ret == SFBCTL_EXIT_OK ? &info : NULL);
	if (ret == SFBCTL_EXIT_OK && info.uapi != SFB_GENL_VERSION)
		fprintf(stderr, "sfb: warning: nf_sfb speaks uapi %" PRIu32
			", sfbctl was built for %d\n", info.uapi,
			SFB_GENL_VERSION);
	return ret;
}
