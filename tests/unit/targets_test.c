// SPDX-License-Identifier: GPL-2.0
/*
 * The targets the nft export writes (user/targets.h) against the meaning
 * of the configuration, read straight from it: for seeded random site
 * files (roles that extend each other, overlapping IPv4 and IPv6 prefixes,
 * ipsec-exempt rules of either side), at random addresses and ports, the
 * target an address leads to must hold exactly the roles whose bindings
 * cover it (with the exempt-named roles they extend), each port list must
 * hold a port exactly when a rule of those roles does, and the target's
 * segments (what stats counts by) must be the runs of ports covered by the
 * same rules, with those rules' classes.
 *
 * Seed: fixed (printed); set SFB_SEED=N in the environment to try others.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "rng.h"
#include "targets.h"

#define CONFIGS	150
#define PROBES	400
#define NROLES	6

static const char *const protos[] = { "tcp", "udp", "tcp,udp" };

static void put_range(FILE *f)
{
	uint16_t first = (uint16_t)rnd(200), last = (uint16_t)(first + rnd(40));

	fprintf(f, first == last ? "%u" : "%u-%u", first, last);
}

/* A site: roles ro0..ro5 (ro3 extends ro1, ro4 extends ro3), binds, exempts. */
static char *random_site(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	fputs("policy enforce\nmark service 0x1\nmark media 0x2\nmark ipsec-exempt 0x4\n", f);
	for (int r = 0; r < NROLES; r++) {
		fprintf(f, "role ro%d \"role %d\" {\n", r, r);
		if (r == 3 || r == 4)
			fprintf(f, "\textends ro%d\n", r == 3 ? 1 : 3);
		for (uint32_t k = rnd(5); k; k--) {
			bool media = rnd(3) == 0;

			fprintf(f, "\t%s ro%d_r%u %s ", media ? "media" : "service", r, k,
				protos[rnd(3)]);
			put_range(f);
			fputs(media ? "\n" : " tcp\n", f);
		}
		fputs("}\n", f);
	}
	for (uint32_t k = rnd(9); k; k--) {
		fprintf(f, "bind ro%u", rnd(NROLES));
		for (uint32_t p = rnd(2) + 1; p; p--) {
			uint32_t len = 24 + rnd(9);
			uint32_t host = rnd(256) & ~((1u << (32 - len)) - 1) & 255;

			if (rnd(2))
				fprintf(f, " 10.0.0.%u/%u", host, len);
			else
				fprintf(f, " 2001:db8::%x/%u", host, len + 96);
		}
		fputs("\n", f);
	}
	for (uint32_t k = rnd(5); k; k--) {
		bool src = rnd(2);

		fprintf(f, "ipsec-exempt e%u {\n\tfrom ", k);
		src && rnd(3) ? fprintf(f, "ro%u", rnd(NROLES)) : fputs("any", f);
		fputs("; to ", f);
		!src && rnd(3) ? fprintf(f, "ro%u", rnd(NROLES)) : fputs("any", f);
		fprintf(f, "; proto %s; sport ", protos[rnd(3)]);
		src && rnd(2) ? put_range(f) : (void)fputs("any", f);
		fputs("; dport ", f);
		!src && rnd(2) ? put_range(f) : (void)fputs("any", f);
		fputs("\n}\n", f);
	}
	fclose(f);
	return buf;
}

