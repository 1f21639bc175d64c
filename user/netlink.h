/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl's generic netlink client for the "sfb" family (libmnl).
 */
#ifndef SFBCTL_NETLINK_H
#define SFBCTL_NETLINK_H

#include <stdbool.h>
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
	uint32_t events_group;	/* its "events" multicast group; 0: none */
	/* Messages are built and parsed in place: align as they are. */
	char buf[SFB_NL_BUFSIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* What sfb_nl_open does when nf_sfb is not loaded. */
enum sfb_nl_module {
	SFB_NL_LOADED,		/* say so: SFBCTL_EXIT_NO_MODULE */
	SFB_NL_IF_LOADED,	/* the same without a word (flush) */
	SFB_NL_AUTOLOAD,	/* load it (modload.h), as load does */
};

/*
 * Open a socket and resolve the family. Only SFB_NL_AUTOLOAD asks for the
 * family by name, which makes the kernel load the module of its alias
 * first; the others look for it in the list of families, which loads
 * nothing, so that reading or flushing never brings the module back.
 * Returns an sfbctl exit code; on failure one line saying why has been
 * printed to stderr (nothing for SFB_NL_IF_LOADED's missing module).
 */
int sfb_nl_open(struct sfb_nl *nl, enum sfb_nl_module how);
/* Say that nf_sfb is not loaded, as SFB_NL_LOADED does: SFBCTL_EXIT_NO_MODULE. */
int sfb_nl_missing(void);
void sfb_nl_close(struct sfb_nl *nl);
/*
 * Only open and bind a socket of netlink @protocol (no family lookup, nl->family
 * stays 0), for talking to other netlink families (NETLINK_XFRM). Returns 0
 * or a positive errno, with *@what the step that failed ("open", "bind");
 * prints nothing.
 */
int sfb_nl_open_raw(struct sfb_nl *nl, int protocol, const char **what);
/* sfb_nl_open on the heap (the buffer is large); NULL with *ret set. */
struct sfb_nl *sfb_nl_connect(enum sfb_nl_module how, int *ret);
void sfb_nl_disconnect(struct sfb_nl *nl);

/*
 * Join the family's "events" group (sfbctl monitor): 0, ENOENT if the
 * module has no such group, or the join's errno (EPERM without
 * CAP_NET_ADMIN over the network namespace). Prints nothing.
 */
int sfb_nl_join_events(struct sfb_nl *nl);

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
	/* Only for CAP_NET_ADMIN over the network namespace: */
	bool state;		/* the reply had them */
	uint64_t generation;
	uint64_t memory;	/* of the loaded ruleset; 0: none */
};

/* GET_INFO, as anyone may ask it: @info->state says if it has the state. */
int sfb_nl_fetch_info(struct sfb_nl *nl, struct sfb_info *info);
/* GET_INFO with the state, or the permission error every command gives. */
int sfb_nl_fetch_state(struct sfb_nl *nl, struct sfb_info *info);
/* mnl_cb_t: the attributes of GET_INFO (and COMMIT's generation) into @data. */
int sfb_info_feed(const struct nlmsghdr *nlh, void *data);

#endif
