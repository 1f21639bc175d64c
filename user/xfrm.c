// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's xfrm bypass policies over NETLINK_XFRM (libmnl): see xfrm.h for
 * what they are and how sfb recognises its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "json.h"
#include "netlink.h"
#include "sfbctl.h"
#include "xfrm.h"

static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT,
				XFRM_POLICY_FWD };
static const uint16_t families[] = { AF_INET, AF_INET6 };

const char *sfb_xfrm_dir_name(uint8_t dir)
{
	switch (dir) {
	case XFRM_POLICY_IN:
		return "in";
	case XFRM_POLICY_OUT:
		return "out";
	case XFRM_POLICY_FWD:
		return "fwd";
	}
	return "?";
}

const char *sfb_xfrm_family_name(uint16_t family)
{
	return family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "?";
}

static bool index_is_sfbs(uint32_t index)
{
	return index >= SFB_XFRM_INDEX_BASE + 8 &&
	       index - SFB_XFRM_INDEX_BASE < SFB_XFRM_SLOTS * 8;
}

/* Builders */

struct nlmsghdr *sfb_xfrm_msg_new(void *buf, const struct sfb_xfrm_policy *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info *pi;
	struct xfrm_mark m = { .v = p->mark, .m = p->mask };

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;	/* exclusive: EEXIST */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));	/* zeroed */
	pi->sel = p->sel;
	pi->lft.soft_byte_limit = XFRM_INF;
	pi->lft.hard_byte_limit = XFRM_INF;
	pi->lft.soft_packet_limit = XFRM_INF;
	pi->lft.hard_packet_limit = XFRM_INF;
	pi->priority = SFB_XFRM_PRIORITY;
	pi->index = p->index;
	pi->dir = p->dir;
	pi->action = XFRM_POLICY_ALLOW;
	pi->share = XFRM_SHARE_ANY;
	if (p->mark || p->mask)
		mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	return nlh;
}

struct nlmsghdr *sfb_xfrm_msg_del(void *buf, const struct sfb_xfrm_policy *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_id *id;
	struct xfrm_mark m = { .v = p->mark, .m = p->mask };

	nlh->nlmsg_type = XFRM_MSG_DELPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->sel = p->sel;
	id->index = p->index;	/* by index: exactly the policy listed */
	id->dir = p->dir;
	mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	return nlh;
}

struct nlmsghdr *sfb_xfrm_msg_dump(void *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = XFRM_MSG_GETPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_userpolicy_id));
	return nlh;
}

/* The recogniser */

static bool selector_is_any(const struct xfrm_selector *sel)
{
	static const xfrm_address_t zero;

	return !memcmp(&sel->daddr, &zero, sizeof(zero)) &&
	       !memcmp(&sel->saddr, &zero, sizeof(zero)) &&
	       !sel->dport && !sel->dport_mask && !sel->sport &&
	       !sel->sport_mask && !sel->prefixlen_d && !sel->prefixlen_s &&
	       !sel->proto && !sel->ifindex && !sel->user;
}

static bool selector_is_flow(const struct xfrm_selector *sel)
{
	return (sel->proto == IPPROTO_TCP || sel->proto == IPPROTO_UDP) &&
	       !sel->ifindex && !sel->user;
}

bool sfb_xfrm_parse(const struct nlmsghdr *nlh, struct sfb_xfrm_policy *p)
{
	struct xfrm_userpolicy_info pi;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(pi)))
		return false;
	/* Netlink aligns to 4 bytes, the struct (its u64s) to 8: a copy. */
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	if (!index_is_sfbs(pi.index) || pi.priority != SFB_XFRM_PRIORITY ||
	    pi.action != XFRM_POLICY_ALLOW || pi.flags ||
	    pi.dir >= XFRM_POLICY_MAX ||
	    (pi.sel.family != AF_INET && pi.sel.family != AF_INET6))
		return false;
	memset(p, 0, sizeof(*p));
	mnl_attr_for_each(attr, nlh, sizeof(pi)) {
		switch (mnl_attr_get_type(attr)) {
		case XFRMA_TMPL:
		case XFRMA_SEC_CTX:
			return false;
		case XFRMA_POLICY_TYPE:
			if (mnl_attr_get_payload_len(attr) < 1 ||
			    *(const uint8_t *)mnl_attr_get_payload(attr) !=
			    XFRM_POLICY_TYPE_MAIN)
				return false;
			break;
		case XFRMA_IF_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) ||
			    mnl_attr_get_u32(attr))
				return false;
			break;
		case XFRMA_MARK: {
			struct xfrm_mark m;

			if (mnl_attr_get_payload_len(attr) < sizeof(m))
				return false;
			memcpy(&m, mnl_attr_get_payload(attr), sizeof(m));
			p->mark = m.v;
			p->mask = m.m;
			break;
		}
		}
	}
	if (selector_is_any(&pi.sel) && p->mark && p->mark == p->mask)
		p->kind = SFB_XFRM_MARK;
	else if (pi.dir == XFRM_POLICY_OUT && !p->mark && !p->mask &&
		 selector_is_flow(&pi.sel))
		p->kind = SFB_XFRM_SELECTOR;
	else
		return false;
	p->dir = pi.dir;
	p->sel = pi.sel;
	p->priority = pi.priority;
	p->index = pi.index;
	return true;
}

