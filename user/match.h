/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SFB_A_MATCH, as MATCH's reply and the DENIAL event nest it: a packet and
 * what the ruleset does with it. match.c reads and prints it for sfbctl
 * match; monitor.c for the events.
 */
#ifndef SFBCTL_MATCH_H
#define SFBCTL_MATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

#define SFB_MATCH_NO_TARGET UINT32_MAX

struct sfb_match_packet {
	uint8_t proto;		/* SFB_PROTO_* */
	int family;		/* AF_INET or AF_INET6 */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
};

struct sfb_match_answer {
	uint64_t generation;
	uint32_t dst, src;	/* target ids, or SFB_MATCH_NO_TARGET */
	uint32_t classes, mark;
	uint8_t verdict;	/* enum sfb_verdict */
	bool valid;		/* the verdict was there */
};

/* Where sfb_match_parse_nest's callback puts what it reads. */
struct sfb_match_nest {
	struct sfb_match_packet *p;
	struct sfb_match_answer *a;
};

/*
 * Read the SFB_A_MATCH nest into @p and @a (set the targets to
 * SFB_MATCH_NO_TARGET first: absent means not bound). An mnl_cb status.
 */
int sfb_match_parse_nest(const struct nlattr *nest, struct sfb_match_packet *p,
			 struct sfb_match_answer *a);

/* "tcp ADDR port N -> ADDR port M", no newline. */
void sfb_match_packet_print(FILE *f, const struct sfb_match_packet *p);
/* {"protocol", "saddr", "sport", "daddr", "dport"} */
json_t *sfb_match_packet_json(const struct sfb_match_packet *p);
/* "accept", "drop", "would-drop" */
const char *sfb_verdict_name(uint8_t verdict);

#endif
