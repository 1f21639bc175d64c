// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's xfrm bypass policies over NETLINK_XFRM (libmnl): see xfrm.h for
 * what they are and how sfb recognises its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "config.h"
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

uint32_t sfb_xfrm_wanted_mark(const struct sfb_config *cfg)
{
	return cfg->n_exempts ? cfg->mark[SFB_CLASS_EXEMPT] : 0;
}

/* Builders */

struct nlmsghdr *sfb_xfrm_msg_new(void *buf, uint8_t dir, uint16_t family,
				  uint32_t mark)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info *pi;
	struct xfrm_mark m = { .v = mark, .m = mark };

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;	/* exclusive: EEXIST */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));	/* zeroed */
	pi->sel.family = family;	/* prefix lengths, ports... all 0 */
	pi->lft.soft_byte_limit = XFRM_INF;
	pi->lft.hard_byte_limit = XFRM_INF;
	pi->lft.soft_packet_limit = XFRM_INF;
	pi->lft.hard_packet_limit = XFRM_INF;
	pi->priority = SFB_XFRM_PRIORITY;
	pi->dir = dir;
	pi->action = XFRM_POLICY_ALLOW;
	pi->share = XFRM_SHARE_ANY;
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
	id->sel.family = p->family;
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

static bool selector_is_any(const struct xfrm_selector *sel)
{
	static const xfrm_address_t zero;

	return (sel->family == AF_INET || sel->family == AF_INET6) &&
	       !memcmp(&sel->daddr, &zero, sizeof(zero)) &&
	       !memcmp(&sel->saddr, &zero, sizeof(zero)) &&
	       !sel->dport && !sel->dport_mask && !sel->sport &&
	       !sel->sport_mask && !sel->prefixlen_d && !sel->prefixlen_s &&
	       !sel->proto && !sel->ifindex && !sel->user;
}

bool sfb_xfrm_parse(const struct nlmsghdr *nlh, struct sfb_xfrm_policy *p)
{
	const struct xfrm_userpolicy_info *pi;
	const struct nlattr *attr;
	bool have_mark = false;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*pi)))
		return false;
	pi = mnl_nlmsg_get_payload(nlh);
	if (!selector_is_any(&pi->sel) || pi->priority != SFB_XFRM_PRIORITY ||
	    pi->action != XFRM_POLICY_ALLOW || pi->flags ||
	    pi->dir >= XFRM_POLICY_MAX)
		return false;
	memset(p, 0, sizeof(*p));
	mnl_attr_for_each(attr, nlh, sizeof(*pi)) {
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
			have_mark = true;
			break;
		}
		}
	}
	if (!have_mark || !p->mark || p->mark != p->mask)
		return false;
	p->dir = pi->dir;
	p->family = pi->sel.family;
	p->priority = pi->priority;
	p->index = pi->index;
	return true;
}

/* Sets */

static int set_add(struct sfb_xfrm_set *set, const struct sfb_xfrm_policy *p)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 8;
		struct sfb_xfrm_policy *np = realloc(set->p, cap * sizeof(*np));

		if (!np)
			return -1;
		set->p = np;
		set->cap = cap;
	}
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

static int policy_cmp(const void *a, const void *b)
{
	const struct sfb_xfrm_policy *x = a, *y = b;

	if (x->mark != y->mark)
		return x->mark < y->mark ? -1 : 1;
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	if (x->dir != y->dir)
		return dir_rank(x->dir) - dir_rank(y->dir);
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool set_has_index(const struct sfb_xfrm_set *set, uint32_t index)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->p[i].index == index)
			return true;
	return false;
}

/* Socket side */

static int xfrm_connect(struct sfb_nl **out, bool *missing)
{
	struct sfb_nl *nl = malloc(sizeof(*nl));
	const char *what;
	int err;

	*out = NULL;
	*missing = false;
	if (!nl) {
		fprintf(stderr, "sfb: out of memory\n");
		return SFBCTL_EXIT_ERROR;
	}
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

static void xfrm_disconnect(struct sfb_nl *nl)
{
	sfb_nl_disconnect(nl);
}

static int report(const char *doing, const struct sfb_xfrm_policy *p,
		  const struct sfb_nl_error *e)
{
	if (e->error == EPERM) {
		fprintf(stderr, "sfb: permission denied: CAP_NET_ADMIN in the "
			"network namespace's user namespace is required\n");
		return SFBCTL_EXIT_KERNEL;
	}
	fprintf(stderr, "sfb: xfrm: cannot %s", doing);
	if (p)
		fprintf(stderr, " the bypass policy dir %s %s mark 0x%x/0x%x",
			sfb_xfrm_dir_name(p->dir),
			sfb_xfrm_family_name(p->family), p->mark, p->mask);
	if (e->msg[0])
		fprintf(stderr, ": kernel: %s", e->msg);
	fprintf(stderr, " (%s)", strerror(e->error));
	if (e->error == EEXIST)
		fprintf(stderr, "; a policy with the same selector and mark "
			"that is not sfb's exists");
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

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sfb_xfrm_set *set = data;
	struct sfb_xfrm_policy p;

	if (sfb_xfrm_parse(nlh, &p) && set_add(set, &p) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int list_on(struct sfb_nl *nl, struct sfb_xfrm_set *set)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_nl_error err;

	sfb_xfrm_set_free(set);
	if (talk(nl, sfb_xfrm_msg_dump(buf), dump_cb, set, &err)) {
		sfb_xfrm_set_free(set);
		return report("list policies", NULL, &err);
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
	ret = list_on(nl, set);
	xfrm_disconnect(nl);
	return ret;
}

/* Remove the policies of @set that @keep says no to; ENOENT is fine. */
static int remove_on(struct sfb_nl *nl, const struct sfb_xfrm_set *set,
		     uint32_t keep_mark)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_nl_error err;
	int ret = SFBCTL_EXIT_OK;

	for (size_t i = 0; i < set->n; i++) {
		const struct sfb_xfrm_policy *p = &set->p[i];

		if (keep_mark && p->mark == keep_mark)
			continue;
		if (talk(nl, sfb_xfrm_msg_del(buf, p), NULL, NULL, &err) &&
		    err.error != ENOENT)
			ret = report("remove", p, &err);
	}
	return ret;
}

static bool set_has(const struct sfb_xfrm_set *set, uint8_t dir,
		    uint16_t family, uint32_t mark)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->p[i].dir == dir && set->p[i].family == family &&
		    set->p[i].mark == mark)
			return true;
	return false;
}

