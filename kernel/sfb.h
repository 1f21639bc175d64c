/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb internals shared by the module's files: limits and per-netns state.
 */
#ifndef _NF_SFB_H
#define _NF_SFB_H

#include <linux/mutex.h>
#include <linux/types.h>

/*
 * Limits per ruleset, reported by SFB_CMD_GET_INFO and documented in
 * sfbctl(8). They bound the memory a user namespace root can pin.
 */
#define SFB_MAX_ROLES		64
#define SFB_MAX_SERVICES	4096
#define SFB_MAX_BINDINGS	4096
#define SFB_MAX_EXEMPTIONS	256
#define SFB_MAX_MEMORY		(64ULL << 20)

/* Per network namespace state. */
struct sfb_net {
	/* Serialises every change to this namespace's ruleset. */
	struct mutex lock;
};

struct sfb_net *sfb_net(const struct net *net);

int sfb_netlink_init(void);
void sfb_netlink_uninit(void);

#endif /* _NF_SFB_H */
