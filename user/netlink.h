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

/* Start an sfb request for CMD in nl->buf; add attributes, then talk. */
struct nlmsghdr *sfb_nl_request(struct sfb_nl *nl, uint8_t cmd,
				uint16_t flags);

/*
 * Send NLH and run CB (may be NULL) on every reply until the kernel's ack or
 * the end of a dump. Returns an sfbctl exit code; a kernel error is printed
 * with its extack message.
 */
int sfb_nl_talk(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data);

#endif
