// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl match: ask the kernel what the loaded ruleset would do with the
 * first packet of a flow, and name the roles its answer refers to (the
 * reply has target ids: GET_STATS maps them to role ids, GET_RULESET the
 * ids to names, all of the generation that answered). With the nft
 * backend's policy, the answer is the one its table gives (nft_policy.c
 * follows kernel/classify.c, so sfb_targets_match does too).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dump.h"
#include "json.h"
#include "loaded.h"
#include "match.h"
#include "sfbctl.h"

static bool parse_addr(const char *s, int *family, uint8_t *addr)
{
	int f = strchr(s, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(f, s, addr) != 1 || (*family && *family != f))
		return false;
	*family = f;
	return true;
}

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v > 65535 || s[0] == '-')
		return false;
	*port = (uint16_t)v;
	return true;
}

/* tcp|udp from ADDR port PORT to ADDR port PORT */
static bool parse_packet(int argc, char *argv[], struct sfb_match_packet *p)
{
	if (argc != 9 || strcmp(argv[1], "from") || strcmp(argv[3], "port") ||
	    strcmp(argv[5], "to") || strcmp(argv[7], "port"))
		return false;
	if (!strcmp(argv[0], "tcp")) {
		p->proto = SFB_PROTO_TCP;
	} else if (!strcmp(argv[0], "udp")) {
		p->proto = SFB_PROTO_UDP;
	} else {
		fprintf(stderr, "sfb: match: invalid protocol '%s' (use tcp or udp)\n",
			argv[0]);
		return false;
	}
	if (!parse_addr(argv[2], &p->family, p->saddr) ||
	    !parse_addr(argv[6], &p->family, p->daddr)) {
		fprintf(stderr,
			"sfb: match: invalid addresses '%s' and '%s' (use two IPv4 or two IPv6 addresses)\n",
			argv[2], argv[6]);
		return false;
	}
	if (!parse_port(argv[4], &p->sport) || !parse_port(argv[8], &p->dport)) {
		fprintf(stderr, "sfb: match: invalid ports '%s' and '%s' (use 0-65535)\n",
			argv[4], argv[8]);
		return false;
	}
	return true;
}

/* The nest's attributes into a struct sfb_match_nest. */
static int answer_attr_cb(const struct nlattr *attr, void *data)
{
	struct sfb_match_nest *m = data;
	struct sfb_match_answer *a = m->a;
	struct sfb_match_packet *p = m->p;
	uint32_t *u32 = NULL;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case SFB_MATCH_A_SADDR:
	case SFB_MATCH_A_DADDR:
		if (mnl_attr_get_payload_len(attr) != 4 &&
		    mnl_attr_get_payload_len(attr) != 16)
			return MNL_CB_ERROR;
		p->family = mnl_attr_get_payload_len(attr) == 4 ? AF_INET :
								  AF_INET6;
		memcpy(type == SFB_MATCH_A_SADDR ? p->saddr : p->daddr,
		       mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
		return MNL_CB_OK;
	case SFB_MATCH_A_PROTO:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		p->proto = mnl_attr_get_u8(attr) == IPPROTO_TCP ? SFB_PROTO_TCP :
							      SFB_PROTO_UDP;
		return MNL_CB_OK;
	case SFB_MATCH_A_SPORT:
	case SFB_MATCH_A_DPORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		*(type == SFB_MATCH_A_SPORT ? &p->sport : &p->dport) =
			mnl_attr_get_u16(attr);
		return MNL_CB_OK;
	case SFB_MATCH_A_DST_TARGET:
		u32 = &a->dst;
		break;
	case SFB_MATCH_A_SRC_TARGET:
		u32 = &a->src;
		break;
	case SFB_MATCH_A_CLASSES:
		u32 = &a->classes;
		break;
	case SFB_MATCH_A_MARK:
		u32 = &a->mark;
		break;
	case SFB_MATCH_A_VERDICT:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		a->verdict = mnl_attr_get_u8(attr);
		a->valid = true;
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	*u32 = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

int sfb_match_parse_nest(const struct nlattr *nest, struct sfb_match_packet *p,
			 struct sfb_match_answer *a)
{
	struct sfb_match_nest m = { .p = p, .a = a };

	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	return mnl_attr_parse_nested(nest, answer_attr_cb, &m);
}

/* The reply's packet is the one asked about: read it into a copy. */
struct reply {
	struct sfb_match_answer *a;
	struct sfb_match_packet echo;
};

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	struct reply *r = data;

	switch (mnl_attr_get_type(attr)) {
	case SFB_A_GENERATION:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		r->a->generation = mnl_attr_get_u64(attr);
		break;
	case SFB_A_MATCH:
		return sfb_match_parse_nest(attr, &r->echo, r->a);
	}
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb,
			      data);
}

