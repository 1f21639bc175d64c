// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_nl: a raw client of the sfb genl family, for what sfbctl never sends.
 *
 *   sfb_nl malformed   send one malformed message of every kind inside a
 *                      load transaction; each must be refused with an
 *                      extack message, and the ruleset generation must not
 *                      move. Prints one line per case.
 *   sfb_nl hold SECS   open a load transaction (BEGIN, one role) and keep
 *                      the socket open SECS seconds without committing.
 *   sfb_nl generation  print this namespace's ruleset generation.
 *   sfb_nl rulesets    print how many ruleset objects the module holds.
 *   sfb_nl memory      print the bytes this namespace's ruleset uses.
 *   sfb_nl memory-limit
 *                      in this namespace, which must hold no ruleset:
 *                      commit rulesets of more and more targets until one
 *                      is refused for memory, keep the largest that fits,
 *                      then add rules to a new transaction until they are
 *                      refused for memory too, not for their number. Ends
 *                      with the namespace flushed. Prints what it found.
 *   sfb_nl match       ask what a UDP datagram 127.0.0.1:1 -> 127.0.0.1:1
 *                      would get: "answered", or "match: " and the error
 *                      with its extack message (exit 1).
 *   sfb_nl join        join the "events" multicast group: print "joined",
 *                      or "join: " and the error (exit 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfb_nl_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct mnl_socket *sock;
static unsigned int portid, seq;
static uint16_t family;
static char buf[65536];
static char extack[256];
static uint64_t generation;
static uint32_t rulesets;
static uint64_t memory;

static struct nlmsghdr *request(uint8_t cmd, uint16_t flags)
{
	return sfb_nl_request(buf, family, cmd, flags, ++seq);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	snprintf(extack, sizeof(extack), "%s", sfb_nl_extack(nlh));
	errno = -err->error;
	return err->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int sfb_attr_cb(const struct nlattr *attr, void *data)
{
	(void)data;
	if (mnl_attr_get_type(attr) == SFB_A_GENERATION)
		generation = mnl_attr_get_u64(attr);
	if (mnl_attr_get_type(attr) == SFB_A_RULESETS)
		rulesets = mnl_attr_get_u32(attr);
	if (mnl_attr_get_type(attr) == SFB_A_MEMORY)
		memory = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sfb_attr_cb,
			      data);
}

/* Send, wait for the ack; 0 or -errno, extack[] holds the message. */
static int talk(struct nlmsghdr *nlh)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };
	int ret;

	extack[0] = '\0';
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(buf, ret, seq, portid, reply_cb, NULL, ctl,
				  NLMSG_MIN_TYPE);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static void open_family(void)
{
	sock = sfb_nl_open(true);
	if (!sock) {
		perror("sfb_nl: socket");
		exit(1);
	}
	portid = mnl_socket_get_portid(sock);
	family = sfb_nl_family(sock);
	if (!family) {
		fprintf(stderr, "sfb_nl: family sfb not found\n");
		exit(1);
	}
}

static uint64_t get_generation(void)
{
	generation = UINT64_MAX;
	if (talk(request(SFB_CMD_GET_INFO, 0)) < 0) {
		fprintf(stderr, "sfb_nl: GET_INFO: %s\n", strerror(errno));
		exit(1);
	}
	if (generation == UINT64_MAX) {	/* only for CAP_NET_ADMIN */
		fprintf(stderr, "sfb_nl: GET_INFO: no generation in the reply\n");
		exit(1);
	}
	return generation;
}

static int begin(void)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_BEGIN, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, SFB_A_POLICY);

	mnl_attr_put_u8(nlh, SFB_POLICY_A_MODE, SFB_MODE_ENFORCE);
	mnl_attr_nest_end(nlh, nest);
	return talk(nlh);
}

/*
 * A LOAD_ROLE message with its SFB_A_ROLE nest left open for the case to
 * add rules (or garbage) to; end_outer() closes it.
 */
