// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl load without a kernel: the transaction sfb_compile writes for the
 * example site (which roles go, their rules, the prefixes, the exemptions,
 * where each message comes from), a role too big for one message, limits,
 * and the round trip through what show would print. Then stats' attribution
 * of the kernel's segments to rules, on segments with known answers, and
 * a stats target that spans several messages; policy log-rate.
 *
 * Messages are decoded with the same decoder show uses for GET_RULESET, so
 * these tests also pin the two formats to each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "compile.h"
#include "dump.h"

#define SITE "user/roles/example-site.conf"

static uint8_t msg_cmd(const struct sfb_txn_msg *m)
{
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(m->nlh))->cmd;
}

static size_t count_cmd(const struct sfb_txn *txn, uint8_t cmd)
{
	size_t n = 0;

	for (size_t i = 0; i < txn->n; i++)
		n += msg_cmd(&txn->msgs[i]) == cmd;
	return n;
}

/* Decode a whole transaction as show would decode a dump. */
static void decode(const struct sfb_txn *txn, struct sfb_dump *rs)
{
	sfb_dump_init(rs);
	if (!sfb_dump_from_txn(txn, rs))
		abort();
}

static bool has_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return true;
	return false;
}

static const struct sfb_dump_role *role_named(const struct sfb_dump *rs,
					      const char *name)
{
	for (size_t i = 0; i < rs->n_roles; i++)
		if (!strcmp(rs->roles[i].name, name))
			return &rs->roles[i];
	return NULL;
}

static bool bound(const struct sfb_dump *rs, const char *role,
		  const char *prefix)
{
	const struct sfb_dump_role *r = role_named(rs, role);
	char buf[SFB_PREFIX_STRLEN];

	for (size_t i = 0; r && i < rs->n_binds; i++)
		if (rs->binds[i].role == r->id &&
		    !strcmp(sfb_prefix_format(&rs->binds[i].prefix, buf,
					      sizeof(buf)), prefix))
			return true;
	return false;
}

FIXTURE(site) {
	struct sfb_diag *d;
	struct sfb_config *cfg;
	struct sfb_txn txn;
	struct sfb_dump rs;
	unsigned int warnings;
};

FIXTURE_SETUP(site)
{
	memset(&self->txn, 0, sizeof(self->txn));
	self->d = sfb_diag_new();
	self->cfg = sfb_config_load(SITE, self->d);
	ASSERT_NE(NULL, self->cfg);
	self->warnings = sfb_diag_count(self->d, SFB_WARNING);
	ASSERT_TRUE(sfb_compile(self->cfg, NULL, false, self->d, &self->txn));
	decode(&self->txn, &self->rs);
}

FIXTURE_TEARDOWN(site)
{
	sfb_dump_free(&self->rs);
	sfb_txn_free(&self->txn);
	sfb_config_free(self->cfg);
	sfb_diag_free(self->d);
}

TEST_F(site, framing)
{
	const struct sfb_txn *txn = &self->txn;

	ASSERT_GE(txn->n, 3u);
	EXPECT_EQ(SFB_CMD_LOAD_BEGIN, msg_cmd(&txn->msgs[0]));
	EXPECT_EQ(SFB_CMD_LOAD_COMMIT, msg_cmd(&txn->msgs[txn->n - 1]));
	EXPECT_FALSE(has_attr(txn->msgs[txn->n - 1].nlh, SFB_A_CHECK_ONLY));
	EXPECT_EQ(1u, count_cmd(txn, SFB_CMD_LOAD_BEGIN));
	EXPECT_EQ(1u, count_cmd(txn, SFB_CMD_LOAD_COMMIT));
	for (size_t i = 0; i < txn->n; i++)
		EXPECT_LE(txn->msgs[i].nlh->nlmsg_len, SFB_TXN_MSG_MAX);

	EXPECT_TRUE(self->rs.loaded);
	EXPECT_EQ(SFB_MODE_MONITOR, self->rs.mode);
	EXPECT_EQ(0x100u, self->rs.mark[SFB_CLASS_SERVICE]);
	EXPECT_EQ(0x200u, self->rs.mark[SFB_CLASS_MEDIA]);
	EXPECT_EQ(0x400u, self->rs.mark[SFB_CLASS_EXEMPT]);
}

