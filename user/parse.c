// SPDX-License-Identifier: GPL-2.0
/*
 * The sfb.conf(5) parser: a recursive descent over one file's tokens. After
 * an error it skips to the end of the statement (or of the block the
 * statement opened) and goes on, so one run reports every independent
 * mistake, up to SFB_MAX_ERRORS.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "lexer.h"
#include "parse.h"

/* What nf_sfb takes: role, rule and exemption names go to it. */
#define SFB_MAX_NAME_LEN (SFB_NAME_MAX - 1)

const char *sfb_include_dir = SFB_ROLES_DIR;

struct parser {
	struct ast *ast;
	struct sfb_diag *d;
	struct sfb_tokens toks;
	size_t pos;
	const char *path;	/* NULL for in-memory input: no includes */
	unsigned int depth;
};

enum top_keyword {
	KW_INCLUDE, KW_ROLE, KW_MEDIA_RANGE, KW_OVERRIDE, KW_IPSEC_EXEMPT,
	KW_BIND, KW_POLICY, KW_MARK,
};

static const char *const top_keywords[] = {
	[KW_INCLUDE] = "include", [KW_ROLE] = "role",
	[KW_MEDIA_RANGE] = "media-range", [KW_OVERRIDE] = "override",
	[KW_IPSEC_EXEMPT] = "ipsec-exempt", [KW_BIND] = "bind",
	[KW_POLICY] = "policy", [KW_MARK] = "mark",
};

enum role_keyword { RK_SERVICE, RK_MEDIA, RK_EXTENDS };

static const char *const role_keywords[] = {
	[RK_SERVICE] = "service", [RK_MEDIA] = "media", [RK_EXTENDS] = "extends",
};

enum exempt_field { EF_FROM, EF_TO, EF_PROTO, EF_SPORT, EF_DPORT, EF_ROW };

static const char *const exempt_fields[] = {
	[EF_FROM] = "from", [EF_TO] = "to", [EF_PROTO] = "proto",
	[EF_SPORT] = "sport", [EF_DPORT] = "dport", [EF_ROW] = "row",
};

/* Source table rows ("T1.12"): at most this many per statement, this long. */
#define SFB_MAX_ROWS 16
#define SFB_MAX_ROW_LEN 31

/* Transport tags as the seed's tables use them; see sfb.conf(5). */
static const char *const transports[] = {
	"tcp", "udp", "tls", "mtls", "http", "https", "rpc", "psom", "stun",
	"msturn", "dhcp",
};

static const char *const policies[] = {
	[SFB_MODE_MONITOR] = "monitor",
	[SFB_MODE_ENFORCE] = "enforce",
};

static const char *const classes[] = {
	[SFB_CLASS_SERVICE] = "service",
	[SFB_CLASS_MEDIA] = "media",
	[SFB_CLASS_EXEMPT] = "ipsec-exempt",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void ast_init(struct ast *ast)
{
	memset(ast, 0, sizeof(*ast));
	ast->arena = sfb_arena_new();
	ast->roles_tail = &ast->roles;
	ast->media_tail = &ast->media;
	ast->exempts_tail = &ast->exempts;
	ast->binds_tail = &ast->binds;
}

void ast_release(struct ast *ast)
{
	sfb_arena_free(ast->arena);
	ast->arena = NULL;
}

static const struct sfb_token *peek(const struct parser *p)
{
	return &p->toks.v[p->pos];
}

static const struct sfb_token *next(struct parser *p)
{
	const struct sfb_token *t = &p->toks.v[p->pos];

	if (t->type != TOK_EOF)
		p->pos++;
	return t;
}

static bool word_is(const struct sfb_token *t, const char *s)
{
	return t->type == TOK_WORD && t->len == strlen(s) &&
	       !memcmp(t->text, s, t->len);
}

/* Is the rest of word @t, from byte @at, exactly @s? */
static bool word_is_at(const struct sfb_token *t, size_t at, const char *s)
{
	return t->len - at == strlen(s) && !memcmp(t->text + at, s, t->len - at);
}

static int keyword_index(const struct sfb_token *t, const char *const *words,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(t, words[i]))
			return (int)i;
	return -1;
}

static char *word_dup(struct parser *p, const struct sfb_token *t)
{
	return sfb_arena_strndup(p->ast->arena, t->text, t->len);
}

static char *string_dup(struct parser *p, const struct sfb_token *t)
{
	char *s = sfb_arena_alloc(p->ast->arena, t->len + 1), *o = s;

	for (size_t i = 0; i < t->len; i++) {
		if (t->text[i] == '\\')
			i++;	/* the lexer allowed only \" and \\ */
		*o++ = t->text[i];
	}
	return s;
}

static void unknown(struct parser *p, const struct sfb_token *t,
		    const char *what, const char *const *words, size_t n)
{
	char *word = word_dup(p, t);

	sfb_diag_unknown(p->d, &t->loc, what, word, words, n);
}

static bool expected(struct parser *p, const char *what)
{
	const struct sfb_token *t = peek(p);
	char buf[64];

	sfb_diag_report(p->d, SFB_ERROR, &t->loc, "expected %s, got %s", what,
			sfb_token_describe(t, buf, sizeof(buf)));
	return false;
}

