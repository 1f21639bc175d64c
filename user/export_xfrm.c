// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl export --format xfrm: the bypass policies of xfrm.h as
 * `ip -batch` input, for hosts that mark with the nft or iptables export
 * instead of nf_sfb.
 *
 * The set is sfb_xfrm_wanted()'s, the one `sfbctl load` installs, and each
 * line gives a policy sfb's shape (priority, action allow, no template)
 * and an index in sfb's range: slot i + 1 for the i-th policy, so that
 * `sfbctl flush`, `show` and a later `load` take it for sfb's own.
 *
 * What ip cannot say: a selector's port mask. For "sport N" ip sets the
 * mask to 0xffff when N is not 0, and leaves value and mask 0 for
 * "sport 0" or no sport (iproute2's ip/ipxfrm.c). So a port block of one
 * port other than 0 and the block of all ports are exact; a wider block
 * (value/mask, as sfb_xfrm_blocks() cuts a range) and the block of port 0
 * alone are not, and are written as a comment saying so: `sfbctl load`
 * installs them through netlink.
 *
 * ip adds each policy exclusively (XFRM_MSG_NEWPOLICY) and the batch stops
 * at the first failure: loading the file where its policies are in place
 * fails at the first line and changes nothing. The kernel gives a policy
 * another index when its own is taken, and then sfb would not know it: so
 * the file is for a namespace without sfb policies, `sfbctl flush` first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "export_common.h"
#include "export_xfrm.h"
#include "xfrm.h"

static const char *prefix_text(uint16_t family, const xfrm_address_t *addr,
			       uint8_t len, char buf[SFB_PREFIX_STRLEN])
{
	struct sfb_prefix pfx = { .family = family, .len = len };

	memcpy(pfx.addr, addr, family == AF_INET ? 4 : 16);
	return sfb_prefix_format(&pfx, buf, SFB_PREFIX_STRLEN);
}

/* Whether ip's "sport N" (or none) gives @port/@mask (network order). */
static bool port_expressible(uint16_t port, uint16_t mask)
{
	return !mask || (mask == 0xffff && port);
}

/* " sport N": nothing for the block of all ports. */
static void put_port(FILE *f, const char *key, uint16_t port, uint16_t mask)
{
	if (mask)
		fprintf(f, " %s %u", key, ntohs(port));
}

static void policy(FILE *f, const struct sfb_xfrm_policy *p)
{
	const struct xfrm_selector *s = &p->sel;
	char src[SFB_PREFIX_STRLEN], dst[SFB_PREFIX_STRLEN];

	if (!port_expressible(s->sport, s->sport_mask) ||
	    !port_expressible(s->dport, s->dport_mask)) {
		uint16_t port = s->sport_mask ? s->sport : s->dport;
		uint16_t mask = s->sport_mask ? s->sport_mask : s->dport_mask;

		fprintf(f, "# sfbctl load only (ip cannot give %s %u the mask 0x%04x):",
			s->sport_mask ? "sport" : "dport", ntohs(port), ntohs(mask));
		fprintf(f, " dir %s src %s dst %s proto %s\n",
			sfb_xfrm_dir_name(p->dir),
			prefix_text(s->family, &s->saddr, s->prefixlen_s, src),
			prefix_text(s->family, &s->daddr, s->prefixlen_d, dst),
			s->proto == IPPROTO_TCP ? "tcp" : "udp");
		return;
	}
	fprintf(f, "xfrm policy add src %s dst %s",
		prefix_text(s->family, &s->saddr, s->prefixlen_s, src),
		prefix_text(s->family, &s->daddr, s->prefixlen_d, dst));
	if (s->proto) {
		fprintf(f, " proto %s", s->proto == IPPROTO_TCP ? "tcp" : "udp");
		put_port(f, "sport", s->sport, s->sport_mask);
		put_port(f, "dport", s->dport, s->dport_mask);
	}
	fprintf(f, " dir %s", sfb_xfrm_dir_name(p->dir));
	if (p->mark || p->mask)
		fprintf(f, " mark 0x%x mask 0x%x", p->mark, p->mask);
	fprintf(f, " index 0x%x priority %u action allow\n", p->index,
		p->priority);
}

bool sfb_export_xfrm(const struct sfb_config *cfg, const char *source,
		     FILE *f, char *err, size_t err_size)
{
	struct sfb_xfrm_set set = { 0 };

	if (sfb_xfrm_wanted(cfg, &set)) {
		snprintf(err, err_size, "out of memory");
		return false;
	}
	if (set.n >= SFB_XFRM_SLOTS) {
		snprintf(err, err_size, "%zu bypass policies; sfb's index range holds %u",
			 set.n, SFB_XFRM_SLOTS - 1);
		sfb_xfrm_set_free(&set);
		return false;
	}
	sfb_export_head(f, "xfrm", source);
	fprintf(f,
		"# The xfrm bypass policies `sfbctl load` installs, for `ip -batch FILE`\n"
		"# in a network namespace without sfb's policies (`sfbctl flush` removes\n"
		"# them, these too). ip cannot give a port block a mask: each block it\n"
		"# cannot state is a comment. See `export` in sfbctl(8).\n");
	if (!set.n)
		fprintf(f, "# None: the file %s.\n", cfg->n_exempts ?
			"sets no mark ipsec-exempt" : "has no ipsec-exempt rules");
	for (size_t i = 0; i < set.n; i++) {
		struct sfb_xfrm_policy *p = &set.p[i];

		p->index = SFB_XFRM_INDEX_BASE + (uint32_t)(i + 1) * 8 + p->dir;
		policy(f, p);
	}
	sfb_xfrm_set_free(&set);
	return true;
}
