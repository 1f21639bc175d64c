// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl show: the loaded ruleset, as sfb.conf(5) text that check and load
 * accept (roles composed, so no "extends"; media by ports, notes gone), or
 * as JSON (json.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "dump.h"
#include "json.h"
#include "loaded.h"
#include "sfbctl.h"
#include "xfrm.h"

#define NAMEBUF 32

static void print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_role(FILE *f, const struct sfb_dump_role *role)
{
	char ports[16];

	fprintf(f, "\nrole %s ", role->name);
	print_quoted(f, role->description);
	fputs(" {\n", f);
	for (size_t i = 0; i < role->n_rules; i++) {
		const struct sfb_conf_rule *r = &role->rules[i];

		fprintf(f, "\t%s %s %s %s", r->class == SFB_CLASS_MEDIA ?
			"media" : "service", r->name, sfb_protos_name(r->protos),
			sfb_range_format(r->ports, ports, sizeof(ports)));
		/*
		 * The language wants a transport on services; the kernel
		 * keeps it optional.
		 */
		if (r->class != SFB_CLASS_MEDIA)
			fprintf(f, " %s", r->transport[0] ? r->transport :
				sfb_protos_name(r->protos));
		fputc('\n', f);
	}
	fputs("}\n", f);
}

/* One bind line per role, in role order. */
static void print_binds(FILE *f, const struct sfb_dump *rs)
{
	char buf[SFB_PREFIX_STRLEN];
	bool any = false;

	for (size_t i = 0; i < rs->n_roles; i++) {
		bool started = false;

		for (size_t k = 0; k < rs->n_binds; k++) {
			if (rs->binds[k].role != rs->roles[i].id)
				continue;
			if (!any)
				fputc('\n', f);
			if (!started)
				fprintf(f, "bind %s", rs->roles[i].name);
			any = true;
			started = true;
			fprintf(f, " %s", sfb_prefix_format(&rs->binds[k].prefix,
							    buf, sizeof(buf)));
		}
		if (started)
			fputc('\n', f);
	}
}

static const char *ports_text(struct sfb_range r, char *buf, size_t size)
{
	if (r.first == 0 && r.last == 65535)
		return "any";
	return sfb_range_format(r, buf, size);
}

static void print_exempt(FILE *f, const struct sfb_dump *rs,
			 const struct sfb_dump_exempt *e)
{
	char from[NAMEBUF], to[NAMEBUF], sport[16], dport[16];

	fprintf(f, "\nipsec-exempt %s {\n\tfrom %s\n\tto %s\n\tproto %s\n"
		   "\tsport %s\n\tdport %s\n}\n", e->name,
		e->from == SFB_DUMP_ANY_ROLE ? "any" :
		sfb_dump_role_name(rs, e->from, from, sizeof(from)),
		e->to == SFB_DUMP_ANY_ROLE ? "any" :
		sfb_dump_role_name(rs, e->to, to, sizeof(to)),
		sfb_protos_name(e->protos),
		ports_text(e->sport, sport, sizeof(sport)),
		ports_text(e->dport, dport, sizeof(dport)));
}

void sfb_dump_print_conf(const struct sfb_dump *rs, FILE *f)
{
	if (!rs->loaded)
		return;
	fprintf(f, "# %s, generation %" PRIu64 "\npolicy %s\n",
		rs->nft ? "table inet sfb (nft backend)" : "nf_sfb ruleset",
		rs->generation, sfb_policy_name(rs->mode));
	if (rs->log_rate)
		fprintf(f, "policy log-rate %u/s\n", rs->log_rate);
	if (rs->log_nflog || rs->log_prefix) {
		fputs("policy log", f);
		if (rs->log_nflog)
			fprintf(f, " group %u", rs->log_group);
		if (rs->log_prefix) {
			fputs(" prefix ", f);
			print_quoted(f, rs->log_prefix);
		}
		fputc('\n', f);
	}
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (rs->mark[c])
			fprintf(f, "mark %s 0x%x\n",
				sfb_class_name((enum sfb_class)c), rs->mark[c]);
	for (size_t i = 0; i < rs->n_roles; i++)
		print_role(f, &rs->roles[i]);
	print_binds(f, rs);
	for (size_t i = 0; i < rs->n_exempts; i++)
		print_exempt(f, rs, &rs->exempts[i]);
}

static json_t *json_role_ref(const struct sfb_dump *rs, uint32_t id)
{
	char buf[NAMEBUF];

	if (id == SFB_DUMP_ANY_ROLE)
		return json_null();
	return sfb_json_str(sfb_dump_role_name(rs, id, buf, sizeof(buf)));
}

static json_t *json_role(const struct sfb_dump_role *role)
{
	json_t *rules = json_array();

	for (size_t i = 0; i < role->n_rules; i++) {
		const struct sfb_conf_rule *r = &role->rules[i];

		json_t *o = json_pack("{s:o,s:s,s:o,s:o,s:o}",
				      "name", sfb_json_str(r->name),
				      "class", sfb_class_name(r->class),
				      "protocols", sfb_json_protos(r->protos),
				      "ports", sfb_json_range(r->ports),
				      "transport", sfb_json_str(r->transport));

		json_array_append_new(rules, o);
	}
	return json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)role->id,
			 "name", sfb_json_str(role->name),
			 "description", sfb_json_str(role->description),
			 "rules", rules);
}