static struct nlmsghdr *role_msg(uint32_t id, const char *name)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_ROLE, 0);

	mnl_attr_nest_start(nlh, SFB_A_ROLE);
	mnl_attr_put_u32(nlh, SFB_ROLE_A_ID, id);
	mnl_attr_put_strz(nlh, SFB_ROLE_A_NAME, name);
	return nlh;
}

static void put_rule(struct nlmsghdr *nlh, const char *name, uint8_t class,
		     uint8_t protos, uint16_t first, uint16_t last)
{
	struct nlattr *rules = mnl_attr_nest_start(nlh, SFB_ROLE_A_RULES);
	struct nlattr *rule = mnl_attr_nest_start(nlh, SFB_RULES_A_RULE);

	mnl_attr_put_strz(nlh, SFB_RULE_A_NAME, name);
	mnl_attr_put_u8(nlh, SFB_RULE_A_CLASS, class);
	mnl_attr_put_u8(nlh, SFB_RULE_A_PROTOS, protos);
	mnl_attr_put_u16(nlh, SFB_RULE_A_PORT_FIRST, first);
	mnl_attr_put_u16(nlh, SFB_RULE_A_PORT_LAST, last);
	mnl_attr_nest_end(nlh, rule);
	mnl_attr_nest_end(nlh, rules);
}

static struct nlattr *first_attr(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
}

/* Close the nest role_msg() left open: it ends where the message ends. */
static struct nlmsghdr *end_outer(struct nlmsghdr *nlh)
{
	struct nlattr *outer = first_attr(nlh);

	outer->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)outer;
	return nlh;
}

/* One binding, into the SFB_A_BINDS nest the caller has open. */
static void put_bind(struct nlmsghdr *nlh, uint32_t role, const void *addr,
		     size_t len, uint8_t plen)
{
	struct nlattr *bind = mnl_attr_nest_start(nlh, SFB_BINDS_A_BIND);

	mnl_attr_put_u32(nlh, SFB_BIND_A_ROLE, role);
	mnl_attr_put(nlh, SFB_BIND_A_ADDR, len, addr);
	mnl_attr_put_u8(nlh, SFB_BIND_A_PREFIXLEN, plen);
	mnl_attr_nest_end(nlh, bind);
}

static struct nlmsghdr *bind_msg(uint32_t role, const void *addr, size_t len,
				 uint8_t plen)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_BIND, 0);
	struct nlattr *binds = mnl_attr_nest_start(nlh, SFB_A_BINDS);

	put_bind(nlh, role, addr, len, plen);
	mnl_attr_nest_end(nlh, binds);
	return nlh;
}

/* A MATCH request for a UDP datagram from port 1 to port 1. */
static struct nlmsghdr *match_msg(const void *saddr, size_t slen,
				  const void *daddr, size_t dlen)
{
	struct nlmsghdr *nlh = request(SFB_CMD_MATCH, 0);
	struct nlattr *match = mnl_attr_nest_start(nlh, SFB_A_MATCH);

	mnl_attr_put(nlh, SFB_MATCH_A_SADDR, slen, saddr);
	mnl_attr_put(nlh, SFB_MATCH_A_DADDR, dlen, daddr);
	mnl_attr_put_u8(nlh, SFB_MATCH_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_SPORT, 1);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_DPORT, 1);
	mnl_attr_nest_end(nlh, match);
	return nlh;
}

static struct nlmsghdr *good_role(void)
{
	struct nlmsghdr *nlh = role_msg(0, "front-end");

	put_rule(nlh, "sip", SFB_CLASS_SERVICE, SFB_PROTO_TCP, 5061, 5061);
	return end_outer(nlh);
}

struct bad_case {
	const char *name;
	struct nlmsghdr *(*build)(void);
};

static struct nlmsghdr *c_info_attr(void)
{
	struct nlmsghdr *nlh = request(SFB_CMD_GET_INFO, 0);

