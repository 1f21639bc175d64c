// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_nlfuzz: a fuzzer of the sfb generic netlink family.
 *
 *   sfb_nlfuzz [-n COUNT] [-s SEED] [-l EVERY] [-t SECONDS] [-g | -k] [-v]
 *              [-c SFBCTL SITE.conf SITE.show...]
 *
 * Sends COUNT (100000) generated messages to the sfb family of the caller's
 * network namespace, from NSOCKS sockets: random commands and attributes;
 * load messages with one attribute broken (missing, unknown, of the wrong
 * length or NLA_F_NESTED flag, out of range, an unterminated, long or empty
 * string, an nla_len under 4 or past its nest, trailing bytes, a deep or
 * empty nest, values inconsistent with each other) or the message itself
 * (genl reserved field, nlmsg_flags, NLM_F_DUMP, nlmsg_len cut short or
 * beyond the datagram, bytes after the attributes, a sequence gap); load
 * transactions abandoned (left open, their socket closed, ABORT from another
 * socket); valid transactions, queries and dumps; huge messages. The seed
 * is printed first: the same seed sends the same messages.
 *
 * With -k, kcov (/sys/kernel/debug/kcov, the debug kernel's, where only
 * nf_sfb is instrumented) counts the distinct PCs and edges of nf_sfb the
 * messages reach, each message in a datagram of its own. -g also guides the
 * fuzzer: a message that reaches a new edge joins a corpus, and mutants of
 * corpus messages replace part of the generated ones. Where kcov is
 * missing, both say so and change nothing.
 *
 * Pass criteria. Every message is sent with NLM_F_ACK and answered within
 * SECONDS (10), but those whose nlmsg_len lies outside their datagram:
 * netlink drops them, and they must not be answered. A message broken on
 * purpose must be refused, a valid one accepted; the others need only an
 * answer. The fuzzer never sends a COMMIT or FLUSH that could succeed
 * (COMMITs carry SFB_A_CHECK_ONLY or a sequence gap), so the ruleset
 * generation, read after every BATCH messages and from every answer that
 * reports it, must not move. With -c, every EVERY (10000) messages the open
 * transactions are aborted and SFBCTL loads the next SITE.conf; after each
 * load and each round of fuzzing `SFBCTL show` must print SITE.show (but for
 * its generation line), and no ruleset but the loaded one may be alive.
 *
 * Prints figures, then "in force: SITE.conf". Exits 0 on success, 1 on a
 * failure (with the message's number and the seed to replay it), 2 on a
 * usage error.
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include "sfb_kcov.h"
#include "sfb_nl_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define fallthrough	__attribute__((__fallthrough__))	/* as the kernel's */

#define NSOCKS		4	/* socks[OWNER] sends the transactions */
#define OWNER		0
#define BATCH		64	/* messages sent before their answers are read */
#define RING		256	/* more than one socket's messages in a batch */
#define MSG_MAX		(160 * 1024)
#define DGRAM_MAX	(192 * 1024)
#define NEST_MAX	65535	/* nla_len is 16 bits */
#define HUGE		16384	/* a message this long counts as huge */
#define NO_TARGET	UINT_MAX
#define GENL_MSG_HDRLEN	(NLMSG_HDRLEN + GENL_HDRLEN)

/* Fixed, so that CI runs are reproducible; -s changes it. */
static uint64_t seed = 0x5fb2015dec0de;
static uint64_t rng;

/* splitmix64 */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static uint32_t between(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % ((uint64_t)hi - lo + 1);
}

static bool one_in(uint32_t n)
{
	return below(n) == 0;
}

/* A function, not a macro: arguments may draw random numbers. */
static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void fill(void *p, size_t len)
{
	uint8_t *b = p;

	while (len--)
		*b++ = rnd();
}

/* What a message must get back. */
enum expect { E_ANSWER, E_OK, E_ERROR, E_SILENCE };

enum cat {
	C_QUERY, C_DUMP, C_TXN, C_ABORT, C_SHAPED, C_RANDOM, C_NOT_REQUEST,
	C_AFTER, C_CUT_EDGE, C_MUTANT,
	/* broken on purpose from here on */
	C_UNKNOWN_CMD, C_RESERVED, C_NLM_FLAGS, C_DUMP_FLAG, C_CUT, C_TRAILING,
	C_SEQ_GAP, C_FOREIGN, C_MISSING, C_UNKNOWN_ATTR, C_LENGTH, C_RANGE,
	C_STRING, C_NEST_FLAG, C_FRAMING, C_DEEP, C_EMPTY, C_SEMANTIC,
	C_NLMSG_LEN,
	NCAT
};

static const char *const cat_name[NCAT] = {
	[C_QUERY] = "valid GET_INFO, MATCH, ZERO_STATS",
	[C_DUMP] = "valid GET_RULESET, GET_STATS dump",
	[C_TXN] = "valid transaction message",
	[C_ABORT] = "ABORT, transaction state unknown",
	[C_SHAPED] = "well-formed, transaction state unknown",
	[C_RANDOM] = "random command and attributes",
	[C_NOT_REQUEST] = "NLM_F_REQUEST clear",
	[C_AFTER] = "junk after the last message",
	[C_CUT_EDGE] = "nlmsg_len cut between attributes",
	[C_MUTANT] = "mutant of a corpus message (-g)",
	[C_UNKNOWN_CMD] = "unknown command",
	[C_RESERVED] = "genl reserved field set",
	[C_NLM_FLAGS] = "reserved nlmsg_flags bits",
	[C_DUMP_FLAG] = "NLM_F_DUMP on a do, or not on a dump",
	[C_CUT] = "nlmsg_len cut in a header or attribute",
	[C_TRAILING] = "1-3 bytes after the last attribute",
	[C_SEQ_GAP] = "transaction message out of sequence",
	[C_FOREIGN] = "ABORT of another socket's transaction",
	[C_MISSING] = "required attribute missing",
	[C_UNKNOWN_ATTR] = "unknown attribute type",
	[C_LENGTH] = "attribute of the wrong length",
	[C_RANGE] = "value out of range",
	[C_STRING] = "string unterminated, too long or empty",
	[C_NEST_FLAG] = "NLA_F_NESTED wrong",
	[C_FRAMING] = "nla_len under 4 or past its nest",
	[C_DEEP] = "deep nest",
	[C_EMPTY] = "empty nest that needs attributes",
	[C_SEMANTIC] = "values valid alone, not together",
	[C_NLMSG_LEN] = "nlmsg_len outside the datagram",
};

static struct {
	unsigned long sent, refused, accepted;
} st[NCAT];

/* How a transaction ended. */
enum end {
	END_CHECK, END_ABORT, END_OPEN, END_CLOSE, END_FOREIGN, END_SEQ,
	END_GAP, NEND
};

static const char *const end_name[NEND] = {
	[END_CHECK] = "COMMIT with SFB_A_CHECK_ONLY",
	[END_ABORT] = "ABORT",
	[END_OPEN] = "abandoned: left open",
	[END_CLOSE] = "abandoned: socket closed",
	[END_FOREIGN] = "abandoned after another socket's ABORT",
	[END_SEQ] = "a query, then a message out of sequence",
	[END_GAP] = "COMMIT out of sequence",
};

static unsigned long ends[2][NEND];	/* [fuzzed?][how] */
static unsigned long errnos[256];
static unsigned long datagrams, batches, reopened, huge, loads;
static uint32_t largest, deepest;

/* What GET_INFO reports. */
struct info {
	uint64_t generation;
	uint32_t rulesets;
	uint32_t roles, services, bindings, exemptions;
};

static struct info lim;		/* the module's limits */
static uint64_t generation;	/* the only one the answers may report */
static bool loaded;		/* a site is loaded: MATCH finds a ruleset */

static uint16_t family;
static struct mnl_socket *ctl;	/* GET_INFO between batches */
static uint32_t ctl_seq;

struct pending {
	bool used;
	bool dump;		/* may be answered by a dump */
	uint8_t cmd, cat, expect;
	uint32_t seq;
	uint32_t no;		/* the message's number, from 1 */
};

static struct fsock {
	struct mnl_socket *nl;
	uint32_t seq;		/* the last one sent */
	bool maybe_txn;		/* sent a BEGIN since its last ABORT */
	bool dumping;		/* a dump of this batch may still run */
	uint32_t dump_len;	/* the last dump sent, for the corpus */
	char dump[512];
	unsigned int waiting;	/* answers due */
	struct pending ring[RING];
} socks[NSOCKS];

/* The datagram being filled: messages of one socket, sent in order. */
static struct {
	int sock;
	unsigned int n, cap;
	size_t len;
	uint32_t keep;		/* a lone message's length, for the corpus */
	bool dump;		/* that message may start a dump */
	char buf[DGRAM_MAX];
} out = { .sock = -1 };

/* Results of this batch's messages, for a generation that moved. */
static struct {
	uint32_t no;
	uint8_t cmd, cat;
} accepted[BATCH];
static unsigned int naccepted;

static char msgbuf[MSG_MAX] __attribute__((aligned(8)));
static char rbuf[256 * 1024] __attribute__((aligned(8)));
static uint32_t nsent, batch_first, batch_n;
static unsigned int timeout = 10;
static bool verbose;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nreplay: sfb_nlfuzz -s 0x%" PRIx64 " -n %u -v ...\n", seed,
	       nsent);
	exit(1);
}

static const char *errname(int err)
{
	return err ? strerrorname_np(err) ?: "?" : "ok";
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The control socket: GET_INFO.
 */

static int limit_attr(const struct nlattr *attr, void *data)
{
	struct info *in = data;
	uint32_t *field[] = {
		[SFB_LIMIT_A_ROLES] = &in->roles,
		[SFB_LIMIT_A_SERVICES] = &in->services,
		[SFB_LIMIT_A_BINDINGS] = &in->bindings,
		[SFB_LIMIT_A_EXEMPTIONS] = &in->exemptions,
	};
	uint16_t type = mnl_attr_get_type(attr);

	if (type < ARRAY_SIZE(field) && field[type] &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		*field[type] = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int info_attr(const struct nlattr *attr, void *data)
{
	struct info *in = data;

	switch (mnl_attr_get_type(attr)) {
	case SFB_A_GENERATION:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
			in->generation = mnl_attr_get_u64(attr);
		break;
	case SFB_A_RULESETS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			in->rulesets = mnl_attr_get_u32(attr);
		break;
	case SFB_A_LIMITS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(attr, limit_attr, data);
		break;
	}
	return MNL_CB_OK;
}

static int info_reply(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), info_attr, data);
}

static void get_info(struct info *in)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = sfb_nl_request(buf, family, SFB_CMD_GET_INFO, 0, ++ctl_seq);
	*in = (struct info){ .generation = UINT64_MAX };
	if (mnl_socket_sendto(ctl, nlh, nlh->nlmsg_len) < 0)
		fail("GET_INFO: %m");
	do {
		ret = mnl_socket_recvfrom(ctl, buf, sizeof(buf));
		if (ret > 0)
			ret = mnl_cb_run(buf, ret, ctl_seq,
					 mnl_socket_get_portid(ctl), info_reply,
					 in);
	} while (ret > 0);
	if (ret < 0 || in->generation == UINT64_MAX)
		fail("GET_INFO after message %u: %m", nsent);
}