/* Sets */

static int set_reserve(struct sfb_xfrm_set *set, size_t n)
{
	struct sfb_xfrm_policy *np;
	size_t cap = set->cap ? set->cap : 8;

	if (set->n + n <= set->cap)
		return 0;
	while (cap < set->n + n)
		cap *= 2;
	np = realloc(set->p, cap * sizeof(*np));
	if (!np)
		return -ENOMEM;
	set->p = np;
	set->cap = cap;
	return 0;
}

static int set_add(struct sfb_xfrm_set *set, const struct sfb_xfrm_policy *p)
{
	if (set_reserve(set, 1))
		return -ENOMEM;
	set->p[set->n++] = *p;
	return 0;
}

void sfb_xfrm_set_free(struct sfb_xfrm_set *set)
{
	free(set->p);
	memset(set, 0, sizeof(*set));
}

static int dir_rank(uint8_t dir)
{
	return dir == XFRM_POLICY_IN ? 0 : dir == XFRM_POLICY_OUT ? 1 : 2;
}

/*
 * What the kernel tells policies apart by (they are all main type, if_id 0,
 * no security context): direction, whole selector, mark and mask. The kind
 * follows from them; it comes first so that show lists mark policies first.
 */
static int ident_cmp(const void *a, const void *b)
{
	const struct sfb_xfrm_policy *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	if (x->mask != y->mask)
		return x->mask < y->mask ? -1 : 1;
	if (x->sel.family != y->sel.family)
		return x->sel.family == AF_INET ? -1 : 1;
	if (x->dir != y->dir)
		return dir_rank(x->dir) - dir_rank(y->dir);
	return memcmp(&x->sel, &y->sel, sizeof(x->sel));
}