static bool end_statement(struct parser *p)
{
	const struct sfb_token *t = peek(p);

	if (t->type == TOK_NEWLINE || t->type == TOK_SEMI) {
		next(p);
		return true;
	}
	if (t->type == TOK_RBRACE || t->type == TOK_EOF)
		return true;
	return expected(p, "end of statement");
}

/* Skip the rest of a bad statement, including any block it opened. */
static void skip_statement(struct parser *p)
{
	unsigned int depth = 0;

	for (;;) {
		const struct sfb_token *t = peek(p);

		switch (t->type) {
		case TOK_EOF:
			return;
		case TOK_LBRACE:
			depth++;
			break;
		case TOK_RBRACE:
			if (!depth)
				return;
			if (!--depth) {
				next(p);
				return;
			}
			break;
		case TOK_NEWLINE:
		case TOK_SEMI:
			if (!depth) {
				next(p);
				return;
			}
			break;
		default:
			break;
		}
		next(p);
	}
}

static bool too_many_errors(struct parser *p)
{
	if (sfb_diag_count(p->d, SFB_ERROR) < SFB_MAX_ERRORS)
		return false;
	if (!p->ast->gave_up)
		sfb_diag_report(p->d, SFB_NOTE, &peek(p)->loc,
				"too many errors; not reading further");
	p->ast->gave_up = true;
	return true;
}

static bool valid_name(const struct sfb_token *t)
{
	if (t->len > SFB_MAX_NAME_LEN || !isalpha((unsigned char)t->text[0]))
		return false;
	for (size_t i = 1; i < t->len; i++)
		if (!isalnum((unsigned char)t->text[i]) && t->text[i] != '-' &&
		    t->text[i] != '_')
			return false;
	return true;
}

/* A name; "any" gives a NULL name if @any_ok. */
static bool parse_name(struct parser *p, const char *what, bool any_ok,
		       struct ast_name *out)
{
	const struct sfb_token *t = peek(p);

	if (t->type != TOK_WORD) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%s%s", what, any_ok ? " or 'any'" : "");
		return expected(p, buf);
	}
	out->loc = t->loc;
	if (any_ok && word_is(t, "any")) {
		out->name = NULL;
		next(p);
		return true;
	}
	if (!valid_name(t)) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"invalid %s '%.*s' (use up to %d letters, digits, '-' and '_', starting with a letter)",
				what, (int)t->len, t->text, SFB_MAX_NAME_LEN);
		return false;
	}
	out->name = word_dup(p, t);
	next(p);
	return true;
}

static bool parse_protos(struct parser *p, uint8_t *out)
{
	*out = 0;
	for (;;) {
		const struct sfb_token *t = peek(p);
		uint8_t bit;

		if (t->type != TOK_WORD)
			return expected(p, "protocol (tcp or udp)");
		bit = word_is(t, "tcp") ? SFB_PROTO_TCP :
		      word_is(t, "udp") ? SFB_PROTO_UDP : 0;
		if (!bit) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"unknown protocol '%.*s' (use tcp, udp or tcp,udp)",
					(int)t->len, t->text);
			return false;
		}
		if (*out & bit) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"protocol '%.*s' listed twice",
					(int)t->len, t->text);
			return false;
		}
		*out |= bit;
		next(p);
		if (peek(p)->type != TOK_COMMA)
			return true;
		next(p);
	}
}

/* Decimal 0..65535: 0 on success, -1 if not a number, -2 if too large. */
static int parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (!len)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	if (len > 5)
		return -2;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v > 65535)
		return -2;
	*out = (uint16_t)v;
	return 0;
}

static bool port_part(struct parser *p, const struct sfb_token *t, size_t off,
		      size_t len, uint16_t *out)
{
	struct sfb_loc loc = t->loc;
	int err = parse_port(t->text + off, len, out);

	if (!err)
		return true;
	if (err == -1) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"invalid port '%.*s' (use N or N-M, 0-65535)",
				(int)t->len, t->text);
		return false;
	}
	loc.col += (unsigned int)off;
	loc.len = (unsigned int)len;
	sfb_diag_report(p->d, SFB_ERROR, &loc,
			"port %.*s is out of range (0-65535)", (int)len,
			t->text + off);
	return false;
}

static bool parse_ports(struct parser *p, bool media_ok, bool any_ok,
			struct ast_ports *out)
{
	const struct sfb_token *t = peek(p);
	const char *dash;
	size_t first_len;

	if (t->type != TOK_WORD)
		return expected(p, media_ok ? "port, port range or media range name"
					    : "port or port range");
	out->loc = t->loc;
	if (any_ok && word_is(t, "any")) {
		out->kind = PORTS_ANY;
		out->range = (struct sfb_range){ 0, 65535 };
		next(p);
		return true;
	}
	if (media_ok && isalpha((unsigned char)t->text[0])) {
		struct ast_name name;

		if (!parse_name(p, "media range name", false, &name))
			return false;
		out->kind = PORTS_MEDIA;
		out->media = name.name;
		return true;
	}
	out->kind = PORTS_RANGE;
	dash = memchr(t->text, '-', t->len);
	first_len = dash ? (size_t)(dash - t->text) : t->len;
	if (!port_part(p, t, 0, first_len, &out->range.first))
		return false;
	out->range.last = out->range.first;
	if (dash && !port_part(p, t, first_len + 1, t->len - first_len - 1,
			       &out->range.last))
		return false;
	if (out->range.first > out->range.last) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"port range '%.*s' is reversed (the first port must not exceed the last)",
				(int)t->len, t->text);
		return false;
	}
	next(p);
	return true;
}

