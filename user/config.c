// SPDX-License-Identifier: GPL-2.0
/*
 * From syntax tree to struct sfb_config: resolve names, compose roles along
 * "extends", and lint what composition reveals.
 *
 * Composition copies each base role's rules (bases first, in the order
 * written, then the role's own). A rule reached twice through a diamond is
 * the same rule and is kept once, silently. Two different rules of one
 * name and identical ports are a duplicate, merged with a warning; with
 * different ports they are an error. Rules of different names whose ports
 * overlap are both kept, with a note: the seed does that on purpose (443,
 * the media ranges), and the datapath opens the union anyway.
 */
#define _GNU_SOURCE		/* qsort_r */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "parse.h"
#include "rule_index.h"

/* Where a composed rule came from: an "extends" entry, or the role itself. */
#define VIA_OWN ((size_t)-1)

struct resolver {
	struct ast *ast;
	struct sfb_diag *d;
	struct sfb_config *cfg;
	struct sfb_arena *arena;	/* the config's */

	size_t n_roles;
	struct ast_role **aroles;	/* by role index, as are the next three */
	struct sfb_conf_role *roles;
	const char **role_names;
	const struct ast_rule ***keys;	/* the syntax behind each composed rule */
	size_t *by_name;		/* role indices sorted by name */
	size_t **bases;			/* direct bases, resolved */
	size_t *n_bases;
	unsigned int *stamp;		/* scratch, per role */

	struct sfb_media_range *media;
	const char **media_names;
	size_t n_media;

	size_t total_rules, total_bases;
	bool too_large;
};

const char *sfb_class_name(enum sfb_class class)
{
	static const char *const names[] = {
		[SFB_CLASS_SERVICE] = "service",
		[SFB_CLASS_MEDIA] = "media",
		[SFB_CLASS_EXEMPT] = "ipsec-exempt",
	};

	return class < SFB_CLASS_COUNT ? names[class] : "?";
}

const char *sfb_policy_name(enum sfb_mode mode)
{
	return mode == SFB_MODE_ENFORCE ? "enforce" : "monitor";
}

const char *sfb_protos_name(uint8_t protos)
{
	switch (protos & SFB_PROTO_ALL) {
	case SFB_PROTO_TCP:
		return "tcp";
	case SFB_PROTO_UDP:
		return "udp";
	case SFB_PROTO_ALL:
		return "tcp,udp";
	default:
		return "none";
	}
}

const char *sfb_range_format(struct sfb_range r, char *buf, size_t size)
{
	if (r.first == r.last)
		snprintf(buf, size, "%u", r.first);
	else
		snprintf(buf, size, "%u-%u", r.first, r.last);
	return buf;
}

const char *sfb_prefix_format(const struct sfb_prefix *p, char *buf,
			      size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, addr, sizeof(addr));
	snprintf(buf, size, "%s/%u", addr, p->len);
	return buf;
}

static void *scratch(struct resolver *r, size_t n, size_t size)
{
	return sfb_arena_array(r->ast->arena, n, size);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const char **names = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = strcmp(names[ia], names[ib]);

	/* Equal names stay in definition order: the first is the definition. */
	return c ? c : (ia > ib) - (ia < ib);
}

