// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics: collected while parsing, printed once at the end, so that a
 * JSON consumer and a human see the same list.
 */
#define _GNU_SOURCE		/* qsort_r */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "json.h"

struct source {
	char *name;
	char *text;
	size_t len;
};

struct diagnostic {
	size_t seq;		/* report order, to keep sorting stable */
	enum sfb_severity sev;
	struct sfb_loc loc;
	char *msg;
	struct diagnostic *notes;	/* attached notes, in order */
	struct diagnostic *next;
};

struct sfb_diag {
	struct source *sources;
	size_t n_sources;
	struct diagnostic *head, *tail;
	struct diagnostic *last;	/* what sfb_diag_attach attaches to */
	size_t n;
	unsigned int count[3];
	bool verbose;		/* say how much lint was left out */
};

static const char *const severity_names[] = {
	[SFB_ERROR] = "error",
	[SFB_WARNING] = "warning",
	[SFB_NOTE] = "note",
};

/* Allocation failures are sfb_oom(), as everywhere in sfbctl. */
static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		sfb_oom();
	return p;
}

static char *xstrndup(const char *s, size_t len)
{
	char *p = xcalloc(len + 1, 1);

	memcpy(p, s, len);
	return p;
}

struct sfb_diag *sfb_diag_new(void)
{
	return xcalloc(1, sizeof(struct sfb_diag));
}

static void free_list(struct diagnostic *d)
{
	while (d) {
		struct diagnostic *next = d->next;

		free_list(d->notes);
		free(d->msg);
		free(d);
		d = next;
	}
}

void sfb_diag_free(struct sfb_diag *d)
{
	if (!d)
		return;
	free_list(d->head);
	for (size_t i = 0; i < d->n_sources; i++) {
		free(d->sources[i].name);
		free(d->sources[i].text);
	}
	free(d->sources);
	free(d);
}

const char *sfb_diag_add_source(struct sfb_diag *d, const char *name,
				const char *text, size_t len)
{
	struct source *s;

	s = realloc(d->sources, (d->n_sources + 1) * sizeof(*s));
	if (!s)
		sfb_oom();
	d->sources = s;
	s = &d->sources[d->n_sources++];
	s->name = xstrndup(name, strlen(name));
	s->text = xstrndup(text, len);
	s->len = len;
	return s->name;
}

static const struct source *find_source(const struct sfb_diag *d,
					const char *name)
{
	for (size_t i = 0; i < d->n_sources; i++)
		if (d->sources[i].name == name || !strcmp(d->sources[i].name, name))
			return &d->sources[i];
	return NULL;
}

const char *sfb_diag_source_text(const struct sfb_diag *d, const char *name)
{
	const struct source *s = find_source(d, name);

	return s ? s->text : NULL;
}

static struct diagnostic *make(enum sfb_severity sev, const struct sfb_loc *loc,
			       const char *fmt, va_list ap)
{
	struct diagnostic *diag = xcalloc(1, sizeof(*diag));
	va_list ap2;
	int len;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	diag->msg = xcalloc((size_t)(len > 0 ? len : 0) + 1, 1);
	vsnprintf(diag->msg, (size_t)len + 1, fmt, ap);
	diag->sev = sev;
	if (loc)
		diag->loc = *loc;
	return diag;
}

void sfb_diag_report(struct sfb_diag *d, enum sfb_severity sev,
		     const struct sfb_loc *loc, const char *fmt, ...)
{
	struct diagnostic *diag;
	va_list ap;

	va_start(ap, fmt);
	diag = make(sev, loc, fmt, ap);
	va_end(ap);
	diag->seq = d->n++;
	if (d->tail)
		d->tail->next = diag;
	else
		d->head = diag;
	d->tail = diag;
	d->last = diag;
	d->count[sev]++;
}

void sfb_diag_attach(struct sfb_diag *d, const struct sfb_loc *loc,
		     const char *fmt, ...)
{
	struct diagnostic *diag, **pos;
	va_list ap;

	if (!d->last)
		return;
	va_start(ap, fmt);
	diag = make(SFB_NOTE, loc, fmt, ap);
	va_end(ap);
	for (pos = &d->last->notes; *pos; pos = &(*pos)->next)
		;
	*pos = diag;
}