static bool prefix_holds(const struct sfb_prefix *p, int family,
			 const uint8_t *addr)
{
	unsigned int bits = p->len;

	if (p->family != family)
		return false;
	for (unsigned int i = 0; i < bits; i++)
		if (((p->addr[i / 8] ^ addr[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static bool exempt_named(const struct sfb_config *cfg,
			 const struct sfb_conf_role *r)
{
	for (size_t i = 0; i < cfg->n_exempts; i++)
		if (cfg->exempts[i].from == r || cfg->exempts[i].to == r)
			return true;
	return false;
}

/* The model: does some binding covering @addr give it role @r? */
static bool holds(const struct sfb_config *cfg, const struct sfb_conf_role *r,
		  int family, const uint8_t *addr)
{
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		const struct sfb_binding *b = &cfg->bindings[i];

		if (b->role != r && !(exempt_named(cfg, r) && sfb_role_is_a(b->role, r)))
			continue;
		for (size_t k = 0; k < b->n_prefixes; k++)
			if (prefix_holds(&b->prefixes[k], family, addr))
				return true;
	}
	return false;
}

static bool in(struct sfb_range r, uint16_t port)
{
	return port >= r.first && port <= r.last;
}

/* The model: is @port in list @kind of an address holding roles @held? */
static bool model_has(const struct sfb_config *cfg, const bool *held,
		      enum sfb_port_kind kind, unsigned int pi, uint16_t port)
{
	for (size_t i = 0; i < cfg->n_roles; i++) {
		const struct sfb_conf_role *r = &cfg->roles[i];

		for (size_t k = 0; held[i] && k < r->n_rules; k++)
			if ((r->rules[k].protos & (1u << pi)) &&
			    in(r->rules[k].ports, port) &&
			    (kind == SFB_PORTS_OPEN || (int)kind == (int)r->rules[k].class))
				return true;
	}
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct sfb_ipsec_exempt *e = &cfg->exempts[i];
		bool src = e->from || e->sport.first || e->sport.last != 65535;

		if (!(e->protos & (1u << pi)))
			continue;
		if (kind == SFB_PORTS_EXEMPT_SPORT && src && e->from &&
		    held[e->from - cfg->roles] && in(e->sport, port))
			return true;
		if (kind == SFB_PORTS_EXEMPT_DPORT && !src && e->to &&
		    held[e->to - cfg->roles] && in(e->dport, port))
			return true;
	}
	return false;
}

/*
 * The rules of the classes that cover @port for an address holding roles
 * @held, as a fingerprint: equal for ports covered by the same rules.
 */
static uint64_t cover(const struct sfb_config *cfg, const bool *held,
		      unsigned int pi, uint16_t port)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < cfg->n_roles; i++)
		for (size_t k = 0; held[i] && k < cfg->roles[i].n_rules; k++)
			if ((cfg->roles[i].rules[k].protos & (1u << pi)) &&
			    in(cfg->roles[i].rules[k].ports, port))
				h = (h ^ (i << 16 | k)) * 1099511628211ull;
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct sfb_ipsec_exempt *e = &cfg->exempts[i];
		bool src = e->from || e->sport.first || e->sport.last != 65535;

		if ((e->protos & (1u << pi)) && !src && e->to &&
		    held[e->to - cfg->roles] && in(e->dport, port))
			h = (h ^ (1ull << 40 | i)) * 1099511628211ull;
	}
	return h;
}

/*
 * @tg's segments of protocol @pi: sorted and disjoint, each covered by
 * the same rules throughout and by other rules than an adjacent one, with
 * the classes of those rules; and @port is in one iff a class holds it.
 */
static int check_segments(struct __test_metadata *_metadata,
			  const struct sfb_config *cfg, const bool *held,
			  const struct sfb_target *tg, unsigned int pi,
			  uint16_t port)
{
	const struct sfb_segment *seg = tg->segs[pi];
	size_t n = tg->n_segs[pi];
	uint8_t classes = 0, found = 0;

	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (model_has(cfg, held, c, pi, port))
			classes |= 1u << c;
	for (size_t i = 0; i < n; i++) {
		ASSERT_LE(seg[i].ports.first, seg[i].ports.last);
		if (i)
			ASSERT_GT(seg[i].ports.first, seg[i - 1].ports.last);
		ASSERT_EQ(cover(cfg, held, pi, seg[i].ports.first),
			  cover(cfg, held, pi, seg[i].ports.last));
		if (i && seg[i].ports.first == seg[i - 1].ports.last + 1)
			ASSERT_NE(cover(cfg, held, pi, seg[i].ports.first),
				  cover(cfg, held, pi, seg[i - 1].ports.last));
		if (in(seg[i].ports, port)) {
			ASSERT_EQ(cover(cfg, held, pi, seg[i].ports.first),
				  cover(cfg, held, pi, port));
			found = seg[i].classes;
			ASSERT_NE(0, found);
		}
	}
	ASSERT_EQ(classes, found);
	return 0;
}

static bool list_has(const struct sfb_ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (in(p->r[i], port))
			return true;
	return false;
}

static const struct sfb_target *find(const struct sfb_targets *t, int family,
				     const uint8_t *addr)
{
	int fam = family == AF_INET ? SFB_FAM_IPV4 : SFB_FAM_IPV6;
	struct sfb_addr a = sfb_addr_from_bytes(addr, fam);
	int i;

	i = sfb_addrmap_find(t->spans[fam], (u32)t->n_spans[fam], &a);
	return i < 0 ? NULL : &t->t[t->spans[fam][i].target];
}