/* "tls", "https,tcp": known tags, each once, kept in the order written. */
static bool parse_transport(struct parser *p, const char **out)
{
	char buf[128] = "";
	unsigned int seen = 0;

	for (;;) {
		const struct sfb_token *t = peek(p);
		int i;

		if (t->type != TOK_WORD)
			return expected(p, "transport (such as tcp, tls or https)");
		i = keyword_index(t, transports, ARRAY_SIZE(transports));
		if (i < 0) {
			unknown(p, t, "transport", transports, ARRAY_SIZE(transports));
			return false;
		}
		if (seen & (1u << i)) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"transport '%s' listed twice", transports[i]);
			return false;
		}
		seen |= 1u << i;
		if (*buf)
			strcat(buf, ",");
		strcat(buf, transports[i]);
		next(p);
		if (peek(p)->type != TOK_COMMA)
			break;
		next(p);
	}
	*out = sfb_arena_strdup(p->ast->arena, buf);
	return true;
}

static const char *parse_optional_note(struct parser *p)
{
	if (peek(p)->type != TOK_STRING)
		return "";
	return string_dup(p, next(p));
}

static bool valid_row(const struct sfb_token *t)
{
	if (t->len > SFB_MAX_ROW_LEN || !isalnum((unsigned char)t->text[0]))
		return false;
	for (size_t i = 1; i < t->len; i++)
		if (!isalnum((unsigned char)t->text[i]) && t->text[i] != '.' &&
		    t->text[i] != '-' && t->text[i] != '_')
			return false;
	return true;
}

/* The rows after "row": "T1.1,T1.38", each once, in the order written. */
static bool parse_rows(struct parser *p, const char **out)
{
	char buf[SFB_MAX_ROWS * (SFB_MAX_ROW_LEN + 1)] = "";
	const struct sfb_token *seen[SFB_MAX_ROWS];
	size_t n = 0;

	for (;;) {
		const struct sfb_token *t = peek(p);

		if (t->type != TOK_WORD)
			return expected(p, "source table row (such as T1.12)");
		if (!valid_row(t)) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"invalid row '%.*s' (use up to %d letters, digits, '.', '-' and '_', such as T1.12)",
					(int)t->len, t->text, SFB_MAX_ROW_LEN);
			return false;
		}
		for (size_t i = 0; i < n; i++) {
			if (seen[i]->len != t->len ||
			    memcmp(seen[i]->text, t->text, t->len))
				continue;
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"row '%.*s' listed twice", (int)t->len,
					t->text);
			return false;
		}
		if (n == SFB_MAX_ROWS) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"more than %d rows in one statement",
					SFB_MAX_ROWS);
			return false;
		}
		seen[n++] = t;
		if (*buf)
			strcat(buf, ",");
		strncat(buf, t->text, t->len);
		next(p);
		if (peek(p)->type != TOK_COMMA)
			break;
		next(p);
	}
	*out = sfb_arena_strdup(p->ast->arena, buf);
	return true;
}

/* An optional trailing "row ROW[,ROW]...": "" if absent. */
static bool parse_optional_rows(struct parser *p, const char **out)
{
	*out = "";
	if (!word_is(peek(p), "row"))
		return true;
	next(p);
	return parse_rows(p, out);
}

static bool parse_rule(struct parser *p, struct ast_role *role,
		       enum sfb_class class)
{
	struct ast_rule *r = sfb_arena_alloc(p->ast->arena, sizeof(*r));

	r->class = class;
	if (!parse_name(p, class == SFB_CLASS_SERVICE ? "service name" :
			"media name", false, &r->name) ||
	    !parse_protos(p, &r->protos) ||
	    !parse_ports(p, class == SFB_CLASS_MEDIA, false, &r->ports))
		return false;
	r->transport = "";
	if (class == SFB_CLASS_SERVICE && !parse_transport(p, &r->transport))
		return false;
	r->note = parse_optional_note(p);
	if (!parse_optional_rows(p, &r->rows) || !end_statement(p))
		return false;
	*role->rules_tail = r;
	role->rules_tail = &r->next;
	role->n_rules++;
	return true;
}

static bool parse_extends(struct parser *p, struct ast_role *role)
{
	if (peek(p)->type != TOK_WORD)
		return expected(p, "role name");
	while (peek(p)->type == TOK_WORD) {
		struct ast_extends *e = sfb_arena_alloc(p->ast->arena, sizeof(*e));

		if (!parse_name(p, "role name", false, &e->base))
			return false;
		*role->extends_tail = e;
		role->extends_tail = &e->next;
		role->n_extends++;
	}
	return end_statement(p);
}

/*
 * The statements of a { } block until its closing brace; @stmt parses one
 * statement whose keyword is the current token.
 */
