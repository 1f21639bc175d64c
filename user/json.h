/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sfbctl's JSON output (-j, -p): every command builds its document as a
 * json_t with the constructors below and hands it to sfb_json_emit, which
 * writes it as the one line (or, with -p, the indented text) of standard
 * output. The layout of every document is user/man/sfb-json.schema.json,
 * described in sfbctl(8), JSON.
 *
 * Strings from files and from the kernel are bytes: sfb_json_str turns
 * each byte that is not part of valid UTF-8 into U+FFFD, so the output is
 * always valid JSON (jansson escapes quotes and control characters).
 *
 * A command that fails with -j writes an error document instead of its
 * own: {"error":{"message":M,"exit":N}}, M being what it wrote to standard
 * error, which it still does.
 */
#ifndef SFB_JSON_H
#define SFB_JSON_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * -j/--json and -p/--pretty (indented; implies -j): getopt_long's short
 * options; the long ones are { "json", ..., 'j' }, { "pretty", ..., 'p' }.
 */
#define SFB_JSON_SHORTOPTS "jp"

/* Take option @c if it is 'j' or 'p': true if it was. */
bool sfb_json_option(int c);
/* Whether the command writes JSON. */
bool sfb_json_enabled(void);

/* Write @doc (its reference is taken) as the command's document. */
void sfb_json_emit(json_t *doc);
/*
 * Write @doc (its reference is taken) as one of a stream of documents
 * (monitor's events), each on its line (-p: indented), and flush it.
 */
void sfb_json_emit_event(json_t *doc);

/*
 * At the command's exit, with its status: the error document if it failed
 * without writing its own. Returns @status; the next command starts anew.
 */
int sfb_json_finish(int status);

/* Values; none returns NULL (out of memory aborts, as the arena does). */
json_t *sfb_json_str(const char *bytes);
json_t *sfb_json_uint(uint64_t v);
json_t *sfb_json_range(struct sfb_range r);	/* {"first":N,"last":M} */
json_t *sfb_json_protos(uint8_t protos);	/* ["tcp","udp"] */
/* Per class, keyed "service", "media", "ipsec_exempt" (the marks). */
json_t *sfb_json_marks(const uint32_t mark[SFB_CLASS_COUNT]);

#endif
