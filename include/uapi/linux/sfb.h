/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * sfb: port and protocol policy for Skype for Business Server 2015 roles.
 *
 * This header is the protocol specification of the "sfb" generic netlink
 * family. The family is per network namespace (netnsok); every command
 * needs CAP_NET_ADMIN in the user namespace that owns the caller's network
 * namespace. Validation is strict: an attribute a command does not list
 * below is rejected with an extack message naming it, and so is a non-zero
 * reserved field in the genl header.
 *
 * Byte order: every integer attribute is in host byte order, as netlink
 * integers are; ports are host-order u16 values and never network order.
 *
 * SFB_CMD_GET_INFO
 *   Request: no attributes. Reply (same command):
 *
 *   SFB_A_VERSION: NLA_NUL_STRING, the module's version (MODULE_VERSION)
 *   SFB_A_UAPI_VERSION: NLA_U32, SFB_GENL_VERSION as the module was built
 *   SFB_A_LIMITS: NLA_NESTED, what the module enforces per ruleset
 *     SFB_LIMIT_A_ROLES: NLA_U32, roles
 *     SFB_LIMIT_A_SERVICES: NLA_U32, service and media port ranges
 *     SFB_LIMIT_A_BINDINGS: NLA_U32, bound address prefixes
 *     SFB_LIMIT_A_EXEMPTIONS: NLA_U32, ipsec-exempt rules
 *     SFB_LIMIT_A_MEMORY: NLA_U64, bytes one network namespace's rulesets
 *                         may use in total
 *     SFB_LIMIT_A_PAD: padding for the 64-bit attributes, ignore it
 *
 * Compatibility: SFB_GENL_VERSION is bumped when an attribute's meaning
 * changes; new attributes and commands are only ever added at the end of
 * their enum, and readers skip attributes they do not know.
 */

#ifndef _UAPI_LINUX_SFB_H
#define _UAPI_LINUX_SFB_H

#define SFB_GENL_NAME		"sfb"
#define SFB_GENL_VERSION	1

enum sfb_cmd {
	SFB_CMD_UNSPEC,
	SFB_CMD_GET_INFO,
	__SFB_CMD_MAX
};

#define SFB_CMD_MAX (__SFB_CMD_MAX - 1)

enum sfb_attr {
	SFB_A_UNSPEC,
	SFB_A_VERSION,
	SFB_A_UAPI_VERSION,
	SFB_A_LIMITS,
	__SFB_A_LAST
};

#define SFB_A_MAX (__SFB_A_LAST - 1)

enum sfb_limit_attr {
	SFB_LIMIT_A_UNSPEC,
	SFB_LIMIT_A_ROLES,
	SFB_LIMIT_A_SERVICES,
	SFB_LIMIT_A_BINDINGS,
	SFB_LIMIT_A_EXEMPTIONS,
	SFB_LIMIT_A_MEMORY,
	SFB_LIMIT_A_PAD,
	__SFB_LIMIT_A_LAST
};

#define SFB_LIMIT_A_MAX (__SFB_LIMIT_A_LAST - 1)

#endif /* _UAPI_LINUX_SFB_H */
