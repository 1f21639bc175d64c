// SPDX-License-Identifier: GPL-2.0
/*
 * sfbctl's JSON output layer (json.h): jansson builds and escapes; this
 * file owns the options, the one document per command, UTF-8, and the
 * error document.
 *
 * The error document quotes what the command wrote to standard error:
 * with -j, stderr becomes a stream that writes through to the real one
 * and keeps a copy. So the many error paths keep their one fprintf, and
 * the JSON says exactly what the text said.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"

static struct {
	bool on, pretty, emitted;
	FILE *real_stderr;	/* while stderr tees it */
	FILE *said;		/* the copy, into said_buf */
	char *said_buf;
	size_t said_len;
} out;

static void *json_alloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		sfb_oom();
	return p;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	fwrite(buf, 1, size, out.real_stderr);
	fwrite(buf, 1, size, out.said);
	return (ssize_t)size;
}

static void tee_stderr(void)
{
	static const cookie_io_functions_t tee = { .write = tee_write };
	FILE *f;

	out.said = open_memstream(&out.said_buf, &out.said_len);
	f = out.said ? fopencookie(NULL, "w", tee) : NULL;
	if (!f) {
		/* The error document then has no message; the text is intact. */
		if (out.said)
			fclose(out.said);
		out.said = NULL;
		return;
	}
	setvbuf(f, NULL, _IONBF, 0);
	out.real_stderr = stderr;
	stderr = f;
}

bool sfb_json_option(int c)
{
	if (c != 'j' && c != 'p')
		return false;
	if (!out.on) {
		json_set_alloc_funcs(json_alloc, free);
		tee_stderr();
	}
	out.on = true;
	out.pretty |= c == 'p';
	return true;
}

bool sfb_json_enabled(void)
{
	return out.on;
}

static void dump(json_t *doc)
{
	size_t flags = out.pretty ? JSON_INDENT(2) : JSON_COMPACT;

	/* Only a malformed json_pack() format returns NULL: a bug. */
	if (!doc) {
		fputs("sfb: internal error: JSON document not built\n", stderr);
		abort();
	}
	json_dumpf(doc, stdout, flags);
	fputc('\n', stdout);
	json_decref(doc);
}

void sfb_json_emit(json_t *doc)
{
	if (out.emitted) {
		fputs("sfb: internal error: a second JSON document\n", stderr);
		abort();
	}
	dump(doc);
	out.emitted = true;
}

void sfb_json_emit_event(json_t *doc)
{
	dump(doc);
	fflush(stdout);
}

int sfb_json_finish(int status)
{
	char *msg = NULL;

	if (!out.on)
		return status;
	if (out.said) {
		fclose(stderr);
		stderr = out.real_stderr;
		fclose(out.said);
		msg = out.said_buf;
		while (out.said_len && msg[out.said_len - 1] == '\n')
			msg[--out.said_len] = '\0';
	}
	if (status && !out.emitted)
		sfb_json_emit(json_pack("{s:{s:o,s:i}}", "error", "message",
					sfb_json_str(msg ? msg : ""), "exit",
					status));
	free(msg);
	memset(&out, 0, sizeof(out));
	return status;
}

/*
 * The length of the valid UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

json_t *sfb_json_str(const char *bytes)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *s = (const unsigned char *)bytes;
	size_t len = strlen(bytes), n = 0;
	json_t *v;
	char *buf;

	/* Each byte becomes at most the replacement's 3. */
	buf = json_alloc(3 * len + 1);
	while (*s) {
		size_t k = utf8_len(s);

		if (k) {
			memcpy(buf + n, s, k);
			n += k;
			s += k;
		} else {
			memcpy(buf + n, replacement, 3);
			n += 3;
			s++;
		}
	}
	v = json_stringn_nocheck(buf, n);
	free(buf);
	return v;
}

json_t *sfb_json_uint(uint64_t v)
{
	/* jansson's integers are signed 64 bits: counters stay below 2^63. */
	return json_integer((json_int_t)v);
}

json_t *sfb_json_range(struct sfb_range r)
{
	return json_pack("{s:i,s:i}", "first", r.first, "last", r.last);
}

json_t *sfb_json_protos(uint8_t protos)
{
	json_t *a = json_array();

	if (protos & SFB_PROTO_TCP)
		json_array_append_new(a, json_string("tcp"));
	if (protos & SFB_PROTO_UDP)
		json_array_append_new(a, json_string("udp"));
	return a;
}

const char *sfb_json_class_key(enum sfb_class c)
{
	static const char *const keys[] = {
		[SFB_CLASS_SERVICE] = "service",
		[SFB_CLASS_MEDIA] = "media",
		[SFB_CLASS_EXEMPT] = "ipsec_exempt",
	};

	return keys[c];
}

json_t *sfb_json_marks(const uint32_t mark[SFB_CLASS_COUNT])
{
	json_t *o = json_object();

	for (int c = 0; c < SFB_CLASS_COUNT; c++)
		json_object_set_new(o, sfb_json_class_key((enum sfb_class)c),
				    json_integer(mark[c]));
	return o;
}
