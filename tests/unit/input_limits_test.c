// SPDX-License-Identifier: GPL-2.0
/*
 * sfb.conf(5)'s input limits hold where documented: a role of 65,536
 * rules and a file of 65,536 binds resolve, one rule more is an error at
 * the role, and a file over the size or token limit is refused whole, with
 * the limit in the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "config.h"
#include "diag.h"
#include "lexer.h"

/* A growing text buffer. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f)
		abort();
}

static void text_close(struct text *t)
{
	if (fclose(t->f))
		abort();
}

/* Parse @t as one file; the diagnostics into *@out (caller frees). */
static struct sfb_config *parse(struct text *t, char **out)
{
	struct sfb_diag *d = sfb_diag_new();
	struct sfb_config *cfg;
	size_t len;
	FILE *f;

	cfg = sfb_config_parse("limits.conf", t->buf, t->len, d);
	f = open_memstream(out, &len);
	if (!f)
		abort();
	sfb_diag_print(d, f, false);
	fclose(f);
	sfb_diag_free(d);
	return cfg;
}

/* One role of @rules single-port rules, bound to @binds addresses. */
static void big_site(struct text *t, unsigned int rules, unsigned int binds)
{
	text_open(t);
	fputs("role big \"many rules\" {\n", t->f);
	for (unsigned int p = 0; p < rules; p++)
		fprintf(t->f, "service p%u %s %u udp\n", p,
			p < 65536 ? "udp" : "tcp", p % 65536);
	fputs("}\n", t->f);
	for (unsigned int i = 0; i < binds; i++)
		fprintf(t->f, "bind big 10.%u.%u.0/24\n", i / 256, i % 256);
	text_close(t);
}

TEST(largest_role_and_binds)
{
	struct sfb_config *cfg;
	struct text t;
	char *out;

	big_site(&t, 65536, 65536);
	cfg = parse(&t, &out);
	ASSERT_NE(NULL, cfg) TH_LOG("%s", out);
	EXPECT_EQ(65536U, cfg->roles[0].n_rules);
	EXPECT_EQ(65536U, cfg->n_bindings);
	sfb_config_free(cfg);
	free(out);
	free(t.buf);
}

TEST(one_rule_too_many)
{
	const char *want = "limits.conf:1:6: error: role 'big' has more than 65536 rules";
	struct sfb_config *cfg;
	struct text t;
	char *out;

	big_site(&t, 65537, 1);
	cfg = parse(&t, &out);
	EXPECT_EQ(NULL, cfg);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	free(out);
	free(t.buf);
}

/* @t must be refused with @msg in the diagnostics; frees @t. */
static void expect_refused(struct __test_metadata *_metadata, struct text *t,
			   const char *msg)
{
	struct sfb_config *cfg;
	char *out;

	cfg = parse(t, &out);
	EXPECT_EQ(NULL, cfg);
	EXPECT_NE(NULL, strstr(out, msg)) TH_LOG("%s", out);
	free(out);
	free(t->buf);
}

TEST(file_too_large)
{
	struct text t;
	char msg[80];

	text_open(&t);
	for (size_t n = 0; n <= SFB_MAX_FILE_SIZE; n += 64)
		fprintf(t.f, "%-63s\n", "# padding");
	text_close(&t);
	snprintf(msg, sizeof(msg), "is too large (more than %u bytes)",
		 SFB_MAX_FILE_SIZE);
	expect_refused(_metadata, &t, msg);
}

TEST(too_many_tokens)
{
	struct text t;
	char msg[80], line[65];

	/* 64 tokens a line: 63 semicolons and the newline. */
	memset(line, ';', 63);
	line[63] = '\n';
	line[64] = '\0';
	text_open(&t);
	for (size_t n = 0; n <= SFB_MAX_TOKENS; n += 64)
		fputs(line, t.f);
	text_close(&t);
	ASSERT_GT((size_t)SFB_MAX_FILE_SIZE, t.len);
	snprintf(msg, sizeof(msg), "too many tokens in one file (more than %u)",
		 SFB_MAX_TOKENS);
	expect_refused(_metadata, &t, msg);
}

TEST_HARNESS_MAIN