static long find_role(const struct resolver *r, const char *name)
{
	size_t lo = 0, hi = r->n_roles;

	/* The first of equal names, so a duplicate never shadows the original. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->role_names[r->by_name[mid]], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n_roles && !strcmp(r->role_names[r->by_name[lo]], name))
		return (long)r->by_name[lo];
	return -1;
}

static const struct sfb_conf_role *resolve_role(struct resolver *r,
						const struct ast_name *ref)
{
	long i = find_role(r, ref->name);

	if (i < 0) {
		sfb_diag_unknown(r->d, &ref->loc, "role", ref->name,
				 r->role_names, r->n_roles);
		return NULL;
	}
	return &r->roles[i];
}

static const struct sfb_media_range *find_media(const struct resolver *r,
						const char *name)
{
	for (size_t i = 0; i < r->n_media; i++)
		if (!strcmp(r->media[i].name, name))
			return &r->media[i];
	return NULL;
}

static const struct sfb_media_range *resolve_media(struct resolver *r,
						   const char *name,
						   const struct sfb_loc *loc)
{
	const struct sfb_media_range *m = find_media(r, name);

	if (!m)
		sfb_diag_unknown(r->d, loc, "media range", name, r->media_names,
				 r->n_media);
	return m;
}

/* Later "override media-range" statements replace earlier values, everywhere. */
static void collect_media(struct resolver *r)
{
	r->media = sfb_arena_array(r->arena, r->ast->n_media, sizeof(*r->media));
	r->media_names = scratch(r, r->ast->n_media, sizeof(char *));
	for (struct ast_media_range *am = r->ast->media; am; am = am->next) {
		struct sfb_media_range *m =
			(struct sfb_media_range *)find_media(r, am->name.name);

		if (am->override) {
			if (!m) {
				sfb_diag_unknown(r->d, &am->name.loc, "media range",
						 am->name.name, r->media_names,
						 r->n_media);
				continue;
			}
		} else if (m) {
			sfb_diag_report(r->d, SFB_ERROR, &am->name.loc,
					"media range '%s' is already defined; use 'override media-range' to replace it",
					am->name.name);
			sfb_diag_attach(r->d, &m->loc, "first defined here");
			continue;
		} else {
			m = &r->media[r->n_media];
			r->media_names[r->n_media++] = am->name.name;
			m->name = sfb_arena_strdup(r->arena, am->name.name);
			m->rows = sfb_arena_strdup(r->arena, am->rows);
		}
		m->ports = am->range;
		m->loc = am->name.loc;
	}
	r->cfg->media_ranges = r->media;
	r->cfg->n_media_ranges = r->n_media;
}

static void collect_roles(struct resolver *r)
{
	size_t i = 0;

	r->n_roles = r->ast->n_roles;
	r->roles = sfb_arena_array(r->arena, r->n_roles, sizeof(*r->roles));
	r->aroles = scratch(r, r->n_roles, sizeof(*r->aroles));
	r->role_names = scratch(r, r->n_roles, sizeof(char *));
	r->keys = scratch(r, r->n_roles, sizeof(*r->keys));
	r->by_name = scratch(r, r->n_roles, sizeof(size_t));
	r->bases = scratch(r, r->n_roles, sizeof(*r->bases));
	r->n_bases = scratch(r, r->n_roles, sizeof(size_t));
	r->stamp = scratch(r, r->n_roles, sizeof(unsigned int));
	for (struct ast_role *ar = r->ast->roles; ar; ar = ar->next, i++) {
		r->aroles[i] = ar;
		r->role_names[i] = ar->name.name;
		r->by_name[i] = i;
		r->roles[i].name = sfb_arena_strdup(r->arena, ar->name.name);
		r->roles[i].description = sfb_arena_strdup(r->arena, ar->description);
		r->roles[i].loc = ar->name.loc;
	}
	qsort_r(r->by_name, r->n_roles, sizeof(size_t), cmp_name, r->role_names);
	for (i = 1; i < r->n_roles; i++) {
		size_t prev = r->by_name[i - 1], cur = r->by_name[i];

		if (strcmp(r->role_names[prev], r->role_names[cur]))
			continue;
		sfb_diag_report(r->d, SFB_ERROR, &r->roles[cur].loc,
				"role '%s' is already defined", r->role_names[cur]);
		sfb_diag_attach(r->d, &r->roles[prev].loc, "first defined here");
	}
	r->cfg->roles = r->roles;
	r->cfg->n_roles = r->n_roles;
}

/* Resolve each role's "extends" list to role indices, dropping bad ones. */
static void resolve_extends(struct resolver *r)
{
	for (size_t i = 0; i < r->n_roles; i++) {
		struct ast_role *ar = r->aroles[i];
		size_t n = 0;

		r->bases[i] = scratch(r, ar->n_extends, sizeof(size_t));
		for (struct ast_extends *e = ar->extends; e; e = e->next) {
			long b = find_role(r, e->base.name);
			bool dup = false;

			if (b < 0) {
				resolve_role(r, &e->base);
				continue;
			}
			for (size_t k = 0; k < n; k++)
				dup |= r->bases[i][k] == (size_t)b;
			if (dup) {
				sfb_diag_report(r->d, SFB_ERROR, &e->base.loc,
						"role '%s' already extends '%s'",
						ar->name.name, e->base.name);
				continue;
			}
			r->bases[i][n++] = (size_t)b;
		}
		r->n_bases[i] = n;
	}
}

static const struct sfb_loc *extends_loc(const struct resolver *r, size_t role,
					 size_t via)
{
	for (const struct ast_extends *e = r->aroles[role]->extends; e; e = e->next)
		if (find_role(r, e->base.name) == (long)r->bases[role][via])
			return &e->base.loc;
	return &r->aroles[role]->name.loc;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t pa = (uintptr_t)*(const void *const *)a;
	uintptr_t pb = (uintptr_t)*(const void *const *)b;

	return (pa > pb) - (pa < pb);
}

bool sfb_role_is_a(const struct sfb_conf_role *role, const struct sfb_conf_role *base)
{
	if (role == base)
		return true;
	return bsearch(&base, role->bases, role->n_bases, sizeof(*role->bases),
		       cmp_ptr) != NULL;
}

/* The transitive bases of role @i, once its direct bases have theirs. */
static void close_bases(struct resolver *r, size_t i)
{
	struct sfb_conf_role *role = &r->roles[i];
	const struct sfb_conf_role **v;
	size_t cap = 0, n = 0;

	for (size_t k = 0; k < r->n_bases[i]; k++)
		cap += 1 + r->roles[r->bases[i][k]].n_bases;
	r->total_bases += cap;
	if (r->total_bases > SFB_MAX_CONF_RULES) {
		r->too_large = true;
		return;
	}
	v = sfb_arena_array(r->arena, cap, sizeof(*v));
	for (size_t k = 0; k < r->n_bases[i]; k++) {
		const struct sfb_conf_role *b = &r->roles[r->bases[i][k]];

		for (size_t j = 0; j <= b->n_bases; j++) {
			const struct sfb_conf_role *x = j ? b->bases[j - 1] : b;
			size_t xi = (size_t)(x - r->roles);

			if (r->stamp[xi] == i + 1)
				continue;
			r->stamp[xi] = (unsigned int)i + 1;
			v[n++] = x;
		}
	}
	qsort(v, n, sizeof(*v), cmp_ptr);
	role->bases = v;
	role->n_bases = n;
	v = sfb_arena_array(r->arena, r->n_bases[i], sizeof(*v));
	for (size_t k = 0; k < r->n_bases[i]; k++)
		v[k] = &r->roles[r->bases[i][k]];
	role->extends = v;
	role->n_extends = r->n_bases[i];
}

/* Was the pair already checked, when a direct base of @i was composed? */
static bool checked_in_base(const struct resolver *r, size_t i,
			    const struct sfb_conf_rule *a, const struct sfb_conf_rule *b)
{
	for (size_t k = 0; k < r->n_bases[i]; k++) {
		const struct sfb_conf_role *base = &r->roles[r->bases[i][k]];

		if (sfb_role_is_a(base, a->origin) && sfb_role_is_a(base, b->origin))
			return true;
	}
	return false;
}

static const char *describe(const struct sfb_conf_rule *rule, char *buf, size_t size)
{
	char ports[16];

	snprintf(buf, size, "%s '%s' (%s %s)", sfb_class_name(rule->class),
		 rule->name, sfb_protos_name(rule->protos),
		 sfb_range_format(rule->ports, ports, sizeof(ports)));
	return buf;
}

/* "a / b" for notes, "a,b" for transport tags: @b's parts not already in @a. */
static const char *join(struct resolver *r, const char *a, const char *b,
			const char *sep)
{
	size_t la = strlen(a), lb = strlen(b), sl = strlen(sep);
	char *out, *o;

	if (!lb)
		return a;
	if (!la)
		return b;
	out = sfb_arena_alloc(r->arena, la + sl * (lb + 1) + lb + 1);
	memcpy(out, a, la + 1);
	o = out + la;
	if (*sep == ',') {
		for (const char *p = b; *p; ) {
			size_t n = strcspn(p, ",");
			bool have = false;

			for (const char *q = a; *q; ) {
				size_t m = strcspn(q, ",");

				have |= m == n && !memcmp(p, q, n);
				q += m + (q[m] == ',');
			}
			if (!have)
				o += sprintf(o, ",%.*s", (int)n, p);
			p += n + (p[n] == ',');
		}
	} else if (strcmp(a, b)) {
		sprintf(o, "%s%s", sep, b);
	}
	return out;
}

/* The composed rules of the role being composed, with their index. */
struct composed {
	struct sfb_conf_rule *list;
	const struct ast_rule **keys;	/* the syntax behind each */
	size_t *via;			/* the "extends" entry, or VIA_OWN */
	size_t n;
	struct sfb_rule_index *index;
};

/*
 * Is list[@j] a rule that @rule, reached through "extends" entry @rule_via,
 * was already compared with when a base of role @i was composed?
 */
static bool met_before(const struct resolver *r, size_t i,
		       const struct composed *c, size_t j,
		       const struct sfb_conf_rule *rule, size_t rule_via)
{
	return rule_via != VIA_OWN &&
	       (c->via[j] == rule_via ||
		checked_in_base(r, i, &c->list[j], rule));
}

/*
 * Add @rule to role @i's list unless it duplicates a rule already there;
 * lint it against the rules it meets here for the first time.
 */
static void add_rule(struct resolver *r, size_t i, struct composed *c,
		     const struct sfb_conf_rule *rule, const struct ast_rule *key,
		     size_t rule_via)
{
	const struct sfb_loc *loc = rule_via == VIA_OWN ? &rule->loc :
				    extends_loc(r, i, rule_via);
	char msg[512], buf[160];
	size_t overlaps = 0, first = 0, len = 0, j;
	struct sfb_rule_overlaps it;

	for (j = sfb_rule_index_named(c->index, rule->name);
	     j != SFB_RULE_INDEX_END;
	     j = sfb_rule_index_next_named(c->index, j)) {
		struct sfb_conf_rule *a = &c->list[j];

		if (met_before(r, i, c, j, rule, rule_via))
			continue;
		if (a->class == rule->class && a->protos == rule->protos &&
		    a->ports.first == rule->ports.first &&
		    a->ports.last == rule->ports.last) {
			sfb_diag_report(r->d, SFB_WARNING, loc,
					"duplicate %s; merged into the first definition",
					describe(rule, buf, sizeof(buf)));
			a->transport = join(r, a->transport, rule->transport, ",");
			a->note = join(r, a->note, rule->note, " / ");
			a->rows = join(r, a->rows, rule->rows, ",");
		} else {
			sfb_diag_report(r->d, SFB_ERROR, loc,
					"'%s' is already defined in role '%s' as %s",
					rule->name, r->roles[i].name,
					describe(a, buf, sizeof(buf)));
		}
		sfb_diag_attach(r->d, &a->loc, "first defined here");
		return;
	}
	/* Once the message is full, further overlaps change nothing. */
	sfb_rule_overlaps_begin(&it, c->index, rule->class, rule->ports);
	while (len < sizeof(msg) &&
	       (j = sfb_rule_overlaps_next(&it)) != SFB_RULE_INDEX_END) {
		const struct sfb_conf_rule *a = &c->list[j];

		if (!(a->protos & rule->protos) ||
		    met_before(r, i, c, j, rule, rule_via))
			continue;
		if (!overlaps++) {
			first = j;
			len = (size_t)snprintf(msg, sizeof(msg), "%s overlaps ",
					       describe(rule, buf, sizeof(buf)));
		} else {
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, ", ");
		}
		if (len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s",
						describe(a, buf, sizeof(buf)));
	}
	if (overlaps) {
		sfb_diag_report(r->d, SFB_NOTE, loc, "%s", msg);
		sfb_diag_attach(r->d, &c->list[first].loc, "'%s' is defined here",
				c->list[first].name);
	}
	c->keys[c->n] = key;
	c->via[c->n] = rule_via;
	c->list[c->n] = *rule;
	sfb_rule_index_add(c->index, c->n++);
}

