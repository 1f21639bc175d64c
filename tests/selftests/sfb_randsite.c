// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_randsite: a seeded random site file, and packets to test it with,
 * for differential_nft.sh.
 *
 *   sfb_randsite SEED NPACKETS SITE PACKETS
 *
 * and prints what SITE holds in one line: roles, binds, exemptions, mode,
 * and the marks of service, media and ipsec-exempt.
 * SITE gets a valid sfb.conf(5) file: a random mode and marks, roles with
 * random TCP/UDP service and media ranges (some extending others, one
 * named media range), ipsec-exempt rules constraining either side, and
 * binds of overlapping IPv4 and IPv6 prefixes inside the topology's
 * server subnets (192.0.2.16-255, 2001:db8::10-ff: lib.sh keeps .1 and .2),
 * sometimes one of the client's addresses too, so that "from ROLE"
 * exemptions apply. PACKETS gets NPACKETS lines
 *
 *   tcp|udp SADDR SPORT DADDR DPORT
 *
 * from the client (198.51.100.2, 2001:db8:c::2) to addresses in and out of
 * the binds, on ports at the edges of the ranges (and just outside them),
 * 500 and 4500, and at random; no two with the same destination, protocol
 * and port, so that what reaches the servers names each packet. The same
 * SEED gives the same files.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/rng.h"

#define MAX_ROLES	6
#define MAX_EDGES	512
#define MAX_PREFIXES	32
#define MAX_PACKETS	4096

static const char *const protos[] = { "tcp", "udp", "tcp,udp" };
static const char *const classes[] = { "service", "media", "ipsec-exempt" };

struct edges {
	unsigned int port[MAX_EDGES];
	unsigned int n;
};

/* destination and source ports worth probing: the edges of the ranges */
static struct edges dports, sports;

struct prefix {
	bool v6;
	unsigned int host, len;	/* the last byte's network, its length 24..32 */
};

static struct prefix prefixes[MAX_PREFIXES];
static unsigned int n_prefixes;

static void add_edge(struct edges *e, unsigned int port)
{
	if (port >= 1 && port <= 65535 && e->n < MAX_EDGES)
		e->port[e->n++] = port;
}

/* A random port range, written to @f; its edges and neighbours to @e. */
static void put_range(FILE *f, struct edges *e)
{
	unsigned int first, last;

	switch (rnd(4)) {
	case 0:
		first = 1 + rnd(65535);
		last = first;
		break;
	case 1:
		first = 1 + rnd(65400);
		last = first + rnd(64);
		break;
	case 2:
		first = 1024 + rnd(40000);
		last = first + rnd(25000);
		break;
	default:	/* up to an end of the port space */
		first = rnd(2) ? 1 : 60000 + rnd(5536);
		last = first == 1 ? 1 + rnd(2000) : 65535;
		break;
	}
	fprintf(f, first == last ? "%u" : "%u-%u", first, last);
	add_edge(e, first - 1);
	add_edge(e, first);
	add_edge(e, last);
	add_edge(e, last + 1);
}

/* ports: a range, or now and then the named media range "mr" */
static void put_ports(FILE *f, struct edges *e, bool named)
{
	if (named && !rnd(4))
		fputs("mr", f);
	else
		put_range(f, e);
}

static void put_role(FILE *f, unsigned int r)
{
	fprintf(f, "role r%u \"random role %u\" {\n", r, r);
	if (r && !rnd(3)) {
		unsigned int base = rnd(r), other;

		fprintf(f, "\textends r%u", base);
		if (r > 1 && !rnd(3)) {
			other = rnd(r - 1);
			fprintf(f, " r%u", other + (other >= base));
		}
		fputc('\n', f);
	}
	for (unsigned int k = rnd(4); k; k--) {
		fprintf(f, "\tservice r%us%u %s ", r, k, protos[rnd(3)]);
		put_range(f, &dports);
		fputs(" tcp\n", f);
	}
	for (unsigned int k = rnd(3); k; k--) {
		fprintf(f, "\tmedia r%um%u %s ", r, k, protos[rnd(3)]);
		put_ports(f, &dports, true);
		fputc('\n', f);
	}
	fputs("}\n", f);
}

/* One side of a flow, the sender's or the receiver's: role, then ports. */
static void put_exempt(FILE *f, unsigned int k, unsigned int nroles)
{
	bool src = rnd(2), role = rnd(2), ports = rnd(3);
	char who[8] = "any";

	if (role)
		snprintf(who, sizeof(who), "r%u", rnd(nroles));
	fprintf(f, "ipsec-exempt e%u { from %s; to %s; proto %s", k,
		src ? who : "any", src ? "any" : who, protos[rnd(3)]);
	if (ports) {
		fputs(src ? "; sport " : "; dport ", f);
		put_ports(f, src ? &sports : &dports, true);
	}
	fputs(" }\n", f);
}

static void put_address(FILE *f, bool v6, unsigned int host)
{
	fprintf(f, v6 ? "2001:db8::%x" : "192.0.2.%u", host);
}