	mnl_attr_put_u32(nlh, SFB_A_GENERATION, 1);
	return nlh;
}

static struct nlmsghdr *c_reserved(void)
{
	struct nlmsghdr *nlh = good_role();

	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = 1;
	return nlh;
}

static struct nlmsghdr *c_unknown_cmd(void)
{
	return request(SFB_CMD_MAX + 1, 0);
}

static struct nlmsghdr *c_role_no_id(void)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_ROLE, 0);
	struct nlattr *role = mnl_attr_nest_start(nlh, SFB_A_ROLE);

	mnl_attr_put_strz(nlh, SFB_ROLE_A_NAME, "x");
	mnl_attr_nest_end(nlh, role);
	return nlh;
}

static struct nlmsghdr *c_role_id_limit(void)
{
	struct nlmsghdr *nlh = role_msg(1u << 20, "x");

	return end_outer(nlh);
}

static struct nlmsghdr *c_role_empty_name(void)
{
	struct nlmsghdr *nlh = role_msg(1, "");

	return end_outer(nlh);
}

static struct nlmsghdr *c_role_long_name(void)
{
	char name[SFB_NAME_MAX + 8];
	struct nlmsghdr *nlh;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = role_msg(1, name);
	return end_outer(nlh);
}

static struct nlmsghdr *c_rule_reversed(void)
{
	struct nlmsghdr *nlh = role_msg(1, "x");

	put_rule(nlh, "r", SFB_CLASS_SERVICE, SFB_PROTO_TCP, 6000, 5000);
	return end_outer(nlh);
}

static struct nlmsghdr *c_rule_bad_class(void)
{
	struct nlmsghdr *nlh = role_msg(1, "x");

	put_rule(nlh, "r", SFB_CLASS_MAX + 5, SFB_PROTO_TCP, 1, 2);
	return end_outer(nlh);
}

static struct nlmsghdr *c_rule_no_proto(void)
{
	struct nlmsghdr *nlh = role_msg(1, "x");

	put_rule(nlh, "r", SFB_CLASS_SERVICE, 0, 1, 2);
	return end_outer(nlh);
}

static struct nlmsghdr *c_rule_bad_proto(void)
{
	struct nlmsghdr *nlh = role_msg(1, "x");

	put_rule(nlh, "r", SFB_CLASS_SERVICE, 0x80, 1, 2);
	return end_outer(nlh);
}

static struct nlmsghdr *c_port_too_wide(void)
{
	struct nlmsghdr *nlh = role_msg(1, "x");
	struct nlattr *rules = mnl_attr_nest_start(nlh, SFB_ROLE_A_RULES);
	struct nlattr *r = mnl_attr_nest_start(nlh, SFB_RULES_A_RULE);

	mnl_attr_put_strz(nlh, SFB_RULE_A_NAME, "r");
	mnl_attr_put_u8(nlh, SFB_RULE_A_CLASS, SFB_CLASS_SERVICE);
	mnl_attr_put_u8(nlh, SFB_RULE_A_PROTOS, SFB_PROTO_TCP);
	mnl_attr_put_u32(nlh, SFB_RULE_A_PORT_FIRST, 70000);
	mnl_attr_put_u16(nlh, SFB_RULE_A_PORT_LAST, 1);
	mnl_attr_nest_end(nlh, r);
	mnl_attr_nest_end(nlh, rules);
	return end_outer(nlh);
}

static struct nlmsghdr *c_truncated_nest(void)
{
	struct nlmsghdr *nlh = good_role();
	/* The nest claims more bytes than the message holds. */
	first_attr(nlh)->nla_len += 64;
	return nlh;
}

static struct nlmsghdr *c_deep_nest(void)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_ROLE, 0);
	struct nlattr *n[64];

	for (int i = 0; i < 64; i++)
		n[i] = mnl_attr_nest_start(nlh, i ? SFB_ROLE_A_RULES : SFB_A_ROLE);
	for (int i = 63; i >= 0; i--)
		mnl_attr_nest_end(nlh, n[i]);
	return nlh;
}

