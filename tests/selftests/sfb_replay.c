// SPDX-License-Identifier: GPL-2.0
/*
 * sfb_replay: load a ruleset many times from one process, for the stress
 * selftests, where an exec of sfbctl per load costs more under TCG than
 * the load itself.
 *
 * A ruleset is first loaded with sfbctl, then saved as the kernel dumps
 * it (GET_RULESET gives the policy, the roles, the bindings and the
 * exemptions in the attributes LOAD_* take); replaying the saved messages
 * as a transaction loads the same ruleset again, which `sfbctl show` can
 * confirm.
 *
 *   sfb_replay save FILE      save this namespace's ruleset to FILE
 *   sfb_replay same FILE      exit 0 if the ruleset in force is FILE's
 *   sfb_replay load N FILE... N loads, cycling through the FILEs in order;
 *                             prints the loads, generations and seconds
 *   sfb_replay netns N FILE   N times: unshare a new network namespace,
 *                             bring lo up, load FILE (which must bind
 *                             127.0.0.1 to a role allowing UDP 5000 and not
 *                             9999, in enforce mode), send a datagram to
 *                             127.0.0.1:9999 then one to 5000: the first
 *                             to arrive must be the second. Every third
 *                             namespace keeps a load transaction open when
 *                             its socket closes, every third outlives the
 *                             switch to the next one (its socket is closed
 *                             from there).
 *   sfb_replay race N FILE_A FILE_B
 *                             N rounds of two threads, each with its own
 *                             socket, loading FILE_A and FILE_B at the same
 *                             time (one starting a little later, by a
 *                             varying delay). A load may only fail at BEGIN
 *                             with EBUSY; the generation must advance by
 *                             the loads that succeeded, and the ruleset in
 *                             force must be the file committed last.
 *                             Prints the counts of each outcome.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "sfb_nl_util.h"

#define BUF_SIZE	65536

/* One genl socket and what its last exchange returned. */
struct conn {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	char extack[256];
	uint64_t generation;
	bool dump_intr;
	/* GET_RULESET replies, as a ruleset (see below). */
	struct ruleset *dump;
	char buf[BUF_SIZE];
};

/*
 * A saved ruleset: the transaction's messages between BEGIN and COMMIT,
 * BEGIN included, each one command and one attribute. On disk the same,
 * as records of a u16 command, a u16 length and the attribute.
 */
struct msg {
	uint16_t cmd;
	uint16_t len;
	void *attr;
};

struct ruleset {
	struct msg *msgs;
	size_t n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void ruleset_add(struct ruleset *rs, uint16_t cmd, const void *attr,
			uint16_t len)
{
	struct msg *m;

	rs->msgs = realloc(rs->msgs, (rs->n + 1) * sizeof(*rs->msgs));
	if (!rs->msgs)
		die("sfb_replay: realloc");
	m = &rs->msgs[rs->n++];
	m->cmd = cmd;
	m->len = len;
	m->attr = malloc(len);
	if (!m->attr)
		die("sfb_replay: malloc");
	memcpy(m->attr, attr, len);
}

static void ruleset_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->msgs[i].attr);
	free(rs->msgs);
	rs->msgs = NULL;
	rs->n = 0;
}

static bool ruleset_equal(const struct ruleset *a, const struct ruleset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->msgs[i].cmd != b->msgs[i].cmd ||
		    a->msgs[i].len != b->msgs[i].len ||
		    memcmp(a->msgs[i].attr, b->msgs[i].attr, a->msgs[i].len))
			return false;
	return true;
}

static int ruleset_write(const struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct msg *m = &rs->msgs[i];

		if (fwrite(&m->cmd, sizeof(m->cmd), 1, f) != 1 ||
		    fwrite(&m->len, sizeof(m->len), 1, f) != 1 ||
		    fwrite(m->attr, m->len, 1, f) != 1)
			break;
	}
	return fclose(f);
}

static void ruleset_read(struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "r");
	char attr[BUF_SIZE];
	uint16_t cmd, len;

	if (!f)
		die(path);
	while (fread(&cmd, sizeof(cmd), 1, f) == 1) {
		if (fread(&len, sizeof(len), 1, f) != 1 ||
		    fread(attr, len, 1, f) != 1) {
			fprintf(stderr, "sfb_replay: %s: truncated\n", path);
			exit(1);
		}
		ruleset_add(rs, cmd, attr, len);
	}
	fclose(f);
	if (!rs->n || rs->msgs[0].cmd != SFB_CMD_LOAD_BEGIN) {
		fprintf(stderr, "sfb_replay: %s: not a saved ruleset\n", path);
		exit(1);
	}
}