/* Identity, then index: a set sorted so is also sorted by identity. */
static int policy_cmp(const void *a, const void *b)
{
	const struct sfb_xfrm_policy *x = a, *y = b;
	int c = ident_cmp(a, b);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static const struct sfb_xfrm_policy *set_find(const struct sfb_xfrm_set *set,
					      const struct sfb_xfrm_policy *p)
{
	if (!set->n)
		return NULL;
	return bsearch(p, set->p, set->n, sizeof(*set->p), ident_cmp);
}

/* The wanted set */

/* Aligned blocks covering [first, last]; 32 bits, as first may pass 65535. */
static size_t range_blocks(uint32_t first, uint32_t last,
			   struct sfb_xfrm_block *out)
{
	size_t n = 0;

	while (first <= last) {
		/* The largest block aligned at first that ends by last. */
		uint32_t size = first ? first & -first : 1u << 16;

		while (first + size - 1 > last)
			size >>= 1;
		out[n].value = (uint16_t)first;
		out[n].mask = (uint16_t)~(size - 1);
		n++;
		first += size;
	}
	return n;
}

size_t sfb_xfrm_blocks(struct sfb_range r, bool udp,
		       struct sfb_xfrm_block out[SFB_XFRM_BLOCKS_MAX])
{
	static const uint16_t ike[] = { 500, 4500 };
	uint32_t first = r.first;
	size_t n = 0;

	for (size_t i = 0; udp && i < ARRAY_SIZE(ike); i++) {
		if (ike[i] < first || ike[i] > r.last)
			continue;
		if (ike[i] > first)
			n += range_blocks(first, ike[i] - 1u, out + n);
		first = ike[i] + 1u;
	}
	return n + range_blocks(first, r.last, out + n);
}

static bool range_is_any(struct sfb_range r)
{
	return r.first == 0 && r.last == 65535;
}

/* One selector policy per protocol and port block, on one side. */
static int add_flows(struct sfb_xfrm_set *set, bool src,
		     const struct sfb_prefix *pfx, uint8_t protos,
		     struct sfb_range ports)
{
	static const struct { uint8_t bit, proto; } l4[] = {
		{ SFB_PROTO_TCP, IPPROTO_TCP }, { SFB_PROTO_UDP, IPPROTO_UDP },
	};
	size_t alen = pfx->family == AF_INET ? 4 : 16;
	struct sfb_xfrm_block b[SFB_XFRM_BLOCKS_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(l4); i++) {
		size_t n;

		if (!(protos & l4[i].bit))
			continue;
		n = sfb_xfrm_blocks(ports, l4[i].proto == IPPROTO_UDP, b);
		if (set_reserve(set, n))
			return -ENOMEM;
		for (size_t k = 0; k < n; k++) {
			struct sfb_xfrm_policy *p = &set->p[set->n++];
			struct xfrm_selector *s = &p->sel;

			memset(p, 0, sizeof(*p));	/* padding too */
			p->kind = SFB_XFRM_SELECTOR;
			p->dir = XFRM_POLICY_OUT;
			p->priority = SFB_XFRM_PRIORITY;
			s->family = (uint16_t)pfx->family;
			s->proto = l4[i].proto;
			if (src) {
				memcpy(&s->saddr, pfx->addr, alen);
				s->prefixlen_s = pfx->len;
				s->sport = htons(b[k].value);
				s->sport_mask = htons(b[k].mask);
			} else {
				memcpy(&s->daddr, pfx->addr, alen);
				s->prefixlen_d = pfx->len;
				s->dport = htons(b[k].value);
				s->dport_mask = htons(b[k].mask);
			}
		}
	}
	return 0;
}

/*
 * nf_sfb's reading of a rule: it constrains one side, the source if it
 * names a source role or ports, else the destination. Not expressible: a
 * UDP packet whose port on the other side is 500 or 4500 is never exempt
 * in nf_sfb, but the other side of a selector is "any" (IKE daemons bypass
 * with socket policies of their own anyway).
 */
static int add_exempt(const struct sfb_config *cfg,
		      const struct sfb_ipsec_exempt *e, struct sfb_xfrm_set *set)
{
	bool src = e->from || !range_is_any(e->sport);
	const struct sfb_conf_role *role = src ? e->from : e->to;
	struct sfb_range ports = src ? e->sport : e->dport;

	if (!role) {
		for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
			struct sfb_prefix any = { .family = families[f] };

			if (add_flows(set, src, &any, e->protos, ports))
				return -ENOMEM;
		}
		return 0;
	}
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		const struct sfb_binding *b = &cfg->bindings[i];

		if (!sfb_role_is_a(b->role, role))
			continue;
		for (size_t k = 0; k < b->n_prefixes; k++)
			if (add_flows(set, src, &b->prefixes[k], e->protos, ports))
				return -ENOMEM;
	}
	return 0;
}

bool sfb_xfrm_bypass(const struct sfb_config *cfg)
{
	/* Without the mark nf_sfb exempts nothing from IPsec. */
	return cfg->n_exempts && cfg->mark[SFB_CLASS_EXEMPT];
}

int sfb_xfrm_wanted(const struct sfb_config *cfg, struct sfb_xfrm_set *out)
{
	uint32_t mark = cfg->mark[SFB_CLASS_EXEMPT];
	size_t n = 0;

	if (!sfb_xfrm_bypass(cfg))
		return 0;
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
			struct sfb_xfrm_policy p;

			memset(&p, 0, sizeof(p));
			p.kind = SFB_XFRM_MARK;
			p.dir = dirs[d];
			p.sel.family = families[f];
			p.mark = mark;
			p.mask = mark;
			p.priority = SFB_XFRM_PRIORITY;
			if (set_add(out, &p))
				goto nomem;
		}
	}
	for (size_t i = 0; i < cfg->n_exempts; i++)
		if (add_exempt(cfg, &cfg->exempts[i], out))
			goto nomem;
	/* Rules may overlap: one policy per identity. */
	qsort(out->p, out->n, sizeof(*out->p), ident_cmp);
	for (size_t i = 1; i < out->n; i++)
		if (ident_cmp(&out->p[n], &out->p[i]))
			out->p[++n] = out->p[i];
	out->n = n + 1;
	return 0;
nomem:
	sfb_xfrm_set_free(out);
	return -ENOMEM;
}

