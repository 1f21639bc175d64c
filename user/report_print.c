// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl report's output (report.h): the same three tables (rows hit,
 * rows never hit, top denied tuples) as aligned text, markdown in the
 * manner of export's report, CSV with a record column, or JSON.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "export_common.h"
#include "json.h"
#include "report.h"

#define MAX_COLS 8

struct table {
	const char *head[MAX_COLS];
	size_t cols;
	char **cells;		/* row-major */
	size_t n, cap;
	struct sfb_arena *a;
};

static void add_row(struct table *t, ...)
{
	va_list ap;

	t->cells = sfb_arena_grow(t->a, t->cells, t->n, &t->cap,
				  MAX_COLS * sizeof(*t->cells));
	va_start(ap, t);
	for (size_t c = 0; c < t->cols; c++)
		t->cells[t->n * MAX_COLS + c] = sfb_arena_strdup(t->a,
								 va_arg(ap, const char *));
	va_end(ap);
	t->n++;
}

static void text_table(FILE *f, const struct table *t)
{
	size_t w[MAX_COLS];

	for (size_t c = 0; c < t->cols; c++) {
		w[c] = strlen(t->head[c]);
		for (size_t i = 0; i < t->n; i++)
			if (strlen(t->cells[i * MAX_COLS + c]) > w[c])
				w[c] = strlen(t->cells[i * MAX_COLS + c]);
	}
	for (size_t i = 0; i <= t->n; i++) {
		fputs("  ", f);
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = i ? t->cells[(i - 1) * MAX_COLS + c] : t->head[c];

			if (c + 1 < t->cols)
				fprintf(f, "%-*s  ", (int)w[c], s);
			else
				fprintf(f, "%s\n", s);
		}
	}
}

static void md_table(FILE *f, const struct table *t)
{
	for (size_t c = 0; c < t->cols; c++)
		sfb_md_cell(f, t->head[c]);
	fputs("|\n", f);
	for (size_t c = 0; c < t->cols; c++)
		fputs("|:--", f);
	fputs("|\n", f);
	for (size_t i = 0; i < t->n; i++) {
		for (size_t c = 0; c < t->cols; c++)
			sfb_md_cell(f, t->cells[i * MAX_COLS + c]);
		fputs("|\n", f);
	}
	fputc('\n', f);
}