/* The twelve bound roles and the five more that only exemptions name. */
TEST_F(site, roles)
{
	static const char *const sent[] = {
		"front-end-mediation", "hlb-front-end-mediation", "director",
		"dnslb-director", "persistent-chat-fe", "office-web-apps",
		"front-end-cms", "edge-av-internal", "exchange-um", "client",
		"ip-phone", "sql-backend", "edge-av-external", "mediation",
		"conferencing-attendant", "av-conferencing", "app-sharing",
	};
	const size_t n = ARRAY_SIZE(sent);

	ASSERT_EQ(n, self->txn.n_roles);
	ASSERT_EQ(n, self->rs.n_roles);
	EXPECT_EQ(n, count_cmd(&self->txn, SFB_CMD_LOAD_ROLE));
	EXPECT_EQ(NULL, role_named(&self->rs, "front-end"));
	EXPECT_EQ(NULL, role_named(&self->rs, "all-servers"));
	for (size_t i = 0; i < n; i++) {
		const struct sfb_dump_role *got = role_named(&self->rs, sent[i]);
		const struct sfb_conf_role *want = sfb_config_role(self->cfg, sent[i]);

		ASSERT_NE(NULL, got) TH_LOG("role %s not sent", sent[i]);
		ASSERT_EQ(want, self->txn.roles[got->id]);
		EXPECT_STREQ(want->description, got->description);
		/* Composed: every rule, the inherited ones included. */
		ASSERT_EQ(want->n_rules, got->n_rules) TH_LOG("role %s", sent[i]);
		for (size_t j = 0; j < want->n_rules; j++) {
			EXPECT_STREQ(want->rules[j].name, got->rules[j].name);
			EXPECT_EQ(want->rules[j].class, got->rules[j].class);
			EXPECT_EQ(want->rules[j].protos, got->rules[j].protos);
			EXPECT_EQ(want->rules[j].ports.first, got->rules[j].ports.first);
			EXPECT_EQ(want->rules[j].ports.last, got->rules[j].ports.last);
			EXPECT_STREQ(want->rules[j].transport, got->rules[j].transport);
		}
	}
	/* Roles go in definition order, numbered from 0. */
	for (size_t i = 1; i < self->txn.n_roles; i++)
		EXPECT_LT(self->txn.roles[i - 1], self->txn.roles[i]);
}

TEST_F(site, binds)
{
	/*
	 * 17 prefixes as written, plus the Front-End ones for the three
	 * exempt-named roles Front-End extends: 2 + 1 prefixes, 3 roles.
	 */
	EXPECT_EQ(17u + 9, self->rs.n_binds);
	EXPECT_EQ(12u, count_cmd(&self->txn, SFB_CMD_LOAD_BIND));
	EXPECT_TRUE(bound(&self->rs, "front-end-mediation", "192.0.2.16/29"));
	EXPECT_TRUE(bound(&self->rs, "front-end-mediation", "2001:db8:0:10::/64"));
	EXPECT_TRUE(bound(&self->rs, "av-conferencing", "192.0.2.16/29"));
	EXPECT_TRUE(bound(&self->rs, "conferencing-attendant", "2001:db8:0:10::/64"));
	EXPECT_TRUE(bound(&self->rs, "app-sharing", "192.0.2.17/32"));
	EXPECT_TRUE(bound(&self->rs, "client", "2001:db8:100::/56"));
	EXPECT_TRUE(bound(&self->rs, "sql-backend", "192.0.2.60/32"));
	/* Mediation is exempt-named, but no bound role extends it. */
	EXPECT_FALSE(bound(&self->rs, "mediation", "192.0.2.16/29"));
	/* front-end-mediation, client and ip-phone name interfaces. */
	EXPECT_EQ(3u, sfb_diag_count(self->d, SFB_WARNING) - self->warnings);
}

