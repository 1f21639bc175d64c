/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics for configuration files, printed the way nft prints them:
 *
 *   site.conf:12:17: error: unknown role 'frontend'; did you mean 'front-end'?
 *   bind frontend 192.0.2.0/24
 *        ^~~~~~~~
 *
 * A diagnostic context owns a copy of every source file it has seen, so
 * locations stay printable after the parser is gone.
 */
#ifndef SFB_DIAG_H
#define SFB_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

enum sfb_severity {
	SFB_ERROR,
	SFB_WARNING,
	SFB_NOTE,
};

/* A span in a source file: line and col are 1-based, len is in bytes. */
struct sfb_loc {
	const char *file;	/* owned by the sfb_diag; NULL: no location */
	unsigned int line;
	unsigned int col;
	unsigned int len;
};

/* Parsing stops once this many errors have been reported. */
#define SFB_MAX_ERRORS 20

struct sfb_diag;

struct sfb_diag *sfb_diag_new(void);
void sfb_diag_free(struct sfb_diag *d);

/*
 * Keep a copy of @text under @name and return the stable name that
 * locations in it use. The first source added is the top-level file: lint
 * from other files is summarised rather than printed (see sfb_diag_print).
 */
const char *sfb_diag_add_source(struct sfb_diag *d, const char *name,
				const char *text, size_t len);
/* The stored copy of a source, NUL-terminated. */
const char *sfb_diag_source_text(const struct sfb_diag *d, const char *name);

void sfb_diag_report(struct sfb_diag *d, enum sfb_severity sev,
		     const struct sfb_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A note that belongs to the previous diagnostic ("first defined here"). */
void sfb_diag_attach(struct sfb_diag *d, const struct sfb_loc *loc,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "unknown WHAT 'NAME'" plus "; did you mean 'X'?" when one is close. */
void sfb_diag_unknown(struct sfb_diag *d, const struct sfb_loc *loc,
		      const char *what, const char *name,
		      const char *const *candidates, size_t n);

/* Verbose: sfb_diag_print counts the lint it leaves out. */
void sfb_diag_set_verbose(struct sfb_diag *d, bool verbose);

unsigned int sfb_diag_count(const struct sfb_diag *d, enum sfb_severity sev);

/* The candidate closest to @word by edit distance, if close enough. */
const char *sfb_suggest(const char *word, const char *const *candidates,
			size_t n);

/*
 * Print every error, and the warnings and notes located in the top-level
 * file, each followed by its source line and a caret under the culprit.
 * Lint in included files is left out: an admin checking a site file cannot
 * fix the shipped catalogue; in verbose mode, one closing note counts it.
 */
void sfb_diag_print(const struct sfb_diag *d, FILE *f, bool errors_only);
/*
 * Errors and warnings only, and only those of the top-level file: what a
 * command that acts on a file (load) should say, without check's lint.
 */
void sfb_diag_print_warnings(const struct sfb_diag *d, FILE *f);
/* All diagnostics as a JSON array (attached notes nested as "notes"). */
json_t *sfb_diag_json(const struct sfb_diag *d);

#endif