static bool own_rule(struct resolver *r, size_t i, const struct ast_rule *ar,
		     struct sfb_conf_rule *out)
{
	*out = (struct sfb_conf_rule){
		.name = sfb_arena_strdup(r->arena, ar->name.name),
		.class = ar->class,
		.protos = ar->protos,
		.ports = ar->ports.range,
		.transport = sfb_arena_strdup(r->arena, ar->transport),
		.note = sfb_arena_strdup(r->arena, ar->note),
		.rows = sfb_arena_strdup(r->arena, ar->rows),
		.origin = &r->roles[i],
		.loc = ar->name.loc,
	};
	if (ar->ports.kind == PORTS_MEDIA) {
		const struct sfb_media_range *m =
			resolve_media(r, ar->ports.media, &ar->ports.loc);

		if (!m)
			return false;
		out->ports = m->ports;
		out->media_range = m->name;
	}
	return true;
}

static void compose(struct resolver *r, size_t i)
{
	struct ast_role *ar = r->aroles[i];
	struct sfb_conf_role *role = &r->roles[i];
	struct composed c = { 0 };
	size_t cap = ar->n_rules;

	close_bases(r, i);
	for (size_t k = 0; k < r->n_bases[i]; k++)
		cap += r->roles[r->bases[i][k]].n_rules;
	if (r->too_large || cap > SFB_MAX_CONF_RULES) {
		r->too_large = true;
		return;
	}
	c.list = sfb_arena_array(r->arena, cap, sizeof(*c.list));
	c.keys = scratch(r, cap, sizeof(*c.keys));
	c.via = scratch(r, cap, sizeof(*c.via));
	c.index = sfb_rule_index_new(r->ast->arena, c.list, cap);
	for (size_t k = 0; k < r->n_bases[i]; k++) {
		size_t b = r->bases[i][k];

		for (size_t j = 0; j < r->roles[b].n_rules; j++) {
			const struct ast_rule *key = r->keys[b][j];

			/* The same rule through a second path: nothing new. */
			if (((struct ast_rule *)key)->stamp == i + 1)
				continue;
			((struct ast_rule *)key)->stamp = (unsigned int)i + 1;
			add_rule(r, i, &c, &r->roles[b].rules[j], key, k);
		}
	}
	for (struct ast_rule *a = ar->rules; a; a = a->next) {
		struct sfb_conf_rule rule;

		a->stamp = (unsigned int)i + 1;
		if (own_rule(r, i, a, &rule))
			add_rule(r, i, &c, &rule, a, VIA_OWN);
	}
	if (c.n > SFB_MAX_ROLE_RULES)
		sfb_diag_report(r->d, SFB_ERROR, &role->loc,
				"role '%s' has more than %d rules", role->name,
				SFB_MAX_ROLE_RULES);
	r->total_rules += c.n;
	if (r->total_rules > SFB_MAX_CONF_RULES)
		r->too_large = true;
	role->rules = c.list;
	role->n_rules = c.n;
	r->keys[i] = c.keys;
}

