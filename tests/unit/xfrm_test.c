// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's xfrm bypass policies without a socket: port ranges as aligned
 * value/mask blocks (fewest, exact, IKE ports left out for UDP), the set a
 * configuration wants, the recogniser (a NEWPOLICY sfbctl builds is sfb's,
 * as a dump reports it in the same layout, and any difference in shape
 * makes a policy someone else's), show's lines, and the
 * ip_local_reserved_ports that load --sysctl and flush write: sfb's ports
 * merged with the administrator's, and given back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "kselftest_harness.h"
#include "sfbctl.h"
#include "sysctl.h"
#include "xfrm.h"

/* Blocks */

/* The minimum: the maximal aligned blocks inside [first, last]. */
static size_t min_blocks(uint32_t first, uint32_t last, uint32_t base,
			 uint32_t size)
{
	if (last < base || first > base + size - 1)
		return 0;
	if (first <= base && base + size - 1 <= last)
		return 1;
	return min_blocks(first, last, base, size / 2) +
	       min_blocks(first, last, base + size / 2, size / 2);
}

/* Blocks ascending, aligned, adjacent, covering [first, last], fewest. */
static bool blocks_ok(uint16_t first, uint16_t last)
{
	struct sfb_xfrm_block b[SFB_XFRM_BLOCKS_MAX];
	struct sfb_range r = { first, last };
	size_t n = sfb_xfrm_blocks(r, false, b);
	uint32_t next = first;

	for (size_t i = 0; i < n; i++) {
		uint32_t size = (uint16_t)~b[i].mask + 1u;

		if (size & (size - 1) || b[i].value % size || b[i].value != next)
			return false;
		next = b[i].value + size;
	}
	return next == last + 1u && n == min_blocks(first, last, 0, 1u << 16);
}

TEST(blocks_examples)
{
	static const struct sfb_xfrm_block audio[] = {
		{ 49152, 0xe000 }, { 57344, 0xff80 }, { 57472, 0xfff0 },
		{ 57488, 0xfff8 }, { 57496, 0xfffc }, { 57500, 0xffff },
	};
	struct sfb_xfrm_block b[SFB_XFRM_BLOCKS_MAX];
	size_t n;

	n = sfb_xfrm_blocks((struct sfb_range){ 49152, 57500 }, false, b);
	ASSERT_EQ(6u, n);
	EXPECT_EQ(0, memcmp(audio, b, sizeof(audio)));
	n = sfb_xfrm_blocks((struct sfb_range){ 49152, 65535 }, false, b);
	ASSERT_EQ(1u, n);
	EXPECT_EQ(49152, b[0].value);
	EXPECT_EQ(0xc000, b[0].mask);
	n = sfb_xfrm_blocks((struct sfb_range){ 0, 65535 }, false, b);
	ASSERT_EQ(1u, n);
	EXPECT_EQ(0, b[0].value);
	EXPECT_EQ(0, b[0].mask);
	EXPECT_EQ(9u, sfb_xfrm_blocks((struct sfb_range){ 57501, 65535 },
				      false, b));
	/* The worst case. */
	EXPECT_EQ(30u, sfb_xfrm_blocks((struct sfb_range){ 1, 65534 }, false, b));
}

TEST(blocks_random)
{
	uint32_t x = 0x5fb;

	for (uint32_t a = 0; a < 300; a++) {
		for (uint32_t b = a; b < 300; b++) {
			ASSERT_TRUE(blocks_ok(a, b)) TH_LOG("%u-%u", a, b);
			ASSERT_TRUE(blocks_ok(65535 - b, 65535 - a))
				TH_LOG("%u-%u", 65535 - b, 65535 - a);
		}
	}
	for (int i = 0; i < 200000; i++) {
		uint16_t a, b;

		x ^= x << 13;	/* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		a = (uint16_t)x;
		b = (uint16_t)(x >> 16);
		if (a > b) {
			uint16_t t = a;

			a = b;
			b = t;
		}
		ASSERT_TRUE(blocks_ok(a, b)) TH_LOG("%u-%u", a, b);
	}
}

/* How many of @b's blocks hold @port. */
static int holders(const struct sfb_xfrm_block *b, size_t n, uint16_t port)
{
	int k = 0;

	for (size_t i = 0; i < n; i++)
		k += (port & b[i].mask) == b[i].value;
	return k;
}

TEST(blocks_skip_ike)
{
	struct sfb_xfrm_block b[SFB_XFRM_BLOCKS_MAX];
	size_t n = sfb_xfrm_blocks((struct sfb_range){ 0, 65535 }, true, b);

	EXPECT_EQ(27u, n);
	for (uint32_t port = 0; port < 65536; port++) {
		ASSERT_EQ(port != 500 && port != 4500, holders(b, n, port))
			TH_LOG("port %u", port);
	}
	/* TCP keeps them. */
	n = sfb_xfrm_blocks((struct sfb_range){ 400, 4600 }, false, b);
	EXPECT_EQ(1, holders(b, n, 500));
	EXPECT_EQ(1, holders(b, n, 4500));
	EXPECT_EQ(0u, sfb_xfrm_blocks((struct sfb_range){ 500, 500 }, true, b));
	EXPECT_EQ(0u, sfb_xfrm_blocks((struct sfb_range){ 4500, 4500 }, true, b));
	n = sfb_xfrm_blocks((struct sfb_range){ 499, 501 }, true, b);
	ASSERT_EQ(2u, n);
	EXPECT_EQ(499, b[0].value);
	EXPECT_EQ(0xffff, b[0].mask);
	EXPECT_EQ(501, b[1].value);
	EXPECT_EQ(0xffff, b[1].mask);
}

/* Wanted sets */

/* A site on the shipped catalogue: include wants a file and a full path. */
static struct sfb_config *site(struct sfb_diag *d, const char *text)
{
	char path[] = "/tmp/sfb-xfrm-test-XXXXXX", cwd[4096];
	struct sfb_config *cfg;
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (!f || !getcwd(cwd, sizeof(cwd)))
		abort();
	fprintf(f, "include \"%s/user/roles/sfb2015.conf\"\n%s", cwd, text);
	fclose(f);
	cfg = sfb_config_load(path, d);
	unlink(path);
	return cfg;
}

static struct sfb_config *parse(struct sfb_diag *d, const char *text)
{
	return sfb_config_parse("t.conf", text, strlen(text), d);
}

static struct sfb_xfrm_policy mark_policy(uint8_t dir, uint16_t family,
					  uint32_t mark)
{
	struct sfb_xfrm_policy p;

	memset(&p, 0, sizeof(p));
	p.kind = SFB_XFRM_MARK;
	p.dir = dir;
	p.sel.family = family;
	p.mark = mark;
	p.mask = mark;
	p.priority = SFB_XFRM_PRIORITY;
	return p;
}

/* A selector policy on the source (@src) or destination side; @addr NULL: any. */
static struct sfb_xfrm_policy flow(uint16_t family, const char *addr,
				   bool src, uint8_t proto, uint16_t port,
				   uint16_t mask)
{
	struct sfb_xfrm_policy p;
	xfrm_address_t *a = src ? &p.sel.saddr : &p.sel.daddr;
	uint8_t len = !addr ? 0 : family == AF_INET ? 32 : 128;

	memset(&p, 0, sizeof(p));
	p.kind = SFB_XFRM_SELECTOR;
	p.dir = XFRM_POLICY_OUT;
	p.priority = SFB_XFRM_PRIORITY;
	p.sel.family = family;
	p.sel.proto = proto;
	if (addr && inet_pton(family, addr, a) != 1)
		abort();
	if (src) {
		p.sel.prefixlen_s = len;
		p.sel.sport = htons(port);
		p.sel.sport_mask = htons(mask);
	} else {
		p.sel.prefixlen_d = len;
		p.sel.dport = htons(port);
		p.sel.dport_mask = htons(mask);
	}
	return p;
}

static bool same(const struct sfb_xfrm_policy *a, const struct sfb_xfrm_policy *b)
{
	return a->kind == b->kind && a->dir == b->dir && a->mark == b->mark &&
	       a->mask == b->mask && a->priority == b->priority &&
	       a->index == b->index && !memcmp(&a->sel, &b->sel, sizeof(a->sel));
}

static bool has(const struct sfb_xfrm_set *set, const struct sfb_xfrm_policy *p)
{
	for (size_t i = 0; i < set->n; i++)
		if (same(&set->p[i], p))
			return true;
	return false;
}

static void add(struct sfb_xfrm_set *set, struct sfb_xfrm_policy p)
{
	set->p = realloc(set->p, (set->n + 1) * sizeof(*set->p));
	if (!set->p)
		abort();
	set->p[set->n++] = p;
}

/* Every UDP port but 500 and 4500, worked out by hand. */
static const struct sfb_xfrm_block udp_any[] = {
	{ 0, 0xff00 }, { 256, 0xff80 }, { 384, 0xffc0 }, { 448, 0xffe0 },
	{ 480, 0xfff0 }, { 496, 0xfffc },
	{ 501, 0xffff }, { 502, 0xfffe }, { 504, 0xfff8 }, { 512, 0xfe00 },
	{ 1024, 0xfc00 }, { 2048, 0xf800 }, { 4096, 0xff00 }, { 4352, 0xff80 },
	{ 4480, 0xfff0 }, { 4496, 0xfffc },
	{ 4501, 0xffff }, { 4502, 0xfffe }, { 4504, 0xfff8 }, { 4512, 0xffe0 },
	{ 4544, 0xffc0 }, { 4608, 0xfe00 }, { 5120, 0xfc00 }, { 6144, 0xf800 },
	{ 8192, 0xe000 }, { 16384, 0xc000 }, { 32768, 0x8000 },
};

#define N_UDP_ANY ARRAY_SIZE(udp_any)

/* Every flow of one address, one side: TCP any port, UDP but IKE's. */
static void add_address(struct sfb_xfrm_set *set, uint16_t family,
			const char *addr, bool src)
{
	add(set, flow(family, addr, src, IPPROTO_TCP, 0, 0));
	for (size_t i = 0; i < N_UDP_ANY; i++)
		add(set, flow(family, addr, src, IPPROTO_UDP, udp_any[i].value,
			      udp_any[i].mask));
}

static void add_marks(struct sfb_xfrm_set *set, uint32_t mark)
{
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT,
					XFRM_POLICY_FWD };

	for (size_t d = 0; d < sizeof(dirs); d++) {
		add(set, mark_policy(dirs[d], AF_INET, mark));
		add(set, mark_policy(dirs[d], AF_INET6, mark));
	}
}

/*
 * @got is exactly @want: sizes equal, @got sorted without repeats, and
 * holds every policy of @want (distinct).
 */
static bool same_set(struct __test_metadata *_metadata,
		     const struct sfb_xfrm_set *got,
		     const struct sfb_xfrm_set *want)
{
	EXPECT_EQ(want->n, got->n);
	for (size_t i = 1; i < got->n; i++) {
		EXPECT_FALSE(same(&got->p[i - 1], &got->p[i]))
			TH_LOG("repeated: %zu", i);
	}
	for (size_t i = 0; i < want->n; i++) {
		EXPECT_TRUE(has(got, &want->p[i]))
			TH_LOG("missing: %zu", i);
	}
	return _metadata->passed;
}

#define MEDIATION_CLIENTS						\
	"override media-range client-media 50000-50039\n"		\
	"policy monitor\n"						\
	"mark ipsec-exempt 0x400\n"					\
	"bind mediation 192.0.2.10/32 2001:db8::10/128\n"

/*
 * Mediation bound to one address per family, with the catalogue: the six
 * mark policies; mediation-in's destination and mediation-out's source
 * flows of each address (TCP any port, 1 policy; UDP but 500 and 4500, 27);
 * the clients rule's UDP from any address, source ports 50000-50039 (3
 * blocks), per family. 6 + 2 * 2 * 28 + 2 * 3 = 124.
 */
TEST(wanted_mediation_clients)
{
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg = site(d, MEDIATION_CLIENTS);
	struct sfb_xfrm_set got = { 0 }, want = { 0 };
	static const struct sfb_xfrm_block clients[] = {
		{ 50000, 0xfff0 }, { 50016, 0xfff0 }, { 50032, 0xfff8 },
	};

	ASSERT_NE(NULL, cfg);
	ASSERT_EQ(0, sfb_xfrm_wanted(cfg, &got));
	add_marks(&want, 0x400);
	add_address(&want, AF_INET, "192.0.2.10", false);
	add_address(&want, AF_INET, "192.0.2.10", true);
	add_address(&want, AF_INET6, "2001:db8::10", false);
	add_address(&want, AF_INET6, "2001:db8::10", true);
	for (size_t i = 0; i < 3; i++) {
		add(&want, flow(AF_INET, NULL, true, IPPROTO_UDP,
				clients[i].value, clients[i].mask));
		add(&want, flow(AF_INET6, NULL, true, IPPROTO_UDP,
				clients[i].value, clients[i].mask));
	}
	ASSERT_EQ(124u, want.n);
	same_set(_metadata, &got, &want);
	/* Mark policies first, so show lists them as it always did. */
	for (size_t i = 0; i < got.n; i++)
		EXPECT_EQ(i < 6, got.p[i].kind == SFB_XFRM_MARK);
	sfb_xfrm_set_free(&got);
	sfb_xfrm_set_free(&want);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

/* A role bound through a role that extends it counts; nothing without mark. */
#define EXTENDS							\
	"role base \"B\" {\n}\n"					\
	"role leaf \"L\" {\n\textends base\n}\n"			\
	"ipsec-exempt out {\n\tfrom base; to any; proto tcp; sport any; dport any\n}\n" \
	"bind leaf 198.51.100.0/24\n"

TEST(wanted_extends_and_mark)
{
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_xfrm_set got = { 0 }, want = { 0 };
	struct sfb_config *cfg = parse(d, EXTENDS);
	struct sfb_xfrm_policy p = flow(AF_INET, "198.51.100.0", true,
					IPPROTO_TCP, 0, 0);

	ASSERT_NE(NULL, cfg);
	ASSERT_EQ(0, sfb_xfrm_wanted(cfg, &got));
	EXPECT_EQ(0u, got.n);
	sfb_config_free(cfg);
	sfb_diag_free(d);

	/* A diag holds one source per name: a new one for the same name. */
	d = sfb_diag_new();
	cfg = parse(d, "mark ipsec-exempt 0x10000000\n" EXTENDS);
	ASSERT_NE(NULL, cfg);
	ASSERT_EQ(0, sfb_xfrm_wanted(cfg, &got));
	add_marks(&want, 0x10000000);
	p.sel.prefixlen_s = 24;
	add(&want, p);
	same_set(_metadata, &got, &want);
	sfb_xfrm_set_free(&got);
	sfb_xfrm_set_free(&want);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

/*
 * "Any to any" is still a rule: all UDP but IKE, per family; a second rule
 * with the same flows adds nothing. (A rule with both sides is an error of
 * the configuration, as nf_sfb refuses it.)
 */
TEST(wanted_any_dedup)
{
	static const char conf[] =
		"mark ipsec-exempt 0x400\n"
		"role r \"R\" {\n}\n"
		"ipsec-exempt a {\n\tfrom any; to any; proto udp; sport any; dport any\n}\n"
		"ipsec-exempt b {\n\tfrom any; to any; proto udp; sport any; dport any\n}\n"
		"bind r 192.0.2.1/32\n";
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_xfrm_set got = { 0 }, want = { 0 };
	struct sfb_config *cfg = parse(d, conf);

	ASSERT_NE(NULL, cfg);
	ASSERT_EQ(0, sfb_xfrm_wanted(cfg, &got));
	add_marks(&want, 0x400);
	for (size_t i = 0; i < N_UDP_ANY; i++) {
		add(&want, flow(AF_INET, NULL, false, IPPROTO_UDP,
				udp_any[i].value, udp_any[i].mask));
		add(&want, flow(AF_INET6, NULL, false, IPPROTO_UDP,
				udp_any[i].value, udp_any[i].mask));
	}
	same_set(_metadata, &got, &want);
	sfb_xfrm_set_free(&got);
	sfb_xfrm_set_free(&want);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

/* Too many policies: one line, and the kernel is never asked. */
TEST(load_cap)
{
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_xfrm_load l;
	struct sfb_config *cfg;
	char *conf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&conf, &len);

	/* 80 addresses, both ways, TCP and UDP: 80 * 2 * 28 > 4096. */
	fputs(MEDIATION_CLIENTS "bind mediation", f);
	for (int i = 0; i < 80; i++)
		fprintf(f, " 198.51.100.%d/32", i);
	fputc('\n', f);
	fclose(f);
	cfg = site(d, conf);
	ASSERT_NE(NULL, cfg);
	ASSERT_EQ(SFBCTL_EXIT_ERROR, sfb_xfrm_load_begin(&l, cfg));
	EXPECT_LT((size_t)SFB_XFRM_MAX_POLICIES, l.want.n);
	EXPECT_EQ(0u, l.added.n);
	EXPECT_EQ(0u, l.old.n);
	sfb_xfrm_load_free(&l);
	sfb_config_free(cfg);
	free(conf);
	sfb_diag_free(d);
}

/* The recogniser */

#define INDEX(slot, dir) (SFB_XFRM_INDEX_BASE + (slot) * 8 + (dir))

static struct sfb_xfrm_policy mark_fwd6(void)
{
	struct sfb_xfrm_policy p = mark_policy(XFRM_POLICY_FWD, AF_INET6, 0x400);

	p.index = INDEX(1, XFRM_POLICY_FWD);
	return p;
}

static struct sfb_xfrm_policy selector_v4(void)
{
	struct sfb_xfrm_policy p = flow(AF_INET, "192.0.2.10", true,
					IPPROTO_TCP, 0, 0);

	p.index = INDEX(SFB_XFRM_SLOTS - 1, XFRM_POLICY_OUT);
	return p;
}

static struct xfrm_userpolicy_info *info(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

TEST(new_policies_are_sfbs)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_xfrm_policy want[] = { mark_fwd6(), selector_v4() };
	struct sfb_xfrm_policy p;

	for (size_t i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = sfb_xfrm_msg_new(buf, &want[i]);

		ASSERT_EQ(XFRM_MSG_NEWPOLICY, nlh->nlmsg_type);
		EXPECT_EQ((unsigned int)SFB_XFRM_PRIORITY, info(nlh)->priority);
		EXPECT_EQ(XFRM_POLICY_ALLOW, info(nlh)->action);
		EXPECT_EQ(want[i].index, info(nlh)->index);
		/* The kernel wants a given index's low bits to be the dir. */
		EXPECT_EQ(want[i].dir, info(nlh)->index & 7);
		ASSERT_TRUE(sfb_xfrm_parse(nlh, &p));
		EXPECT_TRUE(same(&want[i], &p));
	}
	/* No mark attribute at all on a selector policy. */
	EXPECT_EQ(mnl_nlmsg_size(sizeof(struct xfrm_userpolicy_info)),
		  sfb_xfrm_msg_new(buf, &want[1])->nlmsg_len);
}

static void put_mark(struct nlmsghdr *nlh, uint32_t v, uint32_t m)
{
	struct xfrm_mark mark = { .v = v, .m = m };

	mnl_attr_put(nlh, XFRMA_MARK, sizeof(mark), &mark);
}

TEST(other_shapes_are_not)
{
	struct sfb_xfrm_policy mp = mark_fwd6(), sp = selector_v4(), p;
	char buf[SFB_XFRM_MSG_MAX];
	struct xfrm_user_tmpl t = { 0 };
	struct nlmsghdr *nlh;
	uint32_t bad_index[] = {
		0, INDEX(0, XFRM_POLICY_OUT), SFB_XFRM_INDEX_BASE - 8 + 1,
		INDEX(SFB_XFRM_SLOTS, XFRM_POLICY_OUT), 0x1238 + 1,
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad_index); i++) {
		nlh = sfb_xfrm_msg_new(buf, &sp);
		info(nlh)->index = bad_index[i];
		EXPECT_FALSE(sfb_xfrm_parse(nlh, &p)) TH_LOG("index %x", bad_index[i]);
	}
	nlh = sfb_xfrm_msg_new(buf, &sp);
	info(nlh)->priority = 11;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &mp);
	info(nlh)->action = XFRM_POLICY_BLOCK;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &sp);
	info(nlh)->flags = XFRM_POLICY_ICMP;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &sp);
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &mp);
	mnl_attr_put(nlh, XFRMA_SEC_CTX, sizeof(t), &t);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &sp);
	mnl_attr_put_u32(nlh, XFRMA_IF_ID, 7);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &mp);
	mnl_attr_put_u8(nlh, XFRMA_POLICY_TYPE, XFRM_POLICY_TYPE_SUB);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	/* Mark policies: a selector, mark != mask, mark 0. */
	nlh = sfb_xfrm_msg_new(buf, &mp);
	info(nlh)->sel.prefixlen_d = 8;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &mp);
	info(nlh)->sel.ifindex = 2;
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	mp.mask = 0xffffffff;
	EXPECT_FALSE(sfb_xfrm_parse(sfb_xfrm_msg_new(buf, &mp), &p));
	mp.mark = 0;
	mp.mask = 0;
	EXPECT_FALSE(sfb_xfrm_parse(sfb_xfrm_msg_new(buf, &mp), &p));

	/* Selector policies: a mark, not dir out, not TCP or UDP. */
	nlh = sfb_xfrm_msg_new(buf, &sp);
	put_mark(nlh, 0x400, 0x400);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &sp);
	put_mark(nlh, 0, 0x400);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));

	nlh = sfb_xfrm_msg_new(buf, &sp);
	put_mark(nlh, 0, 0);	/* what "no mark" may look like */
	EXPECT_TRUE(sfb_xfrm_parse(nlh, &p));

	sp.dir = XFRM_POLICY_IN;
	sp.index = INDEX(5, XFRM_POLICY_IN);
	EXPECT_FALSE(sfb_xfrm_parse(sfb_xfrm_msg_new(buf, &sp), &p));

	sp = selector_v4();
	sp.sel.proto = IPPROTO_ICMP;
	EXPECT_FALSE(sfb_xfrm_parse(sfb_xfrm_msg_new(buf, &sp), &p));

	/* The foreign "marked allow policy" of the selftest. */
	sp = selector_v4();
	sp.sel.proto = 0;
	sp.sel.prefixlen_s = 16;
	sp.dir = XFRM_POLICY_IN;
	sp.index = INDEX(9, XFRM_POLICY_IN);
	nlh = sfb_xfrm_msg_new(buf, &sp);
	put_mark(nlh, 0x400, 0x400);
	EXPECT_FALSE(sfb_xfrm_parse(nlh, &p));
}