void sfb_diag_set_verbose(struct sfb_diag *d, bool verbose)
{
	d->verbose = verbose;
}

unsigned int sfb_diag_count(const struct sfb_diag *d, enum sfb_severity sev)
{
	return d->count[sev];
}

/* Optimal string alignment distance: a transposition ("servcie") costs 1. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row0, *row1, *row2, result;

	/* Names longer than this are never a near miss worth computing. */
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	row0 = xcalloc(lb + 1, sizeof(size_t));
	row1 = xcalloc(lb + 1, sizeof(size_t));
	row2 = xcalloc(lb + 1, sizeof(size_t));
	for (size_t j = 0; j <= lb; j++)
		row1[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *tmp;

		row2[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = row1[j - 1] + cost;

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		tmp = row0;
		row0 = row1;
		row1 = row2;
		row2 = tmp;
	}
	result = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return result;
}

const char *sfb_suggest(const char *word, const char *const *candidates,
			size_t n)
{
	size_t limit = strlen(word) / 3, best = SIZE_MAX;
	const char *match = NULL;

	if (limit < 1)
		limit = 1;
	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, candidates[i]);

		if (dist <= limit && dist < best && dist < strlen(candidates[i])) {
			best = dist;
			match = candidates[i];
		}
	}
	return match;
}

void sfb_diag_unknown(struct sfb_diag *d, const struct sfb_loc *loc,
		      const char *what, const char *name,
		      const char *const *candidates, size_t n)
{
	const char *hint = sfb_suggest(name, candidates, n);

	if (hint)
		sfb_diag_report(d, SFB_ERROR, loc,
				"unknown %s '%s'; did you mean '%s'?",
				what, name, hint);
	else
		sfb_diag_report(d, SFB_ERROR, loc, "unknown %s '%s'", what, name);
}

/*
 * The length of the character at @s (@n bytes left) if a terminal only
 * displays it: printable ASCII or UTF-8 that is well formed and not a C1
 * control. 0 for anything else: C0 controls (ESC), DEL, stray bytes.
 */
static size_t printable_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (*s >= 0x20 && *s < 0x7f)
		return 1;
	if (*s < 0xc2 || *s > 0xf4)
		return 0;
	len = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
	if (len > n)
		return 0;
	cp = *s & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < 0xa0 || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Write @len bytes of @s so that a terminal only displays them: what
 * printable_len refuses goes as \xNN, tabs stay. With @pad, write blanks
 * as wide instead (the tabs themselves, so that a caret lines up at any
 * tab width); with no @f, only count. Returns the columns, a tab as one.
 */
static unsigned int put_safe(FILE *f, const char *s, size_t len, bool pad)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	unsigned int cols = 0;

	while (p < end) {
		size_t n = *p == '\t' ? 1 : printable_len(p, (size_t)(end - p));
		unsigned int w = n ? 1 : 4;

		if (f && pad)
			fprintf(f, "%*s", *p == '\t' ? 0 : (int)w, *p == '\t' ? "\t" : "");
		else if (f && n)
			fwrite(p, 1, n, f);
		else if (f)
			fprintf(f, "\\x%02x", *p);
		cols += w;
		p += n ? n : 1;
	}
	return cols;
}

/* Print line @loc->line of its source, then a caret line under the span. */
static void print_source_line(const struct sfb_diag *d,
			      const struct sfb_loc *loc, FILE *f)
{
	const struct source *s = find_source(d, loc->file);
	const char *p, *end, *line;
	unsigned int n = 1, width;
	size_t before, span;

	if (!s || !loc->line)
		return;
	p = s->text;
	end = s->text + s->len;
	while (n < loc->line && p < end) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return;
		p++;
		n++;
	}
	line = p;
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	put_safe(f, line, (size_t)(p - line), false);
	fputc('\n', f);
	before = loc->col > 1 ? loc->col - 1 : 0;
	if (before > (size_t)(p - line))
		before = (size_t)(p - line);
	span = (size_t)(p - line) - before;
	if (span > loc->len)
		span = loc->len;
	put_safe(f, line, before, true);
	width = put_safe(NULL, line + before, span, false);
	fputc('^', f);
	for (unsigned int i = 1; i < width; i++)
		fputc('~', f);
	fputc('\n', f);
}