int sfb_xfrm_load_begin(struct sfb_xfrm_load *l, uint32_t mark)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_xfrm_set now = { 0 };
	struct sfb_nl_error err;
	struct sfb_nl *nl;
	bool missing;
	int ret;

	memset(l, 0, sizeof(*l));
	l->mark = mark;
	ret = xfrm_connect(&nl, &missing);
	if (ret)
		return ret;
	if (missing) {
		if (!mark)
			return SFBCTL_EXIT_OK;
		fprintf(stderr, "sfb: xfrm: NETLINK_XFRM is not available (is "
			"xfrm_user loaded?): cannot install the IPsec bypass "
			"policies for mark ipsec-exempt 0x%x\n", mark);
		return SFBCTL_EXIT_ERROR;
	}
	ret = list_on(nl, &l->old);
	if (ret || !mark) {
		xfrm_disconnect(nl);
		return ret;
	}
	for (size_t f = 0; !ret && f < 2; f++) {
		for (size_t d = 0; !ret && d < sizeof(dirs); d++) {
			struct sfb_xfrm_policy p = {
				.dir = dirs[d], .family = families[f],
				.mark = mark, .mask = mark,
			};

			if (set_has(&l->old, p.dir, p.family, mark))
				continue;	/* identical: keep it */
			if (talk(nl, sfb_xfrm_msg_new(buf, p.dir, p.family, mark),
				 NULL, NULL, &err))
				ret = report("add", &p, &err);
		}
	}
	/* What this attempt added, with the indices the kernel gave them. */
	if (list_on(nl, &now) == 0) {
		for (size_t i = 0; i < now.n; i++)
			if (now.p[i].mark == mark &&
			    !set_has_index(&l->old, now.p[i].index) &&
			    set_add(&l->added, &now.p[i]) < 0) {
				fprintf(stderr, "sfb: out of memory\n");
				ret = SFBCTL_EXIT_ERROR;
			}
	} else {
		ret = SFBCTL_EXIT_KERNEL;
	}
	sfb_xfrm_set_free(&now);
	if (ret)
		remove_on(nl, &l->added, 0);
	xfrm_disconnect(nl);
	return ret;
}

int sfb_xfrm_load_finish(struct sfb_xfrm_load *l)
{
	struct sfb_nl *nl;
	bool missing;
	int ret;

	if (!l->old.n)
		return SFBCTL_EXIT_OK;
	ret = xfrm_connect(&nl, &missing);
	if (ret || missing)
		return ret;
	ret = remove_on(nl, &l->old, l->mark);
	xfrm_disconnect(nl);
	return ret;
}

void sfb_xfrm_load_abort(struct sfb_xfrm_load *l)
{
	struct sfb_nl *nl;
	bool missing;

	if (!l->added.n || xfrm_connect(&nl, &missing) || missing)
		return;
	remove_on(nl, &l->added, 0);
	xfrm_disconnect(nl);
}

void sfb_xfrm_load_free(struct sfb_xfrm_load *l)
{
	sfb_xfrm_set_free(&l->old);
	sfb_xfrm_set_free(&l->added);
}

int sfb_xfrm_remove_all(void)
{
	struct sfb_xfrm_set set = { 0 };
	struct sfb_nl *nl;
	bool missing;
	int ret = xfrm_connect(&nl, &missing);

	if (ret || missing)
		return ret;
	ret = list_on(nl, &set);
	if (!ret)
		ret = remove_on(nl, &set, 0);
	sfb_xfrm_set_free(&set);
	xfrm_disconnect(nl);
	return ret;
}

/* show */

void sfb_xfrm_print_conf(const struct sfb_xfrm_set *set, FILE *f)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct sfb_xfrm_policy *p = &set->p[i];

		fprintf(f, "# xfrm bypass: dir %s %s mark 0x%x/0x%x priority %u allow\n",
			sfb_xfrm_dir_name(p->dir),
			sfb_xfrm_family_name(p->family), p->mark, p->mask,
			p->priority);
	}
}

void sfb_xfrm_print_json(const struct sfb_xfrm_set *set, FILE *f)
{
	fputc('[', f);
	for (size_t i = 0; i < set->n; i++) {
		const struct sfb_xfrm_policy *p = &set->p[i];

		fprintf(f, "%s{\"dir\":\"%s\",\"family\":\"%s\",\"mark\":%u,"
			   "\"mask\":%u,\"priority\":%u}", i ? "," : "",
			sfb_xfrm_dir_name(p->dir),
			sfb_xfrm_family_name(p->family), p->mark, p->mask,
			p->priority);
	}
	fputc(']', f);
}