/* Socket side */

static int oom(void)
{
	fprintf(stderr, "sfb: out of memory\n");
	return SFBCTL_EXIT_ERROR;
}

static int xfrm_connect(struct sfb_nl **out, bool *missing)
{
	struct sfb_nl *nl = malloc(sizeof(*nl));
	const char *what;
	int err;

	*out = NULL;
	*missing = false;
	if (!nl)
		return oom();
	err = sfb_nl_open_raw(nl, NETLINK_XFRM, &what);
	if (err) {
		free(nl);
		/* No xfrm_user: no xfrm policies either. */
		if (err == EPROTONOSUPPORT) {
			*missing = true;
			return SFBCTL_EXIT_OK;
		}
		fprintf(stderr, "sfb: xfrm: cannot %s a NETLINK_XFRM socket: %s\n",
			what, strerror(err));
		return SFBCTL_EXIT_ERROR;
	}
	*out = nl;
	return SFBCTL_EXIT_OK;
}

static const char *addr_text(uint16_t family, const xfrm_address_t *addr,
			     uint8_t len, char buf[SFB_PREFIX_STRLEN])
{
	struct sfb_prefix pfx = { .family = family, .len = len };

	memcpy(pfx.addr, addr, family == AF_INET ? 4 : 16);
	return sfb_prefix_format(&pfx, buf, SFB_PREFIX_STRLEN);
}

/*
 * "dir out ipv4 src 192.0.2.10/32 proto tcp sport 0/0x0": a side is shown
 * if it constrains anything, ports with the mask that ip hides.
 */
static void describe(FILE *f, const struct sfb_xfrm_policy *p)
{
	const struct xfrm_selector *s = &p->sel;
	bool src = s->prefixlen_s || s->sport_mask;
	bool dst = s->prefixlen_d || s->dport_mask;
	char buf[SFB_PREFIX_STRLEN];

	fprintf(f, "dir %s %s", sfb_xfrm_dir_name(p->dir),
		sfb_xfrm_family_name(s->family));
	if (p->kind == SFB_XFRM_MARK) {
		fprintf(f, " mark 0x%x/0x%x", p->mark, p->mask);
		return;
	}
	if (src)
		fprintf(f, " src %s", addr_text(s->family, &s->saddr,
						s->prefixlen_s, buf));
	if (dst)
		fprintf(f, " dst %s", addr_text(s->family, &s->daddr,
						s->prefixlen_d, buf));
	fprintf(f, " proto %s", s->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (src)
		fprintf(f, " sport %u/0x%x", ntohs(s->sport), ntohs(s->sport_mask));
	if (dst)
		fprintf(f, " dport %u/0x%x", ntohs(s->dport), ntohs(s->dport_mask));
}

static int report(const char *doing, const struct sfb_xfrm_policy *p,
		  const struct sfb_nl_error *e)
{
	if (e->error == EPERM) {
		fprintf(stderr,
			"sfb: permission denied: CAP_NET_ADMIN in the network namespace's user namespace is required\n");
		return SFBCTL_EXIT_KERNEL;
	}
	fprintf(stderr, "sfb: xfrm: cannot %s", doing);
	if (p) {
		fputs(" the bypass policy ", stderr);
		describe(stderr, p);
	}
	if (e->msg[0])
		fprintf(stderr, ": kernel: %s", e->msg);
	fprintf(stderr, " (%s)", strerror(e->error));
	if (e->error == EEXIST)
		fprintf(stderr,
			"; a policy with the same selector and mark that is not sfb's exists");
	fputc('\n', stderr);
	return SFBCTL_EXIT_KERNEL;
}

static int talk(struct sfb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, struct sfb_nl_error *err)
{
	nlh->nlmsg_seq = ++nl->seq;
	memset(err, 0, sizeof(*err));
	return sfb_nl_talk_quiet(nl, nlh, cb, data, err);
}

struct dump {
	struct sfb_xfrm_set *set;
	uint8_t *used;	/* bitmap of the slots any policy's index is in */
	bool oom;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_userpolicy_info *pi = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	struct sfb_xfrm_policy p;

	if (d->used && nlh->nlmsg_type == XFRM_MSG_NEWPOLICY &&
	    nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*pi)) &&
	    index_is_sfbs(pi->index)) {
		uint32_t slot = (pi->index - SFB_XFRM_INDEX_BASE) / 8;

		d->used[slot / 8] |= 1u << slot % 8;
	}
	if (sfb_xfrm_parse(nlh, &p) && set_add(d->set, &p) < 0) {
		d->oom = true;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int list_on(struct sfb_nl *nl, struct sfb_xfrm_set *set, uint8_t *used)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct dump d = { .set = set, .used = used };
	struct sfb_nl_error err;

	sfb_xfrm_set_free(set);
	if (talk(nl, sfb_xfrm_msg_dump(buf), dump_cb, &d, &err)) {
		sfb_xfrm_set_free(set);
		/* Our own failure, not the kernel's. */
		return d.oom ? oom() : report("list policies", NULL, &err);
	}
	if (set->n)
		qsort(set->p, set->n, sizeof(*set->p), policy_cmp);
	return SFBCTL_EXIT_OK;
}

