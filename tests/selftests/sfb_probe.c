// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_probe: send one packet that opens a flow to each of many ports, so a
 * selftest can see at the far end which ones the gateway let through.
 *
 *   sfb_probe [-x hbh|dst|both] [-s SPORT] [-t] [-l LEN] tcp|udp ADDR PORTS...
 *   sfb_probe [OPTIONS] -      (one "[-s SPORT] tcp|udp ADDR PORTS..." per
 *                              stdin line)
 *
 * PORTS are N or N-M. The second form sweeps many addresses in one
 * process: an exec costs more under TCG than hundreds of probes; a line's
 * -s SPORT replaces the option's for that line.
 * TCP sends one SYN per port (a non-blocking connect,
 * then close); UDP one datagram per port. -x puts IPv6 extension headers
 * (hop-by-hop and/or destination options, padding only) before the L4
 * header; -s binds the source port; -t sends, over a raw socket,
 * an L4 header truncated to its 4 port bytes; -l sends LEN bytes of UDP
 * payload (default 3), more than the MTU to make fragments. Exit 0 if
 * every packet was handed to the stack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool trunc;
static char payload[65000] = "sfb";
static size_t payload_len = 3;

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int parse_addr(const char *s, struct target *t)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&t->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->ss;

	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		t->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		t->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static void set_port(struct target *t, unsigned int port)
{
	if (t->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&t->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&t->ss)->sin6_port = htons(port);
}

/* A PadN option filling an 8-byte extension header: next, len 0, PadN 4. */
static int add_exthdrs(int fd, const char *which)
{
	static const unsigned char padn[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	bool hbh = !strcmp(which, "hbh") || !strcmp(which, "both");
	bool dst = !strcmp(which, "dst") || !strcmp(which, "both");

	if (!hbh && !dst) {
		fprintf(stderr, "sfb_probe: -x takes hbh, dst or both\n");
		return -1;
	}
	if (hbh && setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, padn,
			      sizeof(padn)) < 0)
		return -1;
	if (dst && setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, padn,
			      sizeof(padn)) < 0)
		return -1;
	return 0;
}