/*
 * Building messages. A builder emits attributes through leaf() and
 * nest_start()/nest_end(), which number them; the one numbered target is
 * broken, in a way its policy makes invalid whatever else the message
 * holds, so the message must be refused.
 */

enum fault {
	F_NONE, F_OMIT, F_UNKNOWN, F_LENGTH, F_RANGE, F_NO_NUL, F_TOO_LONG,
	F_EMPTY_STR, F_NEST_FLAG, F_UNDERSIZE, F_OVERSIZE, F_TRAILING, F_DEEP,
	F_EMPTY_NEST, F_SEMANTIC,
};

static const uint8_t fault_cat[] = {
	[F_OMIT] = C_MISSING, [F_UNKNOWN] = C_UNKNOWN_ATTR,
	[F_LENGTH] = C_LENGTH, [F_RANGE] = C_RANGE, [F_NO_NUL] = C_STRING,
	[F_TOO_LONG] = C_STRING, [F_EMPTY_STR] = C_STRING,
	[F_NEST_FLAG] = C_NEST_FLAG, [F_UNDERSIZE] = C_FRAMING,
	[F_OVERSIZE] = C_FRAMING, [F_TRAILING] = C_TRAILING, [F_DEEP] = C_DEEP,
	[F_EMPTY_NEST] = C_EMPTY, [F_SEMANTIC] = C_SEMANTIC,
};

/* Leaf attributes, by what their policy accepts. */
enum kind {
	K_U8, K_U16, K_U32,
	K_NAME,		/* NUL_STRING, 1 to SFB_NAME_MAX - 1 bytes */
	K_TEXT,		/* NUL_STRING, under SFB_NAME_MAX bytes, may be empty */
	K_DESC,		/* NUL_STRING, under SFB_TEXT_MAX bytes, may be empty */
	K_ADDR,		/* 4 or 16 bytes */
	K_FLAG,
};

/* How an integer can be out of range. */
enum vk { VK_ANY, VK_MODE, VK_CLASS, VK_PROTOS, VK_ROLE, VK_PLEN, VK_IPPROTO };

/* Where attributes live: a message's top level, or a kind of nest. */
enum ctr {
	CT_TOP, CT_POLICY, CT_ROLE, CT_RULES, CT_RULE, CT_BINDS, CT_BIND,
	CT_EXEMPTS, CT_EXEMPT, CT_MATCH, NCTR
};

#define TYPES(hi)	((2u << (hi)) - 2)	/* types 1..hi */

static const uint32_t ctr_types[NCTR] = {
	[CT_POLICY] = TYPES(SFB_POLICY_A_MAX),
	[CT_ROLE] = TYPES(SFB_ROLE_A_MAX),
	[CT_RULES] = TYPES(SFB_RULES_A_MAX),
	[CT_RULE] = TYPES(SFB_RULE_A_MAX),
	[CT_BINDS] = TYPES(SFB_BINDS_A_MAX),
	[CT_BIND] = TYPES(SFB_BIND_A_MAX),
	[CT_EXEMPTS] = TYPES(SFB_EXEMPTS_A_MAX),
	[CT_EXEMPT] = TYPES(SFB_EXEMPT_A_MAX),
	/* the rest of enum sfb_match_attr is for replies */
	[CT_MATCH] = TYPES(SFB_MATCH_A_DPORT),
};

/* Nests with a required attribute: empty, they are invalid. */
static const uint32_t ctr_required = 1 << CT_POLICY | 1 << CT_ROLE |
	1 << CT_RULE | 1 << CT_BIND | 1 << CT_EXEMPT | 1 << CT_MATCH;
/* Nests whose attributes can contradict each other. */
static const uint32_t ctr_semantic = 1 << CT_POLICY | 1 << CT_RULE |
	1 << CT_BIND | 1 << CT_EXEMPT | 1 << CT_MATCH;

static uint32_t top_types(uint8_t cmd)
{
	switch (cmd) {
	case SFB_CMD_LOAD_BEGIN:
		return 1u << SFB_A_POLICY;
	case SFB_CMD_LOAD_ROLE:
		return 1u << SFB_A_ROLE;
	case SFB_CMD_LOAD_BIND:
		return 1u << SFB_A_BINDS;
	case SFB_CMD_LOAD_EXEMPT:
		return 1u << SFB_A_EXEMPTS;
	case SFB_CMD_LOAD_COMMIT:
		return 1u << SFB_A_CHECK_ONLY;
	case SFB_CMD_MATCH:
		return 1u << SFB_A_MATCH;
	}
	return 0;	/* the others accept no attribute */
}

static bool is_dump(uint8_t cmd)
{
	return cmd == SFB_CMD_GET_RULESET || cmd == SFB_CMD_GET_STATS;
}

struct gen {
	struct nlmsghdr *nlh;
	uint8_t cmd;
	unsigned int slot;	/* attributes met so far */
	unsigned int target;	/* the one to break, or NO_TARGET */
	enum fault fault;	/* how it was broken */
	unsigned int depth;	/* nests open */
	struct {
		struct nlattr *at;
		enum ctr ctr;
		enum fault fault;
	} open[4];
	uint32_t clean_len;	/* of the message, unbroken */
	uint32_t over;		/* offset of an attribute to stretch past... */
	unsigned int over_depth;	/* ...the nest this many deep */
	/* what the message adds to a transaction */
	uint32_t role, rules, binds, exempts;
};

static bool hit(struct gen *g)
{
	return g->slot++ == g->target;
}

static uint32_t known_types(const struct gen *g)
{
	return g->depth ? ctr_types[g->open[g->depth - 1].ctr] :
			  top_types(g->cmd);
}

static uint16_t unknown_type(uint32_t known)
{
	uint16_t type;

	if (one_in(4))
		return between(32, NLA_TYPE_MASK);
	do
		type = below(32);
	while (known & (1u << type));
	return type;
}

static uint16_t store_int(void *p, enum kind k, uint32_t v)
{
	uint8_t u8 = v;
	uint16_t u16 = v;

	switch (k) {
	case K_U8:
		memcpy(p, &u8, 1);
		return 1;
	case K_U16:
		memcpy(p, &u16, 2);
		return 2;
	default:
		memcpy(p, &v, 4);
		return 4;
	}
}

static uint32_t bad_value(enum vk vk)
{
	uint32_t v;

	switch (vk) {
	case VK_MODE:
		return between(SFB_MODE_MAX + 1, 255);
	case VK_CLASS:
		return between(SFB_CLASS_MEDIA + 1, 255);
	case VK_PROTOS:
		return one_in(3) ? 0 : between(SFB_PROTO_ALL + 1, 255);
	case VK_ROLE:
		return one_in(2) ? lim.roles + below(4) :
				   between(lim.roles, UINT32_MAX);
	case VK_PLEN:
		return between(129, 255);
	default:	/* VK_IPPROTO */
		do
			v = below(256);
		while (v == 6 || v == 17);
		return v;
	}
}

static uint16_t bad_length(enum kind k)
{
	static const uint8_t good[] = { [K_U8] = 1, [K_U16] = 2, [K_U32] = 4 };
	uint16_t len;

	do
		len = below(k == K_ADDR ? 33 : 9);
	while (k == K_ADDR ? len == 4 || len == 16 :
	       k == K_FLAG ? len == 0 : len == good[k]);
	return len;
}

/*
 * Levels of a deep nest: the nests around it, no longer than the whole
 * message was unbroken, must stay under 64 KiB with it.
 */
static unsigned int deep_levels(const struct gen *g)
{
	uint32_t used = min_u32(g->clean_len + 4096, NEST_MAX);
	unsigned int levels;

	levels = one_in(8) ? between(2, 16000) : one_in(2) ? between(2, 64) :
							      between(65, 2000);
	return min_u32(levels, (NEST_MAX - used) / NLA_HDRLEN) ?: 1;
}

/* @levels nests, each in the one before, the outer one of @type. */
static void put_deep(struct gen *g, uint16_t type, unsigned int levels)
{
	struct nlattr *at = mnl_nlmsg_get_payload_tail(g->nlh);
	unsigned int i;

	for (i = 0; i < levels; i++) {
		at[i].nla_len = NLA_HDRLEN * (levels - i);
		at[i].nla_type = NLA_F_NESTED | (i ? below(16) : type);
	}
	g->nlh->nlmsg_len += NLA_HDRLEN * levels;
	if (levels + g->depth > deepest)
		deepest = levels + g->depth;
}

/* 1-3 junk bytes at the tail; returns the padding after them. */
static unsigned int trailing(struct nlmsghdr *nlh)
{
	unsigned int n = between(1, 3);
	uint8_t *t = mnl_nlmsg_get_payload_tail(nlh);

	fill(t, n);
	memset(t + n, 0, MNL_ALIGN(n) - n);
	nlh->nlmsg_len += MNL_ALIGN(n);
	return MNL_ALIGN(n) - n;
}

/* Make the attribute g->over claim more than its nest, ending at @end. */
static void stretch(struct gen *g, uint32_t end)
{
	struct nlattr *at = (struct nlattr *)((char *)g->nlh + g->over);
	uint32_t len = end - g->over + between(1, 64);

	at->nla_len = len <= NEST_MAX ? len : below(NLA_HDRLEN);
	g->over = 0;
}

static void leaf(struct gen *g, uint16_t type, enum kind k, bool req,
		 enum vk vk, const void *data, uint16_t len)
{
	enum fault f[12];
	unsigned int n = 0, max;
	static uint8_t junk[SFB_TEXT_MAX + 128];
	struct nlattr *at;

