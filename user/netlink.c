// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's generic netlink client: socket, family lookup, request/reply
 * loop and kernel error reporting with extack.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "netlink.h"
#include "sfbctl.h"
#include "uapi/linux/sfb.h"

static struct nlmsghdr *genl_request(struct sfb_nl *nl, uint16_t family,
				     uint8_t cmd, uint8_t version,
				     uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nl_error {
	int error;		/* positive errno, 0 for an ack */
	char msg[256];		/* the kernel's extack message, if any */
};

/* libmnl hands data and control callbacks the same pointer: this one. */
struct talk_ctx {
	mnl_cb_t cb;
	void *data;
	struct nl_error err;
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_error *e = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR carries both acks (error 0) and failures, plus extack. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl_error *e = &((struct talk_ctx *)data)->err;
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		e->error = EBADMSG;
		return MNL_CB_ERROR;
	}
	e->error = -err->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(err->msg);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_attr_cb, e);
	}
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int talk(struct sfb_nl *nl, struct nlmsghdr *nlh, struct talk_ctx *t)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		t->err.error = errno;
		return -1;
	}
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0) {
			t->err.error = errno;
			return -1;
		}
		ret = mnl_cb_run2(nl->buf, n, seq, nl->portid, data_cb, t, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR && !t->err.error)
			t->err.error = errno ? errno : EPROTO;
	} while (ret > MNL_CB_STOP);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

static int get_family_cb(const struct nlattr *attr, void *data)
{
	uint16_t *family = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), get_family_cb,
			      data);
}

static void print_kernel_error(const struct nl_error *e)
{
	if (e->error == EPERM)
		fprintf(stderr, "sfb: permission denied: CAP_NET_ADMIN in the "
			"network namespace's user namespace is required\n");
	else if (e->msg[0])
		fprintf(stderr, "sfb: kernel: %s (%s)\n", e->msg,
			strerror(e->error));
	else
		fprintf(stderr, "sfb: kernel: %s\n", strerror(e->error));
}

int sfb_nl_open(struct sfb_nl *nl)
{
	struct talk_ctx t = { .cb = family_reply_cb, .data = &nl->family };
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		fprintf(stderr, "sfb: cannot open a netlink socket: %s\n",
			strerror(errno));
		return SFBCTL_EXIT_ERROR;
	}
	/* Ask for extack messages, without our request echoed back. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "sfb: cannot bind a netlink socket: %s\n",
			strerror(errno));
		sfb_nl_close(nl);
		return SFBCTL_EXIT_ERROR;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);

	nlh = genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SFB_GENL_NAME);
	if (talk(nl, nlh, &t) < 0 || !nl->family) {
		bool missing = t.err.error == ENOENT || !t.err.error;

		if (missing)
			fprintf(stderr, "sfb: generic netlink family not found "
				"(is nf_sfb loaded?)\n");
		else
			print_kernel_error(&t.err);
		sfb_nl_close(nl);
		return missing ? SFBCTL_EXIT_NO_MODULE : SFBCTL_EXIT_ERROR;
	}
	return SFBCTL_EXIT_OK;
}

void sfb_nl_close(struct sfb_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *sfb_nl_request(struct sfb_nl *nl, uint8_t cmd,
				uint16_t flags)
{
	return genl_request(nl, nl->family, cmd, SFB_GENL_VERSION, flags);
}

int sfb_nl_talk(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	struct talk_ctx t = { .cb = cb, .data = data };

	if (talk(nl, nlh, &t) == 0)
		return SFBCTL_EXIT_OK;
	print_kernel_error(&t.err);
	return SFBCTL_EXIT_KERNEL;
}
