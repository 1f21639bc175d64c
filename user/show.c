// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl show: the loaded ruleset, as sfb.conf(5) text that check and load
 * accept (roles composed, so no "extends"; media by ports, notes gone), or
 * as JSON (schema in sfbctl(8)).
 */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "dump.h"
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

void sfb_json_protos(FILE *f, uint8_t protos)
{
	fprintf(f, "[%s%s%s]", protos & SFB_PROTO_TCP ? "\"tcp\"" : "",
		protos == SFB_PROTO_ALL ? "," : "",
		protos & SFB_PROTO_UDP ? "\"udp\"" : "");
}

static void json_range(FILE *f, const char *key, struct sfb_range r)
{
	fprintf(f, ",\"%s\":{\"first\":%u,\"last\":%u}", key, r.first, r.last);
}

static void json_role_ref(FILE *f, const struct sfb_dump *rs,
			  const char *key, uint32_t id)
{
	char buf[NAMEBUF];

	fprintf(f, ",\"%s\":", key);
	if (id == SFB_DUMP_ANY_ROLE)
		fputs("null", f);
	else
		sfb_json_string(f, sfb_dump_role_name(rs, id, buf, sizeof(buf)));
}

static void json_role(FILE *f, const struct sfb_dump_role *role)
{
	fprintf(f, "{\"id\":%u,\"name\":", role->id);
	sfb_json_string(f, role->name);
	fputs(",\"description\":", f);
	sfb_json_string(f, role->description);
	fputs(",\"rules\":[", f);
	for (size_t i = 0; i < role->n_rules; i++) {
		const struct sfb_conf_rule *r = &role->rules[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		sfb_json_string(f, r->name);
		fprintf(f, ",\"class\":\"%s\",\"protocols\":",
			sfb_class_name(r->class));
		sfb_json_protos(f, r->protos);
		json_range(f, "ports", r->ports);
		fputs(",\"transport\":", f);
		sfb_json_string(f, r->transport);
		fputc('}', f);
	}
	fputs("]}", f);
}

static void print_json(FILE *f, const struct sfb_dump *rs,
		       const struct sfb_xfrm_set *xfrm)
{
	char buf[SFB_PREFIX_STRLEN];

	if (!rs->loaded) {
		fputs("{\"loaded\":false,\"xfrm_bypass\":", f);
		sfb_xfrm_print_json(xfrm, f);
		fputs("}\n", f);
		return;
	}
	fprintf(f, "{\"loaded\":true,\"backend\":\"%s\",\"generation\":%" PRIu64
		   ",\"policy\":\"%s\",\"marks\":{", rs->nft ? "nft" : "module",
		rs->generation, sfb_policy_name(rs->mode));
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		fprintf(f, "%s\"%s\":%u", c ? "," : "",
			sfb_class_name((enum sfb_class)c), rs->mark[c]);
	fputs("},\"roles\":[", f);
	for (size_t i = 0; i < rs->n_roles; i++) {
		if (i)
			fputc(',', f);
		json_role(f, &rs->roles[i]);
	}
	fputs("],\"bindings\":[", f);
	for (size_t i = 0; i < rs->n_binds; i++) {
		/* json_role_ref() writes its own leading comma. */
		fputs(i ? ",{\"prefix\":" : "{\"prefix\":", f);
		sfb_json_string(f, sfb_prefix_format(&rs->binds[i].prefix, buf,
						     sizeof(buf)));
		json_role_ref(f, rs, "role", rs->binds[i].role);
		fputc('}', f);
	}
	fputs("],\"ipsec_exempt\":[", f);
	for (size_t i = 0; i < rs->n_exempts; i++) {
		const struct sfb_dump_exempt *e = &rs->exempts[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		sfb_json_string(f, e->name);
		json_role_ref(f, rs, "from", e->from);
		json_role_ref(f, rs, "to", e->to);
		fputs(",\"protocols\":", f);
		sfb_json_protos(f, e->protos);
		json_range(f, "sport", e->sport);
		json_range(f, "dport", e->dport);
		fputc('}', f);
	}
	fputs("],\"xfrm_bypass\":", f);
	sfb_xfrm_print_json(xfrm, f);
	fputs("}\n", f);
}

int cmd_show(int argc, char *argv[])
{
	struct sfb_xfrm_set xfrm = { 0 };
	struct sfb_loaded l;
	bool json;
	int ret;

	if (sfbctl_json_only(argc, argv, &json) < 0)
		return usage_error("show");
	ret = sfb_loaded_find(&l);
	if (ret == SFBCTL_EXIT_OK && l.nl)
		ret = sfb_fetch(l.nl, &l.rs, NULL);
	if (ret == SFBCTL_EXIT_OK)
		ret = sfb_xfrm_list(&xfrm);
	if (ret == SFBCTL_EXIT_OK) {
		if (json) {
			print_json(stdout, &l.rs, &xfrm);
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