TEST_F(site, exempts)
{
	const struct sfb_dump_exempt *clients = NULL, *mediation_in = NULL;

	EXPECT_EQ(15u, self->rs.n_exempts);
	EXPECT_EQ(15u, count_cmd(&self->txn, SFB_CMD_LOAD_EXEMPT));
	for (size_t i = 0; i < self->rs.n_exempts; i++) {
		if (!strcmp(self->rs.exempts[i].name, "clients"))
			clients = &self->rs.exempts[i];
		if (!strcmp(self->rs.exempts[i].name, "mediation-in"))
			mediation_in = &self->rs.exempts[i];
	}
	ASSERT_NE(NULL, clients);
	EXPECT_EQ(SFB_DUMP_ANY_ROLE, clients->from);
	EXPECT_EQ(SFB_DUMP_ANY_ROLE, clients->to);
	EXPECT_EQ(SFB_PROTO_UDP, clients->protos);
	/* The site's override of client-media, not the catalogue's range. */
	EXPECT_EQ(50000, clients->sport.first);
	EXPECT_EQ(50039, clients->sport.last);
	EXPECT_EQ(0, clients->dport.first);
	EXPECT_EQ(65535, clients->dport.last);
	ASSERT_NE(NULL, mediation_in);
	EXPECT_EQ(role_named(&self->rs, "mediation")->id, mediation_in->to);
	EXPECT_EQ(SFB_DUMP_ANY_ROLE, mediation_in->from);
}

/* Which line a kernel error about a message would be shown at. */
TEST_F(site, seq_to_location)
{
	const struct sfb_txn_msg *m;
	size_t bind_fem = 0;

	for (size_t i = 0; i < self->txn.n; i++)
		self->txn.msgs[i].seq = 1000 + (uint32_t)i;
	for (size_t i = 0; i < self->txn.n; i++)
		if (msg_cmd(&self->txn.msgs[i]) == SFB_CMD_LOAD_BIND) {
			bind_fem = i;
			break;
		}
	m = sfb_txn_find(&self->txn, 1000 + (uint32_t)bind_fem);
	ASSERT_NE(NULL, m);
	EXPECT_STREQ(SITE, m->loc.file);
	EXPECT_EQ(26u, m->loc.line);	/* bind front-end-mediation ... */
	EXPECT_EQ(1u, m->loc.col);

	m = sfb_txn_find(&self->txn, 1000 + (uint32_t)self->txn.n - 2);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(SFB_CMD_LOAD_EXEMPT, msg_cmd(m));
	EXPECT_NE(NULL, strstr(m->loc.file, "sfb2015.conf"));
	/* BEGIN and COMMIT have no statement of their own. */
	EXPECT_EQ(NULL, sfb_txn_find(&self->txn, 1000)->loc.file);
	EXPECT_EQ(NULL, sfb_txn_find(&self->txn, 999));
}

static char *print_conf(const struct sfb_dump *rs, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	sfb_dump_print_conf(rs, f);
	fclose(f);
	return text;
}

/* show's output loads as the same ruleset, and prints the same again. */
TEST_F(site, show_round_trip)
{
	struct sfb_txn again = { 0 };
	struct sfb_dump rs2;
	struct sfb_config *cfg2;
	struct sfb_diag *d2 = sfb_diag_new();
	size_t len1, len2;
	char *text1 = print_conf(&self->rs, &len1), *text2;

	cfg2 = sfb_config_parse("show.conf", text1, len1, d2);
	if (!cfg2)
		sfb_diag_print(d2, stderr, true);
	ASSERT_NE(NULL, cfg2);
	EXPECT_EQ(0u, sfb_diag_count(d2, SFB_WARNING));
	ASSERT_TRUE(sfb_compile(cfg2, NULL, false, d2, &again));
	decode(&again, &rs2);
	text2 = print_conf(&rs2, &len2);
	EXPECT_STREQ(text1, text2);
	EXPECT_EQ(self->rs.n_binds, rs2.n_binds);
	free(text1);
	free(text2);
	sfb_dump_free(&rs2);
	sfb_txn_free(&again);
	sfb_config_free(cfg2);
	sfb_diag_free(d2);
}

