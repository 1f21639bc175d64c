/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_sfb datapath: the netfilter hooks of one network namespace.
 */
#ifndef _NF_SFB_HOOKS_H
#define _NF_SFB_HOOKS_H

struct net;

int sfb_hooks_register(struct net *net);
void sfb_hooks_unregister(struct net *net);

#endif /* _NF_SFB_HOOKS_H */