static int ask(struct sfb_nl *nl, const struct sfb_match_packet *p, struct sfb_match_answer *a)
{
	struct nlmsghdr *nlh = sfb_nl_request(nl, SFB_CMD_MATCH, 0);
	size_t len = p->family == AF_INET ? 4 : 16;
	struct nlattr *nest = mnl_attr_nest_start(nlh, SFB_A_MATCH);
	int ret;

	mnl_attr_put(nlh, SFB_MATCH_A_SADDR, len, p->saddr);
	mnl_attr_put(nlh, SFB_MATCH_A_DADDR, len, p->daddr);
	mnl_attr_put_u8(nlh, SFB_MATCH_A_PROTO,
			p->proto == SFB_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_SPORT, p->sport);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_DPORT, p->dport);
	mnl_attr_nest_end(nlh, nest);
	*a = (struct sfb_match_answer){ .dst = SFB_MATCH_NO_TARGET,
					 .src = SFB_MATCH_NO_TARGET };
	ret = sfb_nl_talk(nl, nlh, reply_cb, &(struct reply){ .a = a });
	if (ret == SFBCTL_EXIT_OK && !a->valid) {
		fprintf(stderr, "sfb: malformed reply from nf_sfb to match\n");
		ret = SFBCTL_EXIT_ERROR;
	}
	return ret;
}

static const char *const verdict_names[] = {
	[SFB_VERDICT_ACCEPT] = "accept",
	[SFB_VERDICT_DROP] = "drop",
	[SFB_VERDICT_WOULD_DROP] = "would-drop",
};

const char *sfb_verdict_name(uint8_t v)
{
	return v < __SFB_VERDICT_MAX ? verdict_names[v] : "?";
}

struct view {
	const struct sfb_match_packet *p;
	const struct sfb_match_answer *a;
	const struct sfb_dump *rs;
	const struct sfb_stats *st;
};

/* The rules of target @id's roles that hold the port. */
static void each_rule(const struct view *v, uint32_t id, uint16_t port,
		      void (*fn)(const char *role, const char *rule, bool first,
				 void *data), void *data)
{
	const struct sfb_dump_target *t = sfb_stats_target(v->st, id);
	bool first = true;

	for (size_t i = 0; t && i < t->n_roles; i++) {
		const struct sfb_dump_role *role = sfb_dump_role(v->rs, t->roles[i]);

		for (size_t j = 0; role && j < role->n_rules; j++) {
			const struct sfb_conf_rule *r = &role->rules[j];

			if (!(r->protos & v->p->proto) || port < r->ports.first ||
			    port > r->ports.last)
				continue;
			fn(role->name, r->name, first, data);
			first = false;
		}
	}
}

static void each_role(const struct view *v, uint32_t id,
		      void (*fn)(const char *role, bool first, void *data),
		      void *data)
{
	const struct sfb_dump_target *t = sfb_stats_target(v->st, id);
	char buf[32];

	for (size_t i = 0; t && i < t->n_roles; i++)
		fn(sfb_dump_role_name(v->rs, t->roles[i], buf, sizeof(buf)),
		   i == 0, data);
}

static void text_role(const char *role, bool first, void *f)
{
	fprintf(f, "%s%s", first ? "" : " ", role);
}

static void text_rule(const char *role, const char *rule, bool first, void *f)
{
	fprintf(f, "%s%s/%s", first ? "" : " ", role, rule);
}

static void print_side(FILE *f, const struct view *v, const char *side,
		       uint32_t id, uint16_t port)
{
	fprintf(f, "%s: ", side);
	if (id == SFB_MATCH_NO_TARGET) {
		fputs("not bound\n", f);
		return;
	}
	fprintf(f, "target %u: ", id);
	each_role(v, id, text_role, f);
	fputs("\n\trules: ", f);
	each_rule(v, id, port, text_rule, f);
	fputc('\n', f);
}

void sfb_match_packet_print(FILE *f, const struct sfb_match_packet *p)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	fprintf(f, "%s %s port %u -> %s port %u", sfb_protos_name(p->proto),
		inet_ntop(p->family, p->saddr, s, sizeof(s)), p->sport,
		inet_ntop(p->family, p->daddr, d, sizeof(d)), p->dport);
}

static void print_text(FILE *f, const struct view *v)
{
	sfb_match_packet_print(f, v->p);
	fprintf(f, " (generation %" PRIu64 ")\n", v->a->generation);
	print_side(f, v, "destination", v->a->dst, v->p->dport);
	print_side(f, v, "source", v->a->src, v->p->sport);
	fputs("classes:", f);
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (v->a->classes & (1u << c))
			fprintf(f, " %s", sfb_class_name((enum sfb_class)c));
	fprintf(f, "%s\nverdict: %s\nmark: 0x%x\n", v->a->classes ? "" : " none",
		sfb_verdict_name(v->a->verdict), v->a->mark);
}

static void json_role(const char *role, bool first, void *roles)
{
	(void)first;
	json_array_append_new(roles, sfb_json_str(role));
}

static void json_rule(const char *role, const char *rule, bool first,
		      void *rules)
{
	json_t *o = json_pack("{s:o,s:o}", "role", sfb_json_str(role),
			      "rule", sfb_json_str(rule));

	(void)first;
	json_array_append_new(rules, o);
}