static bool parse_block(struct parser *p, const struct sfb_token *lbrace,
			const char *what, const char *name,
			bool (*stmt)(struct parser *p, void *ctx), void *ctx)
{
	bool ok = true;

	for (;;) {
		const struct sfb_token *t = peek(p);

		if (t->type == TOK_NEWLINE || t->type == TOK_SEMI) {
			next(p);
			continue;
		}
		if (t->type == TOK_RBRACE) {
			next(p);
			return ok;
		}
		if (t->type == TOK_EOF) {
			sfb_diag_report(p->d, SFB_ERROR, &lbrace->loc,
					"unclosed '{' of %s '%s'", what, name);
			return false;
		}
		if (too_many_errors(p))
			return false;
		if (!stmt(p, ctx)) {
			ok = false;
			skip_statement(p);
		}
	}
}

static bool role_statement(struct parser *p, void *ctx)
{
	const struct sfb_token *t = peek(p);
	struct ast_role *role = ctx;

	if (t->type != TOK_WORD)
		return expected(p, "service, media or extends");
	switch (keyword_index(t, role_keywords, ARRAY_SIZE(role_keywords))) {
	case RK_SERVICE:
		next(p);
		return parse_rule(p, role, SFB_CLASS_SERVICE);
	case RK_MEDIA:
		next(p);
		return parse_rule(p, role, SFB_CLASS_MEDIA);
	case RK_EXTENDS:
		next(p);
		return parse_extends(p, role);
	default:
		unknown(p, t, "statement", role_keywords, ARRAY_SIZE(role_keywords));
		return false;
	}
}

static bool parse_role(struct parser *p)
{
	struct ast_role *role = sfb_arena_alloc(p->ast->arena, sizeof(*role));
	const struct sfb_token *lbrace, *t;

	role->extends_tail = &role->extends;
	role->rules_tail = &role->rules;
	if (!parse_name(p, "role name", false, &role->name))
		return false;
	if (!strcmp(role->name.name, "any")) {
		sfb_diag_report(p->d, SFB_ERROR, &role->name.loc,
				"'any' is reserved and cannot name a role");
		return false;
	}
	if (peek(p)->type != TOK_STRING)
		return expected(p, "role description (a quoted string)");
	t = next(p);
	role->description = string_dup(p, t);
	if (strlen(role->description) >= SFB_TEXT_MAX) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"role description is %zu bytes long; nf_sfb takes at most %d",
				strlen(role->description), SFB_TEXT_MAX - 1);
		return false;
	}
	if (peek(p)->type != TOK_LBRACE)
		return expected(p, "'{'");
	lbrace = next(p);
	/* Recorded even if its body has errors, so names still resolve. */
	*p->ast->roles_tail = role;
	p->ast->roles_tail = &role->next;
	p->ast->n_roles++;
	if (!parse_block(p, lbrace, "role", role->name.name, role_statement, role))
		return false;
	return end_statement(p);
}

struct exempt_ctx {
	struct ast_exempt *e;
	struct sfb_loc given[ARRAY_SIZE(exempt_fields)];
};

static bool exempt_statement(struct parser *p, void *ctx)
{
	struct exempt_ctx *c = ctx;
	const struct sfb_token *t = peek(p);
	struct sfb_loc loc = t->loc;
	bool ok;
	int i;

	if (t->type != TOK_WORD)
		return expected(p, "from, to, proto, sport, dport or row");
	i = keyword_index(t, exempt_fields, ARRAY_SIZE(exempt_fields));
	if (i < 0) {
		unknown(p, t, "ipsec-exempt field", exempt_fields,
			ARRAY_SIZE(exempt_fields));
		return false;
	}
	if (c->given[i].file) {
		sfb_diag_report(p->d, SFB_ERROR, &loc, "'%s' is given twice",
				exempt_fields[i]);
		sfb_diag_attach(p->d, &c->given[i], "first given here");
		return false;
	}
	next(p);
	switch ((enum exempt_field)i) {
	case EF_FROM:
		ok = parse_name(p, "role name", true, &c->e->from);
		break;
	case EF_TO:
		ok = parse_name(p, "role name", true, &c->e->to);
		break;
	case EF_PROTO:
		ok = parse_protos(p, &c->e->protos);
		break;
	case EF_SPORT:
		ok = parse_ports(p, true, true, &c->e->sport);
		break;
	case EF_DPORT:
		ok = parse_ports(p, true, true, &c->e->dport);
		break;
	case EF_ROW:
	default:
		ok = parse_rows(p, &c->e->rows);
		break;
	}
	if (!ok || !end_statement(p))
		return false;
	c->given[i] = loc;
	return true;
}

static bool parse_exempt(struct parser *p)
{
	struct exempt_ctx c = { .e = sfb_arena_alloc(p->ast->arena, sizeof(*c.e)) };
	const struct sfb_token *lbrace;
	bool ok = true;

	if (!parse_name(p, "ipsec-exempt name", false, &c.e->name))
		return false;
	if (peek(p)->type != TOK_LBRACE)
		return expected(p, "'{'");
	lbrace = next(p);
	c.e->sport = (struct ast_ports){
		.kind = PORTS_ANY, .range = { 0, 65535 },
	};
	c.e->dport = c.e->sport;
	c.e->rows = "";
	if (!parse_block(p, lbrace, "ipsec-exempt", c.e->name.name,
			 exempt_statement, &c))
		return false;
	/* Directions and protocols are never implied: say them. */
	for (size_t i = 0; i < 3; i++) {
		if (c.given[i].file)
			continue;
		sfb_diag_report(p->d, SFB_ERROR, &c.e->name.loc,
				"ipsec-exempt '%s' has no '%s'", c.e->name.name,
				exempt_fields[i]);
		ok = false;
	}
	if (!ok)
		return false;
	*p->ast->exempts_tail = c.e;
	p->ast->exempts_tail = &c.e->next;
	p->ast->n_exempts++;
	return end_statement(p);
}