/* Report the cycle that role @start leads into, if not reported yet. */
static void report_cycle(struct resolver *r, size_t start, const size_t *indeg,
			 unsigned char *state, size_t *path)
{
	size_t n = 0, v = start, from;
	char msg[512];
	size_t len;

	while (!state[v]) {
		state[v] = 1;
		path[n++] = v;
		for (size_t k = 0; k < r->n_bases[v]; k++) {
			if (indeg[r->bases[v][k]]) {
				v = r->bases[v][k];
				break;
			}
		}
	}
	if (state[v] == 1) {
		for (from = 0; path[from] != v; from++)
			;
		len = (size_t)snprintf(msg, sizeof(msg), "%s", r->role_names[v]);
		for (size_t k = from + 1; k <= n && len < sizeof(msg); k++) {
			/* A long cycle reads fine as its start and its end. */
			if (k - from == 8 && n - k > 1) {
				len += (size_t)snprintf(msg + len, sizeof(msg) - len,
							" -> ...");
				k = n - 1;
			}
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						" -> %s",
						r->role_names[k < n ? path[k] : v]);
		}
		sfb_diag_report(r->d, SFB_ERROR, &r->roles[v].loc,
				"role '%s' extends itself (%s)", r->role_names[v],
				msg);
	}
	for (size_t k = 0; k < n; k++)
		state[path[k]] = 2;
}