static struct nlmsghdr *c_bind_bad_len(void)
{
	static const uint8_t addr[5] = { 192, 0, 2, 0, 0 };

	return bind_msg(0, addr, sizeof(addr), 24);
}

static struct nlmsghdr *c_bind_host_bits(void)
{
	static const uint8_t addr[4] = { 192, 0, 2, 7 };

	return bind_msg(0, addr, sizeof(addr), 24);
}

static struct nlmsghdr *c_bind_plen(void)
{
	static const uint8_t addr[4] = { 192, 0, 2, 0 };

	return bind_msg(0, addr, sizeof(addr), 33);
}

/* good_role() loaded role 0 as "front-end": a second id may not take it */
static struct nlmsghdr *c_role_name_reused(void)
{
	return end_outer(role_msg(1, "front-end"));
}

static struct nlmsghdr *c_exempt_both_sides(void)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_EXEMPT, 0);
	struct nlattr *ex = mnl_attr_nest_start(nlh, SFB_A_EXEMPTS);
	struct nlattr *e = mnl_attr_nest_start(nlh, SFB_EXEMPTS_A_EXEMPT);

	mnl_attr_put_strz(nlh, SFB_EXEMPT_A_NAME, "both");
	mnl_attr_put_u32(nlh, SFB_EXEMPT_A_FROM_ROLE, 0);
	mnl_attr_put_u8(nlh, SFB_EXEMPT_A_PROTOS, SFB_PROTO_UDP);
	mnl_attr_put_u16(nlh, SFB_EXEMPT_A_DPORT_FIRST, 1000);
	mnl_attr_put_u16(nlh, SFB_EXEMPT_A_DPORT_LAST, 2000);
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, ex);
	return nlh;
}

static struct nlmsghdr *c_match_two_families(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 10 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	return match_msg(v4, sizeof(v4), v6, sizeof(v6));
}

static const struct bad_case cases[] = {
	{ "unknown attribute to GET_INFO", c_info_attr },
	{ "non-zero reserved genl field", c_reserved },
	{ "unknown command", c_unknown_cmd },
	{ "role without id", c_role_no_id },
	{ "role id over the limit", c_role_id_limit },
	{ "empty role name", c_role_empty_name },
	{ "role name too long", c_role_long_name },
	{ "role name used by another id", c_role_name_reused },
	{ "port range first > last", c_rule_reversed },
	{ "unknown class", c_rule_bad_class },
	{ "no protocol", c_rule_no_proto },
	{ "unknown protocol bit", c_rule_bad_proto },
	{ "port attribute of the wrong size", c_port_too_wide },
	{ "nest longer than the message", c_truncated_nest },
	{ "64 nested attributes", c_deep_nest },
	{ "5-byte address", c_bind_bad_len },
	{ "host bits set", c_bind_host_bits },
	{ "prefix length 33", c_bind_plen },
	{ "exemption constraining both sides", c_exempt_both_sides },
	{ "MATCH with an IPv4 source and an IPv6 destination",
	  c_match_two_families },
};

/*
 * The kernel's own limits, whatever sfbctl checks first: after BEGIN and
 * good_role(), messages of many items each, until one is refused for the
 * limit. A build function fills one message, numbering its items from
 * *sent on.
 */
struct limit_case {
	const char *what;
	struct nlmsghdr *(*build)(uint32_t *sent);
};

/* 1000 single-port rules, to roles 1 to 63 in turn (0 is good_role()'s). */
static struct nlmsghdr *many_rules(uint32_t *sent)
{
	uint32_t role = 1 + *sent / 1000 % 63;
	struct nlmsghdr *nlh;
	char name[16];

