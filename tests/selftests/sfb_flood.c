// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_flood: UDP datagrams to a set of destinations as fast as the sender
 * can go, counted per destination, so that a selftest can compare what was
 * sent with what crossed the gateway.
 *
 *   sfb_flood [-t SECS] [-n ROUNDS] [-r PPS] DEST...
 *
 * DEST is ADDR,PORT (IPv4 or IPv6). Each round sends one datagram to every
 * DEST, in batches of sendmmsg(), from one unconnected socket per address
 * family, so each DEST is one flow (one source port). The flood stops after
 * SECS seconds, after ROUNDS rounds, or on SIGTERM or SIGINT, whichever
 * comes first (default: only the signals); -r caps the rate at PPS
 * datagrams per second in total. It then prints one line per DEST,
 * "ADDR,PORT SENT", and a summary line. A datagram counts as sent once the
 * kernel took it; ENOBUFS and EAGAIN are retried, not counted. Exit 0
 * unless a socket call fails otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESTS	64
/* Datagrams per sendmmsg() call, over the destinations of one family. */
#define BATCH		64

struct dest {
	const char *name;
	struct sockaddr_storage ss;
	socklen_t len;
	uint64_t sent;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_dest(const char *arg, struct dest *d)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&d->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&d->ss;
	const char *comma = strrchr(arg, ',');
	char addr[INET6_ADDRSTRLEN];
	unsigned long port;
	char *end;

	if (!comma || (size_t)(comma - arg) >= sizeof(addr))
		return -1;
	memcpy(addr, arg, comma - arg);
	addr[comma - arg] = '\0';
	port = strtoul(comma + 1, &end, 10);
	if (*end || !comma[1] || port == 0 || port > 65535)
		return -1;
	memset(d, 0, sizeof(*d));
	d->name = arg;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		d->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		d->len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The destinations of one address family and their batch. */
struct family {
	int fd;
	struct dest *d[MAX_DESTS];
	unsigned int n;
	struct mmsghdr msg[BATCH];
	struct iovec iov;
	unsigned int per_batch;	/* whole rounds of d[] in a batch */
};

static char payload[16] = "sfb_flood";

static int family_init(struct family *f, int af)
{
	f->fd = socket(af, SOCK_DGRAM, 0);
	if (f->fd < 0)
		return -1;
	f->iov.iov_base = payload;
	f->iov.iov_len = sizeof(payload);
	f->per_batch = BATCH / f->n;
	for (unsigned int i = 0; i < f->per_batch * f->n; i++) {
		struct msghdr *h = &f->msg[i].msg_hdr;
		struct dest *d = f->d[i % f->n];

		h->msg_name = &d->ss;
		h->msg_namelen = d->len;
		h->msg_iov = &f->iov;
		h->msg_iovlen = 1;
	}
	return 0;
}

/*
 * Send @rounds rounds to the family's destinations (at most per_batch);
 * return how many whole rounds went out, or -1. A partial batch counts
 * per destination all the same.
 */
static int family_send(struct family *f, unsigned int rounds)
{
	unsigned int want = rounds * f->n, done = 0;

	while (done < want) {
		int ret = sendmmsg(f->fd, f->msg + done, want - done, 0);

		if (ret < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				if (stop)
					break;
				continue;
			}
			return -1;
		}
		for (int i = 0; i < ret; i++)
			f->d[(done + i) % f->n]->sent++;
		done += ret;
	}
	return done / f->n;
}

int main(int argc, char *argv[])
{
	struct family fam[2] = { { .fd = -1 }, { .fd = -1 } };
	struct dest dests[MAX_DESTS];
	double seconds = 0, pps = 0, start, elapsed;
	uint64_t rounds = 0, max_rounds = 0, total = 0;
	unsigned int ndests = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int c;

	while ((c = getopt(argc, argv, "t:n:r:")) != -1) {
		if (c == 't')
			seconds = atof(optarg);
		else if (c == 'n')
			max_rounds = strtoull(optarg, NULL, 10);
		else if (c == 'r')
			pps = atof(optarg);
		else
			goto usage;
	}
	if (optind == argc || argc - optind > MAX_DESTS)
		goto usage;
	for (int i = optind; i < argc; i++) {
		struct dest *d = &dests[ndests++];
		struct family *f;

		if (parse_dest(argv[i], d) < 0) {
			fprintf(stderr, "sfb_flood: bad destination '%s' (use ADDR,PORT)\n",
				argv[i]);
			return 2;
		}
		f = &fam[d->ss.ss_family == AF_INET6];
		f->d[f->n++] = d;
	}
	for (int i = 0; i < 2; i++)
		if (fam[i].n && family_init(&fam[i], i ? AF_INET6 : AF_INET) < 0) {
			perror("sfb_flood: socket");
			return 1;
		}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	start = now();
	while (!stop && (!max_rounds || rounds < max_rounds)) {
		/* As many rounds as both families' batches hold. */
		unsigned int batch = BATCH, sent = BATCH;

		for (int i = 0; i < 2; i++)
			if (fam[i].n && fam[i].per_batch < batch)
				batch = fam[i].per_batch;
		if (!batch)
			batch = 1;
		if (max_rounds && max_rounds - rounds < batch)
			batch = max_rounds - rounds;
		for (int i = 0; i < 2; i++) {
			int ret;

			if (!fam[i].n)
				continue;
			ret = family_send(&fam[i], batch);
			if (ret < 0) {
				perror("sfb_flood: sendmmsg");
				return 1;
			}
			if ((unsigned int)ret < sent)
				sent = ret;
		}
		rounds += sent;
		elapsed = now() - start;
		if (seconds && elapsed >= seconds)
			break;
		/* Pace: sleep until the datagrams sent so far are due. */
		if (pps) {
			double due = rounds * ndests / pps - elapsed;

			if (due > 0) {
				struct timespec ts = {
					.tv_sec = (time_t)due,
					.tv_nsec = (long)((due - (time_t)due) * 1e9),
				};

				nanosleep(&ts, NULL);
			}
		}
	}
	elapsed = now() - start;
	for (unsigned int i = 0; i < ndests; i++) {
		printf("%s %llu\n", dests[i].name,
		       (unsigned long long)dests[i].sent);
		total += dests[i].sent;
	}
	printf("sfb_flood: %llu datagrams to %u destinations in %.1f s (%.0f/s)\n",
	       (unsigned long long)total, ndests, elapsed,
	       elapsed > 0 ? total / elapsed : 0);
	return 0;
usage:
	fprintf(stderr, "usage: sfb_flood [-t SECS] [-n ROUNDS] [-r PPS] ADDR,PORT...\n");
	return 2;
}
