// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_echo: request/reply flows for the IPsec selftests, where a flow
 * counts only if its replies come back.
 *
 *   sfb_echo serve tcp|udp ADDR PORT
 *	Bind ADDR:PORT, then go to the background (the pid is printed, so
 *	the caller knows the port is open and whom to kill) and echo every
 *	request: UDP datagrams back to their sender from ADDR:PORT, TCP
 *	lines back on their connection, one connection at a time.
 *
 *   sfb_echo ask [-b SRCADDR] [-s SPORT] [-n COUNT] [-i MSEC] [-w SEC]
 *                tcp|udp ADDR PORT
 *	Over one socket (bound to SRCADDR and SPORT if given), COUNT times
 *	(default 1):
 *	send a numbered request and wait for its echo, a UDP request being
 *	sent again every second until it is answered; MSEC apart (default
 *	0). Exit 0 if every echo came back within SEC seconds (default 20)
 *	of its request, else 1 with what went wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct endpoint {
	struct sockaddr_storage ss;
	socklen_t len;
};

static int parse_endpoint(const char *addr, const char *port,
			  struct endpoint *e)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&e->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&e->ss;
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	memset(e, 0, sizeof(*e));
	if (*end || p > 65535)
		return -1;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		e->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		e->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int open_socket(int family, bool tcp)
{
	int one = 1;
	int fd = socket(family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static void __attribute__((noreturn)) serve_udp(int fd)
{
	struct sockaddr_storage peer;
	char buf[512];

	for (;;) {
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &plen);

		if (n > 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&peer, plen);
	}
}

static void __attribute__((noreturn)) serve_tcp(int fd)
{
	char buf[512];

	for (;;) {
		int c = accept(fd, NULL, NULL);
		ssize_t n;

		if (c < 0)
			continue;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, n) != n)
				break;
		close(c);
	}
}

static int serve(bool tcp, const struct endpoint *e)
{
	int fd = open_socket(e->ss.ss_family, tcp), nul;
	pid_t pid;

	if (fd < 0 || bind(fd, (const struct sockaddr *)&e->ss, e->len) ||
	    (tcp && listen(fd, 16))) {
		perror("sfb_echo: serve");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("sfb_echo: fork");
		return 1;
	}
	if (pid > 0) {
		printf("%d\n", pid);
		return 0;
	}
	/*
	 * The child serves until killed, holding none of the caller's
	 * descriptors: "$(sfb_echo serve ...)" ends when the parent exits.
	 */
	setsid();
	nul = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3; i++)
		dup2(nul, i);
	if (tcp)
		serve_tcp(fd);
	serve_udp(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Send @req and read until its echo; UDP requests are repeated. */
static int exchange(int fd, bool tcp, const char *req, double wait_s)
{
	size_t len = strlen(req), got = 0;
	double deadline = now() + wait_s, resend = 0;
	char buf[512];

	if (tcp && write(fd, req, len) != (ssize_t)len)
		return -errno;
	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = now();
		ssize_t n;

		if (t >= deadline)
			return -ETIMEDOUT;
		if (!tcp && t >= resend) {
			if (send(fd, req, len, 0) != (ssize_t)len &&
			    errno != EAGAIN)
				return -errno;
			resend = t + 1;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		if (!tcp) {
			/* A late echo of an earlier request is not this one. */
			if ((size_t)n == len && !memcmp(buf, req, len))
				return 0;
			continue;
		}
		got += n;
	}
	return memcmp(buf, req, len) ? -EBADMSG : 0;
}

static int ask(bool tcp, const struct endpoint *dst,
	       const struct endpoint *src, long count, long interval_ms,
	       double wait_s)
{
	int fd = open_socket(dst->ss.ss_family, tcp);
	struct timeval tv;
	char req[64];
	long i;
	int err;

	if (fd < 0) {
		perror("sfb_echo: socket");
		return 1;
	}
	if (src->ss.ss_family != dst->ss.ss_family ||
	    bind(fd, (const struct sockaddr *)&src->ss, src->len)) {
		perror("sfb_echo: bind");
		return 1;
	}
	/* A TCP connect is as patient as the echoes are: SEC seconds. */
	tv.tv_sec = (time_t)wait_s;
	tv.tv_usec = (wait_s - tv.tv_sec) * 1e6;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (const struct sockaddr *)&dst->ss, dst->len)) {
		perror("sfb_echo: connect");
		return 1;
	}
	for (i = 0; i < count; i++) {
		snprintf(req, sizeof(req), "sfb %d %ld\n", getpid(), i);
		err = exchange(fd, tcp, req, wait_s);
		if (err) {
			fprintf(stderr, "sfb_echo: request %ld of %ld: %s\n",
				i + 1, count, strerror(-err));
			return 1;
		}
		if (interval_ms)
			usleep(interval_ms * 1000);
	}
	close(fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: sfb_echo serve tcp|udp ADDR PORT\n"
		"       sfb_echo ask [-b SRCADDR] [-s SPORT] [-n COUNT] [-i MSEC] [-w SEC]\n"
		"                    tcp|udp ADDR PORT\n");
	return 2;
}

int main(int argc, char *argv[])
{
	const char *saddr = NULL, *sport = "0";
	long count = 1, interval_ms = 0;
	struct endpoint e, src;
	double wait_s = 20;
	int c;
	bool tcp, serving;

	if (argc < 2)
		return usage();
	serving = !strcmp(argv[1], "serve");
	if (!serving && strcmp(argv[1], "ask"))
		return usage();
	optind = 2;
	while (!serving && (c = getopt(argc, argv, "b:s:n:i:w:")) != -1) {
		switch (c) {
		case 'b':
			saddr = optarg;
			break;
		case 's':
			sport = optarg;
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'i':
			interval_ms = atol(optarg);
			break;
		case 'w':
			wait_s = atof(optarg);
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 3 || count < 1 ||
	    parse_endpoint(argv[optind + 1], argv[optind + 2], &e))
		return usage();
	tcp = !strcmp(argv[optind], "tcp");
	if (!tcp && strcmp(argv[optind], "udp"))
		return usage();
	if (serving)
		return serve(tcp, &e);
	/* Without -b, the wildcard address of the destination's family. */
	if (!saddr)
		saddr = e.ss.ss_family == AF_INET ? "0.0.0.0" : "::";
	if (parse_endpoint(saddr, sport, &src))
		return usage();
	return ask(tcp, &e, &src, count, interval_ms, wait_s);
}