static bool parse_prefix(struct parser *p, struct ast_bind *b)
{
	const struct sfb_token *t = peek(p);
	struct ast_prefix *ap;
	char buf[INET6_ADDRSTRLEN + 8], *slash, masked[INET6_ADDRSTRLEN];
	unsigned int max, len;
	struct sfb_prefix *pfx;

	if (t->len >= sizeof(buf))
		goto invalid;
	memcpy(buf, t->text, t->len);
	buf[t->len] = '\0';
	ap = sfb_arena_alloc(p->ast->arena, sizeof(*ap));
	ap->loc = t->loc;
	pfx = &ap->prefix;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	pfx->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = pfx->family == AF_INET ? 32 : 128;
	if (inet_pton(pfx->family, buf, pfx->addr) != 1)
		goto invalid;
	len = max;
	if (slash) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)slash[1]))
			goto invalid;
		v = strtoul(slash + 1, &end, 10);
		if (*end || v > max) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"prefix length '%s' is out of range (0-%u)",
					slash + 1, max);
			return false;
		}
		len = (unsigned int)v;
	}
	pfx->len = (uint8_t)len;
	for (unsigned int bit = len; bit < max; bit++) {
		if (!(pfx->addr[bit / 8] & (0x80 >> (bit % 8))))
			continue;
		/* Say what was probably meant rather than masking silently. */
		for (bit = len; bit < max; bit++)
			pfx->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		inet_ntop(pfx->family, pfx->addr, masked, sizeof(masked));
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"'%.*s' has host bits set; did you mean '%s/%u'?",
				(int)t->len, t->text, masked, len);
		return false;
	}
	*b->prefixes_tail = ap;
	b->prefixes_tail = &ap->next;
	b->n_prefixes++;
	next(p);
	return true;
invalid:
	sfb_diag_report(p->d, SFB_ERROR, &t->loc,
			"invalid address '%.*s' (use ADDR/PREFIX, IPv4 or IPv6)",
			(int)t->len, t->text);
	return false;
}

static bool parse_iface(struct parser *p, struct ast_bind *b)
{
	const struct sfb_token *t = peek(p);
	struct ast_iface *ai;

	if (t->len >= SFB_IFNAMSIZ) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"interface name '%.*s' is longer than %d characters",
				(int)t->len, t->text, SFB_IFNAMSIZ - 1);
		return false;
	}
	/* The kernel's dev_valid_name(): no '/', ':' or whitespace, not "." or "..". */
	if (memchr(t->text, '/', t->len) || memchr(t->text, ':', t->len) ||
	    word_is(t, ".") || word_is(t, "..")) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"invalid interface name '%.*s'", (int)t->len, t->text);
		return false;
	}
	ai = sfb_arena_alloc(p->ast->arena, sizeof(*ai));
	memcpy(ai->name, t->text, t->len);
	*b->ifaces_tail = ai;
	b->ifaces_tail = &ai->next;
	b->n_ifaces++;
	next(p);
	return true;
}

static bool parse_bind(struct parser *p, const struct sfb_token *kw)
{
	struct ast_bind *b = sfb_arena_alloc(p->ast->arena, sizeof(*b));
	bool ifaces = false;

	b->loc = kw->loc;
	b->prefixes_tail = &b->prefixes;
	b->ifaces_tail = &b->ifaces;
	if (!parse_name(p, "role name", false, &b->role))
		return false;
	while (peek(p)->type == TOK_WORD) {
		if (word_is(peek(p), "iface")) {
			if (!ifaces)
				b->iface_loc = peek(p)->loc;
			next(p);
			if (peek(p)->type != TOK_WORD)
				return expected(p, "interface name");
			ifaces = true;
		}
		if (!(ifaces ? parse_iface(p, b) : parse_prefix(p, b)))
			return false;
	}
	if (!b->n_prefixes && !b->n_ifaces) {
		if (peek(p)->type != TOK_NEWLINE && peek(p)->type != TOK_SEMI &&
		    peek(p)->type != TOK_EOF && peek(p)->type != TOK_RBRACE)
			return expected(p, "address or 'iface'");
		sfb_diag_report(p->d, SFB_ERROR, &kw->loc,
				"bind needs at least one address or interface");
		return false;
	}
	if (!end_statement(p))
		return false;
	*p->ast->binds_tail = b;
	p->ast->binds_tail = &b->next;
	p->ast->n_binds++;
	return true;
}

static bool set_once(struct parser *p, struct ast_setting *s,
		     const struct sfb_loc *loc, const char *what)
{
	if (!s->set)
		return true;
	sfb_diag_report(p->d, SFB_ERROR, loc, "%s is already set", what);
	sfb_diag_attach(p->d, &s->loc, "first set here");
	return false;
}