	if (!hit(g)) {
		mnl_attr_put(g->nlh, type, len, data);
		return;
	}
	f[n++] = F_UNKNOWN;
	f[n++] = F_NEST_FLAG;
	f[n++] = F_UNDERSIZE;
	f[n++] = F_OVERSIZE;
	f[n++] = F_DEEP;
	if (req)
		f[n++] = F_OMIT;
	if (k <= K_U32 || k == K_ADDR || k == K_FLAG)
		f[n++] = F_LENGTH;
	if (vk != VK_ANY)
		f[n++] = F_RANGE;
	if (k == K_NAME || k == K_TEXT || k == K_DESC) {
		f[n++] = F_NO_NUL;
		f[n++] = F_TOO_LONG;
	}
	if (k == K_NAME)
		f[n++] = F_EMPTY_STR;
	g->fault = f[below(n)];

	at = mnl_nlmsg_get_payload_tail(g->nlh);
	switch (g->fault) {
	case F_OMIT:
		return;
	case F_UNKNOWN:
		type = unknown_type(known_types(g));
		break;
	case F_LENGTH:
		len = bad_length(k);
		fill(junk, len);
		data = junk;
		break;
	case F_RANGE:
		len = store_int(junk, k, bad_value(vk));
		data = junk;
		break;
	case F_NO_NUL:
		len = below(2 * SFB_NAME_MAX);
		for (n = 0; n < len; n++)
			junk[n] = between(1, 255);
		data = junk;
		break;
	case F_TOO_LONG:
		max = k == K_DESC ? SFB_TEXT_MAX - 1 : SFB_NAME_MAX - 1;
		len = max + 2 + below(64);
		memset(junk, 'a' + below(26), len - 1);
		junk[len - 1] = '\0';
		data = junk;
		break;
	case F_EMPTY_STR:
		len = 1;
		data = "";
		break;
	case F_NEST_FLAG:
		type |= NLA_F_NESTED;
		break;
	case F_DEEP:
		put_deep(g, type, deep_levels(g));
		return;
	default:
		break;
	}
	mnl_attr_put(g->nlh, type, len, data);
	if (g->fault == F_UNDERSIZE)
		at->nla_len = below(NLA_HDRLEN);
	if (g->fault == F_OVERSIZE) {
		g->over = (char *)at - (char *)g->nlh;
		g->over_depth = g->depth;
	}
}

static void put_int(struct gen *g, uint16_t type, enum kind k, uint32_t v,
		    bool req, enum vk vk)
{
	uint8_t b[4];

	leaf(g, type, k, req, vk, b, store_int(b, k, v));
}

static void put_str(struct gen *g, uint16_t type, enum kind k, const char *s)
{
	leaf(g, type, k, k == K_NAME, VK_ANY, s, strlen(s) + 1);
}

static void nest_start(struct gen *g, uint16_t type, enum ctr ctr, bool req)
{
	enum fault f[9], fault = F_NONE;
	unsigned int n = 0;

	if (g->depth == ARRAY_SIZE(g->open))
		fail("internal: nests too deep");
	if (hit(g)) {
		f[n++] = F_UNKNOWN;
		f[n++] = F_NEST_FLAG;
		f[n++] = F_UNDERSIZE;
		f[n++] = F_OVERSIZE;
		f[n++] = F_TRAILING;
		f[n++] = F_DEEP;
		if (req)
			f[n++] = F_OMIT;
		if (ctr_required & 1u << ctr)
			f[n++] = F_EMPTY_NEST;
		if (ctr_semantic & 1u << ctr)
			f[n++] = F_SEMANTIC;
		g->fault = f[below(n)];
		fault = g->fault;
		if (fault == F_UNKNOWN)
			type = unknown_type(known_types(g));
	}
	g->open[g->depth].ctr = ctr;
	g->open[g->depth].fault = fault;
	g->open[g->depth++].at = mnl_attr_nest_start(g->nlh, type);
}

/* Is the innermost nest to hold values that contradict each other? */
static bool semantic(const struct gen *g)
{
	return g->open[g->depth - 1].fault == F_SEMANTIC;
}

static void nest_end(struct gen *g)
{
	struct nlmsghdr *nlh = g->nlh;
	struct nlattr *at = g->open[--g->depth].at;
	enum fault fault = g->open[g->depth].fault;
	uint32_t off = (char *)at - (char *)nlh;
	unsigned int pad = 0;

	if (fault == F_OMIT) {
		nlh->nlmsg_len = off;
		return;
	}
	/* The nest loses its attributes; every sfb nest then misses one. */
	if (fault == F_EMPTY_NEST || fault == F_DEEP)
		nlh->nlmsg_len = off + NLA_HDRLEN;
	if (fault == F_DEEP)
		put_deep(g, below(16), deep_levels(g));
	if (fault == F_TRAILING)
		pad = trailing(nlh);
	if (nlh->nlmsg_len - off > NEST_MAX)
		fail("internal: a nest of %u bytes", nlh->nlmsg_len - off);
	mnl_attr_nest_end(nlh, at);
	if (g->over && g->over_depth == g->depth + 1)
		stretch(g, off + at->nla_len);
	at->nla_len -= pad;
	if (fault == F_NEST_FLAG)
		at->nla_type &= ~NLA_F_NESTED;
	if (fault == F_UNDERSIZE)
		at->nla_len = below(NLA_HDRLEN);
	if (fault == F_OVERSIZE) {
		g->over = off;
		g->over_depth = g->depth;
	}
}

/*
 * The content of load messages, valid but for the broken attribute. A
 * transaction's messages stay within the module's limits and only name
 * roles sent before them, so that a valid transaction is accepted to the
 * end.
 */
struct txn {
	uint64_t pool;		/* role ids its role messages use */
	uint64_t sent;		/* those sent, that others may name */
	uint32_t rules, binds, exempts;	/* items sent */
	bool valid;		/* its messages must be accepted */
	bool huge;		/* the next message: as large as may be */
	bool check_only;	/* the next COMMIT: with SFB_A_CHECK_ONLY */
};

static uint32_t any_of(uint64_t set)
{
	unsigned int k = below(__builtin_popcountll(set));

	while (k--)
		set &= set - 1;
	return __builtin_ctzll(set);
}

static uint64_t role_pool(void)
{
	unsigned int n = between(1, 8);
	uint64_t pool = 0;

	while (n--)
		pool |= 1ULL << below(min_u32(lim.roles, 64));
	return pool;
}

static uint32_t room(uint32_t limit, uint32_t used)
{
	return limit > used ? limit - used : 0;
}

/* 0..@max random bytes but NUL, or exactly @max. */
static void rand_text(char *s, unsigned int max)
{
	unsigned int len = one_in(16) ? max : below(max + 1), i;

	for (i = 0; i < len; i++)
		s[i] = one_in(2) ? between(1, 255) : 'a' + below(26);
	s[len] = '\0';
}

/* A non-empty name. */
static void rand_name(char *s)
{
	do
		rand_text(s, one_in(4) ? SFB_NAME_MAX - 1 : 16);
	while (!*s);
}

static void put_policy(struct gen *g)
{
	uint32_t used = 0, mark;
	unsigned int c;

	nest_start(g, SFB_A_POLICY, CT_POLICY, true);
	put_int(g, SFB_POLICY_A_MODE, K_U8, below(SFB_MODE_MAX + 1), true,
		VK_MODE);
	if (semantic(g)) {
		/* marks of two classes sharing bit 0 */
		put_int(g, SFB_POLICY_A_MARK_SERVICE, K_U32, rnd() | 1, false,
			VK_ANY);
		put_int(g, SFB_POLICY_A_MARK_MEDIA + below(2), K_U32,
			rnd() | 1, false, VK_ANY);
	} else {
		for (c = 0; c < __SFB_CLASS_MAX; c++) {
			if (one_in(2))
				continue;
			mark = rnd() & rnd() & ~used;
			used |= mark;
			put_int(g, SFB_POLICY_A_MARK_SERVICE + c, K_U32, mark,
				false, VK_ANY);
		}
	}
	nest_end(g);
}

/* A port range, or one with first > last if @reversed. */
static void rand_range(uint16_t *first, uint16_t *last, bool reversed)
{
	uint16_t a = rnd(), b = one_in(3) ? a : rnd(), t;

	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	if (reversed && a == b) {
		if (b == UINT16_MAX)
			a--;
		else
			b++;
	}
	*first = reversed ? b : a;
	*last = reversed ? a : b;
}

static void put_rule(struct gen *g, bool huge, unsigned int i)
{
	char name[SFB_NAME_MAX];
	uint16_t first, last;

	nest_start(g, SFB_RULES_A_RULE, CT_RULE, false);
	rand_range(&first, &last, semantic(g));
	if (huge)
		snprintf(name, sizeof(name), "p%u", i);
	else
		rand_name(name);
	put_str(g, SFB_RULE_A_NAME, K_NAME, name);
	put_int(g, SFB_RULE_A_CLASS, K_U8, below(SFB_CLASS_MEDIA + 1), true,
		VK_CLASS);
	put_int(g, SFB_RULE_A_PROTOS, K_U8, between(1, SFB_PROTO_ALL), true,
		VK_PROTOS);
	put_int(g, SFB_RULE_A_PORT_FIRST, K_U16, first, true, VK_ANY);
	put_int(g, SFB_RULE_A_PORT_LAST, K_U16, last, true, VK_ANY);
	if (!huge && one_in(3)) {
		rand_text(name, SFB_NAME_MAX - 1);
		put_str(g, SFB_RULE_A_TRANSPORT, K_TEXT, name);
	}
	nest_end(g);
}

static void put_role(struct gen *g, const struct txn *t)
{
	uint32_t id = any_of(t->pool), n, nests, k, i;
	char name[SFB_TEXT_MAX];

	n = min_u32(t->huge ? between(300, 900) : below(7),
		    room(lim.services, t->rules));
	nests = n ? 1 + (t->huge ? below(3) : one_in(4)) : one_in(4);
	nest_start(g, SFB_A_ROLE, CT_ROLE, true);
	put_int(g, SFB_ROLE_A_ID, K_U32, id, true, VK_ROLE);
	/* One name per id, so that a transaction's roles never clash. */
	if (!t->valid && one_in(8))
		rand_name(name);
	else
		snprintf(name, sizeof(name), "role%u", id);
	put_str(g, SFB_ROLE_A_NAME, K_NAME, name);
	if (one_in(2)) {
		rand_text(name, one_in(8) ? SFB_TEXT_MAX - 1 : 40);
		put_str(g, SFB_ROLE_A_DESCRIPTION, K_DESC, name);
	}
	for (k = 0; k < nests; k++) {
		nest_start(g, SFB_ROLE_A_RULES, CT_RULES, false);
		for (i = k; i < n; i += nests)
			put_rule(g, t->huge, i);
		nest_end(g);
	}
	nest_end(g);
	g->role = id;
	g->rules = n;
}

