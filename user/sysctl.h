/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl load --sysctl: the two settings of the current network namespace
 * that complete the IPsec bypass (sfbctl(8)).
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
 */
#ifndef SFBCTL_SYSCTL_H
#define SFBCTL_SYSCTL_H

#include <stddef.h>

#include "config.h"

/* Room for any value of ip_local_reserved_ports ("1,3,5,...,65535"). */
#define SFB_PORTS_TEXT_MAX (1u << 18)

/*
 * Pure: the value to write to ip_local_reserved_ports, @cur (its value as
 * read) plus the source ports of @cfg's ipsec-exempt rules, as ascending
 * "N" and "N-M" runs joined by commas, into @out. 0; -EINVAL if @cur does
 * not parse; -ERANGE if ports are added and then every port of @ephemeral
 * (ip_local_port_range) would be reserved; -ENOSPC if @size is too small.
 */
int sfb_reserved_ports(const struct sfb_config *cfg, const char *cur,
		       struct sfb_range ephemeral, char *out, size_t size);

/*
 * In two steps around the ruleset commit, so that a refusal changes
 * nothing: prepare reads both settings and computes the new values,
 * apply writes those that differ, printing one line per setting changed.
 * Both return an sfbctl exit code, with one line printed on failure.
 */
struct sfb_sysctl {
	char fwmark[16];	/* tcp_fwmark_accept as read */
	char *cur, *value;	/* ip_local_reserved_ports: as read, wanted */
};

int sfb_sysctl_prepare(struct sfb_sysctl *sc, const struct sfb_config *cfg);
int sfb_sysctl_apply(const struct sfb_sysctl *sc);
void sfb_sysctl_free(struct sfb_sysctl *sc);

#endif