	snprintf(name, sizeof(name), "big%u", role);
	nlh = role_msg(role, name);
	for (int i = 0; i < 1000; i++, (*sent)++) {
		snprintf(name, sizeof(name), "p%u", *sent);
		put_rule(nlh, name, SFB_CLASS_SERVICE, SFB_PROTO_UDP,
			 *sent % 65536, *sent % 65536);
	}
	return end_outer(nlh);
}

/* 1000 host addresses from 10.0.0.0 up, bound to role 0. */
static struct nlmsghdr *many_binds(uint32_t *sent)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_BIND, 0);
	struct nlattr *binds = mnl_attr_nest_start(nlh, SFB_A_BINDS);

	for (int i = 0; i < 1000; i++, (*sent)++) {
		uint32_t addr = htonl(0x0a000000 | *sent);

		put_bind(nlh, 0, &addr, sizeof(addr), 32);
	}
	mnl_attr_nest_end(nlh, binds);
	return nlh;
}

/* 100 exemptions of UDP to role 0, one destination port each. */
static struct nlmsghdr *many_exempts(uint32_t *sent)
{
	struct nlmsghdr *nlh = request(SFB_CMD_LOAD_EXEMPT, 0);
	struct nlattr *exempts = mnl_attr_nest_start(nlh, SFB_A_EXEMPTS);

	for (int i = 0; i < 100; i++, (*sent)++) {
		struct nlattr *e = mnl_attr_nest_start(nlh, SFB_EXEMPTS_A_EXEMPT);
		char name[16];

		snprintf(name, sizeof(name), "x%u", *sent);
		mnl_attr_put_strz(nlh, SFB_EXEMPT_A_NAME, name);
		mnl_attr_put_u32(nlh, SFB_EXEMPT_A_TO_ROLE, 0);
		mnl_attr_put_u8(nlh, SFB_EXEMPT_A_PROTOS, SFB_PROTO_UDP);
		mnl_attr_put_u16(nlh, SFB_EXEMPT_A_DPORT_FIRST, *sent + 1);
		mnl_attr_put_u16(nlh, SFB_EXEMPT_A_DPORT_LAST, *sent + 1);
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, exempts);
	return nlh;
}

static const struct limit_case limits[] = {
	{ "rule", many_rules },
	{ "binding", many_binds },
	{ "exemption", many_exempts },
};

static int over_limit(const struct limit_case *lc, uint64_t before)
{
	char why[sizeof(extack)], want[32];
	uint32_t sent = 0;
	int ret;

	ret = begin();
	if (!ret)
		ret = talk(good_role());
	while (ret == 0 && sent <= 1u << 20)
		ret = talk(lc->build(&sent));
	snprintf(why, sizeof(why), "%s", ret ? extack : "all accepted");
	talk(request(SFB_CMD_LOAD_ABORT, 0));
	snprintf(want, sizeof(want), "%s limit reached", lc->what);
	if (ret != -ENOSPC || !strstr(why, want) ||
	    get_generation() != before) {
		printf("FAIL %s limit: %u %ss sent, %s\n", lc->what, sent,
		       lc->what, why);
		return 1;
	}
	printf("ok   %s limit: refused in a message ending at %u %ss: %s: %s\n",
	       lc->what, sent, lc->what, strerror(-ret), why);
	return 0;
}

/*
 * Each case: BEGIN, a valid role, the bad message (refused, with extack),
 * then COMMIT, which must fail too since the error discarded the
 * transaction. The generation never moves.
 */