static void put_bind(FILE *f, unsigned int nroles)
{
	fprintf(f, "bind r%u", rnd(nroles));
	for (unsigned int k = 1 + rnd(2); k; k--) {
		struct prefix *p = &prefixes[n_prefixes];

		p->v6 = rnd(2);
		p->len = 26 + rnd(7);
		do
			p->host = rnd(256) & ~((1u << (32 - p->len)) - 1) & 255;
		while (p->host < 16);
		fputc(' ', f);
		put_address(f, p->v6, p->host);
		fprintf(f, "/%u", p->len + (p->v6 ? 96 : 0));
		if (n_prefixes + 1 < MAX_PREFIXES)
			n_prefixes++;
	}
	fputc('\n', f);
}

/* what the site holds, for the summary line */
static unsigned int n_roles, n_exempts, n_binds, marks[3];
static bool enforce, client;

static void put_site(FILE *f)
{
	unsigned int nroles = 3 + rnd(MAX_ROLES - 2);

	enforce = rnd(2);
	fprintf(f, "# sfb_randsite\npolicy %s\n", enforce ? "enforce" : "monitor");
	for (unsigned int c = 0; c < 3; c++) {
		/* distinct bits per class, or none */
		unsigned int mark = rnd(4) ? (1u << (c * 5 + rnd(5))) : 0;

		if (rnd(3) == 0)
			mark |= 1u << (c * 5 + rnd(5));
		if (mark)
			fprintf(f, "mark %s %#x\n", classes[c], mark);
		marks[c] = mark;
	}
	fputs("media-range mr ", f);
	put_range(f, rnd(2) ? &dports : &sports);
	fputc('\n', f);
	for (unsigned int r = 0; r < nroles; r++)
		put_role(f, r);
	n_exempts = 1 + rnd(4);
	for (unsigned int k = n_exempts; k; k--)
		put_exempt(f, k, nroles);
	n_binds = 3 + rnd(6);
	for (unsigned int k = n_binds; k; k--)
		put_bind(f, nroles);
	client = rnd(2);
	if (client)
		fprintf(f, "bind r%u %s\n", rnd(nroles),
			rnd(2) ? "198.51.100.2/32" : "198.51.100.0/24 2001:db8:c::/64");
	n_roles = nroles;
}

/* An address to probe: mostly in a bound prefix, else anywhere in range. */
static unsigned int pick_host(bool *v6)
{
	unsigned int host;

	do {
		if (n_prefixes && rnd(10) < 7) {
			const struct prefix *p = &prefixes[rnd(n_prefixes)];

			*v6 = p->v6;
			host = p->host + rnd(1u << (32 - p->len));
		} else {
			*v6 = rnd(2);
			host = 16 + rnd(240);
		}
	} while (!*v6 && host == 255);	/* the servers' subnet's broadcast */
	return host;
}

static unsigned int pick_port(const struct edges *e)
{
	unsigned int r = rnd(20);

	if (r < 12 && e->n)
		return e->port[rnd(e->n)];
	if (r < 14)
		return rnd(2) ? 500 : 4500;
	return 1 + rnd(65535);
}

static void put_packets(FILE *f, unsigned int n)
{
	static unsigned char used[2][256][2][65536 / 8];

	for (unsigned int i = 0; i < n; i++) {
		unsigned int host, proto, dport, sport;
		bool v6;

		do {
			host = pick_host(&v6);
			proto = rnd(2);
			dport = pick_port(&dports);
		} while (used[v6][host][proto][dport / 8] & (1 << dport % 8));
		used[v6][host][proto][dport / 8] |= 1 << dport % 8;
		sport = pick_port(&sports);
		fprintf(f, "%s %s %u ", protos[proto],
			v6 ? "2001:db8:c::2" : "198.51.100.2", sport);
		put_address(f, v6, host);
		fprintf(f, " %u\n", dport);
	}
}

static bool write_file(const char *name, void (*put)(FILE *, unsigned int),
		       unsigned int n)
{
	FILE *f = fopen(name, "w");

	if (!f) {
		perror(name);
		return false;
	}
	put(f, n);
	if (fclose(f)) {
		perror(name);
		return false;
	}
	return true;
}

static void put_site_n(FILE *f, unsigned int n)
{
	(void)n;
	put_site(f);
}

int main(int argc, char *argv[])
{
	unsigned int n = argc == 5 ? strtoul(argv[2], NULL, 0) : 0;

	if (argc != 5 || n > MAX_PACKETS) {
		fprintf(stderr, "usage: sfb_randsite SEED NPACKETS SITE PACKETS (NPACKETS <= %d)\n",
			MAX_PACKETS);
		return 2;
	}
	rng_state = strtoull(argv[1], NULL, 0);
	if (!write_file(argv[3], put_site_n, 0) ||
	    !write_file(argv[4], put_packets, n))
		return 1;
	printf("%u roles, %u binds%s, %u ipsec-exempt rules, policy %s, marks %#x %#x %#x\n",
	       n_roles, n_binds, client ? " and the client's" : "", n_exempts,
	       enforce ? "enforce" : "monitor", marks[0], marks[1], marks[2]);
	return 0;
}
