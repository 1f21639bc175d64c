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
 *   sfb_replay faults OLD NEW COMMAND...
 *                             on the debug kernel (fault injection): run
 *                             each COMMAND (LOAD_BEGIN, LOAD_ROLE, LOAD_BIND,
 *                             LOAD_EXEMPT, LOAD_COMMIT, LOAD_ABORT, FLUSH,
 *                             ZERO_STATS, MATCH, GET_RULESET, GET_STATS,
 *                             GET_INFO) with its 1st, 2nd... allocation
 *                             failed until it passes untouched; the LOAD_*
 *                             ones in a transaction loading NEW (its first
 *                             message of that command), the others with
 *                             OLD in force. OLD, in force when it starts,
 *                             must be what netns's FILE is. After each
 *                             failure: ENOMEM or ENOBUFS, no transaction
 *                             left open, OLD in force at its generation
 *                             (or NEW, or none, where only the ack was
 *                             lost), no ruleset object more, and OLD's
 *                             traffic as netns checks it. Prints the
 *                             points failed and their outcomes.
 *   sfb_replay faults netns FILE
 *                             the same for unshare(CLONE_NEWNET); the
 *                             namespace made at last loads FILE (as for
 *                             netns) and is destroyed with it.
 *   sfb_replay faults module KO
 *                             the same for finit_module() of the nf_sfb.ko
 *                             KO, which must not be loaded: the last
 *                             points, where sfb_init runs, each (several
 *                             times over), one in 24 before. After each
 *                             failure neither the module nor its genl
 *                             family is left; a load that absorbed the
 *                             fault answers and is unloaded. The load at
 *                             last stays.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "sfb_nl_util.h"

