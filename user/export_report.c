// SPDX-License-Identifier: GPL-2.0
/*
 * Firewall reports: the resolved configuration as a CSV table or a markdown
 * document, read from struct sfb_config alone.
 *
 * CSV has one line per (role, rule, protocol). An ipsec-exempt rule gets a
 * line under each role it names: its "to" role with the destination port
 * and transport "in", its "from" role with the source port and transport
 * "out". A rule from any to any is listed once under role "any", with
 * transport "any" and the source port if that is restricted, else the
 * destination port. The note spells out the whole selector. The last
 * column is the source table rows the statement names ("row", sfb.conf(5)).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "export_common.h"
#include "export_report.h"

static bool is_any(struct sfb_range r)
{
	return r.first == 0 && r.last == 65535;
}

static bool wanted(const char *const *roles, const struct sfb_conf_role *role)
{
	if (!role || !roles)
		return role;
	for (; *roles; roles++)
		if (!strcmp(*roles, role->name))
			return true;
	return false;
}

static bool exempt_wanted(const char *const *roles,
			  const struct sfb_ipsec_exempt *e)
{
	return (!e->to && !e->from) || wanted(roles, e->to) ||
	       wanted(roles, e->from);
}

/* "any", "5061", "client-media (1024-65535)" */
static const char *port_text(struct sfb_range r, const char *media, char *buf,
			     size_t size)
{
	char ports[16];

	if (media)
		snprintf(buf, size, "%s (%s)", media,
			 sfb_range_format(r, ports, sizeof(ports)));
	else if (is_any(r))
		snprintf(buf, size, "any");
	else
		sfb_range_format(r, buf, size);
	return buf;
}

static void csv_line(FILE *f, const char *role, const char *name, uint8_t protos,
		     struct sfb_range ports, const char *transport,
		     enum sfb_class class, const char *note, const char *rows)
{
	char buf[16];

	for (uint8_t p = SFB_PROTO_TCP; p <= SFB_PROTO_UDP; p <<= 1) {
		if (!(protos & p))
			continue;
		sfb_csv_field(f, role, false);
		sfb_csv_field(f, name, false);
		sfb_csv_field(f, sfb_protos_name(p), false);
		sfb_csv_field(f, sfb_range_format(ports, buf, sizeof(buf)), false);
		sfb_csv_field(f, transport, false);
		sfb_csv_field(f, sfb_class_name(class), false);
		sfb_csv_field(f, note, false);
		sfb_csv_field(f, rows, true);
	}
}

static const char *exempt_selector(const struct sfb_ipsec_exempt *e, char *buf,
				   size_t size)
{
	char sport[48], dport[48];

	snprintf(buf, size, "from %s sport %s to %s dport %s; authentication none",
		 e->from ? e->from->name : "any",
		 port_text(e->sport, e->sport_media, sport, sizeof(sport)),
		 e->to ? e->to->name : "any",
		 port_text(e->dport, e->dport_media, dport, sizeof(dport)));
	return buf;
}

void sfb_export_csv(const struct sfb_config *cfg, const char *const *roles,
		    FILE *f)
{
	char note[256];

	fputs("role,service,protocol,ports,transport,class,note,row\n", f);
	for (size_t i = 0; i < cfg->n_roles; i++) {
		const struct sfb_conf_role *role = &cfg->roles[i];

		for (size_t j = 0; wanted(roles, role) && j < role->n_rules; j++) {
			const struct sfb_conf_rule *r = &role->rules[j];

			csv_line(f, role->name, r->name, r->protos, r->ports,
				 r->transport, r->class, r->note, r->rows);
		}
	}
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct sfb_ipsec_exempt *e = &cfg->exempts[i];

		exempt_selector(e, note, sizeof(note));
		if (wanted(roles, e->to))
			csv_line(f, e->to->name, e->name, e->protos, e->dport, "in",
				 SFB_CLASS_EXEMPT, note, e->rows);
		if (wanted(roles, e->from))
			csv_line(f, e->from->name, e->name, e->protos, e->sport,
				 "out", SFB_CLASS_EXEMPT, note, e->rows);
		if (!e->to && !e->from)
			csv_line(f, "any", e->name, e->protos,
				 is_any(e->sport) ? e->dport : e->sport, "any",
				 SFB_CLASS_EXEMPT, note, e->rows);
	}
}

/* The seed writes protocols as "TCP", "UDP", "TCP/UDP". */
static const char *md_protos(uint8_t protos)
{
	return protos == SFB_PROTO_ALL ? "TCP/UDP" :
	       protos == SFB_PROTO_TCP ? "TCP" : "UDP";
}

