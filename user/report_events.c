// SPDX-License-Identifier: GPL-2.0
/*
 * The denials of an events file for sfbctl report: `sfbctl monitor -j`
 * output, one JSON document per line, each {"denial":{...}} or
 * {"ruleset":{...}} (sfbctl(8), REPORT). Members this sfbctl does not know
 * are skipped, as a newer monitor may add some; a known one of the wrong
 * type is an error, so a wrong file is not taken for an empty one.
 */
#define _GNU_SOURCE	/* timegm */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "config.h"
#include "hash.h"
#include "report.h"
#include "sfbctl.h"

#define NS_PER_SEC 1000000000LL

/* "YYYY-MM-DDTHH:MM:SS[.frac]" and, if @zone, "Z"; the rest at *@end. */
static bool parse_time(const char *s, bool zone, int64_t *ns, const char **end)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = 0, scale = NS_PER_SEC;
	time_t t;

	if (!p || !isdigit((unsigned char)s[0]))
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return false;
		for (; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (zone && *p++ != 'Z')
		return false;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ns = (int64_t)t * NS_PER_SEC + frac;
	*end = p;
	return true;
}

bool sfb_since_parse(const char *text, struct sfb_since *since)
{
	const char *end;
	struct tm tm = { 0 };

	*since = (struct sfb_since){ .kind = SFB_SINCE_TIME, .text = text };
	if (!strcmp(text, "load")) {
		since->kind = SFB_SINCE_LOAD;
		return true;
	}
	if (parse_time(text, false, &since->ns, &end))
		return !*end || !strcmp(end, "Z");
	end = strptime(text, "%Y-%m-%d", &tm);
	if (!end || *end || !isdigit((unsigned char)text[0]))
		return false;
	since->ns = (int64_t)timegm(&tm) * NS_PER_SEC;
	return true;
}

/* Where a bad line is. */
struct events_line {
	const char *file;
	size_t line;
};

static int bad_line(const struct events_line *at, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%zu: error: ", at->file, at->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SFBCTL_EXIT_ERROR;
}

static bool get_count(json_t *o, const char *key, uint64_t *v)
{
	json_t *m = json_object_get(o, key);

	if (!json_is_integer(m) || json_integer_value(m) < 0)
		return false;
	*v = (uint64_t)json_integer_value(m);
	return true;
}

static bool get_port(json_t *o, const char *key, uint16_t *v)
{
	json_t *m = json_object_get(o, key);

	if (!json_is_integer(m) || json_integer_value(m) < 0 ||
	    json_integer_value(m) > 65535)
		return false;
	*v = (uint16_t)json_integer_value(m);
	return true;
}

static bool get_range(json_t *o, const char *key, struct sfb_range *r)
{
	json_t *m = json_object_get(o, key);

	return json_is_object(m) && get_port(m, "first", &r->first) &&
	       get_port(m, "last", &r->last) && r->first <= r->last;
}

static bool get_time(json_t *o, int64_t *ns)
{
	const char *s = json_string_value(json_object_get(o, "time")), *end;

	return s && parse_time(s, true, ns, &end) && !*end;
}

/* The tuple's slot in the hash table: its index + 1, or the empty 0. */
static size_t *find_slot(const struct sfb_denials *d, const struct sfb_denial *key)
{
	uint32_t h = sfb_hash(SFB_HASH_INIT, key->roles, strlen(key->roles));
	size_t i;

	h = sfb_hash(h, &key->proto, sizeof(key->proto));
	h = sfb_hash(h, &key->dport, sizeof(key->dport));
	for (i = h & (d->n_slots - 1); d->slot[i];
	     i = (i + 1) & (d->n_slots - 1)) {
		const struct sfb_denial *v = &d->v[d->slot[i] - 1];

		if (v->proto == key->proto && v->dport.first == key->dport.first &&
		    v->dport.last == key->dport.last && !strcmp(v->roles, key->roles))
			break;
	}
	return &d->slot[i];
}

/* Keep the table at most half full. */
static void grow_slots(struct sfb_denials *d)
{
	if (2 * (d->n + 1) <= d->n_slots)
		return;
	d->n_slots = d->n_slots ? 2 * d->n_slots : 64;
	d->slot = sfb_arena_array(d->arena, d->n_slots, sizeof(*d->slot));
	for (size_t k = 0; k < d->n; k++)
		*find_slot(d, &d->v[k]) = k + 1;
}

static void count_denial(struct sfb_denials *d, const struct sfb_denial *key,
			 uint64_t suppressed)
{
	size_t *slot;

	grow_slots(d);
	slot = find_slot(d, key);
	if (!*slot) {
		d->v = sfb_arena_grow(d->arena, d->v, d->n, &d->cap, sizeof(*d->v));
		d->v[d->n] = *key;
		d->v[d->n].roles = sfb_arena_strdup(d->arena, key->roles);
		*slot = ++d->n;
	}
	d->v[*slot - 1].count++;
	d->itemised++;
	d->suppressed += suppressed;
}

/* Forget what came before: a load event under --since load. */
static void restart(struct sfb_denials *d)
{
	d->n = 0;
	d->itemised = 0;
	d->suppressed = 0;
	if (d->slot)
		memset(d->slot, 0, d->n_slots * sizeof(*d->slot));
}

/* "a,b" from the roles array into @buf, or false if it is not one. */
static bool roles_text(json_t *roles, char **buf, size_t *size)
{
	FILE *f = open_memstream(buf, size);
	size_t i;
	json_t *r;

	if (!f)
		sfb_oom();
	json_array_foreach(roles, i, r) {
		if (!json_is_string(r)) {
			fclose(f);
			return false;
		}
		fprintf(f, "%s%s", i ? "," : "", json_string_value(r));
	}
	if (fclose(f))
		sfb_oom();
	return true;
}

