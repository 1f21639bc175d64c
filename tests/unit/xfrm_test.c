// SPDX-License-Identifier: GPL-2.0
/*
 * The xfrm bypass messages sfbctl builds, without a socket: a NEWPOLICY is
 * exactly what the recogniser calls sfb's (a dump reports a policy in the
 * same layout), and any difference in shape makes a policy someone else's.
 */
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "kselftest_harness.h"
#include "xfrm.h"

static struct nlmsghdr *policy(void *buf)
{
	struct nlmsghdr *nlh = sfb_xfrm_msg_new(buf, XFRM_POLICY_FWD, AF_INET6,
						0x400);
	return nlh;
}

TEST(new_policy_is_sfbs)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct nlmsghdr *nlh = policy(buf);
	struct xfrm_userpolicy_info *pi = mnl_nlmsg_get_payload(nlh);
	struct sfb_xfrm_policy p;

	ASSERT_EQ(XFRM_MSG_NEWPOLICY, nlh->nlmsg_type);
	EXPECT_EQ((unsigned)SFB_XFRM_PRIORITY, pi->priority);
	EXPECT_EQ(XFRM_POLICY_ALLOW, pi->action);
	EXPECT_EQ(0, pi->sel.prefixlen_d);
	EXPECT_EQ(0, pi->sel.prefixlen_s);
	ASSERT_TRUE(sfb_xfrm_parse(nlh, &p));
	EXPECT_EQ(XFRM_POLICY_FWD, p.dir);
	EXPECT_EQ(AF_INET6, p.family);
	EXPECT_EQ(0x400u, p.mark);
	EXPECT_EQ(0x400u, p.mask);
	EXPECT_EQ((unsigned)SFB_XFRM_PRIORITY, p.priority);
}

TEST(other_shapes_are_not)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info *pi;
	struct sfb_xfrm_policy p;
	struct xfrm_user_tmpl t = { 0 };
	struct xfrm_mark m = { .v = 0x400, .m = 0xffffffff };

	nlh = policy(buf);
	((struct xfrm_userpolicy_info *)mnl_nlmsg_get_payload(nlh))->priority = 11;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = policy(buf);
	((struct xfrm_userpolicy_info *)mnl_nlmsg_get_payload(nlh))->action =
		XFRM_POLICY_BLOCK;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = policy(buf);
	((struct xfrm_userpolicy_info *)mnl_nlmsg_get_payload(nlh))->sel.prefixlen_d = 8;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = policy(buf);
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = policy(buf);
	mnl_attr_put_u32(nlh, XFRMA_IF_ID, 7);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	/* The mark must be its own mask. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));
	memcpy(pi, mnl_nlmsg_get_payload(policy(buf + 256)), sizeof(*pi));
	mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));
}

TEST(delete_by_index_and_mark)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_xfrm_policy p = {
		.dir = XFRM_POLICY_IN, .family = AF_INET, .mark = 0x800,
		.mask = 0x800, .index = 0x1238,
	};
	struct nlmsghdr *nlh = sfb_xfrm_msg_del(buf, &p);
	struct xfrm_userpolicy_id *id = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(*id));
	struct xfrm_mark m;

	EXPECT_EQ(XFRM_MSG_DELPOLICY, nlh->nlmsg_type);
	EXPECT_EQ(0x1238u, id->index);
	EXPECT_EQ(XFRM_POLICY_IN, id->dir);
	ASSERT_EQ(XFRMA_MARK, mnl_attr_get_type(attr));
	memcpy(&m, mnl_attr_get_payload(attr), sizeof(m));
	EXPECT_EQ(0x800u, m.v);
	EXPECT_EQ(0x800u, m.m);
}

TEST_HARNESS_MAIN