int sfb_xfrm_list(struct sfb_xfrm_set *set)
{
	struct sfb_nl *nl;
	bool missing;
	int ret = xfrm_connect(&nl, &missing);

	memset(set, 0, sizeof(*set));
	if (ret || missing)
		return ret;
	ret = list_on(nl, set, NULL);
	sfb_nl_disconnect(nl);
	return ret;
}

/* Remove the policies of @set that are not in @keep; ENOENT is fine. */
static int remove_on(struct sfb_nl *nl, const struct sfb_xfrm_set *set,
		     const struct sfb_xfrm_set *keep)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_nl_error err;
	int ret = SFBCTL_EXIT_OK;

	for (size_t i = 0; i < set->n; i++) {
		const struct sfb_xfrm_policy *p = &set->p[i];

		if (keep && set_find(keep, p))
			continue;
		if (talk(nl, sfb_xfrm_msg_del(buf, p), NULL, NULL, &err) &&
		    err.error != ENOENT)
			ret = report("remove", p, &err);
	}
	return ret;
}

/* The first slot after @slot that no policy's index is in; 0: none. */
static uint32_t next_slot(const uint8_t *used, uint32_t slot)
{
	while (++slot < SFB_XFRM_SLOTS)
		if (!(used[slot / 8] & 1u << slot % 8))
			return slot;
	return 0;
}

/*
 * The kernel quietly gives a policy another index if its own was taken
 * after the dump (by another program), and then it would not look like
 * sfb's: check that every added policy kept its index, and mark one that
 * did not to be removed by its selector.
 */
static int check_added(struct sfb_nl *nl, struct sfb_xfrm_set *added)
{
	struct sfb_xfrm_set now = { 0 };
	int ret = list_on(nl, &now, NULL);

	for (size_t i = 0; !ret && i < added->n; i++) {
		struct sfb_xfrm_policy *p = &added->p[i];
		const struct sfb_xfrm_policy *q = set_find(&now, p);

		if (q && q->index == p->index)
			continue;
		fprintf(stderr, "sfb: xfrm: the bypass policy ");
		describe(stderr, p);
		fprintf(stderr,
			" did not get index 0x%x: another program is changing xfrm policies\n",
			p->index);
		p->index = 0;
		ret = SFBCTL_EXIT_ERROR;
	}
	sfb_xfrm_set_free(&now);
	return ret;
}

int sfb_xfrm_load_begin(struct sfb_xfrm_load *l, const struct sfb_config *cfg)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_nl_error err;
	uint8_t *used = NULL;
	uint32_t slot = 0;
	struct sfb_nl *nl;
	bool missing;
	int ret;

	memset(l, 0, sizeof(*l));
	if (sfb_xfrm_wanted(cfg, &l->want) ||
	    set_reserve(&l->added, l->want.n))
		return oom();
	if (l->want.n > SFB_XFRM_MAX_POLICIES) {
		fprintf(stderr,
			"sfb: xfrm: the ipsec-exempt rules need %zu bypass policies; sfbctl installs at most %u\n",
			l->want.n, SFB_XFRM_MAX_POLICIES);
		return SFBCTL_EXIT_ERROR;
	}
	ret = xfrm_connect(&nl, &missing);
	if (ret)
		return ret;
	if (missing) {
		if (!l->want.n)
			return SFBCTL_EXIT_OK;
		fprintf(stderr,
			"sfb: xfrm: NETLINK_XFRM is not available (is xfrm_user loaded?): cannot install the IPsec bypass policies for mark ipsec-exempt 0x%x\n",
			cfg->mark[SFB_CLASS_EXEMPT]);
		return SFBCTL_EXIT_ERROR;
	}
	used = calloc(SFB_XFRM_SLOTS / 8, 1);
	ret = used ? list_on(nl, &l->old, used) : oom();
	for (size_t i = 0; !ret && i < l->want.n; i++) {
		struct sfb_xfrm_policy p = l->want.p[i];

		if (set_find(&l->old, &p))
			continue;	/* identical: keep it */
		slot = next_slot(used, slot);
		if (!slot) {
			fprintf(stderr, "sfb: xfrm: no free policy index left in sfb's range\n");
			ret = SFBCTL_EXIT_ERROR;
			break;
		}
		p.index = SFB_XFRM_INDEX_BASE + slot * 8 + p.dir;
		if (talk(nl, sfb_xfrm_msg_new(buf, &p), NULL, NULL, &err))
			ret = report("add", &p, &err);
		else
			l->added.p[l->added.n++] = p;	/* reserved above */
	}
	if (!ret && l->added.n)
		ret = check_added(nl, &l->added);
	if (ret)
		remove_on(nl, &l->added, NULL);
	free(used);
	if (ret)
		sfb_nl_disconnect(nl);
	else
		l->nl = nl;
	return ret;
}