static int malformed(void)
{
	uint64_t before = get_generation();
	int failed = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		if (begin() < 0 || talk(good_role()) < 0) {
			printf("setup for '%s' failed: %s %s\n", cases[i].name,
			       strerror(errno), extack);
			return 1;
		}
		ret = talk(cases[i].build());
		if (ret == 0) {
			printf("FAIL %s: accepted\n", cases[i].name);
			failed++;
		} else if (!extack[0] && ret != -EOPNOTSUPP) {
			printf("FAIL %s: %s, without an extack message\n",
			       cases[i].name, strerror(-ret));
			failed++;
		} else {
			printf("ok   %s: %s: %s\n", cases[i].name,
			       strerror(-ret), extack);
		}
		/*
		 * Whatever was refused, and by whom (sfb or the genl core),
		 * nothing may be committed after it.
		 */
		if (talk(request(SFB_CMD_LOAD_COMMIT, 0)) == 0) {
			printf("FAIL %s: COMMIT after the error succeeded\n",
			       cases[i].name);
			failed++;
		}
		talk(request(SFB_CMD_LOAD_ABORT, 0));
		if (get_generation() != before) {
			printf("FAIL %s: generation moved\n", cases[i].name);
			failed++;
			before = generation;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
		failed += over_limit(&limits[i], before);
	return failed ? 1 : 0;
}

/*
 * A ruleset of @n targets: 64 roles, each with a TCP and a UDP service
 * and media port of its own, and @n addresses each bound to a pair of
 * them. A target is an address's set of roles, with port maps of its own
 * per protocol and class, so each pair costs pages of the budget.
 */
static int commit_targets(unsigned int n)
{
	unsigned int k = 0;
	struct nlmsghdr *nlh;
	struct nlattr *binds;
	char name[16];
	int ret = begin();

	for (uint32_t r = 0; r < 64 && !ret; r++) {
		snprintf(name, sizeof(name), "mem%u", r);
		nlh = role_msg(r, name);
		put_rule(nlh, "s", SFB_CLASS_SERVICE, SFB_PROTO_TCP, 1000 + r, 1000 + r);
		put_rule(nlh, "u", SFB_CLASS_SERVICE, SFB_PROTO_UDP, 2000 + r, 2000 + r);
		put_rule(nlh, "m", SFB_CLASS_MEDIA, SFB_PROTO_TCP, 3000 + r, 3000 + r);
		put_rule(nlh, "v", SFB_CLASS_MEDIA, SFB_PROTO_UDP, 4000 + r, 4000 + r);
		ret = talk(end_outer(nlh));
	}
	for (uint32_t i = 0; i < 64 && k < n && !ret; i++) {
		nlh = request(SFB_CMD_LOAD_BIND, 0);
		binds = mnl_attr_nest_start(nlh, SFB_A_BINDS);
		for (uint32_t j = i + 1; j < 64 && k < n; j++, k++) {
			uint32_t addr = htonl(0x0a000000 | k);

			put_bind(nlh, i, &addr, sizeof(addr), 32);
			put_bind(nlh, j, &addr, sizeof(addr), 32);
		}
		mnl_attr_nest_end(nlh, binds);
		ret = talk(nlh);
	}
	if (!ret && k < n) {
		printf("FAIL memory limit: only %u pairs of roles\n", k);
		exit(1);
	}
	return ret ? ret : talk(request(SFB_CMD_LOAD_COMMIT, 0));
}

/* A commit of @n targets into an empty namespace: true if it fits. */
static bool targets_fit(unsigned int n)
{
	int ret;

	if (talk(request(SFB_CMD_FLUSH, 0)) < 0) {
		printf("FAIL memory limit: flush: %s\n", strerror(errno));
		exit(1);
	}
	ret = commit_targets(n);
	if (ret && (ret != -ENOSPC || !strstr(extack, "memory limit reached"))) {
		printf("FAIL memory limit: %u targets: %s: %s\n", n,
		       strerror(-ret), extack);
		exit(1);
	}
	return !ret;
}

/*
 * The budget (sfbctl version's memory limit) bounds the ruleset in force
 * and the transaction together: with the largest ruleset that fits in
 * force, what a transaction adds is refused for memory long before an
 * item limit. The commits are bisected, each into an empty namespace.
 */
static int memory_limit(void)
{
	unsigned int fits = 0, too_many = 64;
	uint32_t sent = 0;
	int ret = 0;

	while (targets_fit(too_many)) {
		fits = too_many;
		too_many *= 2;
		if (too_many > 64 * 63 / 2) {
			printf("FAIL memory limit: %u targets fit\n", fits);
			return 1;
		}
	}
	printf("ok   memory limit: a commit of %u targets refused: %s\n",
	       too_many, extack);
	while (too_many - fits > 1) {
		unsigned int mid = fits + (too_many - fits) / 2;

		if (targets_fit(mid))
			fits = mid;
		else
			too_many = mid;
	}
	if (!fits || !targets_fit(fits)) {
		printf("FAIL memory limit: %u targets fit, then not\n", fits);
		return 1;
	}
	get_generation();
	printf("ok   memory limit: %u targets fit, in %llu bytes\n", fits,
	       (unsigned long long)memory);

	/* The rule limit's messages, refused for memory long before it. */
	ret = begin();
	while (!ret && sent <= SFB_MAX_RULES)
		ret = talk(many_rules(&sent));
	if (ret != -ENOSPC || !strstr(extack, "memory limit reached")) {
		printf("FAIL memory limit: %u rules added, then %s\n", sent,
		       ret ? extack : "none refused");
		return 1;
	}
	printf("ok   memory limit: a transaction's rules refused after %u: %s\n",
	       sent, extack);
	return talk(request(SFB_CMD_FLUSH, 0)) < 0;
}

/* MATCH as sfbctl never sends it: where no ruleset is loaded, too. */
static int match(void)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	int ret = talk(match_msg(lo, sizeof(lo), lo, sizeof(lo)));

	if (ret < 0) {
		printf("match: %s: %s\n", strerror(-ret), extack);
		return 1;
	}
	printf("answered\n");
	return 0;
}