TEST_F(site, limits)
{
	struct sfb_limits lim = { .roles = 16 };
	struct sfb_txn txn = { 0 };
	unsigned int errors = sfb_diag_count(self->d, SFB_ERROR);

	EXPECT_FALSE(sfb_compile(self->cfg, &lim, false, self->d, &txn));
	/* Said once, at the 17th role, however many are over. */
	EXPECT_EQ(errors + 1, sfb_diag_count(self->d, SFB_ERROR));
	sfb_txn_free(&txn);

	lim = (struct sfb_limits){ .bindings = 26, .exemptions = 15,
				   .roles = 17, .services = 100000 };
	EXPECT_TRUE(sfb_compile(self->cfg, &lim, true, self->d, &txn));
	EXPECT_TRUE(has_attr(txn.msgs[txn.n - 1].nlh, SFB_A_CHECK_ONLY));
	sfb_txn_free(&txn);
	lim.bindings = 25;
	EXPECT_FALSE(sfb_compile(self->cfg, &lim, false, self->d, &txn));
	sfb_txn_free(&txn);
	lim.bindings = 26;
	lim.exemptions = 14;
	EXPECT_FALSE(sfb_compile(self->cfg, &lim, false, self->d, &txn));
	sfb_txn_free(&txn);

	/* A role that takes the rules far over the limit is refused too. */
	lim = (struct sfb_limits){ .services = 2 };
	errors = sfb_diag_count(self->d, SFB_ERROR);
	EXPECT_FALSE(sfb_compile(self->cfg, &lim, false, self->d, &txn));
	EXPECT_EQ(errors + 1, sfb_diag_count(self->d, SFB_ERROR));
	sfb_txn_free(&txn);
}

/* BEGIN's policy nest, or NULL. */
static const struct nlattr *begin_policy(const struct sfb_txn *txn)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, txn->msgs[0].nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == SFB_A_POLICY)
			return a;
	return NULL;
}

static bool nest_has(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return true;
	return false;
}

/*
 * policy log-rate goes in BEGIN only when the file sets it: a module
 * older than it loads the files without it. It comes back in show.
 */