int sfb_xfrm_load_finish(struct sfb_xfrm_load *l)
{
	if (!l->nl)
		return SFBCTL_EXIT_OK;
	return remove_on(l->nl, &l->old, &l->want);
}

void sfb_xfrm_load_abort(struct sfb_xfrm_load *l)
{
	if (l->nl)
		remove_on(l->nl, &l->added, NULL);
}

void sfb_xfrm_load_free(struct sfb_xfrm_load *l)
{
	sfb_xfrm_set_free(&l->want);
	sfb_xfrm_set_free(&l->old);
	sfb_xfrm_set_free(&l->added);
	sfb_nl_disconnect(l->nl);
}

int sfb_xfrm_remove_all(size_t *removed)
{
	struct sfb_xfrm_set set = { 0 };
	struct sfb_nl *nl;
	bool missing;
	int ret = xfrm_connect(&nl, &missing);

	*removed = 0;
	if (ret || missing)
		return ret;
	ret = list_on(nl, &set, NULL);
	if (!ret)
		ret = remove_on(nl, &set, NULL);
	if (!ret)
		*removed = set.n;
	sfb_xfrm_set_free(&set);
	sfb_nl_disconnect(nl);
	return ret;
}

/* show */

void sfb_xfrm_print_conf(const struct sfb_xfrm_set *set, FILE *f)
{
	for (size_t i = 0; i < set->n; i++) {
		fputs("# xfrm bypass: ", f);
		describe(f, &set->p[i]);
		fprintf(f, " priority %u allow\n", set->p[i].priority);
	}
}

/* The ports a selector's port/mask covers: sfb's are aligned blocks. */
static json_t *json_ports(uint16_t port, uint16_t mask)
{
	uint16_t first = ntohs(port) & ntohs(mask);

	return sfb_json_range((struct sfb_range){ first,
						  first | (uint16_t)~ntohs(mask) });
}

json_t *sfb_xfrm_json(const struct sfb_xfrm_set *set)
{
	char src[SFB_PREFIX_STRLEN], dst[SFB_PREFIX_STRLEN];
	json_t *a = json_array();

	for (size_t i = 0; i < set->n; i++) {
		const struct sfb_xfrm_policy *p = &set->p[i];
		const struct xfrm_selector *s = &p->sel;
		json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
			"kind", p->kind == SFB_XFRM_MARK ? "mark" : "selector",
			"dir", sfb_xfrm_dir_name(p->dir),
			"family", sfb_xfrm_family_name(s->family),
			"mark", (json_int_t)p->mark, "mask", (json_int_t)p->mask,
			"priority", (json_int_t)p->priority,
			"index", (json_int_t)p->index);

		if (p->kind == SFB_XFRM_SELECTOR) {
			json_t *sel = json_pack("{s:s,s:s,s:o,s:s,s:o}",
				"protocol", s->proto == IPPROTO_TCP ? "tcp" : "udp",
				"saddr", addr_text(s->family, &s->saddr,
						   s->prefixlen_s, src),
				"sport", json_ports(s->sport, s->sport_mask),
				"daddr", addr_text(s->family, &s->daddr,
						   s->prefixlen_d, dst),
				"dport", json_ports(s->dport, s->dport_mask));

			json_object_update_new(o, sel);
		}
		json_array_append_new(a, o);
	}
	return a;
}
