/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A resolved configuration as an nf_sfb load transaction (the message
 * sequence of include/uapi/linux/sfb.h): LOAD_BEGIN, LOAD_ROLE for every
 * role that is bound or named by an ipsec-exempt rule, LOAD_BIND per bind
 * statement, LOAD_EXEMPT per ipsec-exempt rule, LOAD_COMMIT.
 *
 * Pure: no socket. The messages are complete genl messages except for the
 * family and sequence number, which the sender stamps; each remembers the
 * statement it comes from, so a kernel error can be shown at that line.
 *
 * The kernel knows no "extends": roles go composed, and an ipsec-exempt
 * rule naming role R also covers what extends R. So a bind of role S also
 * binds S's prefixes to every exempt-named role that S extends, and the
 * rule keeps naming R alone, once.
 */
#ifndef SFB_COMPILE_H
#define SFB_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "netlink.h"

/* Messages stay under this (the whole message), roles split to fit. */
#define SFB_TXN_MSG_MAX 16384u

struct sfb_txn_msg {
	struct nlmsghdr *nlh;
	struct sfb_loc loc;	/* the statement it comes from; file NULL: none */
	uint32_t seq;		/* set by the sender */
};

struct sfb_txn {
	struct sfb_txn_msg *msgs;
	size_t n, cap;
	/* Role ids as sent: roles[id] is the configuration's role. */
	const struct sfb_conf_role **roles;
	size_t n_roles;
	struct sfb_arena *arena;	/* private: holds all of it */
};

/*
 * The roles a configuration gives the kernel, numbered as sfb_compile()
 * sends them (their ids): the bound ones and those ipsec-exempt rules name,
 * in definition order. The nft backend numbers them the same way, so both
 * name a target by the same role ids.
 */
#define SFB_NO_ROLE_ID UINT32_MAX
struct sfb_role_ids {
	uint32_t *id;		/* by configuration role index, or SFB_NO_ROLE_ID */
	bool *exempt_named;	/* by configuration role index */
	const struct sfb_conf_role **role;	/* by id */
	size_t n;
};

void sfb_role_ids(const struct sfb_config *cfg, struct sfb_arena *a,
		  struct sfb_role_ids *ids);
/*
 * Does binding @b also hold cfg->roles[@i]: a role its own role extends and
 * an ipsec-exempt rule names? (The kernel knows no "extends"; see above.)
 */
bool sfb_binding_also_holds(const struct sfb_config *cfg,
			    const struct sfb_role_ids *ids,
			    const struct sfb_binding *b, size_t i);

/*
 * Compile @cfg into @txn (zeroed by the caller). @lim, if not NULL, are the
 * module's limits (0: unlimited); what would exceed them, and what the
 * kernel cannot hold (interface-only binds), is reported
 * to @d as errors at the culprit, and false returned. Interfaces that the
 * kernel ignores get a warning. COMMIT carries SFB_A_CHECK_ONLY if
 * @check_only.
 */
/*
 * The module's limits as this sfbctl knows them (the UAPI's), for checking
 * a configuration where the module is absent. The memory limit is 0: it
 * depends on the machine, and only the kernel can judge it.
 */
extern const struct sfb_limits sfb_builtin_limits;

bool sfb_compile(const struct sfb_config *cfg, const struct sfb_limits *lim,
		 bool check_only, struct sfb_diag *d, struct sfb_txn *txn);
void sfb_txn_free(struct sfb_txn *txn);

/* The message sent with sequence number @seq, or NULL. */
const struct sfb_txn_msg *sfb_txn_find(const struct sfb_txn *txn,
				       uint32_t seq);

#endif
