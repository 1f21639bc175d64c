/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sfb.conf(5) lexer: one source buffer in, a token array out.
 *
 * A word is a run of letters, digits and "_-.:/" (names, numbers, port
 * ranges, addresses). Strings are double-quoted on one line, with \" and \\
 * as the only escapes. '#' starts a comment. Newlines are tokens because
 * they end statements, as ';' does.
 */
#ifndef SFB_LEXER_H
#define SFB_LEXER_H

#include "diag.h"

/* Input bounds: anything larger is rejected with an error, not truncated. */
#define SFB_MAX_FILE_SIZE	(1u << 24)
#define SFB_MAX_LINE_LEN	4096
#define SFB_MAX_TOKENS		(1u << 21)

enum sfb_tok_type {
	TOK_EOF,
	TOK_NEWLINE,
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_SEMI,
	TOK_COMMA,
};

struct sfb_token {
	enum sfb_tok_type type;
	const char *text;	/* into the source; a string's text excludes quotes */
	size_t len;
	struct sfb_loc loc;	/* a string's loc includes its quotes */
};

struct sfb_tokens {
	struct sfb_token *v;
	size_t n;		/* the last token is always TOK_EOF */
};

/*
 * Tokenize @text (registered with @d under @file, whose name pointer the
 * locations use). Returns false after reporting an error; @out is then
 * empty.
 */
bool sfb_lex(struct sfb_diag *d, const char *file, const char *text,
	     size_t len, struct sfb_tokens *out);
void sfb_tokens_free(struct sfb_tokens *t);

/* How a token reads in a message: "'foo'", "end of line", ... */
const char *sfb_token_describe(const struct sfb_token *t, char *buf,
			       size_t size);

#endif