static int denial(struct sfb_denials *d, const struct events_line *at, json_t *o)
{
	struct sfb_denial key = { 0 };
	uint64_t generation, suppressed;
	json_t *packet = json_object_get(o, "packet"), *roles;
	const char *proto, *verdict;
	struct sfb_range sport;
	char *text = NULL;
	size_t size;
	int64_t ns;

	if (!get_time(o, &ns))
		return bad_line(at,
				"denial: no \"time\" in RFC 3339 UTC (such as 2026-12-06T09:30:00.123Z)");
	if (!get_count(o, "generation", &generation))
		return bad_line(at,
				"denial: no \"generation\" (a non-negative integer)");
	if (!get_count(o, "suppressed", &suppressed))
		return bad_line(at,
				"denial: no \"suppressed\" (a non-negative integer)");
	verdict = json_string_value(json_object_get(o, "verdict"));
	if (!verdict || (strcmp(verdict, "drop") && strcmp(verdict, "would-drop")))
		return bad_line(at,
				"denial: no \"verdict\" (\"drop\" or \"would-drop\")");
	if (!json_is_object(packet))
		return bad_line(at, "denial: no \"packet\" object");
	proto = json_string_value(json_object_get(packet, "protocol"));
	key.proto = !proto ? 0 : !strcmp(proto, "tcp") ? SFB_PROTO_TCP :
		    !strcmp(proto, "udp") ? SFB_PROTO_UDP : 0;
	if (!key.proto)
		return bad_line(at,
				"denial: no packet \"protocol\" (\"tcp\" or \"udp\")");
	if (!json_is_string(json_object_get(packet, "saddr")) ||
	    !json_is_string(json_object_get(packet, "daddr")))
		return bad_line(at,
				"denial: no packet \"saddr\" and \"daddr\" (strings)");
	if (!get_range(packet, "sport", &sport) ||
	    !get_range(packet, "dport", &key.dport))
		return bad_line(at,
				"denial: no packet \"sport\" and \"dport\" ({\"first\":N,\"last\":M}, 0-65535)");
	roles = json_object_get(o, "roles");
	if (!json_is_array(roles) || !roles_text(roles, &text, &size)) {
		free(text);
		return bad_line(at, "denial: no \"roles\" (an array of role names)");
	}
	key.roles = text;
	if (d->since.kind != SFB_SINCE_TIME || ns >= d->since.ns)
		count_denial(d, &key, suppressed);
	free(text);
	return SFBCTL_EXIT_OK;
}

static int ruleset(struct sfb_denials *d, const struct events_line *at, json_t *o)
{
	const char *event = json_string_value(json_object_get(o, "event"));
	uint64_t generation;
	int64_t ns;

	if (!get_time(o, &ns))
		return bad_line(at,
				"ruleset: no \"time\" in RFC 3339 UTC (such as 2026-12-06T09:30:00.123Z)");
	if (!event)
		return bad_line(at,
				"ruleset: no \"event\" (a string such as \"load\")");
	if (!get_count(o, "generation", &generation))
		return bad_line(at,
				"ruleset: no \"generation\" (a non-negative integer)");
	if (d->since.kind == SFB_SINCE_LOAD && !strcmp(event, "load")) {
		d->saw_load = true;
		restart(d);
	}
	return SFBCTL_EXIT_OK;
}

static int event_line(struct sfb_denials *d, const struct events_line *at,
		      const char *text)
{
	json_error_t err;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	json_t *denial_o, *ruleset_o;
	int ret;

	if (!doc)
		return bad_line(at, "not JSON: %s", err.text);
	/* One member: NULL for both otherwise. */
	denial_o = json_object_size(doc) == 1 ? json_object_get(doc, "denial") : NULL;
	ruleset_o = json_object_size(doc) == 1 ? json_object_get(doc, "ruleset") : NULL;
	if (json_is_object(denial_o))
		ret = denial(d, at, denial_o);
	else if (json_is_object(ruleset_o))
		ret = ruleset(d, at, ruleset_o);
	else
		ret = bad_line(at,
			       "expected {\"denial\":{...}} or {\"ruleset\":{...}}, as sfbctl monitor -j writes");
	json_decref(doc);
	return ret;
}

static int rank(const void *pa, const void *pb)
{
	const struct sfb_denial *a = pa, *b = pb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = strcmp(a->roles, b->roles);
	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->dport.first > b->dport.first) - (a->dport.first < b->dport.first);
}

int sfb_denials_read(struct sfb_denials *d)
{
	struct events_line at = { .file = sfb_config_file_name(d->file) };
	FILE *f = strcmp(d->file, "-") ? fopen(d->file, "r") : stdin;
	int ret = SFBCTL_EXIT_OK;
	char *line = NULL;
	size_t size = 0;
	ssize_t len;

	d->arena = sfb_arena_new();
	if (!f) {
		fprintf(stderr, "sfb: report: %s: %s\n", d->file, strerror(errno));
		return SFBCTL_EXIT_ERROR;
	}
	while (ret == SFBCTL_EXIT_OK && (len = getline(&line, &size, f)) >= 0) {
		at.line++;
		if ((size_t)len != strlen(line))
			ret = bad_line(&at, "a NUL byte");
		else if (line[strspn(line, " \t\r\n")])
			ret = event_line(d, &at, line);
	}
	if (ret == SFBCTL_EXIT_OK && ferror(f)) {
		fprintf(stderr, "sfb: report: %s: %s\n", d->file, strerror(errno));
		ret = SFBCTL_EXIT_ERROR;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), rank);
	return ret;
}

void sfb_denials_free(struct sfb_denials *d)
{
	sfb_arena_free(d->arena);
	d->arena = NULL;
}