static void put_bind(struct gen *g, uint32_t role)
{
	unsigned int len = one_in(2) ? 4 : 16, bits = len * 8, plen, b;
	uint8_t addr[16];

	plen = one_in(4) ? bits : below(bits + 1);
	fill(addr, len);
	for (b = plen; b < bits; b++)
		addr[b / 8] &= ~(0x80 >> b % 8);
	nest_start(g, SFB_BINDS_A_BIND, CT_BIND, false);
	if (semantic(g)) {
		if (len == 4 && one_in(2)) {
			plen = between(33, 128);	/* longer than IPv4 */
		} else {
			/* a host bit set */
			if (plen == bits)
				plen = below(bits);
			b = between(plen, bits - 1);
			addr[b / 8] |= 0x80 >> b % 8;
		}
	}
	put_int(g, SFB_BIND_A_ROLE, K_U32, role, true, VK_ROLE);
	leaf(g, SFB_BIND_A_ADDR, K_ADDR, true, VK_ANY, addr, len);
	put_int(g, SFB_BIND_A_PREFIXLEN, K_U8, plen, true, VK_PLEN);
	nest_end(g);
}

static void put_binds(struct gen *g, const struct txn *t)
{
	uint64_t roles = t->sent ?: t->pool;
	uint32_t role = any_of(roles), n, nests, k, i;

	n = min_u32(t->huge ? between(500, 3000) : between(1, 6),
		    room(lim.bindings, t->binds));
	/* A huge one names a single role: one target, however many. */
	nests = t->huge && n > 1000 ? (n + 999) / 1000 : 1u + one_in(6);
	for (k = 0; k < nests; k++) {
		nest_start(g, SFB_A_BINDS, CT_BINDS, nests == 1);
		for (i = k; i < n; i += nests)
			put_bind(g, t->huge ? role : any_of(roles));
		nest_end(g);
	}
	g->binds = n;
}

/*
 * One side of an exemption: a role, ports or both. @bad: 0, or 2 for a
 * port range without its last port, 3 for first > last.
 */
static void put_side(struct gen *g, uint16_t role_type, uint16_t first_type,
		     uint64_t roles, unsigned int bad)
{
	unsigned int what = bad ? 2 : between(1, 3);
	uint16_t first, last;

	rand_range(&first, &last, bad == 3);
	if (what & 1)
		put_int(g, role_type, K_U32, any_of(roles), false, VK_ROLE);
	if (what & 2) {
		/* each end needs the other */
		put_int(g, first_type, K_U16, first, true, VK_ANY);
		if (bad != 2)
			put_int(g, first_type + 1, K_U16, last, true, VK_ANY);
	}
}

static void put_exempt(struct gen *g, const struct txn *t)
{
	uint64_t roles = t->sent ?: t->pool;
	unsigned int side = below(3), bad = 0;	/* 0 any, 1 source, 2 dest */
	char name[SFB_NAME_MAX];

	nest_start(g, SFB_EXEMPTS_A_EXEMPT, CT_EXEMPT, false);
	if (semantic(g)) {
		/* 1: both sides constrained, 2-3: a broken port range */
		bad = between(1, 3);
		side = between(1, 2);
	}
	rand_name(name);
	put_str(g, SFB_EXEMPT_A_NAME, K_NAME, name);
	put_int(g, SFB_EXEMPT_A_PROTOS, K_U8, between(1, SFB_PROTO_ALL), true,
		VK_PROTOS);
	if (side == 1 || bad == 1)
		put_side(g, SFB_EXEMPT_A_FROM_ROLE, SFB_EXEMPT_A_SPORT_FIRST,
			 roles, side == 1 && bad > 1 ? bad : 0);
	if (side == 2 || bad == 1)
		put_side(g, SFB_EXEMPT_A_TO_ROLE, SFB_EXEMPT_A_DPORT_FIRST,
			 roles, side == 2 && bad > 1 ? bad : 0);
	nest_end(g);
}

static void put_exempts(struct gen *g, const struct txn *t)
{
	uint32_t n, nests, k, i;

	n = min_u32(t->huge ? between(50, 200) : between(1, 3),
		    room(lim.exemptions, t->exempts));
	nests = 1u + one_in(6);
	for (k = 0; k < nests; k++) {
		nest_start(g, SFB_A_EXEMPTS, CT_EXEMPTS, nests == 1);
		for (i = k; i < n; i += nests)
			put_exempt(g, t);
		nest_end(g);
	}
	g->exempts = n;
}

static void put_match(struct gen *g)
{
	unsigned int len = one_in(2) ? 4 : 16, dlen = len;
	uint8_t proto = one_in(2) ? 6 : 17;
	uint8_t s[16], d[16];

	fill(s, sizeof(s));
	fill(d, sizeof(d));
	if (one_in(2)) {
		/* the selftest's server, where a site binds its role */
		static const uint8_t d4[] = { 192, 0, 2, 10 };

		memcpy(d, d4, sizeof(d4));
		len = 4;
		dlen = 4;
	}
	nest_start(g, SFB_A_MATCH, CT_MATCH, true);
	if (semantic(g)) {
		if (one_in(2))
			dlen = 20 - len;	/* the other family */
		else
			proto = bad_value(VK_IPPROTO);
	}
	leaf(g, SFB_MATCH_A_SADDR, K_ADDR, true, VK_ANY, s, len);
	leaf(g, SFB_MATCH_A_DADDR, K_ADDR, true, VK_ANY, d, dlen);
	put_int(g, SFB_MATCH_A_PROTO, K_U8, proto, true, VK_IPPROTO);
	put_int(g, SFB_MATCH_A_SPORT, K_U16, rnd(), true, VK_ANY);
	put_int(g, SFB_MATCH_A_DPORT, K_U16, one_in(2) ? 5061 : rnd(), true,
		VK_ANY);
	nest_end(g);
}

static void build(struct gen *g, uint8_t cmd, const struct txn *t,
		  unsigned int target, uint32_t clean_len)
{
	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->target = target;
	g->clean_len = clean_len;
	g->nlh = sfb_nl_request(msgbuf, family, cmd,
				is_dump(cmd) ? NLM_F_DUMP : 0, 0);
	switch (cmd) {
	case SFB_CMD_LOAD_BEGIN:
		put_policy(g);
		break;
	case SFB_CMD_LOAD_ROLE:
		put_role(g, t);
		break;
	case SFB_CMD_LOAD_BIND:
		put_binds(g, t);
		break;
	case SFB_CMD_LOAD_EXEMPT:
		put_exempts(g, t);
		break;
	case SFB_CMD_LOAD_COMMIT:
		if (t->check_only)
			leaf(g, SFB_A_CHECK_ONLY, K_FLAG, false, VK_ANY, "", 0);
		break;
	case SFB_CMD_MATCH:
		put_match(g);
		break;
	}
	if (g->over)
		stretch(g, g->nlh->nlmsg_len);
}

/*
 * Build a @cmd message; if @brk, break one of its attributes, picked at
 * random once they are counted: the second build draws the same values up
 * to it.
 */
static void make(struct gen *g, uint8_t cmd, const struct txn *t, bool brk)
{
	uint64_t start = rng;
	unsigned int target;

	build(g, cmd, t, NO_TARGET, 0);
	if (!brk || !g->slot)
		return;
	target = below(g->slot);
	rng = start;
	build(g, cmd, t, target, g->nlh->nlmsg_len);
}

/*
 * Coverage (-k, -g). The edges of nf_sfb each message runs are counted:
 * those its sendmsg() runs (genl handles a request, and a dump's first
 * part, in the sender's task), and a dump's later parts, run by recvmsg().
 * Each message has a datagram of its own, so that its edges are its own,
 * none made of one message's last PC and the next one's first; a dump's
 * later parts count for the socket's last dump. With -g, a message that
 * reaches an edge no message reached before joins the corpus, and part of
 * the messages are mutants of corpus ones.
 */

#define CORPUS_MAX	8192

static struct {
	uint32_t len;
	unsigned long cost;	/* the PCs it ran */
	char *buf;
} corpus[CORPUS_MAX];
static unsigned int ncorpus;
static bool covering, guided;
static unsigned long mutants;

static void corpus_add(const char *msg, uint32_t len)
{
	char *copy;

	if (!len || len > HUGE || ncorpus == CORPUS_MAX)
		return;
	copy = malloc(len);
	if (!copy)
		fail("corpus: %m");
	memcpy(copy, msg, len);
	corpus[ncorpus].len = len;
	corpus[ncorpus].cost = kcov.ran;
	corpus[ncorpus++].buf = copy;
}

/* The datagram in out has run: count its edges, keep its message if new. */
static void sent_coverage(void)
{
	struct fsock *s = &socks[out.sock];

	if (kcov_collect() && guided)
		corpus_add(out.buf, out.keep);
	if (guided && out.dump && out.keep <= sizeof(s->dump)) {
		memcpy(s->dump, out.buf, out.keep);
		s->dump_len = out.keep;
	}
}

/*
 * Sending. A message goes into the datagram being filled for its socket;
 * the kernel handles a datagram's messages in order, within sendmsg(), so
 * that the messages of all sockets take effect in the order they were made.
 */

struct msg {
	int sock;
	uint8_t cmd, cat, expect;
	bool dump;		/* may be answered by a dump */
	bool gap;		/* skip a sequence number first */
	bool alone;		/* alone in its datagram */
	bool check_only;
	uint32_t len;		/* its bytes that are sent */
	uint32_t after;		/* junk bytes sent after them */
};

static const char *describe(uint32_t no, uint8_t cat, uint8_t cmd, int sock,
			    uint32_t seq)
{
	static char s[160];

	snprintf(s, sizeof(s), "message %u (%s, command %u, socket %d, seq %u)",
		 no, cat_name[cat], cmd, sock, seq);
	return s;
}

static void flush_out(void)
{
	if (out.sock < 0)
		return;
	if (covering)
		kcov_start();
	if (mnl_socket_sendto(socks[out.sock].nl, out.buf, out.len) < 0)
		fail("sending %zu bytes on socket %d, messages up to %u: %m",
		     out.len, out.sock, nsent);
	if (covering)
		sent_coverage();
	datagrams++;
	out.sock = -1;
	out.len = 0;
	out.n = 0;
}

static void end_batch(void);