static void md_role(const struct sfb_conf_role *role, FILE *f)
{
	char buf[64];

	fprintf(f, "### %s\n\n%s.\n\n", role->name, role->description);
	if (role->n_extends) {
		fputs("Extends:", f);
		for (size_t k = 0; k < role->n_extends; k++)
			fprintf(f, "%s %s", k ? "," : "", role->extends[k]->name);
		fputs(".\n\n", f);
	}
	if (!role->n_rules) {
		fputs("No ports of its own.\n\n", f);
		return;
	}
	fputs("| Name | Port | Protocol | Transport | Class | Defined in | Notes | Row |\n"
	      "|:--|:--|:--|:--|:--|:--|:--|:--|\n", f);
	for (size_t j = 0; j < role->n_rules; j++) {
		const struct sfb_conf_rule *r = &role->rules[j];

		sfb_md_cell(f, r->name);
		sfb_md_cell(f, port_text(r->ports, r->media_range, buf, sizeof(buf)));
		sfb_md_cell(f, md_protos(r->protos));
		sfb_md_cell(f, r->transport);
		sfb_md_cell(f, sfb_class_name(r->class));
		sfb_md_cell(f, r->origin->name);
		sfb_md_cell(f, r->note);
		sfb_md_cell(f, r->rows);
		fputs("|\n", f);
	}
	fputc('\n', f);
}

static void md_exempts(const struct sfb_config *cfg, const char *const *roles,
		       FILE *f)
{
	char buf[48];

	fputs("## IPsec exceptions\n\n"
	      "| Rule | Source | Destination | Protocol | Source port | Destination port | Authentication | Row |\n"
	      "|:--|:--|:--|:--|:--|:--|:--|:--|\n", f);
	for (size_t i = 0; i < cfg->n_exempts; i++) {
		const struct sfb_ipsec_exempt *e = &cfg->exempts[i];

		if (!exempt_wanted(roles, e))
			continue;
		sfb_md_cell(f, e->name);
		sfb_md_cell(f, e->from ? e->from->name : "any");
		sfb_md_cell(f, e->to ? e->to->name : "any");
		sfb_md_cell(f, md_protos(e->protos));
		sfb_md_cell(f, port_text(e->sport, e->sport_media, buf, sizeof(buf)));
		sfb_md_cell(f, port_text(e->dport, e->dport_media, buf, sizeof(buf)));
		sfb_md_cell(f, "none");
		sfb_md_cell(f, e->rows);
		fputs("|\n", f);
	}
	fputc('\n', f);
}

static void md_bindings(const struct sfb_config *cfg, const char *const *roles,
			FILE *f)
{
	char pfx[SFB_PREFIX_STRLEN];

	fputs("## Bindings\n\n| Role | Addresses | Interfaces |\n|:--|:--|:--|\n", f);
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		const struct sfb_binding *b = &cfg->bindings[i];

		if (!wanted(roles, b->role))
			continue;
		fprintf(f, "| %s | ", b->role->name);
		for (size_t k = 0; k < b->n_prefixes; k++)
			fprintf(f, "%s%s", k ? ", " : "",
				sfb_prefix_format(&b->prefixes[k], pfx, sizeof(pfx)));
		fputs(" | ", f);
		for (size_t k = 0; k < b->n_ifaces; k++)
			fprintf(f, "%s%s", k ? ", " : "", b->ifaces[k]);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static bool any_exempt_wanted(const struct sfb_config *cfg,
			      const char *const *roles)
{
	for (size_t i = 0; i < cfg->n_exempts; i++)
		if (exempt_wanted(roles, &cfg->exempts[i]))
			return true;
	return false;
}

static bool any_binding_wanted(const struct sfb_config *cfg,
			       const char *const *roles)
{
	for (size_t i = 0; i < cfg->n_bindings; i++)
		if (wanted(roles, cfg->bindings[i].role))
			return true;
	return false;
}

void sfb_export_markdown(const struct sfb_config *cfg, const char *const *roles,
			 const char *title, FILE *f)
{
	char buf[16];

	fprintf(f, "# Firewall report: %s\n\n", title);
	for (size_t i = 0; roles && roles[i]; i++)
		fprintf(f, "%s%s%s", i ? ", " : "Roles: ", roles[i],
			roles[i + 1] ? "" : ".\n\n");
	fprintf(f, "Policy: %s.", sfb_policy_name(cfg->mode));
	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		if (cfg->mark[c])
			fprintf(f, " Mark for %s: 0x%x.",
				sfb_class_name((enum sfb_class)c), cfg->mark[c]);
	fputs("\n\n## Media ranges\n\n| Name | Ports | Row |\n|:--|:--|:--|\n", f);
	for (size_t i = 0; i < cfg->n_media_ranges; i++)
		fprintf(f, "| %s | %s | %s |\n", cfg->media_ranges[i].name,
			sfb_range_format(cfg->media_ranges[i].ports, buf, sizeof(buf)),
			cfg->media_ranges[i].rows);
	fputs("\n## Roles\n\n", f);
	for (size_t i = 0; i < cfg->n_roles; i++)
		if (wanted(roles, &cfg->roles[i]))
			md_role(&cfg->roles[i], f);
	if (any_exempt_wanted(cfg, roles))
		md_exempts(cfg, roles, f);
	if (any_binding_wanted(cfg, roles))
		md_bindings(cfg, roles, f);
}