/* Compose bases before the roles that extend them (Kahn's algorithm). */
static void compose_all(struct resolver *r)
{
	size_t n = r->n_roles, head = 0, tail = 0;
	size_t *indeg = scratch(r, n, sizeof(size_t));
	size_t *queue = scratch(r, n, sizeof(size_t));
	size_t *user_start = scratch(r, n + 1, sizeof(size_t));
	size_t *users, *fill = scratch(r, n, sizeof(size_t));
	unsigned char *state;

	for (size_t i = 0; i < n; i++) {
		indeg[i] = r->n_bases[i];
		for (size_t k = 0; k < r->n_bases[i]; k++)
			user_start[r->bases[i][k] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		user_start[i + 1] += user_start[i];
	users = scratch(r, user_start[n], sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r->n_bases[i]; k++) {
			size_t b = r->bases[i][k];

			users[user_start[b] + fill[b]++] = i;
		}
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail && !r->too_large) {
		size_t i = queue[head++];

		compose(r, i);
		for (size_t u = user_start[i]; u < user_start[i + 1]; u++)
			if (!--indeg[users[u]])
				queue[tail++] = users[u];
	}
	if (r->too_large) {
		sfb_diag_report(r->d, SFB_ERROR, NULL,
				"configuration too large (more than %u rules or bases after composition)",
				SFB_MAX_CONF_RULES);
		return;
	}
	/* The queue is free again: it holds the path while looking for cycles. */
	state = scratch(r, n, 1);
	for (size_t i = 0; i < n; i++)
		if (indeg[i] && !state[i])
			report_cycle(r, i, indeg, state, queue);
}

static void resolve_ports(struct resolver *r, const struct ast_ports *p,
			  struct sfb_range *range, const char **media)
{
	*range = p->range;
	*media = NULL;
	if (p->kind == PORTS_MEDIA) {
		const struct sfb_media_range *m = resolve_media(r, p->media, &p->loc);

		if (m) {
			*range = m->ports;
			*media = m->name;
		}
	}
}

static bool range_is_any(struct sfb_range r)
{
	return !r.first && r.last == 65535;
}

/*
 * nf_sfb tests one side of a flow per rule (one bit test per side), and
 * refuses a rule that constrains both (EOPNOTSUPP).
 */
static void one_side(struct resolver *r, const struct ast_exempt *ae,
		     const struct sfb_ipsec_exempt *e)
{
	const struct sfb_loc *src = e->from ? &ae->from.loc :
				    !range_is_any(e->sport) ? &ae->sport.loc : NULL;
	const struct sfb_loc *dst = e->to ? &ae->to.loc :
				    !range_is_any(e->dport) ? &ae->dport.loc : NULL;

	if (!src || !dst)
		return;
	sfb_diag_report(r->d, SFB_ERROR, dst,
			"ipsec-exempt '%s' constrains both the source and the destination; nf_sfb takes one side only (from/sport or to/dport)",
			e->name);
	sfb_diag_attach(r->d, src, "the source is constrained here");
}

static void collect_exempts(struct resolver *r)
{
	struct sfb_ipsec_exempt *v =
		sfb_arena_array(r->arena, r->ast->n_exempts, sizeof(*v));
	size_t n = 0;

	for (struct ast_exempt *ae = r->ast->exempts; ae; ae = ae->next) {
		struct sfb_ipsec_exempt *e = &v[n];

		for (size_t j = 0; j < n; j++) {
			if (strcmp(v[j].name, ae->name.name))
				continue;
			sfb_diag_report(r->d, SFB_ERROR, &ae->name.loc,
					"ipsec-exempt '%s' is already defined",
					ae->name.name);
			sfb_diag_attach(r->d, &v[j].loc, "first defined here");
			break;
		}
		e->name = sfb_arena_strdup(r->arena, ae->name.name);
		e->protos = ae->protos;
		e->rows = sfb_arena_strdup(r->arena, ae->rows);
		e->loc = ae->name.loc;
		if (ae->from.name)
			e->from = resolve_role(r, &ae->from);
		if (ae->to.name)
			e->to = resolve_role(r, &ae->to);
		resolve_ports(r, &ae->sport, &e->sport, &e->sport_media);
		resolve_ports(r, &ae->dport, &e->dport, &e->dport_media);
		one_side(r, ae, e);
		n++;
	}
	r->cfg->exempts = v;
	r->cfg->n_exempts = n;
}

static void collect_bindings(struct resolver *r)
{
	struct sfb_binding *v =
		sfb_arena_array(r->arena, r->ast->n_binds, sizeof(*v));
	size_t n = 0;

	for (struct ast_bind *ab = r->ast->binds; ab; ab = ab->next, n++) {
		struct sfb_prefix *prefixes;
		struct sfb_loc *locs;
		char (*ifaces)[SFB_IFNAMSIZ];
		size_t k = 0;

		v[n].role = resolve_role(r, &ab->role);
		v[n].loc = ab->loc;
		prefixes = sfb_arena_array(r->arena, ab->n_prefixes, sizeof(*prefixes));
		locs = sfb_arena_array(r->arena, ab->n_prefixes, sizeof(*locs));
		for (struct ast_prefix *p = ab->prefixes; p; p = p->next) {
			locs[k] = p->loc;
			prefixes[k++] = p->prefix;
		}
		ifaces = sfb_arena_array(r->arena, ab->n_ifaces, sizeof(*ifaces));
		k = 0;
		for (struct ast_iface *f = ab->ifaces; f; f = f->next)
			memcpy(ifaces[k++], f->name, SFB_IFNAMSIZ);
		v[n].prefixes = prefixes;
		v[n].prefix_locs = locs;
		v[n].n_prefixes = ab->n_prefixes;
		v[n].ifaces = (const char (*)[SFB_IFNAMSIZ])ifaces;
		v[n].n_ifaces = ab->n_ifaces;
		v[n].iface_loc = ab->iface_loc;
	}
	r->cfg->bindings = v;
	r->cfg->n_bindings = n;
}

/* A bound prefix, for the overlap lint. */
struct bound {
	const struct sfb_binding *b;
	size_t k;		/* b->prefixes[k] */
};

static const struct sfb_prefix *bound_prefix(const struct bound *x)
{
	return &x->b->prefixes[x->k];
}

/* Family, then address, then shorter first, then statement order. */
static int cmp_bound(const void *pa, const void *pb)
{
	const struct bound *a = pa, *b = pb;
	const struct sfb_prefix *p = bound_prefix(a), *q = bound_prefix(b);
	int c;

	if (p->family != q->family)
		return p->family < q->family ? -1 : 1;
	c = memcmp(p->addr, q->addr, sizeof(p->addr));
	if (c)
		return c;
	if (p->len != q->len)
		return p->len < q->len ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->k > b->k) - (a->k < b->k);
}