static struct nlmsghdr *request(struct conn *c, uint8_t cmd, uint16_t flags)
{
	return sfb_nl_request(c->buf, c->family, cmd, flags, ++c->seq);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct conn *c = data;

	snprintf(c->extack, sizeof(c->extack), "%s", sfb_nl_extack(nlh));
	errno = -err->error;
	return err->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct conn *c = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->dump_intr = true;
	return MNL_CB_STOP;
}

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	struct conn *c = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == SFB_A_GENERATION)
		c->generation = mnl_attr_get_u64(attr);
	if (!c->dump)
		return MNL_CB_OK;
	/* What a dump holds, as the load command that takes it. */
	if (type == SFB_A_POLICY)
		ruleset_add(c->dump, SFB_CMD_LOAD_BEGIN, attr, attr->nla_len);
	else if (type == SFB_A_ROLE)
		ruleset_add(c->dump, SFB_CMD_LOAD_ROLE, attr, attr->nla_len);
	else if (type == SFB_A_BINDS)
		ruleset_add(c->dump, SFB_CMD_LOAD_BIND, attr, attr->nla_len);
	else if (type == SFB_A_EXEMPTS)
		ruleset_add(c->dump, SFB_CMD_LOAD_EXEMPT, attr, attr->nla_len);
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct conn *c = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->dump_intr = true;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb,
			      c);
}