TEST(delete_by_index_and_mark)
{
	char buf[SFB_XFRM_MSG_MAX];
	struct sfb_xfrm_policy p = mark_policy(XFRM_POLICY_IN, AF_INET, 0x800);
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_id *id;
	struct nlattr *attr;
	struct xfrm_mark m;

	p.index = INDEX(3, XFRM_POLICY_IN);
	nlh = sfb_xfrm_msg_del(buf, &p);
	id = mnl_nlmsg_get_payload(nlh);
	attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(*id));
	EXPECT_EQ(XFRM_MSG_DELPOLICY, nlh->nlmsg_type);
	EXPECT_EQ(p.index, id->index);
	EXPECT_EQ(XFRM_POLICY_IN, id->dir);
	ASSERT_EQ(XFRMA_MARK, mnl_attr_get_type(attr));
	memcpy(&m, mnl_attr_get_payload(attr), sizeof(m));
	EXPECT_EQ(0x800u, m.v);
	EXPECT_EQ(0x800u, m.m);

	/* Index 0: the kernel goes by the selector, which is there. */
	p = selector_v4();
	p.index = 0;
	id = mnl_nlmsg_get_payload(sfb_xfrm_msg_del(buf, &p));
	EXPECT_EQ(0u, id->index);
	EXPECT_EQ(0, memcmp(&p.sel, &id->sel, sizeof(p.sel)));
}

