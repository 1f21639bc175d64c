/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the raw clients of the sfb genl family (sfb_nl, sfb_nlfuzz,
 * sfb_replay) share: the socket, the request headers, the family's id and
 * extack messages.
 * Everything is static inline: each client uses its own subset.
 */
#ifndef SFB_NL_UTIL_H
#define SFB_NL_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "uapi/linux/sfb.h"

/*
 * A bound generic netlink socket. Acks never echo the request
 * (NETLINK_CAP_ACK); they carry an extack message if @ext_ack.
 */
static inline struct mnl_socket *sfb_nl_open(bool ext_ack)
{
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_GENERIC,
						   SOCK_CLOEXEC);
	int one = 1;

	if (!sock)
		return NULL;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(sock);
		return NULL;
	}
	if (ext_ack)
		mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	return sock;
}

/* Start an acknowledged request in @buf: netlink and genl headers. */
static inline struct nlmsghdr *sfb_nl_request(void *buf, uint16_t type,
					      uint8_t cmd, uint16_t flags,
					      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SFB_GENL_VERSION;
	return nlh;
}

static inline int sfb_nl_family_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static inline int sfb_nl_family_reply(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			      sfb_nl_family_attr, data);
}

/* Ask nlctrl on @sock for the sfb family; @cb reads the reply. */
static inline void sfb_nl_get_family(struct mnl_socket *sock, mnl_cb_t cb,
				     void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = sfb_nl_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, 1);
	/* nlctrl's own version, whatever sfb's is */
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SFB_GENL_NAME);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return;
	do {
		ret = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (ret > 0)
			ret = mnl_cb_run(buf, ret, 1, mnl_socket_get_portid(sock),
					 cb, data);
	} while (ret > 0);
}

/* The sfb family's id, asked of nlctrl on @sock; 0 if it has none. */
static inline uint16_t sfb_nl_family(struct mnl_socket *sock)
{
	uint16_t id = 0;

	sfb_nl_get_family(sock, sfb_nl_family_reply, &id);
	return id;
}

static inline int sfb_nl_group_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr *a;
	bool events = false;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			events = !strcmp(mnl_attr_get_str(a),
					 SFB_GENL_MCGRP_EVENTS);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(a);
	}
	if (events)
		*(uint32_t *)data = id;
	return MNL_CB_OK;
}

static inline int sfb_nl_groups_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_parse_nested(attr, sfb_nl_group_attr, data);
	return MNL_CB_OK;
}

static inline int sfb_nl_groups_reply(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			      sfb_nl_groups_attr, data);
}

/* The id of sfb's "events" multicast group, asked of nlctrl; 0 if none. */
static inline uint32_t sfb_nl_events_group(struct mnl_socket *sock)
{
	uint32_t group = 0;

	sfb_nl_get_family(sock, sfb_nl_groups_reply, &group);
	return group;
}

static inline int sfb_nl_extack_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*(const char **)data = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* The extack message of an NLMSG_ERROR on a NETLINK_CAP_ACK socket, or "". */
static inline const char *sfb_nl_extack(const struct nlmsghdr *nlh)
{
	const char *msg = "";

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, sizeof(struct nlmsgerr), sfb_nl_extack_attr,
			       &msg);
	return msg;
}

#endif /* SFB_NL_UTIL_H */