static const char *u64(uint64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

/* Protocols as the seed writes them in markdown, as sfb.conf(5) elsewhere. */
static const char *proto_name(uint8_t proto, bool md)
{
	return md ? (proto == SFB_PROTO_TCP ? "TCP" : "UDP") : sfb_protos_name(proto);
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

/* The rules seen (@hit) or never hit, as a table. */
static void rules_table(const struct sfb_report *r, bool hit, bool md,
			struct table *t)
{
	static const char *const head[] = {
		"ROLE", "ROW", "RULE", "CLASS", "PROTOCOL", "PORTS", "PACKETS",
		"BYTES",
	};
	static const char *const md_head[] = {
		"Role", "Row", "Name", "Class", "Protocol", "Port", "Packets",
		"Bytes",
	};

	t->cols = hit ? 8 : 6;
	memcpy(t->head, md ? md_head : head, sizeof(head));
	for (size_t i = 0; i < r->n_lines; i++) {
		const struct sfb_report_line *l = &r->lines[i];
		char ports[16], packets[24], bytes[24];

		if (!l->count.packets == hit)
			continue;
		add_row(t, l->role, or_dash(l->rows), l->rule->name,
			sfb_class_name(l->rule->class), proto_name(l->proto, md),
			sfb_range_format(l->rule->ports, ports, sizeof(ports)),
			u64(l->count.packets, packets, sizeof(packets)),
			u64(l->count.bytes, bytes, sizeof(bytes)));
	}
}

static void denied_table(const struct sfb_report *r, bool md, struct table *t)
{
	static const char *const head[] = { "ROLES", "PROTOCOL", "PORT", "DENIALS" };
	static const char *const md_head[] = { "Roles", "Protocol", "Port", "Denials" };
	const struct sfb_denials *d = r->denials;

	t->cols = 4;
	memcpy(t->head, md ? md_head : head, sizeof(head));
	for (size_t i = 0; i < d->n && i < r->top; i++) {
		char port[16], count[24];

		add_row(t, or_dash(d->v[i].roles), proto_name(d->v[i].proto, md),
			sfb_range_format(d->v[i].dport, port, sizeof(port)),
			u64(d->v[i].count, count, sizeof(count)));
	}
}

static const char *backend_name(const struct sfb_report *r)
{
	return r->nft ? "nft" : "module";
}

/* "from FILE, since ...: N denials in K tuples; S not itemised ..." */
static void denied_summary(FILE *f, const struct sfb_denials *d, size_t top)
{
	fprintf(f, "from %s", d->file);
	if (d->since.kind == SFB_SINCE_TIME)
		fprintf(f, ", since %s", d->since.text);
	else if (d->since.kind == SFB_SINCE_LOAD && d->saw_load)
		fputs(", since its last load event", f);
	else if (d->since.kind == SFB_SINCE_LOAD)
		fputs(" (no load event in it: all of it)", f);
	fprintf(f, ": %" PRIu64 " denial%s in %zu tuple%s", d->itemised,
		d->itemised == 1 ? "" : "s", d->n, d->n == 1 ? "" : "s");
	if (d->n > top)
		fprintf(f, " (the top %zu listed)", top);
	if (!d->suppressed) {
		fputs("; none suppressed.\n", f);
		return;
	}
	fprintf(f, "; %" PRIu64 " more denial%s not itemised: ", d->suppressed,
		d->suppressed == 1 ? " was" : "s were");
	fprintf(f,
		"the kernel suppressed %s events (rate limit), so these counts are lower bounds.\n",
		d->suppressed == 1 ? "its" : "their");
}

static void print_text(const struct sfb_report *r, FILE *f, struct sfb_arena *a)
{
	struct table hit = { .a = a }, never = { .a = a }, denied = { .a = a };

	fprintf(f, "sfb report: %s ruleset, generation %" PRIu64 ", policy %s\n"
		   "counters: since the ruleset was loaded or last zeroed (sfbctl stats -z)\n"
		   "source rows: %s\n",
		r->nft ? "table inet sfb (nft)" : "nf_sfb", r->generation,
		sfb_policy_name(r->mode),
		r->role_file ? r->role_file : "none (no role file)");
	rules_table(r, true, false, &hit);
	rules_table(r, false, false, &never);
	fprintf(f, "\nrows hit:%s\n", hit.n ? "" : " none");
	if (hit.n)
		text_table(f, &hit);
	fprintf(f, "\nrows never hit:%s\n", never.n ? "" : " none");
	if (never.n)
		text_table(f, &never);
	fputs("\ndenied (role, protocol, port): ", f);
	if (!r->denials) {
		fputs("no events given (--events FILE, as sfbctl monitor -j writes them)\n", f);
		return;
	}
	denied_summary(f, r->denials, r->top);
	denied_table(r, false, &denied);
	if (denied.n)
		text_table(f, &denied);
}

static void print_markdown(const struct sfb_report *r, FILE *f, struct sfb_arena *a)
{
	struct table hit = { .a = a }, never = { .a = a }, denied = { .a = a };

	fprintf(f, "# Firewall report from traffic: %s\n\n",
		r->role_file ? r->role_file : "no role file");
	fprintf(f, "Policy in force: %s, generation %" PRIu64 ", %s. ",
		r->nft ? "table inet sfb (nft backend)" : "nf_sfb",
		r->generation, sfb_policy_name(r->mode));
	fprintf(f, "Counters since it was loaded or last zeroed (`sfbctl stats -z`).%s\n\n",
		r->role_file ? "" : " No role file: no source rows.");
	rules_table(r, true, true, &hit);
	rules_table(r, false, true, &never);
	fputs("## Rows hit\n\n", f);
	if (hit.n)
		md_table(f, &hit);
	else
		fputs("None.\n\n", f);
	fputs("## Rows never hit\n\n", f);
	if (never.n)
		md_table(f, &never);
	else
		fputs("None.\n\n", f);
	fputs("## Top denied\n\n", f);
	if (!r->denials) {
		fputs("No events given (`--events FILE`, as `sfbctl monitor -j` writes them).\n",
		      f);
		return;
	}
	fputs("Denied (role, protocol, port) ", f);
	denied_summary(f, r->denials, r->top);
	fputc('\n', f);
	denied_table(r, true, &denied);
	if (denied.n)
		md_table(f, &denied);
}

#define CSV_FIELDS 9

/* One record of CSV_FIELDS fields. */
static void csv_record(FILE *f, ...)
{
	va_list ap;

	va_start(ap, f);
	for (size_t c = 0; c < CSV_FIELDS; c++)
		sfb_csv_field(f, va_arg(ap, const char *), c == CSV_FIELDS - 1);
	va_end(ap);
}

/*
 * One header; "rule" records per rule and protocol (packets 0: never hit),
 * "denied" records per top tuple (packets: its denials), and one
 * "not-itemised" record (packets: the denials suppressed).
 */
static void print_csv(const struct sfb_report *r, FILE *f)
{
	char ports[16], packets[24], bytes[24];

	csv_record(f, "record", "role", "rule", "row", "class", "protocol",
		   "ports", "packets", "bytes");
	for (size_t i = 0; i < r->n_lines; i++) {
		const struct sfb_report_line *l = &r->lines[i];

		csv_record(f, "rule", l->role, l->rule->name, l->rows,
			   sfb_class_name(l->rule->class), sfb_protos_name(l->proto),
			   sfb_range_format(l->rule->ports, ports, sizeof(ports)),
			   u64(l->count.packets, packets, sizeof(packets)),
			   u64(l->count.bytes, bytes, sizeof(bytes)));
	}
	if (!r->denials)
		return;
	for (size_t i = 0; i < r->denials->n && i < r->top; i++) {
		const struct sfb_denial *d = &r->denials->v[i];

		csv_record(f, "denied", d->roles, "", "", "",
			   sfb_protos_name(d->proto),
			   sfb_range_format(d->dport, ports, sizeof(ports)),
			   u64(d->count, packets, sizeof(packets)), "");
	}
	csv_record(f, "not-itemised", "", "", "", "", "", "",
		   u64(r->denials->suppressed, packets, sizeof(packets)), "");
}

/* "a,b" as ["a","b"]; "" as []. */
static json_t *json_list(const char *s)
{
	json_t *v = json_array();

	while (*s) {
		size_t n = strcspn(s, ",");
		char *one = strndup(s, n);

		if (!one)
			sfb_oom();
		json_array_append_new(v, sfb_json_str(one));
		free(one);
		s += n + (s[n] == ',');
	}
	return v;
}

static json_t *json_denied(const struct sfb_report *r)
{
	const struct sfb_denials *d = r->denials;
	json_t *top;

	if (!d)
		return json_null();
	top = json_array();
	for (size_t i = 0; i < d->n && i < r->top; i++) {
		json_t *o = json_pack("{s:o,s:s,s:o,s:o}",
				      "roles", json_list(d->v[i].roles),
				      "protocol", sfb_protos_name(d->v[i].proto),
				      "port", sfb_json_range(d->v[i].dport),
				      "denials", sfb_json_uint(d->v[i].count));

		json_array_append_new(top, o);
	}
	return json_pack("{s:o,s:o,s:b,s:o,s:o,s:o,s:o}",
			 "file", sfb_json_str(d->file),
			 "since", d->since.text ? sfb_json_str(d->since.text) :
						  json_null(),
			 "load_event", d->saw_load,
			 "denials", sfb_json_uint(d->itemised),
			 "not_itemised", sfb_json_uint(d->suppressed),
			 "tuples", sfb_json_uint(d->n),
			 "top", top);
}

static json_t *report_json(const struct sfb_report *r)
{
	json_t *rules = json_array();

	for (size_t i = 0; i < r->n_lines; i++) {
		const struct sfb_report_line *l = &r->lines[i];

		json_t *o = json_pack("{s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o}",
				      "role", sfb_json_str(l->role),
				      "rule", sfb_json_str(l->rule->name),
				      "rows", json_list(l->rows),
				      "class", sfb_class_name(l->rule->class),
				      "protocol", sfb_protos_name(l->proto),
				      "ports", sfb_json_range(l->rule->ports),
				      "packets", sfb_json_uint(l->count.packets),
				      "bytes", sfb_json_uint(l->count.bytes));

		json_array_append_new(rules, o);
	}
	return json_pack("{s:b,s:s,s:o,s:s,s:o,s:o,s:o}", "loaded", true,
			 "backend", backend_name(r),
			 "generation", sfb_json_uint(r->generation),
			 "policy", sfb_policy_name(r->mode),
			 "role_file", r->role_file ? sfb_json_str(r->role_file) :
						     json_null(),
			 "rules", rules, "denied", json_denied(r));
}

void sfb_report_print(const struct sfb_report *r, enum sfb_report_format fmt,
		      FILE *f)
{
	struct sfb_arena *a = sfb_arena_new();

	switch (fmt) {
	case SFB_REPORT_JSON:
		sfb_json_emit(report_json(r));
		break;
	case SFB_REPORT_CSV:
		print_csv(r, f);
		break;
	case SFB_REPORT_MARKDOWN:
		print_markdown(r, f, a);
		break;
	case SFB_REPORT_TEXT:
	default:
		print_text(r, f, a);
		break;
	}
	sfb_arena_free(a);
}