/* "log-rate N/s" (or N/second): denial events per second and CPU. */
static bool parse_log_rate(struct parser *p, const struct sfb_token *kw)
{
	const struct sfb_token *t = peek(p);
	unsigned long v = 0;
	size_t i = 0;

	if (t->type != TOK_WORD)
		return expected(p, "rate such as 100/s");
	while (i < t->len && i < 10 && isdigit((unsigned char)t->text[i]))
		v = v * 10 + (unsigned long)(t->text[i++] - '0');
	if (!i || i == 10 ||
	    (!word_is_at(t, i, "/s") && !word_is_at(t, i, "/second"))) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"invalid log-rate '%.*s' (use N/s, such as 100/s)",
				(int)t->len, t->text);
		return false;
	}
	if (v < 1 || v > SFB_LOG_RATE_MAX) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"log-rate %lu/s is out of range (1/s to %d/s)", v,
				SFB_LOG_RATE_MAX);
		return false;
	}
	if (!set_once(p, &p->ast->log_rate, &kw->loc, "log-rate"))
		return false;
	next(p);
	p->ast->log_rate = (struct ast_setting){ true, (uint32_t)v, kw->loc };
	return end_statement(p);
}

/* "log group N" and/or "log prefix STRING", in any order. */
static bool parse_log(struct parser *p, const struct sfb_token *kw)
{
	const struct sfb_token *t;
	unsigned long v;
	char buf[8], *end;
	bool any = false;

	while (word_is(peek(p), "group") || word_is(peek(p), "prefix")) {
		any = true;
		if (word_is(next(p), "prefix")) {
			t = peek(p);
			if (t->type != TOK_STRING)
				return expected(p, "log prefix (a quoted string)");
			if (!set_once(p, &p->ast->log_prefix, &kw->loc, "log prefix"))
				return false;
			p->ast->log_prefix_text = string_dup(p, next(p));
			if (strlen(p->ast->log_prefix_text) >= SFB_LOG_PREFIX_MAX) {
				sfb_diag_report(p->d, SFB_ERROR, &t->loc,
						"log prefix is longer than %d bytes",
						SFB_LOG_PREFIX_MAX - 1);
				return false;
			}
			/* The nft and iptables exports quote it as it is. */
			if (strpbrk(p->ast->log_prefix_text, "\"\\")) {
				sfb_diag_report(p->d, SFB_ERROR, &t->loc,
						"log prefix may not contain '\"' or '\\'");
				return false;
			}
			p->ast->log_prefix = (struct ast_setting){ true, 0, kw->loc };
			continue;
		}
		t = peek(p);
		if (t->type != TOK_WORD)
			return expected(p, "NFLOG group (0-65535)");
		v = ULONG_MAX;
		if (t->len < sizeof(buf) && isdigit((unsigned char)t->text[0])) {
			memcpy(buf, t->text, t->len);
			buf[t->len] = '\0';
			v = strtoul(buf, &end, 10);
			if (*end)
				v = ULONG_MAX;
		}
		if (v > 65535) {
			sfb_diag_report(p->d, SFB_ERROR, &t->loc,
					"invalid log group '%.*s' (use 0-65535)",
					(int)t->len, t->text);
			return false;
		}
		if (!set_once(p, &p->ast->log_group, &kw->loc, "log group"))
			return false;
		next(p);
		p->ast->log_group = (struct ast_setting){ true, (uint32_t)v, kw->loc };
	}
	if (!any)
		return expected(p, "'group' or 'prefix'");
	return end_statement(p);
}

static bool parse_policy(struct parser *p, const struct sfb_token *kw)
{
	const struct sfb_token *t = peek(p);
	int mode;

	if (word_is(t, "log-rate")) {
		next(p);
		return parse_log_rate(p, kw);
	}
	if (word_is(t, "log")) {
		next(p);
		return parse_log(p, kw);
	}
	if (t->type != TOK_WORD)
		return expected(p, "enforce, monitor, log or log-rate");
	mode = keyword_index(t, policies, ARRAY_SIZE(policies));
	if (mode < 0) {
		unknown(p, t, "policy", policies, ARRAY_SIZE(policies));
		return false;
	}
	if (!set_once(p, &p->ast->policy, &kw->loc, "policy"))
		return false;
	next(p);
	p->ast->policy = (struct ast_setting){ true, (uint32_t)mode, kw->loc };
	return end_statement(p);
}