static bool prefix_contains(const struct sfb_prefix *p, const struct sfb_prefix *q)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != q->family || p->len > q->len ||
	    memcmp(p->addr, q->addr, full))
		return false;
	return !rest || !((p->addr[full] ^ q->addr[full]) & (0xff00 >> rest));
}

/*
 * An address holds the roles of every prefix that contains it. Binding a
 * role to addresses it already holds is a duplicate; prefixes of two roles
 * (neither extending the other) that overlap give the addresses in both
 * the union of their ports, which deserves a word. Prefixes are nested or
 * disjoint, so in address order the prefixes containing one are the stack
 * of those before it that still contain it.
 */
static void lint_bindings(struct resolver *r)
{
	const struct sfb_config *cfg = r->cfg;
	struct bound *v, **stack;
	size_t n = 0, depth = 0;
	char a[SFB_PREFIX_STRLEN], b[SFB_PREFIX_STRLEN];

	for (size_t i = 0; i < cfg->n_bindings; i++)
		n += cfg->bindings[i].n_prefixes;
	v = scratch(r, n, sizeof(*v));
	stack = scratch(r, n, sizeof(*stack));
	n = 0;
	for (size_t i = 0; i < cfg->n_bindings; i++)
		for (size_t k = 0; k < cfg->bindings[i].n_prefixes; k++)
			v[n++] = (struct bound){ &cfg->bindings[i], k };
	qsort(v, n, sizeof(*v), cmp_bound);
	for (size_t i = 0; i < n; i++) {
		const struct sfb_prefix *q = bound_prefix(&v[i]);
		const struct sfb_conf_role *role = v[i].b->role;
		const struct sfb_loc *loc = &v[i].b->prefix_locs[v[i].k];
		bool dup = false, told = false;

		while (depth && !prefix_contains(bound_prefix(stack[depth - 1]), q))
			depth--;
		for (size_t s = depth; s-- && !dup && !told; ) {
			const struct bound *o = stack[s];
			const struct sfb_conf_role *other = o->b->role;

			sfb_prefix_format(bound_prefix(o), b, sizeof(b));
			if (other == role) {
				dup = true;
				sfb_diag_report(r->d, SFB_WARNING, loc,
						"role '%s' is already bound to %s",
						role->name, b);
			} else if (!sfb_role_is_a(role, other) &&
				   !sfb_role_is_a(other, role)) {
				told = true;
				sfb_diag_report(r->d, SFB_NOTE, loc,
						"%s of role '%s' overlaps %s of role '%s': hosts in it hold the ports of both roles",
						sfb_prefix_format(q, a, sizeof(a)),
						role->name, b, other->name);
			} else {
				continue;
			}
			sfb_diag_attach(r->d, &o->b->prefix_locs[o->k],
					"bound here");
		}
		/* A duplicate adds nothing the stack does not hold already. */
		if (!dup)
			stack[depth++] = &v[i];
	}
}