static json_t *json_side(const struct view *v, uint32_t id, uint16_t port)
{
	json_t *roles, *rules;

	if (id == SFB_MATCH_NO_TARGET)
		return json_null();
	roles = json_array();
	each_role(v, id, json_role, roles);
	rules = json_array();
	each_rule(v, id, port, json_rule, rules);
	return json_pack("{s:I,s:o,s:o}", "target", (json_int_t)id,
			 "roles", roles, "rules", rules);
}

static json_t *json_port(uint16_t port)
{
	return sfb_json_range((struct sfb_range){ port, port });
}

json_t *sfb_match_packet_json(const struct sfb_match_packet *p)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	return json_pack("{s:s,s:s,s:o,s:s,s:o}",
			 "protocol", sfb_protos_name(p->proto),
			 "saddr", inet_ntop(p->family, p->saddr, s, sizeof(s)),
			 "sport", json_port(p->sport),
			 "daddr", inet_ntop(p->family, p->daddr, d, sizeof(d)),
			 "dport", json_port(p->dport));
}

static json_t *match_json(const struct view *v)
{
	json_t *classes = json_array();

	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (v->a->classes & (1u << c))
			json_array_append_new(classes,
					      json_string(sfb_class_name((enum sfb_class)c)));
	return json_pack("{s:b,s:o,s:o,s:o,s:o,s:o,s:s,s:I}",
		"loaded", true, "generation", sfb_json_uint(v->a->generation),
		"packet", sfb_match_packet_json(v->p),
		"destination", json_side(v, v->a->dst, v->p->dport),
		"source", json_side(v, v->a->src, v->p->sport),
		"classes", classes, "verdict", sfb_verdict_name(v->a->verdict),
		"mark", (json_int_t)v->a->mark);
}

static void print(const struct view *v)
{
	if (sfb_json_enabled())
		sfb_json_emit(match_json(v));
	else
		print_text(stdout, v);
}

/* A commit between the answer and the dumps means asking again. */
#define MATCH_TRIES 10

static int match(struct sfb_nl *nl, const struct sfb_match_packet *p)
{
	struct sfb_match_answer a;
	struct sfb_dump rs;
	struct sfb_stats st;
	struct view v = { .p = p, .a = &a, .rs = &rs, .st = &st };
	int ret = SFBCTL_EXIT_ERROR, i;

	sfb_dump_init(&rs);
	sfb_stats_init(&st);
	for (i = 0; i < MATCH_TRIES; i++) {
		ret = ask(nl, p, &a);
		if (ret == SFBCTL_EXIT_OK)
			ret = sfb_fetch(nl, &rs, &st);
		if (ret != SFBCTL_EXIT_OK || st.generation == a.generation)
			break;
		ret = SFBCTL_EXIT_ERROR;
	}
	if (ret == SFBCTL_EXIT_OK)
		print(&v);
	else if (i == MATCH_TRIES)
		fprintf(stderr, "sfb: the ruleset kept changing while being read; try again\n");
	sfb_stats_free(&st);
	sfb_dump_free(&rs);
	return ret;
}

static void match_nft(const struct sfb_loaded *l, const struct sfb_match_packet *p)
{
	int fam = p->family == AF_INET ? SFB_FAM_IPV4 : SFB_FAM_IPV6;
	struct sfb_targets_verdict tv;
	struct sfb_match_answer a = { .generation = l->state.generation, .valid = true };
	const struct view v = { .p = p, .a = &a, .rs = &l->rs, .st = &l->st };

	sfb_targets_match(l->cfg, &l->t, fam, p->proto, p->saddr, p->sport,
			  p->daddr, p->dport, &tv);
	a.dst = tv.dst < 0 ? SFB_MATCH_NO_TARGET : (uint32_t)tv.dst;
	a.src = tv.src < 0 ? SFB_MATCH_NO_TARGET : (uint32_t)tv.src;
	a.classes = tv.classes;
	a.mark = tv.mark;
	a.verdict = tv.verdict;
	print(&v);
}

int cmd_match(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ 0 }
	};
	struct sfb_match_packet p = { 0 };
	struct sfb_loaded l;
	int c, ret;

	/* "+": the packet's words are not options. */
	while ((c = getopt_long(argc, argv, "+" SFB_JSON_SHORTOPTS, opts,
				NULL)) != -1)
		if (!sfb_json_option(c))
			return usage_error("match");
	if (!parse_packet(argc - optind, argv + optind, &p))
		return usage_error("match");
	ret = sfb_loaded_find(&l);
	if (ret == SFBCTL_EXIT_OK && l.none)
		sfb_loaded_print_none();
	else if (ret == SFBCTL_EXIT_OK && l.nl)
		ret = match(l.nl, &p);
	else if (ret == SFBCTL_EXIT_OK)
		match_nft(&l, &p);
	sfb_loaded_free(&l);
	return ret;
}