/* Join the events group as the caller may, whatever sfbctl checks. */
static int join(void)
{
	uint32_t group = sfb_nl_events_group(sock);

	if (!group) {
		printf("join: no events group\n");
		return 1;
	}
	if (mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		printf("join: %s\n", strerror(errno));
		return 1;
	}
	printf("joined\n");
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr,
			"usage: sfb_nl malformed|hold SECS|generation|rulesets|memory|flush|join|match|\n"
			"       memory-limit\n");
		return 2;
	}
	open_family();
	if (!strcmp(argv[1], "malformed"))
		return malformed();
	if (!strcmp(argv[1], "join"))
		return join();
	if (!strcmp(argv[1], "match"))
		return match();
	if (!strcmp(argv[1], "memory-limit"))
		return memory_limit();
	if (!strcmp(argv[1], "generation")) {
		printf("%llu\n", (unsigned long long)get_generation());
		return 0;
	}
	if (!strcmp(argv[1], "rulesets")) {
		get_generation();
		printf("%u\n", rulesets);
		return 0;
	}
	if (!strcmp(argv[1], "memory")) {
		get_generation();
		printf("%llu\n", (unsigned long long)memory);
		return 0;
	}
	/* The ruleset alone: sfbctl flush takes sfb's xfrm policies too. */
	if (!strcmp(argv[1], "flush")) {
		int ret = talk(request(SFB_CMD_FLUSH, 0));

		if (ret < 0)
			fprintf(stderr, "sfb_nl: flush: %s %s\n",
				strerror(-ret), extack);
		return ret < 0;
	}
	if (!strcmp(argv[1], "hold") && argc == 3) {
		if (begin() < 0 || talk(good_role()) < 0) {
			fprintf(stderr, "sfb_nl: begin: %s %s\n",
				strerror(errno), extack);
			return 1;
		}
		printf("holding a load transaction\n");
		fflush(stdout);
		sleep(atoi(argv[2]));
		return 0;
	}
	fprintf(stderr, "sfb_nl: unknown command %s\n", argv[1]);
	return 2;
}