/* Sorted, disjoint and not adjacent: what an nft interval set takes. */
static bool well_formed(const struct sfb_ports *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->r[i].first > p->r[i].last ||
		    (i && p->r[i].first <= (uint32_t)p->r[i - 1].last + 1))
			return false;
	return true;
}

static int check_probe(struct __test_metadata *_metadata,
		       const struct sfb_config *cfg,
		       const struct sfb_targets *t)
{
	int family = rnd(2) ? AF_INET : AF_INET6;
	uint8_t addr[16] = { 0 };
	bool held[NROLES + 8] = { false }, any = false, enforce = false;
	const struct sfb_target *tg;

	if (family == AF_INET)
		memcpy(addr, (uint8_t[]){ 10, 0, 0, (uint8_t)rnd(256) }, 4);
	else
		memcpy(addr, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)rnd(256) }, 16);
	for (size_t i = 0; i < cfg->n_roles; i++) {
		held[i] = holds(cfg, &cfg->roles[i], family, addr);
		any |= held[i];
		enforce |= held[i] && cfg->roles[i].n_rules;
	}
	tg = find(t, family, addr);
	ASSERT_EQ(any, !!tg);
	if (!tg)
		return 0;
	for (size_t id = 0; id < t->ids.n; id++)
		ASSERT_EQ(held[t->ids.role[id] - cfg->roles],
			  !!(tg->roles & (1ull << id)));
	ASSERT_EQ(enforce, tg->enforce);
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		for (int k = 0; k < SFB_NPORT_KINDS; k++) {
			uint16_t port = (uint16_t)rnd(250);

			ASSERT_TRUE(well_formed(&tg->ports[pi][k]));
			ASSERT_EQ(model_has(cfg, held, k, pi, port),
				  list_has(&tg->ports[pi][k], port));
		}
		if (check_segments(_metadata, cfg, held, tg, pi,
				   (uint16_t)rnd(250)))
			return 1;
	}
	return 0;
}

/* Exempt rules of any role, by port alone. */
static int check_any(struct __test_metadata *_metadata,
		     const struct sfb_config *cfg, const struct sfb_targets *t)
{
	for (unsigned int pi = 0; pi < SFB_NPROTOS; pi++) {
		for (uint16_t port = 0; port < 250; port++) {
			bool d = false, s = false;

			for (size_t i = 0; i < cfg->n_exempts; i++) {
				const struct sfb_ipsec_exempt *e = &cfg->exempts[i];
				bool src = e->from || e->sport.first ||
					   e->sport.last != 65535;

				if (!(e->protos & (1u << pi)))
					continue;
				s |= src && !e->from && in(e->sport, port);
				d |= !src && !e->to && in(e->dport, port);
			}
			ASSERT_EQ(d, list_has(&t->any_dport[pi], port));
			ASSERT_EQ(s, list_has(&t->any_sport[pi], port));
		}
	}
	return 0;
}

TEST(random_sites)
{
	uint64_t seed = base_seed();
	size_t spans = 0, targets = 0;

	rng_state = seed ^ 0x7a29;
	TH_LOG("seed %#" PRIx64 " (SFB_SEED), %d sites, %d probes each", seed,
	       CONFIGS, PROBES);
	for (int c = 0; c < CONFIGS; c++) {
		struct sfb_diag *d = sfb_diag_new();
		struct sfb_targets t = { 0 };
		struct sfb_config *cfg;
		size_t len;
		char *text = random_site(&len), err[128];

		cfg = sfb_config_parse("site.conf", text, len, d);
		if (!cfg) {
			sfb_diag_print(d, stderr, false);
			TH_LOG("%s", text);
		}
		ASSERT_NE(NULL, cfg);
		ASSERT_TRUE(sfb_targets_build(cfg, &t, err, sizeof(err)));
		for (int p = 0; p < PROBES; p++)
			if (check_probe(_metadata, cfg, &t))
				return;
		if (check_any(_metadata, cfg, &t))
			return;
		spans += t.n_spans[0] + t.n_spans[1];
		targets += t.n;
		sfb_targets_free(&t);
		sfb_config_free(cfg);
		sfb_diag_free(d);
		free(text);
	}
	TH_LOG("%zu spans, %zu targets checked", spans, targets);
}

TEST_HARNESS_MAIN
