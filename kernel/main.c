// SPDX-License-Identifier: GPL-2.0
/*
 * nf_sfb: Skype for Business Server 2015 port policy for netfilter.
 *
 * Module init and exit, and the per network namespace state.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <uapi/linux/sfb.h>

#include "sfb.h"

static unsigned int sfb_net_id __read_mostly;

struct sfb_net *sfb_net(const struct net *net)
{
	return net_generic(net, sfb_net_id);
}

static int __net_init sfb_net_init(struct net *net)
{
	mutex_init(&sfb_net(net)->lock);
	return 0;
}

static struct pernet_operations sfb_net_ops = {
	.init = sfb_net_init,
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
}

module_init(sfb_init);
module_exit(sfb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Skype for Business Server 2015 port policy for netfilter");
MODULE_AUTHOR("The sfb developers");
MODULE_VERSION(SFB_VERSION);
MODULE_ALIAS_GENL_FAMILY(SFB_GENL_NAME);