/* show */

TEST(show_lines)
{
	/* Port/mask as the range it covers. */
	static const char want[] = {
		"[{\"kind\":\"mark\",\"dir\":\"fwd\",\"family\":\"ipv6\",\"mark\":1024,\"mask\":1024,\"priority\":10,\"index\":1605369866},{\"kind\":\"selector\",\"dir\":\"out\",\"family\":\"ipv4\",\"mark\":0,\"mask\":0,\"priority\":10,\"index\":1606418425,\"protocol\":\"tcp\",\"saddr\":\"192.0.2.10/32\",\"sport\":{\"first\":0,\"last\":65535},\"daddr\":\"0.0.0.0/0\",\"dport\":{\"first\":0,\"last\":65535}},{\"kind\":\"selector\",\"dir\":\"out\",\"family\":\"ipv6\",\"mark\":0,\"mask\":0,\"priority\":10,\"index\":0,\"protocol\":\"udp\",\"saddr\":\"::/0\",\"sport\":{\"first\":50032,\"last\":50039},\"daddr\":\"::/0\",\"dport\":{\"first\":0,\"last\":65535}},{\"kind\":\"selector\",\"dir\":\"out\",\"family\":\"ipv6\",\"mark\":0,\"mask\":0,\"priority\":10,\"index\":0,\"protocol\":\"udp\",\"saddr\":\"::/0\",\"sport\":{\"first\":0,\"last\":65535},\"daddr\":\"2001:db8::10/128\",\"dport\":{\"first\":49152,\"last\":65535}}]"
	};
	struct sfb_xfrm_policy v[] = {
		mark_fwd6(), selector_v4(),
		flow(AF_INET6, NULL, true, IPPROTO_UDP, 50032, 0xfff8),
		flow(AF_INET6, "2001:db8::10", false, IPPROTO_UDP, 49152, 0xc000),
	};
	struct sfb_xfrm_set set = { .p = v, .n = 4 };
	json_t *json = sfb_xfrm_json(&set);
	char *text = NULL, *jtext;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	sfb_xfrm_print_conf(&set, f);
	fclose(f);
	jtext = json_dumps(json, JSON_COMPACT);
	json_decref(json);
	EXPECT_STREQ("# xfrm bypass: dir fwd ipv6 mark 0x400/0x400 priority 10 allow\n"
		     "# xfrm bypass: dir out ipv4 src 192.0.2.10/32 proto tcp sport 0/0x0 priority 10 allow\n"
		     "# xfrm bypass: dir out ipv6 src ::/0 proto udp sport 50032/0xfff8 priority 10 allow\n"
		     "# xfrm bypass: dir out ipv6 dst 2001:db8::10/128 proto udp dport 49152/0xc000 priority 10 allow\n",
		     text);
	EXPECT_STREQ(want, jtext);
	free(jtext);
	free(text);
}

