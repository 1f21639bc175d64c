/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resolved sfb configuration: what sfb.conf(5) files mean once includes,
 * "extends" and named media ranges are resolved and lint has run. Every
 * backend (netlink load, nft export, xfrm, reports) reads this and nothing
 * else; none of them sees syntax.
 *
 * All of it lives in one allocation arena owned by the sfb_config: pointers
 * between its parts stay valid until sfb_config_free(). Ports are host byte
 * order and inclusive. Locations point at the defining statement, for
 * messages such as "rejected by the kernel: site.conf:12:1".
 */
#ifndef SFB_CONFIG_H
#define SFB_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "uapi/linux/sfb.h"

/*
 * Protocol sets (SFB_PROTO_*), classes (enum sfb_class) and modes (enum
 * sfb_mode) are the UAPI's, so a configuration needs no translation to be
 * loaded. SFB_CLASS_EXEMPT is spelt "ipsec-exempt" in files.
 */
#define SFB_CLASS_COUNT (SFB_CLASS_MAX + 1)

/* Input bounds beyond the lexer's. */
#define SFB_MAX_INCLUDE_DEPTH	8
#define SFB_MAX_FILES		32
#define SFB_MAX_ROLE_RULES	65536	/* per role, after composition */
#define SFB_MAX_CONF_RULES	(1u << 18)	/* all roles, after composition */

struct sfb_range {
	uint16_t first;
	uint16_t last;		/* >= first */
};

struct sfb_conf_role;

/* A service or media rule of a role, after composition. */
struct sfb_conf_rule {
	const char *name;	/* unique within the role */
	enum sfb_class class;	/* SFB_CLASS_SERVICE or SFB_CLASS_MEDIA */
	uint8_t protos;		/* SFB_PROTO_* */
	struct sfb_range ports;
	const char *media_range; /* the named range the ports came from, or NULL */
	const char *transport;	/* "tls", "https,tcp"...; "" for media */
	const char *note;	/* "" if none; merged duplicates joined by " / " */
	/*
	 * The source table rows it encodes ("T1.1,T1.38"; "" if none given),
	 * merged duplicates' too: reports name them.
	 */
	const char *rows;
	const struct sfb_conf_role *origin;	/* the role whose body defines it */
	struct sfb_loc loc;
};

struct sfb_conf_role {
	const char *name;
	const char *description;
	/* Inherited rules first, in "extends" order, then the role's own. */
	const struct sfb_conf_rule *rules;
	size_t n_rules;
	/* The roles named by "extends", in order. */
	const struct sfb_conf_role *const *extends;
	size_t n_extends;
	/* Every role this one extends, directly or not, sorted by address. */
	const struct sfb_conf_role *const *bases;
	size_t n_bases;
	struct sfb_loc loc;
};

struct sfb_media_range {
	const char *name;
	struct sfb_range ports;	/* after any "override" */
	const char *rows;	/* as a rule's, from the definition */
	struct sfb_loc loc;	/* of the definition in effect */
};

/*
 * Exempt matching flows from IPsec (authentication "none"). A NULL role
 * means "any"; a rule naming a role also covers the roles that extend it.
 */
struct sfb_ipsec_exempt {
	const char *name;
	const struct sfb_conf_role *from;
	const struct sfb_conf_role *to;
	uint8_t protos;
	struct sfb_range sport;		/* 0-65535 for "any" */
	struct sfb_range dport;
	const char *sport_media;	/* named media range, or NULL */
	const char *dport_media;
	const char *rows;		/* as a rule's */
	struct sfb_loc loc;
};

struct sfb_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; host bits are zero */
	uint8_t len;		/* prefix length */
};

#define SFB_IFNAMSIZ 16		/* IFNAMSIZ, NUL included */

struct sfb_binding {
	const struct sfb_conf_role *role;
	const struct sfb_prefix *prefixes;
	const struct sfb_loc *prefix_locs;	/* of each prefix */
	size_t n_prefixes;
	const char (*ifaces)[SFB_IFNAMSIZ];
	size_t n_ifaces;
	struct sfb_loc iface_loc;	/* of the first "iface" keyword */
	struct sfb_loc loc;
};

struct sfb_config {
	const struct sfb_conf_role *roles;	/* in definition order */
	size_t n_roles;
	const struct sfb_media_range *media_ranges;
	size_t n_media_ranges;
	const struct sfb_ipsec_exempt *exempts;
	size_t n_exempts;
	const struct sfb_binding *bindings;
	size_t n_bindings;
	enum sfb_mode mode;		/* SFB_MODE_MONITOR unless set */
	uint32_t mark[SFB_CLASS_COUNT];	/* skb->mark bits per class; 0 = none */
	uint32_t log_rate;		/* denial events per second and CPU;
					 * 0: not set, the module's default
					 */
	/* policy log: NFLOG to log_group, or the kernel log (a prefix alone) */
	bool log_nflog;			/* "log group" is set */
	uint16_t log_group;
	const char *log_prefix;		/* NULL: none */
	struct sfb_arena *arena;	/* private */
};

/*
 * FILE "-" is standard input, which diagnostics call what nft calls it;
 * its relative includes resolve against the current directory, then the
 * catalogue's.
 */
#define SFB_STDIN_NAME "/dev/stdin"
/* How diagnostics name @path: SFB_STDIN_NAME for "-". */
const char *sfb_config_file_name(const char *path);

/*
 * Load @path ("-": standard input) and everything it includes. On any error (all of them are
 * reported to @d, with warnings and notes) return NULL: a configuration is
 * accepted whole or not at all. Locations refer to sources kept by @d.
 */
struct sfb_config *sfb_config_load(const char *path, struct sfb_diag *d);
/*
 * The same from memory, as file @name. "include" is rejected: input that is
 * not a file has no directory to resolve it against.
 */
struct sfb_config *sfb_config_parse(const char *name, const char *buf,
				    size_t len, struct sfb_diag *d);
void sfb_config_free(struct sfb_config *cfg);

const struct sfb_conf_role *sfb_config_role(const struct sfb_config *cfg,
					    const char *name);
/* True if @role is @base or extends it, directly or not. */
bool sfb_role_is_a(const struct sfb_conf_role *role, const struct sfb_conf_role *base);

const char *sfb_class_name(enum sfb_class class);	/* "service"... */
const char *sfb_policy_name(enum sfb_mode mode);
/* "tcp", "udp" or "tcp,udp". */
const char *sfb_protos_name(uint8_t protos);
/* "N" or "N-M" into @buf (at least 12 bytes). */
const char *sfb_range_format(struct sfb_range r, char *buf, size_t size);
/* "ADDR/LEN" into @buf. */
#define SFB_PREFIX_STRLEN 50
const char *sfb_prefix_format(const struct sfb_prefix *p, char *buf,
			      size_t size);

#endif
