// SPDX-License-Identifier: GPL-2.0
/*
 * Where include looks: a relative name next to the including file first,
 * then in the catalogue's directory (sfb_include_dir, SFB_ROLES_DIR as
 * built), so that a site file anywhere can include "sfb2015.conf". A file
 * next to the site wins; an absolute name is looked for there only; a
 * missing file is an error at the include that names both places tried.
 *
 * Each test builds its own tree under /tmp: roles/ stands for the
 * catalogue's directory, site/ for /etc/sfb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "config.h"
#include "diag.h"
#include "parse.h"

/* FIXTURE_DATA(tree) *self would read to checkpatch as a product. */
#define TREE_DATA FIXTURE_DATA(tree)

FIXTURE(tree)
{
	char dir[64];
	char path[256];
	struct sfb_diag *d;
	char *out;		/* what the diagnostics print */
};

FIXTURE_SETUP(tree)
{
	char roles[128], site[128];

	snprintf(self->dir, sizeof(self->dir), "/tmp/sfb-include-test-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(roles, sizeof(roles), "%s/roles", self->dir);
	snprintf(site, sizeof(site), "%s/site", self->dir);
	ASSERT_EQ(0, mkdir(roles, 0755));
	ASSERT_EQ(0, mkdir(site, 0755));
	sfb_include_dir = strdup(roles);
	ASSERT_NE(NULL, sfb_include_dir);
	self->d = sfb_diag_new();
	self->out = NULL;
}

FIXTURE_TEARDOWN(tree)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
	free((char *)sfb_include_dir);
	sfb_diag_free(self->d);
	free(self->out);
}

/* Write @text to DIR/@name; the path into self->path. */
static void put(struct __test_metadata *_metadata, TREE_DATA *self,
		const char *name, const char *text)
{
	FILE *f;

	snprintf(self->path, sizeof(self->path), "%s/%s", self->dir, name);
	f = fopen(self->path, "w");
	ASSERT_NE(NULL, f);
	fputs(text, f);
	ASSERT_EQ(0, fclose(f));
}

/* Load DIR/site/site.conf; the diagnostics into self->out. */
static struct sfb_config *load(TREE_DATA *self)
{
	struct sfb_config *cfg;
	size_t len;
	FILE *f;

	snprintf(self->path, sizeof(self->path), "%s/site/site.conf", self->dir);
	cfg = sfb_config_load(self->path, self->d);
	f = open_memstream(&self->out, &len);
	if (!f)
		abort();
	sfb_diag_print(self->d, f, false);
	fclose(f);
	return cfg;
}

static bool has_role(const struct sfb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_roles; i++)
		if (!strcmp(cfg->roles[i].name, name))
			return true;
	return false;
}

TEST(built_for_the_installed_catalogue)
{
	EXPECT_STREQ(SFB_ROLES_DIR, sfb_include_dir);
}

TEST_F(tree, falls_back_to_the_catalogue)
{
	struct sfb_config *cfg;

	put(_metadata, self, "roles/cat.conf",
	    "role fe \"Front-End\" {\n\tservice sip tcp 5061 tls\n}\n");
	put(_metadata, self, "site/site.conf",
	    "include \"cat.conf\"\nbind fe 192.0.2.10/32\n");
	cfg = load(self);
	ASSERT_NE(NULL, cfg) TH_LOG("%s", self->out);
	EXPECT_TRUE(has_role(cfg, "fe"));
	sfb_config_free(cfg);
}

/* The catalogue's own relative includes stay in its directory. */
TEST_F(tree, catalogue_includes_its_neighbours)
{
	struct sfb_config *cfg;

	put(_metadata, self, "roles/cat.conf", "include \"more.conf\"\n");
	put(_metadata, self, "roles/more.conf",
	    "role fe \"Front-End\" {\n\tservice sip tcp 5061 tls\n}\n");
	put(_metadata, self, "site/site.conf",
	    "include \"cat.conf\"\nbind fe 192.0.2.10/32\n");
	cfg = load(self);
	ASSERT_NE(NULL, cfg) TH_LOG("%s", self->out);
	sfb_config_free(cfg);
}

TEST_F(tree, next_to_the_file_wins)
{
	struct sfb_config *cfg;

	put(_metadata, self, "roles/cat.conf",
	    "role shipped \"Shipped\" {\n\tservice sip tcp 5061 tls\n}\n");
	put(_metadata, self, "site/cat.conf",
	    "role local \"Local\" {\n\tservice sip tcp 5061 tls\n}\n");
	put(_metadata, self, "site/site.conf",
	    "include \"cat.conf\"\nbind local 192.0.2.10/32\n");
	cfg = load(self);
	ASSERT_NE(NULL, cfg) TH_LOG("%s", self->out);
	EXPECT_TRUE(has_role(cfg, "local"));
	EXPECT_FALSE(has_role(cfg, "shipped"));
	sfb_config_free(cfg);
}

TEST_F(tree, missing_names_both_places)
{
	char want[512];

	put(_metadata, self, "site/site.conf", "\ninclude \"nope.conf\"\n");
	EXPECT_EQ(NULL, load(self));
	snprintf(want, sizeof(want),
		 "%s/site/site.conf:2:9: error: cannot read '%s/site/nope.conf' or '%s/roles/nope.conf': No such file or directory\n",
		 self->dir, self->dir, self->dir);
	EXPECT_EQ(0, strncmp(self->out, want, strlen(want)))
		TH_LOG("got: %s", self->out);
}

TEST_F(tree, absolute_is_looked_for_there_only)
{
	char text[256], want[512];

	put(_metadata, self, "roles/cat.conf",
	    "role fe \"Front-End\" {\n\tservice sip tcp 5061 tls\n}\n");
	snprintf(text, sizeof(text), "include \"%s/cat.conf\"\n", self->dir);
	put(_metadata, self, "site/site.conf", text);
	EXPECT_EQ(NULL, load(self));
	snprintf(want, sizeof(want),
		 "%s/site/site.conf:1:9: error: cannot read '%s/cat.conf': No such file or directory\n",
		 self->dir, self->dir);
	EXPECT_EQ(0, strncmp(self->out, want, strlen(want)))
		TH_LOG("got: %s", self->out);
}

/* Another error than a missing file is that file's: no fallback. */
TEST_F(tree, unreadable_is_not_missing)
{
	char want[512];

	put(_metadata, self, "roles/cat.conf", "\n");
	snprintf(self->path, sizeof(self->path), "%s/site/cat.conf", self->dir);
	ASSERT_EQ(0, mkdir(self->path, 0755));
	put(_metadata, self, "site/site.conf", "include \"cat.conf\"\n");
	EXPECT_EQ(NULL, load(self));
	snprintf(want, sizeof(want),
		 "%s/site/site.conf:1:9: error: cannot read '%s/site/cat.conf': not a regular file\n",
		 self->dir, self->dir);
	EXPECT_EQ(0, strncmp(self->out, want, strlen(want)))
		TH_LOG("got: %s", self->out);
}

TEST_HARNESS_MAIN
