// SPDX-License-Identifier: GPL-2.0
/*
 * struct sfb_config to an nf_sfb load transaction; see compile.h.
 *
 * Lists that may outgrow a message (a role's rules, a bind's prefixes) are
 * written item by item with libmnl's bounded puts; when an item does not
 * fit, the message is closed and a new one opened with the same header
 * attributes (a role's id and name), which the kernel accumulates.
 */
#include <string.h>
#include <sys/socket.h>

#include "arena.h"
#include "compile.h"
#include "hash.h"

struct compiler;

/* A message of a list: how to (re)open it, and where it comes from. */
struct list_msg {
	void (*open)(struct compiler *c, struct list_msg *lm);
	const struct sfb_conf_role *role;	/* open_role's */
	struct sfb_loc loc;
	bool first;			/* the first message of its list */
};

/*
 * A (role, prefix) pair already sent: sending it twice means nothing. They
 * are kept in a hash table (prefix NULL: a free slot), at most half full.
 */
struct bind_pair {
	uint32_t id;
	const struct sfb_prefix *prefix;
};

struct compiler {
	const struct sfb_config *cfg;
	const struct sfb_limits *lim;
	struct sfb_diag *d;
	struct sfb_txn *txn;
	struct sfb_role_ids ids;
	size_t n_rules;
	struct bind_pair *pairs;
	size_t n_pairs, cap_pairs;
	struct nlmsghdr *nlh;	/* being built, in buf */
	struct nlattr *nests[2];	/* open nests, outermost first */
	unsigned int n_nests;
	char buf[SFB_TXN_MSG_MAX];
};

const struct sfb_limits sfb_builtin_limits = {
	.roles = SFB_MAX_ROLES,
	.services = SFB_MAX_RULES,
	.bindings = SFB_MAX_BINDINGS,
	.exemptions = SFB_MAX_EXEMPTIONS,
};

static uint32_t role_id(const struct compiler *c, const struct sfb_conf_role *role)
{
	return c->ids.id[role - c->cfg->roles];
}