/* load --sysctl */

TEST(reserved_ports)
{
	static const struct {
		const char *cur, *want, *added;
	} cases[] = {
		{ "", "50000-50039", "50000-50039" },
		{ "\n", "50000-50039", "50000-50039" },
		{ "8080,9000-9010\n", "8080,9000-9010,50000-50039", "50000-50039" },
		{ "50040-50100", "50000-50100", "50000-50039" },
		{ "49999,50010", "49999-50039", "50000-50009,50011-50039" },
		{ "0-1,65535", "0-1,50000-50039,65535", "50000-50039" },
	};
	struct sfb_range eph = { 32768, 60999 };
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg = site(d, MEDIATION_CLIENTS);
	char out[64], added[64];

	ASSERT_NE(NULL, cfg);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(0, sfb_reserved_ports(cfg, cases[i].cur, "", eph, out,
						added, sizeof(out)));
		EXPECT_STREQ(cases[i].want, out);
		EXPECT_STREQ(cases[i].added, added);
	}
	EXPECT_EQ(-EINVAL, sfb_reserved_ports(cfg, "abc", "", eph, out, added,
					      sizeof(out)));
	EXPECT_EQ(-EINVAL, sfb_reserved_ports(cfg, "5-3", "", eph, out, added,
					      sizeof(out)));
	EXPECT_EQ(-EINVAL, sfb_reserved_ports(cfg, "65536", "", eph, out, added,
					      sizeof(out)));
	EXPECT_EQ(-EINVAL, sfb_reserved_ports(cfg, "1;2", "", eph, out, added,
					      sizeof(out)));
	EXPECT_EQ(-EBADMSG, sfb_reserved_ports(cfg, "", "x", eph, out, added,
					       sizeof(out)));
	EXPECT_EQ(-ENOSPC, sfb_reserved_ports(cfg, "", "", eph, out, added, 11));
	EXPECT_EQ(0, sfb_reserved_ports(cfg, "", "", eph, out, added, 12));
	/* Every ephemeral port reserved: refused. */
	eph = (struct sfb_range){ 50000, 50039 };
	EXPECT_EQ(-ERANGE, sfb_reserved_ports(cfg, "", "", eph, out, added,
					      sizeof(out)));
	eph = (struct sfb_range){ 49000, 50039 };
	EXPECT_EQ(-ERANGE, sfb_reserved_ports(cfg, "49000-49999", "", eph, out,
					      added, sizeof(out)));
	EXPECT_EQ(0, sfb_reserved_ports(cfg, "49000-49998", "", eph, out, added,
					sizeof(out)));
	EXPECT_STREQ("49000-49998,50000-50039", out);
	EXPECT_STREQ("50000-50039", added);
	sfb_config_free(cfg);

	/* Rules by address add nothing, and then refuse nothing. */
	cfg = parse(d, "role r \"R\" {\n}\n"
		       "ipsec-exempt a {\n\tfrom r; to any; proto tcp; sport any; dport any\n}\n"
		       "bind r 192.0.2.1/32\n");
	ASSERT_NE(NULL, cfg);
	EXPECT_EQ(0, sfb_reserved_ports(cfg, "49000-50039", "", eph, out, added,
					sizeof(out)));
	EXPECT_STREQ("49000-50039", out);
	EXPECT_STREQ("", added);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

