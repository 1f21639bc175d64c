// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's generic netlink client: socket, family lookup, request/reply
 * loop and kernel error reporting with extack.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "modload.h"
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

/* libmnl hands data and control callbacks the same pointer: this one. */
struct talk_ctx {
	mnl_cb_t cb;
	void *data;
	struct sfb_nl_error err;	/* error 0: an ack */
	bool intr;			/* a dump message had NLM_F_DUMP_INTR */
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct sfb_nl_error *e = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR carries both acks (error 0) and failures, plus extack. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct sfb_nl_error *e = &((struct talk_ctx *)data)->err;
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		e->error = EBADMSG;
		return MNL_CB_ERROR;
	}
	e->error = -err->error;
	e->seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(err->msg);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_attr_cb, e);
	}
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

/* A dump that fails after it started reports the error in NLMSG_DONE. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sfb_nl_error *e = &((struct talk_ctx *)data)->err;
	int error;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(error)))
		return MNL_CB_STOP;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (!error)
		return MNL_CB_STOP;
	e->error = -error;
	e->seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, sizeof(error), extack_attr_cb, e);
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/*
 * libmnl fails a batch at the first NLM_F_DUMP_INTR message, DONE included,
 * and would leave the rest of the dump queued on the socket, where it would
 * break the next request. So look for the flag first; once seen, only read
 * on to the end of the dump.
 */
static bool dump_ends(const void *buf, size_t len, struct talk_ctx *t)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool end = false;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			t->intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR)
			end = true;
	}
	return end;
}

static int talk(struct sfb_nl *nl, struct nlmsghdr *nlh, struct talk_ctx *t)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	uint32_t seq = nlh->nlmsg_seq;
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP, end;
	ssize_t n;
	int ret = MNL_CB_OK;	/* an interrupted dump reads on: "continue" */

	/* A dump ends with NLMSG_DONE; asking for an ack too gets it twice. */
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
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
		end = dump_ends(nl->buf, n, t);
		if (end && t->intr)
			return 0;
		if (t->intr)
			continue;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, n, seq, nl->portid, data_cb, t, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR && !t->err.error)
			t->err.error = errno ? errno : EPROTO;
	} while (ret > MNL_CB_STOP);
	/*
	 * A callback that failed mid-dump (out of memory) leaves the rest
	 * of the dump queued: read it off, or the next request on this
	 * socket (a rollback) would read it as its answer.
	 */
	while (dump && !end &&
	       (n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf))) > 0)
		end = dump_ends(nl->buf, n, t);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

struct family_attrs {
	const char *name;
	uint16_t id;
	uint32_t events;	/* the "events" group's id, 0 if none */
};

/* One group of CTRL_ATTR_MCAST_GROUPS: its id if it is "events". */
static int mcast_group_cb(const struct nlattr *nest, void *data)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			id = mnl_attr_get_u32(attr);
	}
	if (name && !strcmp(name, SFB_GENL_MCGRP_EVENTS))
		*(uint32_t *)data = id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_attrs *f = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			f->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_FAMILY_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			f->name = mnl_attr_get_str(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, mcast_group_cb, &f->events);
		break;
	}
	return MNL_CB_OK;
}

/* A family, asked for by name or one of a dump: sfb's id and group. */
static int family_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_attrs f = { 0 };
	struct sfb_nl *nl = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			   &f) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (f.name && !strcmp(f.name, SFB_GENL_NAME)) {
		nl->family = f.id;
		nl->events_group = f.events;
	}
	return MNL_CB_OK;
}

static void print_kernel_error(const struct sfb_nl_error *e)
{
	if (e->error == EPERM)
		fprintf(stderr,
			"sfb: permission denied: CAP_NET_ADMIN in the network namespace's user namespace is required\n");
	else if (e->msg[0])
		fprintf(stderr, "sfb: kernel: %s (%s)\n", e->msg,
			strerror(e->error));
	else
		fprintf(stderr, "sfb: kernel: %s\n", strerror(e->error));
}

int sfb_nl_open_raw(struct sfb_nl *nl, int protocol, const char **what)
{
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(protocol);
	if (!nl->sock) {
		*what = "open";
		return errno;
	}
	/* Ask for extack messages, without our request echoed back. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		*what = "bind";
		sfb_nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return 0;
}

/*
 * Resolve the family into nl->family: by name, for which the kernel first
 * tries to load the module of the name's alias (MODULE_ALIAS_GENL_FAMILY),
 * or in a dump of every family, which loads nothing. 0, ENOENT if there is
 * no such family, or another errno with the kernel's error in @e.
 */
static int find_family(struct sfb_nl *nl, bool by_name, struct sfb_nl_error *e)
{
	struct talk_ctx t = { .cb = family_reply_cb, .data = nl };
	struct nlmsghdr *nlh;

	nlh = genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
			   by_name ? 0 : NLM_F_DUMP);
	if (by_name)
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SFB_GENL_NAME);
	if (talk(nl, nlh, &t) < 0) {
		*e = t.err;
		return e->error ? e->error : EPROTO;
	}
	return nl->family ? 0 : ENOENT;
}

