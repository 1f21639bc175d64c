/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb internals shared by the module's files: limits and per-netns state.
 */
#ifndef _NF_SFB_H
#define _NF_SFB_H

#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <uapi/linux/sfb.h>

struct net;
struct sfb_ruleset;

/*
 * Limits per ruleset, reported by SFB_CMD_GET_INFO and documented in
 * sfbctl(8): SFB_MAX_ROLES and the others in the UAPI header, and the
 * memory limit below. They bound the memory a user namespace root can pin.
 *
 * Bytes one namespace's rulesets may take, the one being loaded included,
 * counted as the allocator takes them (what the memory cgroup is charged):
 * a base, plus a share per possible CPU for the per-CPU counters, so that
 * the largest ruleset fits on any machine.
 */
#define SFB_MAX_MEMORY_BASE	(64ULL << 20)
#define SFB_MAX_MEMORY_PER_CPU	(4ULL << 20)
#define SFB_MAX_MEMORY \
	(SFB_MAX_MEMORY_BASE + nr_cpu_ids * SFB_MAX_MEMORY_PER_CPU)

/* Per network namespace state. */
struct sfb_net {
	/* Serialises every change to this namespace's ruleset. */
	struct mutex lock;
	/* The ruleset in force, and the hook groups it needs (hooks.c). */
	struct sfb_ruleset __rcu *ruleset;
	unsigned int hooks;
	/* The ruleset being loaded, owned by the socket txn_portid. */
	struct sfb_ruleset *txn;
	u32 txn_portid;
	/* Sequence number of the transaction's last accepted message. */
	u32 txn_seq;
	/* +1 at every commit and flush. */
	u64 generation;
};

struct sfb_net *sfb_net(const struct net *net);
int sfb_net_install(struct net *net, struct sfb_ruleset *rs);
struct sfb_ruleset *sfb_net_ruleset(struct sfb_net *sn);
void sfb_net_discard_txn(struct sfb_net *sn);

int sfb_netlink_init(void);
void sfb_netlink_uninit(void);

#endif /* _NF_SFB_H */