TEST(log_rate)
{
	static const char conf[] =
		"role a \"A\" {\n\tservice s tcp 1 tcp\n}\n"
		"bind a 192.0.2.1\npolicy log-rate 7/s\n";
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg;
	struct sfb_txn txn = { 0 };
	struct sfb_dump rs;
	size_t len;
	char *text;

	cfg = sfb_config_parse("t.conf", conf, sizeof(conf) - 1, d);
	ASSERT_NE(NULL, cfg);
	ASSERT_TRUE(sfb_compile(cfg, NULL, false, d, &txn));
	EXPECT_TRUE(nest_has(begin_policy(&txn), SFB_POLICY_A_LOG_RATE));
	decode(&txn, &rs);
	EXPECT_EQ(7u, rs.log_rate);
	text = print_conf(&rs, &len);
	EXPECT_NE(NULL, strstr(text, "\npolicy log-rate 7/s\n"));
	free(text);
	sfb_dump_free(&rs);
	sfb_txn_free(&txn);
	sfb_config_free(cfg);

	/* The same without the statement: no attribute. */
	cfg = sfb_config_parse("t.conf", conf,
			       sizeof(conf) - 1 - strlen("policy log-rate 7/s\n"), d);
	ASSERT_NE(NULL, cfg);
	ASSERT_TRUE(sfb_compile(cfg, NULL, false, d, &txn));
	EXPECT_FALSE(nest_has(begin_policy(&txn), SFB_POLICY_A_LOG_RATE));
	EXPECT_TRUE(nest_has(begin_policy(&txn), SFB_POLICY_A_MODE));
	sfb_txn_free(&txn);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

TEST(interface_only_bind)
{
	static const char conf[] =
		"role a \"A\" {\n\tservice s tcp 1 tcp\n}\n"
		"bind a iface eth0\n";
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg = sfb_config_parse("t.conf", conf,
						  sizeof(conf) - 1, d);
	struct sfb_txn txn = { 0 };

	ASSERT_NE(NULL, cfg);
	EXPECT_FALSE(sfb_compile(cfg, NULL, false, d, &txn));
	EXPECT_EQ(1u, sfb_diag_count(d, SFB_ERROR));
	sfb_txn_free(&txn);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

/*
 * 65535 single-port rules (more than a file may hold, so built by hand):
 * the role is split under the size bound, every message repeats its id
 * and name, and the rules come out whole and in order.
 */
TEST(big_role_splits)
{
	enum { N = 65535 };
	struct sfb_conf_rule *rules = calloc(N, sizeof(*rules));
	char (*names)[8] = calloc(N, sizeof(*names));
	struct sfb_prefix prefix = { .family = AF_INET, .addr = { 192, 0, 2, 1 },
				     .len = 32 };
	struct sfb_conf_role role = { .name = "big", .description = "65535 ports",
				 .loc = { .file = "big.conf", .line = 1, .col = 1 } };
	struct sfb_binding bind = { .role = &role, .prefixes = &prefix,
				    .n_prefixes = 1 };
	struct sfb_config cfg = { .roles = &role, .n_roles = 1,
				  .bindings = &bind, .n_bindings = 1 };
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_txn txn = { 0 };
	struct sfb_dump rs;
	size_t n_role_msgs;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d", i + 1);
		rules[i] = (struct sfb_conf_rule){ .name = names[i],
			.class = SFB_CLASS_SERVICE, .protos = SFB_PROTO_TCP,
			.ports = { i + 1, i + 1 }, .transport = "tcp", .note = "" };
	}
	role.rules = rules;
	role.n_rules = N;
	ASSERT_TRUE(sfb_compile(&cfg, NULL, false, d, &txn));
	n_role_msgs = count_cmd(&txn, SFB_CMD_LOAD_ROLE);
	/* ~40 bytes a rule: at least 160 messages of at most 16 KiB. */
	EXPECT_GE(n_role_msgs, (size_t)N * 40 / SFB_TXN_MSG_MAX);
	for (size_t i = 0; i < txn.n; i++) {
		EXPECT_LE(txn.msgs[i].nlh->nlmsg_len, SFB_TXN_MSG_MAX);
		if (msg_cmd(&txn.msgs[i]) != SFB_CMD_LOAD_ROLE)
			continue;
		EXPECT_EQ(1u, txn.msgs[i].loc.line);
		/* Most of the room is used: nothing splits early. */
		if (i + 1 < txn.n && msg_cmd(&txn.msgs[i + 1]) == SFB_CMD_LOAD_ROLE)
			EXPECT_GT(txn.msgs[i].nlh->nlmsg_len, SFB_TXN_MSG_MAX - 100);
	}
	decode(&txn, &rs);
	ASSERT_EQ(1u, rs.n_roles);
	EXPECT_STREQ("65535 ports", rs.roles[0].description);
	ASSERT_EQ((size_t)N, rs.roles[0].n_rules);
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(i + 1, rs.roles[0].rules[i].ports.first);
		ASSERT_STREQ(names[i], rs.roles[0].rules[i].name);
	}
	sfb_dump_free(&rs);
	sfb_txn_free(&txn);
	sfb_diag_free(d);
	free(names);
	free(rules);
}

#define RULE(n, c, p, f, l) { .name = n, .class = c, .protos = p, \
			      .ports = { f, l }, .transport = "", .note = "" }
#define SEG(p, c, f, l, pk, by) { .proto = p, .class = c, .ports = { f, l }, \
				  .count = { pk, by } }