/* Send, wait for the ack or the dump's end; 0 or -errno (extack set). */
static int talk(struct conn *c, struct nlmsghdr *nlh)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	int ret;

	c->extack[0] = '\0';
	if (mnl_socket_sendto(c->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(c->sock, c->buf, sizeof(c->buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(c->buf, ret, c->seq, c->portid, reply_cb, c,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static struct conn *conn_open(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		die("sfb_replay: calloc");
	c->sock = sfb_nl_open(true);
	if (!c->sock)
		die("sfb_replay: socket");
	c->portid = mnl_socket_get_portid(c->sock);
	c->family = sfb_nl_family(c->sock);
	if (!c->family) {
		fprintf(stderr, "sfb_replay: family sfb not found\n");
		exit(1);
	}
	return c;
}

static void conn_close(struct conn *c)
{
	mnl_socket_close(c->sock);
	free(c);
}

static uint64_t get_generation(struct conn *c)
{
	int ret = talk(c, request(c, SFB_CMD_GET_INFO, 0));

	if (ret < 0) {
		fprintf(stderr, "sfb_replay: GET_INFO: %s\n", strerror(-ret));
		exit(1);
	}
	return c->generation;
}

/* The ruleset in force, retried while commits interrupt the dump. */
static void dump(struct conn *c, struct ruleset *rs)
{
	for (int tries = 0; tries < 100; tries++) {
		int ret;

		c->dump = rs;
		c->dump_intr = false;
		ret = talk(c, request(c, SFB_CMD_GET_RULESET,
				      NLM_F_DUMP));
		c->dump = NULL;
		if (ret < 0) {
			fprintf(stderr, "sfb_replay: GET_RULESET: %s\n",
				strerror(-ret));
			exit(1);
		}
		if (!c->dump_intr)
			return;
		ruleset_free(rs);
	}
	fprintf(stderr, "sfb_replay: GET_RULESET interrupted 100 times\n");
	exit(1);
}

/*
 * Load @rs as one transaction. 0, or -errno of the first message refused
 * with *@at its index (rs->n for COMMIT); the commit's generation is in
 * c->generation.
 */
static int load(struct conn *c, const struct ruleset *rs, size_t *at,
		bool hold)
{
	struct nlmsghdr *nlh;
	int ret;

	for (size_t i = 0; i < rs->n; i++) {
		nlh = request(c, rs->msgs[i].cmd, 0);
		memcpy(mnl_nlmsg_get_payload_tail(nlh), rs->msgs[i].attr,
		       rs->msgs[i].len);
		nlh->nlmsg_len += MNL_ALIGN(rs->msgs[i].len);
		ret = talk(c, nlh);
		if (ret < 0) {
			*at = i;
			return ret;
		}
	}
	if (hold)
		return 0;
	*at = rs->n;
	return talk(c, request(c, SFB_CMD_LOAD_COMMIT, 0));
}

static void load_or_die(struct conn *c, const struct ruleset *rs,
			const char *what)
{
	size_t at;
	int ret = load(c, rs, &at, false);

	if (ret < 0) {
		fprintf(stderr, "sfb_replay: %s: message %zu refused: %s: %s\n",
			what, at, strerror(-ret), c->extack);
		exit(1);
	}
}

static int cmd_save(const char *path)
{
	struct conn *c = conn_open();
	struct ruleset rs = { 0 };

	dump(c, &rs);
	if (!rs.n) {
		fprintf(stderr, "sfb_replay: no ruleset loaded\n");
		return 1;
	}
	if (ruleset_write(&rs, path) < 0)
		die(path);
	ruleset_free(&rs);
	conn_close(c);
	return 0;
}

static int cmd_same(const char *path)
{
	struct conn *c = conn_open();
	struct ruleset want = { 0 }, have = { 0 };
	bool same;

	ruleset_read(&want, path);
	dump(c, &have);
	same = ruleset_equal(&want, &have);
	ruleset_free(&want);
	ruleset_free(&have);
	conn_close(c);
	return same ? 0 : 1;
}

static int cmd_load(long n, int nfiles, char *files[])
{
	struct ruleset *rs = calloc(nfiles, sizeof(*rs));
	struct conn *c = conn_open();
	uint64_t first = get_generation(c), last;
	double start = now();

	if (!rs)
		die("sfb_replay: calloc");
	for (int i = 0; i < nfiles; i++)
		ruleset_read(&rs[i], files[i]);
	for (long i = 0; i < n; i++)
		load_or_die(c, &rs[i % nfiles], files[i % nfiles]);
	last = get_generation(c);
	printf("sfb_replay: %ld loads in %.1f s, generation %llu -> %llu\n",
	       n, now() - start, (unsigned long long)first,
	       (unsigned long long)last);
	for (int i = 0; i < nfiles; i++)
		ruleset_free(&rs[i]);
	free(rs);
	conn_close(c);
	return 0;
}

/* The netns test's traffic: a denied datagram, then an allowed one. */
#define NETNS_ALLOWED	5000
#define NETNS_DENIED	9999

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("sfb_replay: lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("sfb_replay: lo up");
	close(fd);
}

static int udp_socket(unsigned int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("sfb_replay: udp socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Loopback delivery goes through this CPU's backlog in order: once the
 * allowed datagram is in, the denied one sent before it was dropped or
 * is already waiting on its socket.
 */
static void netns_traffic(long cycle)
{
	int tx = socket(AF_INET, SOCK_DGRAM, 0);
	int rx = udp_socket(NETNS_ALLOWED), rx_denied = udp_socket(NETNS_DENIED);
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char buf[16];

	if (tx < 0)
		die("sfb_replay: socket");
	to.sin_port = htons(NETNS_DENIED);
	if (sendto(tx, "denied", 6, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("sfb_replay: sendto");
	to.sin_port = htons(NETNS_ALLOWED);
	if (sendto(tx, "allowed", 7, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("sfb_replay: sendto");
	if (recv(rx, buf, sizeof(buf), 0) != 7) {
		fprintf(stderr,
			"sfb_replay: namespace %ld: the allowed datagram did not arrive: %s\n",
			cycle, strerror(errno));
		exit(1);
	}
	if (recv(rx_denied, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
		fprintf(stderr, "sfb_replay: namespace %ld: the denied datagram arrived\n",
			cycle);
		exit(1);
	}
	close(tx);
	close(rx);
	close(rx_denied);
}

static int cmd_netns(long n, const char *path)
{
	struct ruleset rs = { 0 };
	struct conn *c, *late = NULL;
	double start = now();
	cpu_set_t cpu;
	size_t at;

	ruleset_read(&rs, path);
	/* One CPU, one backlog: see netns_traffic(). */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu) < 0)
		die("sfb_replay: sched_setaffinity");
	for (long i = 0; i < n; i++) {
		if (unshare(CLONE_NEWNET) < 0)
			die("sfb_replay: unshare");
		/* The namespace left last: its socket kept it alive. */
		if (late) {
			conn_close(late);
			late = NULL;
		}
		lo_up();
		c = conn_open();
		load_or_die(c, &rs, path);
		netns_traffic(i);
		if (i % 3 == 1 && load(c, &rs, &at, true) < 0) {
			fprintf(stderr, "sfb_replay: namespace %ld: open a transaction: %s\n",
				i, c->extack);
			return 1;
		}
		if (i % 3 == 2)
			late = c;
		else
			conn_close(c);
	}
	if (late)
		conn_close(late);
	printf("sfb_replay: %ld namespaces in %.1f s\n", n, now() - start);
	ruleset_free(&rs);
	return 0;
}

struct racer {
	pthread_t thread;
	struct conn *c;
	const struct ruleset *rs;
	pthread_barrier_t *start, *done;
	long rounds;
	unsigned int delay_us;	/* this round's head start of the other */
	int ret;		/* this round: 0 or -errno */
	size_t at;		/* where it failed */
	uint64_t generation;	/* of its commit */
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;

	for (long i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(r->start);
		if (r->delay_us)
			usleep(r->delay_us);
		r->ret = load(r->c, r->rs, &r->at, false);
		r->generation = r->c->generation;
		pthread_barrier_wait(r->done);
	}
	return NULL;
}

static int cmd_race(long n, char *files[])
{
	struct racer r[2] = { 0 };
	pthread_barrier_t start, done;
	struct ruleset rs[2] = { 0 };
	struct conn *c = conn_open();
	long busy[2] = { 0 }, won[2] = { 0 }, both = 0;
	uint64_t gen = get_generation(c);
	double t0 = now();
	int failed = 0;

	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	for (int i = 0; i < 2; i++) {
		ruleset_read(&rs[i], files[i]);
		r[i] = (struct racer){ .c = conn_open(), .rs = &rs[i],
				       .start = &start, .done = &done,
				       .rounds = n };
		if (pthread_create(&r[i].thread, NULL, racer_run, &r[i]))
			die("sfb_replay: pthread_create");
	}
	srand(1);
	for (long i = 0; i < n && !failed; i++) {
		struct ruleset have = { 0 };
		int ok = 0, last = -1;
		uint64_t now_gen;

		/* Mostly a tight race; sometimes one is well ahead. */
		for (int k = 0; k < 2; k++)
			r[k].delay_us = rand() % 4 ? rand() % 200 : rand() % 20000;
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		for (int k = 0; k < 2; k++) {
			if (r[k].ret == 0) {
				ok++;
				if (last < 0 || r[k].generation > r[last].generation)
					last = k;
				continue;
			}
			if (r[k].ret == -EBUSY && r[k].at == 0) {
				busy[k]++;
				continue;
			}
			fprintf(stderr, "sfb_replay: round %ld: %s: message %zu refused: %s: %s\n",
				i, files[k], r[k].at, strerror(-r[k].ret),
				r[k].c->extack);
			failed = 1;
		}
		if (failed)
			break;
		if (!ok) {
			fprintf(stderr, "sfb_replay: round %ld: both loads refused\n", i);
			failed = 1;
			break;
		}
		if (ok == 2)
			both++;
		else
			won[last]++;
		now_gen = get_generation(c);
		if (now_gen != gen + ok) {
			fprintf(stderr,
				"sfb_replay: round %ld: %d loads, generation %llu -> %llu\n",
				i, ok, (unsigned long long)gen,
				(unsigned long long)now_gen);
			failed = 1;
		}
		gen = now_gen;
		dump(c, &have);
		if (!ruleset_equal(&have, &rs[last])) {
			fprintf(stderr,
				"sfb_replay: round %ld: the ruleset in force is not %s, loaded last\n",
				i, files[last]);
			failed = 1;
		}
		ruleset_free(&have);
	}
	if (failed) {
		/* Release the racers into their next round, then stop. */
		_exit(1);
	}
	for (int k = 0; k < 2; k++) {
		pthread_join(r[k].thread, NULL);
		conn_close(r[k].c);
		ruleset_free(&rs[k]);
	}
	fprintf(stdout,
		"sfb_replay: %ld rounds in %.1f s: %s won %ld (the other EBUSY), %s won %ld (the other EBUSY), both loaded %ld\n",
		n, now() - t0, files[0], won[0], files[1], won[1], both);
	if (won[0] != busy[1] || won[1] != busy[0]) {
		fprintf(stderr, "sfb_replay: wins and EBUSY do not pair up\n");
		return 1;
	}
	conn_close(c);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc == 3 && !strcmp(argv[1], "save"))
		return cmd_save(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "same"))
		return cmd_same(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "load"))
		return cmd_load(atol(argv[2]), argc - 3, argv + 3);
	if (argc == 4 && !strcmp(argv[1], "netns"))
		return cmd_netns(atol(argv[2]), argv[3]);
	if (argc == 5 && !strcmp(argv[1], "race"))
		return cmd_race(atol(argv[2]), argv + 3);
	fprintf(stderr, "usage: sfb_replay save FILE | same FILE | load N FILE... |\n"
		"                  netns N FILE | race N FILE_A FILE_B\n");
	return 2;
}