static json_t *show_json(const struct sfb_dump *rs,
			 const struct sfb_xfrm_set *xfrm)
{
	char buf[SFB_PREFIX_STRLEN];
	json_t *roles, *binds, *exempts, *doc;

	if (!rs->loaded)
		return json_pack("{s:b,s:o}", "loaded", 0,
				 "xfrm_bypass", sfb_xfrm_json(xfrm));
	roles = json_array();
	for (size_t i = 0; i < rs->n_roles; i++)
		json_array_append_new(roles, json_role(&rs->roles[i]));
	binds = json_array();
	for (size_t i = 0; i < rs->n_binds; i++) {
		const struct sfb_prefix *pfx = &rs->binds[i].prefix;
		json_t *o = json_pack("{s:s,s:o}", "prefix",
				      sfb_prefix_format(pfx, buf, sizeof(buf)),
				      "role", json_role_ref(rs, rs->binds[i].role));

		json_array_append_new(binds, o);
	}
	exempts = json_array();
	for (size_t i = 0; i < rs->n_exempts; i++) {
		const struct sfb_dump_exempt *e = &rs->exempts[i];
		json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
				      "name", sfb_json_str(e->name),
				      "from", json_role_ref(rs, e->from),
				      "to", json_role_ref(rs, e->to),
				      "protocols", sfb_json_protos(e->protos),
				      "sport", sfb_json_range(e->sport),
				      "dport", sfb_json_range(e->dport));

		json_array_append_new(exempts, o);
	}
	doc = json_pack("{s:b,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o}",
			"loaded", 1, "backend", rs->nft ? "nft" : "module",
			"generation", sfb_json_uint(rs->generation),
			"policy", sfb_policy_name(rs->mode),
			"marks", sfb_json_marks(rs->mark), "roles", roles,
			"bindings", binds, "ipsec_exempt", exempts,
			"xfrm_bypass", sfb_xfrm_json(xfrm));
	if (rs->log_rate)
		json_object_set_new(doc, "log_rate", sfb_json_uint(rs->log_rate));
	if (rs->log_nflog)
		json_object_set_new(doc, "log_group", sfb_json_uint(rs->log_group));
	if (rs->log_prefix)
		json_object_set_new(doc, "log_prefix", sfb_json_str(rs->log_prefix));
	return doc;
}

int cmd_show(int argc, char *argv[])
{
	struct sfb_xfrm_set xfrm = { 0 };
	struct sfb_loaded l;
	int ret;

	if (sfbctl_json_opts_only(argc, argv) < 0)
		return usage_error("show");
	ret = sfb_loaded_find(&l);
	if (ret == SFBCTL_EXIT_OK && l.nl)
		ret = sfb_fetch(l.nl, &l.rs, NULL);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_xfrm_list(&xfrm);
	if (ret == SFBCTL_EXIT_OK) {
		if (sfb_json_enabled()) {
			sfb_json_emit(show_json(&l.rs, &xfrm));
		} else {
			if (!l.rs.loaded)	/* a comment: still a file to load */
				puts("# no ruleset is loaded");
			sfb_dump_print_conf(&l.rs, stdout);
			/* Comments: the output stays a file load accepts. */
			sfb_xfrm_print_conf(&xfrm, stdout);
		}
	}
	sfb_xfrm_set_free(&xfrm);
	sfb_loaded_free(&l);
	return ret;
}