TEST(attribution)
{
	struct sfb_conf_rule a_rules[] = {
		RULE("r1", SFB_CLASS_SERVICE, SFB_PROTO_TCP, 5060, 5061),
		RULE("r2", SFB_CLASS_SERVICE, SFB_PROTO_ALL, 5061, 5061),
		RULE("r3", SFB_CLASS_MEDIA, SFB_PROTO_UDP, 50000, 50039),
	};
	struct sfb_conf_rule b_rules[] = {
		RULE("r4", SFB_CLASS_SERVICE, SFB_PROTO_TCP, 5061, 5070),
		RULE("r5", SFB_CLASS_SERVICE, SFB_PROTO_UDP, 5060, 5060),
	};
	struct sfb_dump_role a = { .name = "a", .rules = a_rules, .n_rules = 3 };
	struct sfb_dump_role b = { .name = "b", .rules = b_rules, .n_rules = 2 };
	const struct sfb_dump_role *roles[] = { &a, &b };
	/* Unsorted, as a dump may order them. */
	struct sfb_dump_segment segs[] = {
		SEG(SFB_PROTO_UDP, SFB_CLASS_MEDIA, 50000, 50039, 16, 160),
		SEG(SFB_PROTO_TCP, SFB_CLASS_SERVICE, 5062, 5070, 4, 40),
		SEG(SFB_PROTO_TCP, SFB_CLASS_MEDIA, 50000, 50039, 32, 320),
		SEG(SFB_PROTO_TCP, SFB_CLASS_SERVICE, 5060, 5060, 1, 10),
		SEG(SFB_PROTO_UDP, SFB_CLASS_SERVICE, 5061, 5061, 8, 80),
		SEG(SFB_PROTO_TCP, SFB_CLASS_SERVICE, 5061, 5061, 2, 20),
	};
	struct sfb_count ca[3] = { 0 }, cb[2] = { 0 };
	struct sfb_count *counts[] = { ca, cb };

	sfb_attribute(roles, 2, segs, ARRAY_SIZE(segs), counts);
	EXPECT_EQ(1u + 2, ca[0].packets);	/* tcp 5060 and 5061 */
	EXPECT_EQ(2u + 8, ca[1].packets);	/* 5061 over tcp and udp */
	EXPECT_EQ(16u, ca[2].packets);		/* udp media only */
	EXPECT_EQ(160u, ca[2].bytes);
	EXPECT_EQ(2u + 4, cb[0].packets);	/* overlaps r1 and r2 */
	EXPECT_EQ(60u, cb[0].bytes);
	EXPECT_EQ(0u, cb[1].packets);		/* nothing on udp 5060 */
}

/* One GET_STATS target message: id, and roles only in the first one. */
static struct nlmsghdr *target_msg(char *buf, uint32_t id, bool first,
				   uint16_t port)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t roles[] = { 3, 5 };
	struct nlattr *target, *segs, *seg;

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	target = mnl_attr_nest_start(nlh, SFB_A_TARGET);
	mnl_attr_put_u32(nlh, SFB_TARGET_A_ID, id);
	if (first)
		mnl_attr_put(nlh, SFB_TARGET_A_ROLES, sizeof(roles), roles);
	segs = mnl_attr_nest_start(nlh, SFB_TARGET_A_SEGMENTS);
	seg = mnl_attr_nest_start(nlh, SFB_SEGMENTS_A_SEGMENT);
	mnl_attr_put_u8(nlh, SFB_SEGMENT_A_PROTO, SFB_PROTO_UDP);
	mnl_attr_put_u8(nlh, SFB_SEGMENT_A_CLASS, SFB_CLASS_SERVICE);
	mnl_attr_put_u16(nlh, SFB_SEGMENT_A_PORT_FIRST, port);
	mnl_attr_put_u16(nlh, SFB_SEGMENT_A_PORT_LAST, port);
	mnl_attr_put_u64(nlh, SFB_SEGMENT_A_PACKETS, port);
	mnl_attr_put_u64(nlh, SFB_SEGMENT_A_BYTES, 2 * port);
	mnl_attr_nest_end(nlh, seg);
	mnl_attr_nest_end(nlh, segs);
	mnl_attr_nest_end(nlh, target);
	return nlh;
}

/* A target too big for one message continues under its id alone. */
TEST(stats_target_continues)
{
	char buf[512] __attribute__((aligned(8)));
	struct sfb_stats st;

	sfb_stats_init(&st);
	ASSERT_EQ(MNL_CB_OK, sfb_stats_feed(target_msg(buf, 7, true, 10), &st));
	ASSERT_EQ(MNL_CB_OK, sfb_stats_feed(target_msg(buf, 7, false, 20), &st));
	ASSERT_EQ(1u, st.n_targets);
	ASSERT_EQ(2u, st.targets[0].n_roles);
	EXPECT_EQ(5u, st.targets[0].roles[1]);
	ASSERT_EQ(2u, st.targets[0].n_segs);
	EXPECT_EQ(20u, st.targets[0].segs[1].ports.first);
	EXPECT_EQ(40u, st.targets[0].segs[1].count.bytes);
	/* A target nobody introduced is malformed. */
	EXPECT_EQ(MNL_CB_ERROR, sfb_stats_feed(target_msg(buf, 8, false, 1), &st));
	sfb_stats_free(&st);
}

TEST_HARNESS_MAIN