/*
 * What sfb reserved before is not the administrator's: a reload replaces
 * it, a restore (no configuration) takes it away, and what the
 * administrator reserved, inside sfb's range or not, stays.
 */
TEST(reserved_ports_ours)
{
	static const struct {
		const char *cur, *ours, *want, *added;
		bool restore;
	} cases[] = {
		/* Reload: the same ports, the administrator's 8080 kept. */
		{ "8080,50000-50039", "50000-50039", "8080,50000-50039",
		  "50000-50039", false },
		/* Reload after a narrower range: the rest given back. */
		{ "50000-50099", "50000-50099", "50000-50039", "50000-50039",
		  false },
		/* The administrator reserved 50010 before sfb: not sfb's. */
		{ "50000-50039", "50000-50009,50011-50039", "50000-50039",
		  "50000-50009,50011-50039", false },
		/* Restore. */
		{ "8080,50000-50039", "50000-50039", "8080", "", true },
		{ "50000-50039", "50000-50009,50011-50039", "50010", "", true },
		{ "50000-50039", "50000-50039", "", "", true },
		/* Someone removed some of sfb's ports since: fine. */
		{ "8080", "50000-50039", "8080", "", true },
	};
	struct sfb_range eph = { 32768, 60999 };
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg = site(d, MEDIATION_CLIENTS);
	char out[64], added[64];

	ASSERT_NE(NULL, cfg);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool restore = cases[i].restore;

		EXPECT_EQ(0, sfb_reserved_ports(restore ? NULL : cfg,
						cases[i].cur, cases[i].ours,
						eph, out, added, sizeof(out)));
		EXPECT_STREQ(cases[i].want, out);
		EXPECT_STREQ(cases[i].added, added);
	}
	/* Giving back never refuses, whatever is reserved. */
	eph = (struct sfb_range){ 50000, 50039 };
	EXPECT_EQ(0, sfb_reserved_ports(NULL, "0-65535", "50000-50039", eph,
					out, added, sizeof(out)));
	EXPECT_STREQ("0-49999,50040-65535", out);
	sfb_config_free(cfg);
	sfb_diag_free(d);
}

TEST_HARNESS_MAIN