int sfb_nl_open(struct sfb_nl *nl, enum sfb_nl_module how)
{
	struct sfb_nl_error e = { 0 };
	const char *what;
	int ret, err = sfb_nl_open_raw(nl, NETLINK_GENERIC, &what);

	if (err) {
		fprintf(stderr, "sfb: cannot %s a netlink socket: %s\n", what,
			strerror(err));
		return SFBCTL_EXIT_ERROR;
	}
	err = find_family(nl, how == SFB_NL_AUTOLOAD, &e);
	if (err == ENOENT && how == SFB_NL_AUTOLOAD) {
		ret = sfb_modload();
		if (ret != SFBCTL_EXIT_OK) {
			sfb_nl_close(nl);
			return ret;
		}
		err = find_family(nl, true, &e);
	}
	if (!err)
		return SFBCTL_EXIT_OK;
	sfb_nl_close(nl);
	if (err != ENOENT) {
		print_kernel_error(&e);
		return SFBCTL_EXIT_ERROR;
	}
	if (how == SFB_NL_LOADED)
		return sfb_nl_missing();
	if (how == SFB_NL_AUTOLOAD)	/* an "install" in modprobe.d? */
		fprintf(stderr,
			"sfb: nf_sfb was loaded, but its generic netlink family is not there\n");
	return SFBCTL_EXIT_NO_MODULE;
}

int sfb_nl_missing(void)
{
	fprintf(stderr, "sfb: generic netlink family not found (is nf_sfb loaded?)\n");
	return SFBCTL_EXIT_NO_MODULE;
}

void sfb_nl_close(struct sfb_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct sfb_nl *sfb_nl_connect(enum sfb_nl_module how, int *ret)
{
	struct sfb_nl *nl = malloc(sizeof(*nl));

	if (!nl) {
		fprintf(stderr, "sfb: out of memory\n");
		*ret = SFBCTL_EXIT_ERROR;
		return NULL;
	}
	*ret = sfb_nl_open(nl, how);
	if (*ret != SFBCTL_EXIT_OK) {
		free(nl);
		return NULL;
	}
	return nl;
}

void sfb_nl_disconnect(struct sfb_nl *nl)
{
	if (!nl)
		return;
	sfb_nl_close(nl);
	free(nl);
}

int sfb_nl_join_events(struct sfb_nl *nl)
{
	unsigned int group = nl->events_group;

	if (group && mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
					   &group, sizeof(group)) < 0)
		return errno;
	return group ? 0 : ENOENT;
}

struct nlmsghdr *sfb_nl_request(struct sfb_nl *nl, uint8_t cmd,
				uint16_t flags)
{
	return genl_request(nl, nl->family, cmd, SFB_GENL_VERSION, flags);
}

uint32_t sfb_nl_stamp(struct sfb_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh->nlmsg_seq;
}

int sfb_nl_talk_quiet(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		      void *data, struct sfb_nl_error *err)
{
	struct talk_ctx t = { .cb = cb, .data = data };

	if (talk(nl, nlh, &t) == 0)
		return SFBCTL_EXIT_OK;
	*err = t.err;
	return SFBCTL_EXIT_KERNEL;
}

int sfb_nl_talk(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data)
{
	struct sfb_nl_error err;
	int ret = sfb_nl_talk_quiet(nl, nlh, cb, data, &err);

	if (ret != SFBCTL_EXIT_OK)
		print_kernel_error(&err);
	return ret;
}

int sfb_nl_dump(struct sfb_nl *nl, uint8_t cmd, mnl_cb_t cb, void *data)
{
	struct talk_ctx t = { .cb = cb, .data = data };

	if (talk(nl, sfb_nl_request(nl, cmd, NLM_F_DUMP), &t) < 0) {
		print_kernel_error(&t.err);
		return SFBCTL_EXIT_KERNEL;
	}
	return t.intr ? SFB_NL_DUMP_INTR : SFBCTL_EXIT_OK;
}

static int limits_attr_cb(const struct nlattr *attr, void *data)
{
	struct sfb_limits *lim = data;
	uint32_t *u32_field = NULL;

	switch (mnl_attr_get_type(attr)) {
	case SFB_LIMIT_A_ROLES:
		u32_field = &lim->roles;
		break;
	case SFB_LIMIT_A_SERVICES:
		u32_field = &lim->services;
		break;
	case SFB_LIMIT_A_BINDINGS:
		u32_field = &lim->bindings;
		break;
	case SFB_LIMIT_A_EXEMPTIONS:
		u32_field = &lim->exemptions;
		break;
	case SFB_LIMIT_A_MEMORY:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
			lim->memory = mnl_attr_get_u64(attr);
		return MNL_CB_OK;
	default:	/* newer kernels may report more */
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*u32_field = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct sfb_info *info = data;

	switch (mnl_attr_get_type(attr)) {
	case SFB_A_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(info->version, sizeof(info->version), "%s",
				 mnl_attr_get_str(attr));
		break;
	case SFB_A_UAPI_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			info->uapi = mnl_attr_get_u32(attr);
		break;
	case SFB_A_LIMITS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			return mnl_attr_parse_nested(attr, limits_attr_cb,
						     &info->limits);
		break;
	case SFB_A_GENERATION:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0) {
			info->generation = mnl_attr_get_u64(attr);
			info->state = true;
		}
		break;
	case SFB_A_MEMORY:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
			info->memory = mnl_attr_get_u64(attr);
		break;
	}
	return MNL_CB_OK;
}

int sfb_info_feed(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr_cb,
			      data);
}

int sfb_nl_fetch_info(struct sfb_nl *nl, struct sfb_info *info)
{
	memset(info, 0, sizeof(*info));
	return sfb_nl_talk(nl, sfb_nl_request(nl, SFB_CMD_GET_INFO, 0),
			   sfb_info_feed, info);
}

int sfb_nl_fetch_state(struct sfb_nl *nl, struct sfb_info *info)
{
	int ret = sfb_nl_fetch_info(nl, info);

	if (ret != SFBCTL_EXIT_OK || info->state)
		return ret;
	print_kernel_error(&(struct sfb_nl_error){ .error = EPERM });
	return SFBCTL_EXIT_KERNEL;
}