static void emit(struct msg *m)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)msgbuf;
	struct fsock *s = &socks[m->sock];
	uint32_t size = MNL_ALIGN(m->len) + m->after;
	struct pending *p;

	/* Never a COMMIT or FLUSH that could be accepted. */
	if ((m->cmd == SFB_CMD_FLUSH ||
	     (m->cmd == SFB_CMD_LOAD_COMMIT && !m->check_only && !m->gap)) &&
	    m->expect != E_ERROR && m->expect != E_SILENCE)
		fail("internal: message %u could change the ruleset", nsent + 1);
	s->seq += m->gap ? 2 : 1;
	nlh->nlmsg_seq = s->seq;
	if (out.sock != m->sock || m->alone || out.n == out.cap ||
	    out.len + size > sizeof(out.buf))
		flush_out();
	if (out.sock < 0) {
		out.sock = m->sock;
		out.cap = covering || one_in(4) ? 1 : between(2, 16);
	}
	out.keep = out.n || m->expect == E_SILENCE ? 0 : m->len;
	out.dump = m->dump;
	memcpy(out.buf + out.len, msgbuf, m->len);
	memset(out.buf + out.len + m->len, 0, MNL_ALIGN(m->len) - m->len);
	fill(out.buf + out.len + MNL_ALIGN(m->len), m->after);
	out.len += size;
	out.n++;

	p = &s->ring[s->seq % RING];
	if (p->used)
		fail("internal: too many messages unanswered on socket %d",
		     m->sock);
	*p = (struct pending){
		.used = true, .dump = m->dump, .cmd = m->cmd, .cat = m->cat,
		.expect = m->expect, .seq = s->seq, .no = ++nsent,
	};
	st[m->cat].sent++;
	if (m->expect != E_SILENCE)
		s->waiting++;
	else if (verbose)
		printf("%s: not answered, as netlink drops it\n",
		       describe(p->no, p->cat, p->cmd, m->sock, p->seq));
	if (m->cmd == SFB_CMD_LOAD_BEGIN && m->sock != OWNER)
		s->maybe_txn = true;
	if (m->dump)
		s->dumping = true;
	if (m->len >= HUGE)
		huge++;
	if (m->len > largest)
		largest = m->len;
	if (m->alone)
		flush_out();
	if (++batch_n == BATCH)
		end_batch();
}

/*
 * Answers. Each socket's are matched to its messages by sequence number;
 * a message is answered by an NLMSG_ERROR (the ack, or the error), or a
 * dump by its NLMSG_DONE, after any replies.
 */

static int generation_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == SFB_A_GENERATION &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
		*(uint64_t *)data = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static void answered(int sock, struct pending *p, int err, const char *msg)
{
	const char *what = describe(p->no, p->cat, p->cmd, sock, p->seq);

	p->used = false;
	socks[sock].waiting--;
	if (verbose)
		printf("%s: %s%s%s\n", what, errname(-err), *msg ? ": " : "",
		       msg);
	if (err > 0)
		fail("%s: answered with error %d", what, err);
	if (err < 0) {
		st[p->cat].refused++;
		errnos[min_u32(-err, ARRAY_SIZE(errnos) - 1)]++;
	} else {
		st[p->cat].accepted++;
		accepted[naccepted].no = p->no;
		accepted[naccepted].cmd = p->cmd;
		accepted[naccepted++].cat = p->cat;
	}
	if (p->expect == E_ERROR && !err)
		fail("%s: invalid by construction, but accepted", what);
	if (p->expect == E_OK && err)
		fail("%s: valid, but refused: %s %s", what, errname(-err), msg);
}

static void answer(int sock, const struct nlmsghdr *nlh)
{
	struct pending *p = &socks[sock].ring[nlh->nlmsg_seq % RING];
	const void *payload = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	uint64_t gen = generation;
	int err;

	if (!p->used || p->seq != nlh->nlmsg_seq)
		fail("an answer (type %u) to no message: seq %u on socket %d",
		     nlh->nlmsg_type, nlh->nlmsg_seq, sock);
	if (p->expect == E_SILENCE)
		fail("%s: answered, though netlink should drop it",
		     describe(p->no, p->cat, p->cmd, sock, p->seq));
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (len < sizeof(struct nlmsgerr))
			fail("a short NLMSG_ERROR on socket %d", sock);
		answered(sock, p, ((const struct nlmsgerr *)payload)->error,
			 sfb_nl_extack(nlh));
		return;
	case NLMSG_DONE:
		if (!p->dump || len < sizeof(err))
			fail("%s: an unexpected NLMSG_DONE",
			     describe(p->no, p->cat, p->cmd, sock, p->seq));
		memcpy(&err, payload, sizeof(err));
		answered(sock, p, err, "");
		return;
	}
	if (nlh->nlmsg_type != family)
		fail("%s: an answer of type %u",
		     describe(p->no, p->cat, p->cmd, sock, p->seq),
		     nlh->nlmsg_type);
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), generation_attr,
			   &gen) < 0)
		fail("%s: a malformed reply",
		     describe(p->no, p->cat, p->cmd, sock, p->seq));
	if (gen != generation)
		fail("%s: its reply reports generation %" PRIu64 ", not %"
		     PRIu64, describe(p->no, p->cat, p->cmd, sock, p->seq),
		     gen, generation);
}