static int open_socket(const struct target *t, int type, const char *ext,
		       int sport)
{
	/* Non-blocking TCP: connect() returns once the SYN is out. */
	int fd = socket(t->ss.ss_family,
			type == SOCK_STREAM ? type | SOCK_NONBLOCK : type, 0);

	if (fd < 0)
		return -1;
	if (ext && add_exthdrs(fd, ext) < 0)
		goto err;
	if (sport >= 0) {
		struct target src = { .ss.ss_family = t->ss.ss_family,
				      .len = t->len };
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		set_port(&src, sport);
		if (bind(fd, (struct sockaddr *)&src.ss, src.len) < 0)
			goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

/* Source and destination port, and nothing else of the L4 header. */
static int truncated(const struct target *t, int proto, unsigned int port)
{
	struct target dst = *t;
	unsigned char ports[4] = { 0x9c, 0x40, port >> 8, port & 0xff };
	int fd = socket(t->ss.ss_family, SOCK_RAW, proto), ret;

	if (fd < 0)
		return -1;
	set_port(&dst, 0);	/* raw sockets take the port as the protocol */
	ret = sendto(fd, ports, sizeof(ports), 0, (struct sockaddr *)&dst.ss,
		     dst.len) == sizeof(ports) ? 0 : -1;
	close(fd);
	return ret;
}

static int probe(struct target *t, int type, unsigned int port,
		 const char *ext, int sport, int udp_fd)
{
	int fd;

	set_port(t, port);
	if (trunc)
		return truncated(t, type == SOCK_DGRAM ? IPPROTO_UDP :
				 IPPROTO_TCP, port);
	if (type == SOCK_DGRAM)
		return sendto(udp_fd, payload, payload_len, 0,
			      (struct sockaddr *)&t->ss, t->len) ==
		       (ssize_t)payload_len ? 0 : -1;
	fd = open_socket(t, SOCK_STREAM, ext, sport);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&t->ss, t->len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	/* The SYN left in connect(); closing now sends nothing more. */
	close(fd);
	return 0;
}

/* Probe every port of PORTS (N or N-M) at ADDR; the number sent, or -1. */
static int probe_ports(const char *proto, const char *addr, char **ports,
		       int nports, const char *ext, int sport)
{
	int type = !strcmp(proto, "tcp") ? SOCK_STREAM : SOCK_DGRAM;
	int udp_fd = -1, sent = 0;
	struct target t;

	if (parse_addr(addr, &t) < 0) {
		fprintf(stderr, "sfb_probe: bad address '%s'\n", addr);
		return -1;
	}
	if (type == SOCK_DGRAM && !trunc) {
		udp_fd = open_socket(&t, SOCK_DGRAM, ext, sport);
		if (udp_fd < 0) {
			perror("sfb_probe: udp socket");
			return -1;
		}
	}
	for (int i = 0; i < nports; i++) {
		unsigned int first, last;

		if (sscanf(ports[i], "%u-%u", &first, &last) != 2) {
			first = strtoul(ports[i], NULL, 10);
			last = first;
		}
		for (unsigned int p = first; p <= last && p <= 65535; p++) {
			if (probe(&t, type, p, ext, sport, udp_fd) < 0) {
				fprintf(stderr, "sfb_probe: %s %s port %u: %s\n",
					proto, addr, p, strerror(errno));
				sent = -1;
				goto out;
			}
			sent++;
		}
	}
out:
	if (udp_fd >= 0)
		close(udp_fd);
	return sent;
}

#define MAX_WORDS	8192

/* "tcp|udp ADDR PORTS..." lines from stdin; the number sent, or -1. */
static int probe_lines(const char *ext, int sport)
{
	char line[65536], *words[MAX_WORDS];
	int sent = 0, n;

	while (fgets(line, sizeof(line), stdin)) {
		int nwords = 0, first;
		char *w;

		if (!strchr(line, '\n') && !feof(stdin)) {
			fprintf(stderr, "sfb_probe: input line too long\n");
			return -1;
		}
		for (w = strtok(line, " \t\n"); w; w = strtok(NULL, " \t\n")) {
			if (nwords == MAX_WORDS) {
				fprintf(stderr, "sfb_probe: more than %d words on a line\n",
					MAX_WORDS);
				return -1;
			}
			words[nwords++] = w;
		}
		if (!nwords)
			continue;
		first = nwords > 1 && !strcmp(words[0], "-s") ? 2 : 0;
		if (nwords - first < 3) {
			fprintf(stderr, "sfb_probe: want [-s SPORT] tcp|udp ADDR PORTS...\n");
			return -1;
		}
		n = probe_ports(words[first], words[first + 1], words + first + 2,
				nwords - first - 2, ext,
				first ? atoi(words[1]) : sport);
		if (n < 0)
			return -1;
		sent += n;
	}
	return sent;
}

int main(int argc, char *argv[])
{
	const char *ext = NULL;
	int sport = -1, c, sent;

	while ((c = getopt(argc, argv, "x:s:tl:")) != -1) {
		if (c == 't')
			trunc = true;
		else if (c == 'l' && (size_t)atoi(optarg) <= sizeof(payload))
			payload_len = atoi(optarg);
		else if (c == 'x')
			ext = optarg;
		else if (c == 's')
			sport = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "-")) {
		sent = probe_lines(ext, sport);
		if (sent < 0)
			return 1;
		printf("sfb_probe: %d probes\n", sent);
		return 0;
	}
	if (argc - optind < 3) {
		fprintf(stderr,
			"usage: sfb_probe [-x hbh|dst|both] [-s SPORT] [-t] [-l LEN] tcp|udp ADDR PORTS... | -\n");
		return 2;
	}
	sent = probe_ports(argv[optind], argv[optind + 1], argv + optind + 2,
			   argc - optind - 2, ext, sport);
	if (sent < 0)
		return 1;
	printf("sfb_probe: %d %s probes to %s\n", sent, argv[optind],
	       argv[optind + 1]);
	return 0;
}