/* Does ipsec-exempt rule @e apply to hosts holding @role? */
static bool exempt_applies(const struct sfb_ipsec_exempt *e,
			   const struct sfb_conf_role *role)
{
	return (!e->from && !e->to) ||
	       (e->from && sfb_role_is_a(role, e->from)) ||
	       (e->to && sfb_role_is_a(role, e->to));
}

/*
 * Without the ipsec-exempt mark, sfbctl installs no xfrm bypass: exempt
 * flows of bound hosts go through IPsec like any other. Said once, at the
 * first binding concerned (the rules are usually the catalogue's).
 */
static void lint_exempt_mark(struct resolver *r)
{
	const struct sfb_config *cfg = r->cfg;

	if (cfg->mark[SFB_CLASS_EXEMPT])
		return;
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		const struct sfb_binding *b = &cfg->bindings[i];

		for (size_t j = 0; j < cfg->n_exempts; j++) {
			const struct sfb_ipsec_exempt *e = &cfg->exempts[j];

			if (!exempt_applies(e, b->role))
				continue;
			sfb_diag_report(r->d, SFB_WARNING, &b->loc,
					"ipsec-exempt rules apply to role '%s', but no 'mark ipsec-exempt' is set: nothing will bypass IPsec",
					b->role->name);
			sfb_diag_attach(r->d, &e->loc, "'%s' is one of them",
					e->name);
			return;
		}
	}
}

