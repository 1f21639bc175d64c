// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: Skype for Business Server 2015 port policy for netfilter.
 *
 * Module init and exit, and the per network namespace state.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <uapi/linux/sfb.h>

#include "hooks.h"
#include "ruleset.h"
#include "sfb.h"

static unsigned int sfb_net_id __read_mostly;

struct sfb_net *sfb_net(const struct net *net)
{
	return net_generic(net, sfb_net_id);
}

struct sfb_ruleset *sfb_net_ruleset(struct sfb_net *sn)
{
	return rcu_dereference_protected(sn->ruleset,
					 lockdep_is_held(&sn->lock));
}

void sfb_net_discard_txn(struct sfb_net *sn)
{
	lockdep_assert_held(&sn->lock);
	if (!sn->txn)
		return;
	sfb_ruleset_free(sn->txn);
	sn->txn = NULL;
}

/*
 * Put @rs (compiled; NULL: none) in force in @net, atomically: a packet
 * sees the old ruleset or the new one. The hooks @rs needs are registered
 * before it is published (a hook that only the new ruleset needs finds
 * nothing to do in the old one), those only the old one needed go after.
 * The old ruleset is freed once no packet can still be using it.
 *
 * A namespace with a ruleset holds a reference on the module, as an
 * nf_tables rule holds its expression's module: rmmod then fails ("in
 * use") instead of silently lifting a policy that sfbctl's xfrm bypass
 * policies and the admin's nftables rules rely on. `sfbctl flush` first.
 */
int sfb_net_install(struct net *net, struct sfb_ruleset *rs)
{
	struct sfb_net *sn = sfb_net(net);
	struct sfb_ruleset *old = sfb_net_ruleset(sn);
	unsigned int want = rs ? sfb_hooks_wanted(rs) : 0;
	int err;

	err = sfb_hooks_register(net, want & ~sn->hooks);
	if (err)
		return err;
	if (rs && !old)
		__module_get(THIS_MODULE);
	sn->generation++;
	if (rs)
		rs->generation = sn->generation;
	rcu_assign_pointer(sn->ruleset, rs);
	sfb_hooks_unregister(net, sn->hooks & ~want);
	sn->hooks = want;
	if (!old)
		return 0;
	if (!rs)
		module_put(THIS_MODULE);
	sfb_ruleset_free_rcu(old);
	return 0;
}

static int __net_init sfb_net_init(struct net *net)
{
	mutex_init(&sfb_net(net)->lock);
	return 0;
}

/*
 * pre_exit, not exit: the core waits for an RCU grace period between the
 * two, so no hook still reads this namespace's sfb_net when it is freed.
 */
static void __net_exit sfb_net_pre_exit(struct net *net)
{
	struct sfb_net *sn = sfb_net(net);

	mutex_lock(&sn->lock);
	sfb_net_discard_txn(sn);
	sfb_net_install(net, NULL);
	mutex_unlock(&sn->lock);
}

static struct pernet_operations sfb_net_ops = {
	.init = sfb_net_init,
	.pre_exit = sfb_net_pre_exit,
	.id = &sfb_net_id,
	.size = sizeof(struct sfb_net),
};

static int __init sfb_init(void)
{
	int ret;

	ret = register_pernet_subsys(&sfb_net_ops);
	if (ret)
		return ret;

	/* Last: once the family is visible, requests can arrive. */
	ret = sfb_netlink_init();
	if (ret)
		goto err_netlink;

	pr_info("loaded, version %s\n", SFB_VERSION);
	return 0;

err_netlink:
	unregister_pernet_subsys(&sfb_net_ops);
	return ret;
}

static void __exit sfb_exit(void)
{
	sfb_netlink_uninit();
	unregister_pernet_subsys(&sfb_net_ops);
	/* Rulesets replaced or removed are freed by RCU callbacks. */
	rcu_barrier();
}

module_init(sfb_init);
module_exit(sfb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Skype for Business Server 2015 port policy for netfilter");
MODULE_AUTHOR("The sfb developers");
MODULE_VERSION(SFB_VERSION);
MODULE_ALIAS_GENL_FAMILY(SFB_GENL_NAME);