static void msg_start(struct compiler *c, uint8_t cmd)
{
	struct genlmsghdr *genl;

	c->nlh = mnl_nlmsg_put_header(c->buf);
	genl = mnl_nlmsg_put_extra_header(c->nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = SFB_GENL_VERSION;
	c->n_nests = 0;
}

static void open_nest(struct compiler *c, uint16_t type)
{
	c->nests[c->n_nests++] = mnl_attr_nest_start(c->nlh, type);
}

static void msg_end(struct compiler *c, const struct sfb_loc *loc)
{
	struct sfb_txn *txn = c->txn;
	struct sfb_txn_msg *m;

	while (c->n_nests)
		mnl_attr_nest_end(c->nlh, c->nests[--c->n_nests]);
	txn->msgs = sfb_arena_grow(txn->arena, txn->msgs, txn->n, &txn->cap,
				   sizeof(*txn->msgs));
	m = &txn->msgs[txn->n++];
	m->nlh = sfb_arena_alloc(txn->arena, c->nlh->nlmsg_len);
	memcpy(m->nlh, c->nlh, c->nlh->nlmsg_len);
	m->loc = loc ? *loc : (struct sfb_loc){ 0 };
	m->seq = 0;
}

/*
 * Put one list item with @put, which must leave the message as it was when
 * the item does not fit; then the message goes and the list continues in
 * a new one.
 */
static void put_item(struct compiler *c, struct list_msg *lm,
		     bool (*put)(struct nlmsghdr *nlh, const void *item,
				 uint32_t arg),
		     const void *item, uint32_t arg)
{
	if (put(c->nlh, item, arg))
		return;
	msg_end(c, &lm->loc);
	lm->first = false;
	lm->open(c, lm);
	put(c->nlh, item, arg);	/* an item always fits an empty message */
}

static bool put_rule(struct nlmsghdr *nlh, const void *item, uint32_t unused)
{
	const struct sfb_conf_rule *r = item;
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, SFB_TXN_MSG_MAX, SFB_RULES_A_RULE);

	(void)unused;
	if (!nest)
		return false;
	if (!mnl_attr_put_strz_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_NAME, r->name) ||
	    !mnl_attr_put_u8_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_CLASS, r->class) ||
	    !mnl_attr_put_u8_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_PROTOS, r->protos) ||
	    !mnl_attr_put_u16_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_PORT_FIRST, r->ports.first) ||
	    !mnl_attr_put_u16_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_PORT_LAST, r->ports.last) ||
	    (r->transport[0] &&
	     !mnl_attr_put_strz_check(nlh, SFB_TXN_MSG_MAX, SFB_RULE_A_TRANSPORT, r->transport))) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool put_bind(struct nlmsghdr *nlh, const void *item, uint32_t id)
{
	const struct sfb_prefix *p = item;
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, SFB_TXN_MSG_MAX, SFB_BINDS_A_BIND);

	if (!nest)
		return false;
	if (!mnl_attr_put_u32_check(nlh, SFB_TXN_MSG_MAX, SFB_BIND_A_ROLE, id) ||
	    !mnl_attr_put_check(nlh, SFB_TXN_MSG_MAX, SFB_BIND_A_ADDR,
				p->family == AF_INET ? 4 : 16, p->addr) ||
	    !mnl_attr_put_u8_check(nlh, SFB_TXN_MSG_MAX, SFB_BIND_A_PREFIXLEN, p->len)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static void open_role(struct compiler *c, struct list_msg *lm)
{
	const struct sfb_conf_role *role = lm->role;

	msg_start(c, SFB_CMD_LOAD_ROLE);
	open_nest(c, SFB_A_ROLE);
	mnl_attr_put_u32(c->nlh, SFB_ROLE_A_ID, role_id(c, role));
	mnl_attr_put_strz(c->nlh, SFB_ROLE_A_NAME, role->name);
	/* The kernel keeps the description for show; once is enough. */
	if (lm->first && role->description[0])
		mnl_attr_put_strz(c->nlh, SFB_ROLE_A_DESCRIPTION,
				  role->description);
	if (role->n_rules)
		open_nest(c, SFB_ROLE_A_RULES);
}

static void open_binds(struct compiler *c, struct list_msg *lm)
{
	(void)lm;
	msg_start(c, SFB_CMD_LOAD_BIND);
	open_nest(c, SFB_A_BINDS);
}

/* Strings the kernel bounds: better said here, at the line, than by it. */
static bool fits(struct compiler *c, const char *s, size_t max,
		 const struct sfb_loc *loc, const char *what)
{
	size_t len = strlen(s);

	if (len < max)
		return true;
	sfb_diag_report(c->d, SFB_ERROR, loc,
			"%s is %zu bytes long; nf_sfb takes at most %zu", what,
			len, max - 1);
	return false;
}

/*
 * Is @count, after an item added @added to it, within @limit (0: none)?
 * Reported once, at the item that crosses the limit.
 */
static bool within(struct compiler *c, size_t count, size_t added,
		   uint32_t limit, const struct sfb_loc *loc, const char *what)
{
	if (!limit || count <= limit)
		return true;
	if (count - added <= limit)
		sfb_diag_report(c->d, SFB_ERROR, loc,
				"too many %s: nf_sfb holds at most %u", what,
				limit);
	return false;
}

static void compile_role(struct compiler *c, const struct sfb_conf_role *role)
{
	struct list_msg lm = { .open = open_role, .role = role,
			       .loc = role->loc, .first = true };
	unsigned int errors = sfb_diag_count(c->d, SFB_ERROR);

	/* Names and descriptions are bounded by the parser; see parse.c. */
	for (size_t i = 0; i < role->n_rules; i++)
		fits(c, role->rules[i].transport, SFB_NAME_MAX,
		     &role->rules[i].loc, "transport");
	c->n_rules += role->n_rules;
	within(c, c->n_rules, role->n_rules, c->lim ? c->lim->services : 0,
	       &role->loc, "rules in the roles to load");
	within(c, role_id(c, role) + 1, 1, c->lim ? c->lim->roles : 0,
	       &role->loc, "roles to load");
	if (sfb_diag_count(c->d, SFB_ERROR) != errors)
		return;
	open_role(c, &lm);
	for (size_t i = 0; i < role->n_rules; i++)
		put_item(c, &lm, put_rule, &role->rules[i], 0);
	msg_end(c, &lm.loc);
}

static bool same_prefix(const struct sfb_prefix *a, const struct sfb_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The slot of pair (@id, @p) in @pairs, or the free slot it would take. */
static struct bind_pair *find_pair(struct bind_pair *pairs, size_t cap,
				   uint32_t id, const struct sfb_prefix *p)
{
	uint32_t h = sfb_hash(SFB_HASH_INIT, &id, sizeof(id));
	size_t i;

	h = sfb_hash(h, &p->family, sizeof(p->family));
	h = sfb_hash(h, p->addr, sizeof(p->addr));
	for (i = sfb_hash(h, &p->len, sizeof(p->len)) & (cap - 1);
	     pairs[i].prefix; i = (i + 1) & (cap - 1))
		if (pairs[i].id == id && same_prefix(pairs[i].prefix, p))
			break;
	return &pairs[i];
}

/* Record (id, prefix) and say whether it is new. */
static bool new_pair(struct compiler *c, uint32_t id, const struct sfb_prefix *p)
{
	struct bind_pair *slot;

	if (2 * (c->n_pairs + 1) > c->cap_pairs) {
		size_t cap = c->cap_pairs ? 2 * c->cap_pairs : 64;
		struct bind_pair *v = sfb_arena_array(c->txn->arena, cap,
						      sizeof(*v));

		/* The old table is left to the arena. */
		for (size_t i = 0; i < c->cap_pairs; i++)
			if (c->pairs[i].prefix)
				*find_pair(v, cap, c->pairs[i].id,
					   c->pairs[i].prefix) = c->pairs[i];
		c->pairs = v;
		c->cap_pairs = cap;
	}
	slot = find_pair(c->pairs, c->cap_pairs, id, p);
	if (slot->prefix)
		return false;
	*slot = (struct bind_pair){ id, p };
	c->n_pairs++;
	return true;
}

static void bind_role(struct compiler *c, struct list_msg *lm,
		      const struct sfb_binding *b, const struct sfb_conf_role *role)
{
	uint32_t id = role_id(c, role);

	for (size_t k = 0; k < b->n_prefixes; k++)
		if (new_pair(c, id, &b->prefixes[k]) &&
		    within(c, c->n_pairs, 1, c->lim ? c->lim->bindings : 0,
			   &b->loc, "bound prefixes"))
			put_item(c, lm, put_bind, &b->prefixes[k], id);
}

static void compile_binding(struct compiler *c, const struct sfb_binding *b)
{
	struct list_msg lm = { .open = open_binds, .loc = b->loc, .first = true };

	if (!b->n_prefixes) {
		sfb_diag_report(c->d, SFB_ERROR, &b->loc,
				"interface-only bindings are not supported by nf_sfb yet; bind addresses");
		return;
	}
	if (b->n_ifaces)
		sfb_diag_report(c->d, SFB_WARNING, &b->iface_loc,
				"'iface' is not used by the kernel datapath (classification is by address)");
	open_binds(c, &lm);
	bind_role(c, &lm, b, b->role);
	for (size_t i = 0; i < c->cfg->n_roles; i++)
		if (sfb_binding_also_holds(c->cfg, &c->ids, b, i))
			bind_role(c, &lm, b, &c->cfg->roles[i]);
	msg_end(c, &lm.loc);
}

static void compile_exempt(struct compiler *c, const struct sfb_ipsec_exempt *e,
			   size_t n)
{
	struct nlattr *nest;

	if (!within(c, n, 1, c->lim ? c->lim->exemptions : 0, &e->loc,
		    "ipsec-exempt rules"))
		return;
	msg_start(c, SFB_CMD_LOAD_EXEMPT);
	open_nest(c, SFB_A_EXEMPTS);
	nest = mnl_attr_nest_start(c->nlh, SFB_EXEMPTS_A_EXEMPT);
	mnl_attr_put_strz(c->nlh, SFB_EXEMPT_A_NAME, e->name);
	if (e->from)
		mnl_attr_put_u32(c->nlh, SFB_EXEMPT_A_FROM_ROLE, role_id(c, e->from));
	if (e->to)
		mnl_attr_put_u32(c->nlh, SFB_EXEMPT_A_TO_ROLE, role_id(c, e->to));
	mnl_attr_put_u8(c->nlh, SFB_EXEMPT_A_PROTOS, e->protos);
	/* Absent ports mean any. */
	if (e->sport.first || e->sport.last != 65535) {
		mnl_attr_put_u16(c->nlh, SFB_EXEMPT_A_SPORT_FIRST, e->sport.first);
		mnl_attr_put_u16(c->nlh, SFB_EXEMPT_A_SPORT_LAST, e->sport.last);
	}
	if (e->dport.first || e->dport.last != 65535) {
		mnl_attr_put_u16(c->nlh, SFB_EXEMPT_A_DPORT_FIRST, e->dport.first);
		mnl_attr_put_u16(c->nlh, SFB_EXEMPT_A_DPORT_LAST, e->dport.last);
	}
	mnl_attr_nest_end(c->nlh, nest);
	msg_end(c, &e->loc);
}

static void compile_begin(struct compiler *c)
{
	const struct sfb_config *cfg = c->cfg;

	msg_start(c, SFB_CMD_LOAD_BEGIN);
	open_nest(c, SFB_A_POLICY);
	mnl_attr_put_u8(c->nlh, SFB_POLICY_A_MODE, cfg->mode);
	mnl_attr_put_u32(c->nlh, SFB_POLICY_A_MARK_SERVICE, cfg->mark[SFB_CLASS_SERVICE]);
	mnl_attr_put_u32(c->nlh, SFB_POLICY_A_MARK_MEDIA, cfg->mark[SFB_CLASS_MEDIA]);
	mnl_attr_put_u32(c->nlh, SFB_POLICY_A_MARK_EXEMPT, cfg->mark[SFB_CLASS_EXEMPT]);
	/* Only when set: a module older than them still takes the file. */
	if (cfg->log_rate)
		mnl_attr_put_u32(c->nlh, SFB_POLICY_A_LOG_RATE, cfg->log_rate);
	if (cfg->log_nflog)
		mnl_attr_put_u16(c->nlh, SFB_POLICY_A_LOG_GROUP, cfg->log_group);
	if (cfg->log_prefix)
		mnl_attr_put_strz(c->nlh, SFB_POLICY_A_LOG_PREFIX, cfg->log_prefix);
	msg_end(c, NULL);
}

void sfb_role_ids(const struct sfb_config *cfg, struct sfb_arena *a,
		  struct sfb_role_ids *ids)
{
	bool *bound = sfb_arena_array(a, cfg->n_roles, sizeof(*bound));

	ids->id = sfb_arena_array(a, cfg->n_roles, sizeof(*ids->id));
	ids->exempt_named = sfb_arena_array(a, cfg->n_roles,
					    sizeof(*ids->exempt_named));
	ids->role = sfb_arena_array(a, cfg->n_roles, sizeof(*ids->role));
	ids->n = 0;
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		if (cfg->exempts[i].from)
			ids->exempt_named[cfg->exempts[i].from - cfg->roles] = true;
		if (cfg->exempts[i].to)
			ids->exempt_named[cfg->exempts[i].to - cfg->roles] = true;
	}
	for (size_t i = 0; i < cfg->n_bindings; i++)
		bound[cfg->bindings[i].role - cfg->roles] = true;
	for (size_t i = 0; i < cfg->n_roles; i++) {
		ids->id[i] = SFB_NO_ROLE_ID;
		if (!bound[i] && !ids->exempt_named[i])
			continue;
		ids->id[i] = (uint32_t)ids->n;
		ids->role[ids->n++] = &cfg->roles[i];
	}
}

bool sfb_binding_also_holds(const struct sfb_config *cfg,
			    const struct sfb_role_ids *ids,
			    const struct sfb_binding *b, size_t i)
{
	return ids->exempt_named[i] && &cfg->roles[i] != b->role &&
	       sfb_role_is_a(b->role, &cfg->roles[i]);
}

bool sfb_compile(const struct sfb_config *cfg, const struct sfb_limits *lim,
		 bool check_only, struct sfb_diag *d, struct sfb_txn *txn)
{
	struct compiler *c;
	unsigned int errors = sfb_diag_count(d, SFB_ERROR);

	txn->arena = sfb_arena_new();
	c = sfb_arena_alloc(txn->arena, sizeof(*c));
	*c = (struct compiler){ .cfg = cfg, .lim = lim, .d = d, .txn = txn };
	sfb_role_ids(cfg, txn->arena, &c->ids);
	txn->roles = c->ids.role;
	txn->n_roles = c->ids.n;
	compile_begin(c);
	for (size_t i = 0; i < txn->n_roles; i++)
		compile_role(c, txn->roles[i]);
	for (size_t i = 0; i < cfg->n_bindings; i++)
		compile_binding(c, &cfg->bindings[i]);
	for (size_t i = 0; i < cfg->n_exempts; i++)
		compile_exempt(c, &cfg->exempts[i], i + 1);
	msg_start(c, SFB_CMD_LOAD_COMMIT);
	if (check_only)
		mnl_attr_put(c->nlh, SFB_A_CHECK_ONLY, 0, NULL);
	msg_end(c, NULL);
	return sfb_diag_count(d, SFB_ERROR) == errors;
}

void sfb_txn_free(struct sfb_txn *txn)
{
	if (txn->arena)
		sfb_arena_free(txn->arena);
	memset(txn, 0, sizeof(*txn));
}

const struct sfb_txn_msg *sfb_txn_find(const struct sfb_txn *txn, uint32_t seq)
{
	for (size_t i = 0; i < txn->n; i++)
		if (txn->msgs[i].seq == seq)
			return &txn->msgs[i];
	return NULL;
}