/* Classes must be told apart by their mark bits, or the marks mean nothing. */
static void collect_policy(struct resolver *r)
{
	const struct ast_setting *mark = r->ast->mark;

	r->cfg->mode = r->ast->policy.set ? (enum sfb_mode)r->ast->policy.value
					  : SFB_MODE_MONITOR;
	r->cfg->log_rate = r->ast->log_rate.value;
	r->cfg->log_nflog = r->ast->log_group.set;
	r->cfg->log_group = (uint16_t)r->ast->log_group.value;
	if (r->ast->log_prefix.set)
		r->cfg->log_prefix = sfb_arena_strdup(r->arena,
						      r->ast->log_prefix_text);
	for (int c = 0; c < SFB_CLASS_COUNT; c++) {
		r->cfg->mark[c] = mark[c].value;
		for (int o = 0; o < c; o++) {
			if (!(mark[c].value & mark[o].value))
				continue;
			sfb_diag_report(r->d, SFB_ERROR, &mark[c].loc,
					"mark 0x%x of class '%s' shares bits with the mark of class '%s' (0x%x)",
					mark[c].value, sfb_class_name((enum sfb_class)c),
					sfb_class_name((enum sfb_class)o), mark[o].value);
			sfb_diag_attach(r->d, &mark[o].loc, "set here");
		}
	}
}

static struct sfb_config *resolve(struct ast *ast, bool parsed,
				  struct sfb_diag *d)
{
	struct resolver r = { .ast = ast, .d = d };

	/* Resolving after a syntax error would only add echoes of it. */
	if (!parsed || sfb_diag_count(d, SFB_ERROR)) {
		ast_release(ast);
		return NULL;
	}
	r.arena = sfb_arena_new();
	r.cfg = sfb_arena_alloc(r.arena, sizeof(*r.cfg));
	r.cfg->arena = r.arena;
	collect_media(&r);
	collect_roles(&r);
	resolve_extends(&r);
	compose_all(&r);
	collect_exempts(&r);
	collect_bindings(&r);
	collect_policy(&r);
	/* Lint over resolved names only: an unknown role leaves NULL behind. */
	if (!sfb_diag_count(d, SFB_ERROR)) {
		lint_bindings(&r);
		lint_exempt_mark(&r);
	}
	ast_release(ast);
	if (sfb_diag_count(d, SFB_ERROR)) {
		sfb_config_free(r.cfg);
		return NULL;
	}
	return r.cfg;
}

struct sfb_config *sfb_config_load(const char *path, struct sfb_diag *d)
{
	struct ast ast;

	ast_init(&ast);
	return resolve(&ast, sfb_parse_file(&ast, path, d), d);
}

struct sfb_config *sfb_config_parse(const char *name, const char *buf,
				    size_t len, struct sfb_diag *d)
{
	struct ast ast;

	ast_init(&ast);
	return resolve(&ast, sfb_parse_buffer(&ast, name, buf, len, d), d);
}

const char *sfb_config_file_name(const char *path)
{
	return strcmp(path, "-") ? path : SFB_STDIN_NAME;
}

void sfb_config_free(struct sfb_config *cfg)
{
	if (cfg)
		sfb_arena_free(cfg->arena);
}

const struct sfb_conf_role *sfb_config_role(const struct sfb_config *cfg,
					    const char *name)
{
	for (size_t i = 0; i < cfg->n_roles; i++)
		if (!strcmp(cfg->roles[i].name, name))
			return &cfg->roles[i];
	return NULL;
}
