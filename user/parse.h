/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sfb.conf(5) parser: tokens to a syntax tree, following includes.
 * Only config.c uses this; everyone else reads struct sfb_config.
 *
 * The tree is what was written, checked only for form (a port is a number
 * in range, a protocol is tcp or udp); names are resolved by config.c.
 */
#ifndef SFB_PARSE_H
#define SFB_PARSE_H

#include <sys/types.h>

#include "config.h"

struct ast_name {
	const char *name;	/* NULL: "any" where that is allowed */
	struct sfb_loc loc;
};

enum ast_ports_kind {
	PORTS_RANGE,
	PORTS_MEDIA,		/* a named media range, resolved later */
	PORTS_ANY,
};

struct ast_ports {
	enum ast_ports_kind kind;
	struct sfb_range range;
	const char *media;
	struct sfb_loc loc;
};

struct ast_rule {
	struct ast_rule *next;
	enum sfb_class class;
	struct ast_name name;
	uint8_t protos;
	struct ast_ports ports;
	const char *transport;	/* canonical "a,b"; "" for media */
	const char *note;	/* "" if none */
	const char *rows;	/* source table rows, canonical "a,b"; "" if none */
	unsigned int stamp;	/* config.c: last role that composed it */
};

struct ast_extends {
	struct ast_extends *next;
	struct ast_name base;
};

struct ast_role {
	struct ast_role *next;
	struct ast_name name;
	const char *description;
	struct ast_extends *extends, **extends_tail;
	size_t n_extends;
	struct ast_rule *rules, **rules_tail;
	size_t n_rules;
};

struct ast_media_range {
	struct ast_media_range *next;
	struct ast_name name;
	struct sfb_range range;
	const char *rows;	/* as a rule's; "" for an override */
	bool override;
};

struct ast_exempt {
	struct ast_exempt *next;
	struct ast_name name;
	struct ast_name from, to;	/* name NULL: any */
	uint8_t protos;
	struct ast_ports sport, dport;
	const char *rows;	/* as a rule's */
};

struct ast_prefix {
	struct ast_prefix *next;
	struct sfb_prefix prefix;
	struct sfb_loc loc;
};

struct ast_iface {
	struct ast_iface *next;
	char name[SFB_IFNAMSIZ];
};

struct ast_bind {
	struct ast_bind *next;
	struct ast_name role;
	struct sfb_loc loc;
	struct ast_prefix *prefixes, **prefixes_tail;
	size_t n_prefixes;
	struct ast_iface *ifaces, **ifaces_tail;
	size_t n_ifaces;
	struct sfb_loc iface_loc;	/* the first "iface" keyword */
};

struct ast_setting {
	bool set;
	uint32_t value;
	struct sfb_loc loc;
};

struct ast_file {
	dev_t dev;
	ino_t ino;
	bool open;		/* still being parsed: including it is a cycle */
};

struct ast {
	struct sfb_arena *arena;
	struct ast_role *roles, **roles_tail;
	size_t n_roles;
	struct ast_media_range *media, **media_tail;
	size_t n_media;
	struct ast_exempt *exempts, **exempts_tail;
	size_t n_exempts;
	struct ast_bind *binds, **binds_tail;
	size_t n_binds;
	struct ast_setting policy;		/* value: enum sfb_mode */
	struct ast_setting log_rate;		/* value: events per second */
	struct ast_setting log_group;		/* value: NFLOG group */
	struct ast_setting log_prefix;		/* the prefix is below */
	const char *log_prefix_text;
	struct ast_setting mark[SFB_CLASS_COUNT];
	struct ast_file files[SFB_MAX_FILES];
	size_t n_files;
	bool gave_up;		/* SFB_MAX_ERRORS reached, and said so */
};

void ast_init(struct ast *ast);
void ast_release(struct ast *ast);

/*
 * Where a relative include that is not next to the file including it is
 * looked for: the installed catalogue's directory, SFB_ROLES_DIR. Tests
 * point it elsewhere.
 */
extern const char *sfb_include_dir;

/* Parse a file and what it includes into @ast; false if any error. */
bool sfb_parse_file(struct ast *ast, const char *path, struct sfb_diag *d);
/* Parse a buffer named @name; "include" is an error there. */
bool sfb_parse_buffer(struct ast *ast, const char *name, const char *buf,
		      size_t len, struct sfb_diag *d);

#endif