#define BUF_SIZE	65536
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* One genl socket and what its last exchange returned. */
struct conn {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	char extack[256];
	uint64_t generation;
	uint32_t rulesets;
	bool dump_intr;
	bool sent;		/* the last request left (sendto succeeded) */
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
	if (type == SFB_A_RULESETS)
		c->rulesets = mnl_attr_get_u32(attr);
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
	c->sent = false;
	if (mnl_socket_sendto(c->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	c->sent = true;
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

/* @m as a request of its own. */
static struct nlmsghdr *msg_request(struct conn *c, const struct msg *m)
{
	struct nlmsghdr *nlh = request(c, m->cmd, 0);

	memcpy(mnl_nlmsg_get_payload_tail(nlh), m->attr, m->len);
	nlh->nlmsg_len += MNL_ALIGN(m->len);
	return nlh;
}

/* Send @rs's messages @from to @to; 0, or -errno with *@at the index. */
static int load_msgs(struct conn *c, const struct ruleset *rs, size_t from,
		     size_t to, size_t *at)
{
	for (size_t i = from; i < to; i++) {
		int ret = talk(c, msg_request(c, &rs->msgs[i]));

		if (ret < 0) {
			*at = i;
			return ret;
		}
	}
	return 0;
}

/*
 * Load @rs as one transaction. 0, or -errno of the first message refused
 * with *@at its index (rs->n for COMMIT); the commit's generation is in
 * c->generation.
 */
static int load(struct conn *c, const struct ruleset *rs, size_t *at,
		bool hold)
{
	int ret = load_msgs(c, rs, 0, rs->n, at);

	if (ret < 0 || hold)
		return ret;
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

/* One CPU, one backlog: see netns_traffic(). */
static void pin_cpu(void)
{
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu) < 0)
		die("sfb_replay: sched_setaffinity");
}

static int cmd_netns(long n, const char *path)
{
	struct ruleset rs = { 0 };
	struct conn *c, *late = NULL;
	double start = now();
	size_t at;

	ruleset_read(&rs, path);
	pin_cpu();
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

/*
 * Fault injection, with the debug kernel's per-task fail-nth: writing N to
 * /proc/thread-self/fail-nth fails the Nth fault-injection point this task
 * passes (a slab or page allocation that /sys/kernel/debug/failslab and
 * fail_page_alloc do not ignore); it counts down, and reads 0 once the
 * fault was injected. A genl doit handler runs in the sender's task, in
 * sendmsg; a dump's later parts run in recvmsg: both count.
 */
static int fail_nth_fd = -1;

static void fail_nth_set(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(fail_nth_fd, s, len, 0) != len)
		die("sfb_replay: fail-nth");
}

/* What is left of the count: 0 once the fault was injected. */
static unsigned long fail_nth_left(void)
{
	char s[16] = "";

	if (pread(fail_nth_fd, s, sizeof(s) - 1, 0) <= 0)
		die("sfb_replay: fail-nth");
	return strtoul(s, NULL, 10);
}

/*
 * Only the kernel's allocations may meet the fault: no page fault and no
 * brk() while it is armed. Everything this process touches is mapped and
 * locked now, and malloc() has room enough without asking the kernel.
 */
static void faults_prefault(void)
{
	volatile char stack[256 * 1024];
	void *volatile heap;

	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	heap = malloc(8 << 20);
	free(heap);
	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		die("sfb_replay: mlockall");
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		die("sfb_replay: /proc/thread-self/fail-nth");
}

/* One command's run: the ruleset in force (OLD) and the one loaded (NEW). */
struct faults {
	const char *name;
	uint8_t cmd;
	struct conn *c;		/* sends the command under test */
	struct conn *chk;	/* checks what is in force */
	struct conn *events;	/* listens to the events group */
	struct ruleset old, new;
	uint64_t gen;		/* OLD's generation */
	uint32_t rulesets;	/* ruleset objects alive with OLD in force */
	unsigned int point;	/* the allocation point failed */
	/* Outcomes: refused with an error, or the kernel fell back and the
	 * command succeeded, or it succeeded and its ack was lost (ENOBUFS).
	 */
	unsigned int refused, absorbed, ack_lost;
};

static void __attribute__((format(printf, 2, 3), noreturn))
faults_fail(const struct faults *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sfb_replay: %s: allocation point %u failed: ",
		f->name, f->point);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Wait until RCU freed what was replaced: the module holds @want rulesets. */
static void faults_wait_rulesets(const struct faults *f, uint32_t want)
{
	for (int i = 0; i < 6000; i++) {
		get_generation(f->chk);
		if (f->chk->rulesets == want)
			return;
		usleep(10000);
	}
	faults_fail(f, "%u ruleset objects alive after 60 s, expected %u",
		    f->chk->rulesets, want);
}

/*
 * @want (OLD, NEW or none) is in force at generation @gen, the module
 * holds no ruleset object more than that, and with OLD a datagram to
 * 127.0.0.1:9999 is dropped and one to :5000 passes (netns_traffic()).
 */
static void faults_expect(const struct faults *f, const struct ruleset *want,
			  uint64_t gen)
{
	struct ruleset have = { 0 };
	uint64_t now = get_generation(f->chk);

	if (now != gen)
		faults_fail(f, "generation %llu, expected %llu",
			    (unsigned long long)now, (unsigned long long)gen);
	dump(f->chk, &have);
	if (want ? !ruleset_equal(&have, want) : have.n != 0)
		faults_fail(f, "the ruleset in force is not %s",
			    want == &f->old ? "the old one" :
			    want ? "the new one" : "none");
	ruleset_free(&have);
	faults_wait_rulesets(f, f->rulesets - (want ? 0 : 1));
	if (want == &f->old)
		netns_traffic(f->point);
}

/* Whatever a failed exchange left queued on the socket. */
static void drain(struct conn *c)
{
	while (recv(mnl_socket_get_fd(c->sock), c->buf, sizeof(c->buf),
		    MSG_DONTWAIT) >= 0 || errno == ENOBUFS)
		;
}

/*
 * A commit or a flush took effect: the events listener heard of its
 * generation @gen, or learnt that it missed something (ENOBUFS): never
 * neither. The multicast is sent synchronously, by the command.
 */
static void faults_heard(const struct faults *f, uint64_t gen)
{
	struct conn *l = f->events;
	int n;

	l->generation = 0;
	while (l->generation != gen) {
		n = recv(mnl_socket_get_fd(l->sock), l->buf, sizeof(l->buf),
			 MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS)
			break;
		if (n < 0)
			faults_fail(f,
				    "generation %llu in force, the events listener heard nothing of it",
				    (unsigned long long)gen);
		mnl_cb_run(l->buf, n, 0, 0, reply_cb, l);
	}
	drain(l);
}

/* NEW (or none) is in force at the next generation: check, then reload OLD. */
static void faults_restore(struct faults *f, const struct ruleset *now)
{
	faults_expect(f, now, f->gen + 1);
	faults_heard(f, f->gen + 1);
	load_or_die(f->chk, &f->old, "reload the old ruleset");
	f->gen = f->chk->generation;
	faults_expect(f, &f->old, f->gen);
	drain(f->events);
}

/* Where the command under test sits in NEW's transaction. */
static size_t faults_step(const struct faults *f)
{
	for (size_t i = 0; i < f->new.n; i++)
		if (f->new.msgs[i].cmd == f->cmd)
			return i;
	return f->new.n;	/* COMMIT, ABORT */
}

static bool faults_txn(const struct faults *f)
{
	return f->cmd >= SFB_CMD_LOAD_BEGIN && f->cmd <= SFB_CMD_LOAD_ABORT;
}

/* The request of a command that is not one of NEW's messages. */
static struct nlmsghdr *faults_request(struct conn *c, uint8_t cmd)
{
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (cmd == SFB_CMD_GET_RULESET || cmd == SFB_CMD_GET_STATS)
		return request(c, cmd, NLM_F_DUMP);
	nlh = request(c, cmd, 0);
	if (cmd != SFB_CMD_MATCH)
		return nlh;
	nest = mnl_attr_nest_start(nlh, SFB_A_MATCH);
	mnl_attr_put(nlh, SFB_MATCH_A_SADDR, sizeof(lo), &lo);
	mnl_attr_put(nlh, SFB_MATCH_A_DADDR, sizeof(lo), &lo);
	mnl_attr_put_u8(nlh, SFB_MATCH_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, SFB_MATCH_A_DPORT, NETNS_ALLOWED);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

/*
 * After a transaction step failed: the uapi promises that an error
 * discards the transaction, and that a message sfb never saw ends it at
 * the next one. So a check-only COMMIT must now be refused, with "no load
 * transaction open" or "message out of sequence". It may pass only if the
 * step succeeded and its ack was lost (ENOBUFS on the socket).
 */
static bool faults_txn_gone(struct faults *f, int ret)
{
	struct conn *c = f->c;
	struct nlmsghdr *nlh;
	int probe;

	drain(c);
	nlh = request(c, SFB_CMD_LOAD_COMMIT, 0);
	mnl_attr_put(nlh, SFB_A_CHECK_ONLY, 0, NULL);
	probe = talk(c, nlh);
	if (probe == -EINVAL || probe == -EPROTO) {
		if (!c->extack[0])
			faults_fail(f, "the transaction's end has no extack message");
		return true;
	}
	if (probe == 0 && ret == -ENOBUFS && f->cmd != SFB_CMD_LOAD_ABORT)
		return false;
	faults_fail(f, "%s, then the transaction was still open: a check-only commit %s%s%s",
		    strerror(-ret), probe ? "was refused with " : "passed",
		    probe ? strerror(-probe) : "", c->extack);
}

/* One run of the command with its @n-th allocation point failed. */
static int faults_call(struct faults *f, unsigned int n, bool *consumed)
{
	size_t step = faults_step(f), at;
	struct nlmsghdr *nlh;
	int ret;

	if (faults_txn(f) && load_msgs(f->c, &f->new, 0, step, &at) < 0)
		faults_fail(f, "message %zu of the new ruleset refused before it: %s",
			    at, f->c->extack);
	if (step < f->new.n)
		nlh = msg_request(f->c, &f->new.msgs[step]);
	else
		nlh = faults_request(f->c, f->cmd);
	f->c->generation = 0;	/* the reply's, if any */
	drain(f->events);
	fail_nth_set(n);
	ret = talk(f->c, nlh);
	*consumed = !fail_nth_left();
	fail_nth_set(0);
	return ret;
}

/* The command succeeded: check it did its job, and put OLD back. */
static void faults_succeeded(struct faults *f)
{
	size_t step = faults_step(f), at;

	/* A step of NEW's transaction: the rest of it, then as COMMIT. */
	if (step < f->new.n &&
	    (load_msgs(f->c, &f->new, step + 1, f->new.n, &at) < 0 ||
	     talk(f->c, request(f->c, SFB_CMD_LOAD_COMMIT, 0)) < 0))
		faults_fail(f, "the rest of the load was refused: %s",
			    f->c->extack);
	switch (f->cmd) {
	case SFB_CMD_LOAD_BEGIN:
	case SFB_CMD_LOAD_ROLE:
	case SFB_CMD_LOAD_BIND:
	case SFB_CMD_LOAD_EXEMPT:
	case SFB_CMD_LOAD_COMMIT:
		if (f->c->generation != f->gen + 1)
			faults_fail(f, "COMMIT replied generation %llu",
				    (unsigned long long)f->c->generation);
		faults_restore(f, &f->new);
		return;
	case SFB_CMD_LOAD_ABORT:
		faults_txn_gone(f, 0);
		break;
	case SFB_CMD_FLUSH:
		faults_restore(f, NULL);
		return;
	case SFB_CMD_MATCH:
	case SFB_CMD_GET_INFO:
		if (f->c->generation != f->gen)
			faults_fail(f, "the reply's generation is %llu",
				    (unsigned long long)f->c->generation);
		break;
	}
	faults_expect(f, &f->old, f->gen);
}

/*
 * The command failed: with ENOMEM (sfb, the genl core) or ENOBUFS (the
 * netlink core: the request's skb, or the ack or reply, so the command
 * may have run). Nothing changed, except what a lost ack hides: a step
 * that passed, a commit or a flush that took effect. Returns whether that
 * happened.
 */
static bool faults_failed(struct faults *f, int ret)
{
	uint64_t now;

	if (ret != -ENOMEM && ret != -ENOBUFS)
		faults_fail(f, "refused with %s (%s), not ENOMEM or ENOBUFS",
			    strerror(-ret), f->c->extack);
	if (faults_txn(f) && !faults_txn_gone(f, ret)) {
		faults_expect(f, &f->old, f->gen);
		return true;
	}
	now = get_generation(f->chk);
	if (ret == -ENOBUFS && now == f->gen + 1 &&
	    (f->cmd == SFB_CMD_LOAD_COMMIT || f->cmd == SFB_CMD_FLUSH)) {
		faults_restore(f, f->cmd == SFB_CMD_FLUSH ? NULL : &f->new);
		return true;
	}
	faults_expect(f, &f->old, f->gen);
	return false;
}

static const struct {
	const char *name;
	uint8_t cmd;
} fault_cmds[] = {
	{ "LOAD_BEGIN", SFB_CMD_LOAD_BEGIN },
	{ "LOAD_ROLE", SFB_CMD_LOAD_ROLE },
	{ "LOAD_BIND", SFB_CMD_LOAD_BIND },
	{ "LOAD_EXEMPT", SFB_CMD_LOAD_EXEMPT },
	{ "LOAD_COMMIT", SFB_CMD_LOAD_COMMIT },
	{ "LOAD_ABORT", SFB_CMD_LOAD_ABORT },
	{ "FLUSH", SFB_CMD_FLUSH },
	{ "ZERO_STATS", SFB_CMD_ZERO_STATS },
	{ "MATCH", SFB_CMD_MATCH },
	{ "GET_RULESET", SFB_CMD_GET_RULESET },
	{ "GET_STATS", SFB_CMD_GET_STATS },
	{ "GET_INFO", SFB_CMD_GET_INFO },
};

/* Points past this many: the command never stops allocating. */
#define FAULTS_MAX_POINTS	100000

/* Fail each allocation point of f->cmd in turn; print the outcomes. */
static void faults_run(struct faults *f)
{
	bool consumed = true;

	f->refused = 0;
	f->absorbed = 0;
	f->ack_lost = 0;
	for (f->point = 1; consumed; f->point++) {
		int ret;

		if (f->point > FAULTS_MAX_POINTS)
			faults_fail(f, "the command still allocates");
		ret = faults_call(f, f->point, &consumed);
		if (ret == 0) {
			faults_succeeded(f);
			f->absorbed += consumed;
			continue;
		}
		if (!consumed)
			faults_fail(f, "refused with no fault injected: %s (%s)",
				    strerror(-ret), f->c->extack);
		if (faults_failed(f, ret))
			f->ack_lost++;
		else
			f->refused++;
		/* A fresh socket: a failed dump stays half-done on this one. */
		conn_close(f->c);
		f->c = conn_open();
	}
	printf("%s: %u allocation points failed, all refused cleanly\n"
	       "  (%u with an error, %u absorbed by a fallback, %u acks lost after success)\n",
	       f->name, f->point - 2, f->refused, f->absorbed, f->ack_lost);
	fflush(stdout);
}

static int cmd_faults(const char *old, const char *new, int ncmds,
		      char *cmds[])
{
	struct faults f = { 0 };
	uint32_t group;

	ruleset_read(&f.old, old);
	ruleset_read(&f.new, new);
	f.c = conn_open();
	f.chk = conn_open();
	f.events = conn_open();
	group = sfb_nl_events_group(f.events->sock);
	if (!group || mnl_socket_setsockopt(f.events->sock,
					    NETLINK_ADD_MEMBERSHIP, &group,
					    sizeof(group)) < 0)
		die("sfb_replay: join the events group");
	f.gen = get_generation(f.chk);
	f.rulesets = f.chk->rulesets;
	pin_cpu();
	faults_expect(&f, &f.old, f.gen);
	faults_prefault();
	for (int k = 0; k < ncmds; k++) {
		f.name = cmds[k];
		f.cmd = 0;
		for (size_t i = 0; i < ARRAY_SIZE(fault_cmds); i++)
			if (!strcmp(f.name, fault_cmds[i].name))
				f.cmd = fault_cmds[i].cmd;
		if (!f.cmd) {
			fprintf(stderr, "sfb_replay: faults: no command %s\n",
				f.name);
			return 2;
		}
		if (faults_txn(&f) && f.cmd < SFB_CMD_LOAD_COMMIT &&
		    faults_step(&f) == f.new.n) {
			fprintf(stderr, "sfb_replay: faults: %s has no %s\n",
				new, f.name);
			return 2;
		}
		faults_run(&f);
	}
	return 0;
}

/*
 * A new namespace passes ~1,000 allocation points on the debug kernel,
 * nearly all the core's, at ~0.4 s each under TCG. Every one of the last
 * FAULTS_NETNS_TAIL fails, where sfb's pernet init runs (registered last,
 * it runs last) and the teardown of a namespace failed late calls every
 * exit; before them, one in FAULTS_NETNS_STRIDE.
 */
#define FAULTS_NETNS_TAIL	32
#define FAULTS_NETNS_STRIDE	24

/*
 * The system call @call(@arg) with its @n-th allocation point failed: 0
 * or -errno, *@left what fail-nth had left.
 */
static int faults_nth(int (*call)(int), int arg, unsigned int n,
		      unsigned long *left)
{
	int ret;

	fail_nth_set(n);
	ret = call(arg) < 0 ? -errno : 0;
	*left = fail_nth_left();
	fail_nth_set(0);
	return ret;
}

/*
 * The point after @point of @total: one in @stride, then each of the
 * last @tail.
 */
static unsigned int faults_next(unsigned int point, unsigned int total,
				unsigned int tail, unsigned int stride)
{
	if (point + tail >= total)
		return point + 1;
	return point + stride + tail < total ? point + stride : total - tail;
}

/*
 * unshare(CLONE_NEWNET) with its Nth allocation point failed until it
 * passes without the fault: a failure leaves the caller in its
 * namespace. The last namespace gets FILE loaded and its traffic checked,
 * and then goes away with the ruleset in force. That destruction runs in
 * a kworker (cleanup_net), where fail-nth does not reach; sfb's part of
 * it (pre_exit: unregister the hooks, free the ruleset) allocates
 * nothing. The module's ruleset count tells it was freed.
 */
static int cmd_faults_netns(const char *path)
{
	int home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct faults f = { .name = "netns" };
	unsigned int total, tried = 0;
	unsigned long left;
	struct stat home, now;
	struct conn *c;

	if (home_fd < 0 || fstat(home_fd, &home) < 0)
		die("sfb_replay: /proc/self/ns/net");
	ruleset_read(&f.new, path);
	f.chk = conn_open();
	get_generation(f.chk);
	f.rulesets = f.chk->rulesets;
	pin_cpu();
	faults_prefault();
	/* How many points: what a count too high to reach has left. */
	if (faults_nth(unshare, CLONE_NEWNET, FAULTS_MAX_POINTS, &left) < 0 ||
	    setns(home_fd, CLONE_NEWNET) < 0)
		die("sfb_replay: unshare");
	total = FAULTS_MAX_POINTS - left;
	for (f.point = 1;; f.point = faults_next(f.point, total,
						 FAULTS_NETNS_TAIL,
						 FAULTS_NETNS_STRIDE)) {
		int ret = faults_nth(unshare, CLONE_NEWNET, f.point, &left);

		if (f.point > FAULTS_MAX_POINTS)
			faults_fail(&f, "unshare still allocates");
		if (ret < 0) {
			if (left)
				faults_fail(&f, "unshare: %s", strerror(-ret));
			/* The core's errors, some not ENOMEM: list them. */
			if (ret != -ENOMEM)
				printf("netns: allocation point %u: %s\n",
				       f.point, strerror(-ret));
			if (stat("/proc/self/ns/net", &now) < 0 ||
			    now.st_ino != home.st_ino)
				faults_fail(&f, "unshare failed, yet the namespace changed");
			f.refused++;
			tried++;
			continue;
		}
		if (left)
			break;
		f.absorbed++;
		tried++;
		if (setns(home_fd, CLONE_NEWNET) < 0)
			die("sfb_replay: setns");
	}
	lo_up();
	c = conn_open();
	load_or_die(c, &f.new, path);
	netns_traffic(f.point);
	conn_close(c);
	if (setns(home_fd, CLONE_NEWNET) < 0)
		die("sfb_replay: setns");
	faults_wait_rulesets(&f, f.rulesets);
	printf("netns: %u allocation points failed, all refused cleanly\n"
	       "  (of %u: the last %u, one in %u before; %u with an error,\n"
	       "  %u absorbed by a fallback); the last namespace, destroyed\n"
	       "  with a ruleset in force, freed it\n",
	       tried, f.point - 1, FAULTS_NETNS_TAIL, FAULTS_NETNS_STRIDE,
	       f.refused, f.absorbed);
	return 0;
}

/* What nlctrl lists: the sfb family's id (0: none), the highest other's. */
struct families {
	uint16_t sfb, others;
};

struct family {
	const char *name;
	uint16_t id;
};

static int family_attr(const struct nlattr *attr, void *data)
{
	struct family *fam = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		fam->name = mnl_attr_get_str(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		fam->id = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data)
{
	struct families *all = data;
	struct family fam = { .name = "" };

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr,
			   &fam) < 0)
		return MNL_CB_ERROR;
	if (!strcmp(fam.name, SFB_GENL_NAME))
		all->sfb = fam.id;
	else if (fam.id > all->others)
		all->others = fam.id;
	return MNL_CB_OK;
}

/*
 * A dump: asked for the sfb family by name, nlctrl would request the
 * module its alias names.
 */
static struct families families(struct conn *c)
{
	struct nlmsghdr *nlh = sfb_nl_request(c->buf, GENL_ID_CTRL,
					      CTRL_CMD_GETFAMILY, NLM_F_DUMP,
					      ++c->seq);
	struct families all = { 0 };
	int ret;

	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	if (mnl_socket_sendto(c->sock, nlh, nlh->nlmsg_len) < 0)
		die("sfb_replay: nlctrl");
	do {
		ret = mnl_socket_recvfrom(c->sock, c->buf, sizeof(c->buf));
		if (ret > 0)
			ret = mnl_cb_run(c->buf, ret, c->seq, c->portid,
					 family_reply, &all);
	} while (ret > 0);
	if (ret < 0)
		die("sfb_replay: nlctrl's families");
	return all;
}

static bool module_loaded(void)
{
	return access("/sys/module/nf_sfb", F_OK) == 0;
}

static int finit(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0);
}

/* Unload nf_sfb, which holds nothing, and check it is gone. */
static void faults_unload(const struct faults *f, struct conn *nlctrl)
{
	if (syscall(SYS_delete_module, "nf_sfb", O_NONBLOCK) < 0)
		faults_fail(f, "delete_module: %s", strerror(errno));
	if (module_loaded() || families(nlctrl).sfb)
		faults_fail(f, "nf_sfb unloaded, yet still there");
}

/*
 * Loading nf_sfb passes ~340 slab allocation points on the debug kernel
 * with two namespaces (fault_injection.sh leaves out the pages: the
 * loader's vmalloc()s and KASAN's shadow of them vary the count most),
 * all the module loader's but sfb_init's 8 (an sfb_net per namespace and
 * the radix tree node of the family's id, each with kmemleak's record)
 * and the ~25 after them (genl's notifications and the loader's uevent,
 * ~8 more per namespace; failed, they are absorbed). Just before
 * sfb_init, gcov's constructors (the debug module's) allocate, and must
 * not fail: gcov then loses the counts of the module's files, not that
 * load's only. Every one of the last FAULTS_MODULE_TAIL fails, then one in
 * FAULTS_MODULE_STRIDE before (the loader's failures, some of which it
 * reports in the log). The count still varies by a few points from one
 * load to the next, before sfb_init: a point fails one of its
 * neighbours. So the tail is swept FAULTS_MODULE_ROUNDS times, and
 * counted back from the highest of 20 totals, short of gcov's: it
 * reaches the family's registration and the last namespaces' pernet
 * init, not always the first's.
 */
#define FAULTS_MODULE_TAIL	31
#define FAULTS_MODULE_STRIDE	24
#define FAULTS_MODULE_ROUNDS	8

/*
 * genl_register_family() allocates, and so may fail, only where the
 * family's id needs a node of its own in the radix tree of ids (a leaf of
 * 16 or 64): ids are given in turn, one more at each load. The next one
 * must be past the blocks of 64 the other families hold, and far enough
 * from GENL_MAX_ID not to wrap around during the run.
 */
#define FAULTS_MODULE_LOADS	320

static bool genl_id_apart(struct families all)
{
	unsigned int next = all.sfb + 1;

	return next / 64 > all.others / 64 &&
	       next + FAULTS_MODULE_LOADS <= GENL_MAX_ID;
}

/*
 * finit_module() with f->point failed: false if the fault was not
 * injected (nf_sfb stays loaded). After a failure neither the module nor
 * its family may be left; a load that absorbed the fault must answer,
 * and is unloaded.
 */
static bool faults_load(struct faults *f, int fd, struct conn *nlctrl)
{
	unsigned long left;
	int ret = faults_nth(finit, fd, f->point, &left);
	struct conn *c;

	if (f->point > FAULTS_MAX_POINTS)
		faults_fail(f, "finit_module still allocates");
	if (ret < 0) {
		if (left)
			faults_fail(f, "finit_module: %s", strerror(-ret));
		/* The loader's errors, some not ENOMEM: list them. */
		if (ret != -ENOMEM)
			printf("module: allocation point %u: %s\n", f->point,
			       strerror(-ret));
		if (module_loaded())
			faults_fail(f, "the load failed, yet nf_sfb is in /sys/module");
		if (families(nlctrl).sfb)
			faults_fail(f, "the load failed, yet the genl family sfb is registered");
		f->refused++;
		return true;
	}
	c = conn_open();
	get_generation(c);
	conn_close(c);
	if (left)
		return false;
	faults_unload(f, nlctrl);
	f->absorbed++;
	return true;
}

/*
 * finit_module() of KO with its Nth allocation point failed until it
 * loads without the fault: nf_sfb must not be loaded when it starts, and
 * is at the end. After a failure neither the module nor its genl family
 * may be left; where the fault was absorbed, the module must answer, and
 * is unloaded for the next point. What sfb_init registered and leaked
 * would show later: a pernet_operations in freed module memory at the
 * next load or namespace, memory to kmemleak.
 */
static int cmd_faults_module(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	struct faults f = { .name = "module" };
	unsigned int total = 0, tried = 0;
	struct conn nlctrl = { 0 };
	struct families all = { 0 };
	unsigned long left;

	if (fd < 0)
		die(ko);
	nlctrl.sock = sfb_nl_open(false);
	if (!nlctrl.sock)
		die("sfb_replay: socket");
	nlctrl.portid = mnl_socket_get_portid(nlctrl.sock);
	if (module_loaded() || families(&nlctrl).sfb) {
		fprintf(stderr, "sfb_replay: faults module: nf_sfb is loaded\n");
		return 2;
	}
	pin_cpu();
	faults_prefault();
	/*
	 * How many points: what a count too high to reach has left, the
	 * most of 20 loads but the first (which passes more, filling
	 * caches), and until the family's id is apart.
	 */
	for (int loads = 0; loads < 20 || !genl_id_apart(all); loads++) {
		if (faults_nth(finit, fd, FAULTS_MAX_POINTS, &left) < 0)
			die("sfb_replay: finit_module");
		if (loads && FAULTS_MAX_POINTS - left > total)
			total = FAULTS_MAX_POINTS - left;
		all = families(&nlctrl);
		faults_unload(&f, &nlctrl);
	}
	for (unsigned int round = 0; round < FAULTS_MODULE_ROUNDS; round++) {
		if (round)
			faults_unload(&f, &nlctrl);
		f.point = round ? total - FAULTS_MODULE_TAIL : 1;
		while (faults_load(&f, fd, &nlctrl)) {
			tried++;
			f.point = faults_next(f.point, total,
					      FAULTS_MODULE_TAIL,
					      FAULTS_MODULE_STRIDE);
		}
	}
	mnl_socket_close(nlctrl.sock);
	close(fd);
	printf("module: %u allocation points failed, all refused cleanly\n"
	       "  (of %u: the last %u %u times, one in %u before; %u with an error,\n"
	       "  %u absorbed by a fallback); nf_sfb loaded at last answers\n",
	       tried, f.point - 1, FAULTS_MODULE_TAIL, FAULTS_MODULE_ROUNDS,
	       FAULTS_MODULE_STRIDE, f.refused, f.absorbed);
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
	if (argc == 4 && !strcmp(argv[1], "faults") &&
	    !strcmp(argv[2], "netns"))
		return cmd_faults_netns(argv[3]);
	if (argc == 4 && !strcmp(argv[1], "faults") &&
	    !strcmp(argv[2], "module"))
		return cmd_faults_module(argv[3]);
	if (argc >= 5 && !strcmp(argv[1], "faults"))
		return cmd_faults(argv[2], argv[3], argc - 4, argv + 4);
	fprintf(stderr, "usage: sfb_replay save FILE | same FILE | load N FILE... |\n"
		"                  netns N FILE | race N FILE_A FILE_B |\n"
		"                  faults OLD NEW COMMAND... | faults netns FILE |\n"
		"                  faults module KO\n");
	return 2;
}
