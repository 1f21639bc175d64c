/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb datapath: the netfilter hooks of one network namespace.
 */
#ifndef _NF_SFB_HOOKS_H
#define _NF_SFB_HOOKS_H

struct net;
struct sfb_ruleset;

/* Groups of hooks, as bits: which ones @rs needs; (un)register them. */
unsigned int sfb_hooks_wanted(const struct sfb_ruleset *rs);
int sfb_hooks_register(struct net *net, unsigned int groups);
void sfb_hooks_unregister(struct net *net, unsigned int groups);

#endif /* _NF_SFB_HOOKS_H */