static bool parse_mark(struct parser *p, const struct sfb_token *kw)
{
	const struct sfb_token *t = peek(p);
	unsigned long long v;
	char buf[40], *end;
	int class;

	if (t->type != TOK_WORD)
		return expected(p, "class (service, media or ipsec-exempt)");
	class = keyword_index(t, classes, ARRAY_SIZE(classes));
	if (class < 0) {
		unknown(p, t, "class", classes, ARRAY_SIZE(classes));
		return false;
	}
	next(p);
	t = peek(p);
	if (t->type != TOK_WORD)
		return expected(p, "mark value");
	if (t->len >= sizeof(buf) || !isdigit((unsigned char)t->text[0]))
		goto invalid;
	memcpy(buf, t->text, t->len);
	buf[t->len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (*end || errno || v > 0xffffffffull)
		goto invalid;
	snprintf(buf, sizeof(buf), "mark for class '%s'", classes[class]);
	if (!set_once(p, &p->ast->mark[class], &kw->loc, buf))
		return false;
	next(p);
	p->ast->mark[class] = (struct ast_setting){ true, (uint32_t)v, kw->loc };
	return end_statement(p);
invalid:
	sfb_diag_report(p->d, SFB_ERROR, &t->loc,
			"invalid mark '%.*s' (use a 32-bit number such as 0x100)",
			(int)t->len, t->text);
	return false;
}

static bool parse_media_range(struct parser *p, bool override)
{
	struct ast_media_range *m = sfb_arena_alloc(p->ast->arena, sizeof(*m));
	struct ast_ports ports;

	m->override = override;
	m->rows = "";
	if (!parse_name(p, "media range name", false, &m->name) ||
	    !parse_ports(p, false, false, &ports) ||
	    (!override && !parse_optional_rows(p, &m->rows)) ||
	    !end_statement(p))
		return false;
	m->range = ports.range;
	*p->ast->media_tail = m;
	p->ast->media_tail = &m->next;
	p->ast->n_media++;
	return true;
}

static bool parse_path(struct ast *ast, struct sfb_diag *d, const char *path,
		       const struct sfb_loc *at, unsigned int depth);

/* @dir (up to @dirlen bytes) and @name joined, in the arena. */
static char *join_path(struct parser *p, const char *dir, size_t dirlen,
		       const char *name)
{
	char *path = sfb_arena_alloc(p->ast->arena, dirlen + strlen(name) + 2);

	memcpy(path, dir, dirlen);
	path[dirlen] = '\0';
	if (dirlen && dir[dirlen - 1] != '/')
		strcat(path, "/");
	strcat(path, name);
	return path;
}

static bool missing(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 && errno == ENOENT;
}

/*
 * Relative names are relative to the including file, as in nft, and then
 * to the catalogue's directory, as nft's include path, so that a site
 * file anywhere can include "sfb2015.conf". NULL if neither exists.
 */
static const char *include_path(struct parser *p, const struct sfb_token *t,
				const char *name)
{
	/* Standard input has no directory: the current one stands for it. */
	const char *slash = strcmp(p->path, SFB_STDIN_NAME) ?
			    strrchr(p->path, '/') : NULL;
	const char *here, *there;

	if (name[0] == '/')
		return name;
	here = join_path(p, p->path, slash ? (size_t)(slash - p->path) + 1 : 0,
			 name);
	if (!missing(here))
		return here;
	there = join_path(p, sfb_include_dir, strlen(sfb_include_dir), name);
	if (!strcmp(here, there) || !missing(there))
		return there;
	sfb_diag_report(p->d, SFB_ERROR, &t->loc, "cannot read '%s' or '%s': %s",
			here, there, strerror(ENOENT));
	return NULL;
}

static bool parse_include(struct parser *p)
{
	const struct sfb_token *t = peek(p);
	const char *path;

	if (t->type != TOK_STRING)
		return expected(p, "file name (a quoted string)");
	next(p);
	if (!end_statement(p))
		return false;
	if (!p->path) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"include is not supported for in-memory input");
		return false;
	}
	if (p->depth >= SFB_MAX_INCLUDE_DEPTH) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc,
				"includes nested too deeply (more than %d levels)",
				SFB_MAX_INCLUDE_DEPTH);
		return false;
	}
	path = include_path(p, t, string_dup(p, t));
	return path && parse_path(p->ast, p->d, path, &t->loc, p->depth + 1);
}

static bool top_statement(struct parser *p)
{
	const struct sfb_token *t = peek(p);
	int kw;

	if (t->type == TOK_RBRACE) {
		sfb_diag_report(p->d, SFB_ERROR, &t->loc, "unexpected '}'");
		next(p);
		return false;
	}
	if (t->type != TOK_WORD)
		return expected(p, "a statement");
	kw = keyword_index(t, top_keywords, ARRAY_SIZE(top_keywords));
	if (kw < 0) {
		unknown(p, t, "statement", top_keywords, ARRAY_SIZE(top_keywords));
		return false;
	}
	next(p);
	switch ((enum top_keyword)kw) {
	case KW_INCLUDE:
		return parse_include(p);
	case KW_ROLE:
		return parse_role(p);
	case KW_MEDIA_RANGE:
		return parse_media_range(p, false);
	case KW_OVERRIDE:
		if (!word_is(peek(p), "media-range"))
			return expected(p, "'media-range' after 'override'");
		next(p);
		return parse_media_range(p, true);
	case KW_IPSEC_EXEMPT:
		return parse_exempt(p);
	case KW_BIND:
		return parse_bind(p, t);
	case KW_POLICY:
		return parse_policy(p, t);
	case KW_MARK:
	default:
		return parse_mark(p, t);
	}
}

/* Lex and parse one registered source. */
static bool parse_source(struct ast *ast, struct sfb_diag *d, const char *name,
			 size_t len, bool includes, unsigned int depth)
{
	struct parser p = {
		.ast = ast, .d = d, .path = includes ? name : NULL, .depth = depth,
	};
	bool ok = true;

	if (!sfb_lex(d, name, sfb_diag_source_text(d, name), len, &p.toks))
		return false;
	while (peek(&p)->type != TOK_EOF) {
		if (peek(&p)->type == TOK_NEWLINE || peek(&p)->type == TOK_SEMI) {
			next(&p);
			continue;
		}
		if (too_many_errors(&p)) {
			ok = false;
			break;
		}
		if (!top_statement(&p)) {
			ok = false;
			skip_statement(&p);
		}
	}
	sfb_tokens_free(&p.toks);
	return ok;
}

