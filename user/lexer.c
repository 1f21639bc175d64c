// SPDX-License-Identifier: GPL-2.0
/*
 * The sfb.conf(5) lexer. It stops at the first error: after a bad character
 * or an unterminated string, later tokens would only produce noise.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "lexer.h"

static bool is_word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' ||
	       c == '/';
}

static bool push(struct sfb_diag *d, struct sfb_tokens *out, size_t *cap,
		 const struct sfb_token *tok)
{
	if (out->n == SFB_MAX_TOKENS) {
		sfb_diag_report(d, SFB_ERROR, &tok->loc,
				"too many tokens in one file (more than %u)",
				SFB_MAX_TOKENS);
		return false;
	}
	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct sfb_token *v = realloc(out->v, ncap * sizeof(*v));

		if (!v)
			sfb_oom();
		out->v = v;
		*cap = ncap;
	}
	out->v[out->n++] = *tok;
	return true;
}

/* Reject overlong lines up front, so no later message quotes one. */
static bool check_lines(struct sfb_diag *d, const char *file, const char *text,
			size_t len)
{
	unsigned int line = 1;
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i - start > SFB_MAX_LINE_LEN) {
			struct sfb_loc loc = { file, line, SFB_MAX_LINE_LEN + 1, 1 };

			sfb_diag_report(d, SFB_ERROR, &loc,
					"line too long (more than %u characters)",
					SFB_MAX_LINE_LEN);
			return false;
		}
		start = i + 1;
		line++;
	}
	return true;
}

static bool lex_string(struct sfb_diag *d, struct sfb_token *tok,
		       const char *text, size_t len, size_t *pos)
{
	size_t i = *pos + 1;

	while (i < len && text[i] != '"' && text[i] != '\n') {
		const unsigned char *c = (const unsigned char *)text + i;
		/*
		 * Strings reach show, stats and the exports verbatim: no
		 * control a terminal acts on: C0, DEL, C1 in UTF-8. Bytes
		 * that are not UTF-8 (Latin-1 text) stay, as JSON's U+FFFD.
		 */
		bool c1 = *c == 0xc2 && i + 1 < len && c[1] >= 0x80 && c[1] < 0xa0;

		if ((*c < 0x20 && *c != '\t') || *c == 0x7f || c1) {
			struct sfb_loc loc = tok->loc;

			loc.col += (unsigned int)(i - *pos);
			if (c1) {
				loc.len = 2;
				sfb_diag_report(d, SFB_ERROR, &loc,
						"control character U+%04X in string",
						c[1]);
			} else {
				sfb_diag_report(d, SFB_ERROR, &loc,
						"control character '\\x%02x' in string",
						*c);
			}
			return false;
		}
		if (text[i] == '\\') {
			struct sfb_loc loc = tok->loc;

			loc.col += (unsigned int)(i - *pos);
			loc.len = 2;
			if (i + 1 >= len || (text[i + 1] != '"' && text[i + 1] != '\\')) {
				sfb_diag_report(d, SFB_ERROR, &loc,
						"invalid escape in string (only \\\" and \\\\ are allowed)");
				return false;
			}
			i++;
		}
		i++;
	}
	if (i >= len || text[i] != '"') {
		sfb_diag_report(d, SFB_ERROR, &tok->loc, "unterminated string");
		return false;
	}
	tok->type = TOK_STRING;
	tok->text = text + *pos + 1;
	tok->len = i - *pos - 1;
	tok->loc.len = (unsigned int)(i - *pos + 1);
	*pos = i + 1;
	return true;
}

bool sfb_lex(struct sfb_diag *d, const char *file, const char *text,
	     size_t len, struct sfb_tokens *out)
{
	unsigned int line = 1;
	size_t line_start = 0, cap = 0, i = 0;
	struct sfb_token tok;

	memset(out, 0, sizeof(*out));
	if (!check_lines(d, file, text, len))
		return false;
	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		memset(&tok, 0, sizeof(tok));
		tok.text = text + i;
		tok.len = 1;
		tok.loc = (struct sfb_loc){ file, line,
					    (unsigned int)(i - line_start + 1), 1 };
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (c == '\n') {
			tok.type = TOK_NEWLINE;
			i++;
			line++;
			line_start = i;
		} else if (c == '"') {
			if (!lex_string(d, &tok, text, len, &i))
				goto fail;
		} else if (c == '{' || c == '}' || c == ';' || c == ',') {
			tok.type = c == '{' ? TOK_LBRACE : c == '}' ? TOK_RBRACE :
				   c == ';' ? TOK_SEMI : TOK_COMMA;
			i++;
		} else if (is_word_char(c)) {
			size_t start = i;

			while (i < len && is_word_char((unsigned char)text[i]))
				i++;
			tok.type = TOK_WORD;
			tok.len = i - start;
			tok.loc.len = (unsigned int)tok.len;
		} else {
			if (isprint(c))
				sfb_diag_report(d, SFB_ERROR, &tok.loc,
						"unexpected character '%c'", c);
			else
				sfb_diag_report(d, SFB_ERROR, &tok.loc,
						"unexpected character '\\x%02x'", c);
			goto fail;
		}
		if (!push(d, out, &cap, &tok))
			goto fail;
	}
	memset(&tok, 0, sizeof(tok));
	tok.type = TOK_EOF;
	tok.text = text + len;
	tok.loc = (struct sfb_loc){ file, line,
				    (unsigned int)(len - line_start + 1), 1 };
	if (push(d, out, &cap, &tok))
		return true;
fail:
	sfb_tokens_free(out);
	return false;
}

void sfb_tokens_free(struct sfb_tokens *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const char *sfb_token_describe(const struct sfb_token *t, char *buf,
			       size_t size)
{
	switch (t->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_NEWLINE:
		return "end of line";
	case TOK_STRING:
		snprintf(buf, size, "\"%.*s\"", (int)(t->len > 40 ? 40 : t->len),
			 t->text);
		return buf;
	default:
		snprintf(buf, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
			 t->text);
		return buf;
	}
}
