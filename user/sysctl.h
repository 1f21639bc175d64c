/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl load --sysctl: the two settings of the current network namespace
 * that complete the IPsec bypass (sfbctl(8)); flush puts them back.
 *
 * net.ipv4.tcp_fwmark_accept = 1: an accepted TCP socket takes the mark of
 * its SYN (IPv6 too), so its own route lookups see the exempt mark.
 *
 * net.ipv4.ip_local_reserved_ports gains the source port ranges of the
 * ipsec-exempt rules that have one (not "any"), such as the clients'
 * media range: the kernel then never picks an ephemeral port in them (for
 * IPv6 either), so an unrelated local flow is never exempt by chance.
 * Rules by address need nothing: all their traffic is exempt anyway. What
 * the administrator reserved stays reserved.
 *
 * What sfb changed is kept in a state file per network namespace
 * (runstate.h): the value tcp_fwmark_accept had before sfb set it, and the
 * ports sfb reserved that were not reserved already. A load with --sysctl
 * starts from the values without sfb's changes, so a reload keeps the
 * original values, and a configuration without a bypass gets them back;
 * flush restores them.
 */
#ifndef SFBCTL_SYSCTL_H
#define SFBCTL_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "runstate.h"

/* Room for any value of ip_local_reserved_ports ("1,3,5,...,65535"). */
#define SFB_PORTS_TEXT_MAX (1u << 18)

/*
 * Pure: ip_local_reserved_ports as sfb wants it. @cur is its value as
 * read, @ours the ports sfb added earlier ("" if none), @cfg the
 * configuration whose ipsec-exempt source ports to reserve (NULL: none).
 * Into @out the new value, @cur without @ours plus @cfg's ports; into
 * @added those of @cfg's ports that are not in @cur without @ours: what
 * sfb reserves, to give back later. Both as ascending "N" and "N-M" runs
 * joined by commas, in @size bytes each. 0; -EINVAL if @cur does not
 * parse, -EBADMSG if @ours does not; -ERANGE if ports are added and then
 * every port of @ephemeral (ip_local_port_range) would be reserved;
 * -ENOSPC if @size is too small.
 */
int sfb_reserved_ports(const struct sfb_config *cfg, const char *cur,
		       const char *ours, struct sfb_range ephemeral,
		       char *out, char *added, size_t size);

/*
 * In two steps around the ruleset commit, so that a refusal changes
 * nothing: prepare reads the state file and both settings and computes
 * the new values and state, apply writes them. Both return an sfbctl exit
 * code, with one line printed on failure; apply prints one line per
 * setting it changes.
 */
struct sfb_sysctl {
	bool active;		/* sfb has something to set or to restore */
	struct sfb_runstate state;	/* the namespace's state file */
	char fwmark[16];	/* tcp_fwmark_accept: as read */
	char fwmark_new[16];	/* wanted */
	char fwmark_orig[16];	/* to keep: before sfb set it; "" if it did not */
	/* ip_local_reserved_ports: as read, wanted; the ports sfb reserves */
	char *cur, *value, *added;
};

/*
 * @cfg: the configuration being loaded, whose bypass (sfb_xfrm_bypass)
 * wants the settings; NULL to restore them (flush). With neither a bypass
 * nor a state file, nothing is read or written.
 */
int sfb_sysctl_prepare(struct sfb_sysctl *sc, const struct sfb_config *cfg);
int sfb_sysctl_apply(const struct sfb_sysctl *sc);
void sfb_sysctl_free(struct sfb_sysctl *sc);

#endif