/* Read what socket @sock has; false if nothing. */
static bool drain(int sock)
{
	const struct nlmsghdr *nlh;
	bool any = false;
	int len;

	for (;;) {
		if (covering)
			kcov_start();
		len = recv(mnl_socket_get_fd(socks[sock].nl), rbuf,
			   sizeof(rbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (covering && kcov_collect() && guided)
			corpus_add(socks[sock].dump, socks[sock].dump_len);
		if (len < 0 && (errno == EAGAIN || errno == EINTR))
			return any;
		if (len < 0)
			fail("receiving on socket %d after message %u: %m",
			     sock, nsent);
		if ((size_t)len > sizeof(rbuf))
			fail("an answer of %d bytes on socket %d", len, sock);
		any = true;
		for (nlh = (void *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			answer(sock, nlh);
		if (len)
			fail("%d bytes of a broken answer on socket %d", len,
			     sock);
	}
}

static void __attribute__((noreturn)) unanswered(void)
{
	unsigned int s, i;

	for (s = 0; s < NSOCKS; s++)
		for (i = 0; i < RING; i++) {
			struct pending *p = &socks[s].ring[i];

			if (p->used && p->expect != E_SILENCE)
				printf("no answer: %s\n",
				       describe(p->no, p->cat, p->cmd, s, p->seq));
		}
	fail("messages unanswered after %u s", timeout);
}

static void collect(void)
{
	double deadline = now() + timeout;
	struct pollfd pfd[NSOCKS];
	int idx[NSOCKS], n, i, left;

	for (;;) {
		for (n = 0, i = 0; i < NSOCKS; i++) {
			if (!socks[i].waiting)
				continue;
			pfd[n].fd = mnl_socket_get_fd(socks[i].nl);
			pfd[n].events = POLLIN;
			idx[n++] = i;
		}
		if (!n)
			return;
		left = (deadline - now()) * 1000;
		if (left <= 0)
			unanswered();
		if (poll(pfd, n, left) < 0 && errno != EINTR)
			fail("poll: %m");
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				drain(idx[i]);
	}
}

static void end_batch(void)
{
	struct info in;
	unsigned int s, i;

	flush_out();
	collect();
	for (s = 0; s < NSOCKS; s++) {
		socks[s].dumping = false;
		for (i = 0; i < RING; i++)
			socks[s].ring[i].used = false;	/* the dropped ones */
	}
	get_info(&in);
	if (in.generation != generation) {
		for (i = 0; i < naccepted; i++)
			printf("accepted: message %u (%s, command %u)\n",
			       accepted[i].no, cat_name[accepted[i].cat],
			       accepted[i].cmd);
		fail("the generation moved from %" PRIu64 " to %" PRIu64
		     " during messages %u to %u", generation, in.generation,
		     batch_first, nsent);
	}
	batches++;
	batch_first = nsent + 1;
	batch_n = 0;
	naccepted = 0;
}

static void open_sock(int i)
{
	struct fsock *s = &socks[i];
	int big = 8 << 20;
	int fd;

	memset(s, 0, sizeof(*s));
	/* one socket without extack: the kernel's other ack path */
	s->nl = sfb_nl_open(i != NSOCKS - 1);
	if (!s->nl)
		fail("socket: %m");
	fd = mnl_socket_get_fd(s->nl);
	/* Room for a batch's answers, whatever the system's defaults. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	/* The owner's sequence numbers wrap early in the run. */
	s->seq = i == OWNER ? UINT32_MAX - below(1 << 15) : rnd();
}

/* Close a socket, which discards its transaction, and open a new one. */
static void reopen(int i)
{
	end_batch();
	mnl_socket_close(socks[i].nl);
	open_sock(i);
	reopened++;
}

/*
 * Messages.
 */

enum mfault {
	/* any message */
	MF_RESERVED, MF_FLAGS, MF_DUMP, MF_EXTRA, MF_TRAILING, MF_GAP,
	MF_NLMSG_LEN,
	/* not COMMIT or FLUSH, which these could make valid */
	MF_CUT, MF_NOT_REQUEST, MF_AFTER,
	NMF
};

static uint16_t bad_flags(uint16_t flags)
{
	static const uint16_t bits[] = {
		NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED, 0x40, 0x80,
		NLM_F_ATOMIC, NLM_F_APPEND, 0x1000, 0x2000, 0x4000, 0x8000,
		/* last: one half of NLM_F_DUMP */
		NLM_F_ROOT, NLM_F_MATCH,
	};

	return bits[below(ARRAY_SIZE(bits) - (flags & NLM_F_DUMP ? 2 : 0))];
}

/* Cut the message in @m short; where, decides if it is still valid. */
static void cut(struct msg *m, struct nlmsghdr *nlh)
{
	uint32_t len = nlh->nlmsg_len, at, off;
	const struct nlattr *a;
	bool edge = false;

	at = len <= GENL_MSG_HDRLEN || one_in(4) ?
		between(NLMSG_HDRLEN, GENL_MSG_HDRLEN - 1) :
		between(GENL_MSG_HDRLEN, len - 1);
	/* Between two attributes, or in the padding after one, it is. */
	for (off = GENL_MSG_HDRLEN; at >= off && off < len;
	     off += MNL_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)((char *)nlh + off);
		edge |= at == off ||
			(at >= off + a->nla_len && at <= off + MNL_ALIGN(a->nla_len));
	}
	nlh->nlmsg_len = at;
	m->cat = edge ? C_CUT_EDGE : C_CUT;
	m->expect = edge ? E_ANSWER : E_ERROR;
	m->dump &= edge;
}

/* Break the message itself, or its framing. */
static void msg_fault(struct msg *m, struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	bool txn = m->cmd >= SFB_CMD_LOAD_ROLE &&
		   m->cmd <= SFB_CMD_LOAD_COMMIT;
	bool final = m->cmd == SFB_CMD_LOAD_COMMIT || m->cmd == SFB_CMD_FLUSH;
	enum mfault mf;
	uint8_t junk[32];

	do
		mf = below(final ? MF_CUT : NMF);
	while (mf == MF_GAP && !txn);

	m->len = nlh->nlmsg_len;
	m->expect = E_ERROR;
	m->dump = false;
	switch (mf) {
	case MF_RESERVED:
		gh->reserved = between(1, UINT16_MAX);
		m->cat = C_RESERVED;
		break;
	case MF_FLAGS:
		nlh->nlmsg_flags |= bad_flags(nlh->nlmsg_flags);
		m->cat = C_NLM_FLAGS;
		break;
	case MF_DUMP:
		nlh->nlmsg_flags ^= NLM_F_DUMP;
		m->cat = C_DUMP_FLAG;
		break;
	case MF_EXTRA:
		fill(junk, sizeof(junk));
		mnl_attr_put(nlh, unknown_type(top_types(m->cmd)) |
			     (one_in(4) ? NLA_F_NESTED : 0),
			     below(sizeof(junk) + 1), junk);
		m->cat = C_UNKNOWN_ATTR;
		break;
	case MF_TRAILING:
		nlh->nlmsg_len -= trailing(nlh);
		m->cat = C_TRAILING;
		break;
	case MF_GAP:
		/* a transaction's message, or a COMMIT, out of sequence */
		m->gap = true;
		m->cat = C_SEQ_GAP;
		m->dump = false;
		break;
	case MF_NLMSG_LEN:
		nlh->nlmsg_len = one_in(2) ? below(NLMSG_HDRLEN) :
					     m->len + between(1, 4096);
		m->alone = true;
		m->cat = C_NLMSG_LEN;
		m->expect = E_SILENCE;
		return;
	case MF_CUT:
		m->dump = is_dump(m->cmd);
		cut(m, nlh);
		break;
	case MF_NOT_REQUEST:
		nlh->nlmsg_flags &= ~NLM_F_REQUEST;
		m->cat = C_NOT_REQUEST;
		m->expect = E_ANSWER;
		break;
	default:	/* MF_AFTER: netlink ignores less than a header */
		m->after = between(1, NLMSG_HDRLEN - 1);
		m->alone = true;
		m->cat = C_AFTER;
		m->expect = E_ANSWER;
		m->dump = is_dump(m->cmd);
		break;
	}
	m->len = nlh->nlmsg_len;
}

/* What is not validated: harmless, but fuzzed too. */
static void noise(struct nlmsghdr *nlh)
{
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

	if (one_in(8))
		gh->version = rnd();
	if (one_in(8))
		nlh->nlmsg_pid = rnd();
	if (one_in(16))
		nlh->nlmsg_flags |= NLM_F_ECHO;
}

static void account(struct txn *t, uint8_t cmd, const struct gen *g)
{
	if (cmd == SFB_CMD_LOAD_ROLE)
		t->sent |= 1ULL << g->role;
	t->rules += g->rules;
	t->binds += g->binds;
	t->exempts += g->exempts;
}

/*
 * Send a @cmd message built for transaction @t on socket @sock. In @pct
 * percent of them, break an attribute (two thirds) or the message: it must
 * be refused; the others must get @expect. A COMMIT without CHECK_ONLY is
 * always out of sequence. Returns what the message must get.
 */
static enum expect send_cmd(int sock, uint8_t cmd, struct txn *t,
			    unsigned int pct, enum expect expect, enum cat cat)
{
	struct msg m = {
		.sock = sock, .cmd = cmd, .cat = cat, .expect = expect,
		.dump = is_dump(cmd), .check_only = t->check_only,
	};
	unsigned int r = below(100);
	struct gen g;

	make(&g, cmd, t, r < pct * 2 / 3);
	m.len = g.nlh->nlmsg_len;
	if (g.fault) {
		m.cat = fault_cat[g.fault];
		m.expect = E_ERROR;
		m.dump = false;
	} else if (r < pct) {
		msg_fault(&m, g.nlh);
	}
	if (cmd == SFB_CMD_LOAD_COMMIT && !t->check_only && !m.gap &&
	    m.expect != E_SILENCE) {
		m.gap = true;
		m.expect = E_ERROR;
		if (m.cat == cat)
			m.cat = C_SEQ_GAP;
	}
	if (pct)
		noise(g.nlh);
	account(t, cmd, &g);
	emit(&m);
	return m.expect;
}

static void send_simple(int sock, uint8_t cmd, enum expect expect,
			enum cat cat)
{
	struct txn t = {};

	send_cmd(sock, cmd, &t, 0, expect, cat);
}

/* A random command, mostly known, with random attributes. */
static void send_random(int sock)
{
	uint8_t cmd = one_in(2) ? below(__SFB_CMD_MAX + 2) : rnd();
	uint16_t flags = one_in(4) ? NLM_F_DUMP : 0;
	struct msg m = {
		.sock = sock, .cmd = cmd, .cat = C_RANDOM, .expect = E_ANSWER,
		.dump = flags && is_dump(cmd),
	};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int n = below(7), i, k;
	uint8_t junk[48];

	nlh = sfb_nl_request(msgbuf, family, cmd, flags, 0);
	/* FLUSH without anything wrong would flush */
	if (cmd == SFB_CMD_FLUSH && !flags && !n)
		n = 1;
	for (i = 0; i < n; i++) {
		if (one_in(4)) {
			nest = mnl_attr_nest_start(nlh, below(24));
			for (k = below(4); k; k--) {
				fill(junk, sizeof(junk));
				mnl_attr_put(nlh, below(24), below(17), junk);
			}
			mnl_attr_nest_end(nlh, nest);
		} else {
			fill(junk, sizeof(junk));
			mnl_attr_put(nlh, below(24), below(sizeof(junk) + 1),
				     junk);
		}
	}
	noise(nlh);
	if (!cmd || cmd > SFB_CMD_MAX) {
		m.cat = C_UNKNOWN_CMD;
		m.expect = E_ERROR;
		m.dump = false;
	} else if (cmd == SFB_CMD_FLUSH) {
		m.expect = E_ERROR;
	} else if (cmd == SFB_CMD_LOAD_COMMIT) {
		m.gap = true;
		m.expect = E_ERROR;
	}
	m.len = nlh->nlmsg_len;
	emit(&m);
}

/*
 * Mutants. A corpus message is changed 1 to 8 times, mostly through its
 * attributes (nests found by NLA_F_NESTED): a value, a type or a length
 * changed, an attribute dropped, doubled or taken from another corpus
 * message, the nests around resized to match; or a byte, the command or
 * a flag changed, or the message cut. It is sent with NLM_F_ACK and needs
 * only an answer; a COMMIT out of sequence, and never a FLUSH.
 */

struct attrs {
	unsigned int n;
	struct {
		uint32_t off;
		int parent;	/* index of the nest around it, or -1 */
	} a[256];
};

static void walk(const char *msg, uint32_t off, uint32_t end, int parent,
		 unsigned int depth, struct attrs *as)
{
	const struct nlattr *at;
	int me;

	while (end - off >= NLA_HDRLEN && as->n < ARRAY_SIZE(as->a)) {
		at = (const struct nlattr *)(msg + off);
		if (at->nla_len < NLA_HDRLEN || at->nla_len > end - off)
			return;
		me = as->n++;
		as->a[me].off = off;
		as->a[me].parent = parent;
		if (depth < 4 && at->nla_type & NLA_F_NESTED)
			walk(msg, off + NLA_HDRLEN, off + at->nla_len, me,
			     depth + 1, as);
		off += min_u32(MNL_ALIGN(at->nla_len), end - off);
	}
}

static void find_attrs(const char *msg, uint32_t len, struct attrs *as)
{
	as->n = 0;
	if (len > GENL_MSG_HDRLEN)
		walk(msg, GENL_MSG_HDRLEN, len, -1, 0, as);
}

static struct nlattr *attr_at(const struct attrs *as, int i)
{
	return (struct nlattr *)(msgbuf + as->a[i].off);
}

/*
 * Insert @delta bytes at @at (random ones), or remove -@delta there, and
 * resize the nests around attribute @parent; false if they cannot.
 */
static bool resize(uint32_t *len, const struct attrs *as, int parent,
		   uint32_t at, int delta)
{
	int p;

	if (*len + delta > MSG_MAX)
		return false;
	for (p = parent; p >= 0; p = as->a[p].parent)
		if (attr_at(as, p)->nla_len + delta > NEST_MAX)
			return false;
	if (delta > 0) {
		memmove(msgbuf + at + delta, msgbuf + at, *len - at);
		fill(msgbuf + at, delta);
	} else {
		memmove(msgbuf + at, msgbuf + at - delta, *len - at + delta);
	}
	for (p = parent; p >= 0; p = as->a[p].parent)
		attr_at(as, p)->nla_len += delta;
	*len += delta;
	return true;
}

static uint32_t interesting(void)
{
	const uint32_t v[] = {
		0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
		0xffff, 0x10000, INT32_MAX, UINT32_MAX, lim.roles - 1,
		lim.roles, lim.services, lim.bindings, lim.exemptions,
		SFB_NAME_MAX, SFB_TEXT_MAX, 5061,
	};

	return one_in(4) ? rnd() : v[below(ARRAY_SIZE(v))];
}

/*
 * The cheaper of two corpus messages: mutants of a dump of the whole
 * ruleset, or of a huge load, would cost far more than they find.
 */
static unsigned int pick(void)
{
	unsigned int a = below(ncorpus), b = below(ncorpus);

	return corpus[a].cost <= corpus[b].cost ? a : b;
}

/* Where attribute @i ends, padded; 0 if past the message. */
static uint32_t attr_end(uint32_t len, const struct attrs *as, int i)
{
	uint32_t end = as->a[i].off + MNL_ALIGN(attr_at(as, i)->nla_len);

	return end <= len ? end : 0;
}

/* Change attribute @i's payload length by -8..8 bytes. */
static void regrow(uint32_t *len, const struct attrs *as, int i)
{
	uint32_t off = as->a[i].off, old = attr_at(as, i)->nla_len, now;
	int delta = between(0, 16) - 8;

	if (!attr_end(*len, as, i))
		return;
	now = (int)old + delta < NLA_HDRLEN ? NLA_HDRLEN : old + delta;
	if (resize(len, as, as->a[i].parent,
		   off + MNL_ALIGN(min_u32(old, now)),
		   (int)MNL_ALIGN(now) - (int)MNL_ALIGN(old)))
		attr_at(as, i)->nla_len = now;
}

/* Insert @size bytes of @from after attribute @i, in the same nest. */
static void insert_after(uint32_t *len, const struct attrs *as, int i,
			 const char *from, uint32_t size)
{
	uint32_t at = attr_end(*len, as, i);

	if (at && resize(len, as, as->a[i].parent, at, size))
		memcpy(msgbuf + at, from, size);
}

/* An attribute of another corpus message, after attribute @i. */
static void graft(uint32_t *len, const struct attrs *as, int i)
{
	static struct attrs donor;
	unsigned int k = below(ncorpus);
	const char *buf = corpus[k].buf;
	uint32_t dlen = corpus[k].len;
	const struct nlattr *at;

	find_attrs(buf, dlen, &donor);
	if (!donor.n)
		return;
	at = (const struct nlattr *)(buf + donor.a[below(donor.n)].off);
	if ((const char *)at + MNL_ALIGN(at->nla_len) <= buf + dlen)
		insert_after(len, as, i, (const char *)at,
			     MNL_ALIGN(at->nla_len));
}

static void mutate(uint32_t *len)
{
	static const uint16_t flags[] = {
		NLM_F_REQUEST, NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH,
		NLM_F_ATOMIC, NLM_F_DUMP_INTR, 0x1000, 0x8000,
	};
	static char dup[MNL_ALIGN(NEST_MAX)];
	struct nlmsghdr *nlh = (struct nlmsghdr *)msgbuf;
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	static struct attrs as;
	struct nlattr *at;
	uint32_t v, end;
	int i;

	find_attrs(msgbuf, *len, &as);
	i = below(as.n);
	at = attr_at(&as, i);
	switch (as.n ? below(10) : between(7, 9)) {
	case 0:		/* a value */
		v = interesting();
		memcpy(at + 1, &v,
		       min_u32(at->nla_len - NLA_HDRLEN, 1u << below(3)));
		break;
	case 1:
		at->nla_type = ((at->nla_type & NLA_F_NESTED) ^
				(one_in(8) ? NLA_F_NESTED : 0)) | below(32);
		break;
	case 2:
		regrow(len, &as, i);
		break;
	case 3:		/* drop it */
		end = attr_end(*len, &as, i);
		if (end)
			resize(len, &as, as.a[i].parent, as.a[i].off,
			       (int)as.a[i].off - (int)end);
		break;
	case 4:		/* double it */
		end = attr_end(*len, &as, i);
		if (end) {
			memcpy(dup, at, end - as.a[i].off);
			insert_after(len, &as, i, dup, end - as.a[i].off);
		}
		break;
	case 5:
		graft(len, &as, i);
		break;
	case 6:		/* a byte of an attribute */
		msgbuf[as.a[i].off + below(at->nla_len)] ^= 1u << below(8);
		break;
	case 7:
		if (*len > NLMSG_HDRLEN) {
			gh->cmd = one_in(2) ? below(__SFB_CMD_MAX + 2) : rnd();
			break;
		}
		fallthrough;
	case 8:
		nlh->nlmsg_flags ^= flags[below(ARRAY_SIZE(flags))];
		break;
	default:	/* cut it, in the genl header at most */
		if (*len > NLMSG_HDRLEN)
			*len = between(NLMSG_HDRLEN, *len - 1);
		break;
	}
}

static bool is_load(uint8_t cmd)
{
	return cmd >= SFB_CMD_LOAD_ROLE && cmd <= SFB_CMD_LOAD_EXEMPT;
}

/*
 * A mutant of a corpus message: it needs an answer, nothing more. With
 * @load, for an open transaction: mostly one of a load message, which
 * only its owner's transaction takes that far.
 */
static void send_mutant(int sock, bool load)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)msgbuf;
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	unsigned int i = pick(), n = 1u << below(4), tries = 8;
	struct msg m = {
		.sock = sock, .cat = C_MUTANT, .expect = E_ANSWER,
	};
	uint32_t len;

	while (load && tries-- && (corpus[i].len <= NLMSG_HDRLEN ||
				   !is_load(corpus[i].buf[NLMSG_HDRLEN])))
		i = pick();
	len = corpus[i].len;
	memcpy(msgbuf, corpus[i].buf, len);
	while (n--)
		mutate(&len);
	while (gh->cmd == SFB_CMD_FLUSH)
		gh->cmd = rnd();
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags |= NLM_F_ACK;
	m.cmd = gh->cmd;
	m.dump = nlh->nlmsg_flags & NLM_F_DUMP;
	m.gap = m.cmd == SFB_CMD_LOAD_COMMIT;
	m.len = len;
	mutants++;
	emit(&m);
}

/* A valid GET_INFO, MATCH, ZERO_STATS or dump. */
static void send_query(int sock)
{
	static const uint8_t cmds[] = {
		SFB_CMD_GET_INFO, SFB_CMD_GET_INFO, SFB_CMD_MATCH,
		SFB_CMD_MATCH, SFB_CMD_ZERO_STATS, SFB_CMD_GET_RULESET,
		SFB_CMD_GET_STATS,
	};
	uint8_t cmd = cmds[below(ARRAY_SIZE(cmds))];
	enum expect e = E_OK;

	/* A socket runs one dump at a time (EBUSY). */
	if ((is_dump(cmd) && socks[sock].dumping) ||
	    (cmd == SFB_CMD_MATCH && !loaded))
		e = E_ANSWER;
	send_simple(sock, cmd, e, is_dump(cmd) ? C_DUMP : C_QUERY);
}

static uint8_t load_cmd(const struct txn *t)
{
	unsigned int r = below(100);

	if (!t->sent || r < 45)
		return SFB_CMD_LOAD_ROLE;
	return r < 80 ? SFB_CMD_LOAD_BIND : SFB_CMD_LOAD_EXEMPT;
}

/* Any one message: whatever the state, it needs an answer. */
static void fuzz_one(int sock)
{
	static const uint8_t cmds[] = {
		SFB_CMD_LOAD_BEGIN, SFB_CMD_LOAD_BEGIN, SFB_CMD_LOAD_BEGIN,
		SFB_CMD_LOAD_ROLE, SFB_CMD_LOAD_ROLE, SFB_CMD_LOAD_ROLE,
		SFB_CMD_LOAD_ROLE, SFB_CMD_LOAD_ROLE, SFB_CMD_LOAD_BIND,
		SFB_CMD_LOAD_BIND, SFB_CMD_LOAD_BIND, SFB_CMD_LOAD_BIND,
		SFB_CMD_LOAD_EXEMPT, SFB_CMD_LOAD_EXEMPT, SFB_CMD_LOAD_EXEMPT,
		SFB_CMD_MATCH, SFB_CMD_MATCH, SFB_CMD_LOAD_COMMIT,
		SFB_CMD_LOAD_ABORT, SFB_CMD_FLUSH, SFB_CMD_GET_INFO,
		SFB_CMD_ZERO_STATS, SFB_CMD_GET_RULESET, SFB_CMD_GET_STATS,
	};
	struct txn t = { .pool = role_pool(), .huge = one_in(500) };
	unsigned int r = below(100);
	uint8_t cmd = cmds[below(ARRAY_SIZE(cmds))];

	t.sent = one_in(2) ? t.pool : 0;
	t.check_only = one_in(2);
	if (guided && ncorpus && one_in(2))
		send_mutant(sock, false);
	else if (r < 12)
		send_random(sock);
	else if (r < 22)
		send_query(sock);
	else
		/* a FLUSH is always broken (and a COMMIT, see send_cmd) */
		send_cmd(sock, cmd, &t, cmd == SFB_CMD_FLUSH ? 100 : 60,
			 E_ANSWER, C_SHAPED);
}

static int other_sock(void)
{
	return between(OWNER + 1, NSOCKS - 1);
}

/* No socket but the owner may then hold a transaction. */
static void abort_others(void)
{
	int s;

	for (s = OWNER + 1; s < NSOCKS; s++) {
		if (socks[s].maybe_txn)
			send_simple(s, SFB_CMD_LOAD_ABORT, E_ANSWER, C_ABORT);
		socks[s].maybe_txn = false;
	}
}

/* A valid BEGIN from the owner: no other socket holds a transaction. */
static void begin(struct txn *t)
{
	abort_others();
	send_cmd(OWNER, SFB_CMD_LOAD_BEGIN, t, 0, E_OK, C_TXN);
}

/*
 * A valid transaction from the owner, other sockets' messages in between:
 * each message must be accepted. Never committed: checked, aborted or
 * abandoned.
 */
static void valid_txn(void)
{
	struct txn t = { .pool = role_pool(), .valid = true };
	unsigned int n = between(1, 10), huge = one_in(100) ? below(n) : n;
	unsigned int i, r;
	enum end end;

	begin(&t);
	for (i = 0; i < n; i++) {
		while (one_in(2))
			fuzz_one(other_sock());
		t.huge = i == huge;
		send_cmd(OWNER, load_cmd(&t), &t, 0, E_OK, C_TXN);
	}
	t.huge = false;
	if (one_in(5))
		send_simple(other_sock(), SFB_CMD_LOAD_ABORT, E_ERROR,
			    C_FOREIGN);
	r = below(100);
	if (r < 40) {
		t.check_only = true;
		send_cmd(OWNER, SFB_CMD_LOAD_COMMIT, &t, 0, E_OK, C_TXN);
		end = END_CHECK;
	} else if (r < 65) {
		send_simple(OWNER, SFB_CMD_LOAD_ABORT, E_OK, C_TXN);
		end = END_ABORT;
	} else if (r < 75) {
		/* The owner sends nothing else meanwhile (EPROTO). */
		send_simple(OWNER, SFB_CMD_GET_INFO, E_OK, C_QUERY);
		send_cmd(OWNER, load_cmd(&t), &t, 0, E_ERROR, C_SEQ_GAP);
		end = END_SEQ;
	} else if (r < 85) {
		end = END_OPEN;
	} else if (r < 95) {
		reopen(OWNER);
		end = END_CLOSE;
	} else {
		send_cmd(OWNER, SFB_CMD_LOAD_COMMIT, &t, 0, E_ERROR, C_SEQ_GAP);
		end = END_GAP;
	}
	ends[0][end]++;
}

/*
 * A transaction from the owner with broken messages. Mostly restarted once
 * one has ended it, so that the next broken one is refused by sfb's checks,
 * not for want of a transaction.
 */
static void fuzzed_txn(void)
{
	struct txn t = { .pool = role_pool() };
	unsigned int n = between(1, 12), i, r;
	bool ended = false;
	enum end end;

	if (one_in(4))
		send_cmd(OWNER, SFB_CMD_LOAD_BEGIN, &t, 100, E_ANSWER, C_SHAPED);
	begin(&t);
	for (i = 0; i < n; i++) {
		r = below(100);
		t.huge = one_in(300);
		if (ended && !one_in(4)) {
			begin(&t);
			ended = false;
		}
		if (r < 25) {
			fuzz_one(other_sock());
		} else if (r < 29) {
			send_random(OWNER);
			ended = true;
		} else if (r < 31) {
			send_query(OWNER);	/* the next is out of sequence */
			ended = true;
		} else if (guided && ncorpus && one_in(2)) {
			send_mutant(OWNER, true);
			ended = true;
		} else {
			ended = send_cmd(OWNER, load_cmd(&t), &t, 50, E_ANSWER,
					 C_SHAPED) == E_ERROR;
		}
	}
	t.huge = false;
	r = below(100);
	if (r < 20) {
		send_simple(OWNER, SFB_CMD_LOAD_ABORT, E_ANSWER, C_ABORT);
		end = END_ABORT;
	} else if (r < 40) {
		end = END_OPEN;
	} else if (r < 55) {
		reopen(OWNER);
		end = END_CLOSE;
	} else if (r < 70) {
		send_simple(other_sock(), SFB_CMD_LOAD_ABORT, E_ANSWER,
			    C_ABORT);
		end = END_FOREIGN;
	} else if (r < 85) {
		send_cmd(OWNER, SFB_CMD_LOAD_COMMIT, &t, 0, E_ERROR, C_SEQ_GAP);
		end = END_GAP;
	} else {
		t.check_only = true;
		send_cmd(OWNER, SFB_CMD_LOAD_COMMIT, &t, 0, E_ANSWER, C_SHAPED);
		end = END_CHECK;
	}
	ends[1][end]++;
}

static void scenario(void)
{
	unsigned int r = below(100);

	if (r < 58)
		fuzz_one(below(NSOCKS));
	else if (r < 83)
		fuzzed_txn();
	else if (r < 98)
		valid_txn();
	else
		reopen(below(NSOCKS));
}

/*
 * Valid loads, by sfbctl, and what `sfbctl show` prints.
 */

struct site {
	const char *conf;
	char *show;		/* without its generation line */
};

static struct site *sites;
static unsigned int nsites, cur;
static const char *sfbctl;

static char *slurp(FILE *f, const char *name)
{
	size_t size = 4096, len = 0, n;
	char *s = malloc(size);

	while (s && (n = fread(s + len, 1, size - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == size)
			s = realloc(s, size *= 2);
	}
	if (!s || ferror(f))
		fail("reading %s: %m", name);
	s[len] = '\0';
	return s;
}

/* The generation is the one line that differs from load to load. */
static char *drop_generation(char *text)
{
	static const char line[] = "# nf_sfb ruleset, generation ";
	char *p = text, *end;

	while ((p = strstr(p, line))) {
		if (p != text && p[-1] != '\n') {
			p++;
			continue;
		}
		end = strchr(p, '\n');
		memmove(p, end ? end + 1 : p + strlen(p),
			strlen(end ? end + 1 : p + strlen(p)) + 1);
	}
	return text;
}

/* Run SFBCTL WHAT [FILE], its output to @fd if not -1; its status. */
static int run_sfbctl(const char *what, const char *file, int fd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %m");
	if (!pid) {
		if (fd >= 0 && dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		execl(sfbctl, sfbctl, what, file, (char *)NULL);
		perror(sfbctl);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid: %m");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* On a line of its own: too long for one with the call */
#define SHOW_DIFFERS "%s, sfbctl show differs from the load of %s at line %d (without the generation line)"

static void check_show(const char *when)
{
	FILE *f = tmpfile();
	char *show, *a, *b;
	int line = 1;

	if (!f)
		fail("tmpfile: %m");
	if (run_sfbctl("show", NULL, fileno(f)))
		fail("sfbctl show failed %s", when);
	rewind(f);
	show = drop_generation(slurp(f, "sfbctl show"));
	fclose(f);
	for (a = show, b = sites[cur].show; *a && *a == *b; a++, b++)
		line += *a == '\n';
	if (*a || *b)
		fail(SHOW_DIFFERS, when, sites[cur].conf, line);
	free(show);
}

/* Leave no transaction open, nothing unanswered. */
static void quiesce(void)
{
	int s;

	for (s = 0; s < NSOCKS; s++) {
		send_simple(s, SFB_CMD_LOAD_ABORT, E_ANSWER, C_ABORT);
		socks[s].maybe_txn = false;
	}
	end_batch();
}

/* The loaded ruleset is all sfb holds, once RCU has freed the old ones. */
static void check_rulesets(void)
{
	double deadline = now() + timeout;
	struct info in;

	for (;;) {
		get_info(&in);
		if (in.rulesets == 1)
			return;
		if (now() > deadline)
			fail("%u rulesets alive after message %u, only the loaded one should be",
			     in.rulesets, nsent);
		usleep(20000);
	}
}

static void load_site(unsigned int i)
{
	char when[64];
	struct info in;

	cur = i;
	if (run_sfbctl("load", sites[i].conf, -1))
		fail("sfbctl load %s failed after message %u", sites[i].conf,
		     nsent);
	get_info(&in);
	if (in.generation != generation + 1)
		fail("sfbctl load moved the generation from %" PRIu64 " to %"
		     PRIu64, generation, in.generation);
	generation = in.generation;
	loaded = true;
	loads++;
	snprintf(when, sizeof(when), "after loading it (message %u)", nsent);
	check_show(when);
}

/* A round of fuzzing left the ruleset as loaded. */
static void check_round(void)
{
	char when[64];

	quiesce();
	snprintf(when, sizeof(when), "after message %u", nsent);
	check_show(when);
	check_rulesets();
}

static void report(double secs)
{
	unsigned long sent = 0, refused = 0, accepted = 0;
	unsigned int c, e;

	fprintf(stdout,
		"%u messages in %.1f s (%.0f/s), %lu datagrams, %lu batches, %lu huge (%u bytes or more, largest %u), deepest nest %u\n",
		nsent, secs, nsent / secs, datagrams, batches, huge, HUGE,
		largest, deepest);
	printf("%-42s %8s %8s %8s %8s\n", "category", "sent", "refused",
	       "accepted", "dropped");
	for (c = 0; c < NCAT; c++) {
		if (c == C_UNKNOWN_CMD)
			printf("-- invalid by construction: must be refused\n");
		if (!st[c].sent)
			continue;
		printf("%-42s %8lu %8lu %8lu %8lu\n", cat_name[c], st[c].sent,
		       st[c].refused, st[c].accepted,
		       st[c].sent - st[c].refused - st[c].accepted);
		sent += st[c].sent;
		refused += st[c].refused;
		accepted += st[c].accepted;
	}
	printf("%-42s %8lu %8lu %8lu %8lu\n", "total", sent, refused, accepted,
	       sent - refused - accepted);
	printf("errors:");
	for (e = 1; e < ARRAY_SIZE(errnos); e++)
		if (errnos[e])
			printf(" %s %lu", errname(e), errnos[e]);
	printf("\n%-42s %8s %8s\n", "transactions ended by", "valid",
	       "fuzzed");
	for (e = 0; e < NEND; e++)
		printf("%-42s %8lu %8lu\n", end_name[e], ends[0][e],
		       ends[1][e]);
	printf("sockets reopened %lu, valid loads by sfbctl %lu, generation %"
	       PRIu64 "\n", reopened, loads, generation);
	if (!covering)
		return;
	printf("kcov: %s messages reached %u PCs and %u edges of nf_sfb%s; ",
	       guided ? "guided" : "random", kcov.npcs, kcov.nedges,
	       kcov.full ? " (or more: a table was full)" : "");
	printf("corpus %u, mutants sent %lu\n", ncorpus, mutants);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: sfb_nlfuzz [-n COUNT] [-s SEED] [-l EVERY] [-t SECONDS] [-g | -k] [-v] [-c SFBCTL SITE.conf SITE.show...]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	uint32_t count = 100000, every = 10000, next;
	double start;
	FILE *f;
	int opt, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:s:l:t:gkvc:")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			every = strtoul(optarg, NULL, 0);
			break;
		case 't':
			timeout = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			guided = true;
			fallthrough;
		case 'k':
			covering = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'c':
			sfbctl = optarg;
			break;
		default:
			usage();
		}
	}
	nsites = (argc - optind) / 2;
	if ((argc - optind) % 2 || !sfbctl != !nsites || !every || !timeout)
		usage();
	sites = calloc(nsites ?: 1, sizeof(*sites));
	for (i = 0; i < (int)nsites; i++) {
		sites[i].conf = argv[optind + 2 * i];
		f = fopen(argv[optind + 2 * i + 1], "r");
		if (!f)
			fail("%s: %m", argv[optind + 2 * i + 1]);
		sites[i].show = drop_generation(slurp(f, argv[optind + 2 * i + 1]));
		fclose(f);
	}

	printf("seed 0x%" PRIx64 "\n", seed);
	rng = seed;
	if (covering && !kcov_open()) {
		printf("kcov: %m: messages random, coverage not measured\n");
		covering = false;
		guided = false;
	}
	ctl = sfb_nl_open(true);
	if (!ctl)
		fail("socket: %m");
	family = sfb_nl_family(ctl);
	if (!family)
		fail("the sfb genl family is not registered (sfb.ko not loaded?)");
	get_info(&lim);
	generation = lim.generation;
	if (!lim.roles || !lim.services || !lim.bindings || !lim.exemptions)
		fail("GET_INFO reports no limits");
	for (i = 0; i < NSOCKS; i++)
		open_sock(i);

	start = now();
	if (nsites)
		load_site(below(nsites));
	batch_first = 1;
	for (next = every; nsent < count;) {
		scenario();
		if (nsites && nsent >= next && nsent < count) {
			check_round();
			load_site((cur + 1) % nsites);
			next += every;
		}
	}
	if (nsites)
		check_round();
	else
		quiesce();
	/* Nothing may come late: answer() fails on any answer now. */
	usleep(100000);
	for (i = 0; i < NSOCKS; i++)
		drain(i);
	report(now() - start);
	if (nsites)
		printf("in force: %s\n", sites[cur].conf);
	return 0;
}
