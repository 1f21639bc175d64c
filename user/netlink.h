/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl's generic netlink client for the "sfb" family (libmnl).
 */
#ifndef SFBCTL_NETLINK_H
#define SFBCTL_NETLINK_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* Large enough for a dump batch; rulesets span several messages anyway. */
#define SFB_NL_BUFSIZE 32768

struct sfb_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	uint16_t family;	/* resolved id of the "sfb" family */
	char buf[SFB_NL_BUFSIZE];
};

/*
 * Open a socket and resolve the family. Returns an sfbctl exit code; on
 * failure one line saying why has been printed to stderr.
 */
int sfb_nl_open(struct sfb_nl *nl);
void sfb_nl_close(struct sfb_nl *nl);
/*
 * Only open and bind a socket of netlink @protocol (no family lookup, nl->family
 * stays 0), for talking to other netlink families (NETLINK_XFRM). Returns 0
 * or a positive errno, with *@what the step that failed ("open", "bind");
 * prints nothing.
 */
int sfb_nl_open_raw(struct sfb_nl *nl, int protocol, const char **what);
/* sfb_nl_open on the heap (the buffer is large); NULL with *ret set. */
struct sfb_nl *sfb_nl_connect(int *ret);
void sfb_nl_disconnect(struct sfb_nl *nl);

/* Start an sfb request for CMD in nl->buf; add attributes, then talk. */
struct nlmsghdr *sfb_nl_request(struct sfb_nl *nl, uint8_t cmd,
				uint16_t flags);

/*
 * Address a message built outside nl->buf (sfb_compile's) to the family,
 * as a request with a fresh sequence number, which it returns.
 */
uint32_t sfb_nl_stamp(struct sfb_nl *nl, struct nlmsghdr *nlh);

/*
 * Send NLH and run CB (may be NULL) on every reply until the kernel's ack or
 * the end of a dump. Returns an sfbctl exit code; a kernel error is printed
 * with its extack message.
 */
int sfb_nl_talk(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data);

/* What the kernel said when it refused a request. */
struct sfb_nl_error {
	int error;		/* positive errno */
	uint32_t seq;		/* of the refused message */
	char msg[256];		/* the extack message, "" if none */
};

/* sfb_nl_talk, but a kernel error is left in @err for the caller to print. */
int sfb_nl_talk_quiet(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		      void *data, struct sfb_nl_error *err);

/* Returned by sfb_nl_dump when a commit interrupted the dump. */
#define SFB_NL_DUMP_INTR (-1)

/*
 * Dump CMD, running CB on every message. A dump the kernel flagged
 * NLM_F_DUMP_INTR (the ruleset changed under it) is read to its end and
 * SFB_NL_DUMP_INTR returned: the caller drops what CB gathered and asks
 * again. Otherwise an sfbctl exit code, errors printed.
 */
int sfb_nl_dump(struct sfb_nl *nl, uint8_t cmd, mnl_cb_t cb, void *data);

/* SFB_CMD_GET_INFO */
struct sfb_info {
	char version[64];
	uint32_t uapi;
	struct sfb_limits {
		uint32_t roles, services, bindings, exemptions;
		uint64_t memory;
	} limits;
	uint64_t generation;
};

int sfb_nl_get_info(struct sfb_nl *nl, struct sfb_info *info);
/* mnl_cb_t: the attributes of GET_INFO (and COMMIT's generation) into @data. */
int sfb_info_feed(const struct nlmsghdr *nlh, void *data);

#endif