static void report_io(struct sfb_diag *d, const struct sfb_loc *at,
		      const char *path, const char *what)
{
	sfb_diag_report(d, SFB_ERROR, at, "cannot read '%s': %s", path, what);
}

/* Read a regular file of bounded size into a malloc'd buffer. */
static char *read_file(struct sfb_diag *d, const char *path,
		       const struct sfb_loc *at, struct stat *st, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0) {
		report_io(d, at, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, st) < 0) {
		report_io(d, at, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		report_io(d, at, path, "not a regular file");
		goto out;
	}
	if (st->st_size > SFB_MAX_FILE_SIZE) {
		sfb_diag_report(d, SFB_ERROR, at,
				"'%s' is too large (more than %u bytes)", path,
				SFB_MAX_FILE_SIZE);
		goto out;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		report_io(d, at, path, strerror(ENOMEM));
		goto out;
	}
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st->st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			report_io(d, at, path, n < 0 ? strerror(errno) : "file shrank");
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	close(fd);
	return buf;
}

static bool parse_path(struct ast *ast, struct sfb_diag *d, const char *path,
		       const struct sfb_loc *at, unsigned int depth)
{
	struct ast_file *f = NULL;
	const char *name;
	struct stat st;
	size_t len;
	char *text;
	bool ok;

	text = read_file(d, path, at, &st, &len);
	if (!text)
		return false;
	for (size_t i = 0; i < ast->n_files; i++) {
		if (ast->files[i].dev != st.st_dev || ast->files[i].ino != st.st_ino)
			continue;
		free(text);
		if (ast->files[i].open) {
			sfb_diag_report(d, SFB_ERROR, at,
					"include cycle: '%s' is already being read",
					path);
			return false;
		}
		/* Definitions are global: a second copy could only clash. */
		sfb_diag_report(d, SFB_NOTE, at, "'%s' is already included; skipped",
				path);
		return true;
	}
	if (ast->n_files == SFB_MAX_FILES) {
		free(text);
		sfb_diag_report(d, SFB_ERROR, at, "too many files (more than %d)",
				SFB_MAX_FILES);
		return false;
	}
	f = &ast->files[ast->n_files++];
	*f = (struct ast_file){ st.st_dev, st.st_ino, true };
	name = sfb_diag_add_source(d, path, text, len);
	free(text);
	ok = parse_source(ast, d, name, len, true, depth);
	f->open = false;
	return ok;
}

/* Standard input, of any kind (a pipe too), up to SFB_MAX_FILE_SIZE bytes. */
static char *read_stdin(struct sfb_diag *d, size_t *len)
{
	size_t cap = 0, got = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;

		if (got > SFB_MAX_FILE_SIZE) {
			sfb_diag_report(d, SFB_ERROR, NULL,
					"'%s' is too large (more than %u bytes)",
					SFB_STDIN_NAME, SFB_MAX_FILE_SIZE);
			break;
		}
		if (got == cap) {
			char *v;

			cap = cap ? 2 * cap : 65536;
			if (cap > SFB_MAX_FILE_SIZE + 1)
				cap = SFB_MAX_FILE_SIZE + 1;
			v = realloc(buf, cap);
			if (!v) {
				report_io(d, NULL, SFB_STDIN_NAME, strerror(ENOMEM));
				break;
			}
			buf = v;
		}
		n = read(STDIN_FILENO, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			report_io(d, NULL, SFB_STDIN_NAME, strerror(errno));
			break;
		}
		if (!n) {
			*len = got;
			return buf;
		}
		got += (size_t)n;
	}
	free(buf);
	return NULL;
}

static bool parse_stdin(struct ast *ast, struct sfb_diag *d)
{
	struct ast_file *f = &ast->files[ast->n_files++];
	const char *name;
	struct stat st;
	size_t len;
	char *text;
	bool ok;

	text = read_stdin(d, &len);
	if (!text)
		return false;
	/* A file of its own including itself is a cycle, as for any file. */
	if (fstat(STDIN_FILENO, &st) < 0)
		memset(&st, 0, sizeof(st));
	*f = (struct ast_file){ st.st_dev, st.st_ino, true };
	name = sfb_diag_add_source(d, SFB_STDIN_NAME, text, len);
	free(text);
	ok = parse_source(ast, d, name, len, true, 0);
	f->open = false;
	return ok;
}

bool sfb_parse_file(struct ast *ast, const char *path, struct sfb_diag *d)
{
	if (!strcmp(path, "-"))
		return parse_stdin(ast, d);
	return parse_path(ast, d, path, NULL, 0);
}

bool sfb_parse_buffer(struct ast *ast, const char *name, const char *buf,
		      size_t len, struct sfb_diag *d)
{
	if (len > SFB_MAX_FILE_SIZE) {
		sfb_diag_report(d, SFB_ERROR, NULL,
				"'%s' is too large (more than %u bytes)", name,
				SFB_MAX_FILE_SIZE);
		return false;
	}
	name = sfb_diag_add_source(d, name, buf, len);
	return parse_source(ast, d, name, len, false, 0);
}