static void print_one(const struct sfb_diag *d, const struct diagnostic *diag,
		      FILE *f)
{
	if (diag->loc.file) {
		put_safe(f, diag->loc.file, strlen(diag->loc.file), false);
		if (diag->loc.line)
			fprintf(f, ":%u:%u", diag->loc.line, diag->loc.col);
		fputs(": ", f);
	}
	fprintf(f, "%s: ", severity_names[diag->sev]);
	put_safe(f, diag->msg, strlen(diag->msg), false);
	fputc('\n', f);
	if (diag->loc.file && diag->loc.line)
		print_source_line(d, &diag->loc, f);
}

static size_t source_index(const struct sfb_diag *d, const char *name)
{
	for (size_t i = 0; i < d->n_sources; i++)
		if (d->sources[i].name == name)
			return i;
	return d->n_sources;	/* no location: last */
}

static int cmp_position(const void *pa, const void *pb, void *ctx)
{
	const struct diagnostic *a = *(const struct diagnostic *const *)pa;
	const struct diagnostic *b = *(const struct diagnostic *const *)pb;
	const struct sfb_diag *d = ctx;
	size_t fa = source_index(d, a->loc.file), fb = source_index(d, b->loc.file);

	if (fa != fb)
		return fa < fb ? -1 : 1;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	if (a->loc.col != b->loc.col)
		return a->loc.col < b->loc.col ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * Diagnostics in source order: lint is found role by role in dependency
 * order, which would read as random jumps through the file.
 */
static const struct diagnostic **sorted(const struct sfb_diag *d)
{
	const struct diagnostic **v = xcalloc(d->n, sizeof(*v));
	size_t n = 0;

	for (const struct diagnostic *diag = d->head; diag; diag = diag->next)
		v[n++] = diag;
	qsort_r(v, n, sizeof(*v), cmp_position, (void *)d);
	return v;
}

/* Print diagnostics up to severity @least; return how many were hidden. */
static unsigned int print_upto(const struct sfb_diag *d, FILE *f,
			       enum sfb_severity least)
{
	const char *top = d->n_sources ? d->sources[0].name : NULL;
	const struct diagnostic **v = sorted(d);
	unsigned int hidden = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct diagnostic *diag = v[i];

		if (diag->sev != SFB_ERROR) {
			if (diag->sev > least)
				continue;
			if (diag->loc.file && diag->loc.file != top) {
				hidden++;
				continue;
			}
		}
		print_one(d, diag, f);
		for (const struct diagnostic *n = diag->notes; n; n = n->next)
			print_one(d, n, f);
	}
	free(v);
	return hidden;
}

void sfb_diag_print_warnings(const struct sfb_diag *d, FILE *f)
{
	print_upto(d, f, SFB_WARNING);
}

void sfb_diag_print(const struct sfb_diag *d, FILE *f, bool errors_only)
{
	const char *top = d->n_sources ? d->sources[0].name : NULL;
	unsigned int hidden = print_upto(d, f, errors_only ? SFB_ERROR : SFB_NOTE);

	if (hidden && d->verbose) {
		put_safe(f, top, strlen(top), false);
		fprintf(f,
			": note: %u lint message%s from included files not shown; run sfbctl check on those files to see them\n",
			hidden, hidden == 1 ? "" : "s");
	}
}

static json_t *diag_json(const struct diagnostic *diag)
{
	json_t *o = json_pack("{s:s,s:o,s:i,s:i,s:i,s:o}",
			      "severity", severity_names[diag->sev],
			      "file", diag->loc.file ?
			      sfb_json_str(diag->loc.file) : json_null(),
			      "line", diag->loc.line, "column", diag->loc.col,
			      "length", diag->loc.len,
			      "message", sfb_json_str(diag->msg));

	if (diag->notes) {
		json_t *notes = json_array();

		for (const struct diagnostic *n = diag->notes; n; n = n->next)
			json_array_append_new(notes, diag_json(n));
		json_object_set_new(o, "notes", notes);
	}
	return o;
}

json_t *sfb_diag_json(const struct sfb_diag *d)
{
	const struct diagnostic **v = sorted(d);
	json_t *a = json_array();

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(a, diag_json(v[i]));
	free(v);
	return a;
}
